"""Random numbers and noise words inside the kernels.

The C tool's 48-bit linear congruential generator, and Walker's alias method for the noise
distribution: O(1) per draw from one packed ``uint32`` table the size of the vocabulary instead of
a 100M-entry table. Noise words are drawn one window ahead, so their output rows are already on
their way into the cache when the window that needs them starts.
"""

from __future__ import annotations

import numba
import numpy as np

from .compiled import JIT, prefetch_row

__all__ = ["lcg", "uniform", "below", "alias_draw", "draw_negatives", "reuse_negatives"]

_MUL = np.uint64(25214903917)
_ADD = np.uint64(11)
_SHIFT = np.uint64(16)
_MASK24 = np.uint64(0xFFFFFF)
_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)


@numba.njit(inline="always", **JIT)
def lcg(state: np.uint64) -> np.uint64:
    """The C tool's linear congruential step: ``state * 25214903917 + 11`` mod 2**64."""
    return state * _MUL + _ADD


@numba.njit(inline="always", **JIT)
def uniform(state: np.uint64) -> float:
    """A float in [0, 1) from 24 high-ish bits of the state."""
    return float((state >> _SHIFT) & _MASK24) / 16777216.0


@numba.njit(inline="always", **JIT)
def below(state: np.uint64, n: int) -> int:
    """An int in [0, n) from 32 bits of the state, by multiply-shift (no division)."""
    return int((((state >> _SHIFT) & _MASK32) * np.uint64(n)) >> _SHIFT32)


@numba.njit(inline="always", **JIT)
def alias_draw(state: np.uint64, noise: np.ndarray) -> tuple:
    """One draw from Walker's alias table packed as uint32 ``[n, 2]`` rows ``(threshold, alias)``
    (:func:`tables.alias_pack`: both halves of a column in one cache line, one miss per draw).
    Returns ``(new_state, id)``."""
    state = lcg(state)
    i = below(state, noise.shape[0])
    state = lcg(state)
    if ((state >> _SHIFT) & _MASK32) >= noise[i, 0]:
        i = int(noise[i, 1])
    return state, i


@numba.njit(inline="always", **JIT)
def draw_negatives(state, word, negative, noise, targets, labels, syn1neg):
    """Fill ``targets``/``labels`` with ``word`` (label 1) and ``negative`` noise words (label 0,
    ``word`` itself skipped), prefetching their output rows. Returns ``(state, n_targets,
    repeats)``: ``repeats`` tells whether a noise word was drawn more than once."""
    targets[0] = word
    labels[0] = 1.0
    prefetch_row(syn1neg, word)
    n_t = 1
    repeats = False
    for _ in range(negative):
        state, t = alias_draw(state, noise)
        if t != word:
            for j in range(1, n_t):
                repeats |= targets[j] == t
            targets[n_t] = t
            labels[n_t] = 0.0
            prefetch_row(syn1neg, t)
            n_t += 1
    return state, n_t, repeats


@numba.njit(inline="always", **JIT)
def reuse_negatives(word, targets, n_t, next_targets, next_labels, syn1neg) -> int:
    """Fill ``next_targets``/``next_labels`` with ``word`` (label 1) and the noise words of
    ``targets[1:n_t]`` (those equal to ``word`` dropped). Returns the number of targets."""
    next_targets[0] = word
    next_labels[0] = 1.0
    prefetch_row(syn1neg, word)
    n_next = 1
    for k in range(1, n_t):
        t = targets[k]
        if t != word:
            next_targets[n_next] = t
            next_labels[n_next] = 0.0
            n_next += 1
    return n_next
