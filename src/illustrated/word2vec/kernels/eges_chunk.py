"""The driver of the EGES kernel: one chunk of sessions, with global contexts and market negatives.

Used only when a model has side information (attributes, conversions or markets); the plain
:func:`.chunk.train_chunk` is untouched by it. Skip-gram with negative sampling: for every kept
item of a session, its window's items (their mixed vectors, :mod:`.eges`) are trained against it
and its noise items, a share of them from its market. A session's *global contexts* — the items
it converted to (Grbovic & Cheng, KDD 2018: the booked listing) — follow its items in ``ids`` as
markers ``−2 − id``: every item of the session is trained against each of them as a positive,
whatever the window, and each of them against every item of the session (the pair both ways, as
a window trains it: the goal's own vector, which a recommender searches, moves too; on the
generated booking log of ``bench/recommend_context.py`` the goal's side alone gave most of the
gain, the session's side alone none).
"""

from __future__ import annotations

import numba
import numpy as np

from .chunk import _context, _rate
from .compiled import JIT
from .eges import draw_targets, eges_window
from .sampling import below, lcg, uniform
from .tiles import MAX_TILE, block_size

__all__ = ["train_eges_chunk", "goal_marker"]


def goal_marker(item: int) -> int:
    """The id that marks ``item`` (a vocabulary row) as a global context of its session."""
    return -2 - int(item)


@numba.njit(inline="always", **JIT)
def _kept(ids, start, end, keep, state, sent, goals) -> tuple:
    """Copy the known items of ``ids[start:end]`` into ``sent`` (subsampled) and its global
    contexts into ``goals``. Returns ``(state, n_kept, n_goals)``."""
    n = 0
    n_g = 0
    for j in range(start, end):
        w = ids[j]
        if w < 0:
            if w <= -2:
                goals[n_g] = -2 - w
                n_g += 1
            continue
        if keep[w] < 1.0:
            state = lcg(state)
            if uniform(state) >= keep[w]:
                continue
        sent[n] = w
        n += 1
    return state, n, n_g


@numba.njit(**JIT)
def train_eges_chunk(ids, offsets, syn0, syn1neg, attr, indptr, indices, id_logit, val_logit,
                     keep, noise, market_of, market_ptr, market_items, market_noise, negative,
                     in_market, window, shrink, budget, alpha_start, alpha_end, seed, sigmoid,
                     log_sigmoid) -> tuple:
    """Train on one chunk of sessions with side information (skip-gram, negative sampling).

    Args:
        ids: int32 ``[n_tokens]``: item rows, ``-1`` for unknown items, ``−2 − g`` for a global
            context ``g`` of the session it ends (:func:`goal_marker`).
        offsets: int64 ``[n_sessions + 1]``: session ``s`` is ``ids[offsets[s]:offsets[s+1]]``.
        syn0, syn1neg, attr, indptr, indices, id_logit, val_logit: the weights (:mod:`.eges`).
        keep: float32 ``[n]`` subsampling; noise: uint32 ``[n, 2]`` the packed alias table.
        market_of: int32 ``[n]`` each item's market (``-1``: none; ``[0]`` without markets);
            market_ptr: int64 ``[n_markets + 1]`` and market_items: int32 ``[m]`` the items of
            each market; market_noise: uint32 ``[m, 2]`` each market's alias table (local).
        negative: noise items per centre item; in_market: how many of them from its market.
        window, shrink, budget: as :func:`.chunk.train_chunk`.
        alpha_start, alpha_end, seed: the chunk's learning-rate range and random state.

    Returns ``(words, pairs, loss_sum, loss_count, check)`` as :func:`.chunk.train_chunk` does
    (pairs counts global-context pairs too).
    """
    dim = syn0.shape[1]
    n_tokens = ids.shape[0]
    slots = 1
    for c in range(indptr.shape[0] - 1):
        slots = max(slots, 1 + indptr[c + 1] - indptr[c])
    state = np.uint64(seed)
    for _ in range(3):
        state = lcg(state)
    n_out = max(negative + 1, 1)
    sent = np.empty(max(n_tokens, 1), dtype=np.int32)
    ctx = np.empty(max(2 * window, n_tokens, 1), dtype=np.int32)
    hbuf = np.empty((MAX_TILE, dim), dtype=np.float32)
    neu1e = np.empty((MAX_TILE, dim), dtype=np.float32)
    wbuf = np.empty((MAX_TILE, slots), dtype=np.float32)
    grad = np.empty((MAX_TILE, n_out), dtype=np.float32)
    targets, labels = np.empty(n_out, dtype=np.int32), np.empty(n_out, dtype=np.float32)
    goals = np.empty(max(n_tokens, 1), dtype=np.int32)
    one = np.empty(1, dtype=np.int32)
    ones = np.ones(max(n_tokens, 1), dtype=np.float32)
    grad_goal = np.empty((1, MAX_TILE), dtype=np.float32)
    words = pairs = loss_n = 0
    loss = check = 0.0
    for s in range(offsets.shape[0] - 1):
        start, end = offsets[s], offsets[s + 1]
        alpha = np.float32(alpha_start + (alpha_end - alpha_start) * (start / max(n_tokens, 1)))
        state, n, n_goals = _kept(ids, start, end, keep, state, sent, goals)
        words += n
        block_alpha = block_size(alpha)
        for i in range(n):
            reduce = 0
            if shrink:
                state = lcg(state)
                reduce = below(state, window)
            n_ctx = _context(sent, n, i, window, reduce, ctx)
            if n_ctx == 0:
                continue
            scale, block = _rate(alpha, block_alpha, n_ctx, budget)
            state, n_t = draw_targets(state, sent[i], negative, in_market, noise, market_of,
                                      market_ptr, market_items, market_noise, targets, labels)
            part, seen, m, state = eges_window(
                syn0, attr, indptr, indices, id_logit, val_logit, syn1neg, ctx, n_ctx, targets,
                labels, n_t, np.float32(alpha * scale), block, hbuf, wbuf, neu1e, grad, negative,
                in_market, noise, market_of, market_ptr, market_items, market_noise, state,
                sigmoid, log_sigmoid)
            loss += part
            check += seen
            loss_n += m
            pairs += n_ctx
        for g in range(n_goals):
            goal = goals[g]
            repeated = False
            for h in range(g):
                repeated |= goals[h] == goal
            n_ctx = 0
            for j in range(n):
                if sent[j] != goal:
                    ctx[n_ctx] = sent[j]
                    n_ctx += 1
            if repeated or n_ctx == 0:
                continue
            targets[0] = goal
            labels[0] = 1.0
            part, seen, m, state = eges_window(
                syn0, attr, indptr, indices, id_logit, val_logit, syn1neg, ctx, n_ctx, targets,
                labels, 1, alpha, block_alpha, hbuf, wbuf, neu1e, grad, 0, 0, noise, market_of,
                market_ptr, market_items, market_noise, state, sigmoid, log_sigmoid)
            loss += part
            check += seen
            loss_n += m
            pairs += n_ctx
            one[0] = goal   # and the goal's own vector against its session's items
            part, seen, m, state = eges_window(
                syn0, attr, indptr, indices, id_logit, val_logit, syn1neg, one, 1, ctx, ones,
                n_ctx, alpha, block_alpha, hbuf, wbuf, neu1e, grad_goal, 0, 0, noise, market_of,
                market_ptr, market_items, market_noise, state, sigmoid, log_sigmoid)
            loss += part
            check += seen
            loss_n += m
            pairs += n_ctx
    return words, pairs, loss, loss_n, check
