"""The compiled inner loop of word2vec: arrays and scalars in, updated weights out.

Nothing here knows about models, vocabularies or files, so each piece can be tested alone against
the NumPy reference in the tests. Every function is compiled with numba in ``nogil`` mode, so
several Python threads can run :func:`train_chunk` on different chunks of sentences at once and
update the shared weight matrices without locks (Hogwild, as the C tool does).

Speed comes from three choices:

* **Shared negatives per window** (Ji et al. 2016, *Parallelizing Word2Vec in Shared and
  Distributed Memory*): a skip-gram centre word and its ``k`` negatives form one small block of
  output rows that every context word of the window is trained against, so the update is a
  pair of small matrix products with the output rows kept in L1 cache, and the noise sampler
  runs once per window instead of once per pair.
* **Cheap randomness**: the C tool's 48-bit linear congruential generator inside the kernel, and
  Walker's alias method for the noise distribution (O(1) per draw, two ``int32``/``float32``
  arrays the size of the vocabulary instead of a 100M-entry table).
* **Tables for the sigmoid and log-sigmoid**, so the loss costs one extra lookup per pair.

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

__all__ = ["MAX_EXP", "TABLE_SIZE", "SIGMOID", "LOG_SIGMOID", "train_chunk", "sg_window",
           "cbow_window", "alias_draw", "lcg"]

MAX_EXP = 8.0
TABLE_SIZE = 4096
_X = (np.arange(TABLE_SIZE, dtype=np.float64) + 0.5) / TABLE_SIZE * 2 * MAX_EXP - MAX_EXP
SIGMOID = (1.0 / (1.0 + np.exp(-_X))).astype(np.float32)
LOG_SIGMOID = (-np.log1p(np.exp(-_X))).astype(np.float32)
_SCALE = TABLE_SIZE / (2 * MAX_EXP)

_MUL = np.uint64(25214903917)
_ADD = np.uint64(11)
_SHIFT = np.uint64(16)
_MASK24 = np.uint64(0xFFFFFF)
_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)

_JIT = dict(nogil=True, cache=True, fastmath=True, error_model="numpy", boundscheck=False)


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


@numba.njit(inline="always", **_JIT)
def prefetch_row(arr, row) -> None:
    """Prefetch every cache line of ``arr[row]`` (rows of random words miss the cache)."""
    for col in range(0, arr.shape[1], 16):
        _prefetch(arr, row, col)


@numba.njit(inline="always", **_JIT)
def draw_negatives(state, word, negative, noise, targets, labels, syn1neg):
    """Fill ``targets``/``labels`` with ``word`` (label 1) and ``negative`` noise words (label 0,
    ``word`` itself skipped), prefetching their output rows. Returns ``(state, n_targets)``."""
    targets[0] = word
    labels[0] = 1.0
    prefetch_row(syn1neg, word)
    n_t = 1
    for _ in range(negative):
        state, t = alias_draw(state, noise)
        if t != word:
            targets[n_t] = t
            labels[n_t] = 0.0
            prefetch_row(syn1neg, t)
            n_t += 1
    return state, n_t


@numba.njit(inline="always", **_JIT)
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


@numba.njit(inline="always", **_JIT)
def lcg(state: np.uint64) -> np.uint64:
    """The C tool's linear congruential step: ``state * 25214903917 + 11`` mod 2**64."""
    return state * _MUL + _ADD


@numba.njit(inline="always", **_JIT)
def _uniform(state: np.uint64) -> float:
    """A float in [0, 1) from 24 high-ish bits of the state."""
    return float((state >> _SHIFT) & _MASK24) / 16777216.0


@numba.njit(inline="always", **_JIT)
def _below(state: np.uint64, n: int) -> int:
    """An int in [0, n) from 32 bits of the state, by multiply-shift (no division)."""
    return int((((state >> _SHIFT) & _MASK32) * np.uint64(n)) >> _SHIFT32)


@numba.njit(inline="always", **_JIT)
def _table_index(f: float) -> int:
    i = int((f + MAX_EXP) * _SCALE)
    if i < 0:
        return 0
    if i >= TABLE_SIZE:
        return TABLE_SIZE - 1
    return i


@numba.njit(inline="always", **_JIT)
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


@numba.njit(**_JIT)
def sg_window(syn0, syn1, ctx, n_ctx, targets, labels, n_targets, alpha, neu1e, grad,
              sigmoid, log_sigmoid) -> float:
    """Train every context row ``syn0[ctx[:n_ctx]]`` against the output rows ``syn1[targets]``.

    One skip-gram window as small matrix products: scores ``S = X Yᵀ`` for the context rows X
    ``[n_ctx, dim]`` and the target rows Y ``[n_targets, dim]``, gradients
    ``G = (labels − σ(S)) · alpha``, then ``X += G Y`` and ``Y += Gᵀ X`` (both from the old values).
    ``neu1e`` float32 ``[≥n_ctx, dim]`` and ``grad`` float32 ``[≥n_ctx, ≥n_targets]`` are scratch.
    Returns the summed loss ``−log σ(±s)`` over the pairs.
    """
    dim = syn0.shape[1]
    loss = 0.0
    for b in range(n_ctx):  # G = labels − σ(X Yᵀ)
        c = ctx[b]
        for k in range(n_targets):
            t = targets[k]
            f = np.float32(0.0)
            for d in range(dim):
                f += syn0[c, d] * syn1[t, d]
            i = _table_index(f)
            label = labels[k]
            grad[b, k] = np.float32((label - sigmoid[i]) * alpha)
            loss -= log_sigmoid[i] if label > 0.5 else log_sigmoid[TABLE_SIZE - 1 - i]
    for b in range(n_ctx):  # ΔX = G Y, with Y still unchanged
        for d in range(dim):
            neu1e[b, d] = 0.0
        for k in range(n_targets):
            g = grad[b, k]
            t = targets[k]
            for d in range(dim):
                neu1e[b, d] += g * syn1[t, d]
    for k in range(n_targets):  # Y += Gᵀ X, with X still unchanged
        t = targets[k]
        for b in range(n_ctx):
            g = grad[b, k]
            c = ctx[b]
            for d in range(dim):
                syn1[t, d] += g * syn0[c, d]
    for b in range(n_ctx):
        c = ctx[b]
        for d in range(dim):
            syn0[c, d] += neu1e[b, d]
    return loss


@numba.njit(**_JIT)
def cbow_window(syn0, syn1, ctx, n_ctx, targets, labels, n_targets, alpha, h, neu1e, g,
                sigmoid, log_sigmoid) -> float:
    """One CBOW step: the mean ``h`` of the context rows predicts the target rows.

    As in the C tool and gensim (``cbow_mean=1``): ``Y[k] += g_k · h`` one target after the other,
    and the summed error ``Σ g_k · Y[k]`` is added to every context row. ``h`` and ``neu1e`` are
    float32 ``[dim]`` and ``g`` float32 ``[≥n_targets]`` scratch space. The scores are all taken
    from the output rows before any of them is updated (the C tool updates row by row; they differ
    only when a noise word is drawn twice in one window). Returns the summed loss over the targets.
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
    loss = 0.0
    for k in range(n_targets):  # all scores first: independent dot products overlap in the CPU
        t = targets[k]
        f = np.float32(0.0)
        for d in range(dim):
            f += h[d] * syn1[t, d]
        i = _table_index(f)
        label = labels[k]
        g[k] = np.float32((label - sigmoid[i]) * alpha)
        loss -= log_sigmoid[i] if label > 0.5 else log_sigmoid[TABLE_SIZE - 1 - i]
    for k in range(n_targets):
        t = targets[k]
        gk = g[k]
        for d in range(dim):  # error from the old output row, then the row's update
            w = syn1[t, d]
            neu1e[d] += gk * w
            syn1[t, d] = w + gk * h[d]
    for b in range(n_ctx):
        c = ctx[b]
        for d in range(dim):
            syn0[c, d] += neu1e[d]
    return loss


@numba.njit(**_JIT)
def train_chunk(ids, offsets, syn0, syn1neg, syn1, keep, noise, codes, points,
                code_lens, sg, hs, negative, window, shrink, share, alpha_start, alpha_end, seed,
                sigmoid, log_sigmoid) -> tuple:
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
        alpha_start, alpha_end: learning rate at the chunk's first and last token (linear).
        seed: uint64 state of the random generator for this chunk.

    Returns:
        ``(words, pairs, loss_sum, loss_count)``: words kept after subsampling, (centre, context)
        pairs trained (CBOW: windows), and the summed loss over ``loss_count`` predictions.
    """
    dim = syn0.shape[1]
    n_tokens = ids.shape[0]
    max_code = codes.shape[1]
    n_out = max(negative + 1, max_code)
    state = np.uint64(seed)
    for _ in range(3):
        state = lcg(state)
    sent = np.empty(max(n_tokens, 1), dtype=np.int32)
    ctx = np.empty(2 * window, dtype=np.int32)
    neu1e = np.empty((2 * window, dim), dtype=np.float32)
    grad = np.empty((2 * window, n_out), dtype=np.float32)
    h = np.empty(dim, dtype=np.float32)
    e = np.empty(dim, dtype=np.float32)  # CBOW's error (not neu1e[0]: a view costs refcounting)
    gk = np.empty(n_out, dtype=np.float32)
    targets = np.empty(n_out, dtype=np.int32)
    labels = np.empty(n_out, dtype=np.float32)
    next_targets = np.empty(n_out, dtype=np.int32)
    next_labels = np.empty(n_out, dtype=np.float32)
    n_next = 0
    n_t = 0
    hs_targets = np.empty(max(max_code, 1), dtype=np.int32)
    hs_labels = np.empty(max(max_code, 1), dtype=np.float32)
    words = 0
    pairs = 0
    loss = 0.0
    loss_n = 0
    for s in range(offsets.shape[0] - 1):
        start, end = offsets[s], offsets[s + 1]
        alpha = np.float32(alpha_start + (alpha_end - alpha_start) * (start / max(n_tokens, 1)))
        n = 0
        for j in range(start, end):  # drop unknown tokens and subsample frequent ones
            w = ids[j]
            if w < 0:
                continue
            if keep[w] < 1.0:
                state = lcg(state)
                if _uniform(state) >= keep[w]:
                    continue
            sent[n] = w
            n += 1
        words += n
        if negative > 0 and n > 0:
            state, n_next = draw_negatives(state, sent[0], negative, noise, next_targets,
                                           next_labels, syn1neg)
        for i in range(n):
            word = sent[i]
            if negative > 0:  # this word's noise was drawn (and prefetched) one step ahead
                n_t = n_next
                for k in range(n_t):
                    targets[k] = next_targets[k]
                    labels[k] = next_labels[k]
                if i + 1 < n:
                    if sg or (i + 1) % share == 0:
                        state, n_next = draw_negatives(state, sent[i + 1], negative, noise,
                                                       next_targets, next_labels, syn1neg)
                    else:
                        n_next = reuse_negatives(sent[i + 1], targets, n_t, next_targets,
                                                 next_labels, syn1neg)
            if i + window + 1 < n:
                prefetch_row(syn0, sent[i + window + 1])
            reduce = 0
            if shrink:
                state = lcg(state)
                reduce = _below(state, window)
            lo = max(0, i - window + reduce)
            hi = min(n, i + window + 1 - reduce)
            n_ctx = 0
            for j in range(lo, hi):
                if j != i:
                    ctx[n_ctx] = sent[j]
                    n_ctx += 1
            if n_ctx == 0:
                continue
            if hs:
                n_h = code_lens[word]
                for k in range(n_h):
                    hs_targets[k] = points[word, k]
                    hs_labels[k] = 1.0 - codes[word, k]
                if sg:
                    loss += sg_window(syn0, syn1, ctx, n_ctx, hs_targets, hs_labels, n_h, alpha,
                                      neu1e, grad, sigmoid, log_sigmoid)
                    loss_n += n_ctx * n_h
                else:
                    loss += cbow_window(syn0, syn1, ctx, n_ctx, hs_targets, hs_labels, n_h,
                                        alpha, h, e, gk, sigmoid, log_sigmoid)
                    loss_n += n_h
            if negative > 0:
                if sg:
                    loss += sg_window(syn0, syn1neg, ctx, n_ctx, targets, labels, n_t, alpha,
                                      neu1e, grad, sigmoid, log_sigmoid)
                    loss_n += n_ctx * n_t
                else:
                    loss += cbow_window(syn0, syn1neg, ctx, n_ctx, targets, labels, n_t, alpha,
                                        h, e, gk, sigmoid, log_sigmoid)
                    loss_n += n_t
            pairs += n_ctx if sg else 1
    return words, pairs, loss, loss_n


# ---- reading: whitespace-separated UTF-8 bytes → token ids, without Python objects per token ---
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@numba.njit(inline="always", **_JIT)
def _is_space(b) -> bool:
    # the ASCII bytes Python's str.split() treats as whitespace: \t \n \v \f \r, \x1c-\x1f, space
    return b == 32 or (9 <= b <= 13) or (28 <= b <= 31)


@numba.njit(inline="always", **_JIT)
def _fnv1a(data, start, end) -> np.uint64:
    h = _FNV_OFFSET
    for i in range(start, end):
        h = (h ^ np.uint64(data[i])) * _FNV_PRIME
    return h


@numba.njit(**_JIT)
def build_hash_table(blob, starts, lengths):
    """Open-addressing table over the keys ``blob[starts[i]:starts[i]+lengths[i]]`` (UTF-8).

    Returns int32 ``[2**k]`` holding key ids (-1 = empty), with 2**k ≥ 2 · number of keys.
    """
    n = starts.shape[0]
    size = 1
    while size < 2 * n + 2:
        size *= 2
    table = np.full(size, -1, dtype=np.int32)
    mask = np.uint64(size - 1)
    for i in range(n):
        slot = _fnv1a(blob, starts[i], starts[i] + lengths[i]) & mask
        while table[slot] >= 0:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = i
    return table


@numba.njit(inline="always", **_JIT)
def _lookup(data, start, end, table, blob, starts, lengths) -> int:
    mask = np.uint64(table.shape[0] - 1)
    slot = _fnv1a(data, start, end) & mask
    n = end - start
    while True:
        k = table[slot]
        if k < 0:
            return -1
        if lengths[k] == n:
            s = starts[k]
            same = True
            for j in range(n):
                if blob[s + j] != data[start + j]:
                    same = False
                    break
            if same:
                return k
        slot = (slot + np.uint64(1)) & mask


@numba.njit(**_JIT)
def encode_block(data, table, blob, starts, lengths, line_limit, sentence_limit, line_tokens):
    """Split UTF-8 bytes into sentences of token ids, as ``Corpus`` + the trainer would.

    A newline ends a sentence; other ASCII whitespace separates tokens; a line is cut every
    ``line_limit`` tokens (the corpus's ``max_sentence_length``) and each piece every
    ``sentence_limit`` tokens (the trainer's). ``line_tokens`` tokens of the current line came in
    earlier blocks. Returns ``(ids int32 [n], offsets int64 [s+1], line_tokens)`` with -1 for
    unknown tokens.
    """
    size = data.shape[0]
    ids = np.empty(size // 2 + 1, dtype=np.int32)
    offsets = np.empty(size // 2 + 2, dtype=np.int64)
    n = 0
    n_sent = 0
    offsets[0] = 0
    piece = 0  # tokens in the current sentence
    i = 0
    while i < size:
        b = data[i]
        if b == 10:
            if piece > 0:
                n_sent += 1
                offsets[n_sent] = n
            piece = 0
            line_tokens = 0
            i += 1
            continue
        if _is_space(b):
            i += 1
            continue
        start = i
        while i < size and not _is_space(data[i]):
            i += 1
        if piece > 0 and (piece == sentence_limit or (line_tokens > 0 and line_tokens % line_limit == 0)):
            n_sent += 1
            offsets[n_sent] = n
            piece = 0
        ids[n] = _lookup(data, start, i, table, blob, starts, lengths)
        n += 1
        piece += 1
        line_tokens += 1
    if piece > 0:
        n_sent += 1
        offsets[n_sent] = n
    return ids[:n].copy(), offsets[: n_sent + 1].copy(), line_tokens
