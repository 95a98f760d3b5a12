"""Our translator trained with JoeyNMT's initialisation and/or without an output bias: what the two
deliberate model differences of the JoeyNMT comparison do to BLEU.

Same data, configuration and command as ``seq2seq_vs_joeynmt.py`` (``seq2seq_configs.ours_config``),
in one process; after training, test2016 is decoded with beam 5 and scored like the benchmark.

    python bench/seq2seq_init_ablation.py --init joeynmt --epochs 1
    python bench/seq2seq_init_ablation.py --init pytorch --no-output-bias --epochs 1

``--init joeynmt`` re-initialises the model as JoeyNMT 2.3's ``initialize_model`` does with its RNN
example settings (xavier_uniform, each GRU gate matrix on its own fan-out, embeddings N(0, 0.1),
zero biases, padding rows zero).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seq2seq_configs as C  # noqa: E402
from runner import Report  # noqa: E402
from seq2seq_vs_joeynmt import prepare, references  # noqa: E402


def joeynmt_init(model: nn.Module, embed_std: float = 0.1) -> None:
    """JoeyNMT's ``initialize_model`` for ``initializer: xavier_uniform``, ``embed_initializer:
    normal`` (``embed_std``) and ``bias_initializer: zeros``, applied to our parameter names."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "embed" in name:
                nn.init.normal_(p, 0.0, embed_std)
            elif "bias" in name:
                nn.init.zeros_(p)
            elif p.dim() > 1 and "rnn" in name:     # gates stacked in one matrix: fan-out of one gate
                gates = 4 if isinstance(getattr(model, name.split(".")[0]).rnn, nn.LSTM) else 3
                a = math.sqrt(3.0) * math.sqrt(2.0 / (p.shape[1] + p.shape[0] // gates))
                nn.init.uniform_(p, -a, a)
            elif p.dim() > 1:
                nn.init.xavier_uniform_(p)
        model.src_embed.weight[model.cfg.pad_id].zero_()
        model.tgt_embed.weight[model.cfg.pad_id].zero_()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--init", choices=["pytorch", "joeynmt"], default="joeynmt")
    ap.add_argument("--no-output-bias", action="store_true")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--work", type=Path, default=Path("/tmp/seq2seq-bench"))
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import dataclasses

    import illustrated.seq2seq.archs as A
    from illustrated.seq2seq import DataConfig, Seq2Seq, Seq2SeqConfig, TrainConfig, train_translator
    from illustrated.seq2seq.metrics import bleu_and_chrf

    class Variant(Seq2Seq):
        def __init__(self, cfg):
            super().__init__(cfg)
            if args.no_output_bias:
                self.output = nn.Linear(cfg.hidden_dim, cfg.tgt_vocab_size, bias=False)
            if args.init == "joeynmt":
                joeynmt_init(self)

    A.ARCHS["rnn"] = dataclasses.replace(A.ARCHS["rnn"], model=Variant)   # build_model builds through it
    data, _ = prepare(args.work)
    cfg = C.ours_config(args.epochs)
    out = args.work / f"ablation-{args.init}{'-nobias' if args.no_output_bias else ''}-e{args.epochs}"
    translator, result = train_translator(
        data / "train", data / "val", out, DataConfig(**cfg["data"]), Seq2SeqConfig(**cfg["model"]),
        TrainConfig(**cfg["train"]), progress=False)
    src = (data / "test.de").read_text(encoding="utf-8").splitlines()
    hyps = [t.text for t in translator.translate(src, beam=cfg["test"]["beam"])]
    report = Report("seq2seq_init_ablation", anchor="JoeyNMT 2.3 initialisation", epochs=args.epochs)
    report.add(init=args.init, output_bias=not args.no_output_bias,
               valid_bleu=json.dumps([r["bleu"] for r in result["history"]]),
               out_words=round(sum(len(h.split()) for h in hyps) / len(hyps), 1),
               **bleu_and_chrf(hyps, references(), lowercase=True))
    report.emit(args.json)


if __name__ == "__main__":
    main()
