"""docs/dates.md's coverage table is what the code does: every *supported* row gives exactly the value
and granularity shown, every *not yet* row does not yet (so the table cannot drift either way)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from akhbar.tasks.dates import extract_mentions

DOC = Path(__file__).parents[2] / "docs" / "dates.md"


def coverage_rows() -> list[tuple[str, str, dt.date | None, str, str]]:
    """(kind, example, reference, "value|granularity;...", status) for each row of the coverage table."""
    lines = DOC.read_text(encoding="utf-8").split("## Coverage", 1)[1].splitlines()
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or cells[0] in ("kind", "---"):
            continue
        kind, example, ref, values, grans, status = cells
        expected = ";".join(f"{v.strip()}|{g.strip()}" for v, g in zip(values.split(";"), grans.split(";")))
        rows.append((kind, example, None if ref == "-" else dt.date.fromisoformat(ref), expected, status))
    return rows


ROWS = coverage_rows()


def test_table_is_substantial():
    assert len(ROWS) >= 100
    assert {r[4] for r in ROWS} == {"supported", "not yet"}


@pytest.mark.parametrize("kind,example,ref,expected,status", ROWS, ids=[f"row{i:03d}" for i in range(len(ROWS))])
def test_coverage_row(kind, example, ref, expected, status):
    got = ";".join(f"{m.value}|{m.granularity}" for m in extract_mentions(example, ref))
    if status == "supported":
        assert got == expected, f"{kind}: {example!r}"
    else:
        assert got != expected, f"{kind}: {example!r} now works: mark it supported in docs/dates.md"


def test_cli_gives_the_table_values():
    """`akhbar dates TEXT --reference DAY` prints what the table says (a sample of rows, one subprocess each)."""
    import json
    import subprocess
    import sys

    sample = [r for r in ROWS if r[4] == "supported"][::15]
    for kind, example, ref, expected, _status in sample:
        cmd = [sys.executable, "-m", "akhbar.cli", "dates", example]
        if ref is not None:
            cmd += ["--reference", ref.isoformat()]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=DOC.parents[1]).stdout
        got = ";".join(f"{m['value']}|{m['granularity']}" for m in map(json.loads, out.splitlines()))
        assert got == expected, f"{kind}: {example!r}"
