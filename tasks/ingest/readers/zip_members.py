"""A .zip of inputs (SaudiNewsNet ships one zip of JSON per day), read member by member: each
member is opened as a stream and read as the file it is (any format, compressed or not)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

from akhbar import reasons
from akhbar.tasks.ingest.readers.fields import Problem


def members(uri: str, fh) -> Iterator[tuple[str, zipfile.ZipInfo, zipfile.ZipFile] | Problem]:
    """(member uri, info, open archive) for each file member, in archive order; hidden files and
    macOS resource folders are skipped. `fh` must be seekable."""
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        yield Problem(uri, f"{reasons.BROKEN_ZIP}: {exc}")
        return
    with zf:
        for info in zf.infolist():
            parts = info.filename.split("/")
            if info.is_dir() or any(p.startswith(".") or p == "__MACOSX" for p in parts if p):
                continue
            yield f"{uri}!/{info.filename}", info, zf
