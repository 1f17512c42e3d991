"""The environment the tests run in is the locked one: `make setup` installs exactly requirements/lock.txt.

A mismatch means the lock is stale (a dependency was added or changed in pyproject.toml: run
`make lock`, then `rm .venv/.installed; make setup`) or something was installed by hand.
"""

from __future__ import annotations

import importlib.metadata as md
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements" / "lock.txt"
# Installed by venv/pip themselves, never pinned by `pip freeze`; akhbar is the project itself.
NOT_LOCKED = {"pip", "setuptools", "wheel", "distribute", "akhbar"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep, f"{LOCK}: not an exact pin: {line!r}"
            pins[canonical(name)] = version.split(";", 1)[0].strip()
    return pins


def installed() -> dict[str, str]:
    return {
        canonical(d.metadata["Name"]): d.version
        for d in md.distributions()
        if canonical(d.metadata["Name"]) not in NOT_LOCKED
    }


def test_installed_distributions_are_exactly_the_locked_ones():
    pins, have = locked(), installed()
    assert pins, f"{LOCK} is empty"
    wrong = {n: (have[n], pins[n]) for n in pins.keys() & have.keys() if have[n] != pins[n]}
    missing = sorted(pins.keys() - have.keys())
    extra = sorted(have.keys() - pins.keys())
    hint = "run `make lock`, then `rm .venv/.installed; make setup`"
    assert not wrong, f"installed != locked (installed, locked): {wrong}; {hint}"
    assert not missing, f"locked but not installed: {missing}; {hint}"
    assert not extra, f"installed but not in the lock: {extra}; {hint}"


def test_lock_covers_the_declared_dependencies():
    """Every direct dependency of akhbar (and its test extra) is pinned in the lock."""
    pins = locked()
    requires = md.requires("akhbar") or []
    names = {canonical(re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0]) for r in requires}
    assert names and not names - pins.keys(), sorted(names - pins.keys())
