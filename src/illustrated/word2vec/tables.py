"""The lookup tables the kernels read: subsampling, noise distribution, Huffman tree.

All are computed once from the vocabulary counts (``int64 [vocab]``, sorted by decreasing count).
"""

from __future__ import annotations

import heapq

import numpy as np

__all__ = ["keep_probabilities", "alias_table", "alias_pack", "noise_distribution", "huffman"]


def keep_probabilities(counts: np.ndarray, sample: float) -> np.ndarray:
    """float32 ``[vocab]``: probability of keeping each occurrence of a word.

    The C tool's formula (gensim's too): with ``t = sample · total``, a word seen ``c`` times is
    kept with probability ``(sqrt(c / t) + 1) · t / c``, capped at 1. ``sample = 0`` keeps all.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if sample <= 0 or counts.sum() == 0:
        return np.ones(len(counts), dtype=np.float32)
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore"):
        p = (np.sqrt(counts / threshold) + 1) * threshold / counts
    return np.minimum(np.nan_to_num(p, nan=1.0, posinf=1.0), 1.0).astype(np.float32)


def noise_distribution(counts: np.ndarray, exponent: float) -> np.ndarray:
    """float64 ``[vocab]``: ``count ** exponent``, normalised (any exponent, negative too)."""
    counts = np.maximum(np.asarray(counts, dtype=np.float64), 1.0)
    log_c = np.log(counts)
    # in logs, relative to the count that weighs most, so no exponent overflows to inf or NaN
    top = log_c.max() if exponent >= 0 else log_c.min()
    with np.errstate(over="ignore"):
        w = np.exp(exponent * (log_c - top))
    return w / w.sum()


def alias_table(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker/Vose alias table for drawing ``i`` with probability ``p[i]`` in O(1).

    Returns ``(prob float32 [n], alias int32 [n])``: pick a column ``i`` uniformly, keep it with
    probability ``prob[i]``, else take ``alias[i]``.
    """
    n = len(p)
    scaled = np.asarray(p, dtype=np.float64) * n
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n, dtype=np.int32)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] -= 1.0 - scaled[s]
        (small if scaled[g] < 1.0 else large).append(g)
    return prob.astype(np.float32), alias


def alias_pack(prob: np.ndarray, alias: np.ndarray) -> np.ndarray:
    """The alias table as uint32 ``[n, 2]`` rows ``(threshold, alias)`` for the kernel: column
    ``i`` is kept when 32 random bits fall below ``threshold = prob[i] · 2**32``. Full columns
    (``prob = 1``) alias to themselves, so capping their threshold at ``2**32 − 1`` changes nothing.
    """
    out = np.empty((len(prob), 2), dtype=np.uint32)
    out[:, 0] = np.minimum(np.round(np.asarray(prob, np.float64) * 2.0**32), 2.0**32 - 1)
    out[:, 1] = alias
    return out


def huffman(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Huffman tree over the vocabulary for hierarchical softmax (Mikolov et al. 2013).

    Returns ``(codes uint8 [n, L], points int32 [n, L], lengths int32 [n])``: word ``w``'s path from
    the root visits inner nodes ``points[w, :lengths[w]]`` (ids ``0..n-2`` into ``syn1``) and turns
    ``codes[w, k]`` (0 or 1) at each. Ties are broken by id, so the tree is deterministic.
    """
    n = len(counts)
    if n == 1:
        return np.zeros((1, 1), np.uint8), np.zeros((1, 1), np.int32), np.zeros(1, np.int32)
    heap = [(int(c), i) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    parent = np.zeros(2 * n - 1, dtype=np.int64)
    branch = np.zeros(2 * n - 1, dtype=np.uint8)
    next_id = n
    while len(heap) > 1:
        c1, a = heapq.heappop(heap)
        c2, b = heapq.heappop(heap)
        parent[a], branch[a] = next_id, 0
        parent[b], branch[b] = next_id, 1
        heapq.heappush(heap, (c1 + c2, next_id))
        next_id += 1
    root = next_id - 1
    paths = []
    for w in range(n):
        code, point, node = [], [], w
        while node != root:
            code.append(branch[node])
            node = int(parent[node])
            point.append(node - n)
        paths.append((code[::-1], point[::-1]))
    depth = max(len(c) for c, _ in paths)
    codes = np.zeros((n, depth), dtype=np.uint8)
    points = np.zeros((n, depth), dtype=np.int32)
    lengths = np.zeros(n, dtype=np.int32)
    for w, (code, point) in enumerate(paths):
        codes[w, : len(code)] = code
        points[w, : len(point)] = point
        lengths[w] = len(code)
    return codes, points, lengths
