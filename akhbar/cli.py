"""The `akhbar` command line: run the pipeline, query the corpus, read dates in a text."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path


def _prefect_api_url() -> str | None:
    """The Prefect server this shell is pointed at (env var or active profile), if any."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


def cmd_run(args: argparse.Namespace) -> int:
    from akhbar import store
    from akhbar.settings import Settings

    inputs = args.inputs or [str(store.REPO_ROOT / "data" / "sample")]
    settings = Settings(shard_size=args.shard_size)
    t0 = time.perf_counter()
    api = None if args.local else _prefect_api_url()
    try:
        if args.prefect or api:
            from flows.pipeline import akhbar_pipeline

            mode = f"Prefect flow run on {api}" if api else "Prefect flow run (temporary local server)"
            print(f"akhbar: {mode}", file=sys.stderr)
            summary = akhbar_pipeline(inputs=inputs, out=str(store.resolve_out(args.out)), shard_size=args.shard_size)
        else:
            from flows.pipeline import LocalExecutor, run_pipeline

            print("akhbar: local run (no Prefect server configured; same stage code, no UI)", file=sys.stderr)
            executor = LocalExecutor(workers=args.workers)
            try:
                summary = run_pipeline(inputs, args.out, settings, executor, wait_for_lock=args.wait)
            finally:
                executor.close()
    except Exception as exc:  # print a clear message, not a traceback, for expected failures
        from akhbar.store import RunLocked

        if isinstance(exc, (RunLocked, FileNotFoundError)):
            print(f"akhbar: {exc}", file=sys.stderr)
            return 2
        raise
    _print_summary(summary, time.perf_counter() - t0)
    return 0


def _print_summary(summary: dict, wall: float) -> None:
    if not summary.get("published"):
        print(f"{summary.get('message', 'nothing published')} "
              f"({summary.get('inputs', 0)} inputs, {summary.get('inputs_skipped', 0)} unchanged since an earlier run)")
        return
    rows = [
        ("run", summary["run_id"]),
        ("output", summary["out"]),
        ("inputs read / unchanged", f"{summary['n_inputs']} / {summary['n_inputs_skipped']}"),
        ("records / already stored", f"{summary['n_records']} / {summary['n_seen']}"),
        ("documents", summary["n_documents"]),
        ("rejects", summary["n_rejects"]),
        ("paragraphs", summary["n_paragraphs"]),
        ("  kept", summary["n_kept"]),
        ("  boilerplate", summary["n_boilerplate"]),
        ("  duplicate", summary["n_duplicate"]),
        ("  metadata", summary["n_metadata"]),
        ("with publication date", summary["n_published"]),
        ("date mentions", summary["n_date_mentions"]),
        ("wall time", f"{wall:.2f} s"),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


def cmd_query(args: argparse.Namespace) -> int:
    import duckdb

    from akhbar import store

    if args.file:
        sql = Path(args.file).read_text(encoding="utf-8")
    elif args.sql:
        sql = args.sql
    else:
        print("akhbar query: give SQL or --file", file=sys.stderr)
        return 2
    con = store.connect(args.out)
    try:
        rel = con.sql(sql)
    except duckdb.Error as exc:
        print(f"akhbar query: {exc}", file=sys.stderr)
        return 1
    if rel is None:
        return 0
    if args.format == "csv":
        rel.write_csv("/dev/stdout")
    elif args.format == "json":
        cols = rel.columns
        for row in rel.fetchall():
            print(json.dumps(dict(zip(cols, row)), ensure_ascii=False, default=str))
    else:
        rel.show(max_width=args.max_width, max_rows=args.max_rows)
    return 0


def cmd_dates(args: argparse.Namespace) -> int:
    from tasks.dates import extract_mentions

    reference = dt.date.fromisoformat(args.reference) if args.reference else None
    text = args.text if args.text != "-" else sys.stdin.read()
    for m in extract_mentions(text, reference):
        print(json.dumps({"start": m.start, "end": m.end, "surface": m.surface, "value": m.value,
                          "granularity": m.granularity, "calendar": m.calendar}, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="akhbar", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run the pipeline on files/folders (default: the bundled sample)")
    r.add_argument("inputs", nargs="*", help="files or folders of .txt/.html/.jsonl/.warc (gzip too)")
    r.add_argument("--out", help="output folder (default $AKHBAR_OUT or data/out)")
    r.add_argument("--shard-size", type=int, default=500, help="documents per shard (default 500)")
    r.add_argument("--workers", type=int, default=1, help="local processes for the quick path (default 1)")
    r.add_argument("--wait", action="store_true", help="wait for another run on the same output folder")
    mode = r.add_mutually_exclusive_group()
    mode.add_argument("--prefect", action="store_true",
                      help="run as a Prefect flow even without a configured server (starts a temporary one)")
    mode.add_argument("--local", action="store_true", help="never use Prefect, even if a server is configured")
    r.set_defaults(func=cmd_run)

    q = sub.add_parser("query", help="run SQL against the views (documents, paragraphs, ...)")
    q.add_argument("sql", nargs="?", help="SQL text")
    q.add_argument("--file", help="a .sql file, e.g. sql/queries/articles_per_site.sql")
    q.add_argument("--out", help="output folder to query (default $AKHBAR_OUT or data/out)")
    q.add_argument("--format", choices=["table", "csv", "json"], default="table")
    q.add_argument("--max-rows", type=int, default=100)
    q.add_argument("--max-width", type=int, default=160)
    q.set_defaults(func=cmd_query)

    d = sub.add_parser("dates", help="print the date mentions found in a text, as JSON lines")
    d.add_argument("text", help="the text ('-' reads standard input)")
    d.add_argument("--reference", help="publication date YYYY-MM-DD to resolve relative dates against")
    d.set_defaults(func=cmd_dates)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
