"""The `akhbar` command line: run the pipeline, query the corpus, read dates in a text."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

from tasks.readers.fields import MAPPABLE as COLUMN_ROLES


def _prefect_api_url() -> str | None:
    """The Prefect server this shell is pointed at ($PREFECT_API_URL or the active profile), if any.

    Read from the environment and Prefect's profiles file directly: importing Prefect to ask costs
    about a second, which the quick local path would otherwise pay on every run.
    """
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    import tomllib

    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect").expanduser()
    profiles_path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(profiles_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        profiles = {}
    except (OSError, tomllib.TOMLDecodeError):
        return _prefect_api_url_from_prefect()
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    block = profiles.get("profiles", {}).get(active)
    if block is None and active != "ephemeral":
        return _prefect_api_url_from_prefect()  # a profile defined elsewhere (Prefect's defaults): ask Prefect
    return (block or {}).get("PREFECT_API_URL") or None


def _prefect_api_url_from_prefect() -> str | None:
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


def cmd_run(args: argparse.Namespace) -> int:
    from akhbar import store
    from akhbar.settings import Settings

    inputs = args.inputs or [str(store.REPO_ROOT / "data" / "sample")]
    shard_size = args.shard_size or Settings.shard_size
    try:
        columns = _column_mapping(args)
    except ValueError as exc:
        print(f"akhbar run: {exc}", file=sys.stderr)
        return 2
    settings = Settings(shard_size=shard_size, columns=columns)
    t0 = time.perf_counter()
    api = None if args.local else _prefect_api_url()
    dask = None if args.local else (args.dask or os.environ.get("AKHBAR_DASK_ADDRESS") or None)
    try:
        if args.prefect or api or dask:
            from flows.pipeline import akhbar_pipeline

            mode = f"Prefect flow run on {api}" if api else "Prefect flow run (temporary local server)"
            if dask:
                mode += f", shard tasks on Dask ({'a local cluster' if dask == 'local' else dask})"
            elif (args.workers or 1) > 1:
                mode += f", shard tasks on a local Dask cluster of {args.workers} processes"
            print(f"akhbar: {mode}", file=sys.stderr)
            summary = akhbar_pipeline(inputs=inputs, out=str(store.resolve_out(args.out)), shard_size=shard_size,
                                      dask_address=dask, workers=args.workers or 1, wait_for_lock=args.wait,
                                      columns=columns or None)
        else:
            from flows.orchestration import LocalExecutor, run_pipeline

            # Processes are forked only when a stage has 2+ shards, so the default costs nothing on small runs.
            workers = args.workers or os.cpu_count() or 1
            print(f"akhbar: local run, {workers} process(es) (no Prefect server configured; same stage code, no UI)",
                  file=sys.stderr)
            executor = LocalExecutor(workers=workers)
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


def _column_mapping(args: argparse.Namespace) -> dict[str, str]:
    """--text-column and its siblings as Settings.columns (role -> field name)."""
    from tasks.readers.fields import check_columns

    return check_columns({role: getattr(args, f"{role}_column") for role in COLUMN_ROLES
                          if getattr(args, f"{role}_column", None)})


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


def _serve_config(args: argparse.Namespace):
    from flows.deployments import ServeConfig

    try:
        return ServeConfig.from_env(args.inputs or None, args.out, args.cron, args.timezone)
    except ValueError as exc:
        print(f"akhbar {args.command}: {exc}", file=sys.stderr)
        return None


def cmd_serve(args: argparse.Namespace) -> int:
    from flows.deployments import serve

    cfg = _serve_config(args)
    if cfg is None:
        return 2
    serve(cfg)
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    from flows.deployments import up

    cfg = _serve_config(args)
    if cfg is None:
        return 2
    return up(cfg, port=args.port)


def cmd_report(args: argparse.Namespace) -> int:
    from akhbar import store
    from akhbar.report import write_report

    out = store.resolve_out(args.out)
    if not (out / "runs").is_dir():
        print(f"akhbar report: no corpus in {out} yet; run the pipeline first (akhbar run, or Run in the UI)",
              file=sys.stderr)
        return 2
    path = write_report(str(out), args.html)
    print(f"report written: {path}\nopen it in a browser: file://{path.resolve()}")
    return 0


def _add_serve_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("inputs", nargs="*", help="folders/files the runs read (default $AKHBAR_INBOX or data/inbox)")
    sp.add_argument("--out", help="output folder (default $AKHBAR_OUT or data/out)")
    sp.add_argument("--cron", help='nightly schedule (default $AKHBAR_CRON or "0 2 * * *")')
    sp.add_argument("--timezone", help="IANA timezone of the schedule, e.g. Asia/Riyadh "
                                       "(default $AKHBAR_TIMEZONE or this machine's zone)")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="akhbar", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run the pipeline on files/folders (default: the bundled sample)")
    r.add_argument("inputs", nargs="*", help="files or folders of .txt/.html/.json/.jsonl/.csv/.tsv/.parquet/.warc, "
                                             "<DOC> files, .zip of them (gzip, bz2, zstd too)")
    r.add_argument("--out", help="output folder (default $AKHBAR_OUT or data/out)")
    r.add_argument("--shard-size", type=int, default=None, help="documents per shard (default Settings.shard_size)")
    r.add_argument("--workers", type=int, default=None,
                   help="processes for the shard stages: local path default = CPU count; with Prefect "
                        "(--prefect/--dask) default 1, more = a temporary local Dask cluster")
    r.add_argument("--dask", metavar="ADDRESS",
                   help="run as a Prefect flow with the shard tasks on this Dask scheduler (tcp://host:8786), "
                        "or 'local' for a temporary local cluster (default $AKHBAR_DASK_ADDRESS); workers must "
                        "have akhbar installed and see the output folder")
    r.add_argument("--wait", action="store_true", help="wait for another run on the same output folder")
    for role in COLUMN_ROLES:
        r.add_argument(f"--{role.replace('_', '-')}-column", metavar="NAME",
                       help=f"the field/column holding the {role.replace('_', ' ')} in JSON, JSONL, Parquet and CSV "
                            "records (default: the usual names, tasks/readers/fields.py)")
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

    s = sub.add_parser("serve", help="serve the 'nightly' and 'manual' deployments on the server at PREFECT_API_URL")
    _add_serve_options(s)
    s.set_defaults(func=cmd_serve)

    u = sub.add_parser("up", help="start a local Prefect server (unless PREFECT_API_URL is set) and serve; Ctrl-C stops")
    _add_serve_options(u)
    u.add_argument("--port", type=int, help="port of the local server (default: a free one)")
    u.set_defaults(func=cmd_up)

    rp = sub.add_parser("report", help="write a self-contained HTML report of the corpus, with charts")
    rp.add_argument("--out", help="output folder to report on (default $AKHBAR_OUT or data/out)")
    rp.add_argument("--html", help="where to write the page (default OUT/report.html)")
    rp.set_defaults(func=cmd_report)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
