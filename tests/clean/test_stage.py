"""tasks/clean/stage.py: a page that fails or runs over the time limit becomes a reject with a declared reason."""

from __future__ import annotations

from akhbar import reasons
from akhbar.tasks.clean.stage import _clean_all, reject_error
from tests.clean.common import N4K, needs_dev_html


def _declared(error: str) -> bool:
    return any(error.startswith(value.split("{")[0]) for value in reasons.MEANINGS)


@needs_dev_html
def test_page_over_the_time_limit_is_a_reject_and_the_text_path_goes_on():
    html = (N4K / "cnn_article.html").read_text(encoding="utf-8", errors="replace")
    rows = [
        {"content_kind": "html", "content": html, "url": None, "crawled_at": None},
        {"content_kind": "text", "content": "سطر أول\nسطر ثان", "url": None, "crawled_at": None},
    ]
    slow, fast = _clean_all(rows, time_limit=1e-4)
    error = reject_error(slow, 1e-4)
    assert error.startswith("extraction over the time limit") and _declared(error), error
    cleaned, html_date = fast
    assert [ln.text for ln in cleaned.lines] == ["سطر أول", "سطر ثان"] and html_date is None


def test_failed_extraction_names_the_error():
    error = reject_error(ValueError("bad bytes"), 30.0)
    assert error == "extraction failed: ValueError: bad bytes" and _declared(error)
