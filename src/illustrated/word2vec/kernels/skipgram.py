"""Skip-gram with shared negatives: one window's context rows against its targets as tiles.

A skip-gram centre word and its ``k`` negatives form one small block of output rows that every
context word of the window is trained against (Ji et al. 2016, *Parallelizing Word2Vec in Shared
and Distributed Memory*), so the update is a pair of small matrix products with the output rows
kept in L1 cache, and the noise sampler runs once per window instead of once per pair. Wide
windows and repeated targets are split into tiles as :mod:`.tiles` explains.
"""

from __future__ import annotations

import numba
import numpy as np

from .compiled import JIT, LEAF
from .products import add_rows, add_rows3, dot, dot3
from .sampling import draw_negatives
from .scores import damped, pair, sq, tail
from .tiles import distinct_run

__all__ = ["sg_tile", "sg_window"]


@numba.njit(inline="always", **JIT)
def _score(f, label, alpha, syn0, c, syn1, t, sigmoid, log_sigmoid) -> tuple:
    """``(gradient, loss)`` of the score ``f`` of ``syn0[c]`` against ``syn1[t]``."""
    g, pair_loss, saturated = pair(f, label, alpha, sigmoid, log_sigmoid)
    if saturated:
        pair_loss += tail(f, label)
        g = damped(g, alpha, sq(syn0, c) + sq(syn1, t))
    return g, pair_loss


@numba.njit(inline="always", **JIT)
def sg_tile(syn0, syn1, ctx, first, last, targets, labels, t0, t1, alpha, neu1e, grad, sigmoid,
            log_sigmoid) -> tuple:
    """Train the context rows ``syn0[ctx[first:last]]`` against the distinct output rows
    ``syn1[targets[t0:t1]]`` as two small matrix products.

    Scores ``S = X Yᵀ`` for the tile's context rows X ``[last − first, dim]`` and target rows Y
    ``[t1 − t0, dim]``, gradients ``G = (labels − σ(S)) · alpha``, then ``X += G Y`` and
    ``Y += Gᵀ X``, both from the values the scores saw; each product three rows at a time
    (:mod:`.products`). ``neu1e`` float32 ``[≥last − first, dim]`` and ``grad`` float32
    ``[≥last − first, ≥t1 − t0]`` are scratch. Returns ``(loss, check)``: the summed loss
    ``−log σ(±s)``, and the sum of each context row's score against the first target (not finite
    once one of those rows is not).
    """
    dim = syn0.shape[1]
    rows = last - first
    loss = 0.0
    check = 0.0
    for b in range(rows):  # G = labels − σ(X Yᵀ)
        c = ctx[first + b]
        k = t0
        while k < t1:
            if k + 3 <= t1:
                ta, tb, tc = targets[k], targets[k + 1], targets[k + 2]
                fa, fb, fc = dot3(syn0, c, syn1, ta, tb, tc)
                ga, la = _score(fa, labels[k], alpha, syn0, c, syn1, ta, sigmoid, log_sigmoid)
                gb, lb = _score(fb, labels[k + 1], alpha, syn0, c, syn1, tb, sigmoid, log_sigmoid)
                gc, lc = _score(fc, labels[k + 2], alpha, syn0, c, syn1, tc, sigmoid, log_sigmoid)
                grad[b, k - t0], grad[b, k + 1 - t0], grad[b, k + 2 - t0] = ga, gb, gc
                loss += la + lb + lc
                if k == t0:
                    check += fa
                k += 3
            else:
                t = targets[k]
                f = dot(syn0, c, syn1, t)
                g, pair_loss = _score(f, labels[k], alpha, syn0, c, syn1, t, sigmoid, log_sigmoid)
                grad[b, k - t0] = g
                loss += pair_loss
                if k == t0:
                    check += f
                k += 1
    for b in range(rows):  # ΔX = G Y, with Y still unchanged
        for d in range(dim):
            neu1e[b, d] = 0.0
        k = t0
        while k < t1:
            if k + 3 <= t1:
                add_rows3(neu1e, b, grad[b, k - t0], grad[b, k + 1 - t0], grad[b, k + 2 - t0],
                          syn1, targets[k], targets[k + 1], targets[k + 2])
                k += 3
            else:
                add_rows(neu1e, b, grad[b, k - t0], syn1, targets[k])
                k += 1
    for k in range(t0, t1):  # Y += Gᵀ X, with X still unchanged
        t = targets[k]
        b = 0
        while b < rows:
            if b + 3 <= rows:
                add_rows3(syn1, t, grad[b, k - t0], grad[b + 1, k - t0], grad[b + 2, k - t0],
                          syn0, ctx[first + b], ctx[first + b + 1], ctx[first + b + 2])
                b += 3
            else:
                add_rows(syn1, t, grad[b, k - t0], syn0, ctx[first + b])
                b += 1
    for b in range(rows):
        c = ctx[first + b]
        for d in range(dim):
            syn0[c, d] += neu1e[b, d]
    return loss, check


@numba.njit(**LEAF)
def sg_window(syn0, syn1, ctx, n_ctx, targets, labels, n_t, general, alpha, block, neu1e, grad,
              negative, noise, state, sigmoid, log_sigmoid) -> tuple:
    """One skip-gram window: the context rows ``syn0[ctx[:n_ctx]]`` against the output rows
    ``syn1[targets[:n_t]]`` (the centre word first).

    An ordinary window (``general`` False: at most ``block`` context rows and targets, no target
    twice) is one tile, all its context words sharing one draw of noise words (Ji et al. 2016).
    Otherwise (``general`` True) context rows go in blocks of at most ``block``, targets in runs
    of at most ``block`` with no row twice (a noise word drawn again is scored in the next run,
    against its updated row), every tile scored against the rows as the previous one left them;
    with ``negative > 0`` every block after the first draws fresh noise words for the centre word
    ``targets[0]``, so a wide window is not trained against one small set of noise words over and
    over. The driver passes ``general`` as a literal, so numba compiles the ordinary case alone.
    Returns ``(loss, check, predictions, state)``.
    """
    if not general:
        loss, check = sg_tile(syn0, syn1, ctx, 0, n_ctx, targets, labels, 0, n_t, alpha, neu1e,
                              grad, sigmoid, log_sigmoid)
        return loss, check, n_ctx * n_t, state
    loss = 0.0
    check = 0.0
    predictions = 0
    first = 0
    while first < n_ctx:
        last = min(first + block, n_ctx)
        if first > 0 and negative > 0:
            state, n_t, _ = draw_negatives(state, targets[0], negative, noise, targets, labels,
                                           syn1)
        t0 = 0
        while t0 < n_t:
            t1 = distinct_run(targets, t0, min(t0 + block, n_t))
            part, seen = sg_tile(syn0, syn1, ctx, first, last, targets, labels, t0, t1, alpha,
                                 neu1e, grad, sigmoid, log_sigmoid)
            loss += part
            check += seen
            t0 = t1
        predictions += (last - first) * n_t
        first = last
    return loss, check, predictions, state
