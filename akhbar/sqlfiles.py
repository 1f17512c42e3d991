"""The SQL of the stages, one file per statement under sql/stages/ (paths and values stay parameters)."""

from __future__ import annotations


def load(name: str) -> str:
    """The text of sql/stages/{name}.sql, e.g. load("admit/admitted")."""
    from akhbar.store import SQL_DIR

    return (SQL_DIR / "stages" / f"{name}.sql").read_text(encoding="utf-8")
