"""Run JoeyNMT 2.3's Transformer as the benchmark needs it; print one JSON line.

Runs inside JoeyNMT's own virtualenv (it pins other versions than ours), launched by
``bench/transformer_vs_joeynmt.py`` (and read by ``tests/test_transformer_bench_config.py``):

    JOEY_PYTHON bench/joeynmt_transformer_driver.py train   CONFIG.json THREADS [--deadline T] [--aligned-lr]
    JOEY_PYTHON bench/joeynmt_transformer_driver.py test    CONFIG.json THREADS
    JOEY_PYTHON bench/joeynmt_transformer_driver.py inspect CONFIG.json

``train`` runs JoeyNMT's own ``train`` (its post-training test skipped) and prints ``train_s``
(time inside ``train_and_validate`` less validation), target tokens (``stats.total_tokens``: real
target tokens, ``</s>`` included, no padding) and steps; it then copies the last checkpoint to
``best.ckpt`` when no validation wrote one. ``--deadline T`` (a ``time.time()`` value) stops
training after the update during which that time is reached — the equal-wall-clock comparison.
``--aligned-lr`` makes every update ``n`` (from 1) run at the scheduler's rate for step ``n``, as
ours does: JoeyNMT's scheduler steps after the optimizer, so its first update runs at the
optimizer's initial rate, the *peak* rate, and each later one at the previous step's rate.

``test`` decodes the configured test set with ``MODEL_DIR/best.ckpt`` through JoeyNMT's ``test``
and prints its generation seconds and hypotheses (no dev set is decoded).

``inspect`` builds everything JoeyNMT's ``train`` builds — the parsed configuration, the
vocabulary, the model, the optimizer and the scheduler — and prints what they resolved to,
without training: the parity test compares these with our side.
"""

import json
import shutil
import sys
import time
from pathlib import Path

import torch
import yaml

import joeynmt.prediction as P
import joeynmt.training as T

mode, cfg_path = sys.argv[1], sys.argv[2]
threads = int(sys.argv[3]) if len(sys.argv) > 3 and not sys.argv[3].startswith("--") else 1
deadline = float(sys.argv[sys.argv.index("--deadline") + 1]) if "--deadline" in sys.argv else None
aligned_lr = "--aligned-lr" in sys.argv
torch.set_num_threads(threads)
facts = {"valid_s": 0.0, "decodes": []}

with open(cfg_path) as f:
    # JSON is read as JSON: PyYAML would take a float such as 1e-08 for a string
    cfg = json.load(f) if cfg_path.endswith(".json") else yaml.safe_load(f)
Path(cfg["model_dir"]).mkdir(parents=True, exist_ok=True)

_validate = T.TrainManager._validate


def timed_validate(self, *a, **k):
    t = time.perf_counter()
    try:
        return _validate(self, *a, **k)
    finally:
        facts["valid_s"] += time.perf_counter() - t


def resolved(self) -> dict:
    """What JoeyNMT's TrainManager holds after construction: model, optimizer, scheduler, args
    (the Transformer's layers, or the recurrent encoder and decoder)."""
    m, opt, sched = self.model, self.optimizer, self.scheduler
    enc, dec = m.encoder, m.decoder
    group = opt.param_groups[0]
    out = {
        "parameters": sum(p.numel() for p in m.parameters()),
        "vocab": [len(m.src_vocab), len(m.trg_vocab)],
        "output_bias": getattr(dec.output_layer, "bias", None) is not None,
        "label_smoothing": m.loss_function.smoothing,
        "optimizer": type(opt).__name__, "adam_betas": list(group["betas"]), "adam_eps": group["eps"],
        "weight_decay": group["weight_decay"], "first_update_lr": group["lr"],
        "schedule": type(sched).__name__ if sched is not None else None, "scheduler_step_at": self.scheduler_step_at,
        "warmup": getattr(sched, "warmup", None), "peak_lr": getattr(sched, "peak_rate", None),
        "clip": self.clip_grad_fun is not None, "clip_norm": self.args.clip_grad_norm
        if hasattr(self.args, "clip_grad_norm") else None,
        "batch_type": self.args.batch_type, "max_tokens": self.args.batch_size, "batch_size": self.args.batch_size,
        "batch_multiplier": self.args.batch_multiplier, "epochs": self.args.epochs,
        "normalization": self.args.normalization, "shuffle": self.args.shuffle,
        "seed": self.seed,
        "share_embeddings": m.src_embed.lut.weight is m.trg_embed.lut.weight,
        "tie_output": dec.output_layer.weight is m.trg_embed.lut.weight,
        "emb_dim": m.src_embed.lut.embedding_dim,
    }
    if hasattr(enc, "layers"):       # Transformer
        layer = enc.layers[0]
        out.update({
            "encoder_layers": len(enc.layers), "decoder_layers": len(dec.layers),
            "d_model": enc._output_size, "heads": layer.src_src_att.num_heads,
            "ff_dim": layer.feed_forward.pwff_layer[0].out_features,
            "norm": layer._layer_norm_position, "activation": type(layer.feed_forward.pwff_layer[1]).__name__,
            "dropout": layer.dropout.p, "attention_dropout": layer.src_src_att.dropout.p,
            "scale_embeddings": bool(m.src_embed.scale)})
    else:                            # recurrent
        out.update({
            "rnn": enc.type, "hidden_dim": enc.rnn.hidden_size, "layers": enc.rnn.num_layers,
            "bidirectional": enc.rnn.bidirectional, "decoder_rnn": dec.type, "decoder_hidden": dec.hidden_size,
            "attention": type(dec.attention).__name__, "input_feeding": dec.input_feeding,
            "dropout": [enc.emb_dropout.p, dec.emb_dropout.p, dec.hidden_dropout.p],
            "init_hidden": dec.init_hidden_option})
    return out


_train = T.TrainManager.train_and_validate


def timed_train(self, *a, **k):
    if mode == "inspect":
        facts["resolved"] = resolved(self)
        return None
    if aligned_lr:
        _align_lr(self)
    if deadline is not None:
        _stop_at_deadline(self)
    t = time.perf_counter()
    out = _train(self, *a, **k)   # ends by saving the current weights (latest checkpoint)
    facts["saved_at"] = time.time()
    facts["train_s"] = time.perf_counter() - t - facts["valid_s"]
    facts["train_tokens"] = int(self.stats.total_tokens)
    facts["steps"] = int(self.stats.steps)
    best = Path(self.model_dir) / "best.ckpt"
    if not best.exists():   # no validation ran: decode with the last weights
        last = max(Path(self.model_dir).glob("*.ckpt"), key=lambda p: p.stat().st_mtime)
        shutil.copyfile(last, best)
    return out


def _align_lr(manager) -> None:
    """Before each update, set the rate the scheduler gives the update's own (1-based) number."""
    optimizer, scheduler = manager.optimizer, manager.scheduler
    step = optimizer.step

    def aligned(*a, **k):
        scheduler._step = manager.stats.steps + 1
        for group in optimizer.param_groups:
            group["lr"] = scheduler._compute_rate()
        return step(*a, **k)

    optimizer.step = aligned


def _stop_at_deadline(manager) -> None:
    """Ask JoeyNMT's loop to stop (its own max-updates flag) after the update in which the
    deadline passes."""
    step = manager._train_step

    def train_step(batch):
        out = step(batch)
        if time.time() >= deadline:
            manager.stats.is_max_update = True
        return out

    manager._train_step = train_step


_predict = P.predict


def timed_predict(*a, **k):
    t = time.perf_counter()
    out = _predict(*a, **k)
    facts["decodes"].append({"seconds": time.perf_counter() - t, "hypotheses": out[2]})
    return out


T.TrainManager._validate = timed_validate
T.TrainManager.train_and_validate = timed_train
P.predict = timed_predict

if mode in ("train", "inspect"):
    T.train(rank=0, world_size=1, cfg=json.loads(json.dumps(cfg)), skip_test=True)
    if mode == "inspect":
        print("JOEY_RESOLVED " + json.dumps(facts["resolved"]))
    else:
        print("JOEY_RESULT " + json.dumps({k: facts.get(k) for k in ("saved_at", "train_s", "valid_s",
                                                                    "train_tokens", "steps")}))
elif mode == "test":
    cfg["testing"]["load_model"] = str(Path(cfg["model_dir"]) / "best.ckpt")
    cfg["data"].pop("dev", None)
    P.test(cfg)
    test = facts["decodes"][-1]
    print("JOEY_RESULT " + json.dumps({"decode_s": test["seconds"], "hypotheses": test["hypotheses"]}))
else:
    raise SystemExit(f"unknown mode {mode!r}: train, test or inspect")
