"""Checking hnswlib's saved index byte by byte before hnswlib reads it.

hnswlib's ``loadIndex`` trusts its file: it sizes buffers from one header field and fills them
from another (a crafted file overflows the heap, hnswlib issue #673), reads labels and vectors at
offsets the header gives, and later follows every stored neighbour id into arrays indexed without
bounds checks. A model file is data from outside, so :func:`check_hnsw_bytes` verifies everything
hnswlib will index with, using only NumPy and the vectors already loaded from the same model:

* the 96-byte header equals what hnswlib writes for this catalogue (``n`` items of ``dim``
  float32, ``M`` links): element count, element size and the offsets inside an element;
* every level-0 link list holds at most ``2·M`` ids, each below ``n``, with no deletion mark;
* the labels are a permutation of ``0 … n-1`` and each stored vector is bit-identical to the
  model's unit vector of its label (the index answers for these vectors and no others);
* the upper-level link lists parse exactly to the end of the file, hold at most ``M`` ids each,
  every id below ``n`` and itself present on that level; the entry point sits on the top level.

The layout is hnswlib 0.8's ``saveIndex`` (``hnswalg.h``). Checking costs a few linear passes
over the bytes (about a second for 1,000,000 items); rebuilding the graph from the vectors
instead costs minutes (``bench/recommend_load.py``).
"""

from __future__ import annotations

import numpy as np

from ..errors import FormatError

__all__ = ["check_hnsw_bytes", "HEADER"]

HEADER = np.dtype([
    ("offset_level0", "<u8"), ("max_elements", "<u8"), ("count", "<u8"),
    ("size_per_element", "<u8"), ("label_offset", "<u8"), ("offset_data", "<u8"),
    ("max_level", "<i4"), ("entry_point", "<u4"), ("max_m", "<u8"), ("max_m0", "<u8"),
    ("m", "<u8"), ("mult", "<f8"), ("ef_construction", "<u8")])  # 96 bytes, no padding
_BLOCK = 65_536  # elements checked at a time (bounds the temporary arrays)


def _fail(what: str) -> FormatError:
    return FormatError(f"stored hnsw index is damaged or foreign: {what}")


def check_hnsw_bytes(data: np.ndarray, unit: np.ndarray, M: int) -> None:
    """Raise a :class:`FormatError` unless ``data`` is hnswlib's index over exactly ``unit``.

    Args:
        data: the saved index, uint8 ``[bytes]``.
        unit: the model's unit vectors, float32 ``[n, dim]`` (what the index was built from).
        M: the links-per-node setting stored beside the index.
    """
    buf = np.ascontiguousarray(data, dtype=np.uint8).reshape(-1)
    n, dim = unit.shape
    if len(buf) < HEADER.itemsize:
        raise _fail(f"{len(buf)} bytes, shorter than the {HEADER.itemsize}-byte header")
    h = buf[:HEADER.itemsize].view(HEADER)[0]
    size = _check_header(h, n, dim, M)
    end0 = HEADER.itemsize + n * size
    if len(buf) < end0 + 4 * n:
        raise _fail(f"{len(buf):,} bytes cannot hold {n:,} elements of {size} bytes")
    _check_level0(buf[HEADER.itemsize:end0].reshape(n, size), unit, int(h["max_m0"]),
                  int(h["offset_data"]), int(h["label_offset"]))
    _check_upper_levels(buf[end0:], n, int(h["max_m"]), int(h["max_level"]), int(h["entry_point"]))


def _check_header(h, n: int, dim: int, M: int) -> int:
    """The header fields hnswlib will trust, against the catalogue; returns the element size."""
    links0 = 4 * (2 * M) + 4
    expected = {"offset_level0": 0, "count": n, "max_m": M, "max_m0": 2 * M, "m": M,
                "offset_data": links0, "label_offset": links0 + 4 * dim,
                "size_per_element": links0 + 4 * dim + 8}
    for field, want in expected.items():
        if int(h[field]) != want:
            raise _fail(f"header field {field} is {int(h[field])}, expected {want} "
                        f"for {n:,} items of dim {dim} and M = {M}")
    if int(h["max_elements"]) < n:
        raise _fail(f"header holds {n:,} elements but room for {int(h['max_elements']):,}")
    if n and not (0 <= int(h["max_level"]) <= 64 and int(h["entry_point"]) < n):
        raise _fail(f"entry point {int(h['entry_point'])} or top level {int(h['max_level'])} "
                    "out of range")
    return expected["size_per_element"]


def _check_level0(elements: np.ndarray, unit: np.ndarray, max_m0: int, offset_data: int,
                  label_offset: int) -> None:
    """Link lists, labels and vectors of every element (uint8 ``[n, element size]``)."""
    n, dim = unit.shape
    labels = np.empty(n, dtype=np.int64)
    for start in range(0, n, _BLOCK):
        block = np.ascontiguousarray(elements[start:start + _BLOCK])
        links = block[:, :4 * (max_m0 + 1)].view("<u4")
        head = links[:, 0]
        if (head >> 16).any():
            raise _fail(f"element {start + int(np.argmax(head >> 16))} is marked deleted")
        counts = head & 0xFFFF
        if (counts > max_m0).any():
            i = int(np.argmax(counts > max_m0))
            raise _fail(f"element {start + i} lists {int(counts[i])} level-0 links, at most {max_m0}")
        used = np.arange(max_m0)[None, :] < counts[:, None]
        if (links[:, 1:][used] >= n).any():
            raise _fail(f"a level-0 link among elements {start}–{start + len(block) - 1} "
                        f"points past the {n:,} elements")
        lab = block[:, label_offset:label_offset + 8].view("<u8")[:, 0]
        if (lab >= n).any():
            raise _fail(f"a label among elements {start}–{start + len(block) - 1} is not below {n:,}")
        labels[start:start + len(block)] = lab
        vectors = block[:, offset_data:offset_data + 4 * dim].view("<f4")
        if not np.array_equal(vectors, unit[lab]):
            raise _fail("its stored vectors differ from the model's item vectors")
    if n and np.bincount(labels, minlength=n).max() != 1:
        raise _fail("two elements carry the same label")


def _check_upper_levels(tail: np.ndarray, n: int, max_m: int, max_level: int, entry: int) -> None:
    """Parse the per-element upper-level link lists and check every id they hold."""
    if len(tail) % 4:
        raise _fail("the upper-level link lists do not end on a 4-byte boundary")
    words = tail.view("<u4")
    per_level = max_m + 1  # in 4-byte words: count, then max_m ids
    sizes, pos = words.tolist(), 0
    levels = [0] * n
    starts: list[int] = []  # word offset of each level list, and its level
    list_levels: list[int] = []
    for i in range(n):
        if pos >= len(sizes):
            raise _fail(f"the upper-level link lists end before element {i}")
        size = sizes[pos]
        pos += 1
        if size:
            lv, rest = divmod(size, 4 * per_level)
            if rest or lv > max_level or pos + size // 4 > len(sizes):
                raise _fail(f"element {i}: upper-level link list of {size} bytes does not fit "
                            f"(levels of {4 * per_level} bytes, top level {max_level})")
            levels[i] = lv
            starts.extend(range(pos, pos + lv * per_level, per_level))
            list_levels.extend(range(1, lv + 1))
            pos += lv * per_level
    if pos != len(sizes):
        raise _fail(f"{4 * (len(sizes) - pos):,} bytes after the last element")
    if n and levels[entry] != max_level:
        raise _fail(f"entry point {entry} is on level {levels[entry]}, not the top level {max_level}")
    if not starts:
        return
    level_of = np.asarray(levels, dtype=np.int64)
    lists = words[np.asarray(starts, dtype=np.int64)[:, None] + np.arange(per_level)]
    counts = lists[:, 0].astype(np.int64)
    if (counts > max_m).any():
        raise _fail(f"an upper-level link list holds {int(counts.max())} ids, at most {max_m}")
    used = np.arange(max_m)[None, :] < counts[:, None]
    ids = lists[:, 1:].astype(np.int64)
    if (ids[used] >= n).any():
        raise _fail(f"an upper-level link points past the {n:,} elements")
    below = level_of[np.where(used, ids, 0)] < np.asarray(list_levels)[:, None]
    if (below & used).any():
        raise _fail("an upper-level link points to an element that is not on that level")
