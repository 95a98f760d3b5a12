"""Which rows of a weight matrix changed since a copy of it: what model averaging sends."""

from __future__ import annotations

import numba
import numpy as np

from .compiled import JIT

__all__ = ["changed_rows"]


@numba.njit(**JIT)
def changed_rows(weights, base, out) -> int:
    """Set ``out[i]`` (bool ``[rows]``) when row ``i`` of ``weights`` differs from ``base``
    (float32 ``[rows, dim]`` each); returns how many rows differ. A changed row is known at its
    first differing value, so only the unchanged rows are read whole."""
    n = 0
    for i in range(weights.shape[0]):
        out[i] = False
        for j in range(weights.shape[1]):
            if weights[i, j] != base[i, j]:
                out[i] = True
                n += 1
                break
    return n
