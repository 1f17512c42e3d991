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


def test_preload_loads_the_text_path_kernels_so_a_forked_worker_compiles_none():
    import os

    from akhbar.arabic import _collapse_kernel
    from akhbar.codepoints import _unseen_kernel
    from akhbar.kernels import compiled
    from akhbar.language import _script_counts_kernel, detect_languages
    from akhbar.tasks.clean.linecols import _line_classes_kernel
    from akhbar.tasks.clean.stage import preload
    from akhbar.tasks.clean.text import clean_texts

    drop = preload()
    kernels = [compiled(k) for k in (_collapse_kernel, _line_classes_kernel, _script_counts_kernel, _unseen_kernel)]
    loaded = [len(k.signatures) for k in kernels]
    assert all(loaded)
    page = "عنوان الخبر اليوم\nقال وزير الخارجية في مؤتمر صحفي اليوم إن المحادثات ستستمر حتى نهاية الأسبوع.\n© 2024"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # as a pool worker running a clean shard
        kept = [ln.status for ln in clean_texts([page, "Latin text: a b c"])[0].lines]
        languages = detect_languages([page, "x"])
        os.write(write, f"{kept} {languages} {[len(k.signatures) for k in kernels]}".encode())
        os._exit(0)
    os.waitpid(pid, 0)
    drop()
    assert os.read(read, 500).decode() == f"['metadata', 'kept', 'boilerplate'] ['ar', 'und'] {loaded}"
