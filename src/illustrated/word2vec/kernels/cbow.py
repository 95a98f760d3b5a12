"""CBOW: the mean of a window's context rows predicts its targets, and its error returns to them.

An ordinary window trains as the C tool and gensim (``cbow_mean=1``) train it; a wide window, a
repeated context row or a noise word drawn twice takes the general path, bounded as :mod:`.tiles`
explains.
"""

from __future__ import annotations

import numba
import numpy as np

from .compiled import JIT, LEAF
from .scores import damped, pair, sq, tail
from .tiles import distinct_run

__all__ = ["cbow_window"]


@numba.njit(inline="always", **JIT)
def _cbow_targets(syn1, targets, labels, t0, t1, alpha, h, neu1e, g, sigmoid,
                  log_sigmoid) -> tuple:
    """Score the distinct targets ``targets[t0:t1]`` against ``h``, then update them, adding
    their error to ``neu1e``. Returns ``(loss, check)``."""
    dim = syn1.shape[1]
    loss = 0.0
    check = 0.0
    for k in range(t0, t1):  # all scores first: independent dot products overlap in the CPU
        t = targets[k]
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * syn1[t, d]
        if k == t0:
            check += f
        gk, pair_loss, saturated = pair(f, labels[k], alpha, sigmoid, log_sigmoid)
        if saturated:
            pair_loss += tail(f, labels[k])
            hh = np.float32(0.0)
            for d in range(dim):
                hh += h[d] * h[d]
            gk = damped(gk, alpha, hh + sq(syn1, t))
        g[k] = gk
        loss += pair_loss
    for k in range(t0, t1):
        t = targets[k]
        gk = g[k]
        for d in range(dim):  # error from the old output row, then the row's update
            w = syn1[t, d]
            neu1e[d] += gk * w
            syn1[t, d] = w + gk * h[d]
    return loss, check


@numba.njit(**LEAF)
def cbow_window(syn0, syn1, ctx, n_ctx, targets, labels, n_targets, general, alpha, scale, block,
                marks, h, neu1e, g, sigmoid, log_sigmoid) -> tuple:
    """One CBOW step: the mean ``h`` of the context rows predicts the target rows.

    As in the C tool and gensim (``cbow_mean=1``): ``Y[k] += g_k · h`` for each target, and the
    summed error ``Σ g_k · Y[k]`` (from the rows before their update) is added to every context
    row; distinct targets are all scored before any is updated. An ordinary window (``general``
    False, passed as a literal) trains exactly so. Otherwise a noise word drawn again is scored in
    the next run against its updated row, as the C tool scores it, and the error reaches each
    context row multiplied by ``scale`` (below 1 when the window is wider than the context
    budget) and at most ``block`` times however often the row repeats in the window. ``marks``
    int32 ``[len(syn0)]`` is zeroed scratch (for ``general`` only), ``h``/``neu1e`` float32
    ``[dim]`` and ``g`` float32 ``[≥n_targets]`` scratch. Returns ``(loss, check)`` as
    :func:`sg_tile` does, ``check`` also covering ``h``.
    """
    dim = syn0.shape[1]
    inv = np.float32(1.0 / n_ctx)
    first = ctx[0]
    for d in range(dim):
        h[d] = syn0[first, d]
        neu1e[d] = 0.0
    for b in range(1, n_ctx):
        c = ctx[b]
        for d in range(dim):
            h[d] += syn0[c, d]
    for d in range(dim):
        h[d] *= inv
    if general:
        loss, check = _cbow_runs(syn1, targets, labels, n_targets, alpha, h, neu1e, g, sigmoid,
                                 log_sigmoid)
        _spread_error(syn0, ctx, n_ctx, neu1e, scale, block, marks)
    else:
        loss, check = _cbow_targets(syn1, targets, labels, 0, n_targets, alpha, h, neu1e, g,
                                    sigmoid, log_sigmoid)
        for b in range(n_ctx):
            c = ctx[b]
            for d in range(dim):
                syn0[c, d] += neu1e[d]
    return loss, check + h[0]


@numba.njit(**LEAF)
def _cbow_runs(syn1, targets, labels, n_targets, alpha, h, neu1e, g, sigmoid,
               log_sigmoid) -> tuple:
    """:func:`_cbow_targets` over the runs of ``targets`` in which no row occurs twice."""
    loss = 0.0
    check = 0.0
    t0 = 0
    while t0 < n_targets:
        t1 = distinct_run(targets, t0, n_targets)
        part, seen = _cbow_targets(syn1, targets, labels, t0, t1, alpha, h, neu1e, g, sigmoid,
                                   log_sigmoid)
        loss += part
        check += seen
        t0 = t1
    return loss, check


@numba.njit(**LEAF)
def _spread_error(syn0, ctx, n_ctx, neu1e, scale, block, marks) -> None:
    """Add ``scale · neu1e`` to the context rows, at most ``block`` times to a repeated row."""
    dim = syn0.shape[1]
    for d in range(dim):
        neu1e[d] *= scale
    if n_ctx <= block:  # no row can repeat more often than the cap
        for b in range(n_ctx):
            c = ctx[b]
            for d in range(dim):
                syn0[c, d] += neu1e[d]
        return
    for b in range(n_ctx):
        c = ctx[b]
        marks[c] += 1
        if marks[c] <= block:
            for d in range(dim):
                syn0[c, d] += neu1e[d]
    for b in range(n_ctx):
        marks[ctx[b]] = 0

