"""Shared helpers of the clean stage's tests: seed scrapes and dev HTML pages read in place from ../shared.

Nothing from ../shared is copied here; tests that need it skip with a clear message when it is absent.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from akhbar.tasks.clean import CleanedDoc, Line, clean_text, html_to_text_scrape
from tests.conftest import dev_html_markup

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEEDS = SHARED / "seeds"
needs_shared = pytest.mark.skipif(
    not SEEDS.is_dir(),
    reason=f"development material not found at {SHARED} (../shared next to the repo): skipping tests on real pages",
)

S000 = "000_6a66de7f2f9d738e.txt"
S001 = "001_a9e6bd5e9861890c.txt"
S002 = "002_32678fc35aba6448.txt"
S003 = "003_5bfdd5c7459b2733.txt"
S004 = "004_afc2de359b47cd15.txt"


@functools.cache
def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def seed_line(name: str, no: int) -> str:
    return seed_text(name).splitlines()[no - 1].strip()


def seed_lines(name: str, nos) -> list[str]:
    return [seed_line(name, n) for n in nos]


@functools.cache
def seed_doc(name: str) -> CleanedDoc:
    return clean_text(seed_text(name))


def by_no(doc: CleanedDoc) -> dict[int, Line]:
    return {ln.line_no: ln for ln in doc.lines}


def by_text(doc: CleanedDoc) -> dict[str, Line]:
    return {ln.text: ln for ln in doc.lines}


PARA = "وقال المتحدث باسم الوزارة في مؤتمر صحفي عقده اليوم إن الاجتماع تناول عددا من الملفات المشتركة بين البلدين."
HEADLINES = [
    "وزير الخارجية يلتقي نظيره في العاصمة",
    "ارتفاع أسعار النفط في الأسواق العالمية اليوم",
    "مباحثات جديدة حول الملف النووي الأسبوع المقبل",
]


N4K = SHARED / "dev" / "html" / "newspaper4k"
needs_dev_html = pytest.mark.skipif(
    not N4K.is_dir(), reason=f"dev HTML pages not found at {N4K} (../shared absent): skipping"
)


def token_f1(pred: str, ref: str) -> tuple[float, float]:
    from collections import Counter

    pc, rc = Counter(pred.split()), Counter(ref.split())
    common = sum((pc & rc).values())
    p = common / max(1, sum(pc.values()))
    r = common / max(1, sum(rc.values()))
    return (2 * p * r / (p + r) if p + r else 0.0), r


DEV_HTML = SHARED / "dev" / "html"
needs_dev_pages = pytest.mark.skipif(
    not (DEV_HTML / "scrapinghub-aeb").is_dir() or not (DEV_HTML / "fundus").is_dir(),
    reason=f"dev HTML pages not found under {DEV_HTML} (../shared absent): skipping",
)


@functools.cache
def dev_page(url_part: str) -> str:
    """The flattened text of the dev page whose URL contains `url_part` (scrapinghub-aeb or fundus)."""
    aeb = DEV_HTML / "scrapinghub-aeb"
    gt = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    paths = [aeb / "html" / f"{k}.html.gz" for k, v in gt.items() if url_part in (v.get("url") or "")]
    for meta_path in sorted((DEV_HTML / "fundus").glob("*/meta.info")):
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        paths += [meta_path.parent / f for f, v in meta.items() if url_part in (v.get("url") or "")]
    assert len(paths) == 1, (url_part, paths)
    return html_to_text_scrape(dev_html_markup(paths[0]))


def lines_starting(doc: CleanedDoc, prefix: str) -> list[Line]:
    found = [ln for ln in doc.lines if ln.text.startswith(prefix)]
    assert found, prefix
    return found
