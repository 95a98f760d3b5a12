"""The compiled kernels against a plain NumPy reference, and the tables they read."""

import numpy as np
import pytest

from illustrated.word2vec import kernels, tables


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_sg(syn0, syn1, ctx, targets, labels, alpha):
    """Skip-gram window update as matrix algebra, in float64, exact sigmoid."""
    x, y = syn0[ctx].astype(np.float64), syn1[targets].astype(np.float64)
    g = (labels[None, :] - sigmoid(x @ y.T)) * alpha
    s = x @ y.T
    loss = -(np.log(sigmoid(s)) * labels + np.log(sigmoid(-s)) * (1 - labels)).sum()
    syn0, syn1 = syn0.astype(np.float64), syn1.astype(np.float64)
    np.add.at(syn1, targets, g.T @ x)
    np.add.at(syn0, ctx, g @ y)
    return syn0, syn1, loss


def reference_cbow(syn0, syn1, ctx, targets, labels, alpha):
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
    np.add.at(syn0, ctx, np.broadcast_to(err, (len(ctx), len(err))))
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


def test_sg_window_matches_reference(arrays):
    syn0, syn1, ctx, targets, labels = arrays
    want0, want1, want_loss = reference_sg(syn0, syn1, ctx, targets, labels, 0.5)
    neu1e = np.zeros((4, 5), np.float32)
    grad = np.zeros((4, 3), np.float32)
    loss = kernels.sg_window(syn0, syn1, ctx, 4, targets, labels, 3, np.float32(0.5), neu1e, grad,
                             kernels.SIGMOID, kernels.LOG_SIGMOID)
    np.testing.assert_allclose(syn0, want0, atol=2e-3)
    np.testing.assert_allclose(syn1, want1, atol=2e-3)
    assert loss == pytest.approx(want_loss, rel=1e-2)
    assert not np.allclose(syn0, arrays[0] * 0)  # really changed


def test_cbow_window_matches_reference(arrays):
    syn0, syn1, ctx, targets, labels = arrays
    before = syn0.copy()
    want0, want1, want_loss = reference_cbow(syn0, syn1, ctx, targets, labels, 0.5)
    loss = kernels.cbow_window(syn0, syn1, ctx, 4, targets, labels, 3, np.float32(0.5),
                               np.zeros(5, np.float32), np.zeros(5, np.float32), np.zeros(3, np.float32),
                               kernels.SIGMOID, kernels.LOG_SIGMOID)
    np.testing.assert_allclose(syn0, want0, atol=2e-3)
    np.testing.assert_allclose(syn1, want1, atol=2e-3)
    assert loss == pytest.approx(want_loss, rel=1e-2)
    assert np.abs(syn0 - before).max() > 1e-3


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
                                  0.05, 0.01, np.uint64(7), kernels.SIGMOID, kernels.LOG_SIGMOID)
        outs.append((res, syn0.copy(), syn1neg.copy(), syn1.copy()))
    (r1, *a1), (r2, *a2) = outs
    assert r1 == r2
    for x, y in zip(a1, a2):
        np.testing.assert_array_equal(x, y)
    words, pairs, loss, n_loss = r1
    assert words == int((ids >= 0).sum())
    assert pairs > 0 and n_loss > 0 and loss > 0
    assert np.abs(a1[1]).sum() > 0 and np.abs(a1[2]).sum() > 0  # both heads trained
