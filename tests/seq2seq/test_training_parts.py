"""The pieces the Transformer's training adds: fast dropout, the warm-up schedule, checkpoint averaging,
gradient accumulation."""

import pytest
import torch

from illustrated.errors import ConfigError, FormatError
from illustrated.seq2seq import Seq2Seq, TrainConfig, Trainer
from illustrated.seq2seq.averaging import average_state_dicts, save_snapshot, snapshot_paths
from illustrated.seq2seq.dropout import dropout
from illustrated.seq2seq.schedule import inverse_sqrt

from .helpers import reverse_data, tiny_config


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5])
def test_dropout_keeps_one_minus_p_scaled_and_the_gradient_follows_the_mask(p):
    torch.manual_seed(0)
    x = torch.randn(200_000, requires_grad=True)
    y = dropout(x, p)
    kept = y != 0
    assert kept.float().mean().item() == pytest.approx(1 - p, abs=0.005)
    torch.testing.assert_close(y[kept], x[kept] / (1 - p))
    y.sum().backward()
    torch.testing.assert_close(x.grad, kept.float() / (1 - p))
    # neighbouring elements are independent: P(both kept) ≈ (1-p)²
    both = (kept[:-1] & kept[1:]).float().mean().item()
    assert both == pytest.approx((1 - p) ** 2, abs=0.005)


def test_dropout_follows_torch_seed_and_differs_between_calls():
    x = torch.ones(1000)
    torch.manual_seed(5)
    a, b = dropout(x, 0.3), dropout(x, 0.3)
    torch.manual_seed(5)
    assert torch.equal(a, dropout(x, 0.3)) and not torch.equal(a, b)
    assert dropout(x, 0.3, training=False) is x and dropout(x, 0.0) is x
    half = dropout(x.double(), 0.3)                  # other dtypes: the same kind of mask
    assert half.dtype == torch.float64 and 0 < (half == 0).sum() < 1000


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float64])
def test_dropout_of_other_dtypes_draws_the_float32_mask_and_its_gradient_follows_it(dtype):
    x = torch.randn(50_000)
    torch.manual_seed(3)
    reference = dropout(x, 0.2) != 0
    torch.manual_seed(3)
    low = x.to(dtype).requires_grad_()
    y = dropout(low, 0.2)
    assert y.dtype == dtype and torch.equal(y != 0, reference)
    torch.testing.assert_close(y[reference], (low[reference] / 0.8).detach())
    y.sum().backward()
    torch.testing.assert_close(low.grad, (reference.to(dtype) / 0.8))


def test_inverse_sqrt_rises_linearly_then_falls_as_one_over_root_step():
    assert [inverse_sqrt(s, 4) for s in (1, 2, 4)] == [0.25, 0.5, 1.0]
    assert inverse_sqrt(16, 4) == pytest.approx(0.5) and inverse_sqrt(64, 4) == pytest.approx(0.25)
    with pytest.raises(ConfigError, match="schedule"):
        TrainConfig(schedule="cosine")
    with pytest.raises(ConfigError, match="warmup"):
        TrainConfig(warmup=0)


@pytest.mark.parametrize("field,value", [("clip", -1.0), ("clip", float("nan")), ("max_minutes", -5.0)])
def test_negative_clip_or_time_budget_is_refused(field, value):
    with pytest.raises(ConfigError, match=f"{field} must be zero \\(off\\) or positive"):
        TrainConfig(**{field: value})


def test_average_is_the_elementwise_mean_and_snapshots_are_pruned(tmp_path):
    states = [{"w": torch.full((2, 2), float(i)), "n": torch.tensor(i)} for i in range(1, 4)]
    avg = average_state_dicts(states)
    torch.testing.assert_close(avg["w"], torch.full((2, 2), 2.0))
    assert avg["n"].item() == 3                                  # integer tensors: the newest
    with pytest.raises(FormatError, match="same weights"):
        average_state_dicts([{"w": torch.zeros(2)}, {"w": torch.zeros(3)}])
    for epoch, s in enumerate(states, 1):
        save_snapshot(tmp_path, epoch, s, keep=2)
    assert [p.name for p in snapshot_paths(tmp_path)] == ["epoch-2.pt", "epoch-3.pt"]


def test_accumulating_two_batches_equals_one_batch_of_both(tmp_path):
    """One step over batches A and B with accumulation gives the gradient of the token-weighted
    mean over A∪B, as one merged batch would (the basis of the data-parallel equivalence)."""
    data = reverse_data(64, seed=3)
    a, b = data.batches(batch_size=32)[:2]
    merged = data.batches(batch_size=64)[0]
    grads = []
    for batches, accumulate in (([a, b], 2), ([merged], 1)):
        torch.manual_seed(0)
        model = Seq2Seq(tiny_config())
        t = Trainer(model, TrainConfig(batch_size=32, accumulate=accumulate, clip=0.0, lr=1e-3), tmp_path,
                    progress=False)
        t.optimizer.step = lambda: None                           # keep the gradients, skip the update
        t.train_step(batches)
        grads.append({k: p.grad.clone() for k, p in model.named_parameters()})
    for k in grads[0]:
        torch.testing.assert_close(grads[0][k], grads[1][k], rtol=1e-4, atol=1e-6, msg=k)


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
def test_smoothed_cross_entropy_equals_pytorchs(smoothing):
    from illustrated.seq2seq.loss import token_cross_entropy

    torch.manual_seed(0)
    x = (3 * torch.randn(50, 37, dtype=torch.float64)).requires_grad_()
    y = torch.randint(0, 37, (50,))
    ours = token_cross_entropy(x, y, smoothing)
    (g_ours,) = torch.autograd.grad(3.0 * ours, x)
    ref = torch.nn.functional.cross_entropy(x, y, label_smoothing=smoothing)
    (g_ref,) = torch.autograd.grad(3.0 * ref, x)
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(g_ours, g_ref)
