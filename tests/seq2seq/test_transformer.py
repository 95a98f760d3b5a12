"""Transformer invariants: padding gets exactly zero attention, the future is never visible, the
fused and written-out attention agree, cached decoding equals recomputing, beam 1 equals greedy."""

import numpy as np
import pytest
import torch

from illustrated.errors import ConfigError
from illustrated.seq2seq import Transformer, TransformerConfig, beam_search, greedy_search
from illustrated.seq2seq.multihead import MultiHeadAttention
from illustrated.seq2seq.positions import LearnedPositions, SinusoidalPositions, sinusoid_table

from .helpers import DIGIT_VOCAB


def tiny(**kw) -> Transformer:
    base = dict(src_vocab_size=DIGIT_VOCAB, tgt_vocab_size=DIGIT_VOCAB, d_model=32, heads=4, ff_dim=64,
                encoder_layers=2, decoder_layers=2, dropout=0.0, attention_dropout=0.0)
    torch.manual_seed(kw.pop("seed", 0))
    base.update(kw)
    return Transformer(TransformerConfig(**base)).eval()


def padded_batch(seed: int = 0):
    """Three sources of lengths 7, 5 and 2 (padding id 0 after them), and targets."""
    g = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([7, 5, 2])
    src = torch.randint(4, DIGIT_VOCAB, (3, 7), generator=g)
    src[torch.arange(7)[None, :] >= lengths[:, None]] = 0
    tgt_in = torch.randint(4, DIGIT_VOCAB, (3, 6), generator=g)
    tgt_in[:, 0] = 2
    return src, lengths, tgt_in


def test_padding_gets_exactly_zero_attention_and_rows_sum_to_one():
    model = tiny()
    src, lengths, tgt_in = padded_batch()
    maps = model.internals(src, lengths, tgt_in)
    enc, cross = maps["encoder_attention"], maps["cross_attention"]          # [B, L, H, q, k]
    assert enc.shape == (3, 2, 4, 7, 7) and cross.shape == (3, 2, 4, 6, 7)
    for b, n in enumerate(lengths.tolist()):
        assert torch.all(enc[b, ..., n:] == 0.0) and torch.all(cross[b, ..., n:] == 0.0)   # exactly
        assert torch.all(enc[b, ..., :n, :n] > 0.0)
    for m in maps.values():
        if m.dim() == 5:
            torch.testing.assert_close(m.sum(-1), torch.ones(m.shape[:-1]))


def test_padding_content_cannot_leak_into_real_positions():
    model = tiny()
    src, lengths, tgt_in = padded_batch(1)
    garbage = src.clone()
    garbage[src == 0] = 9                      # other tokens where the padding is
    a = model.internals(src, lengths, tgt_in)
    b = model.internals(garbage, lengths, tgt_in)
    for b_, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(a["encoder_states"][b_, :n], b["encoder_states"][b_, :n])
    torch.testing.assert_close(a["decoder_states"], b["decoder_states"])


def test_a_future_position_is_never_visible_to_the_decoder():
    model = tiny()
    src, lengths, tgt_in = padded_batch(2)
    maps = model.internals(src, lengths, tgt_in)
    dec = maps["decoder_attention"]                                           # [B, L, H, T, T]
    seen = torch.ones(6, 6, dtype=torch.bool).tril()
    assert torch.all(dec[..., ~seen] == 0.0) and torch.all(dec[..., seen] > 0.0)
    # changing the tokens after position t changes nothing at positions <= t
    changed = tgt_in.clone()
    changed[:, 4:] = 5
    with torch.no_grad():
        before, _ = model(src, lengths, tgt_in)
        after, _ = model(src, lengths, changed)
    torch.testing.assert_close(before[:, :4], after[:, :4])
    assert not torch.allclose(before[:, 4:], after[:, 4:])


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_fused_kernel_and_written_out_attention_give_the_same_outputs(norm):
    model = tiny(norm=norm)
    src, lengths, tgt_in = padded_batch(3)
    with torch.no_grad():
        fused = model.decode(tgt_in, model.encode(src, lengths))[0]
    explicit = model.internals(src, lengths, tgt_in)["decoder_states"]
    torch.testing.assert_close(fused, explicit, atol=1e-5, rtol=1e-5)


def test_one_head_attention_is_the_textbook_formula():
    torch.manual_seed(0)
    att = MultiHeadAttention(8, 1).eval()
    x = torch.randn(2, 5, 8)
    mask = torch.tensor([[True] * 5, [True] * 3 + [False] * 2])[:, None, None, :]
    out, w = att.attend(*att.project_self(x), mask=mask, need_weights=True)
    W, bias = att.in_proj.weight, att.in_proj.bias
    q, k, v = (x @ W[i * 8:(i + 1) * 8].T + bias[i * 8:(i + 1) * 8] for i in range(3))
    scores = (q @ k.transpose(1, 2)) / 8 ** 0.5
    scores[1, :, 3:] = float("-inf")
    expected_w = torch.softmax(scores, -1)
    torch.testing.assert_close(w[:, 0], expected_w)
    torch.testing.assert_close(out, att.out_proj(expected_w @ v))


@pytest.mark.parametrize("untrained_seed", [0, 1])
def test_cached_and_uncached_decoding_give_the_same_tokens(untrained_seed):
    model = tiny(seed=untrained_seed, decoder_layers=3)
    src, lengths, _ = padded_batch(4)
    for search in (lambda c: greedy_search(model, src, lengths, 12, cache=c),
                   lambda c: beam_search(model, src, lengths, 4, 12, cache=c)):
        cached, uncached = search(True), search(False)
        for a, b in zip(cached, uncached):
            assert a.ids == b.ids
            assert a.score == pytest.approx(b.score, abs=1e-4)


def test_beam_one_equals_greedy():
    model = tiny(seed=5)
    src, lengths, _ = padded_batch(5)
    for g, b in zip(greedy_search(model, src, lengths, 10), beam_search(model, src, lengths, 1, 10, alpha=0.0)):
        assert g.ids == b.ids and g.score == pytest.approx(b.score, abs=1e-5)
        assert g.attention is None and g.encoder_states.shape[1] == 32


def test_sinusoidal_positions_follow_the_formula_and_grow():
    table = sinusoid_table(50, 16).numpy()
    pos, i = 37, 3
    assert table[pos, 2 * i] == pytest.approx(np.sin(pos / 10000 ** (2 * i / 16)), abs=1e-6)
    assert table[pos, 2 * i + 1] == pytest.approx(np.cos(pos / 10000 ** (2 * i / 16)), abs=1e-6)
    positions = SinusoidalPositions(16, initial_length=4)
    x = torch.zeros(1, 9, 16)
    torch.testing.assert_close(positions(x, offset=3)[0], sinusoid_table(12, 16)[3:])
    learned = LearnedPositions(16, 8)
    with pytest.raises(Exception, match="longer than the 8 learned positions"):
        learned(x)


def test_shared_and_tied_embeddings_are_one_table():
    model = tiny(share_embeddings=True, tie_output=True)
    assert model.src_embed.weight is model.tgt_embed.weight is model.output.weight
    untied = tiny(share_embeddings=False, tie_output=False)
    assert untied.src_embed.weight is not untied.tgt_embed.weight
    assert untied.output.weight is not untied.tgt_embed.weight
    assert sum(p.numel() for p in model.parameters()) < sum(p.numel() for p in untied.parameters())


@pytest.mark.parametrize("bad, message", [
    (dict(d_model=30, heads=4), "multiple of heads"),
    (dict(d_model=33, heads=1), "even d_model"),
    (dict(norm="middle"), "norm"),
    (dict(positions="rotary"), "positions"),
    (dict(dropout=1.0), "dropout"),
    (dict(encoder_layers=0), "encoder_layers"),
    (dict(tgt_vocab_size=20), "joint vocabulary"),
])
def test_bad_configurations_are_clear_errors(bad, message):
    with pytest.raises(ConfigError, match=message):
        tiny(**bad)
