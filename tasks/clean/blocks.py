"""Where the article's body starts: blocks of body-length lines and the main one among them."""

from __future__ import annotations

from akhbar.tasks.clean.lines import _Feat
from akhbar.tasks.clean.rules import Rules

_HARD_KINDS = frozenset({"trailer_cue", "source", "tags", "comment", "topic", "headline_list"})


def _is_hard(f: _Feat) -> bool:
    """A line that separates blocks: end markers, comment threads, link lists (not a soft cue)."""
    return f.kind in _HARD_KINDS and not (f.kind == "trailer_cue" and f.extra == "soft")


# long: one scoring pass over the blocks whose steps share the block list and scores
def _body_start(feats: list[_Feat], rules: Rules) -> tuple[int, set[int]]:
    """Index of the first body line: the start of the main block of body lines.

    Body-length lines are grouped into blocks (consecutive ones, allowing up to block_max_gap
    other lines between them, or block_content_gap short content lines, no trailer cue / end marker
    in the gap). The main block has the most characters; earlier blocks close enough before it
    (block_attach_gap) are part of the article (a lead paragraph split from the rest by a photo
    caption or a share bar) unless the article's byline / date line stands between them.
    """
    t = rules.t
    strong = [i for i, f in enumerate(feats) if f.kind == "strong"]
    if not strong:
        return len(feats), set()
    # hard_before[i]: separating lines before index i (so a gap's count is one subtraction)
    hard_before = [0]
    for f in feats:
        hard_before.append(hard_before[-1] + _is_hard(f))
    max_gap = t["block_max_gap"]
    blocks: list[list[int]] = [[strong[0]]]
    long_gap = t["block_content_gap"]
    for prev, cur in zip(strong, strong[1:]):
        gap = cur - prev - 1
        if hard_before[cur] == hard_before[prev + 1] and (
            gap <= max_gap
            # a longer gap of content-like short lines (list items, subheads) does not split
            # the article; menus are runs of one- and two-word lines
            or (gap <= long_gap and _content_gap(feats, prev + 1, cur))
        ):
            blocks[-1].append(cur)
        else:
            blocks.append([cur])
    mass = [sum(len(feats[i].text) for i in b) for b in blocks]
    # Score = characters x density^p, density = body lines / lines spanned: an article is a run of
    # paragraphs; teaser lists alternate a headline with a blurb (density ~ 0.5).
    p = t["block_density_power"]
    # ... and x (1 - w + w * share of its lines ending a sentence): paragraphs end with a full
    # stop, headline lists do not.
    w = t["block_sentence_weight"]
    score = [
        m * (len(b) / (b[-1] - b[0] + 1)) ** p * (1 - w + w * sum(feats[i].ends_sentence for i in b) / len(b))
        for m, b in zip(mass, blocks)
    ]
    # Text after an end-of-article marker (copyright line, "التعليقات", "آخر الأخبار", ...) is
    # rarely the article: each such marker before a block discounts it.
    hard_seen = 0
    pos = 0
    for bi, b in enumerate(blocks):
        in_gap = 0
        while pos < b[0]:
            fk = feats[pos].kind
            # an end marker (or teaser box) counts once some body text precedes it (not in the
            # page header)
            if pos > strong[0] and ((fk == "trailer_cue" and feats[pos].extra != "soft") or fk in ("source", "tags")):
                in_gap += 1
            pos += 1
        # markers between two blocks count up to end_markers_per_gap: a mega-menu full of
        # "More from X" cues is one boundary, not twelve
        hard_seen += min(in_gap, t["end_markers_per_gap"])
        score[bi] *= t["after_end_marker_factor"] ** hard_seen
    main = max(range(len(blocks)), key=lambda b: score[b])
    # Blocks after the main one: the article goes on after a short interruption (an ad, a photo,
    # a read-also link); teasers, comments and footers come after a longer one. A later block is
    # kept when it follows the previous kept block closely, or scores close to the main block.
    weak_late: set[int] = set()
    last_kept = blocks[main][-1]
    for b in range(main + 1, len(blocks)):
        close = blocks[b][0] - last_kept - 1 <= t["late_block_max_gap"]
        if (close and score[b] >= t["late_block_min_ratio"] * score[main]) or (
            score[b] >= t["late_block_keep_ratio"] * score[main]
        ):
            last_kept = blocks[b][-1]
        else:
            weak_late.update(blocks[b])
    first = main
    while first > 0:
        prev_end, cur_start = blocks[first - 1][-1], blocks[first][0]
        if cur_start - prev_end - 1 > t["block_attach_gap"]:
            break
        if hard_before[cur_start] != hard_before[prev_end + 1] and not (
            # a teaser box ("Most Read") dropped between two runs of paragraphs splits one article
            # (the body pass returns to the article after it, see widget_return_within)
            all(
                feats[g].kind == "trailer_cue" and feats[g].extra == "widget"
                for g in range(prev_end + 1, cur_start)
                if _is_hard(feats[g])
            )
            and _paragraph_run(feats, blocks[first - 1][-2:])
        ):
            break
        # the article's own byline / date line between them: what comes before is another item
        if any(feats[g].kind in ("byline", "date_line") for g in range(prev_end + 1, cur_start)):
            break
        first -= 1
    return blocks[first][0], weak_late


def _paragraph_run(feats: list[_Feat], idx: list[int]) -> bool:
    """Two consecutive body lines that end like sentences (paragraphs, not a headline + blurb)."""
    return len(idx) == 2 and idx[1] == idx[0] + 1 and all(feats[i].ends_sentence for i in idx)


def _content_gap(feats: list[_Feat], a: int, b: int) -> bool:
    """Lines a..b-1 are short content lines (list items, subheads) between two paragraphs, not a
    menu: all weak / section / date lines of 3+ words, or with a lone one- or two-word line here and
    there ("Meal 1", "Pre-Workout Meal" heading an item): never two in a row (menus are runs of
    them), at most a third of the gap, and no date line with them (teasers: topic, headline,
    author, "11 hours ago", blurb)."""
    prev_short = dated = False
    n_short = 0
    for g in range(a, b):
        f = feats[g]
        if f.kind not in ("weak", "section", "date_line"):
            return False
        short = f.nw < 3
        if short and prev_short:
            return False
        prev_short = short
        n_short += short
        dated |= f.kind == "date_line"
    return n_short == 0 or (not dated and 3 * n_short <= b - a)
