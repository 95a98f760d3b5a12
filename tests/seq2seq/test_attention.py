"""Attention invariants: rows sum to one, padding gets exactly zero, steps equal the whole."""

import pytest
import torch

from illustrated.seq2seq.attention import BahdanauAttention, LuongAttention


def _inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    values = torch.randn(3, 5, 8, generator=g)
    lengths = torch.tensor([5, 3, 1])
    mask = (torch.arange(5)[None, :] < lengths[:, None]).unsqueeze(1)
    query = torch.randn(3, 4, 8, generator=g)
    return query, values, mask, lengths


@pytest.mark.parametrize("att", [BahdanauAttention(8, 8, 6), LuongAttention(8, 8, "dot"),
                                 LuongAttention(8, 8, "general")])
def test_weights_sum_to_one_and_are_zero_on_padding(att):
    query, values, mask, lengths = _inputs()
    keys = att.project_keys(values)
    context, weights = att(query, keys, values, mask)
    assert weights.shape == (3, 4, 5) and context.shape == (3, 4, 8)
    torch.testing.assert_close(weights.sum(-1), torch.ones(3, 4))
    for b, n in enumerate(lengths.tolist()):
        assert torch.all(weights[b, :, n:] == 0.0)          # exactly zero, not just small
        assert torch.all(weights[b, :, :n] > 0.0)
    assert torch.allclose(weights[2, :, 0], torch.ones(4))  # one real token takes everything
    # the context is the weighted sum of the values
    torch.testing.assert_close(context, torch.einsum("bts,bsh->bth", weights, values))


@pytest.mark.parametrize("att", [BahdanauAttention(8, 8, 6), LuongAttention(8, 8, "general")])
def test_many_queries_at_once_equal_one_at_a_time(att):
    query, values, mask, _ = _inputs(1)
    keys = att.project_keys(values)
    ctx_all, w_all = att(query, keys, values, mask)
    for t in range(query.shape[1]):
        ctx, w = att(query[:, t: t + 1], keys, values, mask)
        torch.testing.assert_close(w, w_all[:, t: t + 1])
        torch.testing.assert_close(ctx, ctx_all[:, t: t + 1])


def test_padding_values_cannot_leak_into_the_context():
    att = BahdanauAttention(8, 8, 6)
    query, values, mask, _ = _inputs(2)
    garbage = values.clone()
    garbage[~mask.squeeze(1)] = 1e6
    a, _ = att(query, att.project_keys(values), values, mask)
    b, _ = att(query, att.project_keys(garbage), garbage, mask)
    torch.testing.assert_close(a, b)


def test_dot_attention_with_mismatched_sizes_is_a_clear_error():
    from illustrated.errors import ConfigError

    with pytest.raises(ConfigError, match="dot"):
        LuongAttention(8, 16, "dot")
