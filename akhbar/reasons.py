"""Reject reasons, each declared once with its meaning (`rejects.error` starts with one of these).

A reason with {fields} is a template: fill it with .format(...). MEANINGS maps each value to one
line saying what it means, for the documentation and for tests that check every reason is known.
"""

from __future__ import annotations

MEANINGS: dict[str, str] = {}


def _reason(value: str, meaning: str) -> str:
    MEANINGS[value] = meaning
    return value


# ---- file system entries (tasks/discover.py)
NOT_REGULAR = _reason(
    "not a regular file (FIFO/device/socket)",
    "a FIFO, device or socket (or a symlink to one): never opened, since reading one can block for ever")
PERMISSION_DENIED = _reason(
    "permission denied",
    "the file or folder cannot be read by the user running akhbar")
SYMLINK_LOOP = _reason(
    "symlink loop",
    "a symlink that leads back to itself: there is no file to read")
DANGLING_SYMLINK = _reason(
    "dangling symlink (its target does not exist)",
    "a symlink to nothing")
SYMLINK_TO_FOLDER = _reason(
    "symlink to a folder (not followed)",
    "symlinks are followed to regular files only; a linked folder could repeat or escape the input tree")
VANISHED = _reason(
    "file disappeared before it was read",
    "the entry was listed while walking the inputs and was gone when its turn came")
NAME_NOT_UTF8 = _reason(
    "name is not valid UTF-8 (stored with \\xNN escapes; the file is read)",
    "a note, not a loss: the path's undecodable bytes are written as \\xNN in source_uri and inputs.path")
CANNOT_READ = _reason(
    "cannot read file: {detail}",
    "the operating system refused a read for another reason (I/O error, file too large for the system, ...)")

# ---- sizes (akhbar.settings: max_decompressed_bytes, max_input_bytes, max_line_chars)
DECOMPRESSED_OVER_LIMIT = _reason(
    "decompresses to over the limit ({limit} bytes); what follows is not read",
    "a compressed input larger than max_decompressed_bytes once decompressed (e.g. a gzip bomb); "
    "the records before the limit are kept")
RECORD_OVER_LIMIT = _reason(
    "record of {size} bytes is over the size limit ({limit})",
    "one record (a JSONL line, a WARC record) larger than max_input_bytes; the records after it are read")
LINE_OVER_LIMIT = _reason(
    "line {line} of {chars} characters is over the line limit ({limit}); the line is left out",
    "a line of a text document longer than max_line_chars (no paragraph is that long); the document's "
    "other lines are kept")


def from_os_error(exc: OSError) -> str:
    """The reason for an OSError met while opening or reading an input."""
    import errno

    if exc.strerror in MEANINGS:  # raised with a reason of its own (tasks.discover.NotRegular)
        return exc.strerror
    if exc.errno in (errno.EACCES, errno.EPERM):
        return PERMISSION_DENIED
    if exc.errno == errno.ENOENT:
        return VANISHED
    if exc.errno == errno.ELOOP:
        return SYMLINK_LOOP
    return CANNOT_READ.format(detail=exc.strerror or exc)
