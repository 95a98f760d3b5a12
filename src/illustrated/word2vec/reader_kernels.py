"""The compiled half of :mod:`.reader`: whitespace-separated UTF-8 bytes → token ids.

A hash table over the vocabulary's UTF-8 bytes (open addressing, linear probing) and a splitter
that cuts a block of bytes into sentences of ids, so reading a corpus makes no Python object per
token. A token is hashed eight bytes at a time as it is scanned (one multiply per eight bytes),
and each slot of the table holds a key's id with 31 more bits of its hash, so a probe that meets
another key rarely needs to look at that key's bytes. The loops are compiled without reference
counting (``LEAF``): nothing in them allocates, and a reference count per token would cost more
than the lookup itself.
"""

from __future__ import annotations

import numba
import numpy as np

from .kernels.compiled import JIT as _JIT
from .kernels.compiled import LEAF as _LEAF
from .kernels.loading import load_lean

__all__ = ["build_hash_table", "count_block", "encode_block", "fill_hash_table", "merge_counts"]

_SEED = np.uint64(0x243F6A8885A308D3)
_MUL = np.uint64(0x9E3779B97F4A7C15)
_MUL2 = np.uint64(0xBF58476D1CE4E5B9)
_EIGHT = np.uint64(8)
_HIGH = np.uint64(33)
_FOLD = np.uint64(31)
_ID = np.int64(0xFFFFFFFF)


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
def _token(data, i, size) -> tuple:
    """``(end, hash, head)`` of the token starting at ``data[i]``: where the next whitespace (or
    the data) begins, a 64-bit hash of the bytes before it and its first eight bytes packed into
    a ``uint64`` (big-endian, so a shorter token packs into fewer low bytes), in one pass."""
    start = i
    h = _SEED
    w = np.uint64(0)
    head = np.uint64(0)
    k = 0
    while i < size:
        b = data[np.uint64(i)]  # unsigned: no negative-index fix-up per byte
        if b <= 32:
            if _is_space(b):
                break
        elif b >= 0x80 and _space(data, i, size):
            break
        w = (w << _EIGHT) | np.uint64(b)
        i += 1
        k += 1
        if k == 8:
            if i - start == 8:
                head = w
            h = (h ^ w) * _MUL
            w = np.uint64(0)
            k = 0
    if i - start < 8:
        head = w
    h = ((h ^ w) * _MUL ^ np.uint64(i - start)) * _MUL2
    return i, h ^ (h >> _FOLD), head


@numba.njit(inline="always", **_JIT)
def _skip(data, i, size) -> int:
    """Bytes of whitespace at ``data[i]`` (0 when a token starts there)."""
    b = data[i]
    if b < 0x80:
        return 1 if _is_space(b) else 0
    return _space(data, i, size)


@numba.njit(inline="always", **_JIT)
def _probe(data, start, end, h, head, table, blob, starts, lengths, heads) -> tuple:
    """``(key, slot)``: the id of the key equal to ``data[start:end]`` (hash ``h``, first eight
    bytes ``head``) and its slot, or ``-1`` and the empty slot where it would go. A slot holds
    ``tag << 32 | id`` (``tag``: 31 high bits of the key's hash), or -1; a key of at most eight
    bytes is compared by its length and ``heads`` word alone."""
    mask = table.shape[0] - 1
    slot = np.int64(h) & mask
    tag = np.int64(h >> _HIGH)
    n = end - start
    while True:
        e = table[slot]
        if e < 0:
            return -1, slot
        if (e >> 32) == tag:
            k = e & _ID
            if lengths[k] == n and heads[k] == head:
                s = starts[k]
                j = 8
                while j < n and blob[np.uint64(s + j)] == data[np.uint64(start + j)]:
                    j += 1
                if j >= n:
                    return k, slot
        slot = (slot + 1) & mask


@numba.njit(inline="always", **_JIT)
def _entry(h, k) -> np.int64:
    return (np.int64(h >> _HIGH) << 32) | k


@numba.njit(**_LEAF)
def fill_hash_table(table, blob, starts, lengths, heads, n_keys) -> None:
    """Put the keys ``blob[starts[i]:starts[i]+lengths[i]]``, ``i < n_keys``, into the empty
    (all ``-1``) open-addressing table ``table`` int64 ``[2**k]``, ``2**k > n_keys``, and their
    first eight bytes into ``heads`` uint64 ``[≥ n_keys]``."""
    mask = table.shape[0] - 1
    for i in range(n_keys):
        _, h, heads[i] = _token(blob, starts[i], starts[i] + lengths[i])
        slot = np.int64(h) & mask
        while table[slot] >= 0:
            slot = (slot + 1) & mask
        table[slot] = _entry(h, i)


def build_hash_table(blob, starts, lengths, size: int | None = None) -> tuple:
    """Open-addressing table over the keys ``blob[starts[i]:starts[i]+lengths[i]]`` (UTF-8).

    Returns ``(table, heads)``: int64 ``[size]`` (-1 = empty; ``size`` is by default the
    smallest power of two ≥ 2 · number of keys + 2) and the keys' first eight bytes, uint64.
    """
    n = len(starts)
    if size is None:
        size = 1
        while size < 2 * n + 2:
            size *= 2
    table = np.full(size, -1, dtype=np.int64)
    heads = np.zeros(max(n, 1), dtype=np.uint64)
    fill_hash_table(table, blob, starts, lengths, heads, n)
    return table, heads


def encode_block(data, table, blob, starts, lengths, heads, line_limit, sentence_limit,
                 line_tokens):
    """Split UTF-8 bytes into sentences of token ids, as ``Corpus`` + the trainer would.

    A newline ends a sentence; other whitespace (as ``str.split()`` knows it) separates tokens; a
    line is cut every ``line_limit`` tokens (the corpus's ``max_sentence_length``) and each piece
    every ``sentence_limit`` tokens (the trainer's). ``line_tokens`` tokens of the current line
    came in earlier blocks. Returns ``(ids int32 [n], offsets int64 [s+1], line_tokens)`` with -1
    for unknown tokens.
    """
    size = data.shape[0]
    ids = np.empty(size // 2 + 1, dtype=np.int32)
    offsets = np.empty(size // 2 + 2, dtype=np.int64)
    n, n_sent, line_tokens = _encode(data, table, blob, starts, lengths, heads, line_limit,
                                     sentence_limit, line_tokens, ids, offsets)
    return ids[:n].copy(), offsets[: n_sent + 1].copy(), line_tokens


@numba.njit(**_LEAF)
def _encode(data, table, blob, starts, lengths, heads, line_limit, sentence_limit, line_tokens,
            ids, offsets) -> tuple:
    """:func:`encode_block` into ``ids``/``offsets`` (large enough); ``(n, n_sent, line_tokens)``."""
    size = data.shape[0]
    n = 0
    n_sent = 0
    offsets[0] = 0
    piece = 0  # tokens in the current sentence
    i = 0
    while i < size:
        b = data[np.uint64(i)]
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
        i, h, head = _token(data, i, size)
        if piece > 0 and (piece == sentence_limit or (line_tokens > 0 and line_tokens % line_limit == 0)):
            n_sent += 1
            offsets[n_sent] = n
            piece = 0
        ids[n] = _probe(data, start, i, h, head, table, blob, starts, lengths, heads)[0]
        n += 1
        piece += 1
        line_tokens += 1
    if piece > 0:
        n_sent += 1
        offsets[n_sent] = n
    return n, n_sent, line_tokens


@numba.njit(**_LEAF)
def count_block(data, i, table, arena, starts, lengths, heads, counts, n_keys, used) -> tuple:
    """Count the whitespace-separated tokens of the UTF-8 bytes ``data[i:]`` into a hash table.

    The keys seen so far are ``arena[starts[k]:starts[k]+lengths[k]]`` for ``k < n_keys``, in
    order of first appearance, beginning with the eight bytes ``heads[k]`` and seen ``counts[k]``
    int64 times; ``table`` int64 ``[2**m]`` maps them by hash (-1 = empty slot); ``used`` bytes
    of ``arena`` uint8 are filled. New keys are appended. Returns ``(stop, n_keys, used,
    tokens)``: ``stop`` is ``len(data)``, or the start of the first new token that did not fit
    (the key arrays or arena are full, or the table is half full), so the caller grows them and
    calls again from ``stop``; ``tokens`` is the number of tokens counted.
    """
    size = data.shape[0]
    tokens = 0
    while i < size:
        step = _skip(data, i, size)
        if step:
            i += step
            continue
        start = i
        i, h, head = _token(data, i, size)
        k, slot = _probe(data, start, i, h, head, table, arena, starts, lengths, heads)
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
        heads[n_keys] = head
        counts[n_keys] = 1
        table[slot] = _entry(h, n_keys)
        n_keys += 1
        used += n
        tokens += 1
    return size, n_keys, used, tokens


@numba.njit(**_LEAF)
def merge_counts(table, arena, starts, lengths, heads, counts, n_keys, used, arena2, starts2,
                 lengths2, counts2, n2) -> tuple:
    """Add the counts of a second table's keys (``arena2``/``starts2``/``lengths2``/``counts2``,
    ``n2`` keys in order of first appearance) to the first, appending the keys it lacks in their
    order: counting a text in two parts and merging gives the counts, and the order, of counting
    it whole. The first table's arrays must have room for every key (the caller grows them).
    Returns ``(n_keys, used)``."""
    for k2 in range(n2):
        s2, n = starts2[k2], lengths2[k2]
        _, h, head = _token(arena2, s2, s2 + n)
        k, slot = _probe(arena2, s2, s2 + n, h, head, table, arena, starts, lengths, heads)
        if k >= 0:
            counts[k] += counts2[k2]
            continue
        for j in range(n):
            arena[used + j] = arena2[s2 + j]
        starts[n_keys] = used
        lengths[n_keys] = n
        heads[n_keys] = head
        counts[n_keys] = counts2[k2]
        table[slot] = _entry(h, n_keys)
        n_keys += 1
        used += n
    return n_keys, used


load_lean(fill_hash_table, count_block, _encode, merge_counts)
