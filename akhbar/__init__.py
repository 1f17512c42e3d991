"""akhbar: Arabic news pages -> a clean, deduplicated, dated corpus in Parquet."""

from pathlib import Path

__version__ = "0.1.0"

# A checkout keeps flows/ and tasks/ beside this folder; an installed wheel has them inside it
# (pyproject.toml package-dir). Either way they are imported as akhbar.flows and akhbar.tasks.
_CHECKOUT = Path(__file__).resolve().parent.parent
if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "tasks" / "__init__.py").is_file():
    __path__.append(str(_CHECKOUT))
