"""The two configurations of the JoeyNMT comparison, and how their settings correspond.

``ours_config`` is what our model folder's ``config.json`` holds (plus the trainer's fixed choices
and the test-time search settings); ``joey_config`` is a JoeyNMT 2.3 YAML configuration written as
its own RNN example configs write one (``configs/rnn_small.yaml`` in 2.3; the word-level
``iwslt_envi_xnmt.yaml`` of 1.x, whose optimiser, clipping, batch, dropout and plateau schedule
are the ones used here). ``SHARED`` pairs every setting both sides have; ``DIFFERENCES`` lists,
with the reason, every setting on which they deliberately differ. ``tests/test_bench_seq2seq_configs.py``
checks that the pairs agree, that the differences are exactly these, and that no setting of
either configuration is left unaccounted for.
"""

from __future__ import annotations

import inspect
import json
from dataclasses import asdict
from pathlib import Path

__all__ = ["ours_config", "ours_command", "joey_config", "joey_test_config", "get", "leaves", "SHARED",
           "EQUIVALENT", "DIFFERENCES", "OURS_ONLY", "JOEY_ONLY", "JOEY_RUN", "anchor_summary",
           "logging_freq_for", "to_yaml"]

EPOCHS = 1
THREADS = 1


def ours_config(epochs: int = EPOCHS) -> dict:
    """Our benchmark configuration: ``data``/``model``/``train`` as in a model folder's
    ``config.json``, ``trainer`` (what ``Trainer`` fixes), ``test`` (search settings)."""
    from illustrated.seq2seq import DataConfig, SearchConfig, Seq2SeqConfig, TrainConfig, Translator

    data = DataConfig(src_lang="de", tgt_lang="en", tokens="words", lowercase=True, min_count=2)
    model = Seq2SeqConfig(emb_dim=256, hidden_dim=256, layers=1, rnn="gru", bidirectional=True,
                          attention="bahdanau", dropout=0.3, input_feeding=True)
    # a constant learning rate, as JoeyNMT's (see EQUIVALENT): the plateau schedule's patience
    # is at least the number of epochs, so it cannot act within the run
    train = TrainConfig(epochs=epochs, batch_size=64, lr=1e-3, clip=1.0, label_smoothing=0.0,
                        lr_factor=0.5, lr_patience=max(1, epochs), min_lr=1e-5, patience=0, seed=1,
                        max_len=80, valid_beam=1)
    search = inspect.signature(Translator.translate).parameters
    return {
        "data": asdict(data), "model": model.to_dict(), "train": train.to_dict(),
        # fixed by trainer.py (checked against a real Trainer by the test)
        "trainer": {"optimizer": "adam", "adam_betas": [0.9, 0.999], "weight_decay": 0.0,
                    "loss": "mean cross-entropy over target tokens", "validate": "every epoch",
                    "test_weights": "best validation bleu", "output_bias": True,
                    "init": "pytorch defaults", "batches": "similar lengths, batch order shuffled"},
        "test": {"beam": 5, "alpha": SearchConfig().alpha, "batch_size": search["batch_size"].default,
                 "max_output": "2 x source length + 10"},
    }


def ours_command(cfg: dict, data: Path, out: Path, threads: int, exe: list[str]) -> list[str]:
    """``illustrated translate train`` with every setting of ``cfg`` the command line takes."""
    d, m, t = cfg["data"], cfg["model"], cfg["train"]
    return [*exe, "translate", "train", "--train", str(data / "train"), "--valid", str(data / "val"),
            "--src", d["src_lang"], "--tgt", d["tgt_lang"], "-o", str(out),
            "--tokens", d["tokens"], "--min-count", str(d["min_count"]),
            "--lowercase" if d["lowercase"] else "--no-lowercase",
            "--emb-dim", str(m["emb_dim"]), "--hidden-dim", str(m["hidden_dim"]), "--layers", str(m["layers"]),
            "--rnn", m["rnn"], "--attention", m["attention"], "--dropout", str(m["dropout"]),
            "--input-feeding" if m["input_feeding"] else "--no-input-feeding",
            "--epochs", str(t["epochs"]), "--batch-size", str(t["batch_size"]), "--lr", str(t["lr"]),
            "--label-smoothing", str(t["label_smoothing"]), "--patience", str(t["patience"]),
            "--lr-patience", str(t["lr_patience"]),
            "--max-len", str(t["max_len"]), "--valid-beam", str(t["valid_beam"]), "--seed", str(t["seed"]),
            "--threads", str(threads)]


def logging_freq_for(steps_per_epoch: int) -> int:
    """JoeyNMT wants ``validation_freq`` divisible by ``logging_freq``: the largest divisor ≤ 250."""
    return max(k for k in range(1, min(250, steps_per_epoch) + 1) if steps_per_epoch % k == 0)


def joey_config(data: Path, model_dir: Path, epochs: int = EPOCHS, steps_per_epoch: int = 454,
                workers: int = 0) -> dict:
    """JoeyNMT 2.3's configuration of the same model, validated (and scheduled) once per epoch."""
    side = {"level": "word", "lowercase": True, "normalize": False, "max_length": 80, "min_length": 1,
            "voc_min_freq": 2}
    emb = {"embedding_dim": 256, "scale": False, "freeze": False}
    return {
        "name": "multi30k-gru-bahdanau", "joeynmt_version": "2.3.0", "model_dir": str(model_dir),
        "use_cuda": False, "fp16": False, "random_seed": 1, "num_workers": workers,
        "data": {"train": str(data / "train"), "dev": str(data / "val"), "test": str(data / "test"),
                 "dataset_type": "plain", "src": {"lang": "de", **side}, "trg": {"lang": "en", **side}},
        "testing": {"n_best": 1, "beam_size": 5, "beam_alpha": 1.0, "batch_size": 64, "batch_type": "sentence",
                    "max_output_length": -1, "eval_metrics": ["bleu"],
                    "sacrebleu_cfg": {"tokenize": "13a", "lowercase": True}},
        "training": {"optimizer": "adam", "adam_betas": [0.9, 0.999], "weight_decay": 0.0,
                     "learning_rate": 0.001, "clip_grad_norm": 1.0,
                     "batch_size": 64, "batch_type": "sentence", "shuffle": True, "normalization": "tokens",
                     "loss": "crossentropy", "label_smoothing": 0.0,
                     "scheduling": "exponential", "decrease_factor": 1.0,
                     "early_stopping_metric": "bleu", "epochs": epochs,
                     "validation_freq": steps_per_epoch, "logging_freq": logging_freq_for(steps_per_epoch),
                     "overwrite": True, "keep_best_ckpts": 1, "print_valid_sents": [0, 1, 2]},
        "model": {
            "initializer": "xavier_uniform", "init_gain": 1.0, "embed_initializer": "normal",
            "embed_init_weight": 0.1, "bias_initializer": "zeros", "init_rnn_orthogonal": False,
            "tied_embeddings": False, "tied_softmax": False,
            "encoder": {"type": "recurrent", "rnn_type": "gru", "embeddings": dict(emb), "hidden_size": 256,
                        "bidirectional": True, "dropout": 0.3, "num_layers": 1},
            "decoder": {"type": "recurrent", "rnn_type": "gru", "embeddings": dict(emb), "hidden_size": 256,
                        "dropout": 0.3, "hidden_dropout": 0.3, "num_layers": 1, "input_feeding": True,
                        "init_hidden": "bridge", "attention": "bahdanau"}}}


def joey_test_config(cfg: dict) -> dict:
    """The same configuration for ``joeynmt test``, decoding the test set only (no dev set)."""
    out = {**cfg, "data": {k: v for k, v in cfg["data"].items() if k != "dev"}}
    return out


def to_yaml(cfg: dict, indent: int = 0) -> str:
    """Block-style YAML that PyYAML (YAML 1.1) reads back exactly: floats always carry a point
    and a signed exponent (``1.0e-05``; PyYAML reads ``1e-05`` as a string), strings are quoted."""
    lines = []
    for k, v in cfg.items():
        pad = "  " * indent
        if isinstance(v, dict):
            lines += [f"{pad}{k}:", to_yaml(v, indent + 1)]
        else:
            lines.append(f"{pad}{k}: {_scalar(v)}")
    return "\n".join(lines) + ("\n" if indent == 0 else "")


def _scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        mantissa, _, exponent = repr(v).partition("e")
        mantissa += "" if "." in mantissa else ".0"
        if exponent and exponent[0] not in "+-":
            exponent = "+" + exponent
        return mantissa + (f"e{exponent}" if exponent else "")
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    return json.dumps(str(v))


def get(cfg: dict, path: str):
    """``cfg["a"]["b"]`` for ``path`` ``"a.b"``."""
    for part in path.split("."):
        cfg = cfg[part]
    return cfg


def leaves(cfg: dict, prefix: str = "") -> dict:
    """Every non-dict value of a nested configuration by its dotted path."""
    out = {}
    for k, v in cfg.items():
        path = f"{prefix}{k}"
        out.update(leaves(v, path + ".") if isinstance(v, dict) else {path: v})
    return out


# (our path, JoeyNMT path(s), what): the value must be the same on both sides.
SHARED: list[tuple[str, tuple[str, ...], str]] = [
    ("data.src_lang", ("data.src.lang",), "source language"),
    ("data.tgt_lang", ("data.trg.lang",), "target language"),
    ("data.lowercase", ("data.src.lowercase", "data.trg.lowercase", "testing.sacrebleu_cfg.lowercase"),
     "lowercased text and BLEU"),
    ("data.min_count", ("data.src.voc_min_freq", "data.trg.voc_min_freq"), "rarer words become <unk>"),
    ("train.max_len", ("data.src.max_length", "data.trg.max_length"), "longer training pairs dropped"),
    ("model.emb_dim", ("model.encoder.embeddings.embedding_dim", "model.decoder.embeddings.embedding_dim"),
     "embedding size"),
    ("model.hidden_dim", ("model.encoder.hidden_size", "model.decoder.hidden_size"), "RNN size"),
    ("model.layers", ("model.encoder.num_layers", "model.decoder.num_layers"), "RNN layers"),
    ("model.rnn", ("model.encoder.rnn_type", "model.decoder.rnn_type"), "GRU cells"),
    ("model.bidirectional", ("model.encoder.bidirectional",), "bidirectional encoder"),
    ("model.attention", ("model.decoder.attention",), "additive (Bahdanau) attention"),
    ("model.dropout", ("model.encoder.dropout", "model.decoder.dropout", "model.decoder.hidden_dropout"),
     "dropout on embeddings (decoder: with the fed-back vector) and before the attentional layer"),
    ("model.input_feeding", ("model.decoder.input_feeding",), "input feeding"),
    ("train.epochs", ("training.epochs",), "epochs"),
    ("train.batch_size", ("training.batch_size",), "sentences per training batch"),
    ("train.lr", ("training.learning_rate",), "Adam learning rate"),
    ("train.clip", ("training.clip_grad_norm",), "gradient norm clipping"),
    ("train.label_smoothing", ("training.label_smoothing",), "label smoothing"),
    ("train.seed", ("random_seed",), "seed"),
    ("trainer.optimizer", ("training.optimizer",), "optimiser"),
    ("trainer.adam_betas", ("training.adam_betas",), "Adam betas"),
    ("trainer.weight_decay", ("training.weight_decay",), "weight decay"),
    ("test.beam", ("testing.beam_size",), "beam size"),
    ("test.alpha", ("testing.beam_alpha",), "length penalty alpha"),
]

# The same setting spelled differently: (our path, our value, JoeyNMT paths, their values, what).
# No JoeyNMT path: built into JoeyNMT, no option.
EQUIVALENT: list[tuple[str, object, tuple[str, ...], tuple, str]] = [
    ("data.tokens", "words", ("data.src.level", "data.trg.level"), ("word", "word"),
     "word-level tokens (both read the same tokenized files)"),
    ("train.max_tokens", None, ("training.batch_type",), ("sentence",), "batches by sentence count"),
    ("train.precision", "fp32", ("fp16",), (False,), "float32 arithmetic on both sides"),
    ("train.valid_beam", 1, (), (), "validation BLEU by greedy search (JoeyNMT always validates greedily)"),
    ("train.lr_patience", 1, ("training.scheduling", "training.decrease_factor"), ("exponential", 1.0),
     "a constant learning rate. JoeyNMT 2.3 cannot run its RNN examples' `plateau` scheduler with "
     "torch 2.13 (it passes `verbose`, which torch no longer takes) nor without a scheduler (a "
     "missing `scheduling` is a configuration error in 2.3), so it runs `exponential` with factor "
     "1.0; our plateau schedule gets a patience of at least the number of epochs, so it never acts"),
    ("trainer.test_weights", "best validation bleu", ("training.early_stopping_metric", "testing.eval_metrics"),
     ("bleu", ["bleu"]), "the model tested is the best by validation BLEU (model.pt / best.ckpt)"),
    ("trainer.validate", "every epoch", ("training.validation_freq",), (454,),
     "one validation per epoch (454 steps on all 29,000 pairs) on the 1,014 validation pairs"),
    ("trainer.loss", "mean cross-entropy over target tokens", ("training.normalization", "training.loss"),
     ("tokens", "crossentropy"), "batch loss divided by its number of target tokens"),
    ("test.batch_size", 64, ("testing.batch_size", "testing.batch_type"), (64, "sentence"),
     "64 sentences a batch when decoding"),
    ("train.patience", 0, (), (), "no early stopping by patience (JoeyNMT has none)"),
]

# Deliberate differences: (our path, our value, JoeyNMT paths, their values, why).
DIFFERENCES: list[tuple[str, object, tuple[str, ...], tuple, str]] = [
    ("trainer.output_bias", True, ("model.tied_softmax",), (False,),
     "our output layer has a bias (one vector of vocabulary size); JoeyNMT's has none, and no option"),
    ("trainer.init", "pytorch defaults",
     ("model.initializer", "model.init_gain", "model.embed_initializer", "model.embed_init_weight",
      "model.bias_initializer", "model.init_rnn_orthogonal"),
     ("xavier_uniform", 1.0, "normal", 0.1, "zeros", False),
     "initialisation: ours PyTorch's defaults (embeddings N(0, 1), weights and biases uniform "
     "±1/sqrt(fan-in)); JoeyNMT as its RNN examples: xavier_uniform, embeddings N(0, 0.1), zero biases"),
    ("trainer.batches", "similar lengths, batch order shuffled", ("training.shuffle",), (True,),
     "ours groups sentences of similar length into a batch; JoeyNMT 2.3 draws each batch's "
     "sentences at random (it has no bucketing)"),
    ("test.max_output", "2 x source length + 10", ("testing.max_output_length",), (-1,),
     "longest output: ours 2 × source + 10 tokens, JoeyNMT 1.5 × the longest source of the batch"),
]

# Settings only one side has (bookkeeping, or inherent to one toolkit), with their value.
OURS_ONLY = {
    "data.max_vocab": None, "data.bpe_vocab": 8000, "data.max_src_len": 200,
    "model.src_vocab_size": 0, "model.tgt_vocab_size": 0, "model.src_features": None,
    "model.attn_dim": None, "model.pad_id": 0, "model.bos_id": 2, "model.eos_id": 3,
    "train.lr_factor": 0.5, "train.min_lr": 1e-5, "train.log_every": 50, "train.checkpoint_every": 0, "train.max_steps": 0, "train.max_minutes": 0.0,
    "train.freeze_src_embeddings": False, "train.freeze_tgt_embeddings": False,
    # the Transformer's settings, at the recurrent model's values (Adam's betas and epsilon are
    # JoeyNMT's defaults too: see trainer.adam_betas above)
    "train.accumulate": 1, "train.warmup": 4000, "train.schedule": "plateau", "train.average_last": 0,
    "train.adam_betas": (0.9, 0.999), "train.adam_eps": 1e-08,
    "data.source_eos": False, "data.joint_vocab": False,
}
JOEY_ONLY = {
    "name": "multi30k-gru-bahdanau", "joeynmt_version": "2.3.0", "use_cuda": False,
    "data.dataset_type": "plain", "data.src.normalize": False, "data.trg.normalize": False,
    "data.src.min_length": 1, "data.trg.min_length": 1, "testing.n_best": 1,
    "testing.sacrebleu_cfg.tokenize": "13a", "training.overwrite": True,
    "training.keep_best_ckpts": 1, "training.print_valid_sents": [0, 1, 2], "model.tied_embeddings": False,
    "model.encoder.type": "recurrent", "model.decoder.type": "recurrent",
    "model.encoder.embeddings.scale": False, "model.decoder.embeddings.scale": False,
    "model.encoder.embeddings.freeze": False, "model.decoder.embeddings.freeze": False,
    "model.decoder.init_hidden": "bridge",
}
# Paths of files and run-dependent numbers (data, model folder, logging cadence, data workers).
JOEY_RUN = ("model_dir", "data.train", "data.dev", "data.test", "training.logging_freq", "num_workers")


def anchor_summary(cfg: dict) -> str:
    """JoeyNMT's settings in one line, to print beside the figures."""
    m, t, e, d = cfg["model"], cfg["training"], cfg["model"]["encoder"], cfg["model"]["decoder"]
    return (f"JoeyNMT {cfg['joeynmt_version']}: {e['rnn_type']} {e['hidden_size']}"
            f"{' bidirectional' if e['bidirectional'] else ''} encoder, {d['rnn_type']} {d['hidden_size']} "
            f"decoder, {d['attention']} attention, input_feeding {d['input_feeding']}, init_hidden "
            f"{d['init_hidden']}, embeddings {e['embeddings']['embedding_dim']}, dropout {e['dropout']}/"
            f"{d['dropout']}/hidden_dropout {d['hidden_dropout']}; {t['optimizer']} {t['learning_rate']}, "
            f"clip_grad_norm {t['clip_grad_norm']}, {t['batch_size']} {t['batch_type']}s a batch "
            f"(shuffle {t['shuffle']}), normalization {t['normalization']}, "
            f"scheduling {t['scheduling']} {t['decrease_factor']} (constant), validation every "
            f"{t['validation_freq']} steps, test with best.ckpt by {t['early_stopping_metric']}; "
            f"init {m['initializer']}, "
            f"embeddings {m['embed_initializer']} {m['embed_init_weight']}, biases {m['bias_initializer']}; "
            f"voc_min_freq {cfg['data']['src']['voc_min_freq']}, max_length {cfg['data']['src']['max_length']}; "
            f"beam {cfg['testing']['beam_size']}, alpha {cfg['testing']['beam_alpha']}; "
            f"num_workers {cfg.get('num_workers', 0)}")
