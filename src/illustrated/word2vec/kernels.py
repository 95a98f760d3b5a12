"""The compiled inner loop of word2vec: arrays and scalars in, updated weights out.

Nothing here knows about models, vocabularies or files, so each piece can be tested alone against
the NumPy reference in the tests. Every function is compiled with numba in ``nogil`` mode, so
several Python threads can run :func:`train_chunk` on different chunks of sentences at once and
update the shared weight matrices without locks (Hogwild, as the C tool does).

Speed comes from three choices:

* **Shared negatives per window** (Ji et al. 2016, *Parallelizing Word2Vec in Shared and
  Distributed Memory*): a skip-gram centre word and its ``k`` negatives form one small block of
  output rows that the context words of the window are trained against, so the update is a
  pair of small matrix products with the output rows kept in L1 cache, and the noise sampler
  runs once per window instead of once per pair.
* **Cheap randomness**: the C tool's 48-bit linear congruential generator inside the kernel, and
  Walker's alias method for the noise distribution (O(1) per draw, one packed ``uint32`` table
  the size of the vocabulary instead of a 100M-entry table).
* **Tables for the sigmoid and log-sigmoid**, so the loss costs one extra lookup per pair.

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

Array conventions: ``syn0`` (input vectors) and ``syn1`` (output vectors: ``syn1neg`` for negative
sampling, the inner nodes of the Huffman tree for hierarchical softmax) are ``float32 [n, dim]``
and C-contiguous; token ids are ``int32`` with ``-1`` for tokens outside the vocabulary.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

__all__ = ["MAX_EXP", "TABLE_SIZE", "SIGMOID", "LOG_SIGMOID", "BLOCK_RATE", "MAX_TILE",
           "block_size", "train_chunk", "sg_tile", "sg_window", "cbow_window", "distinct_run",
           "alias_draw", "lcg"]

MAX_EXP = 8.0
#: The largest change a damped step may make to its own score.
DAMP = 1.0
TABLE_SIZE = 4096
_X = (np.arange(TABLE_SIZE, dtype=np.float64) + 0.5) / TABLE_SIZE * 2 * MAX_EXP - MAX_EXP
SIGMOID = (1.0 / (1.0 + np.exp(-_X))).astype(np.float32)
LOG_SIGMOID = (-np.log1p(np.exp(-_X))).astype(np.float32)
_SCALE = TABLE_SIZE / (2 * MAX_EXP)
_EDGE = float(-_X[0])  # the table's outermost score: −log σ(−_EDGE) is its last loss entry

#: The most learning rate one row may take, summed, from scores computed at the same point.
BLOCK_RATE = 0.4
#: The most context rows a scratch tile holds (a bound on memory; smaller tiles are always safe).
MAX_TILE = 256

_MUL = np.uint64(25214903917)
_ADD = np.uint64(11)
_SHIFT = np.uint64(16)
_MASK24 = np.uint64(0xFFFFFF)
_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)

JIT = dict(nogil=True, cache=True, fastmath=True, error_model="numpy", boundscheck=False)


@intrinsic
def _prefetch(typingctx, arr, row, col):
    """Hint the CPU to load ``arr[row, col]`` into cache (LLVM ``prefetch``, read, keep)."""
    def codegen(context, builder, sig, args):
        aryty = sig.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        inds = [context.cast(builder, v, t, types.intp) for v, t in zip(args[1:], sig.args[1:])]
        ptr = cgutils.get_item_pointer2(context, builder, data=ary.data,
                                        shape=cgutils.unpack_tuple(builder, ary.shape),
                                        strides=cgutils.unpack_tuple(builder, ary.strides),
                                        layout=aryty.layout, inds=inds)
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0i8")
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()
    return types.void(arr, row, col), codegen


@numba.njit(inline="always", **JIT)
def prefetch_row(arr, row) -> None:
    """Prefetch every cache line of ``arr[row]`` (rows of random words miss the cache)."""
    for col in range(0, arr.shape[1], 16):
        _prefetch(arr, row, col)


# ---- random numbers and noise words -------------------------------------------------------------
@numba.njit(inline="always", **JIT)
def lcg(state: np.uint64) -> np.uint64:
    """The C tool's linear congruential step: ``state * 25214903917 + 11`` mod 2**64."""
    return state * _MUL + _ADD


@numba.njit(inline="always", **JIT)
def _uniform(state: np.uint64) -> float:
    """A float in [0, 1) from 24 high-ish bits of the state."""
    return float((state >> _SHIFT) & _MASK24) / 16777216.0


@numba.njit(inline="always", **JIT)
def _below(state: np.uint64, n: int) -> int:
    """An int in [0, n) from 32 bits of the state, by multiply-shift (no division)."""
    return int((((state >> _SHIFT) & _MASK32) * np.uint64(n)) >> _SHIFT32)


@numba.njit(inline="always", **JIT)
def alias_draw(state: np.uint64, noise: np.ndarray) -> tuple:
    """One draw from Walker's alias table packed as uint32 ``[n, 2]`` rows ``(threshold, alias)``
    (:func:`tables.alias_pack`: both halves of a column in one cache line, one miss per draw).
    Returns ``(new_state, id)``."""
    state = lcg(state)
    i = _below(state, noise.shape[0])
    state = lcg(state)
    if ((state >> _SHIFT) & _MASK32) >= noise[i, 0]:
        i = int(noise[i, 1])
    return state, i


@numba.njit(inline="always", **JIT)
def draw_negatives(state, word, negative, noise, targets, labels, syn1neg):
    """Fill ``targets``/``labels`` with ``word`` (label 1) and ``negative`` noise words (label 0,
    ``word`` itself skipped), prefetching their output rows. Returns ``(state, n_targets,
    repeats)``: ``repeats`` tells whether a noise word was drawn more than once."""
    targets[0] = word
    labels[0] = 1.0
    prefetch_row(syn1neg, word)
    n_t = 1
    repeats = False
    for _ in range(negative):
        state, t = alias_draw(state, noise)
        if t != word:
            for j in range(1, n_t):
                repeats |= targets[j] == t
            targets[n_t] = t
            labels[n_t] = 0.0
            prefetch_row(syn1neg, t)
            n_t += 1
    return state, n_t, repeats


@numba.njit(inline="always", **JIT)
def reuse_negatives(word, targets, n_t, next_targets, next_labels, syn1neg) -> int:
    """Fill ``next_targets``/``next_labels`` with ``word`` (label 1) and the noise words of
    ``targets[1:n_t]`` (those equal to ``word`` dropped). Returns the number of targets."""
    next_targets[0] = word
    next_labels[0] = 1.0
    prefetch_row(syn1neg, word)
    n_next = 1
    for k in range(1, n_t):
        t = targets[k]
        if t != word:
            next_targets[n_next] = t
            next_labels[n_next] = 0.0
            n_next += 1
    return n_next


# ---- one window -----------------------------------------------------------------------------------
@numba.njit(inline="always", **JIT)
def _pair(f, label, alpha, sigmoid, log_sigmoid) -> tuple:
    """Gradient ``(label − σ(f)) · alpha`` (float32) and table loss ``−log σ(±f)`` of one
    prediction, and whether the score is saturated (beyond ±MAX_EXP, where the caller adds the
    rest of the loss with :func:`_tail` and damps the step with :func:`_damped`)."""
    i = int((f + MAX_EXP) * _SCALE)
    saturated = False
    if i < 0:
        i = 0
        saturated = True
    elif i >= TABLE_SIZE:
        i = TABLE_SIZE - 1
        saturated = True
    g = np.float32((label - sigmoid[i]) * alpha)
    loss = -log_sigmoid[i] if label > 0.5 else -log_sigmoid[TABLE_SIZE - 1 - i]
    return g, loss, saturated


@numba.njit(inline="always", **JIT)
def _tail(f, label) -> float:
    """The loss beyond the table's last entry: a wrong-side score costs ``|f|`` (to within e⁻⁸),
    so the reported loss stays the real one however far off a score is."""
    return max(-f - _EDGE if label > 0.5 else f - _EDGE, 0.0)


@numba.njit(inline="always", **JIT)
def _damped(g, alpha, n) -> float:
    """The gradient ``g`` of a saturated pair (score beyond ±MAX_EXP) whose two vectors have
    squared lengths summing to ``n``, scaled so that its step moves the score by at most DAMP.

    A pair's step moves its score by ``g · (‖x‖² + ‖y‖²)``; while the rows are short that is small
    and the step is plain SGD, as it is for every score inside ±MAX_EXP. Once rows are long a
    step of ``alpha`` overshoots to the other side of the sigmoid, the next overshoots back
    further, and the rows grow without bound (plain SGD does this, the C tool included, at high
    ``alpha``, many negatives or a small ``dim``). gensim avoids it by skipping every saturated
    pair, which also stops a pair that is saturated on the wrong side from ever being corrected;
    damping keeps correcting it, by steps that cannot overshoot.
    """
    if alpha * n > DAMP:
        return np.float32(g * (DAMP / (alpha * n)))
    return g


@numba.njit(inline="always", **JIT)
def _sq(a, i) -> float:
    """Squared length of the row ``a[i]``."""
    n = np.float32(0.0)
    for d in range(a.shape[1]):
        n += a[i, d] * a[i, d]
    return n


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


@numba.njit(inline="always", **JIT)
def sg_tile(syn0, syn1, ctx, first, last, targets, labels, t0, t1, alpha, neu1e, grad, sigmoid,
            log_sigmoid) -> tuple:
    """Train the context rows ``syn0[ctx[first:last]]`` against the distinct output rows
    ``syn1[targets[t0:t1]]`` as two small matrix products.

    Scores ``S = X Yᵀ`` for the tile's context rows X ``[last − first, dim]`` and target rows Y
    ``[t1 − t0, dim]``, gradients ``G = (labels − σ(S)) · alpha``, then ``X += G Y`` and
    ``Y += Gᵀ X``, both from the values the scores saw. ``neu1e`` float32 ``[≥last − first, dim]``
    and ``grad`` float32 ``[≥last − first, ≥t1 − t0]`` are scratch. Returns ``(loss, check)``:
    the summed loss ``−log σ(±s)``, and the sum of each context row's score against the first
    target (not finite once one of those rows is not).
    """
    dim = syn0.shape[1]
    rows = last - first
    loss = 0.0
    check = 0.0
    for b in range(rows):  # G = labels − σ(X Yᵀ)
        c = ctx[first + b]
        for k in range(t0, t1):
            t = targets[k]
            f = np.float32(0.0)
            for d in range(dim):
                f += syn0[c, d] * syn1[t, d]
            if k == t0:
                check += f
            g, pair_loss, saturated = _pair(f, labels[k], alpha, sigmoid, log_sigmoid)
            if saturated:
                pair_loss += _tail(f, labels[k])
                g = _damped(g, alpha, _sq(syn0, c) + _sq(syn1, t))
            grad[b, k - t0] = g
            loss += pair_loss
    for b in range(rows):  # ΔX = G Y, with Y still unchanged
        for d in range(dim):
            neu1e[b, d] = 0.0
        for k in range(t0, t1):
            g = grad[b, k - t0]
            t = targets[k]
            for d in range(dim):
                neu1e[b, d] += g * syn1[t, d]
    for k in range(t0, t1):  # Y += Gᵀ X, with X still unchanged
        t = targets[k]
        for b in range(rows):
            g = grad[b, k - t0]
            c = ctx[first + b]
            for d in range(dim):
                syn1[t, d] += g * syn0[c, d]
    for b in range(rows):
        c = ctx[first + b]
        for d in range(dim):
            syn0[c, d] += neu1e[b, d]
    return loss, check


@numba.njit(**JIT)
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
        gk, pair_loss, saturated = _pair(f, labels[k], alpha, sigmoid, log_sigmoid)
        if saturated:
            pair_loss += _tail(f, labels[k])
            hh = np.float32(0.0)
            for d in range(dim):
                hh += h[d] * h[d]
            gk = _damped(gk, alpha, hh + _sq(syn1, t))
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


@numba.njit(**JIT)
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


@numba.njit(**JIT)
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


@numba.njit(**JIT)
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


# ---- one chunk of sentences, phase by phase -------------------------------------------------------
@numba.njit(inline="always", **JIT)
def block_size(alpha: float) -> int:
    """Context rows that may share one evaluation of the scores at learning rate ``alpha``: at
    least 1, at most :data:`MAX_TILE`."""
    return max(1, min(MAX_TILE, int(BLOCK_RATE / max(alpha, 1e-12))))


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
            if _uniform(state) >= keep[w]:
                continue
        sent[n] = w
        n += 1
    return state, n


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
def _rate(alpha, block, n_ctx, budget) -> tuple:
    """``(scale, block)`` for a window of ``n_ctx`` context rows: a window wider than ``budget``
    trains each pair at ``alpha · budget / n_ctx``, so its pairs together weigh ``budget`` pairs,
    and may batch correspondingly more rows per block."""
    if n_ctx <= budget:
        return 1.0, block
    scale = budget / n_ctx
    return scale, block_size(alpha * scale)


@numba.njit(**JIT)
def train_chunk(ids, offsets, syn0, syn1neg, syn1, keep, noise, codes, points,
                code_lens, sg, hs, negative, window, shrink, share, budget, alpha_start, alpha_end,
                seed, sigmoid, log_sigmoid) -> tuple:
    """Train on one chunk of sentences; the driver of :func:`sg_window` / :func:`cbow_window`.

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
    dim = syn0.shape[1]
    n_tokens = ids.shape[0]
    max_code = codes.shape[1]
    n_out = max(negative + 1, max_code, 1)
    block = min(MAX_TILE, 2 * window)
    state = np.uint64(seed)
    for _ in range(3):
        state = lcg(state)
    sent = np.empty(max(n_tokens, 1), dtype=np.int32)
    ctx = np.empty(2 * window, dtype=np.int32)
    marks = np.zeros(1 if sg else syn0.shape[0], dtype=np.int32)  # CBOW's repeated context rows
    neu1e = np.empty((block, dim), dtype=np.float32)
    grad = np.empty((block, n_out), dtype=np.float32)
    h = np.empty(dim, dtype=np.float32)
    e = np.empty(dim, dtype=np.float32)  # CBOW's error (not neu1e[0]: a view costs refcounting)
    g = np.empty(n_out, dtype=np.float32)
    targets = np.empty(n_out, dtype=np.int32)
    labels = np.empty(n_out, dtype=np.float32)
    next_targets = np.empty(n_out, dtype=np.int32)
    next_labels = np.empty(n_out, dtype=np.float32)
    hs_targets = np.empty(n_out, dtype=np.int32)
    hs_labels = np.empty(n_out, dtype=np.float32)
    n_next = 0
    n_t = 0
    repeats = next_repeats = False
    words = 0
    pairs = 0
    loss = 0.0
    loss_n = 0
    check = 0.0
    for s in range(offsets.shape[0] - 1):
        start, end = offsets[s], offsets[s + 1]
        alpha = np.float32(alpha_start + (alpha_end - alpha_start) * (start / max(n_tokens, 1)))
        block_alpha = block_size(alpha)
        state, n = _kept_words(ids, start, end, keep, state, sent)
        words += n
        if negative > 0 and n > 0:
            state, n_next, next_repeats = draw_negatives(state, sent[0], negative, noise,
                                                         next_targets, next_labels, syn1neg)
        for i in range(n):
            word = sent[i]
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
                reduce = _below(state, window)
            n_ctx = _context(sent, n, i, window, reduce, ctx)
            if n_ctx == 0:
                continue
            scale, block = _rate(alpha, block_alpha, n_ctx, budget)
            rate = np.float32(alpha * scale)
            # each kernel is called with `general` as a literal: numba compiles the ordinary
            # window (the common case) and the general one separately
            if hs:
                n_h = code_lens[word]
                for k in range(n_h):
                    hs_targets[k] = points[word, k]
                    hs_labels[k] = 1.0 - codes[word, k]
                if sg:
                    part, seen, m, state = sg_window(
                        syn0, syn1, ctx, n_ctx, hs_targets, hs_labels, n_h, True, rate, block,
                        neu1e, grad, 0, noise, state, sigmoid, log_sigmoid)
                elif scale != 1.0 or n_ctx > block:
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
                elif repeats or scale != 1.0 or n_ctx > block:
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
    return words, pairs, loss, loss_n, check
