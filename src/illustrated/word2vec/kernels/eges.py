"""EGES: skip-gram whose input vectors are learned mixes of an item's own row and its attributes.

Wang et al. (KDD 2018, *Billion-scale Commodity Embedding for E-commerce Recommendation*): an
item's input vector is ``H = Σ_s w_s · W_s`` over its slots ``s`` — slot 0 its own row of
``syn0``, the others the rows of ``attr`` for each of its attribute values — with weights
``w = softmax(a)`` from per-item logits ``a`` that are learned with the vectors. The output side
is the item's own row of ``syn1neg``, as in plain skip-gram.

For a context row with mixed vector ``H``, the usual gradient ``e = Σ_t g_t · Y_t`` (already
scaled by the learning rate) reaches every slot: ``W_s += w_s · e``, and the logits
``a_s += w_s · (W_s − H) · e`` (the softmax's derivative). Since ``Σ_s w_s² ≤ 1``, a step moves
``H`` by no more than plain skip-gram moves its row, so the damping of :func:`.scores.damped`
bounds it as it bounds the plain kernel, and the tiles of :mod:`.tiles` bound the summed updates
of an attribute row shared by many items of one block as they bound an output row's. Logits are
kept in ``[−LOGIT_LIMIT, LOGIT_LIMIT]``.

Negatives may be drawn partly from the centre item's *market* (Grbovic & Cheng, KDD 2018):
``in_market`` of the ``negative`` noise items come from the centre item's market by the noise
distribution restricted to it (one packed alias table per market), so the vectors learn the
differences inside a market rather than between markets.

Arrays (all C-contiguous): ``syn0`` float32 ``[n, dim]`` item rows, ``attr`` float32
``[n_values, dim]`` attribute rows, ``indptr`` int64 ``[n + 1]`` and ``indices`` int32 ``[nnz]``
each item's attribute rows (CSR), ``id_logit`` float32 ``[n]`` and ``val_logit`` float32
``[nnz]`` the logits (parallel to the slots), ``syn1`` float32 ``[n, dim]`` output rows.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from .compiled import JIT
from .sampling import alias_draw, below, lcg
from .scores import damped, pair, sq, tail
from .tiles import distinct_run

__all__ = ["LOGIT_LIMIT", "mix", "eges_tile", "eges_window", "draw_targets"]

#: Largest magnitude of a slot's logit (the softmax is computed stably whatever it is).
LOGIT_LIMIT = 20.0

_SHIFT = np.uint64(16)
_MASK32 = np.uint64(0xFFFFFFFF)


@numba.njit(inline="always", **JIT)
def mix(syn0, attr, indptr, indices, id_logit, val_logit, c, hbuf, wbuf, b) -> None:
    """``hbuf[b] = H`` of item ``c`` and ``wbuf[b, :slots]`` its slot weights (softmax of its
    logits, computed relative to the largest so no exponential overflows)."""
    dim = syn0.shape[1]
    a0, a1 = indptr[c], indptr[c + 1]
    top = id_logit[c]
    for j in range(a0, a1):
        if val_logit[j] > top:
            top = val_logit[j]
    w0 = math.exp(id_logit[c] - top)
    total = w0
    for j in range(a0, a1):
        x = math.exp(val_logit[j] - top)
        wbuf[b, 1 + j - a0] = x
        total += x
    inv = 1.0 / total
    wbuf[b, 0] = w0 * inv
    for j in range(a0, a1):
        wbuf[b, 1 + j - a0] *= inv
    ws = wbuf[b, 0]
    for d in range(dim):
        hbuf[b, d] = ws * syn0[c, d]
    for j in range(a0, a1):
        r = indices[j]
        ws = wbuf[b, 1 + j - a0]
        for d in range(dim):
            hbuf[b, d] += ws * attr[r, d]


@numba.njit(inline="always", **JIT)
def _clip(x) -> float:
    return min(max(x, -LOGIT_LIMIT), LOGIT_LIMIT)


@numba.njit(inline="always", **JIT)
def spread(syn0, attr, indptr, indices, id_logit, val_logit, c, hbuf, wbuf, neu1e, b) -> None:
    """Hand the error ``neu1e[b]`` of item ``c``'s mixed vector ``hbuf[b]`` to its slots: the
    logits by ``w_s · (W_s − H) · e`` (from the rows before their update), then the rows by
    ``w_s · e``."""
    dim = syn0.shape[1]
    a0, a1 = indptr[c], indptr[c + 1]
    if a1 == a0:  # no attributes: the item's own row is its input vector, weight 1
        for d in range(dim):
            syn0[c, d] += neu1e[b, d]
        return
    g = np.float32(0.0)
    for d in range(dim):
        g += (syn0[c, d] - hbuf[b, d]) * neu1e[b, d]
    id_logit[c] = _clip(id_logit[c] + wbuf[b, 0] * g)
    for j in range(a0, a1):
        r = indices[j]
        g = np.float32(0.0)
        for d in range(dim):
            g += (attr[r, d] - hbuf[b, d]) * neu1e[b, d]
        val_logit[j] = _clip(val_logit[j] + wbuf[b, 1 + j - a0] * g)
    ws = wbuf[b, 0]
    for d in range(dim):
        syn0[c, d] += ws * neu1e[b, d]
    for j in range(a0, a1):
        r = indices[j]
        ws = wbuf[b, 1 + j - a0]
        for d in range(dim):
            attr[r, d] += ws * neu1e[b, d]


@numba.njit(**JIT)
def eges_tile(syn0, attr, indptr, indices, id_logit, val_logit, syn1, ctx, first, last, targets,
              labels, t0, t1, alpha, hbuf, wbuf, neu1e, grad, sigmoid, log_sigmoid) -> tuple:
    """Train the mixed vectors of the items ``ctx[first:last]`` against the distinct output rows
    ``syn1[targets[t0:t1]]``, as :func:`.skipgram.sg_tile` trains plain rows: scores
    ``S = H Yᵀ``, gradients ``G = (labels − σ(S)) · alpha`` (damped when saturated),
    ``Y += Gᵀ H`` and each item's error ``G Y`` handed to its slots. ``hbuf``/``neu1e`` float32
    ``[≥rows, dim]``, ``wbuf`` float32 ``[≥rows, ≥max slots]``, ``grad`` float32
    ``[≥rows, ≥t1 − t0]`` are scratch. Returns ``(loss, check)`` as ``sg_tile`` does."""
    dim = syn0.shape[1]
    rows = last - first
    loss = 0.0
    check = 0.0
    for b in range(rows):
        mix(syn0, attr, indptr, indices, id_logit, val_logit, ctx[first + b], hbuf, wbuf, b)
    for b in range(rows):
        hh = np.float32(0.0)
        for d in range(dim):
            hh += hbuf[b, d] * hbuf[b, d]
        for k in range(t0, t1):
            t = targets[k]
            f = np.float32(0.0)
            for d in range(dim):
                f += hbuf[b, d] * syn1[t, d]
            if k == t0:
                check += f
            g, pair_loss, saturated = pair(f, labels[k], alpha, sigmoid, log_sigmoid)
            if saturated:
                pair_loss += tail(f, labels[k])
                g = damped(g, alpha, hh + sq(syn1, t))
            grad[b, k - t0] = g
            loss += pair_loss
    for b in range(rows):  # each item's error from the output rows before their update
        for d in range(dim):
            neu1e[b, d] = 0.0
        for k in range(t0, t1):
            g = grad[b, k - t0]
            t = targets[k]
            for d in range(dim):
                neu1e[b, d] += g * syn1[t, d]
    for k in range(t0, t1):
        t = targets[k]
        for b in range(rows):
            g = grad[b, k - t0]
            for d in range(dim):
                syn1[t, d] += g * hbuf[b, d]
    for b in range(rows):
        spread(syn0, attr, indptr, indices, id_logit, val_logit, ctx[first + b], hbuf, wbuf,
               neu1e, b)
    return loss, check


@numba.njit(inline="always", **JIT)
def draw_targets(state, word, negative, in_market, noise, market_of, market_ptr, market_items,
                 market_noise, targets, labels) -> tuple:
    """Fill ``targets``/``labels`` with ``word`` (label 1) and ``negative`` noise items (label 0,
    ``word`` itself skipped): the first ``in_market`` from ``word``'s market when it has one of
    at least two items, the rest from the whole noise distribution. Returns
    ``(state, n_targets)``."""
    targets[0] = word
    labels[0] = 1.0
    n_t = 1
    local = 0
    start = size = 0
    if in_market > 0 and market_of.shape[0] > 0:
        m = market_of[word]
        if m >= 0:
            start = market_ptr[m]
            size = market_ptr[m + 1] - start
            if size > 1:
                local = in_market
    for k in range(negative):
        if k < local:
            state = lcg(state)
            i = below(state, size)
            state = lcg(state)
            if ((state >> _SHIFT) & _MASK32) >= market_noise[start + i, 0]:
                i = int(market_noise[start + i, 1])
            t = market_items[start + i]
        else:
            state, t = alias_draw(state, noise)
        if t != word:
            targets[n_t] = t
            labels[n_t] = 0.0
            n_t += 1
    return state, n_t


@numba.njit(**JIT)
def eges_window(syn0, attr, indptr, indices, id_logit, val_logit, syn1, ctx, n_ctx, targets,
                labels, n_t, alpha, block, hbuf, wbuf, neu1e, grad, negative, in_market, noise,
                market_of, market_ptr, market_items, market_noise, state, sigmoid,
                log_sigmoid) -> tuple:
    """One window: the mixed vectors of ``ctx[:n_ctx]`` against ``targets[:n_t]`` (the centre
    item first), in blocks of at most ``block`` context items and runs of at most ``block``
    distinct targets, as :func:`.skipgram.sg_window`'s general path trains them; each block after
    the first draws fresh noise items for the centre item (``negative > 0``). Returns
    ``(loss, check, predictions, state)``."""
    loss = 0.0
    check = 0.0
    predictions = 0
    first = 0
    while first < n_ctx:
        last = min(first + block, n_ctx)
        if first > 0 and negative > 0:
            state, n_t = draw_targets(state, targets[0], negative, in_market, noise, market_of,
                                      market_ptr, market_items, market_noise, targets, labels)
        t0 = 0
        while t0 < n_t:
            t1 = distinct_run(targets, t0, min(t0 + block, n_t))
            part, seen = eges_tile(syn0, attr, indptr, indices, id_logit, val_logit, syn1, ctx,
                                   first, last, targets, labels, t0, t1, alpha, hbuf, wbuf,
                                   neu1e, grad, sigmoid, log_sigmoid)
            loss += part
            check += seen
            t0 = t1
        predictions += (last - first) * n_t
        first = last
    return loss, check, predictions, state
