"""Every `paragraphs.reason` and `rejects.error` a real run emits is declared in akhbar/reasons.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from akhbar import reasons
from akhbar.flows.pipeline import LocalExecutor, run_pipeline
from akhbar.settings import Settings
from tests.conftest import SAMPLE, require_shared
from tests.fixtures_bad_inputs import build_bad_corpus

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def emitted(tmp_path_factory) -> tuple[set[str], set[str]]:
    """(paragraph reasons, reject errors) of one run over the sample, the dev HTML pages and the hostile inputs."""
    tmp = tmp_path_factory.mktemp("reasons")
    build_bad_corpus(tmp / "bad", big_line_bytes=200_000, size_limit=1_000_000)
    pages = sorted(str(p) for p in require_shared("dev", "html").rglob("*.html*"))
    out = tmp / "out"
    summary = run_pipeline(
        [str(SAMPLE), str(tmp / "bad"), *pages], str(out), Settings(max_input_bytes=1_000_000), LocalExecutor(1)
    )
    assert summary["published"] and summary["n_rejects"] > 0
    con = duckdb.connect()
    paragraph = {
        r
        for (r,) in con.execute(
            "SELECT DISTINCT reason FROM read_parquet(?)", [str(out / "paragraphs" / "*.parquet")]
        ).fetchall()
    }
    errors = {
        e
        for (e,) in con.execute(
            "SELECT DISTINCT error FROM read_parquet(?)", [str(out / "rejects" / "*.parquet")]
        ).fetchall()
    }
    return paragraph, errors


def test_every_paragraph_reason_is_declared(emitted):
    paragraph, _ = emitted
    assert {"body", "exact_dup", "near_dup", "site_template"} <= paragraph  # the run exercised dedup
    assert paragraph - set(reasons.PARAGRAPH_MEANINGS) == set()


def test_every_reject_error_starts_with_a_declared_reason(emitted):
    _, errors = emitted
    assert [e for e in sorted(errors) if not reasons.reject_known(e)] == []


def test_a_source_line_inside_the_article_has_a_declared_reason():
    from akhbar.tasks.clean import clean_text

    body = [
        "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة الرياض بطاقة استيعابية كبيرة تخدم سكان المنطقة.",
        "وقال الوزير إن المشروع يأتي ضمن خطة شاملة لتطوير الخدمات الصحية في جميع مناطق المملكة خلال السنوات المقبلة.",
        "وأضاف أن العمل سيبدأ في المستشفى الجديد مطلع الشهر المقبل بعد اكتمال تجهيز الأقسام والمعدات الطبية اللازمة.",
        "وأشار إلى أن الوزارة تعمل على توظيف مئات الأطباء والممرضين من أجل تشغيل المستشفى بكامل طاقته في وقت قريب.",
    ]
    doc = clean_text("\n".join(["عنوان الخبر عن المستشفى الجديد", *body[:2], "المصدر: وزارة الصحة", *body[2:]]))
    credit = [ln for ln in doc.lines if ln.text.startswith("المصدر")]
    assert credit and credit[0].status == "boilerplate"  # a chart's or photo's credit, not the article's source
    assert {ln.reason for ln in doc.lines} - set(reasons.PARAGRAPH_MEANINGS) == set()


def test_reject_known_matches_templates_only_as_declared():
    assert reasons.reject_known("HTTP 404 response (Not Found)")
    assert reasons.reject_known(reasons.CANNOT_READ.format(detail="Input/output error"))
    assert not reasons.reject_known("something went wrong")
    assert not reasons.reject_known("the HTTP 404 response")  # a reason starts the message


def test_sql_readme_lists_the_reasons():
    readme = (REPO / "sql" / "README.md").read_text(encoding="utf-8")
    assert reasons.markdown_docs().strip() in readme, "regenerate: python -m akhbar.reasons > part of sql/README.md"
