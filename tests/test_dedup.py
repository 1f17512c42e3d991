"""The dedup stage: exact and near-duplicate paragraphs, corpus-wide and across nightly runs.

A synthetic corpus (text scrapes written by `make_corpus`, fixed seed) holds what Arabic news
repeats: a body repeated inside its page, captions twice, wire copy syndicated to other sites in
other spellings (hamza forms, tashkeel, tatweel, Arabic-Indic digits), and edited copies (a changed
number, a dropped clause, a different source line). The real pipeline runs on it (LocalExecutor,
real DuckDB over real Parquet) with different shard sizes and split into several runs; the
decisions must be identical, and must match a brute-force reference (a dict over normalized text).
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest

from akhbar import store
from akhbar.arabic import norm_hash, normalize_arabic
from akhbar.flows.pipeline import LocalExecutor, run_pipeline
from akhbar.settings import Settings
from akhbar.tasks import dedup, revisions

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
COLUMNS = "doc_id, position, status, reason, first_doc_id, first_position, similarity, relation"
# The order that decides "first": publication day (undated last), then input order.
FIRST_ORDER = "d.published NULLS LAST, d.input_index, d.record_index, p.position"


def _words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 7))) for _ in range(n)]


def _sentence(rng: random.Random, vocab: list[str], lo: int = 14, hi: int = 30) -> str:
    words = [rng.choice(vocab) for _ in range(rng.randint(lo, hi))]
    words.insert(rng.randint(1, len(words) - 1), str(rng.randint(10, 9999)))
    return " ".join(words[:-1]) + "، " + words[-1] + "."


def _respell(text: str, rng: random.Random) -> str:
    """The same text as another site writes it (rules the normalizer folds)."""
    out = []
    for ch in text:
        if ch == "ا" and rng.random() < 0.5:
            ch = rng.choice("أإآ")
        elif ch == "ي" and rng.random() < 0.3:
            ch = "ى"
        elif ch == "ه" and rng.random() < 0.3:
            ch = "ة"
        elif ch.isdigit():
            ch = chr(0x0660 + int(ch))
        out.append(ch)
        if "\u0621" <= ch <= "\u064a" and rng.random() < 0.1:
            out.append(rng.choice("\u064e\u064f\u0650\u0651\u0640"))
    return "".join(out)


def _edit(text: str, rng: random.Random, kind: str) -> str:
    words = text.split(" ")
    if kind == "number":
        return " ".join(str(rng.randint(10, 9999)) if w.isdigit() else w for w in words)
    if kind == "drop":  # drop a short clause (3 words) from a long paragraph
        i = rng.randint(1, len(words) - 5)
        return " ".join(words[:i] + words[i + 3 :])
    if kind == "word":
        i = rng.randint(0, len(words) - 2)
        return " ".join(words[:i] + ["".join(rng.choice(LETTERS) for _ in range(5))] + words[i + 1 :])
    raise ValueError(kind)


def make_corpus(root: Path, n_docs: int = 36, seed: int = 7) -> list[Path]:
    """Text scrapes under root/<site>/NNN.txt; returns the files in input (sorted) order."""
    rng = random.Random(seed)
    vocab = _words(rng, 3000)
    sites = ["site-a", "site-b", "site-c"]
    wire = [_sentence(rng, vocab, 20, 40) for _ in range(5)]  # syndicated paragraphs
    files = []
    for d in range(n_docs):
        paras = [_sentence(rng, vocab) for _ in range(rng.randint(3, 6))]
        if d % 2 == 0:
            paras.insert(1, _respell(rng.choice(wire), rng))  # wire copy, another spelling
        if d % 4 == 1:
            paras.append(_edit(rng.choice(wire), rng, rng.choice(["number", "drop", "word"])))  # edited copy
        if d % 7 == 2:
            paras = paras + paras  # the whole body twice (seed 002)
        if d % 5 == 3:
            caption = _sentence(rng, vocab, 8, 10)
            paras = [caption] + paras + [caption]  # caption twice (seed 003)
        if d % 6 == 4:
            short = " ".join(rng.choice(vocab) for _ in range(5)) + "."
            paras += [short, _edit(short, rng, "word")]  # too short for near-dup search
        site = sites[d % 3]
        path = root / site / f"{d:03d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        title = " ".join(rng.choice(vocab) for _ in range(6))
        path.write_text("\n\n".join([title, f"2024-03-{1 + d % 28:02d}"] + paras) + "\n", encoding="utf-8")
        files.append(path)
    return sorted(files, key=lambda p: str(p))


def decisions(out: Path) -> list[tuple]:
    con = store.connect(out)
    rows = con.execute(f"SELECT {COLUMNS} FROM paragraphs ORDER BY doc_id, position").fetchall()
    con.close()
    return rows


def settings(**kw) -> Settings:
    # Site templates need template_min_docs documents of a site; the synthetic sites share no
    # template lines, and a high bar keeps the comparison about paragraph dedup (see akhbar.tasks.dedup).
    return Settings(**{"template_min_docs": 1000, **kw})


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    make_corpus(root)
    return root


@pytest.fixture(scope="module")
def baseline(corpus, tmp_path_factory) -> list[tuple]:
    out = tmp_path_factory.mktemp("out-base")
    run_pipeline([str(corpus)], str(out), settings(shard_size=500), LocalExecutor())
    return decisions(out)


def test_corpus_has_every_kind_of_repeat(baseline):
    reasons = {}
    for r in baseline:
        reasons[r[3]] = reasons.get(r[3], 0) + 1
    assert reasons.get("exact_dup", 0) >= 20, reasons
    relations = {}
    for r in baseline:
        relations[r[7]] = relations.get(r[7], 0) + 1
    assert reasons.get("near_dup", 0) >= 3, reasons
    assert relations.get("revision", 0) >= 2, relations  # the copies with a changed number
    for doc_id, pos, status, reason, fdoc, fpos, sim, rel in baseline:
        if rel == "revision":
            assert status == "kept" and fdoc is None and 0.8 <= sim <= 1.0
        if status == "duplicate":
            assert fdoc is not None and fpos is not None
            assert (fdoc, fpos) != (doc_id, pos)
            if reason == "exact_dup":
                assert sim == 1.0
            else:
                assert reason == "near_dup" and 0.8 <= sim < 1.0, (reason, sim)


@pytest.mark.parametrize(
    "shard_size,ingest_files,max_chars", [(1, 1, 10**9), (4, 3, 10**9), (16, 7, 10**9), (1000, 7, 3000)]
)
def test_same_decisions_for_any_shard_size(corpus, baseline, tmp_path, shard_size, ingest_files, max_chars):
    out = tmp_path / "out"
    summary = run_pipeline(
        [str(corpus)],
        str(out),
        settings(shard_size=shard_size, ingest_shard_files=ingest_files, shard_max_chars=max_chars),
        LocalExecutor(),
    )
    if max_chars < 10**9:  # the character cap alone split the records into several shards
        assert summary["shards"]["records"] > 1
    assert decisions(out) == baseline


def test_one_go_equals_three_nightly_runs(corpus, baseline, tmp_path):
    """The same files arriving over three nights (in publication order) give the same decisions."""
    files = sorted(corpus.rglob("*.txt"), key=lambda p: (p.read_text(encoding="utf-8").split("\n\n")[1], str(p)))
    live = tmp_path / "inbox"
    out = tmp_path / "out"
    thirds = [files[: len(files) // 3], files[len(files) // 3 : 2 * len(files) // 3], files[2 * len(files) // 3 :]]
    run_ids = []
    for night in thirds:
        for f in night:
            dest = live / f.relative_to(corpus)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, dest)
        summary = run_pipeline([str(live)], str(out), settings(shard_size=5), LocalExecutor())
        assert summary["published"]
        run_ids.append(summary["run_id"])
    assert len(set(run_ids)) == 3
    split = decisions(out)
    assert split == baseline
    # some duplicates found in a later night point at paragraphs stored by an earlier night
    con = store.connect(out)
    across = con.execute(
        """SELECT p.reason, count(*) FROM paragraphs p JOIN paragraphs f
             ON f.doc_id = p.first_doc_id AND f.position = p.first_position
           WHERE p.run_id <> f.run_id GROUP BY 1"""
    ).fetchall()
    n_state = con.execute(
        "SELECT count(*) FROM read_parquet(getvariable('akhbar_out') || '/paragraph_minhash/*.parquet')"
    ).fetchone()[0]
    con.close()
    assert dict(across).get("exact_dup", 0) > 0 and dict(across).get("near_dup", 0) > 0, across
    assert n_state > 0


def test_exact_decisions_match_brute_force_reference(corpus, tmp_path):
    """A plain dict over normalized text, in stable order, decides exactly the same exact dups."""
    out = tmp_path / "out"
    run_pipeline([str(corpus)], str(out), settings(near_dup_threshold=2.0), LocalExecutor())
    con = store.connect(out)
    rows = con.execute(
        f"""SELECT p.doc_id, p.position, p.text, p.status, p.reason, p.first_doc_id, p.first_position
           FROM paragraphs p JOIN documents d USING (doc_id)
           ORDER BY {FIRST_ORDER}"""
    ).fetchall()
    con.close()
    first: dict[str, tuple] = {}
    n_dup = 0
    in_doc: dict[str, int] = {}
    current_doc = None
    for doc_id, pos, text, status, reason, fdoc, fpos in rows:
        if doc_id != current_doc:
            current_doc, in_doc = doc_id, {}
        norm = normalize_arabic(text)
        if not norm:
            continue
        if norm in in_doc:  # inside a document every later copy is a duplicate, whatever its class
            assert (status, reason, fdoc, fpos) == ("duplicate", "exact_dup", doc_id, in_doc[norm]), text
            n_dup += 1
            continue
        in_doc[norm] = pos
        if status == "boilerplate":
            continue
        clean_status = "kept" if status == "duplicate" else status
        if norm in first and clean_status == "kept":
            assert (status, reason, fdoc, fpos) == ("duplicate", "exact_dup", *first[norm]), text
            n_dup += 1
        else:
            assert reason != "exact_dup", text
            first.setdefault(norm, (doc_id, pos))
        assert reason != "near_dup"  # switched off
    assert n_dup >= 20


def test_known_cases(baseline, corpus):
    rows = {(r[0], r[1]): r for r in baseline}
    by_doc: dict[str, list] = {}
    for r in baseline:
        by_doc.setdefault(r[0], []).append(r)
    # a document holding its body twice: the second half points at the first half, same document
    doubled = [rs for rs in by_doc.values() if sum(1 for r in rs if r[3] == "exact_dup" and r[4] == r[0]) >= 3]
    assert doubled, "no document with its body repeated was found"
    # near-duplicates point at an earlier paragraph that is not itself an exact duplicate
    for r in baseline:
        if r[3] == "near_dup":
            first = rows[(r[4], r[5])]
            assert first[3] != "exact_dup"


def test_state_holds_no_text_and_is_compact(baseline, tmp_path, corpus):
    out = tmp_path / "out"
    run_pipeline([str(corpus)], str(out), settings(), LocalExecutor())
    con = duckdb.connect()
    cols = [c[0] for c in con.execute(f"DESCRIBE SELECT * FROM '{out}/paragraph_minhash/*.parquet'").fetchall()]
    assert "text" not in cols
    sizes = con.execute(
        f"SELECT DISTINCT len(bands), octet_length(signature) FROM '{out}/paragraph_minhash/*.parquet'"
    ).fetchall()
    assert sizes == [(dedup.BANDS, dedup.NUM_PERM * 2)]


def test_second_run_with_nothing_new_changes_nothing(corpus, baseline, tmp_path):
    out = tmp_path / "out"
    run_pipeline([str(corpus)], str(out), settings(), LocalExecutor())
    summary = run_pipeline([str(corpus)], str(out), settings(), LocalExecutor())
    assert not summary["published"]
    assert decisions(out) == baseline


def test_near_dup_decisions_match_brute_force(corpus, tmp_path):
    """Every pair of eligible paragraphs compared (no LSH): each near_dup points at the earliest
    paragraph whose estimated similarity reaches the threshold, and no kept paragraph has one."""
    out = tmp_path / "out"
    s = settings()
    run_pipeline([str(corpus)], str(out), s, LocalExecutor())
    con = store.connect(out)
    rows = con.execute(
        f"""SELECT p.doc_id, p.position, p.text, p.reason, p.first_doc_id, p.first_position, p.similarity,
                  p.relation, p.similar_doc_id, p.similar_position
           FROM paragraphs p JOIN documents d USING (doc_id)
           WHERE p.status = 'kept' OR p.reason = 'near_dup'
           ORDER BY {FIRST_ORDER}"""
    ).fetchall()
    con.close()
    norms = [normalize_arabic(r[2]) for r in rows]
    tokens, n_words = dedup.token_hashes(norms)
    keep = n_words >= s.near_dup_min_words
    sig = (dedup.minhash_flat(tokens[np.repeat(keep, n_words)], n_words[keep]) & 0xFFFF).astype("<u2")
    elig = [r for r, k in zip(rows, keep) if k]
    assert len(elig) == len(sig) > 50
    n_near = 0
    for i, r in enumerate(elig):
        sims = dedup.similarity(np.repeat(sig[i : i + 1], i, axis=0), sig[:i]) if i else np.zeros(0)
        hits = np.nonzero(sims >= s.near_dup_threshold)[0]
        if len(hits):
            # the earliest one it repeats, else the earliest one it revises
            dup = [h for h in hits if revisions.relation(r[2], elig[h][2]) == "duplicate"]
            h = dup[0] if dup else hits[0]
            q = elig[h]
            if dup:
                assert (r[3], r[4], r[5], r[7]) == ("near_dup", q[0], q[1], "duplicate"), r[2]
            else:
                assert (r[3], r[4], r[7], r[8], r[9]) == ("body", None, "revision", q[0], q[1]), r[2]
            assert abs(r[6] - sims[h]) < 1e-6
            n_near += 1
        else:
            assert r[3] != "near_dup" and r[7] is None, r[2]
    assert n_near >= 5


# ---------------------------------------------------------------- signatures staged by the clean shards


def stage_clean(corpus: Path, out: Path, s: Settings) -> Path:
    """ingest + admit + clean of the corpus into a staging folder of `out` (the real stage functions,
    as the orchestration calls them); returns the run folder, kept for inspection."""
    from akhbar.tasks import clean, ingest

    store.init_layout(out)
    run = store.staging_dir(out, "test-run")
    run.mkdir(parents=True)
    s.save(run)
    shards = ingest.plan_ingest_shards(ingest.discover_inputs([str(corpus)]), s)
    ingest.save_ingest_plan(str(run), shards)
    for i in range(len(shards)):
        ingest.ingest_shard(str(run), i)
    admitted = ingest.admit_records(str(out), str(run))
    assert len(admitted["shards"]) > 1
    for k in admitted["shards"]:
        clean.clean_shard(str(run), k)
    return run


def test_clean_shards_stage_the_signatures_of_kept_lines(corpus, tmp_path):
    """Each clean shard stages, for exactly its kept lines of at least near_dup_min_words words, the
    signature and band keys computed from the text; its norm_hash is akhbar.arabic.norm_hash and its
    n_chars the text's length (what dedup's site lines and the stories' shared share count)."""
    s = settings(shard_size=7, near_dup_min_words=16)  # some kept lines are shorter
    run = stage_clean(corpus, tmp_path / "out", s)
    con = duckdb.connect()
    paras = con.execute(f"""SELECT doc_id, position, text, norm_hash, status
                            FROM read_parquet('{run}/clean/paragraphs-*.parquet') ORDER BY doc_id, position""").fetchall()
    n_chars = con.execute(f"""SELECT text, n_chars FROM read_parquet('{run}/clean/paragraphs-*.parquet')""").fetchall()
    staged = con.execute(f"""SELECT doc_id, position, bands, signature
                             FROM read_parquet('{run}/clean/minhash-*.parquet') ORDER BY doc_id, position""").fetchall()
    con.close()
    n_shards = len(list((run / "clean").glob("paragraphs-*.parquet")))
    assert len(list((run / "clean").glob("minhash-*.parquet"))) == n_shards
    assert all(h == norm_hash(text) for _, _, text, h, _ in paras)
    assert all(n == len(text) for text, n in n_chars) and any(len(text) != len(text.encode()) for text, _ in n_chars)
    expected = [
        (d, p, normalize_arabic(t))
        for d, p, t, _, status in paras
        if status == "kept" and len(normalize_arabic(t).split()) >= s.near_dup_min_words
    ]
    assert [(d, p) for d, p, _, _ in staged] == [(d, p) for d, p, _ in expected]
    assert len(expected) > 50 and len(expected) < sum(1 for r in paras if r[4] == "kept")
    tokens, n_words = dedup.token_hashes([t for _, _, t in expected])
    sig = dedup.minhash_flat(tokens, n_words)
    assert [list(b) for _, _, b, _ in staged] == dedup.band_keys(sig).tolist()
    assert [bytes(x) for _, _, _, x in staged] == [row.tobytes() for row in (sig & 0xFFFF).astype("<u2")]


def test_no_signatures_staged_when_near_dup_is_off(corpus, tmp_path):
    run = stage_clean(corpus, tmp_path / "out", settings(shard_size=7, near_dup_threshold=2.0))
    assert list((run / "clean").glob("paragraphs-*.parquet"))
    assert not list((run / "clean").glob("minhash-*.parquet"))
    # the dedup pass then needs none (exact repeats only)
    counts = dedup.dedup_run(str(tmp_path / "out"), str(run), "test-run")
    assert counts["exact_dup"] > 0 and counts["near_dup"] == 0


# ---------------------------------------------------------------- the state file, written beside the pass


def _state_threads() -> list:
    import threading

    return [t for t in threading.enumerate() if t.name.startswith("paragraph_minhash")]


def test_state_file_holds_every_eligible_paragraph_in_staged_order(corpus, tmp_path):
    """The run's paragraph_minhash file: each staged signature of an eligible paragraph, staged file by
    staged file in row order, with the run's ids; written whole (no temporary file left)."""
    out = tmp_path / "out"
    run = stage_clean(corpus, out, settings(shard_size=7))
    counts = dedup.dedup_run(str(out), str(run), "test-run")
    state = run / "final" / "paragraph_minhash"
    assert [p.name for p in state.iterdir()] == ["00000.parquet"] and not _state_threads()
    con = duckdb.connect()
    written = con.execute(f"SELECT * FROM '{state}/00000.parquet'").fetchall()
    near = con.execute(
        f"""SELECT doc_id, position FROM read_parquet('{run}/dedup/decisions/*/*.parquet')
            WHERE reason IN ('exact_dup', 'site_template')"""
    ).fetchall()
    staged = con.execute(
        f"""SELECT m.doc_id, m.position, m.bands, m.signature, d.input_index, d.record_index
            FROM read_parquet('{run}/clean/minhash-*.parquet', file_row_number = true) m
            JOIN read_parquet('{run}/clean/docs-*.parquet') d USING (doc_id)
            ORDER BY m.filename, m.file_row_number"""
    ).fetchall()
    con.close()
    dropped = set(near)  # exact repeats are not eligible: their first copy stands for them
    expected = [(d, p, "test-run", inp, rec, b, s) for d, p, b, s, inp, rec in staged if (d, p) not in dropped]
    assert written == expected and len(written) == counts["near_dup_eligible"] > 50


def test_a_failed_state_write_is_the_runs_error_and_a_retry_writes_it(corpus, tmp_path):
    out = tmp_path / "out"
    run = stage_clean(corpus, out, settings(shard_size=7))
    # the state file's place taken by a non-empty folder: the writer's rename fails
    blocker = run / "final" / "paragraph_minhash" / "00000.parquet"
    (blocker / "taken").mkdir(parents=True)
    with pytest.raises(OSError):
        dedup.dedup_run(str(out), str(run), "test-run")
    assert not _state_threads()
    shutil.rmtree(blocker)
    dedup.dedup_run(str(out), str(run), "test-run")
    assert duckdb.connect().execute(f"SELECT count(*) FROM '{blocker}'").fetchone()[0] > 50


def test_a_failed_pass_stops_the_state_writer_first(corpus, tmp_path):
    """An error of the pass while the state file is being written: the writer is stopped and waited
    for before the error is raised (a retry of the pass never races it), and no half file is left."""
    out = tmp_path / "out"
    run = stage_clean(corpus, out, settings(shard_size=7))
    (out / "paragraph_minhash" / "broken.parquet").write_bytes(b"not parquet")  # read after the writer starts
    with pytest.raises(duckdb.Error):
        dedup.dedup_run(str(out), str(run), "test-run")
    assert not _state_threads()
    state = run / "final" / "paragraph_minhash"
    for f in state.glob("*.parquet"):  # either not published or whole
        assert f.name == "00000.parquet" and duckdb.connect().execute(f"SELECT count(*) FROM '{f}'").fetchone()[0]
