"""The `akhbar` command line: run the pipeline, query the corpus, read dates in a text."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import json
import os
import signal
import sys
import time
from pathlib import Path

from akhbar.tasks.ingest.readers.fields import MAPPABLE as COLUMN_ROLES


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

    inputs = args.inputs or [str(store.SAMPLE_DIR)]
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
    from akhbar.flows.orchestration import RunStopped

    received, restore = _stop_on_signals()
    try:
        if args.prefect or api or dask:
            from akhbar.flows.pipeline import akhbar_pipeline

            mode = f"Prefect flow run on {api}" if api else "Prefect flow run (temporary local server)"
            if dask:
                mode += f", shard tasks on Dask ({'a local cluster' if dask == 'local' else dask})"
            elif (args.workers or 1) > 1:
                mode += f", shard tasks on a local Dask cluster of {args.workers} processes"
            print(f"akhbar: {mode}", file=sys.stderr)
            summary = akhbar_pipeline(
                inputs=inputs,
                out=str(store.resolve_out(args.out)),
                shard_size=shard_size,
                dask_address=dask,
                workers=args.workers or 1,
                wait_for_lock=args.wait,
                columns=columns or None,
            )
        else:
            from akhbar.flows.orchestration import LocalExecutor, run_pipeline

            # Processes are forked only when a stage has 2+ shards, so the default costs nothing on small runs.
            workers = args.workers or os.cpu_count() or 1
            print(
                f"akhbar: local run, {workers} process(es) (no Prefect server configured; same stage code, no UI)",
                file=sys.stderr,
            )
            executor = LocalExecutor(workers=workers)
            with _stage_progress(args.quiet) as (on_stage, executor.on_shard):
                summary = run_pipeline(inputs, args.out, settings, executor, wait_for_lock=args.wait, on_stage=on_stage)
    except RunStopped as exc:
        print(f"akhbar: stopped; {exc}", file=sys.stderr)
        return 128 + (received[0] if received else signal.SIGINT)
    except KeyboardInterrupt:  # before the run took the lock, or inside Prefect's engine
        print("akhbar: stopped; a run publishes all or nothing, so the tables hold no part of it", file=sys.stderr)
        return 128 + (received[0] if received else signal.SIGINT)
    finally:
        restore()
    _print_summary(summary, time.perf_counter() - t0)
    return 0


def _column_mapping(args: argparse.Namespace) -> dict[str, str]:
    """--text-column and its siblings as Settings.columns (role -> field name)."""
    from akhbar.tasks.ingest.readers.fields import check_columns

    return check_columns(
        {role: getattr(args, f"{role}_column") for role in COLUMN_ROLES if getattr(args, f"{role}_column", None)}
    )


def _stop_on_signals():
    """SIGTERM (a service manager, `kill`) stops a run as Ctrl-C does: one line, staging removed.
    A second signal while the run cleans up is ignored. Returns the list of signals received and
    the function that puts the handlers back."""
    received: list[int] = []

    def stop(signum, _frame):
        received.append(signum)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    before = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, handler in before.items():
            signal.signal(sig, handler)

    return received, restore


@contextlib.contextmanager
def _stage_progress(quiet: bool):
    """On a terminal, a bar of the stages done and one line per finished stage (on stderr); else nothing."""
    if quiet or not (sys.stdout.isatty() and sys.stderr.isatty()):
        yield None, None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from akhbar.flows.artifacts import STAGES, StageClock

    clock = StageClock()
    with Progress(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(STAGES[0], total=len(STAGES), unit="stages")
        shards = bar.add_task("", total=None, visible=False, unit="shards")

        def on_stage(stage: str, counts: dict) -> None:
            if stage in STAGES:
                bar.console.print(f"  {clock.line(stage, counts)}", highlight=False)
                following = STAGES.index(stage) + 1
                bar.update(task, completed=following, description=STAGES[min(following, len(STAGES) - 1)])
                bar.update(shards, visible=False)

        def on_shard(stage: str, done: int, total: int) -> None:
            bar.update(shards, description=stage, completed=done, total=total, visible=True)

        yield on_stage, on_shard


def _print_summary(summary: dict, wall: float) -> None:
    if not summary.get("published"):
        print(
            f"{summary.get('message', 'nothing published')} "
            f"({summary.get('inputs', 0)} inputs, {summary.get('inputs_skipped', 0)} unchanged since an earlier run)"
        )
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
    out = store.resolve_out(args.out)
    if not (out / "runs").is_dir():
        print(
            f"akhbar query: no corpus in {out}: run the pipeline first (akhbar run --out {out}), "
            "or give --out the folder of an earlier run",
            file=sys.stderr,
        )
        return 2
    con = store.connect(out)
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
    from akhbar.tasks.dates import extract_mentions

    reference = dt.date.fromisoformat(args.reference) if args.reference else None
    text = args.text if args.text != "-" else sys.stdin.read()
    for m in extract_mentions(text, reference):
        print(
            json.dumps(
                {
                    "start": m.start,
                    "end": m.end,
                    "surface": m.surface,
                    "value": m.value,
                    "granularity": m.granularity,
                    "calendar": m.calendar,
                },
                ensure_ascii=False,
            )
        )
    return 0


def _serve_config(args: argparse.Namespace):
    from akhbar.flows.deployments import ServeConfig

    try:
        return ServeConfig.from_env(args.inputs or None, args.out, args.cron, args.timezone)
    except ValueError as exc:
        print(f"akhbar {args.command}: {exc}", file=sys.stderr)
        return None


def _plain_errors(fn):
    """For `serve`/`up`: a failure is one line on stderr (exit 1); the traceback only with --debug."""

    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:
            if args.debug:
                raise
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            print(f"akhbar {args.command}: {reason} (--debug shows the traceback)", file=sys.stderr)
            return 1

    return run


@_plain_errors
def cmd_serve(args: argparse.Namespace) -> int:
    from akhbar.flows.deployments import serve

    cfg = _serve_config(args)
    if cfg is None:
        return 2
    serve(cfg)
    return 0


@_plain_errors
def cmd_up(args: argparse.Namespace) -> int:
    from akhbar.flows.deployments import up

    cfg = _serve_config(args)
    if cfg is None:
        return 2
    return up(cfg, port=args.port)


def cmd_report(args: argparse.Namespace) -> int:
    from akhbar import store
    from akhbar.report import write_report

    out = store.resolve_out(args.out)
    if not (out / "runs").is_dir():
        print(
            f"akhbar report: no corpus in {out} yet; run the pipeline first (akhbar run, or Run in the UI)",
            file=sys.stderr,
        )
        return 2
    path = write_report(str(out), args.html)
    print(f"report written: {path}\nopen it in a browser: file://{path.resolve()}")
    return 0


def _add_serve_options(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("inputs", nargs="*", help="folders/files the runs read (default $AKHBAR_INBOX or data/inbox)")
    sp.add_argument("--out", help="output folder (default $AKHBAR_OUT or data/out)")
    sp.add_argument("--cron", help='nightly schedule (default $AKHBAR_CRON or "0 2 * * *")')
    sp.add_argument(
        "--timezone",
        help="IANA timezone of the schedule, e.g. Asia/Riyadh (default $AKHBAR_TIMEZONE or this machine's zone)",
    )
    sp.add_argument(
        "--debug", action="store_true", help="show the traceback of a failure, not only its one-line reason"
    )


def build_parser() -> argparse.ArgumentParser:
    from akhbar import __version__

    p = argparse.ArgumentParser(prog="akhbar", description=__doc__)
    p.add_argument("--version", action="version", version=f"akhbar {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="run the pipeline on files/folders (default: the bundled sample)")
    r.add_argument(
        "inputs",
        nargs="*",
        help="files or folders of .txt/.html/.json/.jsonl/.csv/.tsv/.parquet/.warc, "
        "<DOC> files, .zip of them (gzip, bz2, zstd too)",
    )
    r.add_argument("--out", help="output folder (default $AKHBAR_OUT or data/out)")
    r.add_argument("--shard-size", type=int, default=None, help="documents per shard (default Settings.shard_size)")
    r.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes for the shard stages: local path default = CPU count; with Prefect "
        "(--prefect/--dask) default 1, more = a temporary local Dask cluster",
    )
    r.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run as a Prefect flow with the shard tasks on this Dask scheduler (tcp://host:8786), "
        "or 'local' for a temporary local cluster (default $AKHBAR_DASK_ADDRESS); workers must "
        "have akhbar installed and see the output folder",
    )
    r.add_argument("--wait", action="store_true", help="wait for another run on the same output folder")
    r.add_argument("--quiet", action="store_true", help="no progress lines (they show only on a terminal anyway)")
    for role in COLUMN_ROLES:
        r.add_argument(
            f"--{role.replace('_', '-')}-column",
            metavar="NAME",
            help=f"the field/column holding the {role.replace('_', ' ')} in JSON, JSONL, Parquet and CSV "
            "records (default: the usual names, tasks/ingest/readers/fields.py)",
        )
    mode = r.add_mutually_exclusive_group()
    mode.add_argument(
        "--prefect",
        action="store_true",
        help="run as a Prefect flow even without a configured server (starts a temporary one)",
    )
    mode.add_argument("--local", action="store_true", help="never use Prefect, even if a server is configured")
    r.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    r.set_defaults(func=cmd_run)

    q = sub.add_parser("query", help="run SQL against the views (documents, paragraphs, ...)")
    q.add_argument("sql", nargs="?", help="SQL text")
    q.add_argument("--file", help="a .sql file, e.g. sql/queries/articles_per_site.sql")
    q.add_argument("--out", help="output folder to query (default $AKHBAR_OUT or data/out)")
    q.add_argument("--format", choices=["table", "csv", "json"], default="table")
    q.add_argument("--max-rows", type=int, default=100)
    q.add_argument("--max-width", type=int, default=160)
    q.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    q.set_defaults(func=cmd_query)

    d = sub.add_parser("dates", help="print the date mentions found in a text, as JSON lines")
    d.add_argument("text", help="the text ('-' reads standard input)")
    d.add_argument("--reference", help="publication date YYYY-MM-DD to resolve relative dates against")
    d.set_defaults(func=cmd_dates)

    s = sub.add_parser("serve", help="serve the 'nightly' and 'manual' deployments on the server at PREFECT_API_URL")
    _add_serve_options(s)
    s.set_defaults(func=cmd_serve)

    u = sub.add_parser(
        "up", help="start a local Prefect server (unless PREFECT_API_URL is set) and serve; Ctrl-C stops"
    )
    _add_serve_options(u)
    u.add_argument("--port", type=int, help="port of the local server (default: a free one)")
    u.set_defaults(func=cmd_up)

    rp = sub.add_parser("report", help="write a self-contained HTML report of the corpus, with charts")
    rp.add_argument("--out", help="output folder to report on (default $AKHBAR_OUT or data/out)")
    rp.add_argument("--html", help="where to write the page (default OUT/report.html)")
    rp.add_argument("--debug", action="store_true", help="show the traceback of a failure")
    rp.set_defaults(func=cmd_report)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # one plain line for what the user can fix; the traceback with --debug
        message = None if getattr(args, "debug", False) else plain_error(exc, getattr(args, "out", None))
        if message is None:
            raise
        print(f"akhbar: {message}", file=sys.stderr)
        return 2


# What the user can do about a failure of the file system, by errno (also found in the text of
# DuckDB's and Arrow's errors, which carry none).
_FS_ERRORS = {
    errno.ENOSPC: "no space left on the device of {where}: free some space or choose another --out, then run again",
    errno.EDQUOT: "disk quota exceeded on {where}: free some space or choose another --out, then run again",
    errno.EROFS: "{where} is on a read-only file system: choose a writable output folder (--out)",
    errno.EACCES: "permission denied writing {where}: choose a folder you can write to (--out) or fix its permissions",
    errno.EPERM: "operation not permitted on {where}: choose a folder you can write to (--out)",
    errno.ENOTDIR: "{where} is not a folder (a file is in the way): give --out a folder",
    errno.EEXIST: "{where} is a file, not a folder: give --out a folder",
}


def plain_error(exc: BaseException, out: str | None) -> str | None:
    """The one line shown for a failure that is no bug of akhbar's, or None (show the traceback)."""
    from akhbar.flows.orchestration import RUN_NOTE
    from akhbar.flows.workers import StageWorkerDied
    from akhbar.store import OutPathError, RunLocked

    outcome = next((n for n in getattr(exc, "__notes__", ()) if n.startswith(RUN_NOTE)), "")
    outcome = f" ({outcome[len(RUN_NOTE) :]})" if outcome else ""
    if isinstance(exc, (RunLocked, OutPathError, StageWorkerDied)):
        return f"{exc}{outcome}"
    if isinstance(exc, FileNotFoundError) and exc.filename is None:  # an input named on the command line
        return f"{exc}: check the path{outcome}"
    if "Failed to reach API" in str(exc) or type(exc).__name__ in ("ConnectError", "ConnectTimeout"):
        return (
            f"the Prefect server at {_prefect_api_url()} is not reachable: start it (akhbar up), "
            "or run without Prefect (akhbar run --local)"
        )
    code = getattr(exc, "errno", None)
    for err, what in _FS_ERRORS.items():
        if code == err or os.strerror(err) in str(exc):
            where = getattr(exc, "filename", None) or _out_folder(out)
            return what.format(where=where) + outcome
    return None


def _out_folder(out: str | None) -> str:
    from akhbar import store

    try:
        return str(store.resolve_out(out))
    except ValueError:
        return str(out)


if __name__ == "__main__":
    sys.exit(main())
