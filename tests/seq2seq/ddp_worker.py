"""One rank of the data-parallel test: ``torchrun --nproc_per_node 2 ddp_worker.py OUT STEPS``.

Trains the tiny Transformer of :func:`build` on :func:`data` for STEPS optimizer steps under
DistributedDataParallel and writes this rank's weights to ``OUT/rank{R}.pt``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from illustrated.seq2seq import Transformer, TransformerConfig, TransformerTrainConfig, Trainer  # noqa: E402
from illustrated.distributed import setup, teardown  # noqa: E402
from tests.seq2seq.helpers import DIGIT_VOCAB, reverse_data  # noqa: E402


def build() -> Transformer:
    torch.manual_seed(11)
    return Transformer(TransformerConfig(src_vocab_size=DIGIT_VOCAB, tgt_vocab_size=DIGIT_VOCAB, d_model=32,
                                         heads=4, ff_dim=64, encoder_layers=2, decoder_layers=2,
                                         dropout=0.0, attention_dropout=0.0))


def data():
    return reverse_data(300, seed=3)


def train_config(steps: int, accumulate: int = 1) -> TransformerTrainConfig:
    return TransformerTrainConfig(epochs=5, max_tokens=None, batch_size=16, accumulate=accumulate, lr=3e-3,
                                  warmup=4, clip=1.0, label_smoothing=0.1, average_last=0, max_steps=steps,
                                  log_every=1)


def main() -> None:
    out, steps = Path(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(1)
    world = setup()
    try:
        from torch.nn.parallel import DistributedDataParallel

        model = build()
        trainer = Trainer(DistributedDataParallel(model), train_config(steps), out / "model", progress=False,
                          world=world)
        trainer.fit(data())
        torch.save({"model": model.state_dict(), "losses": trainer.losses, "world": world.size},
                   out / f"rank{world.rank}.pt")
    finally:
        teardown()


if __name__ == "__main__":
    main()
