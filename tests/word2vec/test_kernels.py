"""The compiled kernels against a plain NumPy reference, and the tables they read."""

import numpy as np
import pytest

from illustrated.word2vec import kernels, tables


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def runs(rows, limit):
    """Consecutive pieces of ``rows`` of at most ``limit``, none holding a row twice."""
    pieces, current = [], []
    for r in rows:
        if len(current) == limit or r in current:
            pieces.append(current)
            current = []
        current.append(r)
    return pieces + [current]


def reference_sg(syn0, syn1, ctx, targets, labels, alpha, block):
    """Skip-gram window update as matrix algebra, in float64, exact sigmoid: blocks of at most
    ``block`` context rows, each against runs of at most ``block`` distinct targets, every tile
    scored against the rows as the previous tile left them (a row repeated in a block takes the
    sum of its updates)."""
    syn0, syn1 = syn0.astype(np.float64), syn1.astype(np.float64)
    loss = 0.0
    for start in range(0, len(ctx), block):
        rows = list(ctx[start:start + block])
        k = 0
        for tile in runs(list(targets), block):
            lab = labels[k:k + len(tile)]
            k += len(tile)
            x, y = syn0[rows], syn1[tile]
            s = x @ y.T
            g = (lab[None, :] - sigmoid(s)) * alpha
            loss -= (np.log(sigmoid(s)) * lab + np.log(sigmoid(-s)) * (1 - lab)).sum()
            np.add.at(syn1, tile, g.T @ x)
            np.add.at(syn0, rows, g @ y)
    return syn0, syn1, loss


def run_sg_window(syn0, syn1, ctx, targets, labels, alpha, block, negative=0, noise=None,
                  general=True):
    """The kernel's skip-gram window on fresh scratch arrays; returns its outputs."""
    n_out = max(len(targets), negative + 1)
    noise = noise if noise is not None else np.zeros((1, 2), np.uint32)
    t = np.zeros(n_out, np.int32)
    lab = np.zeros(n_out, np.float32)
    t[:len(targets)], lab[:len(targets)] = targets, labels
    rows = max(block, len(ctx)) if not general else block
    return kernels.sg_window(syn0, syn1, ctx, len(ctx), t, lab, len(targets), general,
                             np.float32(alpha), block, np.zeros((rows, syn0.shape[1]), np.float32),
                             np.zeros((rows, n_out), np.float32), negative, noise, np.uint64(5),
                             kernels.SIGMOID, kernels.LOG_SIGMOID)


def reference_cbow(syn0, syn1, ctx, targets, labels, alpha, block=None, scale=1.0):
    """CBOW as the C tool trains it; the context rows take ``scale`` times the error, and a row
    repeated more than ``block`` times in the window takes it ``block`` times."""
    syn0, syn1 = syn0.astype(np.float64), syn1.astype(np.float64)
    h = syn0[ctx].mean(axis=0)
    err = np.zeros_like(h)
    loss = 0.0
    for t, label in zip(targets, labels):
        f = h @ syn1[t]
        g = (label - sigmoid(f)) * alpha
        loss -= np.log(sigmoid(f if label else -f))
        err += g * syn1[t]
        syn1[t] += g * h
    rows, times = np.unique(ctx, return_counts=True)
    syn0[rows] += np.minimum(times, block or len(ctx))[:, None] * err * scale
    return syn0, syn1, loss


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    syn0 = (rng.random((7, 5), dtype=np.float32) - 0.5)
    syn1 = (rng.random((7, 5), dtype=np.float32) - 0.5)
    ctx = np.array([1, 2, 4, 2], dtype=np.int32)  # a repeated context word
    targets = np.array([3, 0, 6], dtype=np.int32)
    labels = np.array([1, 0, 0], dtype=np.float32)
    return syn0, syn1, ctx, targets, labels


@pytest.mark.parametrize("block,targets,general", [
    (block, targets, True) for block in (4, 3, 2, 1) for targets in ([3, 0, 6], [3, 0, 6, 0, 5])
] + [(4, [3, 0, 6], False)])  # the general kernel (a noise word drawn twice, too); one ordinary
def test_sg_window_matches_reference(arrays, block, targets, general):
    syn0, syn1, ctx, _, _ = arrays
    targets = np.array(targets, dtype=np.int32)
    labels = np.array([1] + [0] * (len(targets) - 1), dtype=np.float32)
    before = syn0.copy()
    want0, want1, want_loss = reference_sg(syn0, syn1, ctx, targets, labels, 0.5, block)
    loss, check, predictions, _ = run_sg_window(syn0, syn1, ctx, targets, labels, 0.5, block,
                                                general=general)
    np.testing.assert_allclose(syn0, want0, atol=2e-3)
    np.testing.assert_allclose(syn1, want1, atol=2e-3)
    assert loss == pytest.approx(want_loss, rel=1e-2)
    assert predictions == len(ctx) * len(targets) and np.isfinite(check)
    assert np.abs(syn0 - before).max() > 1e-3  # really changed


def test_every_further_block_of_a_wide_window_draws_its_own_noise():
    rng = np.random.default_rng(2)
    syn0 = (rng.random((50, 4), dtype=np.float32) - 0.5)
    syn1 = np.zeros((50, 4), np.float32)
    prob, alias = tables.alias_table(tables.noise_distribution(np.ones(50), 0.0))
    noise = tables.alias_pack(prob, alias)
    ctx = np.arange(1, 31, dtype=np.int32)  # 30 distinct rows: blocks of 10
    _, _, predictions, _ = run_sg_window(syn0, syn1, ctx, [0, 7, 8], [1, 0, 0], 0.025, 10,
                                         negative=2, noise=noise)
    assert 30 * 2 <= predictions <= 30 * 3  # a redraw of the centre word itself is dropped
    touched = np.flatnonzero(np.abs(syn1).sum(axis=1))
    assert 0 in touched and len(touched) > 3  # the first block's noise (7, 8) and fresh draws


@pytest.mark.parametrize("block,targets,scale", [(4, [3, 0, 6], 1.0), (1, [3, 0, 6], 1.0),
                                                 (4, [3, 0, 6, 0, 6], 1.0), (1, [3, 0, 6], 0.25)])
def test_cbow_window_matches_reference(arrays, block, targets, scale):
    syn0, syn1, ctx, _, _ = arrays
    targets = np.array(targets, dtype=np.int32)
    labels = np.array([1] + [0] * (len(targets) - 1), dtype=np.float32)
    before = syn0.copy()
    want0, want1, want_loss = reference_cbow(syn0, syn1, ctx, targets, labels, 0.5, block, scale)
    marks = np.zeros(7, np.int32)
    loss, check = kernels.cbow_window(syn0, syn1, ctx, 4, targets, labels, len(targets), True,
                                      np.float32(0.5), scale, block, marks,
                                      np.zeros(5, np.float32), np.zeros(5, np.float32),
                                      np.zeros(len(targets), np.float32),
                                      kernels.SIGMOID, kernels.LOG_SIGMOID)
    np.testing.assert_allclose(syn0, want0, atol=2e-3)
    np.testing.assert_allclose(syn1, want1, atol=2e-3)
    assert loss == pytest.approx(want_loss, rel=1e-2)
    assert np.abs(syn0 - before).max() > 1e-3
    assert not marks.any() and np.isfinite(check)  # scratch handed back zeroed


def test_the_loss_is_exact_beyond_the_table_and_nan_is_flagged():
    syn0 = np.array([[20.0, 0.0], [0.0, 0.0]], np.float32)
    syn1 = np.array([[-1.0, 0.0], [1.0, 0.0]], np.float32)
    ctx = np.array([0], np.int32)
    # scores −20 and +20: both badly wrong; alpha 0 leaves the rows alone
    loss, check, _, _ = run_sg_window(syn0, syn1, ctx, [0, 1], [1, 0], 0.0, 1)
    assert loss == pytest.approx(2 * np.log1p(np.exp(20.0)), rel=1e-4)  # off by e⁻⁸ at most
    assert check == 0.0
    syn0[0, 1] = np.nan
    _, check, _, _ = run_sg_window(syn0, syn1, ctx, [0, 1], [1, 0], 0.0, 1)
    assert not np.isfinite(check)


@pytest.mark.parametrize("alpha,length,damped", [(0.025, 3.0, False), (0.1, 30.0, True),
                                                (0.025, 10.0, True)])
def test_a_saturated_pair_of_long_rows_takes_a_damped_step(alpha, length, damped):
    """A positive pair scored −9 (wrong side, beyond ±MAX_EXP): short rows take the plain SGD
    step; long rows a step that moves the score by about DAMP, not far past the other side."""
    x = np.array([[length, 0.0]], np.float32)
    y = np.array([[-9.0 / length, 0.0]], np.float32)
    syn0, syn1 = x.copy(), y.copy()
    run_sg_window(syn0, syn1, np.array([0], np.int32), [0], [1], alpha, 1)
    g = alpha * (1 - sigmoid(-9.0))
    plain = (x + g * y) @ (y + g * x).T
    after = (syn0 @ syn1.T).item()
    if damped:
        assert plain.item() + 9.0 > 2 * kernels.DAMP  # plain SGD would move the score further
        assert -9.0 < after <= -9.0 + 1.2 * kernels.DAMP
    else:
        assert after == pytest.approx(plain.item(), rel=1e-4)


def test_block_size_bounds_the_combined_rate():
    assert kernels.block_size(0.025) == 16  # an ordinary window (≤ 10 rows) is one block
    for alpha in (0.001, 0.025, 0.05, 0.1, 0.4, 1.0, 5.0):
        b = kernels.block_size(alpha)
        assert b >= 1 and (b == 1 or b * alpha <= kernels.BLOCK_RATE + 1e-9)


def test_sigmoid_tables_are_accurate():
    x = (np.arange(kernels.TABLE_SIZE) + 0.5) / kernels.TABLE_SIZE * 2 * kernels.MAX_EXP - kernels.MAX_EXP
    np.testing.assert_allclose(kernels.SIGMOID, sigmoid(x), atol=1e-6)
    np.testing.assert_allclose(kernels.LOG_SIGMOID, np.log(sigmoid(x)), atol=1e-5)


def test_alias_table_reproduces_the_distribution():
    p = tables.noise_distribution(np.array([1000, 300, 50, 5, 1]), 0.75)
    prob, alias = tables.alias_table(p)
    # exact: the probability mass each column sends to each outcome
    mass = np.zeros_like(p)
    for i in range(len(p)):
        mass[i] += prob[i] / len(p)
        mass[alias[i]] += (1 - prob[i]) / len(p)
    np.testing.assert_allclose(mass, p, atol=1e-6)


def test_noise_distribution_takes_any_exponent():
    counts = np.array([100, 10, 1])
    assert np.argmax(tables.noise_distribution(counts, 0.75)) == 0
    assert np.argmax(tables.noise_distribution(counts, -0.5)) == 2
    np.testing.assert_allclose(tables.noise_distribution(counts, 0.0), 1 / 3)
    for exponent in (200.0, -200.0, 1e308, -1e308):   # count ** exponent overflows float64
        p = tables.noise_distribution(np.array([10**6, 10**3, 1]), exponent)
        assert np.isfinite(p).all() and p.sum() == pytest.approx(1.0)


def test_huffman_codes_are_prefix_free_and_frequent_words_short():
    counts = np.array([50, 20, 10, 10, 5, 3, 1, 1])
    codes, points, lengths = tables.huffman(counts)
    words = ["".join(map(str, codes[w, :lengths[w]])) for w in range(len(counts))]
    assert len(set(words)) == len(words)
    assert not any(a != b and b.startswith(a) for a in words for b in words)
    assert lengths[0] <= lengths[-1]
    assert points[:, 0][lengths > 0].tolist() == [len(counts) - 2] * len(counts)  # the root
    assert points.max() <= len(counts) - 2
    # optimal: the weighted code length equals the sum of the merged weights 2+5+10+20+30+50+100
    assert (lengths * counts).sum() == 217


def test_keep_probabilities_follow_the_c_tool():
    counts = np.array([10_000, 5, 1])
    keep = tables.keep_probabilities(counts, 1e-3)
    t = 1e-3 * counts.sum()
    assert keep[0] == pytest.approx((np.sqrt(10_000 / t) + 1) * t / 10_000, rel=1e-6)
    assert keep[1] == keep[2] == 1.0
    assert (tables.keep_probabilities(counts, 0) == 1).all()


def test_train_chunk_is_deterministic_and_skips_unknown_ids():
    rng = np.random.default_rng(1)
    n, dim = 20, 8
    ids = rng.integers(-1, n, 200).astype(np.int32)
    offsets = np.array([0, 50, 120, 200], dtype=np.int64)
    counts = np.bincount(ids[ids >= 0], minlength=n) + 1
    prob, alias = tables.alias_table(tables.noise_distribution(counts, 0.75))
    codes, points, lens = tables.huffman(counts)
    outs = []
    for _ in range(2):
        syn0 = (rng.random((n, dim), dtype=np.float32) - 0.5) * 0 + 0.01
        syn1neg = np.zeros((n, dim), np.float32)
        syn1 = np.zeros((n - 1, dim), np.float32)
        res = kernels.train_chunk(ids, offsets, syn0, syn1neg, syn1, np.ones(n, np.float32),
                                  tables.alias_pack(prob, alias), codes, points, lens, True, True, 3, 2, True, 1,
                                  32, 0.05, 0.01, np.uint64(7), kernels.SIGMOID, kernels.LOG_SIGMOID)
        outs.append((res, syn0.copy(), syn1neg.copy(), syn1.copy()))
    (r1, *a1), (r2, *a2) = outs
    assert r1 == r2
    for x, y in zip(a1, a2):
        np.testing.assert_array_equal(x, y)
    words, pairs, loss, n_loss, check = r1
    assert np.isfinite(check)
    assert words == int((ids >= 0).sum())
    assert pairs > 0 and n_loss > 0 and loss > 0
    assert np.abs(a1[1]).sum() > 0 and np.abs(a1[2]).sum() > 0  # both heads trained
