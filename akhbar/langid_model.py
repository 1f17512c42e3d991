"""py3langid's language model, read from a zstd copy in the user's cache when there is one.

The wheel ships the model as an xz-compressed npz: decompressing it costs ~0.4 CPU-s in every process that
loads it (a run's parent loads it while the ingest pool works, taking that CPU from the pool). The same
arrays, each compressed with zstd (~7 MB in all), load in a third of that (bench/language_model.py).
The copy is keyed by py3langid's version and the packaged file's size, written atomically, and passed
over when it cannot be read or written (a read-only home): the packaged file is then read instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import struct
import tempfile
from pathlib import Path

import numpy as np

_CODEC = "zstd"
_HEAD_SIZE = struct.Struct("<I")  # then a JSON header: name -> [dtype, shape, raw bytes, compressed bytes]
_ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")


def cache_dir() -> Path:
    """Where akhbar keeps files it can rebuild: $XDG_CACHE_HOME/akhbar, else ~/.cache/akhbar."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "akhbar"


def load_identifier():
    """A py3langid LanguageIdentifier holding the packaged model (from the cached copy when it is there)."""
    from py3langid import langid

    packaged = langid.MODEL_DIR / langid.MODEL_FILE
    cached = cache_dir() / f"py3langid-{_version()}-{packaged.stat().st_size}.zst"
    arrays = _read_cached(cached)
    if arrays is None:
        arrays = _read_packaged(packaged)
        _write_cached(cached, arrays)
    return _identifier_of(arrays)


def _identifier_of(arrays: dict[str, np.ndarray]):
    """The LanguageIdentifier of the model's arrays, built as py3langid's own load_model builds it."""
    from py3langid.langid import LanguageIdentifier
    from py3langid.modelio import _to_array

    return LanguageIdentifier(
        np.asarray(arrays["ptc"]),
        np.asarray(arrays["pc"]),
        arrays["classes"].tolist(),
        _to_array(arrays["nextmove"]),
        arrays["out_feat"].tolist(),
        tk_row=_to_array(arrays["nextmove_row"]),
    )


def _read_packaged(packaged: Path) -> dict[str, np.ndarray]:
    import lzma

    with tempfile.TemporaryFile(suffix=".npz") as npz:  # as py3langid does: the npz is never all in memory
        with lzma.open(packaged) as src:
            while chunk := src.read(1 << 20):
                npz.write(chunk)
        npz.seek(0)
        with np.load(npz, allow_pickle=False) as data:
            return {name: data[name] for name in _ARRAYS}


def _read_cached(path: Path) -> dict[str, np.ndarray] | None:
    import pyarrow as pa

    try:
        blob = memoryview(path.read_bytes())
        (head_size,) = _HEAD_SIZE.unpack_from(blob)
        at = _HEAD_SIZE.size + head_size
        arrays = {}
        codec = pa.Codec(_CODEC)
        for name, (dtype, shape, size, compressed) in json.loads(bytes(blob[_HEAD_SIZE.size : at])).items():
            raw = codec.decompress(blob[at : at + compressed], decompressed_size=size)
            arrays[name] = np.frombuffer(raw, dtype=dtype).reshape(shape)
            at += compressed
    except (OSError, ValueError, TypeError, struct.error, pa.ArrowException):
        return None
    return arrays if set(arrays) == set(_ARRAYS) else None


def _write_cached(path: Path, arrays: dict[str, np.ndarray]) -> None:
    import pyarrow as pa

    codec = pa.Codec(_CODEC)
    head, parts = {}, []
    for name, array in arrays.items():
        array = np.ascontiguousarray(array)
        parts.append(codec.compress(array.view(np.uint8).reshape(-1), asbytes=True))
        head[name] = [array.dtype.str, list(array.shape), array.nbytes, len(parts[-1])]
    header = json.dumps(head).encode()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_HEAD_SIZE.pack(len(header)) + header)
                out.writelines(parts)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _version() -> str:
    from importlib.metadata import version

    return version("py3langid")
