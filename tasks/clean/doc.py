"""What the clean stage makes of a page: its lines, each kept or not with a reason, and its metadata."""

from __future__ import annotations

from dataclasses import dataclass, field

KEPT, BOILERPLATE, METADATA = "kept", "boilerplate", "metadata"


@dataclass(frozen=True, slots=True)
class Line:
    text: str  # the line as in the input, stripped of surrounding whitespace
    status: str  # "kept" | "boilerplate" | "metadata"
    reason: str  # short machine-readable rule name ("body" for kept lines)
    line_no: int | None  # 1-based line number in the input text; None for HTML paragraphs


@dataclass
class CleanedDoc:
    lines: list[Line]
    title: str | None = None
    author: str | None = None
    source_attribution: str | None = None
    tags: list[str] = field(default_factory=list)
    header_lines: list[str] = field(default_factory=list)
    # normalize_arabic of each line where the classifier computed it, else None (reused for the dedup keys)
    line_norms: list[str | None] = field(default_factory=list, compare=False, repr=False)

    @property
    def kept_text(self) -> str:
        """The kept lines joined by newlines (the article body)."""
        return "\n".join(ln.text for ln in self.lines if ln.status == KEPT)
