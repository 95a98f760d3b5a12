"""Opening compressed files, writing files atomically, and what a model file may hold.

Every model, vocabulary, checkpoint and figure is written through :func:`atomic_write` (a
temporary file in the same folder, flushed to the disk, then ``os.replace``), so a crash — of the
process or of the machine — never leaves a half-written file in place of the old one, a full disk
or a read-only folder is one line naming the file, and the temporary files of killed processes are
swept by the next write.
:func:`check_finite` keeps NaN and infinite weights out of model files in both directions: a
model that went wrong is neither saved nor loaded.
"""

from __future__ import annotations

import bz2
import contextlib
import errno
import gzip
import io
import json
import lzma
import os
import tempfile
import threading
import tokenize
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Literal

from .errors import ConfigError, FormatError, IllustratedError

try:
    import fcntl
except ImportError:  # not on Windows: stale temporary files are then not swept
    fcntl = None

__all__ = ["open_binary", "check_readable", "check_writable", "existing_ancestor", "atomic_write",
           "Pending", "remove_stale_temporaries", "scratch_path", "fsync_folder",
           "read_npz_arrays", "write_npz", "read_npz", "all_finite", "check_finite", "COMPRESSED"]

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


def check_writable(path: str | os.PathLike, what: str = "output file", *, option: str | None = None,
                   suffix: str | None = None, folder: bool = False) -> Path:
    """Return ``path`` as a Path if the ``what`` can be written there, else raise a one-line
    :class:`ConfigError`; call it before long work whose result goes there.

    The one check of every output: a file is not a directory (``folder``: a folder is not a
    file), carries ``suffix`` when one is required (the loader reads nothing else), and the
    nearest existing folder above it (where its missing folders would be made) is a writable
    directory. ``option`` names the command-line option the path came from; the message then
    starts with it and speaks of folders and file names, as the options' help does.
    """
    p = Path(path)
    label = f"{option} {p}" if option else str(p)
    if folder and p.exists() and not p.is_dir():
        raise ConfigError(f"{label}: is a file, expected a folder for the {what}")
    if not folder and p.is_dir():
        expected = "is a folder, expected a file name" if option else "is a directory, expected a path"
        raise ConfigError(f"{label}: {expected} for the {what}")
    if suffix is not None and p.suffix.lower() != suffix:
        raise ConfigError(f"{label}: a {what} is written as {suffix} (got {p.suffix or 'no suffix'}); "
                          f"name the output e.g. {p.stem}{suffix}")
    base = p if folder and p.is_dir() else existing_ancestor(p)
    if not base.is_dir():
        raise ConfigError(f"{label}: cannot write the {what}: {base} is not a directory (it is a file, "
                          "not a folder)")
    if not os.access(base, os.W_OK | os.X_OK):
        raise ConfigError(f"{label}: cannot write the {what}: no permission to write in {base}")
    return p


def existing_ancestor(path: str | os.PathLike) -> Path:
    """The nearest existing path above ``path``: the folder a file written at ``path`` would be
    created in, or under which its missing folders would be made (a file there is an obstacle)."""
    folder = Path(path).absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


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
    """Open a plain, ``.gz``, ``.bz2`` or ``.xz`` file for binary reading, by its extension.

    A compressed file that is truncated or not of its kind raises a :class:`FormatError` naming
    it when the damaged part is read (not an ``EOFError`` or a codec's own exception).
    """
    p = check_readable(path)
    opener = _OPENERS.get(p.suffix.lower())
    if opener is None:
        return open(p, "rb")
    return _Decompressed(_CheckedRaw(opener(p, "rb"), p))


_DECOMPRESS_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error)


class _CheckedRaw(io.RawIOBase):
    """A decompressing stream whose read errors become a :class:`FormatError` naming the file."""

    def __init__(self, inner: IO[bytes], path: Path) -> None:
        self.inner, self.path = inner, path

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.inner.read(len(buffer))
        except _DECOMPRESS_ERRORS as e:
            raise FormatError(f"{self.path}: truncated or corrupted {self.path.suffix} file "
                              f"({e or type(e).__name__})") from None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            super().close()


class _Decompressed(io.BufferedReader):
    """The buffered reader :func:`open_binary` returns for a compressed file; ``fileobj`` is the
    compressed file underneath, whose position measures progress through it."""

    @property
    def fileobj(self) -> IO[bytes] | None:
        inner = self.raw.inner
        return getattr(inner, "fileobj", None) or getattr(inner, "_fp", None)


TEMP_SUFFIX = ".illustrated-tmp"  # hidden siblings ``.NAME.RANDOM.illustrated-tmp``

# errors of the storage underneath (full, over quota or a size limit, read-only, no permission,
# failing); raised by the caller's writes they become the one-line error of :func:`atomic_write`
_STORAGE_ERRNOS = frozenset(getattr(errno, name) for name in (
    "ENOSPC", "EDQUOT", "EFBIG", "EROFS", "EACCES", "EPERM", "EIO") if hasattr(errno, name))


class Pending:
    """The end of an atomic write still on its way to the disk: the ``fsync`` of the written
    file, its rename into place and the ``fsync`` of its folder, run by a thread so that the
    caller can go on meanwhile. :meth:`wait` returns once the file is in place and raises the
    write's error if it failed; until then the previous file is still the one at the path."""

    def __init__(self, finish: Callable[[], None]) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(finish,), name="atomic-write")
        self._thread.start()

    def _run(self, finish: Callable[[], None]) -> None:
        try:
            finish()
        except BaseException as e:  # raised by wait(), in the caller's thread
            self._error = e

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: Literal["w", "wb"] = "wb",
                 encoding: str | None = None, later: list[Pending] | None = None) -> Iterator[IO]:
    """Write ``path`` through a temporary sibling file renamed into place on success.

    ``path`` is always either the previous file, intact, or the new one, complete: the temporary
    file is flushed to the disk (``fsync``) before the rename and the folder after it, so even a
    crash of the machine leaves no torn file. On any exception the temporary file is removed and
    ``path`` is left as it was; a full disk, a size limit, a read-only or unwritable folder is an
    :class:`IllustratedError` naming the file on one line. A process killed while writing
    (``kill -9``) leaves its temporary file behind, but holds a lock on it while alive: the next
    write into the same folder removes every such file whose writer is gone.
    A ``.gz``, ``.bz2`` or ``.xz`` target is compressed (so :func:`open_binary` reads it back).
    With ``later`` (a list), the ``with`` block ends once the bytes are written, and the flush to
    the disk and the rename go on in a thread, appended to ``later`` as a :class:`Pending`.
    """
    p = Path(path)
    existed = p.exists()
    try:
        folder = _make_folder(p.parent)
        remove_stale_temporaries(folder)
        raw, tmp = _locked_temporary(p)
    except OSError as e:
        raise _write_error(p, e, existed) from None

    def finish() -> None:
        try:
            try:
                raw.flush()
                os.fsync(raw.fileno())
                os.replace(tmp, p)
                _fsync_folder(folder)
            except OSError as e:
                raise _write_error(p, e, existed) from None
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        finally:
            with contextlib.suppress(OSError):
                raw.close()   # releases the lock, after the rename

    handed_on = False
    try:
        try:
            target: IO = _compressor(raw, p.suffix.lower())
            if "b" not in mode:
                target = io.TextIOWrapper(target, encoding=encoding or "utf-8", newline="\n")
            try:
                yield target
            finally:
                if isinstance(target, io.TextIOWrapper) and target.buffer is raw:
                    target.flush()
                    target.detach()   # closing it would close the file before its fsync
                elif target is not raw:
                    target.close()    # a compressor or text over one: raw stays open
            raw.flush()
        except OSError as e:
            if e.errno in _STORAGE_ERRNOS:
                raise _write_error(p, e, existed) from None
            raise
        if later is None:
            handed_on = True
            finish()
        else:
            later.append(Pending(finish))
            handed_on = True
    except BaseException:
        if not handed_on:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    finally:
        if not handed_on:
            with contextlib.suppress(OSError):
                raw.close()


def _write_error(path: Path, e: OSError, existed: bool) -> IllustratedError:
    """The one-line error of a write that failed, saying what became of the previous file."""
    why = e.strerror or str(e)
    if e.errno == errno.EFBIG:
        why += " (over the file size limit, ulimit -f)"
    kept = "the previous file is left as it was" if existed else "nothing was written"
    return IllustratedError(f"{path}: cannot write: {why}; {kept}")


def _make_folder(folder: Path) -> Path:
    """Create ``folder`` and its missing parents, each new entry flushed to the disk."""
    missing = []
    d = folder.absolute()
    while not d.exists() and d != d.parent:
        missing.append(d)
        d = d.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            d.mkdir()
        _fsync_folder(d.parent)
    return folder


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename, a new file) to the disk, where the system allows."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # a system that cannot open folders (Windows) cannot flush them either
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


fsync_folder = _fsync_folder


def _locked_temporary(p: Path) -> tuple[IO[bytes], str]:
    """A new temporary file beside ``p``, open for writing and locked while this process lives."""
    while True:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=TEMP_SUFFIX, dir=p.parent or ".")
        raw = os.fdopen(fd, "wb")
        try:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
            if fcntl is None:
                return raw, tmp
            fcntl.flock(fd, fcntl.LOCK_EX)
            # a sweep by another process may have removed it before it was locked: make another
            if os.path.samestat(os.stat(tmp), os.fstat(fd)):
                return raw, tmp
        except FileNotFoundError:
            pass
        except BaseException:
            raw.close()
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        raw.close()


def remove_stale_temporaries(folder: str | os.PathLike) -> list[str]:
    """Remove the temporary files of :func:`atomic_write` in ``folder`` whose writer is gone (a
    killed process); returns their names. A live writer's file is locked and kept."""
    removed = []
    if fcntl is None:
        return removed
    try:
        entries = [e.name for e in os.scandir(folder)
                   if e.name.startswith(".") and e.name.endswith(TEMP_SUFFIX)]
    except OSError:
        return removed
    for name in entries:
        path = os.path.join(folder, name)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.path.samestat(os.stat(path), os.fstat(fd)):
                os.unlink(path)
                removed.append(name)
        except OSError:
            pass  # locked: its writer is alive (or the file went away meanwhile)
        finally:
            os.close(fd)
    return removed


@contextlib.contextmanager
def scratch_path() -> Iterator[str]:
    """A file path for a library that reads and writes only by name (hnswlib), gone with the
    process however it ends: an anonymous in-memory file on Linux (nothing on any disk to leave
    behind after a ``kill -9``), a temporary file removed afterwards elsewhere."""
    if hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd"):
        fd = os.memfd_create("illustrated-scratch")
        try:
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    fd, tmp = tempfile.mkstemp(prefix="illustrated-scratch-")
    os.close(fd)
    try:
        yield tmp
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _compressor(raw: IO[bytes], suffix: str) -> IO[bytes]:
    """``raw`` wrapped in the compressor its file's suffix names (gzip without a timestamp, so
    equal content gives equal bytes), or ``raw`` itself."""
    if suffix == ".gz":
        return gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)
    if suffix == ".bz2":
        return bz2.BZ2File(raw, "wb")
    if suffix == ".xz":
        return lzma.LZMAFile(raw, "wb")
    return raw


def read_npz_arrays(path: str | os.PathLike, what: str = "model file") -> dict:
    """Every array of an ``.npz`` file as a dict, refusing pickled objects.

    A missing, truncated or corrupted file raises a :class:`FormatError` naming it.
    """
    import numpy as np

    p = check_readable(path, what)
    if not zipfile.is_zipfile(p):
        raise FormatError(f"{p}: not a readable .npz {what} (not a zip archive)")
    try:
        with np.load(p, allow_pickle=False) as z:
            return {name: z[name] for name in z.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise FormatError(f"{p}: not a readable .npz {what} ({e})") from None
    except (tokenize.TokenError, SyntaxError) as e:  # numpy parsing a damaged array header
        raise FormatError(f"{p}: not a readable .npz {what} (damaged array header: {e})") from None
    except MemoryError:  # an array header promising more than memory holds
        raise FormatError(f"{p}: not a readable .npz {what} (an array is larger than "
                          "memory; the file is damaged or not a model)") from None


META = "meta"


def write_npz(path: str | os.PathLike, arrays: Mapping[str, object],
              meta: Mapping | None = None, wait: bool = True) -> Pending | None:
    """Write named arrays, and optionally one JSON document, to an uncompressed ``.npz``.

    ``meta`` is stored as the UTF-8 bytes of its JSON (a ``uint8`` array named ``"meta"``), so
    the file holds no pickled object and loads with ``allow_pickle=False``. Entries carry a fixed
    timestamp: equal arrays and metadata always give the same bytes. Written atomically; with
    ``wait=False`` the arrays are written (and may change) once this returns, but the flush to the
    disk and the rename are left to a thread: the returned :class:`Pending` finishes them.
    """
    import numpy as np

    payload = {name: np.asarray(a) for name, a in arrays.items()}
    if META in payload:
        raise ValueError(f"{path}: the array name {META!r} is reserved for the metadata")
    if meta is not None:
        doc = json.dumps(dict(meta), ensure_ascii=False, sort_keys=True)
        payload[META] = np.frombuffer(doc.encode("utf-8"), dtype=np.uint8)
    later: list[Pending] = []
    with atomic_write(path, "wb", later=None if wait else later) as f:
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as z:
            for name, array in payload.items():
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                with z.open(info, "w", force_zip64=True) as out:
                    _write_array(out, array)
    return later[0] if later else None


def _write_array(out: IO[bytes], array) -> None:
    """``numpy.lib.format.write_array`` into a zip entry, but a C-ordered array's bytes go to the
    file as they are, without the 16 MiB copies numpy makes for a file object that is not a file
    (the same bytes either way)."""
    import numpy as np

    fmt = np.lib.format
    if not array.flags.c_contiguous or array.dtype.names is not None or array.ndim == 0:
        fmt.write_array(out, array, allow_pickle=False)
        return
    fmt.write_array_header_1_0(out, fmt.header_data_from_array_1_0(array))
    out.write(memoryview(array.reshape(-1)).cast("B"))


def read_npz(path: str | os.PathLike, required: Iterable[str] = (), fmt: str | None = None,
             what: str = "model file") -> tuple[dict, dict]:
    """Read a file from :func:`write_npz`: ``(arrays, meta)``; never unpickles.

    ``meta`` is the JSON document (``{}`` when the file has none). ``required`` names arrays that
    must be present; with ``fmt``, ``meta["format"]`` must equal it. Any failure is a one-line
    :class:`FormatError` naming the file.
    """
    p = Path(path)
    arrays = read_npz_arrays(p, what)
    meta: dict = {}
    if META in arrays:
        try:
            meta = json.loads(arrays.pop(META).tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as e:
            raise FormatError(f"{p}: damaged metadata ({e})") from None
        if not isinstance(meta, dict):
            raise FormatError(f"{p}: damaged metadata (not a JSON object)")
    elif fmt is not None:
        raise FormatError(f"{p}: not an {fmt} file (no metadata)")
    if fmt is not None and meta.get("format") != fmt:
        raise FormatError(f"{p}: not an {fmt} file (format {meta.get('format')!r})")
    missing = [name for name in required if name not in arrays]
    if missing:
        raise FormatError(f"{p}: missing array(s) {', '.join(missing)}")
    return arrays, meta


def all_finite(array) -> bool:
    """Whether a float array holds no NaN or infinity, checked a slice of rows at a time (about
    256k values), so a large matrix needs no boolean copy of itself."""
    import numpy as np

    a = np.asarray(array)
    if a.ndim == 0 or a.size <= 1 << 18:
        return bool(np.isfinite(a).all())
    step = max(1, (1 << 18) // max(1, a[0].size))
    return all(bool(np.isfinite(a[i:i + step]).all()) for i in range(0, len(a), step))


def check_finite(array, where: str | os.PathLike, what: str = "vectors", action: str = "load",
                 keys=None) -> None:
    """Raise a :class:`FormatError` if ``array`` (float, any shape) holds NaN or infinity.

    The message names ``where`` (usually the file), ``what`` the array is, how many rows
    (entries of the first axis) are not finite, and the first of them (with its key when ``keys``
    is given). Integer arrays always pass.
    """
    import numpy as np

    a = np.asarray(array)
    if a.dtype.kind not in "fc" or a.size == 0 or all_finite(a):
        return
    rows = ~np.isfinite(a.reshape(len(a), -1)).all(axis=1) if a.ndim else np.array([True])
    bad = np.flatnonzero(rows)
    first = int(bad[0])
    name = f" ({keys[first]!r})" if keys is not None and first < len(keys) else ""
    raise FormatError(f"{where}: {len(bad):,} of {len(rows):,} rows of {what} are not finite "
                      f"(NaN or infinity; first: row {first}{name}); refusing to {action} a model "
                      "that went wrong in training")
