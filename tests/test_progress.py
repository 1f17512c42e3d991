"""What a person sees while `akhbar run` works: on a terminal, one line per stage with what it read,
produced and rejected, its seconds and documents/s; nothing of it when the output is not a terminal
or with --quiet (the summary is the same)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
STAGES = ["ingest", "admit", "clean", "dedup", "dates", "write", "publish"]


def run_on_terminal(args: list[str]) -> str:
    """Run the command with stdout and stderr on a pseudo-terminal; return what it showed."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "AKHBAR_"))}
    env.update(COLUMNS="200", TERM="xterm")
    proc = subprocess.Popen(args, stdout=follower, stderr=follower, stdin=subprocess.DEVNULL, cwd=REPO, env=env)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(120) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


def test_run_on_a_terminal_shows_a_line_per_stage(tmp_path):
    shown = run_on_terminal(
        [sys.executable, "-m", "akhbar.cli", "run", "--local", "--out", str(tmp_path / "out"), str(SAMPLE)]
    )
    for stage in STAGES:
        assert f"{stage}: " in shown, shown
    assert "read 5 files: 5 records, 0 rejected" in shown
    assert "wrote 5 documents" in shown and "docs/s" in shown
    assert "documents                 5" in shown  # the summary still follows


def test_run_quiet_when_not_a_terminal_or_asked(tmp_path):
    piped = subprocess.run(
        [sys.executable, "-m", "akhbar.cli", "run", "--local", "--out", str(tmp_path / "a"), str(SAMPLE)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert piped.returncode == 0 and "docs/s" not in piped.stdout + piped.stderr
    quiet = run_on_terminal(
        [sys.executable, "-m", "akhbar.cli", "run", "--local", "--quiet", "--out", str(tmp_path / "b"), str(SAMPLE)]
    )
    assert "docs/s" not in quiet and "ingest: " not in quiet and "documents                 5" in quiet


def test_version():
    from akhbar import __version__

    proc = subprocess.run(
        [sys.executable, "-m", "akhbar.cli", "--version"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0 and proc.stdout.strip() == f"akhbar {__version__}", proc
