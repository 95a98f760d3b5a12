"""Small builders shared by the seq2seq tests."""

from __future__ import annotations

import sys

import pytest
import torch

from illustrated.seq2seq import ParallelData, Seq2SeqConfig
from illustrated.seq2seq.toy import reverse_digits

torch.set_num_threads(1)  # tiny models: one thread avoids contention on a shared machine

DIGIT_VOCAB = 4 + 10  # specials, then '0'..'9' as ids 4..13


def digit_ids(text: str) -> list[int]:
    return [4 + int(c) for c in text.split()]


def reverse_data(n: int, seed: int = 0, max_len: int = 8) -> ParallelData:
    pairs = reverse_digits(n, max_len=max_len, seed=seed)
    return ParallelData([digit_ids(s) for s, _ in pairs], [digit_ids(t) for _, t in pairs])


def tiny_config(**kw) -> Seq2SeqConfig:
    base = dict(src_vocab_size=DIGIT_VOCAB, tgt_vocab_size=DIGIT_VOCAB, emb_dim=32, hidden_dim=64,
                dropout=0.0)
    base.update(kw)
    return Seq2SeqConfig(**base)


def run_command(argv: list[str]) -> None:
    """Run ``illustrated`` with ``argv`` in this process (outside a test's own monkeypatch, as a
    module fixture needs) and check that it succeeded; torch goes back to one thread after."""
    from illustrated.cli import main

    mp = pytest.MonkeyPatch()
    mp.setattr(sys, "argv", argv)
    try:
        with pytest.raises(SystemExit) as e:
            main()
        assert not e.value.code
    finally:
        mp.undo()
        torch.set_num_threads(1)
