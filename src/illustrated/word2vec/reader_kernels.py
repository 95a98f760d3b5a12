"""The compiled half of :mod:`.reader`: whitespace-separated UTF-8 bytes → token ids.

A hash table over the vocabulary's UTF-8 bytes (FNV-1a, open addressing) and a splitter that cuts
a block of bytes into sentences of ids, so reading a corpus makes no Python object per token.
"""

from __future__ import annotations

import numba
import numpy as np

from .kernels import JIT as _JIT

__all__ = ["build_hash_table", "encode_block"]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@numba.njit(inline="always", **_JIT)
def _is_space(b) -> bool:
    # the ASCII bytes Python's str.split() treats as whitespace: \t \n \v \f \r, \x1c-\x1f, space
    return b == 32 or (9 <= b <= 13) or (28 <= b <= 31)


@numba.njit(inline="always", **_JIT)
def _fnv1a(data, start, end) -> np.uint64:
    h = _FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(data[i])) * _FNV_PRIME
    return h


@numba.njit(**_JIT)
def build_hash_table(blob, starts, lengths):
    """Open-addressing table over the keys ``blob[starts[i]:starts[i]+lengths[i]]`` (UTF-8).

    Returns int32 ``[2**k]`` holding key ids (-1 = empty), with 2**k ≥ 2 · number of keys.
    """
    n = starts.shape[0]
    size = 1
    while size < 2 * n + 2:
        size *= 2
    table = np.full(size, -1, dtype=np.int32)
    mask = np.uint64(size - 1)
    for i in range(n):
        slot = _fnv1a(blob, starts[i], starts[i] + lengths[i]) & mask
        while table[slot] >= 0:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = i
    return table


@numba.njit(inline="always", **_JIT)
def _lookup(data, start, end, table, blob, starts, lengths) -> int:
    mask = np.uint64(table.shape[0] - 1)
    slot = _fnv1a(data, start, end) & mask
    n = end - start
    while True:
        k = table[slot]
        if k < 0:
            return -1
        if lengths[k] == n:
            s = starts[k]
            same = True
            for j in range(n):
                if blob[s + j] != data[start + j]:
                    same = False
                    break
            if same:
                return k
        slot = (slot + np.uint64(1)) & mask


@numba.njit(**_JIT)
def encode_block(data, table, blob, starts, lengths, line_limit, sentence_limit, line_tokens):
    """Split UTF-8 bytes into sentences of token ids, as ``Corpus`` + the trainer would.

    A newline ends a sentence; other ASCII whitespace separates tokens; a line is cut every
    ``line_limit`` tokens (the corpus's ``max_sentence_length``) and each piece every
    ``sentence_limit`` tokens (the trainer's). ``line_tokens`` tokens of the current line came in
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
        if _is_space(b):
            i += 1
            continue
        start = i
        while i < size and not _is_space(data[i]):
            i += 1
        if piece > 0 and (piece == sentence_limit or (line_tokens > 0 and line_tokens % line_limit == 0)):
            n_sent += 1
            offsets[n_sent] = n
            piece = 0
        ids[n] = _lookup(data, start, i, table, blob, starts, lengths)
        n += 1
        piece += 1
        line_tokens += 1
    if piece > 0:
        n_sent += 1
        offsets[n_sent] = n
    return ids[:n].copy(), offsets[: n_sent + 1].copy(), line_tokens
