"""Sequential rules: which items followed which in the training sessions.

A rule ``a → b`` holds for every ``b`` that came at most ``steps`` positions after ``a`` in a
session, weighted ``1 / distance`` and summed over sessions — the "sequential rules" (SR) of
Ludewig et al. (*Empirical analysis of session-based recommendation algorithms*, UMUAI 2021),
one of the simple methods that session-based studies find hardest to beat. The same table serves
the SR baseline and the recommender, which adds it to its vector scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

from ..errors import ConfigError

__all__ = ["sequential_rules", "session_rules", "rule_scores", "keep_top"]

_CHUNK = 4_000_000  # (from, to) pairs gathered before they are summed into the table (about 2×)


def sequential_rules(sessions: Iterable[np.ndarray], n_items: int, steps: int = 10,
                     top: int = 0) -> sparse.csr_matrix:
    """The rules of ``sessions`` (int64 item-index arrays, in order) as a float32 CSR matrix
    ``[n_items, n_items]``: row ``a`` holds the summed ``1 / distance`` weights of the items that
    followed ``a``. ``top > 0`` keeps each row's ``top`` strongest rules (bounded size)."""
    if steps < 1:
        raise ConfigError(f"steps must be at least 1, got {steps}")
    table = sparse.csr_matrix((n_items, n_items), dtype=np.float32)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    pending = 0

    def flush() -> sparse.csr_matrix:
        part = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                 shape=(n_items, n_items), dtype=np.float32)
        rows.clear(), cols.clear(), vals.clear()
        return part

    for ids in sessions:
        ids = np.asarray(ids, dtype=np.int64)
        for d in range(1, min(steps, len(ids) - 1) + 1):
            # a long session's pairs at distance d come in pieces, so the pairs gathered before a
            # flush stay near the limit however long one session is (a 2.2M-item session: 110M)
            for start in range(0, len(ids) - d, _CHUNK):
                stop = min(start + _CHUNK, len(ids) - d)
                rows.append(ids[start:stop])
                cols.append(ids[start + d: stop + d])
                vals.append(np.full(stop - start, 1.0 / d, dtype=np.float32))
                pending += stop - start
                if pending >= _CHUNK:
                    table = table + flush()
                    pending = 0
    if rows:
        table = table + flush()
    table.sum_duplicates()
    table.eliminate_zeros()
    return keep_top(table, top) if top > 0 else table


def session_rules(sessions: Iterable[Sequence[str]], key_to_index: dict[str, int], steps: int,
                  top: int = 0) -> sparse.csr_matrix:
    """:func:`sequential_rules` of sessions of item ids, over the indices of ``key_to_index``
    (items it does not hold are skipped)."""
    return sequential_rules((np.array([key_to_index[i] for i in s if i in key_to_index], np.int64)
                             for s in sessions), len(key_to_index), steps, top)


def keep_top(table: sparse.csr_matrix, top: int) -> sparse.csr_matrix:
    """``table`` with each row cut to its ``top`` largest entries (ties: the lower column)."""
    counts = np.diff(table.indptr)
    if counts.max(initial=0) <= top:
        return table
    keep = np.ones(table.nnz, dtype=bool)
    for r in np.flatnonzero(counts > top):
        lo, hi = table.indptr[r], table.indptr[r + 1]
        order = np.lexsort((table.indices[lo:hi], -table.data[lo:hi]))
        keep[lo + order[top:]] = False
    row_of = np.repeat(np.arange(table.shape[0]), counts)
    return sparse.csr_matrix((table.data[keep], (row_of[keep], table.indices[keep])), shape=table.shape,
                             dtype=np.float32)


def rule_scores(table: sparse.csr_matrix, recent: Sequence[int], last: int) -> tuple[np.ndarray, np.ndarray]:
    """What follows a session whose known items are ``recent`` (indices, oldest first): the
    ``last`` latest items vote with their rules, the ``j``-th latest weighing ``1 / j``.

    Returns the items with a positive score (int64 ``[m]``, ascending) and their scores
    (float64 ``[m]``).
    """
    latest = list(recent)[-last:][::-1]
    if not latest:
        return np.zeros(0, np.int64), np.zeros(0)
    weights = sparse.csr_matrix((1.0 / np.arange(1, len(latest) + 1), (np.zeros(len(latest), np.int64),
                                                                        np.array(latest, np.int64))),
                                shape=(1, table.shape[0]))
    row = (weights @ table).tocsr()
    row.sum_duplicates()
    row.sort_indices()
    keep = row.data > 0
    return row.indices[keep].astype(np.int64), row.data[keep].astype(np.float64)
