"""Builders of real and bad inputs, made at test time into a tmp folder (nothing is committed).

- the seed scrapes re-encoded into the encodings Arabic sites still serve (windows-1256,
  ISO-8859-6, UTF-16 with and without BOM, UTF-8 with BOM), as text, HTML (right, missing and
  lying meta charset) and WARC (HTTP header charset);
- WARC files written record by record (with a broken record in the middle);
- a corpus mixing every kind of bad input, with the number of output rows each file must give.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
SHARED_SEEDS = REPO.parent / "shared" / "seeds"

# Characters the single-byte Arabic code pages lack, replaced the way sites using them write
# (ASCII digits, straight quotes), so the re-encoded seed is lossless.
_SUBST = str.maketrans(
    {
        **{chr(0x660 + i): str(i) for i in range(10)},
        **{chr(0x6F0 + i): str(i) for i in range(10)},
        "\u201c": '"',
        "\u201d": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u00ab": '"',
        "\u00bb": '"',
    }
)


def seed_texts() -> dict[str, str]:
    """The five seed scrapes (shipped in data/sample; ../shared/seeds as a fallback)."""
    folder = SAMPLE if any(SAMPLE.glob("*.txt")) else SHARED_SEEDS
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}


def single_byte_safe(text: str) -> str:
    """The text as both windows-1256 and ISO-8859-6 can carry it (unrepresentable chars -> '?')."""
    text = text.translate(_SUBST)
    for enc in ("cp1256", "iso8859_6"):
        text = text.encode(enc, "replace").decode(enc)
    return text


def to_html(text: str, meta_charset: str | None, title: str = "") -> str:
    """A news page around the scrape's lines: one <p> per line."""
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    paras = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip())
    return (
        f'<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head>{meta}<title>{html.escape(title)}</title></head>'
        f"<body><article>\n{paras}\n</article></body></html>\n"
    )


# ---------------------------------------------------------------- encodings

# variant -> (kind, python codec for the bytes, meta charset written in the HTML, HTTP charset)
ENCODING_VARIANTS: dict[str, tuple[str, str, str | None, str | None]] = {
    "txt-windows-1256": ("txt", "cp1256", None, None),
    "txt-iso-8859-6": ("txt", "iso8859_6", None, None),
    "txt-utf-16-bom": ("txt", "utf-16", None, None),
    "txt-utf-16le-nobom": ("txt", "utf-16-le", None, None),
    "txt-utf-16be-nobom": ("txt", "utf-16-be", None, None),
    "txt-utf-8-bom": ("txt", "utf-8-sig", None, None),
    "html-windows-1256-meta": ("html", "cp1256", "windows-1256", None),
    "html-iso-8859-6-meta": ("html", "iso8859_6", "iso-8859-6", None),
    "html-windows-1256-nometa": ("html", "cp1256", None, None),
    "html-lying-meta-utf8-is-1256": ("html", "cp1256", "utf-8", None),
    "html-lying-meta-1256-is-iso": ("html", "iso8859_6", "windows-1256", None),
    "html-utf-16-bom": ("html", "utf-16", None, None),
    "warc-http-windows-1256": ("warc", "cp1256", None, "windows-1256"),
    "warc-http-lying-iso-is-1256": ("warc", "cp1256", None, "iso-8859-6"),
}
REFERENCE = {"txt": "ref-txt-utf-8", "html": "ref-html-utf-8", "warc": "ref-warc-utf-8"}


def build_encoding_corpora(root: Path) -> dict[str, Path]:
    """One input folder per variant and per UTF-8 reference, each holding the five seeds.

    Text and HTML files sit in a folder named `sample` in every variant, so `site` (the folder
    name for files without a URL) is the same; WARC records carry the same URLs in every variant.
    """
    texts = {name: single_byte_safe(t) for name, t in seed_texts().items()}
    folders: dict[str, Path] = {}

    def folder(variant: str) -> Path:
        d = root / variant / "sample"
        d.mkdir(parents=True, exist_ok=True)
        folders[variant] = d.parent
        return d

    def html_name(name: str) -> str:
        return Path(name).stem + ".html"

    d = folder(REFERENCE["txt"])
    for name, t in texts.items():
        (d / name).write_bytes(t.encode("utf-8"))
    d = folder(REFERENCE["html"])
    for name, t in texts.items():
        (d / html_name(name)).write_bytes(to_html(t, "utf-8").encode("utf-8"))
    d = folder(REFERENCE["warc"])
    write_warc(
        d / "pages.warc",
        [
            warc_response(_url(name), to_html(t, None).encode("utf-8"), "text/html; charset=utf-8")
            for name, t in texts.items()
        ],
    )
    for variant, (kind, codec, meta, http_charset) in ENCODING_VARIANTS.items():
        d = folder(variant)
        for name, t in texts.items():
            if kind == "txt":
                (d / name).write_bytes(t.encode(codec))
            elif kind == "html":
                (d / html_name(name)).write_bytes(to_html(t, meta).encode(codec))
        if kind == "warc":
            ctype = f"text/html; charset={http_charset}" if http_charset else "text/html"
            write_warc(
                d / "pages.warc",
                [warc_response(_url(name), to_html(t, None).encode(codec), ctype) for name, t in texts.items()],
            )
    return folders


def _url(name: str) -> str:
    return f"https://news.example/{Path(name).stem}.html"


# ---------------------------------------------------------------- WARC writing


def warc_record(
    warc_type: str,
    uri: str | None,
    block: bytes,
    content_type: str,
    *,
    content_length: int | None = None,
    date: str = "2024-05-01T10:00:00Z",
) -> bytes:
    """One WARC/1.1 record; content_length lets a test write a lying Content-Length."""
    rid = hashlib.sha1(block + (uri or "").encode() + warc_type.encode()).hexdigest()
    head = [
        "WARC/1.1",
        f"WARC-Type: {warc_type}",
        f"WARC-Date: {date}",
        f"WARC-Record-ID: <urn:uuid:{rid[:8]}-{rid[8:12]}-{rid[12:16]}-{rid[16:20]}-{rid[20:32]}>",
    ]
    if uri:
        head.append(f"WARC-Target-URI: {uri}")
    head += [
        f"Content-Type: {content_type}",
        f"Content-Length: {len(block) if content_length is None else content_length}",
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + block + b"\r\n\r\n"


def warc_response(
    uri: str,
    body: bytes,
    content_type: str = "text/html; charset=utf-8",
    *,
    status: str = "200 OK",
    chunked: bool = False,
    gzip_body: bool = False,
    content_length: int | None = None,
) -> bytes:
    headers = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}"]
    if gzip_body:
        body = gzip.compress(body)
        headers.append("Content-Encoding: gzip")
    if chunked:
        headers.append("Transfer-Encoding: chunked")
        mid = len(body) // 2
        body = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in (body[:mid], body[mid:]) if c) + b"0\r\n\r\n"
    else:
        headers.append(f"Content-Length: {len(body)}")
    block = ("\r\n".join(headers) + "\r\n\r\n").encode() + body
    return warc_record("response", uri, block, "application/http; msgtype=response", content_length=content_length)


def warc_request(uri: str) -> bytes:
    block = f"GET {uri} HTTP/1.1\r\nHost: example\r\n\r\n".encode()
    return warc_record("request", uri, block, "application/http; msgtype=request")


def warcinfo() -> bytes:
    return warc_record(
        "warcinfo", None, b"software: akhbar tests\r\nformat: WARC File Format 1.1\r\n", "application/warc-fields"
    )


def write_warc(path: Path, records: list[bytes], *, gz: bool = False) -> Path:
    """Plain, or gzip with one member per record (as crawlers write them)."""
    data = b"".join(gzip.compress(r) for r in records) if gz else b"".join(records)
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- the bad-input corpus


@dataclass
class Expect:
    """What a file must give: `documents` rows and `rejects` rows (stage ingest or clean)."""

    documents: int = 0
    rejects: int = 0
    note: str = ""
    languages: set[str] = field(default_factory=set)  # for kept non-Arabic pages


ARABIC = (
    "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة الرياض بطاقة استيعابية تبلغ "
    "خمسمائة سرير، وقال الوزير إن المشروع يأتي ضمن خطة لتطوير الخدمات الصحية في المملكة."
)
ENGLISH = (
    "The ministry of health announced today the opening of a new hospital in the city, with five "
    "hundred beds. The minister said the project is part of a plan to improve health services "
    "across the country, and that two more hospitals will open next year."
)
FRENCH = (
    "Le ministère de la santé a annoncé aujourd'hui l'ouverture d'un nouvel hôpital dans la ville, "
    "avec cinq cents lits. Le ministre a déclaré que le projet fait partie d'un plan visant à "
    "améliorer les services de santé dans tout le pays."
)


def build_bad_corpus(
    root: Path, *, big_line_bytes: int = 20_000_000, size_limit: int = 21_000_000
) -> dict[str, Expect]:
    """A folder of inputs of every bad kind (plus some good ones). Returns file name -> Expect.

    Use Settings(max_input_bytes=size_limit) for the run: the 20 MB one-line page is under the
    limit (it must go through extraction), `over_limit.html` is over it.
    """
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(1256)
    exp: dict[str, Expect] = {}

    def put(name: str, data: bytes, e: Expect) -> None:
        (root / name).write_bytes(data)
        exp[name] = e

    def page(body, extra=""):
        return (
            f'<html><head><meta charset="utf-8"><title>خبر</title>{extra}</head>'
            f"<body><article><p>{body}</p></article></body></html>"
        ).encode()

    put("good.txt", (ARABIC + "\n\n" + ARABIC[::-1]).encode("utf-8"), Expect(1))
    put(
        "good_cp1256.html",
        page(ARABIC + " صفحة بترميز ويندوز").decode("utf-8").replace('charset="utf-8"', "").encode("cp1256"),
        Expect(1),
    )
    put("empty.txt", b"", Expect(rejects=1, note="empty file"))
    put("blank.html", b"  \n\t\r\n  ", Expect(rejects=1, note="empty file"))
    put(
        "report.html",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
        + bytes(rng.randrange(256) for _ in range(4000)),
        Expect(rejects=1, note="binary content (PDF)"),
    )
    put(
        "photo.txt",
        b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(3000)),
        Expect(rejects=1, note="binary (PNG)"),
    )
    put("nul.txt", b"abc\x00\x00\x01\x02" * 500, Expect(rejects=1, note="binary content (NUL bytes)"))
    put("noise.txt", bytes(rng.randrange(128, 256) for _ in range(5000)), Expect(rejects=1, note="undecodable"))
    full = gzip.compress((ARABIC * 200).encode("utf-8"))
    put("truncated.txt.gz", full[: len(full) // 2], Expect(rejects=1, note="truncated gzip"))
    words = ARABIC.split()
    lines = [
        json.dumps(
            {"url": f"https://site.example/{i}", "text": " ".join(rng.sample(words, len(words)))}, ensure_ascii=False
        )
        for i in range(6)
    ]  # shuffled: the gzip stream stays long
    jl = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"))
    cut = _cut_inside_line(jl, lines)
    assert cut[1] >= 3
    put(
        "truncated.jsonl.gz",
        jl[: cut[0]],
        Expect(documents=cut[1], rejects=2, note="kept lines + cut line + gzip reject"),
    )
    put(
        "mixed.jsonl",
        "\n".join(
            [
                json.dumps({"url": "https://site.example/a", "title": "أ", "text": ARABIC + " أ"}, ensure_ascii=False),
                "{not json",
                json.dumps([1, 2, 3]),
                json.dumps({"url": "https://site.example/b"}),
                json.dumps({"url": "https://site.example/c", "html": page(ARABIC + " ج").decode()}, ensure_ascii=False),
                json.dumps({"url": "https://site.example/d", "text": "\ud800 نص مع بديل منفرد " + ARABIC}),
                "",
            ]
        ).encode("utf-8"),
        Expect(documents=3, rejects=3, note="2 good + 1 lone surrogate ok; 3 bad lines"),
    )
    recs = [
        warcinfo(),
        warc_request("https://warc.example/1"),
        warc_response("https://warc.example/1", page(ARABIC + " ١")),
        warc_response("https://warc.example/broken", page(ARABIC + " مكسور"), content_length=99999),
        warc_response("https://warc.example/2", page(ARABIC + " ٢"), chunked=True, gzip_body=True),
        warc_response("https://warc.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "image/png"),
        warc_response("https://warc.example/missing", b"<html><body>Not found</body></html>", status="404 Not Found"),
        warc_record("metadata", "https://warc.example/1", b"via: test\r\n", "application/warc-fields"),
        warc_response("https://warc.example/3", page(ARABIC + " ٣").decode("utf-8").encode("utf-8")),
    ]
    write_warc(root / "crawl.warc", recs)
    exp["crawl.warc"] = Expect(
        documents=3, rejects=3, note="broken record, image, 404; request/metadata/warcinfo skipped"
    )
    members = (
        [gzip.compress(warc_response(f"https://warc.example/gz{i}", page(ARABIC + f" مضغوط {i}"))) for i in (1, 2)]
        + [b"\x1f\x8b\x08\x00garbage-member" + bytes(200)]
        + [gzip.compress(warc_response("https://warc.example/gz3", page(ARABIC + " مضغوط 3"), chunked=True))]
    )
    put("crawl_damaged.warc.gz", b"".join(members), Expect(documents=3, rejects=1, note="corrupt gzip member skipped"))
    put(
        "unclosed.html",
        ("<html><body><div><p>" + ARABIC + "<p>فقرة ثانية <b>عريض <i>مائل <table><tr><td>خلية").encode("utf-8"),
        Expect(1, note="unclosed tags"),
    )
    put(
        "nested.html",
        ("<html><body>" + "<div>" * 10000 + f"<p>{ARABIC}</p>" + "</div>" * 10000 + "</body></html>").encode("utf-8"),
        Expect(1, note="10,000 nested divs"),
    )
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "' + f"&lol{i - 1};" * 10 + '">' for i in range(1, 10)).replace("&lol0;", "&lol;")
        + f"]><html><body><p>&lol9;</p><p>{ARABIC}</p></body></html>"
    )
    put("entities.html", lol.encode("utf-8"), Expect(1, note="billion laughs"))
    unit = ("خبر عاجل من الرياض اليوم ").encode()
    body = unit * (big_line_bytes // len(unit))
    put("one_line.html", b"<html><body><p>" + body + b"</p></body></html>", Expect(1, note="a single 20 MB line"))
    put(
        "over_limit.html",
        b"<html><body><p>" + unit * (size_limit // len(unit) + 10) + b"</p></body></html>",
        Expect(rejects=1, note="over the size limit"),
    )
    put("english.txt", ENGLISH.encode("utf-8"), Expect(1, languages={"en", "latn"}))
    put(
        "french.html",
        page(FRENCH).decode().replace('dir="rtl"', "").encode("utf-8"),
        Expect(1, languages={"fr", "latn"}),
    )
    return exp


def _cut_inside_line(gz: bytes, lines: list[str]) -> tuple[int, int]:
    """A cut point of the gzip stream that ends inside a line; returns (cut, complete lines before it)."""
    for cut in range(len(gz) * 9 // 10, 10, -1):
        data = zlib.decompressobj(31).decompress(gz[:cut])
        if data and not data.endswith(b"\n") and not _parses(data.rsplit(b"\n", 1)[-1]):
            return cut, data.count(b"\n")
    raise AssertionError("no cut point")


def _parses(line: bytes) -> bool:
    try:
        json.loads(line)
        return True
    except ValueError:
        return False


# ---------------------------------------------------------------- hostile entries and sizes


def write_jsonl_gzip_bomb(path: Path, total_bytes: int, block: int = 64 * 1024 * 1024, records: bool = False) -> Path:
    """A .jsonl.gz decompressing to about total_bytes: a good record, one enormous line, a good
    record; with records, the same record repeated in place of the enormous line. Written as gzip
    members (a member of `block` bytes compressed once, repeated), so making it takes one block of
    memory and well under a second."""

    def good(i):
        return json.dumps({"url": f"https://bomb.example/{i}", "text": f"{ARABIC} {i}"}, ensure_ascii=False)

    if records:
        line = (good("same") + "\n").encode()
        filler = gzip.compress(line * (block // len(line)), compresslevel=9)
        opening = good(1) + "\n"
    else:
        filler = gzip.compress(b"a" * block, compresslevel=9)
        opening = good(1) + '\n{"url": "https://bomb.example/big", "text": "'
    with open(path, "wb") as fh:
        fh.write(gzip.compress(opening.encode()))
        for _ in range(max(1, total_bytes // block)):
            fh.write(filler)
        fh.write(gzip.compress((("" if records else '"}\n') + good(2) + "\n").encode()))
    return path


def write_single_line(path: Path, n_bytes: int, html: bool = False) -> Path:
    """A text file of one line of Arabic words, n_bytes long (written in pieces); with html, the
    line is the one paragraph of a page."""
    unit = "خبر عاجل من الرياض اليوم ".encode()
    piece = unit * (1024 * 1024 // len(unit))
    with open(path, "wb") as fh:
        if html:
            fh.write(b"<html><body><p>")
        left = n_bytes
        while left > 0:
            fh.write(piece[:left])
            left -= len(piece)
        if html:
            fh.write(b"</p></body></html>")
    return path


UNKNOWN_NAMES = [
    "page.json",
    "page.xml",
    "page.md",
    "page.csv",
    "page.php",
    "page.aspx",
    "page.shtml",
    "page.html?id=5",
    "noextension",
    "double.txt.gz.gz",
    "packed.bz2",
]


def build_hostile_folder(
    root: Path, *, bomb_bytes: int = 256 * 1024 * 1024, line_bytes: int = 45 * 1024 * 1024
) -> dict[str, str]:
    """Every kind of hostile entry in one folder. Returns entry name -> what it is.

    Entries that must be refused unopened (a FIFO, a symlink to /dev/zero, a symlink loop, a
    dangling symlink) sit beside an invalid-UTF-8 name, every unknown extension, a JSONL gzip bomb,
    a single huge line, names with quotes and semicolons, and an unreadable file and folder
    (mode 000: unreadable to anyone but root)."""
    import bz2
    import os

    root.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, str] = {}
    article = (ARABIC + "\n\n" + ARABIC[::-1] + "\n").encode("utf-8")

    def put(name: str, data: bytes, kind: str) -> None:
        (root / name).write_bytes(data)
        kinds[name] = kind

    put("good.txt", article, "good")
    os.mkfifo(root / "pipe")
    kinds["pipe"] = "fifo"
    (root / "zero").symlink_to("/dev/zero")
    kinds["zero"] = "device link"
    (root / "loop_a").symlink_to("loop_b")
    (root / "loop_b").symlink_to("loop_a")
    kinds["loop_a"] = kinds["loop_b"] = "symlink loop"
    (root / "dangling").symlink_to("no such file")
    kinds["dangling"] = "dangling symlink"
    (root / "link_to_good.txt").symlink_to("good.txt")
    kinds["link_to_good.txt"] = "symlink to a file"
    bad_name = os.fsdecode(b"bad-\xff\xfe-name.txt")
    with open(os.path.join(os.fsencode(root), os.fsencode(bad_name)), "wb") as fh:
        fh.write(article + "ملف باسم غير صالح".encode())
    kinds[bad_name] = "invalid UTF-8 name"
    for name in UNKNOWN_NAMES:
        if name.endswith(".gz.gz"):
            data = gzip.compress(gzip.compress(article))
        elif name.endswith(".bz2"):
            data = bz2.compress(article)
        else:
            data = article + name.encode()
        put(name, data, "unknown extension")
    put("it's; DROP TABLE documents; --.txt", article + b"quote", "quotes and semicolons")
    put('say "hi"; x.html', to_html(ARABIC + " اقتباس", "utf-8").encode("utf-8"), "quotes and semicolons")
    write_jsonl_gzip_bomb(root / "bomb.jsonl.gz", bomb_bytes)
    kinds["bomb.jsonl.gz"] = "gzip bomb"
    write_single_line(root / "one_line.txt", line_bytes)
    kinds["one_line.txt"] = "single huge line"
    put("locked.txt", article + b"locked", "unreadable file")
    (root / "locked.txt").chmod(0)
    locked = root / "locked_dir"
    locked.mkdir()
    (locked / "inside.txt").write_bytes(article)
    locked.chmod(0)
    kinds["locked_dir"] = "unreadable folder"
    return kinds
