"""Products of weight rows, one or three at a time: the small matrix products of a tile.

Three rows at a time, the shared row is read once for three products (a dot product against
three targets, or three scaled rows added into one), so a tile's loop loads two values per three
multiply-adds instead of two per one. All rows are float32 ``[dim]`` rows of 2-D arrays.
"""

from __future__ import annotations

import numba
import numpy as np

from .compiled import JIT

__all__ = ["add_rows", "add_rows3", "dot", "dot3"]


@numba.njit(inline="always", **JIT)
def dot(a, i, b, j) -> float:
    """``a[i] · b[j]``."""
    f = np.float32(0.0)
    for d in range(a.shape[1]):
        f += a[i, d] * b[j, d]
    return f


@numba.njit(inline="always", **JIT)
def dot3(a, i, b, j0, j1, j2) -> tuple:
    """``(a[i] · b[j0], a[i] · b[j1], a[i] · b[j2])``, reading ``a[i]`` once."""
    f0 = np.float32(0.0)
    f1 = np.float32(0.0)
    f2 = np.float32(0.0)
    for d in range(a.shape[1]):
        x = a[i, d]
        f0 += x * b[j0, d]
        f1 += x * b[j1, d]
        f2 += x * b[j2, d]
    return f0, f1, f2


@numba.njit(inline="always", **JIT)
def add_rows(out, i, g, src, j) -> None:
    """``out[i] += g · src[j]``."""
    for d in range(out.shape[1]):
        out[i, d] += g * src[j, d]


@numba.njit(inline="always", **JIT)
def add_rows3(out, i, g0, g1, g2, src, j0, j1, j2) -> None:
    """``out[i] += g0 · src[j0] + g1 · src[j1] + g2 · src[j2]``, reading and writing ``out[i]``
    once (``out`` is not ``src``)."""
    for d in range(out.shape[1]):
        out[i, d] += g0 * src[j0, d] + g1 * src[j1, d] + g2 * src[j2, d]
