"""Search: beam 1 equals greedy, beam results are well formed, beam finds more probable outputs."""

import numpy as np
import pytest
import torch

from illustrated.errors import ConfigError
from illustrated.seq2seq import Seq2Seq, TrainConfig, Trainer, beam_search, greedy_search
from illustrated.seq2seq.search import MAX_BEAM, MAX_OUTPUT_LEN

from .helpers import reverse_data, tiny_config


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    torch.manual_seed(0)
    m = Seq2Seq(tiny_config())
    Trainer(m, TrainConfig(epochs=1, batch_size=32, lr=3e-3, patience=0), tmp_path_factory.mktemp("m"),
            progress=False).fit(reverse_data(1500))
    return m


@pytest.mark.parametrize("trained", [True, False])
def test_beam_one_equals_greedy(model, trained):
    if not trained:
        torch.manual_seed(3)
        model = Seq2Seq(tiny_config())
    b = reverse_data(40, seed=2).batches(batch_size=40)[0]
    greedy = greedy_search(model, b.src, b.src_lengths, 12)
    beam = beam_search(model, b.src, b.src_lengths, beam=1, max_len=12, alpha=0.0)
    for g, h in zip(greedy, beam):
        assert g.ids == h.ids
        assert g.score == pytest.approx(h.score, abs=1e-4)
        np.testing.assert_allclose(g.attention, h.attention, atol=1e-6)
        np.testing.assert_allclose(g.states, h.states, atol=1e-6)


def test_beam_hypotheses_are_well_formed_and_at_least_as_probable(model):
    data = reverse_data(60, seed=4)
    b = data.batches(batch_size=60)[0]
    greedy = greedy_search(model, b.src, b.src_lengths, 12)
    beam = beam_search(model, b.src, b.src_lengths, beam=5, max_len=12, alpha=0.0)
    for g, h, n in zip(greedy, beam, b.src_lengths.tolist()):
        assert h.attention.shape == (len(h.ids), n) and h.attention.dtype == np.float32
        np.testing.assert_allclose(h.attention.sum(1), 1.0, atol=1e-5)
        assert h.states.shape == (len(h.ids), 64) and h.encoder_states.shape == (n, 128)
        assert 3 not in h.ids                                   # no </s> inside
        assert h.score >= g.score - 1e-4                        # beam never does worse than greedy here
    assert any(h.score > g.score + 1e-3 for g, h in zip(greedy, beam))


def test_max_len_caps_the_output(model):
    b = reverse_data(10, seed=5).batches(batch_size=10)[0]
    for h in beam_search(model, b.src, b.src_lengths, beam=3, max_len=2) + greedy_search(model, b.src, b.src_lengths, 2):
        assert len(h.ids) <= 2


def test_first_step_once_per_sentence_finds_what_a_full_beam_finds(model, monkeypatch):
    b = reverse_data(30, seed=6).batches(batch_size=30)[0]
    short = beam_search(model, b.src, b.src_lengths, beam=4, max_len=12)    # first step: one row a sentence
    monkeypatch.setattr(model.cfg, "tgt_vocab_size", 3)                     # forces beam rows from the start
    full = beam_search(model, b.src, b.src_lengths, beam=4, max_len=12)
    for h, f in zip(short, full):
        assert h.ids == f.ids and h.score == pytest.approx(f.score, abs=1e-5)
        np.testing.assert_allclose(h.attention, f.attention, atol=1e-6)


def test_a_beam_wider_than_the_vocabulary(model):
    b = reverse_data(5, seed=7).batches(batch_size=5)[0]
    for h in beam_search(model, b.src, b.src_lengths, beam=20, max_len=12):   # 14 target tokens
        assert 3 not in h.ids and np.isfinite(h.score)
        np.testing.assert_allclose(h.attention.sum(1), 1.0, atol=1e-5)


def test_no_search_returns_an_empty_output(model, monkeypatch):
    """A model that prefers </s> everywhere (as a barely trained one may) still gets one token."""
    step = model.step_logits

    def eos_first(prev, enc, state):
        logp, state, w, top = step(prev, enc, state)
        return torch.log_softmax(logp + 50.0 * (torch.arange(logp.shape[1]) == 3), -1), state, w, top

    monkeypatch.setattr(model, "step_logits", eos_first)
    b = reverse_data(6, seed=5).batches(batch_size=6)[0]
    for hyps in (greedy_search(model, b.src, b.src_lengths, 12),
                 beam_search(model, b.src, b.src_lengths, beam=1, max_len=12),
                 beam_search(model, b.src, b.src_lengths, beam=20, max_len=12)):
        assert all(len(h.ids) == 1 and 3 not in h.ids and np.isfinite(h.score) for h in hyps)


@pytest.mark.parametrize("beam,max_len,message", [
    (MAX_BEAM + 1, 12, f"beam must be between 1 and {MAX_BEAM}, got {MAX_BEAM + 1}"),
    (0, 12, f"beam must be between 1 and {MAX_BEAM}, got 0"),
    (2, MAX_OUTPUT_LEN + 1, f"max_len must be between 1 and {MAX_OUTPUT_LEN}, got {MAX_OUTPUT_LEN + 1}"),
])
def test_beam_and_length_are_bounded_before_any_work(model, beam, max_len, message):
    b = reverse_data(4, seed=7).batches(batch_size=4)[0]
    with pytest.raises(ConfigError, match=message):
        beam_search(model, b.src, b.src_lengths, beam=beam, max_len=max_len)
    if beam > 0:
        with pytest.raises(ConfigError, match=message.replace("beam", "valid_beam", 1) if beam != 2 else message):
            if beam != 2:
                TrainConfig(valid_beam=beam)
            else:
                greedy_search(model, b.src, b.src_lengths, max_len)


def test_a_wide_beam_searches_a_few_sentences_at_a_time_with_the_same_results(model, monkeypatch):
    from illustrated.seq2seq import search

    b = reverse_data(30, seed=8).batches(batch_size=30)[0]
    whole = beam_search(model, b.src, b.src_lengths, beam=4, max_len=12)
    rows = []
    real_start = search._Beams.start.__func__

    def start(cls, model, enc, src, beam, cache):
        rows.append(src.shape[0] * beam)
        return real_start(cls, model, enc, src, beam, cache)

    monkeypatch.setattr(search, "MAX_BEAM_ROWS", 12)
    monkeypatch.setattr(search._Beams, "start", classmethod(start))
    parts = beam_search(model, b.src, b.src_lengths, beam=4, max_len=12)
    assert rows and max(rows) <= 12 and len(rows) == 10          # 3 sentences × 4 beams at a time
    for w, p in zip(whole, parts):
        assert w.ids == p.ids and w.score == pytest.approx(p.score, abs=1e-5)
        np.testing.assert_allclose(w.attention, p.attention, atol=1e-5)
