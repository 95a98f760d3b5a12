"""Vector and model files: word2vec text and binary (the C tool's and gensim's), and native .npz.

The extension picks the format everywhere: ``.bin`` word2vec binary, ``.txt``/``.vec`` word2vec
text, ``.npz`` native; the word2vec formats may be read compressed (``.txt.gz``, ``.bin.bz2``,
``.vec.xz``) and written as ``.gz``. Native files hold arrays plus one JSON document (keys, counts,
config, training state) stored as bytes, and are read with ``allow_pickle=False``: loading never
runs code. Every file is written atomically. A truncated or corrupted file gives a
:class:`FormatError` naming the file and the byte offset (binary) or line (text) where reading
failed.

Nothing read is trusted: the header's ``count dim`` is checked against the bytes the file holds
before anything is allocated (a compressed file, whose size is unknown until read, is read as a
stream, row by row, and grows its matrix block by block instead), and vectors with NaN or infinity are refused on reading and on
writing, in every format.

This module deals in plain arrays — keys (``list[str]``), float32 ``[n, dim]`` vectors and int64
``[n]`` counts — and knows nothing of :class:`~.vectors.KeyedVectors`, which builds itself from
what :func:`read_vectors` returns.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .. import files
from ..errors import FormatError
from ..files import COMPRESSED, atomic_write, check_finite, check_readable, open_binary

__all__ = ["write_vectors", "read_vectors", "write_npz", "read_npz", "format_of", "check_output",
           "write_word2vec_text", "read_word2vec_text", "write_word2vec_binary",
           "read_word2vec_binary", "Arrays"]

Arrays = tuple[list[str], np.ndarray, "np.ndarray | None"]
"""What the readers return: keys, float32 ``[n, dim]`` vectors, int64 ``[n]`` counts (or None)."""

FORMATS = {".bin": "binary", ".txt": "text", ".vec": "text", ".npz": "npz"}
MAGIC = "illustrated.word2vec"


def format_of(path: str | os.PathLike) -> str:
    """``"binary"``, ``"text"`` or ``"npz"`` from the extension, or a FormatError.

    A compression suffix (``.gz``, ``.bz2``, ``.xz``) after ``.bin``/``.txt``/``.vec`` is allowed.
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    suffix = suffixes[-1] if suffixes else ""
    if suffix in COMPRESSED and len(suffixes) > 1 and FORMATS.get(suffixes[-2]) in ("binary", "text"):
        suffix = suffixes[-2]
    if suffix not in FORMATS:
        raise FormatError(f"{path}: unknown model format {suffix or '(no extension)'!r}; "
                          "use .bin (word2vec binary), .txt/.vec (word2vec text) or .npz (native)")
    return FORMATS[suffix]


def check_output(path: str | os.PathLike, what: str = "vectors file") -> str:
    """The format :func:`write_vectors` would write ``path`` in, after checking that it can:
    a known extension, no compression but ``.gz``, and a writable place (see
    :func:`~illustrated.files.check_writable`). Call it before training or reading."""
    kind = _written_format(path)
    files.check_writable(path, what)
    return kind


def _written_format(path: str | os.PathLike) -> str:
    """The format the extension names, refusing compression other than ``.gz`` for writing."""
    kind = format_of(path)
    if _compressed(path) and Path(path).suffix.lower() != ".gz":
        raise FormatError(f"{path}: vectors are written plain or as .gz, not {Path(path).suffix}")
    return kind


def _compressed(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in COMPRESSED


def write_vectors(path: str | os.PathLike, keys: Sequence[str], vectors: np.ndarray,
                  counts: np.ndarray | None = None) -> None:
    """Write ``keys`` and float ``[n, dim]`` ``vectors`` (and int64 ``[n]`` ``counts``, kept by
    ``.npz`` only) in the format the extension names."""
    kind = _written_format(path)
    if kind == "binary":
        write_word2vec_binary(path, keys, vectors)
    elif kind == "text":
        write_word2vec_text(path, keys, vectors)
    else:
        arrays = {"vectors": vectors}
        if counts is not None:
            arrays["counts"] = counts
        write_npz(path, arrays, {"kind": "vectors", "keys": list(keys)})


def read_vectors(path: str | os.PathLike) -> Arrays:
    """Keys, vectors and counts from any of the three formats (a native model file gives its
    vectors); counts are None for the word2vec formats, which do not store them."""
    kind = format_of(path)
    if kind == "binary":
        return read_word2vec_binary(path)
    if kind == "text":
        return read_word2vec_text(path)
    arrays, meta = read_npz(path)
    return list(meta["keys"]), arrays["vectors"], arrays.get("counts")


# ---- word2vec text ----------------------------------------------------------------------------
def write_word2vec_text(path: str | os.PathLike, keys: Sequence[str], vectors: np.ndarray) -> None:
    """``"n dim"`` then ``"key v1 … vdim"`` a line; ``%.9g`` keeps every float32 exactly."""
    vectors = _matrix(keys, vectors, path)
    n, dim = vectors.shape
    fmt = " ".join(["%.9g"] * dim)
    with atomic_write(path, "w") as f:
        f.write(f"{n} {dim}\n")
        for key, row in zip(keys, vectors.tolist()):
            _check_key(key, path)
            f.write(f"{key} {fmt % tuple(row)}\n")


def read_word2vec_text(path: str | os.PathLike) -> Arrays:
    """Read the text layout, plain or compressed; the header is checked against the file's size."""
    p = check_readable(path, "vectors file")
    with open_binary(p) as f:
        header = f.readline(4096)
        n, dim = _header(header, p)
        limit = 4096 + 64 * dim   # no row of dim numbers is longer: garbage is not read whole
        if not _compressed(p):
            # a row is at least a one-byte key and dim times " " and a digit
            _check_promise(p, n, dim, 2 * dim + 1, p.stat().st_size - len(header))
        rows = _Rows(n, dim, grow=_compressed(p))
        keys: list[str] = []
        for i in range(n):
            raw = f.readline(limit)
            line_no = i + 2
            if not raw:
                raise FormatError(f"{p}: truncated at line {line_no}: the header promises {n} "
                                  f"vectors, found {i}")
            if len(raw) == limit and not raw.endswith(b"\n"):
                raise FormatError(f"{p}: line {line_no}: longer than a key and {dim} numbers "
                                  f"can be ({limit:,} bytes)")
            keys.append(_text_row(raw, dim, rows, p, line_no))
        if f.read(limit).strip():
            raise FormatError(f"{p}: line {n + 2}: more vectors than the {n} the header promises")
    return _make(keys, rows.matrix(), p)


def _text_row(raw: bytes, dim: int, rows: "_Rows", p: Path, line_no: int) -> str:
    """Parse one ``key v1 … vdim`` line (``\n`` or ``\r\n``) into ``rows``; return the key."""
    try:
        parts = raw.decode("utf-8").rstrip("\r\n").rstrip(" ").split(" ")
    except UnicodeDecodeError:
        raise FormatError(f"{p}: line {line_no}: not valid UTF-8") from None
    if len(parts) != dim + 1:
        raise FormatError(f"{p}: line {line_no}: expected a key and {dim} numbers, "
                          f"got {len(parts) - 1} fields after the key")
    try:
        with np.errstate(over="ignore"):  # 1e40 becomes inf, refused by _make
            rows.add(np.array(parts[1:], dtype=np.float32))
    except ValueError:
        raise FormatError(f"{p}: line {line_no}: a value is not a number") from None
    return parts[0]


# ---- word2vec binary --------------------------------------------------------------------------
def write_word2vec_binary(path: str | os.PathLike, keys: Sequence[str], vectors: np.ndarray) -> None:
    """The C tool's layout: ``"n dim\\n"``, then ``key``, a space, ``dim`` little-endian float32
    and a newline for each key."""
    vectors = _matrix(keys, vectors, path).astype("<f4", copy=False)
    with atomic_write(path, "wb") as f:
        f.write(f"{len(vectors)} {vectors.shape[1]}\n".encode())
        for key, row in zip(keys, vectors):
            _check_key(key, path)
            f.write(key.encode("utf-8") + b" " + row.tobytes() + b"\n")


def read_word2vec_binary(path: str | os.PathLike) -> Arrays:
    """Read the binary layout (with or without the newline after each vector, as gensim writes).

    The header's promise is checked against the bytes there are before the matrix is allocated.
    A compressed file, whose size is unknown until read, is decompressed as a stream, one row
    at a time: a header or a row that does not hold up (no key, a key seen before) stops the
    reading there, so a small file that decompresses to gigabytes is refused after its first
    bad row, not after being decompressed whole.
    """
    p = check_readable(path, "vectors file")
    with open_binary(p) as f:
        first = f.readline(4096)
        if not first.endswith(b"\n"):
            raise FormatError(f"{p}: not a word2vec file (no header line)")
        n, dim = _header(first, p)
        if not _compressed(p):
            _check_promise(p, n, dim, 4 * dim + 2, p.stat().st_size - len(first))
        rows = _Rows(n, dim, grow=_compressed(p))
        stream = _Stream(f, len(first))
        keys: list[str] = []
        seen: dict[str, int] = {}
        for i in range(n):
            key = _binary_row(stream, dim, rows, p, f"expected {n} vectors of dim {dim}, read {i}")
            if key in seen:
                raise FormatError(f"{p}: key {key!r} appears more than once (rows {seen[key]} and {i})")
            seen[key] = i
            keys.append(key)
        stream.skip_newlines()
        if stream.more():
            raise FormatError(f"{p}: corrupted at byte offset {stream.offset}: data after the {n} vectors "
                              "the header promises")
    return _make(keys, rows.matrix(), p)


class _Stream:
    """A binary stream read through a small buffer: ``take`` and ``find`` see at most a block
    ahead, so nothing is read (or decompressed) far beyond the row being parsed."""

    BLOCK = 1 << 20

    def __init__(self, f, offset: int) -> None:
        self.f, self.buf, self.pos, self.offset = f, b"", 0, offset

    def _fill(self, need: int) -> None:
        """Make at least ``need`` bytes available from ``pos`` (fewer at the end of the file)."""
        if len(self.buf) - self.pos >= need:
            return
        parts, have = [self.buf[self.pos:]], len(self.buf) - self.pos
        while have < need:
            part = self.f.read(max(self.BLOCK, need - have))
            if not part:
                break
            parts.append(part)
            have += len(part)
        self.buf, self.pos = b"".join(parts), 0

    def skip_newlines(self) -> None:
        while True:
            self._fill(1)
            if self.pos >= len(self.buf) or self.buf[self.pos] not in b"\n\r":
                return
            self.pos += 1
            self.offset += 1

    def find(self, byte: bytes, within: int) -> int:
        """Distance to the next ``byte`` within ``within`` bytes, or -1."""
        self._fill(within)
        at = self.buf.find(byte, self.pos, self.pos + within)
        return at - self.pos if at >= 0 else -1

    def take(self, size: int) -> bytes | None:
        """The next ``size`` bytes, or None when the file ends first."""
        self._fill(size)
        if len(self.buf) - self.pos < size:
            return None
        out = self.buf[self.pos: self.pos + size]
        self.pos += size
        self.offset += size
        return out

    def more(self) -> bool:
        """Whether anything but line ends is left (reads at most a block)."""
        self._fill(self.BLOCK)
        return bool(self.buf[self.pos:].strip(b"\n\r"))


def _binary_row(stream: _Stream, dim: int, rows: "_Rows", p: Path, progress: str) -> str:
    """Parse one ``key`` ``" "`` ``dim × float32`` row from ``stream`` into ``rows``; return the key."""
    stream.skip_newlines()
    at = stream.offset
    space = stream.find(b" ", 4096)
    raw = stream.take(space + 1 + 4 * dim) if space >= 0 else None
    if raw is None:
        raise FormatError(f"{p}: truncated or corrupted at byte offset {at}: {progress}")
    try:
        key = raw[:space].decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"{p}: corrupted at byte offset {at}: key is not UTF-8") from None
    rows.add(np.frombuffer(raw, dtype="<f4", count=dim, offset=space + 1))
    return key


def _header(line: bytes, p: Path) -> tuple[int, int]:
    try:
        n_str, dim_str = line.removeprefix(b"\xef\xbb\xbf").decode("ascii").split()
        n, dim = int(n_str), int(dim_str)
    except (UnicodeDecodeError, ValueError):
        raise FormatError(f"{p}: not a word2vec file: the first line should be "
                          f"'<count> <dim>', got {line[:60]!r}") from None
    if n < 0 or dim <= 0:
        raise FormatError(f"{p}: byte offset 0: bad header {n} {dim}")
    return n, dim


def _check_promise(p: Path, n: int, dim: int, row_bytes: int, have: int) -> None:
    """A FormatError when ``n`` rows of at least ``row_bytes`` each cannot fit in ``have`` bytes."""
    need = n * row_bytes
    if need > have:
        raise FormatError(f"{p}: truncated or corrupted: the header promises {n:,} vectors of "
                          f"dim {dim:,} (at least "
                          f"{need:,} bytes) but the file holds {max(have, 0):,} bytes after it")


class _Rows:
    """The ``[n, dim]`` float32 matrix being read: allocated at once when the file's size has
    vouched for ``n``, else grown block by block (doubling, at most ``n``) as rows arrive."""

    def __init__(self, n: int, dim: int, grow: bool) -> None:
        self.n, self.count = n, 0
        # growing starts with the first row read, so a header's ``dim`` is vouched for too
        self.data = np.empty((0 if grow else n, dim), dtype=np.float32)

    def add(self, row: np.ndarray) -> None:
        if self.count == len(self.data) == 0:
            self.data = np.empty((min(self.n, max(1, (1 << 22) // len(row))), len(row)), np.float32)
        elif self.count == len(self.data):
            bigger = np.empty((min(self.n, 2 * len(self.data)), self.data.shape[1]), np.float32)
            bigger[: self.count] = self.data
            self.data = bigger
        self.data[self.count] = row
        self.count += 1

    def matrix(self) -> np.ndarray:
        return self.data[: self.count]


def _check_key(key: str, path) -> None:
    if not key or any(ch.isspace() for ch in key):
        raise FormatError(f"{path}: key {key!r} is empty or contains whitespace; "
                          "the word2vec formats cannot store it (use .npz)")


def _matrix(keys: Sequence[str], vectors: np.ndarray, path) -> np.ndarray:
    """``vectors`` as a float32 ``[len(keys), dim]`` matrix, finite, or a FormatError."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or len(vectors) != len(keys):
        raise FormatError(f"{path}: expected vectors of shape [{len(keys)}, dim], got {vectors.shape}")
    check_finite(vectors, path, "vectors", "save", keys)
    return vectors


def _make(keys: list[str], vectors: np.ndarray, p: Path) -> Arrays:
    _check_unique(keys, p)
    check_finite(vectors, p, "vectors", "load", keys)
    return keys, vectors, None


def _check_unique(keys: list[str], p: Path) -> None:
    """A FormatError naming the first key that appears twice, and the rows (0-based) it is in."""
    seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if key in seen:
            raise FormatError(f"{p}: key {key!r} appears more than once (rows {seen[key]} and {i})")
        seen[key] = i


# ---- native npz -------------------------------------------------------------------------------
def write_npz(path: str | os.PathLike, arrays: dict[str, np.ndarray], meta: dict,
              wait: bool = True) -> files.Pending | None:
    """Write named arrays and a JSON document (``meta``) as a native word2vec file, atomically
    (with ``wait=False``, its flush to the disk is left to the returned
    :class:`~illustrated.files.Pending`, as :func:`illustrated.files.write_npz` explains).

    Float arrays with NaN or infinity are refused (the message names the first bad key).
    """
    for name, array in arrays.items():
        check_finite(array, path, f"'{name}'", "save", meta.get("keys"))
    return files.write_npz(path, arrays, {"format": MAGIC, "version": 1, **meta}, wait=wait)


def read_npz(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    """Read a file from :func:`write_npz`: ``(arrays, meta)``; never unpickles."""
    p = Path(path)
    arrays, meta = files.read_npz(p, required=("vectors",), fmt=MAGIC)
    keys = meta.get("keys")
    if not isinstance(keys, list) or len(keys) != len(arrays["vectors"]):
        raise FormatError(f"{p}: corrupted: keys and vectors disagree")
    _check_npz_arrays(p, arrays, keys)
    for name, array in arrays.items():
        check_finite(array, p, f"'{name}'", "load", keys)
    return arrays, meta


def _check_npz_arrays(p: Path, arrays: dict[str, np.ndarray], keys: list) -> None:
    """A FormatError naming the array when keys, vectors, counts or output weights have the
    wrong type or shape (they would otherwise fail far from the file, or answer garbage)."""
    if not all(isinstance(k, str) and k for k in keys):
        raise FormatError(f"{p}: corrupted: keys must be non-empty strings")
    _check_unique(keys, p)
    n = len(keys)
    for name, array in arrays.items():
        if name == "counts":
            ok = array.shape == (n,) and array.dtype.kind in "iu"
            expected = f"integer [{n}]"
        else:
            ok = array.ndim == 2 and array.dtype.kind == "f" and array.shape[1] >= 1
            expected = "float [rows, dim ≥ 1]"
        if not ok:
            raise FormatError(f"{p}: corrupted: array '{name}' should be {expected}, got "
                              f"{array.dtype} {list(array.shape)}")
