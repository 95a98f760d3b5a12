"""Opening compressed files, writing files atomically, and what a model file may hold.

Every model, vocabulary and checkpoint is written through :func:`atomic_write` (a temporary file
in the same folder, then ``os.replace``), so a crash never leaves a half-written file behind.
:func:`check_finite` keeps NaN and infinite weights out of model files in both directions: a
model that went wrong is neither saved nor loaded.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal

from .errors import FormatError, IllustratedError

__all__ = ["open_binary", "check_readable", "atomic_write", "read_npz_arrays", "check_finite",
           "COMPRESSED"]

_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
COMPRESSED = tuple(_OPENERS)


def check_readable(path: str | os.PathLike, what: str = "file") -> Path:
    """Return ``path`` as a Path, or raise a clear error if it is missing or a directory."""
    p = Path(path)
    if not p.exists():
        raise IllustratedError(f"{p}: no such {what}")
    if p.is_dir():
        raise IllustratedError(f"{p}: is a directory, expected a {what}")
    return p


def _umask() -> int:
    """The process umask, read without changing it where the system allows (Linux)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0)
    os.umask(mask)
    return mask


def open_binary(path: str | os.PathLike) -> IO[bytes]:
    """Open a plain, ``.gz``, ``.bz2`` or ``.xz`` file for binary reading, by its extension."""
    p = check_readable(path)
    opener = _OPENERS.get(p.suffix.lower())
    return opener(p, "rb") if opener else open(p, "rb")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: Literal["w", "wb"] = "wb",
                 encoding: str | None = None) -> Iterator[IO]:
    """Write ``path`` through a temporary sibling file renamed into place on success.

    On any exception the temporary file is removed and ``path`` is left as it was.
    A ``.gz`` target is compressed.
    """
    p = Path(path)
    if p.parent and not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent or ".")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        raw = os.fdopen(fd, "wb")
        target: IO = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if p.suffix == ".gz" else raw
        if "b" not in mode:
            import io

            target = io.TextIOWrapper(target, encoding=encoding or "utf-8", newline="\n")
        with raw:
            try:
                yield target
            finally:
                if target is not raw:
                    target.close()
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def read_npz_arrays(path: str | os.PathLike, what: str = "model file") -> dict:
    """Every array of an ``.npz`` file as a dict, refusing pickled objects.

    A missing, truncated or corrupted file raises a :class:`FormatError` naming it.
    """
    import zipfile

    import numpy as np

    p = check_readable(path, what)
    try:
        with np.load(p, allow_pickle=False) as z:
            return {name: z[name] for name in z.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise FormatError(f"{p}: not a readable .npz {what} ({e})") from None
    except MemoryError:  # an array header promising more than memory holds
        raise FormatError(f"{p}: not a readable .npz {what} (an array is larger than "
                          "memory; the file is damaged or not a model)") from None


def check_finite(array, where: str | os.PathLike, what: str = "vectors", action: str = "load",
                 keys=None) -> None:
    """Raise a :class:`FormatError` if ``array`` (float, any shape) holds NaN or infinity.

    The message names ``where`` (usually the file), ``what`` the array is, how many rows
    (entries of the first axis) are not finite, and the first of them (with its key when ``keys``
    is given). Integer arrays always pass.
    """
    import numpy as np

    a = np.asarray(array)
    if a.dtype.kind not in "fc" or a.size == 0 or np.isfinite(a).all():
        return
    rows = ~np.isfinite(a.reshape(len(a), -1)).all(axis=1) if a.ndim else np.array([True])
    bad = np.flatnonzero(rows)
    first = int(bad[0])
    name = f" ({keys[first]!r})" if keys is not None and first < len(keys) else ""
    raise FormatError(f"{where}: {len(bad):,} of {len(rows):,} rows of {what} are not finite "
                      f"(NaN or infinity; first: row {first}{name}); refusing to {action} a model "
                      "that went wrong in training")
