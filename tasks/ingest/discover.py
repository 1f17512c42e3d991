"""Walking the inputs: every entry under an input folder is listed, whatever its name or kind.

walk_inputs lists every non-folder entry (regular files of any extension, symlinks, FIFOs,
devices, sockets) and every folder it cannot list; the format is decided later from the content.
Only hidden entries (names starting with '.': .git, .DS_Store, editors' swap files) are left out.
The ingest stage then checks each entry with entry_problem before anything is opened: only regular
files (or symlinks to regular files) are read, everything else becomes a reject with the reason
(akhbar/reasons.py), and open_regular opens with O_NONBLOCK and checks the open descriptor again,
so an entry swapped for a FIFO in between cannot block the run.

Paths stay Python strings as the OS gives them (undecodable bytes as surrogate escapes);
display_path renders them as \\xNN for the tables, which store UTF-8.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import BinaryIO

from akhbar import reasons


def discover_inputs(inputs: list[str]) -> list[Path]:
    """Expand files and folders (recursively) into a sorted, de-duplicated list of entries: every
    entry but hidden ones, whatever its extension or kind."""
    return [Path(f) for f in discover_input_paths(inputs)]


def discover_input_paths(inputs: list[str]) -> list[str]:
    """discover_inputs as absolute path strings: what a run needs (no Path object per file, bench/pipeline.py)."""
    return walk_inputs(inputs)


def walk_inputs(inputs: list[str]) -> list[str]:
    """Files and folders named -> a sorted, de-duplicated list of absolute entry paths.

    A folder is walked recursively without following symlinked folders; an entry named
    explicitly is always taken. Raises FileNotFoundError for a named input that does not exist.
    """
    found: set[str] = set()
    for item in inputs:
        path = _absolute(item)
        if os.path.isdir(path):  # a symlink to a folder named explicitly is resolved: the user means it
            _walk(path, found)
        elif os.path.lexists(path):
            found.add(path)
        else:
            raise FileNotFoundError(f"input not found: {item}")
    # Path order (component by component), on strings: Path objects sort far slower (bench/pipeline.py)
    return sorted(found, key=lambda f: f.split(os.sep))


def _absolute(item: str) -> str:
    path = os.path.abspath(os.path.expanduser(item))
    try:
        return os.path.realpath(path, strict=True)
    except OSError:  # a loop or a dangling link named explicitly: ingest rejects it by its own name
        return path


def _walk(top: str, found: set[str]) -> None:
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            found.add(folder)  # ingest rejects it with the reason (e.g. permission denied)
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                stack.append(entry.path)
            else:
                found.add(entry.path)


def entry_stat(path: str) -> os.stat_result | None:
    """What the entry points at (the link's own stat for a broken link), or None when it is gone."""
    try:
        return os.stat(path)
    except OSError:
        try:
            return os.lstat(path)
        except OSError:
            return None


def entry_problem(path: str) -> str | None:
    """Why the entry cannot be read as an input file (a reason of akhbar.reasons), or None. Never
    opens the entry: lstat, then stat through a symlink."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        return reasons.from_os_error(exc)
    is_link = stat.S_ISLNK(st.st_mode)
    if is_link:
        try:
            st = os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return reasons.DANGLING_SYMLINK
            return reasons.from_os_error(exc)
    if stat.S_ISREG(st.st_mode):
        return None if os.access(path, os.R_OK) else reasons.PERMISSION_DENIED
    if stat.S_ISDIR(st.st_mode):
        if is_link:
            return reasons.SYMLINK_TO_FOLDER
        try:
            os.listdir(path)
        except OSError as exc:
            return reasons.from_os_error(exc)
        return reasons.CANNOT_READ.format(detail="a folder that could not be listed while walking the inputs")
    return reasons.NOT_REGULAR


class NotRegular(OSError):
    """The entry turned out not to be a regular file when opened."""


def open_regular(path: str) -> BinaryIO:
    """Open a regular file for reading; never blocks (O_NONBLOCK) and refuses anything else."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(errno.EINVAL, reasons.NOT_REGULAR)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def name_is_utf8(path: str) -> bool:
    try:
        path.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def display_path(text: str) -> str:
    """A path (or any string holding one) storable as UTF-8: undecodable bytes of a file name
    (surrogate escapes) rendered as \\xNN, other lone surrogates as U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for ch in text:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def sha256_file(path: str | Path) -> str:
    """The sha256 of a regular file's bytes (opened with open_regular)."""
    with open_regular(str(path)) as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
