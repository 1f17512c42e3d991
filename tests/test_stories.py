"""Originals, revisions and stories on real SaudiNewsNet records (SPA wire copy across 14 outlets).

The records are read in place from ../shared/corpora/saudinewsnet (three days), written as JSONL
records with `published` (as bench/corpora.py converts them), and run through the real pipeline
(LocalExecutor, real DuckDB over the written Parquet). The records kept are those sharing an
8-word run of normalized text with another record (wire copy, rewrites, revisions) and every
15th other one, so the runs stay small.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest

from akhbar import store
from akhbar.arabic import normalize_arabic
from akhbar.flows.orchestration import LocalExecutor, run_pipeline
from akhbar.settings import Settings
from tests.conftest import require_shared

N_DAYS = 3
SHINGLE = 8
PARAGRAPH_COLUMNS = (
    "doc_id, position, status, reason, first_doc_id, first_position, relation, similar_doc_id, similar_position"
)


def _day_records(path: Path) -> list[dict]:
    with zipfile.ZipFile(path) as zf:
        for name in sorted(n for n in zf.namelist() if n.endswith(".json")):
            recs = json.loads(zf.read(name))
    out = []
    for i, obj in enumerate(recs):
        paras = [p.strip() for p in (obj.get("content") or "").replace("\r", "\n").split("\n") if p.strip()]
        extracted = (obj.get("date_extracted") or "").strip()
        if paras and extracted:
            out.append(
                {
                    "id": f"sn-{path.stem}-{i:05d}",
                    "url": obj.get("url") or None,
                    "title": (obj.get("title") or "").strip() or None,
                    "source": obj.get("source"),
                    "published": extracted.replace(" ", "T"),
                    "text": "\n\n".join(paras),
                }
            )
    return out


def _shingles(text: str) -> set[int]:
    words = normalize_arabic(text).split()
    return {hash(" ".join(words[i : i + SHINGLE])) for i in range(max(0, len(words) - SHINGLE + 1))}


@pytest.fixture(scope="module")
def days() -> list[list[dict]]:
    """Per day (in publication order), the records kept for the tests."""
    root = require_shared("corpora", "saudinewsnet")
    per_day = [_day_records(p) for p in sorted(root.glob("*.zip"))[:N_DAYS]]
    owners: dict[int, set[str]] = defaultdict(set)
    for recs in per_day:
        for r in recs:
            for s in _shingles(r["text"]):
                owners[s].add(r["id"])
    kept = []
    for recs in per_day:
        kept.append(
            [r for k, r in enumerate(recs) if k % 15 == 0 or any(len(owners[s]) > 1 for s in _shingles(r["text"]))]
        )
    return kept


def _write(recs: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")


def _run(inputs: Path, out: Path, **settings) -> dict:
    summary = run_pipeline([str(inputs)], str(out), Settings(**settings), LocalExecutor())
    assert summary["published"]
    return summary


@pytest.fixture(scope="module")
def in_order(days, tmp_path_factory) -> Path:
    """One run, one file per day, in publication order."""
    root = tmp_path_factory.mktemp("sn-order")
    for k, recs in enumerate(days):
        _write(recs, root / "in" / f"day{k}.jsonl")
    _run(root / "in", root / "out")
    return root / "out"


@pytest.fixture(scope="module")
def shuffled(days, tmp_path_factory) -> Path:
    """One run, every record in one file, in a shuffled order (later days often read first)."""
    root = tmp_path_factory.mktemp("sn-shuffled")
    recs = [r for day in days for r in day]
    random.Random(5).shuffle(recs)
    _write(recs, root / "in" / "all.jsonl")
    _run(root / "in", root / "out")
    return root / "out"


def _rows(out: Path, sql: str, params=None) -> list[tuple]:
    con = store.connect(out)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _originals(out: Path) -> dict[tuple, tuple]:
    """(doc_id, position) of every cross-document copy -> (original doc_id, its publication day).

    The original is the end of the first_* chain: an exact copy points at the first copy of its
    text, which may itself be a near-duplicate of an earlier paragraph (no chaining in dedup)."""
    rows = _rows(
        out,
        """SELECT p.doc_id, p.position, p.first_doc_id, p.first_position, f.published, d.published
                         FROM paragraphs p JOIN documents d USING (doc_id) JOIN documents f ON f.doc_id = p.first_doc_id
                         WHERE p.status = 'duplicate' AND p.doc_id <> p.first_doc_id""",
    )
    first = {(r[0], r[1]): (r[2], r[3]) for r in rows}
    day = {r[2]: r[4] for r in rows}
    for _doc, _pos, _fdoc, _fpos, first_pub, copy_pub in rows:
        assert first_pub <= copy_pub, (first_pub, copy_pub)  # the original is never published later
    originals = {}
    for key in first:
        root = first[key]
        while root in first:
            root = first[root]
        originals[key] = (root[0], day[root[0]])
    return originals


def test_original_is_the_earliest_published_copy_whatever_the_input_order(in_order, shuffled):
    ordered, mixed = _originals(in_order), _originals(shuffled)
    assert len(ordered) > 300
    # the shuffle read copies of later days before their originals, and the dates still decided
    later_read_first = _rows(
        shuffled,
        """
        SELECT count(*) FROM paragraphs p JOIN documents d USING (doc_id) JOIN documents f ON f.doc_id = p.first_doc_id
        WHERE p.status = 'duplicate' AND p.doc_id <> p.first_doc_id AND f.published < d.published
          AND (d.input_index, d.record_index) < (f.input_index, f.record_index)""",
    )[0][0]
    assert later_read_first > 10
    # the same original's publication day for every copy. A tie on the day falls to input order, so
    # the copies differ among paragraphs published the same day as their original; and, rarely, a tie
    # between a kept paragraph and a title line of the same text (the title line is not compared for
    # near-duplicates) decides whether a later paragraph finds its near-duplicate at all.
    both = ordered.keys() & mixed.keys()
    assert len(both) > 300
    assert all(ordered[k][1] == mixed[k][1] for k in both)
    for copies, out in ((ordered, in_order), (mixed, shuffled)):
        only = [k for k in copies.keys() - both]
        day = dict(
            _rows(
                out,
                "SELECT doc_id, published FROM documents WHERE doc_id IN (SELECT unnest(?))",
                [[k[0] for k in only]],
            )
        )
        assert sum(day[k[0]] != copies[k][1] for k in only) <= 0.02 * len(copies)
    # where one copy alone has the earliest day, the same document is the original
    unique_first = _rows(
        in_order,
        """
        SELECT doc_id FROM documents d WHERE doc_id IN (SELECT first_doc_id FROM paragraphs WHERE status = 'duplicate')
          AND NOT EXISTS (SELECT 1 FROM paragraphs p JOIN documents c USING (doc_id)
                          WHERE p.first_doc_id = d.doc_id AND p.doc_id <> d.doc_id AND c.published = d.published)""",
    )
    unique_first = {r[0] for r in unique_first}
    compared = [k for k, v in ordered.items() if v[0] in unique_first]
    assert len(compared) > 50
    assert all(ordered[k][0] == mixed[k][0] for k in compared)
    # the view names, for every cluster, a member of the earliest day, and the outlets in carrying order
    for out in (in_order, shuffled):
        bad = _rows(
            out,
            """
            WITH m AS (SELECT first_doc_id, first_position, min(d.published) AS earliest
                       FROM paragraphs p JOIN documents d USING (doc_id)
                       WHERE p.status = 'duplicate' AND p.doc_id <> p.first_doc_id GROUP BY ALL)
            SELECT count(*) FROM first_publications f JOIN m USING (first_doc_id, first_position)
            WHERE f.earliest_published > m.earliest
               OR list_sort(f.site_first_published) <> f.site_first_published""",
        )[0][0]
        assert bad == 0
    # a wire paragraph carried by several outlets, named with its first publisher
    assert _rows(in_order, "SELECT max(len(sites_in_order)) FROM first_publications")[0][0] >= 4


def test_revisions_with_changed_numbers_are_kept_and_linked(in_order):
    rows = _rows(
        in_order,
        """
        SELECT p.status, p.text, q.text, p.similarity, d.text
        FROM paragraphs p JOIN paragraphs q ON q.doc_id = p.similar_doc_id AND q.position = p.similar_position
        JOIN documents d ON d.doc_id = p.doc_id
        WHERE p.relation = 'revision'""",
    )
    assert len(rows) >= 5
    for status, text, earlier, sim, doc_text in rows:
        assert status == "kept" and text in doc_text and sim >= 0.8  # kept in the article's text
        digits = lambda t: "".join(re.findall(r"\d", normalize_arabic(t)))  # noqa: E731
        assert digits(text) != digits(earlier), (text, earlier)  # their digits differ
    # exact duplicates are unchanged: removed, linked to their first copy
    exact = _rows(
        in_order,
        """SELECT count(*), count(*) FILTER (WHERE relation = 'duplicate' AND similarity = 1.0
                                                          AND similar_doc_id = first_doc_id)
                               FROM paragraphs WHERE reason = 'exact_dup'""",
    )[0]
    assert exact[0] > 100 and exact[0] == exact[1]
    # near-duplicates whose numbers are the same stay duplicates
    assert (
        _rows(in_order, "SELECT count(*) FROM paragraphs WHERE reason = 'near_dup' AND relation = 'duplicate'")[0][0]
        > 50
    )


def test_story_clusters_group_a_wire_story_across_outlets(days, in_order):
    by_url = dict(_rows(in_order, "SELECT url, doc_id FROM documents"))
    story = dict(_rows(in_order, "SELECT doc_id, story_id FROM story_members"))
    assert set(story) == set(by_url.values())  # every document has a story
    # the same wire text published the same day by several outlets: one story
    same_text: dict[tuple, list[dict]] = defaultdict(list)
    for k, recs in enumerate(days):
        for r in recs:
            same_text[(k, normalize_arabic(r["text"]))].append(r)
    groups = [g for g in same_text.values() if len({r["source"] for r in g}) >= 2]
    assert len(groups) >= 5
    for g in groups:
        assert len({story[by_url[r["url"]]] for r in g}) == 1, [r["url"] for r in g]
    # stories carried by several outlets, each member linked to an earlier article of the story
    multi = _rows(in_order, "SELECT story_id, n_sites, span_days FROM stories WHERE n_sites >= 3")
    assert len(multi) >= 10
    assert all(span is None or span <= 3 * len(days) for _s, _n, span in multi)
    broken = _rows(
        in_order,
        """SELECT count(*) FROM story_members m JOIN story_members l ON l.doc_id = m.linked_doc_id
                                WHERE m.story_id <> l.story_id""",
    )[0][0]
    assert broken == 0


def _tables(out: Path) -> tuple[list, list]:
    paragraphs = _rows(out, f"SELECT {PARAGRAPH_COLUMNS} FROM paragraphs ORDER BY doc_id, position")
    stories = _rows(out, "SELECT doc_id, story_id, linked_doc_id FROM story_members ORDER BY doc_id")
    return paragraphs, stories


def test_one_run_equals_runs_split_in_publication_order_and_any_shard_size(days, in_order, tmp_path):
    one = _tables(in_order)
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    for k, recs in enumerate(days):  # a night per day: the day's file arrives, a run reads it
        _write(recs, inbox / f"day{k}.jsonl")
        _run(inbox, out, shard_size=200)
    assert len(_rows(out, "SELECT run_id FROM runs")) == len(days)
    split = _tables(out)
    assert split[1] == one[1]  # story ids
    # paragraphs: the same, but for site templates, which can differ between one run and several
    # (a known limit, tasks/dedup.py: earlier runs' rows are never rewritten once a line qualifies)
    templates = {r[:2] for r in one[0] + split[0] if r[3] == "site_template"}
    assert len(templates) < 0.01 * len(one[0])
    assert [r for r in split[0] if r[:2] not in templates] == [r for r in one[0] if r[:2] not in templates]
    # stories joined across runs: an article of a later night in a story begun on an earlier night
    across = _rows(
        out,
        """SELECT count(*) FROM story_members m JOIN story_members f ON f.doc_id = m.story_id
                           WHERE m.run_id > f.run_id""",
    )[0][0]
    assert across > 5
    small = tmp_path / "small"
    shutil.copytree(in_order.parent / "in", small / "in")
    _run(small / "in", small / "out", shard_size=37, shard_max_chars=60_000)
    assert _tables(small / "out") == one


def test_runs_in_reverse_publication_order_keep_stored_decisions_and_the_view_names_the_earliest(days, tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    for k in reversed(range(len(days))):  # the last day first: later runs bring earlier copies
        _write(days[k], inbox / f"day{k}.jsonl")
        _run(inbox, out)
    # stored decisions stand: copies of an earlier day point at the paragraph stored first
    stood = _rows(
        out,
        """SELECT count(*) FROM paragraphs p JOIN documents d USING (doc_id)
                          JOIN documents f ON f.doc_id = p.first_doc_id
                          WHERE p.status = 'duplicate' AND d.published < f.published""",
    )[0][0]
    assert stood > 50
    # and the view names the earliest published member of every cluster
    rows = _rows(
        out,
        """
        WITH m AS (SELECT p.first_doc_id, p.first_position, min(d.published) AS earliest
                   FROM paragraphs p JOIN documents d USING (doc_id)
                   WHERE p.status = 'duplicate' AND p.doc_id <> p.first_doc_id GROUP BY ALL),
        f AS (SELECT m.*, d.published AS first_published FROM m JOIN documents d ON d.doc_id = m.first_doc_id)
        SELECT count(*), count(*) FILTER (WHERE v.earliest_published = least(f.earliest, f.first_published)),
               count(*) FILTER (WHERE v.earliest_doc_id <> v.first_doc_id)
        FROM first_publications v JOIN f USING (first_doc_id, first_position)""",
    )[0]
    assert rows[0] > 300 and rows[1] == rows[0] and rows[2] > 50


def test_most_repeated_paragraphs_count_article_text_not_page_furniture(in_order, tmp_path):
    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    _run(sample, tmp_path / "out")
    con = store.connect(tmp_path / "out")
    try:
        # the sample's comment thread repeats a «الموضوع :» label inside one page
        clusters = [normalize_arabic(r[0]) for r in con.execute("SELECT text FROM duplicate_clusters").fetchall()]
        assert "الموضوع" in clusters
        for sql in ("sql/report/most_repeated_paragraphs.sql", "sql/queries/most_repeated_paragraphs.sql"):
            rel = con.execute((sample.parents[1] / sql).read_text(encoding="utf-8"))
            names = [c[0] for c in rel.description]
            texts = [normalize_arabic(dict(zip(names, r))["text"]) for r in rel.fetchall()]
            assert "الموضوع" not in texts
    finally:
        con.close()
    # on the wire corpus they are article paragraphs carried across outlets
    repo = Path(__file__).resolve().parents[1]
    rows = _rows(in_order, (repo / "sql/report/most_repeated_paragraphs.sql").read_text(encoding="utf-8"))
    assert len(rows) == 20 and all(r[1] >= 2 and len(normalize_arabic(r[4]).split()) >= 8 for r in rows)
