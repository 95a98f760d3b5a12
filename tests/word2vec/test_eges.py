"""The EGES kernel against a NumPy reference of one step, its gradients against finite
differences, global contexts, market negatives, and the model around it."""

import numpy as np
import pytest

from illustrated.errors import ConfigError
from illustrated.word2vec import Word2VecConfig, kernels, tables
from illustrated.word2vec.eges import EgesWord2Vec, SideInfo, mix_all
from illustrated.word2vec.kernels.eges import draw_targets, eges_tile
from illustrated.word2vec.kernels.eges_chunk import goal_marker, train_eges_chunk


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def side_arrays(seed=0, n=6, n_values=4, dim=5):
    """Item rows, attribute rows, each item's attributes (item 0 has none, item 3 shares all),
    logits and output rows: a tiny EGES model."""
    rng = np.random.default_rng(seed)
    own = [[], [0], [0, 2], [0, 1, 2, 3], [3], [1, 2]]
    indptr = np.concatenate([[0], np.cumsum([len(o) for o in own])]).astype(np.int64)
    indices = np.array([v for o in own for v in o], np.int32)
    return dict(syn0=(rng.random((n, dim), dtype=np.float32) - 0.5),
                attr=(rng.random((n_values, dim), dtype=np.float32) - 0.5),
                indptr=indptr, indices=indices,
                id_logit=rng.normal(0, 0.5, n).astype(np.float32),
                val_logit=rng.normal(0, 0.5, len(indices)).astype(np.float32),
                syn1=(rng.random((n, dim), dtype=np.float32) - 0.5))


def weights(a, c):
    lo, hi = a["indptr"][c], a["indptr"][c + 1]
    logits = np.concatenate([[a["id_logit"][c]], a["val_logit"][lo:hi]]).astype(np.float64)
    w = np.exp(logits - logits.max())
    return w / w.sum()


def mixed(a, c):
    lo, hi = a["indptr"][c], a["indptr"][c + 1]
    rows = np.vstack([a["syn0"][c:c + 1], a["attr"][a["indices"][lo:hi]]])
    return weights(a, c) @ rows


def reference_step(a, ctx, targets, labels, alpha):
    """One tile in float64 with the exact sigmoid: every item's mixed vector H, scores against
    the targets, the output rows' update from H, then each item's error handed to its slots in
    turn — its logits by w_s (W_s − H)·e from the rows as they stand, then its rows by w_s e."""
    a = {k: v.astype(np.float64) if v.dtype.kind == "f" else v.copy() for k, v in a.items()}
    hs = np.array([mixed(a, c) for c in ctx])
    ws = [weights(a, c) for c in ctx]
    y = a["syn1"][targets]
    s = hs @ y.T
    g = (labels[None, :] - sigmoid(s)) * alpha
    loss = -(np.log(sigmoid(s)) * labels + np.log(sigmoid(-s)) * (1 - labels)).sum()
    err = g @ y
    a["syn1"][targets] += g.T @ hs
    for b, c in enumerate(ctx):
        lo, hi = a["indptr"][c], a["indptr"][c + 1]
        rows = np.vstack([a["syn0"][c:c + 1], a["attr"][a["indices"][lo:hi]]])
        grad_logits = ws[b] * ((rows - hs[b]) @ err[b])
        if hi > lo:
            a["id_logit"][c] += grad_logits[0]
            a["val_logit"][lo:hi] += grad_logits[1:]
        a["syn0"][c] += ws[b][0] * err[b]
        a["attr"][a["indices"][lo:hi]] += ws[b][1:, None] * err[b]
    return a, loss


def run_tile(a, ctx, targets, labels, alpha):
    ctx, targets = np.asarray(ctx, np.int32), np.asarray(targets, np.int32)
    rows, dim = len(ctx), a["syn0"].shape[1]
    slots = int(np.diff(a["indptr"]).max()) + 1
    return eges_tile(a["syn0"], a["attr"], a["indptr"], a["indices"], a["id_logit"], a["val_logit"],
                     a["syn1"], ctx, 0, rows, targets, np.asarray(labels, np.float32), 0,
                     len(targets), np.float32(alpha), np.zeros((rows, dim), np.float32),
                     np.zeros((rows, slots), np.float32), np.zeros((rows, dim), np.float32),
                     np.zeros((rows, len(targets)), np.float32), kernels.SIGMOID,
                     kernels.LOG_SIGMOID)


@pytest.mark.parametrize("ctx", [[3], [1, 2, 4], [0, 5, 3, 2], [3, 3, 1]])
def test_one_step_matches_the_numpy_reference(ctx):
    a = side_arrays()
    targets, labels = np.array([4, 0, 5]), np.array([1.0, 0.0, 0.0])
    want, want_loss = reference_step(a, ctx, targets, labels, 0.3)
    before = {k: v.copy() for k, v in a.items()}
    loss, check = run_tile(a, ctx, targets, labels, 0.3)
    for name in ("syn0", "attr", "syn1", "id_logit", "val_logit"):
        np.testing.assert_allclose(a[name], want[name], atol=3e-3, err_msg=name)
    assert loss == pytest.approx(want_loss, rel=1e-2) and np.isfinite(check)
    assert np.abs(a["attr"] - before["attr"]).max() > 1e-3
    if any(a["indptr"][c + 1] > a["indptr"][c] for c in ctx):
        assert np.abs(a["val_logit"] - before["val_logit"]).max() > 1e-4


def log_likelihood(a, c, targets, labels):
    s = np.array([mixed(a, c) @ a["syn1"][t] for t in targets])
    return float((np.log(sigmoid(s)) * labels + np.log(sigmoid(-s)) * (1 - labels)).sum())


def test_every_update_is_alpha_times_the_gradient_of_the_log_likelihood():
    """Finite differences of log σ(±H·Y) in float64 against what the kernel adds to every item
    row, attribute row, logit and output row, for one item with three attributes."""
    a = side_arrays(seed=4)
    a64 = {k: v.astype(np.float64) if v.dtype.kind == "f" else v for k, v in a.items()}
    c, targets, labels, alpha, eps = 3, [4, 0], np.array([1.0, 0.0]), 0.01, 1e-6
    before = {k: v.copy() for k, v in a.items()}
    run_tile(a, [c], targets, labels, alpha)
    lo, hi = a["indptr"][c], a["indptr"][c + 1]
    checks = [("syn0", (c, d)) for d in range(5)] + [("id_logit", (c,))] \
        + [("val_logit", (j,)) for j in range(lo, hi)] \
        + [("attr", (a["indices"][j], d)) for j in range(lo, hi) for d in (0, 3)] \
        + [("syn1", (t, d)) for t in targets for d in (1, 4)]
    for name, at in checks:
        up, down = ({k: v.copy() for k, v in a64.items()} for _ in range(2))
        up[name][at] += eps
        down[name][at] -= eps
        grad = (log_likelihood(up, c, targets, labels) - log_likelihood(down, c, targets, labels)) / (2 * eps)
        step = float(a[name][at]) - float(before[name][at])
        assert step == pytest.approx(alpha * grad, rel=0.03, abs=2e-6), (name, at)


def test_an_item_without_attributes_trains_as_plain_skipgram():
    a = side_arrays(seed=2)
    syn0, syn1 = a["syn0"].copy(), a["syn1"].copy()
    ctx, targets, labels = [0], [4, 1], [1.0, 0.0]
    run_tile(a, ctx, targets, labels, 0.2)
    kernels.sg_tile(syn0, syn1, np.array(ctx, np.int32), 0, 1, np.array(targets, np.int32),
                    np.array(labels, np.float32), 0, 2, np.float32(0.2), np.zeros((1, 5), np.float32),
                    np.zeros((1, 2), np.float32), kernels.SIGMOID, kernels.LOG_SIGMOID)
    np.testing.assert_allclose(a["syn0"], syn0, atol=1e-6)
    np.testing.assert_allclose(a["syn1"], syn1, atol=1e-6)


def test_mix_all_is_the_softmax_weighted_mean():
    a = side_arrays(seed=5)
    h = mix_all(a["syn0"], a["attr"], a["indptr"], a["indices"], a["id_logit"], a["val_logit"])
    np.testing.assert_allclose(h, [mixed(a, c) for c in range(6)], atol=1e-6)


def test_in_market_negatives_come_from_the_centre_items_market():
    n = 40
    market_of = (np.arange(n) % 4).astype(np.int32)       # 4 markets of 10 items
    order = np.argsort(market_of, kind="stable").astype(np.int32)
    ptr = np.array([0, 10, 20, 30, 40], np.int64)
    local = np.vstack([tables.alias_pack(*tables.alias_table(np.full(10, 0.1)))] * 4)
    noise = tables.alias_pack(*tables.alias_table(np.full(n, 1 / n)))
    targets, labels = np.zeros(11, np.int32), np.zeros(11, np.float32)
    state, seen_local, seen_other = np.uint64(7), 0, 0
    for _ in range(200):
        state, n_t = draw_targets(state, 6, 10, 6, noise, market_of, ptr, order, local, targets, labels)
        assert targets[0] == 6 and labels[0] == 1 and (labels[1:n_t] == 0).all()
        assert 6 not in targets[1:n_t]
        drawn = market_of[targets[1:n_t]]
        seen_local += (drawn == market_of[6]).sum()
        seen_other += (drawn != market_of[6]).sum()
    # 6 of 10 always from the market, the other 4 from everywhere (a quarter of them in it)
    assert seen_local / (seen_local + seen_other) == pytest.approx(0.6 + 0.4 * 0.25, abs=0.04)


def test_a_goal_is_trained_as_context_of_every_item_of_its_session():
    a = side_arrays(seed=1, n=6)
    syn1_before = a["syn1"].copy()
    ids = np.array([1, 2, 3, 4, goal_marker(5)], np.int32)
    noise = tables.alias_pack(*tables.alias_table(np.full(6, 1 / 6)))
    empty = np.zeros(0, np.int32)
    out = train_eges_chunk(ids, np.array([0, 5], np.int64), a["syn0"], a["syn1"], a["attr"],
                           a["indptr"], a["indices"], a["id_logit"], a["val_logit"],
                           np.ones(6, np.float32), noise, empty, np.zeros(1, np.int64), empty,
                           np.zeros((0, 2), np.uint32), 2, 0, 1, False, 32, 0.5, 0.5,
                           np.uint64(3), kernels.SIGMOID, kernels.LOG_SIGMOID)
    words, pairs, loss, n_loss, check = out
    assert words == 4 and pairs == (1 + 2 + 2 + 1) + 2 * 4  # windows of 1 each side, then the goal both ways
    assert np.abs(a["syn1"][5] - syn1_before[5]).max() > 1e-3 and np.isfinite(check)


def test_eges_model_learns_and_gives_finite_mixed_vectors(tmp_path):
    rng = np.random.default_rng(0)
    sessions = [[f"i{g * 10 + j}" for j in rng.choice(10, 6, replace=False)]
                for g in rng.integers(0, 3, 300)]
    attrs = {f"i{x}": [f"g={x // 10}"] for x in range(30)}
    cfg = Word2VecConfig(dim=8, window=3, epochs=6, negative=3, min_count=1, sample=0, threads=1)
    model = EgesWord2Vec(cfg, SideInfo(attrs, {k: v[0] for k, v in attrs.items()}, 0.5))
    first = None
    for _ in range(2):
        model.train(sessions, progress=False, epochs=3, goals=[s[-1:] for s in sessions])
        first = model.last_loss if first is None else first
    assert model.last_loss < first
    h = model.mixed_vectors()
    assert np.isfinite(h).all() and sorted(model.values) == ["g=0", "g=1", "g=2"]
    w = model.weights(0)
    assert w.shape == (2,) and w.sum() == pytest.approx(1, abs=1e-5)
    with pytest.raises(ConfigError, match="skip-gram"):
        EgesWord2Vec(Word2VecConfig(sg=False, min_count=1))


def test_a_checkpoint_resumes_and_a_damaged_one_is_refused(tmp_path):
    from illustrated.errors import FormatError
    from illustrated.files import read_npz, write_npz

    sessions = [["a", "b", "c", "d"], ["b", "c", "e"], ["a", "d", "e"]] * 20
    side = SideInfo({"a": ["k=1"], "b": ["k=1", "j=2"], "e": ["j=2"]})
    cfg = Word2VecConfig(dim=6, window=2, negative=2, min_count=1, sample=0, threads=1, epochs=4)
    whole = EgesWord2Vec(cfg, side).train(sessions, progress=False)
    half = EgesWord2Vec(cfg, side)
    half.train(sessions, progress=False, epochs=2, checkpoint=tmp_path / "c.npz")
    back = EgesWord2Vec.load(tmp_path / "c.npz", side).train(sessions, progress=False)
    np.testing.assert_array_equal(back.mixed_vectors(), whole.mixed_vectors())
    np.testing.assert_array_equal(back.val_logit, whole.val_logit)
    arrays, meta = read_npz(tmp_path / "c.npz")
    for name, damage in (("attr_indices", lambda a: a + 5), ("val_logit", lambda a: a[:-1]),
                         ("attr_vectors", lambda a: np.full_like(a, np.inf))):
        write_npz(tmp_path / "bad.npz", {**arrays, name: damage(arrays[name])}, meta)
        with pytest.raises(FormatError, match=r"bad\.npz: corrupted"):
            EgesWord2Vec.load(tmp_path / "bad.npz", side)
