"""SQL of the pipeline's stages, one file per statement under sql/stages/."""

from functools import cache

from akhbar.store import SQL_DIR


@cache
def load(name: str) -> str:
    return (SQL_DIR / "stages" / f"{name}.sql").read_text(encoding="utf-8")
