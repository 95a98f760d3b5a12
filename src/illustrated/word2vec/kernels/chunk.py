"""The driver of the kernels: one chunk of sentences, sentence by sentence, word by word.

For every sentence: drop unknown words and subsample frequent ones; for every word: take the noise
words drawn for it one step ahead (and draw the next word's), gather its context window, scale the
learning rate of a window wider than the context budget, and train the window with hierarchical
softmax and/or negative sampling (:func:`.skipgram.sg_window`, :func:`.cbow.cbow_window`).
"""

from __future__ import annotations

import numba
import numpy as np

from .cbow import cbow_window
from .compiled import JIT, LEAF, prefetch_row
from .loading import load_lean
from .sampling import below, draw_negatives, lcg, reuse_negatives, uniform
from .skipgram import sg_window
from .tiles import MAX_TILE, block_size

__all__ = ["train_cbow_chunk", "train_chunk", "train_sg_chunk"]


@numba.njit(inline="always", **JIT)
def _kept_words(ids, start, end, keep, state, sent) -> tuple:
    """Copy ``ids[start:end]`` into ``sent`` without unknown words and with frequent words
    subsampled. Returns ``(state, n_kept)``."""
    n = 0
    for j in range(start, end):
        w = ids[j]
        if w < 0:
            continue
        if keep[w] < 1.0:
            state = lcg(state)
            if uniform(state) >= keep[w]:
                continue
        sent[n] = w
        n += 1
    return state, n


@numba.njit(inline="always", **JIT)
def _rate(alpha, block, n_ctx, budget) -> tuple:
    """``(scale, block)`` for a window of ``n_ctx`` context rows: a window wider than ``budget``
    trains each pair at ``alpha · budget / n_ctx``, so its pairs together weigh ``budget`` pairs,
    and may batch correspondingly more rows per block."""
    if n_ctx <= budget:
        return 1.0, block
    scale = budget / n_ctx
    return scale, block_size(alpha * scale)


@numba.njit(inline="always", **JIT)
def _context(sent, n, i, window, reduce, ctx) -> int:
    """Fill ``ctx`` with the words around ``sent[i]`` (``window − reduce`` each side); returns how
    many."""
    n_ctx = 0
    for j in range(max(0, i - window + reduce), min(n, i + window + 1 - reduce)):
        if j != i:
            ctx[n_ctx] = sent[j]
            n_ctx += 1
    return n_ctx


@numba.njit(inline="always", **JIT)
def _crowded(ctx, n_ctx, block) -> bool:
    """Whether a row occurs more than ``block`` times in ``ctx[:n_ctx]``, where CBOW caps what it
    adds to the row (the general window). While ``n_ctx ≤ 2 · block`` only a row holding most of
    the window can: one pass finds the candidate (Boyer–Moore majority vote), one counts it. A
    wider window counts as crowded."""
    if n_ctx <= block:
        return False
    if n_ctx > 2 * block:
        return True
    candidate = ctx[0]
    votes = 0
    for b in range(n_ctx):
        if votes == 0:
            candidate = ctx[b]
            votes = 1
        elif ctx[b] == candidate:
            votes += 1
        else:
            votes -= 1
    count = 0
    for b in range(n_ctx):
        if ctx[b] == candidate:
            count += 1
    return count > block


@numba.njit(inline="always", **JIT)
def _sentence(sent, n, alpha, state, syn0, syn1neg, syn1, noise, codes, points, code_lens, sg, hs,
              negative, window, shrink, share, budget, scratch, sigmoid, log_sigmoid, loss,
              check) -> tuple:
    """Train the windows of the kept words ``sent[:n]`` at learning rate ``alpha``, adding to the
    running ``loss`` and ``check``; ``scratch`` holds :func:`train_chunk`'s work arrays. Returns
    ``(state, pairs, loss, loss_count, check)``.

    Inlined into :func:`train_chunk` (once per sentence). The work per word is written out here,
    not in further inlined functions: each array routed through one per word measured slower
    (6 % for the noise and context phases, 15-20 % for the window dispatch).
    """
    (ctx, marks, neu1e, grad, h, e, g, targets, labels, next_targets, next_labels, hs_targets,
     hs_labels) = scratch
    block_alpha = block_size(alpha)
    pairs = loss_n = 0
    n_next = n_t = 0
    repeats = next_repeats = False
    if negative > 0 and n > 0:
        state, n_next, next_repeats = draw_negatives(state, sent[0], negative, noise,
                                                     next_targets, next_labels, syn1neg)
    for i in range(n):
        if negative > 0:  # this word's noise was drawn (and prefetched) one step ahead
            n_t = n_next
            repeats = next_repeats
            for k in range(n_t):
                targets[k] = next_targets[k]
                labels[k] = next_labels[k]
            if i + 1 < n:
                if sg or (i + 1) % share == 0:
                    state, n_next, next_repeats = draw_negatives(
                        state, sent[i + 1], negative, noise, next_targets, next_labels, syn1neg)
                else:
                    n_next = reuse_negatives(sent[i + 1], targets, n_t, next_targets,
                                             next_labels, syn1neg)
                    next_repeats = repeats
        if i + window + 1 < n:
            prefetch_row(syn0, sent[i + window + 1])
        reduce = 0
        if shrink:
            state = lcg(state)
            reduce = below(state, window)
        n_ctx = _context(sent, n, i, window, reduce, ctx)
        if n_ctx == 0:
            continue
        scale, block = _rate(alpha, block_alpha, n_ctx, budget)
        rate = np.float32(alpha * scale)
        # each kernel is called with `general` as a literal: numba compiles the ordinary
        # window (the common case) and the general one separately
        if hs:
            word = sent[i]
            n_h = code_lens[word]
            for k in range(n_h):
                hs_targets[k] = points[word, k]
                hs_labels[k] = 1.0 - codes[word, k]
            if sg:  # a path may be longer than a block: always the general window
                part, seen, m, state = sg_window(
                    syn0, syn1, ctx, n_ctx, hs_targets, hs_labels, n_h, True, rate, block,
                    neu1e, grad, 0, noise, state, sigmoid, log_sigmoid)
            elif scale != 1.0 or _crowded(ctx, n_ctx, block):
                part, seen = cbow_window(syn0, syn1, ctx, n_ctx, hs_targets, hs_labels, n_h,
                                         True, alpha, scale, block, marks, h, e, g, sigmoid,
                                         log_sigmoid)
                m = n_h
            else:
                part, seen = cbow_window(syn0, syn1, ctx, n_ctx, hs_targets, hs_labels, n_h,
                                         False, alpha, scale, block, marks, h, e, g, sigmoid,
                                         log_sigmoid)
                m = n_h
            loss += part
            check += seen
            loss_n += m
        if negative > 0:
            if sg:
                if repeats or n_ctx > block or n_t > block:
                    part, seen, m, state = sg_window(
                        syn0, syn1neg, ctx, n_ctx, targets, labels, n_t, True, rate, block,
                        neu1e, grad, negative, noise, state, sigmoid, log_sigmoid)
                else:
                    part, seen, m, state = sg_window(
                        syn0, syn1neg, ctx, n_ctx, targets, labels, n_t, False, rate, block,
                        neu1e, grad, negative, noise, state, sigmoid, log_sigmoid)
            elif repeats or scale != 1.0 or _crowded(ctx, n_ctx, block):
                part, seen = cbow_window(syn0, syn1neg, ctx, n_ctx, targets, labels, n_t,
                                         True, alpha, scale, block, marks, h, e, g, sigmoid,
                                         log_sigmoid)
                m = n_t
            else:
                part, seen = cbow_window(syn0, syn1neg, ctx, n_ctx, targets, labels, n_t,
                                         False, alpha, scale, block, marks, h, e, g, sigmoid,
                                         log_sigmoid)
                m = n_t
            loss += part
            check += seen
            loss_n += m
        pairs += n_ctx if sg else 1
    return state, pairs, loss, loss_n, check


@numba.njit(**JIT)
def train_chunk(ids, offsets, syn0, syn1neg, syn1, keep, noise, codes, points,
                code_lens, sg, hs, negative, window, shrink, share, budget, alpha_start, alpha_end,
                seed, sigmoid, log_sigmoid) -> tuple:
    """Train on one chunk of sentences; the driver of :func:`sg_window` / :func:`cbow_window`.

    This one compiles every mode, chosen by ``sg`` at run time; :func:`train_sg_chunk` and
    :func:`train_cbow_chunk` take the same arguments but compile one mode each, so a run loads
    only the machine code it uses.

    Args:
        ids: int32 ``[n_tokens]``, the chunk's token ids, ``-1`` for unknown tokens.
        offsets: int64 ``[n_sentences + 1]``, sentence ``s`` is ``ids[offsets[s]:offsets[s+1]]``.
        syn0, syn1neg, syn1: float32 weights (``syn1neg``/``syn1`` may be ``[0, dim]`` when unused).
        keep: float32 ``[vocab]``, probability of keeping each word (frequent-word subsampling).
        noise: uint32 ``[vocab, 2]``, the noise distribution's packed alias table.
        codes, points: uint8/int32 ``[vocab, max_code]`` Huffman codes and inner-node ids;
            ``code_lens`` int32 ``[vocab]``.
        sg, hs, shrink: flags; negative, window: ints.
        share: CBOW only, this many windows in a row train against one draw of noise words
            (the centre word of each is its own positive; 1 = a fresh draw per window).
        budget: a window with more context rows than this trains each pair at
            ``alpha · budget / n_ctx``, so its pairs together weigh ``budget`` pairs.
        alpha_start, alpha_end: learning rate at the chunk's first and last token (linear).
        seed: uint64 state of the random generator for this chunk.

    Returns:
        ``(words, pairs, loss_sum, loss_count, check)``: words kept after subsampling, (centre,
        context) pairs trained (CBOW: windows), the summed loss over ``loss_count`` predictions,
        and the sum of every score computed — not finite as soon as any trained row is not, so the
        driver can stop a run that diverged after one chunk instead of saving garbage.
    """
    return _chunk(ids, offsets, syn0, syn1neg, syn1, keep, noise, codes, points, code_lens, sg,
                  hs, negative, window, shrink, share, budget, alpha_start, alpha_end, seed,
                  sigmoid, log_sigmoid)


@numba.njit(**JIT)
def train_sg_chunk(ids, offsets, syn0, syn1neg, syn1, keep, noise, codes, points, code_lens, sg,
                   hs, negative, window, shrink, share, budget, alpha_start, alpha_end, seed,
                   sigmoid, log_sigmoid) -> tuple:
    """:func:`train_chunk` compiled for skip-gram alone (``sg`` is ignored)."""
    return _chunk(ids, offsets, syn0, syn1neg, syn1, keep, noise, codes, points, code_lens, True,
                  hs, negative, window, shrink, share, budget, alpha_start, alpha_end, seed,
                  sigmoid, log_sigmoid)


@numba.njit(**JIT)
def train_cbow_chunk(ids, offsets, syn0, syn1neg, syn1, keep, noise, codes, points, code_lens, sg,
                     hs, negative, window, shrink, share, budget, alpha_start, alpha_end, seed,
                     sigmoid, log_sigmoid) -> tuple:
    """:func:`train_chunk` compiled for CBOW alone (``sg`` is ignored)."""
    return _chunk(ids, offsets, syn0, syn1neg, syn1, keep, noise, codes, points, code_lens, False,
                  hs, negative, window, shrink, share, budget, alpha_start, alpha_end, seed,
                  sigmoid, log_sigmoid)


@numba.njit(inline="always", **JIT)
def _chunk(ids, offsets, syn0, syn1neg, syn1, keep, noise, codes, points, code_lens, sg, hs,
           negative, window, shrink, share, budget, alpha_start, alpha_end, seed, sigmoid,
           log_sigmoid) -> tuple:
    """:func:`train_chunk`'s scratch arrays, then its sentences (``sg`` may be a constant)."""
    dim = syn0.shape[1]
    n_tokens = ids.shape[0]
    n_out = max(negative + 1, codes.shape[1], 1)
    max_rows = min(MAX_TILE, 2 * window)
    state = np.uint64(seed)
    for _ in range(3):
        state = lcg(state)
    sent = np.empty(max(n_tokens, 1), dtype=np.int32)
    ctx = np.empty(2 * window, dtype=np.int32)
    marks = np.zeros(1 if sg else syn0.shape[0], dtype=np.int32)  # CBOW's repeated context rows
    neu1e = np.empty((max_rows, dim), dtype=np.float32)
    grad = np.empty((max_rows, n_out), dtype=np.float32)
    h = np.empty(dim, dtype=np.float32)
    e = np.empty(dim, dtype=np.float32)  # CBOW's error (not neu1e[0]: a view costs refcounting)
    g = np.empty(n_out, dtype=np.float32)
    targets, labels = np.empty(n_out, dtype=np.int32), np.empty(n_out, dtype=np.float32)
    next_targets, next_labels = np.empty(n_out, dtype=np.int32), np.empty(n_out, dtype=np.float32)
    hs_targets, hs_labels = np.empty(n_out, dtype=np.int32), np.empty(n_out, dtype=np.float32)
    scratch = (ctx, marks, neu1e, grad, h, e, g, targets, labels, next_targets, next_labels,
               hs_targets, hs_labels)
    return _sentences(ids, offsets, syn0, syn1neg, syn1, keep, noise, codes, points, code_lens, sg,
                      hs, negative, window, shrink, share, budget, alpha_start, alpha_end, state,
                      sent, scratch, sigmoid, log_sigmoid)


@numba.njit(**LEAF)
def _sentences(ids, offsets, syn0, syn1neg, syn1, keep, noise, codes, points, code_lens, sg, hs,
               negative, window, shrink, share, budget, alpha_start, alpha_end, state, sent,
               scratch, sigmoid, log_sigmoid) -> tuple:
    """The sentences of :func:`train_chunk`, given its scratch arrays: compiled without
    reference counting, so the arrays handed to the inlined helpers cost nothing per word."""
    n_tokens = ids.shape[0]
    words = pairs = loss_n = 0
    loss = check = 0.0
    for s in range(offsets.shape[0] - 1):
        start, end = offsets[s], offsets[s + 1]
        alpha = np.float32(alpha_start + (alpha_end - alpha_start) * (start / max(n_tokens, 1)))
        state, n = _kept_words(ids, start, end, keep, state, sent)
        words += n
        state, p, loss, m, check = _sentence(sent, n, alpha, state, syn0, syn1neg, syn1, noise,
                                             codes, points, code_lens, sg, hs, negative, window,
                                             shrink, share, budget, scratch, sigmoid,
                                             log_sigmoid, loss, check)
        pairs += p
        loss_n += m
    return words, pairs, loss, loss_n, check


load_lean(train_chunk, train_sg_chunk, train_cbow_chunk)
