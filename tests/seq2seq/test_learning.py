"""Models must learn: digit reversal to ≥ 99 %, Luong attention, LSTM, and vector-sequence input."""

from pathlib import Path

import numpy as np
import pytest
import torch

from illustrated.seq2seq import ParallelData, Seq2Seq, TrainConfig, Trainer, greedy_search

from .helpers import reverse_data, tiny_config


def sequence_accuracy(model, data: ParallelData) -> float:
    right = 0
    for b in data.batches(batch_size=250):
        for h, i in zip(greedy_search(model, b.src, b.src_lengths, 12), b.index.tolist()):
            right += h.ids == data.tgt[i]
    return right / len(data)


def train(cfg, data, tmp_path: Path, epochs: int, batch_size: int = 32, lr: float = 3e-3) -> Seq2Seq:
    torch.manual_seed(0)
    model = Seq2Seq(cfg)
    Trainer(model, TrainConfig(epochs=epochs, batch_size=batch_size, lr=lr, patience=0), tmp_path,
            progress=False).fit(data)
    return model


def test_reverses_digit_sequences(tmp_path):
    model = train(tiny_config(), reverse_data(8000), tmp_path, epochs=7, batch_size=64)
    assert sequence_accuracy(model, reverse_data(500, seed=1)) >= 0.99


@pytest.mark.parametrize("kind", [dict(attention="general"),
                                  dict(attention="dot", bidirectional=False),
                                  dict(attention="bahdanau", rnn="lstm", input_feeding=False)])
def test_other_attentions_and_cells_learn(tmp_path, kind):
    model = train(tiny_config(**kind), reverse_data(3000, max_len=5), tmp_path, epochs=3)
    assert sequence_accuracy(model, reverse_data(300, seed=1, max_len=5)) >= 0.9


def test_an_untrained_model_does_not_reverse(tmp_path):
    torch.manual_seed(0)
    assert sequence_accuracy(Seq2Seq(tiny_config()), reverse_data(300, seed=1)) < 0.05


def test_vector_sequences_as_input(tmp_path):
    """Each source item is a noisy 6-dim vector (not an id); the target names the items in reverse."""
    rng = np.random.default_rng(0)
    protos = rng.normal(size=(10, 6)).astype(np.float32)
    pairs = reverse_data(3000, max_len=5)
    src = [protos[np.array(s) - 4] + 0.1 * rng.normal(size=(len(s), 6)).astype(np.float32)
           for s in pairs.src]
    data = ParallelData(src, pairs.tgt)
    cfg = tiny_config(src_features=6, src_vocab_size=0)
    model = train(cfg, data, tmp_path, epochs=3)
    test_pairs = reverse_data(300, seed=1, max_len=5)
    test = ParallelData([protos[np.array(s) - 4] for s in test_pairs.src], test_pairs.tgt)
    assert test.batches(batch_size=10)[0].src.dtype == torch.float32
    assert sequence_accuracy(model, test) >= 0.9
