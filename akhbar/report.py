"""`akhbar report`: one self-contained HTML page about the corpus, with charts.

Every figure comes from a query in sql/report/ (one file per chart, named for what it returns)
run against the DuckDB views of the output folder. Charts are inline SVG drawn here: the page
has no scripts, no fonts or styles to fetch, and opens from a file with no server and no network.
Arabic text is shown right-to-left.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from akhbar import store

REPORT_SQL = store.SQL_DIR / "report"
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
MAX_SERIES = 10  # series of the time chart: every site, or 9 and "N other sites" summed
MAX_SITES = 30  # rows of the per-site charts
ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
WIDTH = 920


def query(con, name: str) -> list[dict]:
    """Rows of sql/report/<name>.sql as dicts."""
    rel = con.execute((REPORT_SQL / f"{name}.sql").read_text(encoding="utf-8"))
    cols = [c[0] for c in rel.description]
    return [dict(zip(cols, r)) for r in rel.fetchall()]


def collect(out: str | None) -> dict:
    con = store.connect(out)
    try:
        return {
            "out": str(store.resolve_out(out)),
            "totals": query(con, "corpus_totals")[0],
            "per_day": query(con, "articles_per_day_per_site"),
            "rates": query(con, "paragraph_rates_per_site"),
            "coverage": query(con, "date_coverage_per_site"),
            "repeated": query(con, "most_repeated_paragraphs"),
            "stories": query(con, "top_stories"),
        }
    finally:
        con.close()


# ---------------------------------------------------------------- SVG helpers


def esc(s) -> str:
    return html.escape(str(s), quote=True)


def is_arabic(s: str) -> bool:
    return bool(ARABIC.search(s or ""))


def text(x: float, y: float, s: str, anchor: str = "start", cls: str = "", size: int | None = None) -> str:
    """An SVG label. Arabic labels are laid out right-to-left; their anchor is mirrored so the
    label stays on the same side of x as a left-to-right one would."""
    attrs = f'x="{x:.1f}" y="{y:.1f}"'
    if is_arabic(s):
        anchor = {"start": "end", "end": "start"}.get(anchor, anchor)
        attrs += ' direction="rtl" unicode-bidi="embed"'
    if cls:
        attrs += f' class="{cls}"'
    if size:
        attrs += f' font-size="{size}"'
    return f'<text {attrs} text-anchor="{anchor}">{esc(s)}</text>'


def rect(x, y, w, h, fill, title: str = "") -> str:
    tip = f"<title>{esc(title)}</title>" if title else ""
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" fill="{fill}">{tip}</rect>'


def svg(width: float, height: float, body: list[str], label: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{esc(label)}" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">' + "".join(body) + "</svg>"
    )


def nice_max(v: float) -> float:
    """A round axis maximum >= v (1, 2, 5 times a power of ten)."""
    if v <= 0:
        return 1
    mag = 10 ** (len(str(int(v))) - 1)
    for m in (1, 2, 5, 10):
        if v <= m * mag:
            return m * mag
    return 10 * mag


LEGEND_ROW = 18


def legend_rows(items: list[tuple[str, str]], x: float, width: float = WIDTH) -> list[list[tuple[str, str, float]]]:
    """Legend entries laid out left to right, wrapped onto a new row where the chart ends."""
    rows: list[list[tuple[str, str, float]]] = [[]]
    cx = x
    for name, color in items:
        w = 16 + 7.5 * len(name) + 18
        if rows[-1] and cx + w > width:
            rows.append([])
            cx = x
        rows[-1].append((name, color, cx))
        cx += w
    return rows


def legend_height(items: list[tuple[str, str]], x: float) -> int:
    """Extra height the legend needs beyond its first row."""
    return LEGEND_ROW * (len(legend_rows(items, x)) - 1)


def legend(items: list[tuple[str, str]], x: float, y: float) -> list[str]:
    out = []
    for i, row in enumerate(legend_rows(items, x)):
        for name, color, cx in row:
            out.append(rect(cx, y + i * LEGEND_ROW - 10, 12, 12, color))
            out.append(text(cx + 16, y + i * LEGEND_ROW, name, size=12))
    return out


def empty_chart(message: str) -> str:
    return svg(WIDTH, 60, [text(WIDTH / 2, 35, message, anchor="middle", cls="muted")], message)


def site_colors(sites: list[str]) -> dict[str, str]:
    return {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(sites)}


# ---------------------------------------------------------------- charts

# Time buckets from finest to coarsest; the chart takes the finest giving at most MAX_BUCKETS bars.
UNITS = ["day", "month", "year", "decade", "century"]
MAX_BUCKETS = 120


def bucket_of(day: dt.date, unit: str) -> dt.date:
    if unit == "month":
        return day.replace(day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    if unit in ("decade", "century"):
        size = 10 if unit == "decade" else 100
        return dt.date(max(1, day.year // size * size), 1, 1)
    return day


def next_bucket(d: dt.date, unit: str) -> dt.date | None:
    """The bucket after d, or None past the calendar's end (year 9999)."""
    try:
        if unit == "day":
            return d + dt.timedelta(days=1)
        if unit == "month":
            return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        step = {"year": 1, "decade": 10, "century": 100}[unit]
        return dt.date(d.year - d.year % step + step, 1, 1)
    except (ValueError, OverflowError):
        return None


def n_buckets(first: dt.date, last: dt.date, unit: str) -> int:
    if unit == "day":
        return (last - first).days + 1
    if unit == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    size = {"year": 1, "decade": 10, "century": 100}[unit]
    return last.year // size - first.year // size + 1


def time_unit(rows: list[dict]) -> str:
    """The bucket of the articles chart: the finest unit that keeps the bars readable."""
    if not rows:
        return "day"
    first, last = min(r["day"] for r in rows), max(r["day"] for r in rows)
    return next((u for u in UNITS if n_buckets(first, last, u) <= MAX_BUCKETS), UNITS[-1])


def bucket_label(b: dt.date, unit: str) -> str:
    if unit == "day":
        return b.isoformat()
    if unit == "month":
        return b.strftime("%Y-%m") if b.year >= 1000 else f"{b.year:04d}-{b.month:02d}"
    if unit == "decade":
        return f"{b.year}s"
    if unit == "century":
        return f"{b.year}–{b.year + 99}"
    return str(b.year)


def chart_articles_per_day(rows: list[dict]) -> str:
    """Stacked bars of articles per publication day, month, year, decade or century (the finest
    unit giving at most MAX_BUCKETS bars), by site; sites beyond MAX_SERIES are summed as one."""
    if not rows:
        return empty_chart("No document states a publication day yet.")
    first, last = min(r["day"] for r in rows), max(r["day"] for r in rows)
    unit = time_unit(rows)
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["site"]] = totals.get(r["site"], 0) + r["articles"]
    ranked = sorted(totals, key=lambda s: (-totals[s], s))
    # Every site in the legend, or the first MAX_SERIES - 1 and the rest summed as one series.
    shown = ranked if len(ranked) <= MAX_SERIES else ranked[: MAX_SERIES - 1]
    other = f"{len(ranked) - len(shown)} other sites"
    series = shown + ([other] if len(ranked) > len(shown) else [])
    colors = site_colors(series)
    buckets: list[dt.date] = []
    b = bucket_of(first, unit)
    while b is not None and b <= last:
        buckets.append(b)
        b = next_bucket(b, unit)
    counts: dict[tuple[dt.date, str], int] = {}
    for r in rows:
        key = (bucket_of(r["day"], unit), r["site"] if r["site"] in shown else other)
        counts[key] = counts.get(key, 0) + r["articles"]
    # At least 4 so the five grid lines fall on whole articles.
    top = max(4, nice_max(max(sum(counts.get((b, s), 0) for s in series) for b in buckets)))
    left, right, plot_h = 50, 10, 220
    top_pad = 40 + legend_height([(s, colors[s]) for s in series], left)
    plot_w = WIDTH - left - right
    height = top_pad + plot_h + 40
    bw = plot_w / len(buckets)
    body = legend([(s, colors[s]) for s in series], left, 18)
    for i in range(5):  # horizontal grid with values
        v = top * i / 4
        y = top_pad + plot_h - plot_h * i / 4
        body.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        body.append(text(left - 6, y + 4, f"{v:g}", anchor="end", size=11))
    for i, b in enumerate(buckets):
        y = top_pad + plot_h
        for s in series:
            n = counts.get((b, s), 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            body.append(
                rect(left + i * bw + bw * 0.1, y, max(bw * 0.8, 1), h, colors[s], f"{bucket_label(b, unit)} · {s}: {n}")
            )
    step = max(1, -(-len(buckets) // 8))  # at most 8 date labels
    for i in range(0, len(buckets), step):
        body.append(
            text(left + (i + 0.5) * bw, top_pad + plot_h + 16, bucket_label(buckets[i], unit), anchor="middle", size=11)
        )
    body.append(text(left, height - 6, f"articles per {unit} of publication", cls="muted", size=11))
    return svg(WIDTH, height, body, f"Articles per {unit} and site")


def chart_rates(rows: list[dict]) -> str:
    """Per site, two horizontal bars: % of paragraphs removed as boilerplate, as duplicates."""
    rows = rows[:MAX_SITES]
    if not rows:
        return empty_chart("No documents yet.")
    label_w, right, row_h, top_pad = 200, 70, 34, 34
    plot_w = WIDTH - label_w - right
    height = top_pad + row_h * len(rows) + 24
    kinds = [("pct_boilerplate", "boilerplate", "#e15759"), ("pct_duplicate", "duplicate", "#4e79a7")]
    body = legend([(f"% {name}", color) for _, name, color in kinds], label_w, 16)
    for i in range(5):
        x = label_w + plot_w * i / 4
        body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top_pad - 6}" y2="{height - 20}" class="grid"/>')
        body.append(text(x, height - 6, f"{25 * i}%", anchor="middle", size=11))
    for j, r in enumerate(rows):
        y = top_pad + j * row_h
        body.append(text(label_w - 8, y + row_h / 2 + 4, r["site"], anchor="end", size=12))
        for k, (col, name, color) in enumerate(kinds):
            pct = float(r[col] or 0)
            by = y + 3 + k * 14
            body.append(
                rect(
                    label_w,
                    by,
                    plot_w * pct / 100,
                    12,
                    color,
                    f"{r['site']}: {pct:g}% {name} ({r[name]} of {r['paragraphs']} paragraphs)",
                )
            )
            body.append(text(label_w + plot_w * pct / 100 + 4, by + 10, f"{pct:g}%", size=10))
    return svg(WIDTH, height, body, "Boilerplate and duplicate rates per site")


def chart_coverage(rows: list[dict]) -> str:
    """Per site, one 100% bar: documents dated to the day, month, year, or not at all."""
    rows = rows[:MAX_SITES]
    if not rows:
        return empty_chart("No documents yet.")
    label_w, right, row_h, top_pad = 200, 90, 24, 34
    plot_w = WIDTH - label_w - right
    height = top_pad + row_h * len(rows) + 10
    parts = [("day", "#59a14f"), ("month", "#8cd17d"), ("year", "#edc948"), ("none", "#bab0ac")]
    body = legend([(name if name != "none" else "no date", color) for name, color in parts], label_w, 16)
    for j, r in enumerate(rows):
        y = top_pad + j * row_h
        body.append(text(label_w - 8, y + 15, r["site"], anchor="end", size=12))
        x = float(label_w)
        for name, color in parts:
            n = r[name] or 0
            w = plot_w * n / r["documents"] if r["documents"] else 0
            if n:
                body.append(
                    rect(
                        x,
                        y + 3,
                        w,
                        row_h - 8,
                        color,
                        f"{r['site']}: {n} of {r['documents']} documents "
                        + ("without a date" if name == "none" else f"dated to the {name}"),
                    )
                )
            x += w
        dated = r["documents"] - (r["none"] or 0)
        body.append(text(label_w + plot_w + 6, y + 15, f"{dated}/{r['documents']} dated", size=11))
    return svg(WIDTH, height, body, "Publication date coverage per site")


def bar_cell(n: int, top: int) -> str:
    w = 120 * n / top if top else 0
    return svg(124, 14, [rect(0, 1, w, 12, "#4e79a7", f"{n} copies")], f"{n} copies")


def table_repeated(rows: list[dict]) -> str:
    if not rows:
        return '<p class="muted">No repeated paragraphs yet.</p>'
    top = max(r["n_copies"] for r in rows)
    out = [
        '<table class="repeated"><thead><tr><th>copies</th><th></th><th>sites</th>'
        "<th>paragraph (first occurrence)</th></tr></thead><tbody>"
    ]
    for r in rows:
        para = r["text"] or ""
        short = para if len(para) <= 400 else para[:400] + "…"
        sites = ", ".join(r["sites"] or [])
        out.append(
            f'<tr><td class="num">{r["n_copies"]}</td><td>{bar_cell(r["n_copies"], top)}</td>'
            f'<td dir="auto">{esc(sites)}</td>'
            f'<td class="para" dir="{"rtl" if is_arabic(para) else "auto"}" lang="{"ar" if is_arabic(para) else ""}">'
            f"{esc(short)}</td></tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def table_stories(rows: list[dict]) -> str:
    if not rows:
        return '<p class="muted">No story carried by two articles yet.</p>'
    out = [
        '<table class="repeated"><thead><tr><th>articles</th><th>first</th><th>outlets in order</th>'
        "<th>title of the first</th></tr></thead><tbody>"
    ]
    for r in rows:
        title = r["title"] or ""
        first = f"{r['first_site']} {r['first_published'] or ''}"
        span = f" ({r['span_days']} days)" if r["span_days"] else ""
        out.append(
            f'<tr><td class="num">{r["n_articles"]}</td><td dir="auto">{esc(first)}</td>'
            f'<td dir="auto">{esc(" → ".join(r["sites_in_order"] or []) + span)}</td>'
            f'<td class="para" dir="{"rtl" if is_arabic(title) else "auto"}">{esc(title)}</td></tr>'
        )
    out.append("</tbody></table>")
    return "".join(out)


# ---------------------------------------------------------------- page

CSS = """
body { font-family: system-ui, "Noto Sans", "Noto Naskh Arabic", "DejaVu Sans", sans-serif;
       margin: 24px auto; max-width: 980px; color: #222; background: #fff; }
h1 { font-size: 1.6em; margin-bottom: 4px; } h2 { font-size: 1.2em; margin-top: 32px; }
.muted, text.muted { color: #777; fill: #777; }
svg.chart { display: block; margin: 8px 0; }
svg text { font-family: inherit; fill: #333; }
line.grid { stroke: #e4e4e4; stroke-width: 1; }
.totals { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; padding: 0; }
.totals li { list-style: none; border: 1px solid #ddd; border-radius: 6px; padding: 8px 14px; }
.totals b { display: block; font-size: 1.4em; }
table.repeated { border-collapse: collapse; width: 100%; font-size: 0.92em; }
table.repeated th, table.repeated td { border-bottom: 1px solid #eee; padding: 6px; vertical-align: top; text-align: start; }
td.num { text-align: end; font-variant-numeric: tabular-nums; }
td.para[dir=rtl] { text-align: right; font-size: 1.05em; line-height: 1.6; }
"""


def render(data: dict) -> str:
    t = data["totals"]
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    last = t["last_run_finished_at"]
    tiles = [
        ("documents", t["documents"]),
        ("sites", t["sites"]),
        ("with a publication date", t["with_date"]),
        ("paragraphs kept", t["paragraphs_kept"]),
        ("rejects", t["rejects"]),
        ("runs", t["runs"]),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>akhbar corpus report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>akhbar corpus report</h1>",
        f'<p class="muted">Output folder <code>{esc(data["out"])}</code> · generated {generated}'
        + (f" · last run finished {esc(last.strftime('%Y-%m-%d %H:%M UTC'))}" if last else " · no completed run yet")
        + "</p>",
        '<ul class="totals">' + "".join(f"<li><b>{v}</b>{esc(k)}</li>" for k, v in tiles) + "</ul>",
        f"<h2>Articles per {time_unit(data['per_day'])}, per site</h2>",
        '<p class="muted">By stated publication date (documents dated only to a month or year are not counted); '
        f"one bar per day, or per month, year, decade or century when there would be more than {MAX_BUCKETS}. "
        "Hover a bar for its figures.</p>",
        chart_articles_per_day(data["per_day"]),
        "<h2>Boilerplate and duplicate rates per site</h2>",
        '<p class="muted">Share of each site\'s paragraphs removed as boilerplate (navigation, templates, '
        "share buttons…) and as repeats of an earlier paragraph.</p>",
        chart_rates(data["rates"]),
        "<h2>Publication date coverage</h2>",
        '<p class="muted">Documents whose page states a publication date, by precision; dates are never guessed '
        "from crawl time.</p>",
        chart_coverage(data["coverage"]),
        "<h2>Most repeated paragraphs</h2>",
        '<p class="muted">Paragraphs found again in later documents, with every site they appear on.</p>',
        table_repeated(data["repeated"]),
        "<h2>Stories</h2>",
        '<p class="muted">Articles telling the same story (repeating or revising an earlier article\'s paragraphs, '
        "published within a few days): the first publisher, the outlets in the order they carried it "
        "(sql/queries/stories_by_day.sql, who_published_first.sql, outlet_copying_matrix.sql).</p>",
        table_stories(data["stories"]),
        '<p class="muted">Queries: sql/report/*.sql over the views of sql/views.sql.</p>',
        "</body></html>",
    ]
    return "\n".join(parts)


def write_report(out: str | None = None, html_path: str | None = None) -> Path:
    """Render the report of the output folder to html_path (default OUT/report.html)."""
    data = collect(out)
    path = Path(html_path) if html_path else Path(data["out"]) / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(render(data), encoding="utf-8")
    tmp.replace(path)  # a browser reloading the page never sees half of it
    return path
