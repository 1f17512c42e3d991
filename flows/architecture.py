"""docs/architecture.md's table, rendered from the DAG (akhbar.flows.orchestration.STAGES), the staged
file kinds (akhbar.staging.STAGED) and the published columns (akhbar.schema.TABLES).

    python -m akhbar.flows.architecture > docs/architecture.md
"""

from __future__ import annotations

from akhbar import schema, staging
from akhbar.flows.orchestration import STAGES

HEADER = """# Architecture

The run is eight stages over a run folder `OUT/_staging/<run_id>/` (akhbar/staging.py declares every
staged file), in this order (flows/orchestration.py `STAGES`, run by `run_pipeline`). A stage reads
staged files of the stages before it, and `table:<name>` the published tables of earlier runs; a stage
marked *beside* another runs in the driver while that stage's pool works (neither reads what the other writes);
`final:<name>` is a published table's files assembled in the run folder, moved into the tables by
publish. Every published column is documented in sql/README.md; the SQL of the corpus-wide passes
is in sql/stages/.

| stage | per shard | reads | writes | output columns |
|---|---|---|---|---|
"""


def _where(kind: str) -> str:
    """A read or written item as its path in the run folder or the output folder."""
    if kind.startswith("table:"):
        return f"`OUT/{kind[6:]}/`"
    if kind.startswith("final:"):
        return f"`final/{kind[6:]}/`"
    folder, name = staging.STAGED[kind]
    return f"`{folder}/{name.replace('{shard:05d}', 'K').replace('{shard}', 'K')}`"


def _columns(writes: tuple[str, ...]) -> str:
    """The published columns a stage produces: those of the tables it assembles."""
    tables = [w[6:] for w in writes if w[:6] in ("final:", "table:") and w[6:] in schema.TABLES]
    return "<br>".join(f"**{t}**: " + ", ".join(c.name for c in schema.TABLES[t]) for t in tables)


def markdown() -> str:
    rows = [
        f"| {s.name}{f' (beside {s.beside})' if s.beside else ''} | {'yes' if s.per_shard else 'no'} | {', '.join(map(_where, s.reads))} | "
        f"{', '.join(map(_where, s.writes))} | {_columns(s.writes)} |"
        for s in STAGES
    ]
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
