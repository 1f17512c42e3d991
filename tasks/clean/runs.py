"""Context rules on runs of lines: headline lists, number tables, comment threads."""

from __future__ import annotations

from akhbar.tasks.clean.lines import _Feat, _length_kind
from akhbar.tasks.clean.rules import Rules


# long: one left-to-right scan, a branch per kind of run
def _resolve_runs(feats: list[_Feat], rules: Rules) -> None:
    """Context rules on runs of lines: headline lists, number tables, comment threads."""
    t = rules.t
    n = len(feats)
    i = 0
    while i < n:
        k = feats[i].kind
        if k in ("bullet", "numrow", "counted"):
            j = i
            while j < n and feats[j].kind == k:
                j += 1
            run = feats[i:j]
            if k == "bullet":
                sentences = sum(1 for f in run if f.text.rstrip()[-1] in ".!?؟" or f.nw > t["headline_max_words"])
                is_list = len(run) >= t["list_min_run"] and sentences * 2 < len(run)
                new = "headline_list" if is_list else None
            elif k == "counted":
                new = "headline_list" if len(run) >= t["count_list_min_run"] else None
            else:
                new = "number_table" if len(run) >= t["number_table_min_run"] else None
            for f in run:
                if new is not None:
                    f.kind = new
                else:
                    f.kind = _length_kind(f, rules)
            i = j
        else:
            i += 1
    # comment threads: "name : comment ..." with an ellipsis, or next to a topic line / comment
    for i, f in enumerate(feats):
        if f.kind == "comment" and f.extra != "ellipsis":
            near = feats[max(0, i - 2) : i] + feats[i + 1 : i + 3]
            if not any(g.kind == "topic" or (g.kind == "comment" and g.extra == "ellipsis") for g in near):
                f.kind = _length_kind(f, rules)
    for i in range(1, n):
        if feats[i - 1].kind == "topic" and feats[i].kind in ("weak", "strong", "comment"):
            feats[i].kind = "comment"
            feats[i].extra = "ellipsis"
    # A line right before a bare photo credit ("Photo: Hau Dinh, AP") is that photo's caption.
    for i in range(n - 1):
        g = feats[i + 1]
        if (
            g.kind in ("cue_line", "caption")
            and feats[i].kind in ("strong", "weak")
            and feats[i].nw <= t["caption_max_words"]
            and g.nw <= t["credit_max_words"]
            and (m := rules.caption_re.search(g.text)) is not None
            and m.start() == 0
        ):
            feats[i].kind = "caption"
    # A source line inside a run of paragraphs (a paragraph before it, two after it) credits a chart
    # or a photo ("Source: Natl Energy Administration"); the article's source line ends the article.
    for i in range(1, n - 2):
        if (
            feats[i].kind == "source"
            and feats[i - 1].kind == "strong"
            and all(feats[j].kind == "strong" and feats[j].ends_sentence for j in (i + 1, i + 2))
        ):
            feats[i].kind = "credit"
    # Relative time stamps ("2 days ago at 07:52 am", "11 hours ago") recurring every few lines head
    # the items of a comment thread or a news feed, never the paragraphs of one article (its own
    # stamp is one line): a series of feed_min_stamps of them, each at most thread_max_gap lines
    # after the previous one, are comment headers (the thread rule below takes the lines between).
    stamps = [i for i, f in enumerate(feats) if f.kind == "date_line" and f.extra == "relative"]
    gap = t["thread_max_gap"]
    k = 0
    while k < len(stamps):
        m = k
        while m + 1 < len(stamps) and stamps[m + 1] - stamps[m] <= gap + 1:
            m += 1
        if m - k + 1 >= t["feed_min_stamps"]:
            for i in stamps[k : m + 1]:
                feats[i].kind = "topic"
        k = m + 1
    # A thread: comment headers at most thread_max_gap lines apart. Everything between two of them,
    # and after the last one up to the next other kind of line, is comment text.
    topics = [i for i, f in enumerate(feats) if f.kind == "topic"]
    gap = t["thread_max_gap"]
    for k, a in enumerate(topics):
        nxt = topics[k + 1] if k + 1 < len(topics) else None
        to_next = nxt is not None and nxt - a <= gap + 1
        if not to_next and not (k > 0 and a - topics[k - 1] <= gap + 1):
            continue  # a lone header
        end = nxt if nxt is not None and to_next else min(n, a + 1 + gap)
        for j in range(a + 1, end):
            if feats[j].kind not in _THREAD_KINDS:
                break
            feats[j].kind = "comment"
            feats[j].extra = "ellipsis"


# kinds a comment's text may take (its paragraphs, a short "Hi Bob,", a list, "In favor of X:")
_THREAD_KINDS = frozenset({"weak", "strong", "comment", "dateline", "bullet", "headline_list"})
