"""Model averaging between processes: each trains its share of the corpus, then all agree.

Under ``torchrun`` every rank trains its own copy of the weights on its share of the corpus and,
every ``sync_words`` of its words and at the end of each epoch, the ranks combine what they
learned with ``all_reduce`` (gloo), as the distributed pWord2Vec does (Ji et al. 2016, "Parallelizing
Word2Vec in Shared and Distributed Memory"). Each rank keeps the weights as they were at the last
sync (``base``, identical on every rank); the change since then is ``weights − base``, and

* ``merge="sum"`` adds every rank's change to ``base``: with a sync every sentence, two ranks make
  the updates one process makes on the same sentences, each computed from weights one sentence
  older — Hogwild with a bounded delay;
* ``merge="average"`` adds their mean (pWord2Vec's average of the models): each update counts
  ``1/size`` as much, as if the learning rate were divided by the number of processes.

Only rows that some rank changed travel: every rank first sums a one-byte mark per row (changed or
not), then the changed rows alone, packed, when they are fewer than the whole matrix. After a
sync every rank holds the same bits (one ``all_reduce`` result, the same arithmetic on it).
"""

from __future__ import annotations

import time

import numpy as np

from .config import MERGES

__all__ = ["MERGES", "ModelAveraging", "changed_rows"]

_BLOCK_ROWS = 1 << 14


def changed_rows(weights: np.ndarray, base: np.ndarray) -> np.ndarray:
    """bool ``[rows]``: the rows of ``weights`` that differ from ``base`` (float32 ``[rows, dim]``),
    compared a block of rows at a time to keep the temporary small."""
    out = np.empty(weights.shape[0], dtype=bool)
    for i in range(0, weights.shape[0], _BLOCK_ROWS):
        np.any(weights[i:i + _BLOCK_ROWS] != base[i:i + _BLOCK_ROWS], axis=1,
               out=out[i:i + _BLOCK_ROWS])
    return out


class ModelAveraging:
    """Keeps the ranks' copies of ``weights`` in step (see the module's docstring).

    Args:
        weights: the matrices training changes in place, by name (float32 ``[rows, dim]``,
            C-contiguous), identical on every rank when this is made.
        world: this process's :class:`illustrated.distributed.World`.
        merge: ``"sum"`` or ``"average"``.

    ``syncs``, ``bytes`` (what this rank contributed to the reductions) and ``seconds`` add up
    over the run.
    """

    def __init__(self, weights: dict[str, np.ndarray], world, merge: str = "sum") -> None:
        if merge not in MERGES:
            raise ValueError(f"merge must be one of {MERGES}, got {merge!r}")
        self.weights = weights
        self.base = {k: w.copy() for k, w in weights.items()}
        self.world = world
        self.merge = merge
        self.syncs = 0
        self.bytes = 0
        self.rows = 0
        self.seconds = 0.0
        self.marks = np.uint8 if world.size < 256 else np.int32

    def sync(self, *stats: float) -> list[float]:
        """Combine every rank's changes since the last sync; returns ``stats`` summed over ranks.

        Every rank must call it the same number of times (it is a collective operation)."""
        start = time.perf_counter()
        masks = [changed_rows(w, self.base[k]) for k, w in self.weights.items()]
        marks = np.concatenate(masks).astype(self.marks)
        totals = self.world.all_sum(*stats)
        self.world.sum_(marks)
        sent = 8 * len(stats) + marks.nbytes
        at = 0
        for name, w in self.weights.items():
            count = marks[at:at + w.shape[0]]
            at += w.shape[0]
            sent += self._merge(w, self.base[name], np.flatnonzero(count))
        self.syncs += 1
        self.bytes += sent
        self.seconds += time.perf_counter() - start
        return totals

    def _merge(self, w: np.ndarray, base: np.ndarray, rows: np.ndarray) -> int:
        """Add the ranks' changes of ``rows`` to ``base`` (in ``w`` and ``base``); returns the
        bytes reduced."""
        if len(rows) == 0:
            return 0
        whole = len(rows) == w.shape[0]
        delta = w - base if whole else w[rows] - base[rows]
        self.world.sum_(delta)
        if self.merge == "average":
            delta /= np.float32(self.world.size)
        if whole:
            np.add(base, delta, out=base)
            w[...] = base
        else:
            merged = base[rows] + delta
            base[rows] = merged
            w[rows] = merged
        self.rows += len(rows)
        return delta.nbytes
