"""Shared fixtures. A real Prefect server (the test harness) is started once per session, lazily:
only tests that ask for `prefect_server` pay its start-up."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEEDS = SHARED / "seeds"
SAMPLE = REPO / "data" / "sample"


# Debian's Chromium headless on a machine without a network: no sandbox (root), no GPU, and none of
# the background connections it would otherwise try at every start.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_shared(*parts: str) -> Path:
    """A path under ../shared, or skip with a clear message when the material is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared material not found: {path} (tests that need it read it in place)")
    return path


def require_checkout_open_to_others() -> None:
    """Skip a test that runs the CLI as another user when that user cannot reach this checkout (a clone in a
    folder only its owner may enter, as `mktemp -d` makes them)."""
    closed = [p for p in (REPO, *REPO.parents) if not p.stat().st_mode & 0o001]
    if closed:
        pytest.skip(f"other users cannot enter {closed[0]}: the CLI cannot run from this checkout as another user")


def dev_html_markup(path: Path) -> str:
    """A dev HTML page (.html or .html.gz under ../shared/dev/html) as text, decoded as the
    benchmarks decode it."""
    raw = path.read_bytes()
    return (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode("utf-8", "replace")


@pytest.fixture(scope="session")
def gold() -> dict:
    return json.loads(require_shared("seeds", "gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def prefect_server():
    """A real, temporary Prefect server for the whole session (startup timeout 90 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture(autouse=True)
def _no_ambient_out(monkeypatch):
    # Tests choose their output folder explicitly; an AKHBAR_OUT from the developer's shell must not leak in.
    monkeypatch.delenv("AKHBAR_OUT", raising=False)
