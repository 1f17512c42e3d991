"""The run lock of an output folder: one run writes at a time.

OUT/.lock is held with flock(2) by the run in progress and names its holder: "pid N start S"
(S: the process's start time in clock ticks since boot, from /proc, so a reused pid is not taken
for the holder). flock frees itself when the last descriptor of the lock goes, so no forked child
may keep one: every child forked while the lock is held closes its copy (os.register_at_fork).
A lock still held while the process it names is gone (a child of an older version, another
program that inherited it) is broken, with a line on stderr: the file is replaced by a new one.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import re
import sys
import time
from contextlib import contextmanager
from pathlib import Path

POLL_SECONDS = 0.5  # --wait checks the lock and its holder this often
# A run writes its record just after taking the lock: a holder read as gone is read again after
# this pause before the lock is broken, so a run that has just taken it is never broken.
RECHECK_SECONDS = 0.3
_HOLDER = re.compile(r"pid (\d+)(?: start (\d+))?")
_held: list = []  # the lock files this process holds: closed in every forked child


class RunLocked(RuntimeError):
    pass


def _close_in_child() -> None:
    for fh in _held:
        fh.close()  # this copy only: the parent's descriptor keeps its lock (no LOCK_UN here)
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


def process_start(pid: int) -> int | None:
    """Start time of process `pid` in clock ticks since boot (Linux), None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state is field 3
    return None if fields[0] in ("Z", "X") else int(fields[19])


def _alive(pid: int, start: int | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    now = process_start(pid)
    if Path("/proc/self/stat").exists():
        return now is not None and (start is None or now == start)
    return True


def _record() -> str:
    start = process_start(os.getpid())
    return (
        f"pid {os.getpid()}"
        + (f" start {start}" if start is not None else "")
        + f" since {dt.datetime.now(dt.UTC):%Y-%m-%dT%H:%M:%SZ}\n"
    )


def _read_holder(path: Path) -> tuple[str, int | None, int | None]:
    """(the lock file's text, pid, start) of the recorded holder."""
    try:
        text = path.read_text(errors="replace").strip()
    except OSError:
        return "", None, None
    m = _HOLDER.match(text)
    return text, (int(m.group(1)) if m else None), (int(m.group(2)) if m and m.group(2) else None)


def _take(fh) -> None:
    fh.seek(0)
    fh.truncate()
    fh.write(_record())
    fh.flush()
    _held.append(fh)


def _try_lock(path: Path):
    """The locked lock file, or None when another holds it."""
    fh = open(path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        fh.close()
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return None
        raise
    try:
        same = os.fstat(fh.fileno()).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        same = False
    if not same:  # the file was replaced (a broken lock) between our open and our lock: try again
        fh.close()
        return _try_lock(path)
    _take(fh)
    return fh


def _break(path: Path, text: str):
    """Replace a lock whose holder is gone by one this process holds; None if it changed meanwhile."""
    time.sleep(RECHECK_SECONDS)
    with open(path.with_name(path.name + ".break"), "a") as breaking:
        fcntl.flock(breaking, fcntl.LOCK_EX)  # one breaker at a time: the second sees the new holder
        again, pid, start = _read_holder(path)
        if again != text or pid is None or _alive(pid, start):
            return None
        tmp = path.with_name(f"{path.name}.{os.getpid()}.new")
        fh = open(tmp, "w+")
        fcntl.flock(fh, fcntl.LOCK_EX)
        _take(fh)
        os.replace(tmp, path)
    print(f"akhbar: broke the lock on {path.parent}: its holder ({text}) is no longer running", file=sys.stderr)
    return fh


@contextmanager
def run_lock(out: Path, wait: bool = False):
    """Exclusive lock on the output folder: a second run stops with a clear message (or waits)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / ".lock"
    told = False
    while True:
        fh = _try_lock(path)
        if fh is not None:
            break
        text, pid, start = _read_holder(path)
        if pid is not None and not _alive(pid, start):
            fh = _break(path, text)
            if fh is not None:
                break
            continue
        if not wait:
            raise RunLocked(
                f"another akhbar run is writing to {out} (held by {text or 'another process'}); "
                "wait for it to finish or pass --wait"
            )
        if not told:
            print(f"akhbar: waiting for the run writing to {out} ({text or 'another process'})", file=sys.stderr)
            told = True
        time.sleep(POLL_SECONDS)
    try:
        yield
    finally:
        if fh in _held:
            _held.remove(fh)
        fh.close()
