"""The compiled half of :mod:`.reader`: whitespace-separated UTF-8 bytes → token ids.

A hash table over the vocabulary's UTF-8 bytes (FNV-1a, open addressing) and a splitter that cuts
a block of bytes into sentences of ids, so reading a corpus makes no Python object per token.
"""

from __future__ import annotations

import numba
import numpy as np

from .kernels.compiled import JIT as _JIT

__all__ = ["build_hash_table", "count_block", "encode_block", "fill_hash_table"]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@numba.njit(inline="always", **_JIT)
def _is_space(b) -> bool:
    # the ASCII bytes Python's str.split() treats as whitespace: \t \n \v \f \r, \x1c-\x1f, space
    return b == 32 or (9 <= b <= 13) or (28 <= b <= 31)


@numba.njit(inline="always", **_JIT)
def _space(data, i, size) -> int:
    """The length in bytes of the whitespace character at ``data[i]``, 0 if it is none: the ASCII
    bytes above and the UTF-8 of U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F,
    U+205F and U+3000 — every character Python's ``str.split()`` splits on. Blocks hold whole
    characters (they are cut at ASCII whitespace and checked as UTF-8), so no sequence is cut."""
    b = data[i]
    if b < 0x80:
        return 1 if _is_space(b) else 0
    if b == 0xC2:
        return 2 if i + 1 < size and (data[i + 1] == 0x85 or data[i + 1] == 0xA0) else 0
    if b < 0xE1 or b > 0xE3 or i + 2 >= size:
        return 0
    c, d = data[i + 1], data[i + 2]
    if b == 0xE1:
        return 3 if c == 0x9A and d == 0x80 else 0
    if b == 0xE3:
        return 3 if c == 0x80 and d == 0x80 else 0
    if c == 0x80 and (d <= 0x8A or d == 0xA8 or d == 0xA9 or d == 0xAF):
        return 3  # U+2000–U+200A (d ≥ 0x80 in valid UTF-8), U+2028, U+2029, U+202F
    return 3 if c == 0x81 and d == 0x9F else 0


@numba.njit(inline="always", **_JIT)
def _fnv1a(data, start, end) -> np.uint64:
    h = _FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(data[i])) * _FNV_PRIME
    return h


@numba.njit(inline="always", **_JIT)
def _token(data, i, size) -> tuple:
    """``(end, hash)`` of the token starting at ``data[i]``: where the next whitespace (or the
    data) begins, and the FNV-1a hash of the bytes before it, in one pass."""
    h = _FNV_OFFSET
    while i < size:
        b = data[i]
        if b < 0x80:
            if _is_space(b):
                break
        elif _space(data, i, size):
            break
        h = (h ^ np.uint64(b)) * _FNV_PRIME
        i += 1
    return i, h


@numba.njit(inline="always", **_JIT)
def _skip(data, i, size) -> int:
    """Bytes of whitespace at ``data[i]`` (0 when a token starts there)."""
    b = data[i]
    if b < 0x80:
        return 1 if _is_space(b) else 0
    return _space(data, i, size)


@numba.njit(inline="always", **_JIT)
def _probe(data, start, end, h, table, blob, starts, lengths) -> tuple:
    """``(key, slot)``: the id of the key equal to ``data[start:end]`` (hash ``h``) and its slot,
    or ``-1`` and the empty slot where it would go."""
    mask = np.uint64(table.shape[0] - 1)
    slot = h & mask
    n = end - start
    while True:
        k = table[slot]
        if k < 0:
            return -1, slot
        if lengths[k] == n:
            s = starts[k]
            j = 0
            while j < n and blob[s + j] == data[start + j]:
                j += 1
            if j == n:
                return k, slot
        slot = (slot + np.uint64(1)) & mask


@numba.njit(**_JIT)
def fill_hash_table(table, blob, starts, lengths, n_keys) -> None:
    """Put the keys ``blob[starts[i]:starts[i]+lengths[i]]``, ``i < n_keys``, into the empty
    (all ``-1``) open-addressing table ``table`` int32 ``[2**k]``, ``2**k > n_keys``."""
    mask = np.uint64(table.shape[0] - 1)
    for i in range(n_keys):
        slot = _fnv1a(blob, starts[i], starts[i] + lengths[i]) & mask
        while table[slot] >= 0:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = i


def build_hash_table(blob, starts, lengths, size: int | None = None) -> np.ndarray:
    """Open-addressing table over the keys ``blob[starts[i]:starts[i]+lengths[i]]`` (UTF-8).

    Returns int32 ``[size]`` holding key ids (-1 = empty); ``size`` is by default the smallest
    power of two ≥ 2 · number of keys + 2.
    """
    n = len(starts)
    if size is None:
        size = 1
        while size < 2 * n + 2:
            size *= 2
    table = np.full(size, -1, dtype=np.int32)
    fill_hash_table(table, blob, starts, lengths, n)
    return table


@numba.njit(**_JIT)
def encode_block(data, table, blob, starts, lengths, line_limit, sentence_limit, line_tokens):
    """Split UTF-8 bytes into sentences of token ids, as ``Corpus`` + the trainer would.

    A newline ends a sentence; other whitespace (as ``str.split()`` knows it) separates tokens; a
    line is cut every ``line_limit`` tokens (the corpus's ``max_sentence_length``) and each piece
    every ``sentence_limit`` tokens (the trainer's). ``line_tokens`` tokens of the current line came in
    earlier blocks. Returns ``(ids int32 [n], offsets int64 [s+1], line_tokens)`` with -1 for
    unknown tokens.
    """
    size = data.shape[0]
    ids = np.empty(size // 2 + 1, dtype=np.int32)
    offsets = np.empty(size // 2 + 2, dtype=np.int64)
    n = 0
    n_sent = 0
    offsets[0] = 0
    piece = 0  # tokens in the current sentence
    i = 0
    while i < size:
        b = data[i]
        if b == 10:
            if piece > 0:
                n_sent += 1
                offsets[n_sent] = n
            piece = 0
            line_tokens = 0
            i += 1
            continue
        step = _skip(data, i, size)
        if step:
            i += step
            continue
        start = i
        i, h = _token(data, i, size)
        if piece > 0 and (piece == sentence_limit or (line_tokens > 0 and line_tokens % line_limit == 0)):
            n_sent += 1
            offsets[n_sent] = n
            piece = 0
        ids[n] = _probe(data, start, i, h, table, blob, starts, lengths)[0]
        n += 1
        piece += 1
        line_tokens += 1
    if piece > 0:
        n_sent += 1
        offsets[n_sent] = n
    return ids[:n].copy(), offsets[: n_sent + 1].copy(), line_tokens


@numba.njit(**_JIT)
def count_block(data, i, table, arena, starts, lengths, counts, n_keys, used) -> tuple:
    """Count the whitespace-separated tokens of the UTF-8 bytes ``data[i:]`` into a hash table.

    The keys seen so far are ``arena[starts[k]:starts[k]+lengths[k]]`` for ``k < n_keys``, in
    order of first appearance, seen ``counts[k]`` int64 times; ``table`` int32 ``[2**m]`` maps
    them by FNV-1a hash (-1 = empty slot); ``used`` bytes of ``arena`` uint8 are filled. New keys
    are appended. Returns ``(stop, n_keys, used, tokens)``: ``stop`` is ``len(data)``, or the
    start of the first new token that did not fit (the key arrays or arena are full, or the
    table is half full), so the caller grows them and calls again from ``stop``; ``tokens`` is
    the number of tokens counted.
    """
    size = data.shape[0]
    tokens = 0
    while i < size:
        step = _skip(data, i, size)
        if step:
            i += step
            continue
        start = i
        i, h = _token(data, i, size)
        k, slot = _probe(data, start, i, h, table, arena, starts, lengths)
        if k >= 0:
            counts[k] += 1
            tokens += 1
            continue
        n = i - start
        if n_keys == starts.shape[0] or used + n > arena.shape[0] or 2 * n_keys + 2 > table.shape[0]:
            return start, n_keys, used, tokens
        for j in range(n):
            arena[used + j] = data[start + j]
        starts[n_keys] = used
        lengths[n_keys] = n
        counts[n_keys] = 1
        table[slot] = n_keys
        n_keys += 1
        used += n
        tokens += 1
    return size, n_keys, used, tokens
