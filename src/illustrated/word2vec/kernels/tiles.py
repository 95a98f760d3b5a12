"""How far the kernels batch: tiles of rows that may share one evaluation of their scores.

**Why the batched updates stay bounded.** The C tool trains one (row, target) pair at a time, so
every score it computes sees the weights as the previous pair left them. Batching computes many
scores from the same weights and adds up their gradients, which is only safe while the sum stays
small: a 5,000-item window adding 5,000 gradients of one stale score to one output row overshoots,
and the weights grow until they overflow. So the kernels batch only *tiles* in which every row
takes at most one step of learning rate ``alpha`` per row it meets, and at most :data:`BLOCK_RATE`
of learning rate in all:

* a tile's target rows are distinct (a noise word drawn twice goes to the next tile, scored
  against its updated row, as the C tool scores it), and so are its context rows (a repeated
  item closes the block);
* a tile holds at most ``block = ⌊BLOCK_RATE / alpha⌋`` context rows, so an output row takes at
  most ``block · alpha ≤ BLOCK_RATE`` of summed step from one evaluation of its scores;
* CBOW adds the window's error to a context row at most ``block`` times, however often the row
  repeats in the window.

Each tile is one step of mini-batch SGD on pairs the C tool trains (every gradient is that of the
same loss, at learning rate ``alpha``); the next tile is scored against the updated weights. At
the default ``alpha = 0.025`` a block holds 16 rows, more than an ordinary window of 5 has, so
text windows train as before and only wide windows or repeated items are split.
"""

from __future__ import annotations

import numba

from .compiled import JIT

__all__ = ["BLOCK_RATE", "MAX_TILE", "block_size", "distinct_run"]

#: The most learning rate one row may take, summed, from scores computed at the same point.
BLOCK_RATE = 0.4
#: The most context rows a scratch tile holds (a bound on memory; smaller tiles are always safe).
MAX_TILE = 256


@numba.njit(inline="always", **JIT)
def block_size(alpha: float) -> int:
    """Context rows that may share one evaluation of the scores at learning rate ``alpha``: at
    least 1, at most :data:`MAX_TILE`."""
    return max(1, min(MAX_TILE, int(BLOCK_RATE / max(alpha, 1e-12))))


@numba.njit(inline="always", **JIT)
def distinct_run(rows, start, end) -> int:
    """The end ``stop`` of the longest run ``rows[start:stop]`` (``stop ≤ end``, at least one row)
    in which no row occurs twice. Runs are short (at most a block), so a linear scan is cheapest."""
    for j in range(start + 1, end):
        r = rows[j]
        for i in range(start, j):
            if rows[i] == r:
                return j
    return end
