"""Stage 1, ingest: find input files, read records, decode them, record provenance, reject what can't be read.

  discover.py   walking the inputs, checking and opening entries
  streams.py    byte streams with limits (decompression, caps, lines)
  formats.py    what a file is (detect_format) and the checks on a document's bytes
  decode.py     bytes to text (encoding detection) and sanitize_text
  readers/      one reader per record format
  read.py       one input file to Records and Rejects, through the reader of its format
  records.py    Record, Reject and the staged record writer
  stage.py      the ingest stage: a shard of inputs to the staging files, and the plan of shards
Admit (tasks/admit.py) reads what this stage staged; its names are importable from here too.

Formats (detected from the content first, then the name; gzip of any of them too):
  text   .txt               one document per file
  html   .html/.htm         one document per file
  jsonl  .jsonl/.ndjson     one document per line (readers/jsonl.py), fields as for JSON below
  warc   .warc              response and resource records; request/metadata/warcinfo/revisit records
                            are skipped (they hold no page). A response that is not a page (image, PDF,
                            HTTP status other than 2xx) is REJECTED with the reason, so every response
                            record of a WARC ends as a document or a reject. WARC-Target-URI gives
                            source_uri and url; WARC-Date is crawl time and is never used as a
                            publication date. doc_id = sha256 of the (transfer- and content-decoded)
                            HTTP payload. A broken record is rejected and the records after it are read.
  arc    .arc               the old Internet Archive format, read through warcio (arc2warc).
  json   .json              a JSON array of records, or an object holding one (readers/json_array.py)
  sgml   <DOC> files        TREC/SGML <DOC>s, ANT and Gigaword layouts, any name (readers/sgml_doc.py)
  parquet, csv              .parquet / .csv / .tsv with a text or html column (readers/tabular.py)
  zip    .zip               read member by member, each member as the file it is (readers/zip_members.py)
Records of JSON, JSONL, Parquet and CSV find their fields by name (readers/fields.py: text or
html, url, title, published, author, crawled_at; Settings.columns maps other names); every other
field is kept in source_meta. gzip, bz2 and zstd of any format are read as streams (streams.py:
every decompression stops at Settings.max_decompressed_bytes, a record over max_input_bytes is a
reject). A file that is none of these is rejected as "unrecognised format"; text is only a
.txt/.text file. Reject reasons are declared in akhbar/reasons.py.

Encodings: BOM, then the declared charset (HTTP header, then HTML meta) when it decodes cleanly and
does not look like mojibake, then UTF-8, UTF-16 without BOM, the Arabic code pages (windows-1256,
ISO-8859-6) scored on letters vs. mojibake, then charset-normalizer. The decision is written to
`documents.encoding` as '<encoding> (<how>)', how = bom | http | meta | detected.
"""

from __future__ import annotations

from akhbar.staging import FILE_SCHEMA, INGEST_SCHEMA, REJECT_SCHEMA, STAGED_SCHEMA
from akhbar.tasks.ingest.decode import decode_bytes, sanitize_text
from akhbar.tasks.ingest.discover import discover_input_paths, discover_inputs, sha256_file
from akhbar.tasks.ingest.formats import CONTAINERS, KNOWN_EXT, detect_format, unrecognised
from akhbar.tasks.ingest.read import read_input, read_path, read_stream
from akhbar.tasks.ingest.records import InputError, Record, RecordWriter, Reject, doc_id_of, site_of
from akhbar.tasks.ingest.stage import ingest_shard, ingest_task, plan_ingest_shards, save_ingest_plan
from akhbar.tasks.ingest.streams import gunzip_tolerant

__all__ = [
    "CONTAINERS",
    "FILE_SCHEMA",
    "INGEST_SCHEMA",
    "KNOWN_EXT",
    "REJECT_SCHEMA",
    "STAGED_SCHEMA",
    "InputError",
    "Record",
    "RecordWriter",
    "Reject",
    "admit_records",
    "admit_task",
    "decode_bytes",
    "detect_format",
    "discover_input_paths",
    "discover_inputs",
    "doc_id_of",
    "gunzip_tolerant",
    "ingest_shard",
    "ingest_task",
    "plan_ingest_shards",
    "read_input",
    "read_path",
    "read_record_shard",
    "read_stream",
    "sanitize_text",
    "save_ingest_plan",
    "sha256_file",
    "site_of",
    "unchanged_inputs",
    "unrecognised",
]

_ADMIT = {"admit_records", "admit_task", "read_record_shard", "unchanged_inputs", "RACY_NS"}


def __getattr__(name: str):
    # tasks/admit.py imports this package, so its names are looked up on first use, not at import
    if name in _ADMIT:
        from akhbar.tasks import admit

        return getattr(admit, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
