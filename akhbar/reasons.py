"""Reject reasons, each declared once with its meaning (`rejects.error` starts with one of these).

A reason with {fields} is a template: fill it with .format(...). MEANINGS maps each value to one
line saying what it means, for the documentation and for tests that check every reason is known.
"""

from __future__ import annotations

MEANINGS: dict[str, str] = {}


def _reason(value: str, meaning: str) -> str:
    MEANINGS[value] = meaning
    return value


# ---- file system entries (tasks/ingest/discover.py)
NOT_REGULAR = _reason(
    "not a regular file (FIFO/device/socket)",
    "a FIFO, device or socket (or a symlink to one): never opened, since reading one can block for ever",
)
PERMISSION_DENIED = _reason("permission denied", "the file or folder cannot be read by the user running akhbar")
SYMLINK_LOOP = _reason("symlink loop", "a symlink that leads back to itself: there is no file to read")
DANGLING_SYMLINK = _reason("dangling symlink (its target does not exist)", "a symlink to nothing")
SYMLINK_TO_FOLDER = _reason(
    "symlink to a folder (not followed)",
    "symlinks are followed to regular files only; a linked folder could repeat or escape the input tree",
)
VANISHED = _reason(
    "file disappeared before it was read",
    "the entry was listed while walking the inputs and was gone when its turn came",
)
NAME_NOT_UTF8 = _reason(
    "name is not valid UTF-8 (stored with \\xNN escapes; the file is read)",
    "a note, not a loss: the path's undecodable bytes are written as \\xNN in source_uri and inputs.path",
)
CANNOT_READ = _reason(
    "cannot read file: {detail}",
    "the operating system refused a read for another reason (I/O error, file too large for the system, ...)",
)

# ---- sizes (akhbar.settings: max_decompressed_bytes, max_input_bytes, max_line_chars)
DECOMPRESSED_OVER_LIMIT = _reason(
    "decompresses to over the limit ({limit} bytes); what follows is not read",
    "a compressed input larger than max_decompressed_bytes once decompressed (e.g. a gzip bomb); "
    "the records before the limit are kept",
)
RECORD_OVER_LIMIT = _reason(
    "record of {size} bytes is over the size limit ({limit})",
    "one record (a JSONL line, a WARC/ARC record, a whole <DOC>, a table row) larger than max_input_bytes; "
    "the records after it are read",
)
LINE_OVER_LIMIT = _reason(
    "line {line} of {chars} characters is over the line limit ({limit}); the line is left out",
    "a line of a text document longer than max_line_chars (no paragraph is that long); the document's "
    "other lines are kept",
)


# ---- formats (tasks/ingest/formats.py detect_format, tasks/ingest/readers/*)
UNRECOGNISED = _reason(
    "unrecognised format",
    "a file that is none of the formats akhbar reads (text is only a .txt/.text file); never read as text",
)
EMPTY_FILE = _reason("empty file", "a file (or zip member) with nothing but whitespace in it")
EMPTY_TEXT = _reason("empty text", "a record whose text (or html) field or <TEXT> is empty or null")
NO_TEXT_FIELD = _reason(
    "record has no text or html field",
    "a JSON/JSONL record with no field the text can be taken from (name one with --text-column)",
)
NOT_AN_OBJECT = _reason(
    "record is not an object", "a JSON/JSONL record that is a list, string or number, not an object of fields"
)
MALFORMED_JSON = _reason("malformed JSON", "a JSONL line that does not parse as JSON; the lines after it are read")
BROKEN_JSON = _reason(
    "broken JSON", "a JSON file that stops parsing at the given character; the records before it are kept"
)
NO_RECORD_ARRAY = _reason(
    "JSON holds no array of records", "a JSON file that is neither an array of records nor an object holding one"
)
NO_TEXT_COLUMN = _reason(
    "no text or html column",
    "a Parquet or CSV/TSV table with no column the text can be taken from (name one with --text-column)",
)
MISSING_COLUMN = _reason(
    "mapped column not found", "a column named with --*-column (Settings.columns) that the table does not have"
)
BROKEN_TABLE = _reason(
    "unreadable table",
    "a Parquet or CSV/TSV file pyarrow cannot read (or stops reading); the rows read before are kept",
)
BAD_CSV_ROW = _reason(
    "malformed CSV row", "a CSV/TSV row with another number of fields than the header; the rows after it are read"
)
NOT_UTF8 = _reason(
    "not UTF-8 text", "a JSON file or CSV header that does not decode as UTF-8 (both are UTF-8 by definition here)"
)
DOC_WITHOUT_TEXT = _reason("<DOC> without text", "an SGML/TREC <DOC> with no <TEXT> element")
UNCLOSED_DOC = _reason(
    "<DOC> without its </DOC>", "an SGML/TREC <DOC> that another <DOC> or the end of the file cuts off"
)
NO_DOC = _reason("no <DOC> element", "a file that looked like SGML/TREC <DOC>s but holds none")
TOO_BIG = _reason(
    "record over the size limit",
    "a JSON record or <DOC> still open past max_input_bytes (its whole size unknown, its bytes not held)",
)
CORRUPT_GZIP = _reason(
    "truncated or corrupt gzip",
    "a gzip stream that is damaged or cut off; the members before and after the damage are read",
)
CORRUPT_STREAM = _reason(
    "truncated or corrupt compressed stream",
    "a bz2 or zstd stream that is damaged or cut off; what decompressed before the damage is kept",
)
NESTED_ZIP = _reason(
    "zip inside a compressed file",
    "a .zip.gz (or bz2, zstd): a zip needs seeking, so it is not read through a decompressor",
)
BROKEN_ZIP = _reason("unreadable zip archive", "a zip (or one of its members) that cannot be opened or decompressed")
UNREADABLE_INPUT = _reason(
    "unreadable input",
    "a reader failed on the file's bytes in a way no other reason names (the exception is given); the run goes on",
)
BINARY = _reason("binary content", "bytes that are an image, PDF, archive or executable, never text")


# ---- pages and records (tasks/ingest: decode.py, formats.py, read.py, readers/warc.py, readers/arc.py)
EMPTY_PART = _reason(
    "empty {what}", "a single document (file) or a WARC/ARC HTTP payload with nothing but whitespace in it"
)
OVER_SIZE_LIMIT = _reason(
    "{what} of {size} bytes is over the size limit ({limit})",
    "a single document (file) or an HTTP payload larger than max_input_bytes; rejected from its first bytes",
)
MEMBER_OVER_LIMIT = _reason(
    "file of more than {limit} bytes is over the size limit",
    "a zip member holding a single document larger than max_input_bytes (read no further than the limit)",
)
DECOMPRESSES_OVER_SIZE_LIMIT = _reason(
    "decompresses to over the size limit ({limit} bytes)",
    "a compressed single document larger than max_input_bytes once decompressed",
)
NO_TEXT_DECODED = _reason(
    "no text after decoding", "a document or payload that decodes to nothing but whitespace and control characters"
)
UNDECODABLE_NO_FIT = _reason(
    "undecodable bytes: no text encoding fits",
    "bytes that are neither UTF-8/16 nor an Arabic code page, and no encoding charset-normalizer knows",
)
UNDECODABLE_MOJIBAKE = _reason(
    "undecodable bytes: best guess {encoding} gives mojibake",
    "bytes whose best-guessed encoding still yields mostly mojibake",
)
NO_WARC_RECORD = _reason("no WARC record found", "a file that looked like a WARC but holds no WARC record header")
WARC_JUNK_FIRST = _reason(
    "broken WARC data before the first record header",
    "bytes before the first record of a WARC; the records after them are read",
)
BROKEN_WARC = _reason(
    "broken WARC record",
    "a WARC record with a damaged header or a Content-Length that does not fit (the detail is given); "
    "the records after it are read",
)
TRUNCATED_WARC = _reason(
    "truncated WARC record: Content-Length {length}, {left} bytes left",
    "the last record of a WARC cut off before its Content-Length",
)
WARC_NO_HTTP = _reason(
    "WARC response without a readable HTTP header",
    "a WARC response record whose payload does not start with an HTTP response header",
)
HTTP_STATUS = _reason(
    "HTTP {status} response",
    "a WARC/ARC response with an HTTP status other than 2xx: no page (the reason phrase follows for WARC)",
)
UNREADABLE_PAYLOAD = _reason(
    "unreadable HTTP payload",
    "a WARC payload that cannot be read (a transfer or content encoding that does not decode)",
)
NOT_A_PAGE = _reason(
    "not a page: {ctype} response",
    "a WARC/ARC response of a content type that is not text or HTML (image, PDF, script, ...)",
)
BROKEN_ARC = _reason(
    "broken ARC record",
    "an ARC record warcio cannot read (the exception is given); if it cannot resynchronise, the rest is lost",
)


def from_os_error(exc: OSError) -> str:
    """The reason for an OSError met while opening or reading an input."""
    import errno

    if exc.strerror in MEANINGS:  # raised with a reason of its own (akhbar.tasks.ingest.discover.NotRegular)
        return exc.strerror
    if exc.errno in (errno.EACCES, errno.EPERM):
        return PERMISSION_DENIED
    if exc.errno == errno.ENOENT:
        return VANISHED
    if exc.errno == errno.ELOOP:
        return SYMLINK_LOOP
    return CANNOT_READ.format(detail=exc.strerror or exc)


# ---- page extraction (tasks/clean/stage.py)
EXTRACTION_TIME_LIMIT = _reason(
    "extraction over the time limit ({limit:g} s)",
    "a page whose extraction took longer than doc_time_limit; it is skipped so one page cannot stall the run",
)
EXTRACTION_FAILED = _reason(
    "extraction failed: {kind}: {detail}",
    "the page's extraction raised an error (its type and message are given); the run goes on",
)
# ---- a shard lost with its worker (flows/workers.py)
WORKER_LOST = _reason(
    "worker ran out of memory",
    "the process cleaning (or ingesting) the shard was killed for memory; its records are rejects, the run goes on",
)


# ---- paragraph reasons (`paragraphs.reason`): the rule that decided a paragraph's status
PARAGRAPH_MEANINGS: dict[str, str] = {}


def _paragraph_reason(value: str, meaning: str) -> str:
    PARAGRAPH_MEANINGS[value] = meaning
    return value


# kept (tasks/clean/text.py)
BODY = _paragraph_reason("body", "a paragraph of the article's text")
# metadata (tasks/clean/text.py): the document's own fields, taken from its lines
TITLE = _paragraph_reason("title", "the article's title")
BYLINE = _paragraph_reason("byline", "the author line")
DATE_LINE = _paragraph_reason("date_line", "a line stating the publication date or time")
SOURCE_LINE = _paragraph_reason("source_line", "the source or agency line (المصدر، وكالة ...)")
TAGS = _paragraph_reason("tags", "the article's tags or keywords line")
SECTION = _paragraph_reason("section", "the section name above the article")
# boilerplate (tasks/clean/, rules in tasks/clean/boilerplate_rules.toml)
HEADER = _paragraph_reason("header", "a line of the page header before the article")
TRAILER = _paragraph_reason("trailer", "a line of the page trailer after the article")
TITLE_REPEAT = _paragraph_reason("title_repeat", "the title printed again")
AFTER_BODY = _paragraph_reason("after_body", "a short line after the article's last paragraph")
SHORT_RUN = _paragraph_reason("short_run", "a line of a run of short lines (a menu, a list of links)")
SHORT_LINE = _paragraph_reason("short_line", "a line too short to be a paragraph inside the article")
LATE_BLOCK = _paragraph_reason("late_block", "a block of text far after the article (another article, a comment)")
HEADLINE_LIST = _paragraph_reason("headline_list", "an item of a list of headlines or links")
NUMBER_TABLE = _paragraph_reason("number_table", "a row of a table of numbers (prices, scores)")
COMMENT_THREAD = _paragraph_reason("comment_thread", "a reader comment or its header")
CUE_LINE = _paragraph_reason("cue_line", "a line starting with a boilerplate cue (اقرأ أيضا، شارك ...)")
CUE_TRAILER = _paragraph_reason("cue_trailer", "a line after a cue that ends the article")
READ_ALSO = _paragraph_reason("read_also", "a 'read also' link or its item")
WIDGET = _paragraph_reason("widget", "a line of a widget after a cue (most read, related)")
SHARE_BUTTONS = _paragraph_reason("share_buttons", "share or social buttons")
NAV = _paragraph_reason("nav", "navigation links")
BREADCRUMB = _paragraph_reason("breadcrumb", "a breadcrumb or section path line")
CAPTION = _paragraph_reason("caption", "a photo caption or its credit")
CREDIT = _paragraph_reason("credit", "a source line inside the article's paragraphs: a chart's or photo's credit")
URL = _paragraph_reason("url", "a bare URL")
NO_TEXT = _paragraph_reason("no_text", "a line without letters")
LATIN_NOISE = _paragraph_reason("latin_noise", "Latin-script noise in an Arabic page (code, IDs)")
# the corpus-wide dedup pass (tasks/dedup.py, sql/stages/dedup/copy_decisions.sql)
SITE_TEMPLATE = _paragraph_reason(
    "site_template", "a short line the same site repeats on template_min_docs documents or more"
)
EXACT_DUP = _paragraph_reason(
    "exact_dup", "the normalized text appeared earlier (same document, or another one of this or an earlier run)"
)
NEAR_DUP = _paragraph_reason(
    "near_dup", "near_dup_threshold similar to an earlier paragraph and repeating it (no changed number)"
)


def reject_known(error: str) -> bool:
    """True when a rejects.error starts with a declared reason (a template's {fields} match anything)."""
    import re

    for value in MEANINGS:
        pattern = ".*?".join(re.escape(part) for part in re.split(r"\{[^}]*\}", value))
        if re.match(pattern, error, re.S):
            return True
    return False


def markdown_docs() -> str:
    """The reasons, rendered for sql/README.md (kept in sync by tests/test_reasons.py)."""
    out = ["### `paragraphs.reason`\n\n| reason | meaning |\n|---|---|"]
    out += [f"| `{value}` | {meaning} |" for value, meaning in PARAGRAPH_MEANINGS.items()]
    out.append(
        "\n### `rejects.error` (it starts with one of these; `{...}` is filled in)\n\n| reason | meaning |\n|---|---|"
    )
    out += [f"| `{value}` | {meaning} |" for value, meaning in MEANINGS.items()]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(markdown_docs(), end="")
