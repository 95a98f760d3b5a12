"""Item names: the titles a person reads, from the id → name files catalogues come with.

Ids alone mean nothing to a person, so a model can carry a name for each item. :func:`read_names`
understands the usual catalogue files:

* ``id<TAB>name`` (TSV, extra columns ignored) or ``id,name`` (CSV with quoting);
* a header naming the columns — MovieLens ``movies.csv`` (``movieId,title,genres``),
  ``item_id,name``, ``product_id,title``… — found by their usual names or given ones;
* MovieLens 100K's ``u.item``: ``id|title|date|…`` in latin-1.

Text is UTF-8, or latin-1 when it is not valid UTF-8 (older catalogues such as ``u.item``).
:func:`pack_names` / :func:`unpack_names` store names inside a model's ``.npz`` as UTF-8 bytes
and offsets (no pickle, a few bytes per name).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..errors import CorpusError, FormatError
from ..files import check_readable, open_binary
from . import columns as col

__all__ = ["read_names", "pack_names", "unpack_names"]


def _text(p) -> str:
    with open_binary(p) as f:  # a damaged compressed file is a FormatError naming it
        data = f.read()
    try:
        return data.decode("utf-8-sig")  # a byte-order mark would otherwise glue onto the first id
    except UnicodeDecodeError:
        return data.decode("latin-1")  # every byte is a character: never fails


def _columns(first: list[str], id_col: str | None, name_col: str | None,
             where: str) -> tuple[int, int, bool]:
    """Positions of the id and name columns, and whether the first row is a header."""
    names = [col.normal(h) for h in first]
    known_id = any(col.normal(k) in names for k in col.ID)
    known_name = any(col.normal(k) in names for k in col.NAME)
    # one known column name is a header too (``movieId,genres``): the other must then be named,
    # rather than the header and every row be read as id → name
    if id_col or name_col or known_id or known_name:
        i = col.find_column(first, col.ID, id_col, "id", where, "--names-id-col")
        n = col.find_column(first, col.NAME, name_col, "name", where, "--names-col")
        return i, n, True
    if len(first) < 2:
        raise CorpusError(f"{where}: expected an id and a name on each line, found one field")
    return 0, 1, False


def read_names(path: str | os.PathLike, id_col: str | None = None,
               name_col: str | None = None) -> dict[str, str]:
    """Item id → name from a TSV, CSV or pipe-separated catalogue file (see the module).

    Empty names are skipped; an id named twice with different names is an error naming both lines.
    """
    p = check_readable(path, "names file")
    lines = _text(p).splitlines(keepends=True)
    if not lines or not lines[0].strip():
        raise CorpusError(f"{p}: empty names file (expected id and name on each line)")
    rows = col.split_rows(lines, col.sniff_delimiter(lines[0]), str(p))
    _, first = next(rows)
    i, n, header = _columns(first, id_col, name_col, f"{p}:1")
    if not header:
        rows = iter([(1, first), *rows])
    out: dict[str, str] = {}
    line_of: dict[str, int] = {}
    for line, row in rows:
        if not row or all(not c.strip() for c in row):
            continue
        if len(row) <= max(i, n):
            raise CorpusError(f"{p}:{line}: expected an id and a name, found {len(row)} field(s)")
        key, name = row[i].strip(), row[n].strip()
        if not key or not name:
            continue
        if out.get(key, name) != name:
            raise CorpusError(f"{p}:{line}: id {key!r} already named {out[key]!r} on line "
                              f"{line_of[key]}")
        out[key], line_of[key] = name, line
    if not out:
        raise CorpusError(f"{p}: no names found")
    return out


def pack_names(names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes (uint8 ``[total]``) and offsets (int64 ``[n + 1]``) of ``n`` names."""
    encoded = [s.encode("utf-8") for s in names]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


def unpack_names(data: np.ndarray, offsets: np.ndarray, n: int, where: str) -> list[str]:
    """The ``n`` names stored by :func:`pack_names`, checking the offsets before slicing."""
    data, offsets = np.asarray(data), np.asarray(offsets)
    if data.dtype != np.uint8 or data.ndim != 1 or offsets.dtype.kind not in "iu" \
            or offsets.shape != (n + 1,) or (n and (offsets[0] != 0 or offsets[-1] != len(data)
                                                    or (np.diff(offsets) < 0).any())):
        raise FormatError(f"{where}: item names are damaged (offsets do not match the bytes)")
    raw = data.tobytes()
    try:
        return [raw[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
    except UnicodeDecodeError:
        raise FormatError(f"{where}: item names are not valid UTF-8") from None
