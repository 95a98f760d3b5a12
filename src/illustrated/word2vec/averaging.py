"""Model averaging between processes: each trains its share of the corpus, then all agree.

Under ``torchrun`` every rank trains its own copy of the weights on its share of the corpus and,
every ``sync_words`` of its words and at the end of each epoch, the ranks combine what they
learned with ``all_reduce`` (gloo), as the distributed pWord2Vec does (Ji et al. 2016,
"Parallelizing Word2Vec in Shared and Distributed Memory"). Each rank keeps the weights as they
were when they were last combined (``base``, identical on every rank); its change since then is
``weights − base``, and

* ``merge="sum"`` adds every rank's change to ``base``: with a sync every sentence, two ranks make
  the updates one process makes on the same sentences, each computed from weights one sentence
  older — Hogwild with a bounded delay;
* ``merge="average"`` adds their mean (pWord2Vec's average of the models): each update counts
  ``1/size`` as much, as if the learning rate were divided by the number of processes.

Which rows travel follows pWord2Vec's schedule. A matrix whose rows are ordered by how often
training uses them (the vocabulary is sorted by falling count) combines its ``hot_rows`` hottest
rows at every sync, twice as many at every second sync, four times as many at every fourth, and
so on, and every row at the epoch's end: between two syncs of its row, each word is seen about
equally often, however frequent, and a sync costs a few thousand rows instead of the whole
vocabulary. Within those rows only the ones some rank changed are sent: every rank first sums
a one-byte mark per row, then the changed rows alone, packed. After a sync every rank holds the
same bits in the rows it combined (one ``all_reduce`` result, the same arithmetic on it).
"""

from __future__ import annotations

import time

import numpy as np

from .config import MERGES

__all__ = ["MERGES", "ModelAveraging", "changed_rows"]


def changed_rows(weights: np.ndarray, base: np.ndarray) -> np.ndarray:
    """bool ``[rows]``: the rows of ``weights`` that differ from ``base`` (float32 ``[rows, dim]``)."""
    from .kernels import rows

    out = np.empty(weights.shape[0], dtype=bool)
    rows.changed_rows(weights, base, out)
    return out


def _due(n: int, hot: int, sync: int, order: str | None) -> slice:
    """The rows of an ``n``-row matrix combined at the ``sync``-th sync (from 1): its ``hot ·
    2^k`` hottest for the largest ``2^k`` dividing ``sync``, at its start (``order`` "first") or
    its end ("last"); every row when ``order`` is None."""
    if order is None:
        return slice(0, n)
    k = (sync & -sync).bit_length() - 1
    count = min(n, hot << k)
    return slice(0, count) if order == "first" else slice(n - count, n)


class ModelAveraging:
    """Keeps the ranks' copies of ``weights`` in step (see the module's docstring).

    Args:
        weights: the matrices training changes in place, by name (float32 ``[rows, dim]``,
            C-contiguous), identical on every rank when this is made.
        world: this process's :class:`illustrated.distributed.World`.
        merge: ``"sum"`` or ``"average"``.
        hot_rows: rows combined at every sync in a matrix that ``order`` names.
        order: matrix name → ``"first"`` or ``"last"``: where its most used rows are; a matrix
            not named combines every row at every sync.

    ``syncs``, ``bytes`` (what this rank contributed to the reductions), ``rows`` (combined),
    ``seconds`` (in sync, waiting included), ``waited`` (seconds in the first, tiny reduction
    of each sync: waiting for the slowest process to arrive) and ``cpu_seconds`` (this process's
    CPU time in sync, its communication threads included: what a busy machine inflates least)
    add up over the run.
    """

    def __init__(self, weights: dict[str, np.ndarray], world, merge: str = "sum",
                 hot_rows: int = 1024, order: dict[str, str] | None = None) -> None:
        if merge not in MERGES:
            raise ValueError(f"merge must be one of {MERGES}, got {merge!r}")
        self.weights = weights
        self.base = {k: w.copy() for k, w in weights.items()}
        self.world = world
        self.merge = merge
        self.hot_rows = hot_rows
        self.order = order or {}
        self.syncs = 0
        self.bytes = 0
        self.rows = 0
        self.seconds = 0.0
        self.waited = 0.0
        self.cpu_seconds = 0.0
        self.marks = np.uint8 if world.size < 256 else np.int32

    def sync(self, active: bool, *stats: float) -> tuple[list[float], bool]:
        """Combine the ranks' changes of the rows due; returns ``stats`` summed over the ranks and
        whether some rank is still ``active``. When none is (the epoch's last sync), every row
        is combined, so all ranks leave it with the same weights.

        Every rank must call it the same number of times (it is a collective operation)."""
        start, cpu = time.perf_counter(), time.process_time()
        totals = self.world.all_sum(*stats, float(active))
        self.waited += time.perf_counter() - start
        busy = totals.pop() > 0
        self.syncs += 1
        due = {name: _due(w.shape[0], self.hot_rows, self.syncs, None if not busy else
                          self.order.get(name)) for name, w in self.weights.items()}
        masks = [changed_rows(w[due[k]], self.base[k][due[k]]) for k, w in self.weights.items()]
        marks = np.concatenate(masks).astype(self.marks)
        self.world.sum_(marks)
        sent = 8 * (len(stats) + 1) + marks.nbytes
        at = 0
        for name, w in self.weights.items():
            rows = due[name]
            count = marks[at:at + rows.stop - rows.start]
            at += rows.stop - rows.start
            sent += self._merge(w[rows], self.base[name][rows], np.flatnonzero(count))
        self.bytes += sent
        self.seconds += time.perf_counter() - start
        self.cpu_seconds += time.process_time() - cpu
        return totals, busy

    def _merge(self, w: np.ndarray, base: np.ndarray, rows: np.ndarray) -> int:
        """Add the ranks' changes of ``rows`` to ``base`` (in ``w`` and ``base``, views of the
        rows due). Returns the bytes reduced."""
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
