"""ARC files (the WARC predecessor), read through warcio, which converts them; fastwarc reads WARC only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from akhbar import reasons
from akhbar.settings import Settings
from akhbar.tasks.ingest.decode import decode_bytes, sanitize_text
from akhbar.tasks.ingest.formats import check_bytes, detect_format
from akhbar.tasks.ingest.readers.fields import parse_timestamp
from akhbar.tasks.ingest.readers.warc import HTML_TYPES, declared_charset
from akhbar.tasks.ingest.records import InputError, Record, Reject, doc_id_of, site_of


def read_arc(path: Path, fh, input_index: int, settings: Settings) -> Iterator[Record | Reject]:
    """ARC files (the WARC predecessor) through warcio, which converts them; fastwarc reads WARC only.
    `fh`: the (decompressed) file object; a payload over the size limit is rejected unread."""
    from warcio.archiveiterator import ArchiveIterator

    record_no = 0
    it = iter(ArchiveIterator(fh, arc2warc=True))
    while True:
        try:
            rec = next(it)
        except StopIteration:
            return
        except Exception as exc:  # warcio cannot resynchronise an ARC; what follows is lost, and said so
            yield Reject(
                f"{path}@record{record_no}",
                f"{reasons.BROKEN_ARC} ({type(exc).__name__}: {exc}); the rest of the file is not readable"[:500],
            )
            return
        try:
            if rec.rec_type != "response":
                continue
            url = rec.rec_headers.get_header("WARC-Target-URI")
            uri = url or f"{path}@record{record_no}"
            status = rec.http_headers.get_statuscode() if rec.http_headers else None
            if status and not str(status).startswith("2"):
                yield Reject(uri, reasons.HTTP_STATUS.format(status=status))
                continue
            ctype_full = (rec.http_headers.get_header("Content-Type") if rec.http_headers else None) or ""
            ctype = ctype_full.split(";")[0].strip().lower()
            payload = rec.content_stream().read(settings.max_input_bytes + 1)
            if len(payload) > settings.max_input_bytes:
                size = rec.rec_headers.get_header("Content-Length") or f"over {settings.max_input_bytes}"
                yield Reject(uri, reasons.RECORD_OVER_LIMIT.format(size=size, limit=settings.max_input_bytes))
                continue
            if ctype and not (ctype in HTML_TYPES or ctype.startswith("text/")):
                yield Reject(uri, reasons.NOT_A_PAGE.format(ctype=ctype))
                continue
            check_bytes(payload, "HTTP payload", settings)
            is_html = ctype in HTML_TYPES or detect_format(Path("x"), payload) == "html"
            text, how = decode_bytes(payload, declared=declared_charset(ctype_full), is_html=is_html)
            yield Record(
                doc_id_of(payload),
                uri,
                site_of(url, path),
                "arc",
                how,
                input_index,
                record_no,
                url,
                None,
                None,
                "html" if is_html else "text",
                sanitize_text(text),
                crawled_at=parse_timestamp(rec.rec_headers.get_header("WARC-Date")),
            )
        except InputError as exc:
            yield Reject(uri, str(exc))
        except Exception as exc:
            yield Reject(f"{path}@record{record_no}", f"{reasons.BROKEN_ARC} ({type(exc).__name__}: {exc})"[:500])
        finally:
            record_no += 1
