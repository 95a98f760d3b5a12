"""The Transformer vs JoeyNMT 2.3 on Multi30k German→English: the same model, side by side in one run.

Both systems train the same Transformer (JoeyNMT's own small-Transformer settings as the
reference: pre-norm, 3+3 layers, d_model 256, 4 heads, feed-forward 1024, scaled embeddings
with sinusoidal positions, one embedding table shared by source, target and output layer) on
the same subwords (one joint sentencepiece BPE model and vocabulary, trained once here on the
lowercased training text and handed to both), with the same optimisation (Adam (0.9, 0.98),
warm-up then inverse square root, label smoothing 0.1, batches of 4,096 tokens, the same number
of epochs, no validation during training). Each runs as its own command in its own process:
ours is ``illustrated translate train --arch transformer``, JoeyNMT its ``train`` through
``bench/joeynmt_transformer_driver.py`` in its own virtualenv.

Reported per system: training target tokens/s in the inner loop (time inside training, batch
making included, validation excluded), whole-process time from command start to the saved
model and the tokens/s it implies, beam-5 decoding sentences/s on test2016, BLEU (sacrebleu
13a, lowercased, detokenized output against the raw references) and chrF, peak memory.

    python bench/transformer_vs_joeynmt.py --epochs 3 --threads 2
    python bench/transformer_vs_joeynmt.py --epochs 3 --threads 2 --redecode   # decoding only

:func:`shared_settings`, :func:`our_command` and :func:`joey_config` are also read by a test that
checks both configurations agree on every shared setting (``DIFFERENCES`` lists the deliberate
differences).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runner import MULTI30K_SPLITS, Report, multi30k_lines, ratio  # noqa: E402



def shared_settings(epochs: int = 3) -> dict:
    """Every setting both systems are given, in one place (our names)."""
    from illustrated.seq2seq import TransformerConfig, TransformerDataConfig, TransformerTrainConfig

    model, data, train = TransformerConfig(), TransformerDataConfig(), TransformerTrainConfig()
    return {
        # data
        "src_lang": "de", "tgt_lang": "en", "lowercase": True, "tokens": data.tokens,
        "joint_vocab": data.joint_vocab, "bpe_vocab": data.bpe_vocab, "max_len": train.max_len,
        # model: our defaults, which are JoeyNMT's small Transformer at d_model 256
        "encoder_layers": model.encoder_layers, "decoder_layers": model.decoder_layers,
        "d_model": model.d_model, "heads": model.heads, "ff_dim": model.ff_dim, "dropout": model.dropout,
        "attention_dropout": model.attention_dropout, "norm": model.norm, "positions": model.positions,
        "scale_embeddings": model.scale_embeddings, "tie_output": model.tie_output,
        "share_embeddings": model.share_embeddings,
        # training
        "epochs": epochs, "max_tokens": train.max_tokens, "lr": train.lr, "schedule": train.schedule,
        "warmup": train.warmup, "adam_betas": list(train.adam_betas), "adam_eps": train.adam_eps,
        "clip": train.clip, "label_smoothing": train.label_smoothing, "seed": 1,
        # decoding
        "beam": 5, "alpha": 1.0,
    }


# What is deliberately not the same, and why (the agreement test prints and checks this list).
DIFFERENCES = {
    "batching": "ours groups sentences of similar length into each 4,096-token batch; JoeyNMT draws "
                "them at random (its design: no bucketing), so its batches hold more padding and fewer "
                "real tokens, and it takes more steps per epoch",
    "initialisation": "ours: embeddings N(0, 1/d_model) (fairseq's), matrices Xavier-uniform; JoeyNMT: "
                      "Xavier-uniform everywhere (its example configs)",
    "label_smoothing": "the same 0.1: ours spreads it over the whole vocabulary (PyTorch's cross-entropy), "
                       "JoeyNMT over all but the reference and <pad>",
    "averaging": "off on both sides (ours can average the last epochs' weights; JoeyNMT does not in training)",
    "valid": "no validation during training on either side (it would be timed differently)",
    "input": "JoeyNMT reads the text already cut into the shared subwords (its sentencepiece wrapper "
             "needs SetVocabulary, gone from sentencepiece 0.2), so cutting costs it nothing inside its "
             "process; ours reads raw text and learns and applies the subword model inside its command",
    "test_batches": "decoding batches: ours 64 sentences sorted by length; JoeyNMT 1,024 tokens in file "
                    "order (its example configs)",
    "vocabulary_order": "the same tokens and segmentation; JoeyNMT puts <unk> at 0 and <pad> at 1, we put "
                        "<pad> at 0 and <unk> at 1",
}


def prepare(work: Path, settings: dict, limit: int | None = None) -> Path:
    """Raw Multi30k files (``train.de`` …) that our command reads, the joint subword model and
    vocabulary (ours learns the same ones itself, deterministically, inside its command), and the
    same text cut into those subwords (``pieces/train.de`` …), which JoeyNMT reads."""
    from illustrated.seq2seq.data import DataConfig
    from illustrated.seq2seq.pipeline import make_vocabularies

    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name in MULTI30K_SPLITS:
        for lang in ("de", "en"):
            lines = multi30k_lines(name, lang, limit)
            (data / f"{name}.{lang}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = DataConfig("de", "en", settings["tokens"], lowercase=settings["lowercase"],
                     bpe_vocab=settings["bpe_vocab"], joint_vocab=settings["joint_vocab"])
    read = lambda lang: (data / f"train.{lang}").read_text(encoding="utf-8").splitlines()  # noqa: E731
    vocab, _, codec, _ = make_vocabularies(read("de"), read("en"), cfg, settings["seed"])
    (data / "joint.spm").write_bytes(codec.spm_model)
    (data / "joint.vocab").write_text("".join(t + "\n" for t in vocab.itos[4:]), encoding="utf-8")
    (data / "vocab.fingerprint").write_text("\n".join(vocab.itos), encoding="utf-8")
    (data / "pieces").mkdir(exist_ok=True)
    for name in MULTI30K_SPLITS:
        for lang in ("de", "en"):
            lines = (data / f"{name}.{lang}").read_text(encoding="utf-8").splitlines()
            (data / "pieces" / f"{name}.{lang}").write_text(
                "".join(" ".join(codec.tokenize(line)) + "\n" for line in lines), encoding="utf-8")
    return data


def references(data: Path) -> list[str]:
    return (data / "test.en").read_text(encoding="utf-8").splitlines()


def our_command(data: Path, out: Path, s: dict, threads: int, procs: int = 1) -> list[str]:
    """``illustrated translate train`` with every shared setting spelled out; with ``procs`` > 1
    under ``torchrun`` on this machine, each process taking its share of every 4,096-token step."""
    flag = lambda name, on: f"--{name}" if on else f"--no-{name}"  # noqa: E731
    if s["max_tokens"] % procs:
        raise SystemExit(f"--procs {procs} does not divide the batch of {s['max_tokens']} tokens")
    launch = [sys.executable, "-m", "illustrated.cli"] if procs == 1 else \
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(procs),
         "-m", "illustrated.cli"]
    return [*launch, "translate", "train", "--arch", "transformer",
            "--train", str(data / "train"), "--src", s["src_lang"], "--tgt", s["tgt_lang"], "-o", str(out),
            flag("lowercase", s["lowercase"]), "--tokens", s["tokens"], flag("joint-vocab", s["joint_vocab"]),
            "--bpe-vocab", str(s["bpe_vocab"]), "--max-len", str(s["max_len"]),
            "--encoder-layers", str(s["encoder_layers"]), "--decoder-layers", str(s["decoder_layers"]),
            "--d-model", str(s["d_model"]), "--heads", str(s["heads"]), "--ff-dim", str(s["ff_dim"]),
            "--dropout", str(s["dropout"]), "--attention-dropout", str(s["attention_dropout"]),
            "--norm", s["norm"], "--positions", s["positions"], flag("tie-output", s["tie_output"]),
            flag("share-embeddings", s["share_embeddings"]),
            "--epochs", str(s["epochs"]), "--max-tokens", str(s["max_tokens"] // procs), "--lr", str(s["lr"]),
            "--schedule", s["schedule"], "--warmup", str(s["warmup"]), "--clip", str(s["clip"]),
            "--label-smoothing", str(s["label_smoothing"]), "--average-last", "0", "--seed", str(s["seed"]),
            "--threads", str(threads)]


def joey_config(data: Path, model_dir: Path, s: dict) -> dict:
    """JoeyNMT's configuration, laid out as its example configs (transformer_small.yaml,
    iwslt14_deen_bpe.yaml) are, with the shared settings filled in."""
    # The text is read already cut into the shared subwords (lowercased before cutting), one
    # space between pieces: JoeyNMT's sentencepiece wrapper calls SetVocabulary, which
    # sentencepiece 0.2 no longer has, so its word level reads the pieces instead.
    side = {"max_length": s["max_len"], "min_length": 1, "lowercase": False, "normalize": False,
            "level": "word", "voc_min_freq": 1, "voc_file": str(data / "joint.vocab")}
    stack = {"type": "transformer", "num_heads": s["heads"],
             "embeddings": {"embedding_dim": s["d_model"], "scale": s["scale_embeddings"], "dropout": s["dropout"]},
             "hidden_size": s["d_model"], "ff_size": s["ff_dim"], "dropout": s["dropout"],
             "layer_norm": s["norm"], "activation": "relu"}
    return {
        "name": "multi30k-transformer", "joeynmt_version": "2.3.0", "model_dir": str(model_dir),
        "use_cuda": False, "fp16": False, "random_seed": s["seed"],
        "data": {"train": str(data / "pieces" / "train"), "dev": str(data / "pieces" / "val"),
                 "test": str(data / "pieces" / "test"),
                 "dataset_type": "plain", "src": {"lang": s["src_lang"], **side},
                 "trg": {"lang": s["tgt_lang"], **side},
                 "special_symbols": {"unk_token": "<unk>", "unk_id": 0, "pad_token": "<pad>", "pad_id": 1,
                                     "bos_token": "<s>", "bos_id": 2, "eos_token": "</s>", "eos_id": 3}},
        "testing": {"n_best": 1, "beam_size": s["beam"], "beam_alpha": s["alpha"], "batch_size": 1024,
                    "batch_type": "token", "max_output_length": 100, "eval_metrics": ["bleu"],
                    "sacrebleu_cfg": {"tokenize": "13a", "lowercase": True}},
        "training": {"optimizer": "adamw", "adam_betas": s["adam_betas"], "weight_decay": 0.0,
                     "learning_rate": s["lr"], "learning_rate_min": 1e-8,
                     "scheduling": "warmupinversesquareroot", "learning_rate_warmup": s["warmup"],
                     "label_smoothing": s["label_smoothing"], "loss": "crossentropy", "normalization": "tokens",
                     "batch_size": s["max_tokens"], "batch_type": "token", "batch_multiplier": 1,
                     "epochs": s["epochs"], "validation_freq": 10 ** 9, "logging_freq": 100,
                     "early_stopping_metric": "bleu", "shuffle": True, "overwrite": True,
                     "keep_best_ckpts": 1, "print_valid_sents": [0]},
        "model": {"initializer": "xavier_uniform", "init_gain": 1.0, "bias_initializer": "zeros",
                  "embed_initializer": "xavier_uniform", "embed_init_gain": 1.0,
                  "tied_embeddings": s["share_embeddings"], "tied_softmax": s["tie_output"],
                  "encoder": {**stack, "num_layers": s["encoder_layers"]},
                  "decoder": {**stack, "num_layers": s["decoder_layers"]}},
    }


def run_ours(data: Path, work: Path, s: dict, threads: int, procs: int = 1, decode_threads: int | None = None) -> dict:
    """Train with our command (timed from launch to exit), then decode test2016 with beam 5."""
    out = work / "ours"
    if out.exists():
        import shutil

        shutil.rmtree(out)
    launched = time.time()
    proc = subprocess.run(our_command(data, out, s, threads, procs), capture_output=True, text=True)
    wall = time.time() - launched
    if proc.returncode != 0:
        raise SystemExit(f"our training failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    totals = records[-1]
    got = (out / "src.vocab").read_text(encoding="utf-8").splitlines()
    want = (data / "vocab.fingerprint").read_text(encoding="utf-8").splitlines()
    if [line.split("\t")[0] for line in got] != want:
        raise SystemExit("our command learned another vocabulary than the one JoeyNMT was given")
    return {"wall_s": wall, "train_s": totals["train_seconds"], "train_tokens": totals["train_tokens"],
            "steps": totals["steps"], **decode_ours(out, data, decode_threads or threads * procs, s)}


def decode_ours(model_dir: Path, data: Path, threads: int, s: dict) -> dict:
    """Decode test2016 in a fresh process (so its peak memory is its own)."""
    code = ("import json, sys, time, torch, resource\n"
            "from illustrated.seq2seq import Translator\n"
            f"torch.set_num_threads({threads})\n"
            f"t = Translator.load({str(model_dir)!r})\n"
            f"lines = open({str(data / 'test.de')!r}, encoding='utf-8').read().splitlines()\n"
            "start = time.perf_counter()\n"
            f"hyps = [x.text for x in t.translate(lines, beam={s['beam']}, alpha={s['alpha']}, internals=False)]\n"
            "seconds = time.perf_counter() - start\n"
            "print('OURS_RESULT ' + json.dumps({'decode_s': seconds, 'hypotheses': hyps,\n"
            "      'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("OURS_RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"our decoding failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[len("OURS_RESULT "):])


def run_joey(python: str, data: Path, work: Path, s: dict, threads: int, test_only: bool = False) -> dict:
    cfg_path = work / "joey.json"
    cfg_path.write_text(json.dumps(joey_config(data, work / "joey-model", s), indent=2))
    launched = time.time()
    proc = subprocess.run([python, str(Path(__file__).with_name("joeynmt_transformer_driver.py")),
                           str(cfg_path), str(threads)] + (["test"] if test_only else []),
                          capture_output=True, text=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("JOEY_RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"JoeyNMT failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    res = json.loads(line[len("JOEY_RESULT "):])
    from illustrated.seq2seq import TextCodec

    codec = TextCodec("bpe", True, (data / "joint.spm").read_bytes())
    res["hypotheses"] = [codec.detokenize(h.split()) for h in res["hypotheses"]]
    if not test_only:
        res["wall_s"] = res["saved_at"] - launched
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2, help="Torch threads per process.")
    ap.add_argument("--procs", type=int, default=1,
                    help="Our training processes (torchrun on this machine); JoeyNMT runs one process "
                         "with --threads × --procs threads, the same cores.")
    ap.add_argument("--decode-threads", type=int, default=None,
                    help="Threads for decoding (default: --threads × --procs, all the cores training used).")
    ap.add_argument("--work", type=Path, default=Path("/tmp/transformer-bench"))
    ap.add_argument("--joey-python", default=os.environ.get("JOEYNMT_PYTHON", ".venv-joey/bin/python"),
                    help="Python of the virtual environment JoeyNMT is installed in.")
    ap.add_argument("--skip-joey", action="store_true")
    ap.add_argument("--skip-ours", action="store_true")
    ap.add_argument("--redecode", action="store_true",
                    help="Keep the saved training figures and models; measure decoding again.")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=None, help="Use only the first N training pairs (smoke test).")
    args = ap.parse_args()
    s = shared_settings(args.epochs)
    args.work.mkdir(parents=True, exist_ok=True)
    data = prepare(args.work, s, args.limit)
    refs = references(data)
    from illustrated.seq2seq.metrics import bleu_and_chrf

    decode_threads = args.decode_threads or args.threads * args.procs
    report = Report("transformer_vs_joeynmt", anchor="JoeyNMT 2.3.0", epochs=args.epochs, threads=args.threads,
                    procs=args.procs, decode_threads=decode_threads,
                    data="multi30k de→en, test2016", **{k: s[k] for k in ("d_model", "encoder_layers", "heads",
                                                                        "ff_dim", "max_tokens", "bpe_vocab")})
    rows: dict[str, dict] = {}
    saved = {name: args.work / f"{name}.result.json" for name in ("illustrated", "joeynmt")}
    if args.redecode:
        rows = {name: json.loads(path.read_text()) for name, path in saved.items() if path.exists()}
        if "illustrated" in rows:
            rows["illustrated"].update(decode_ours(args.work / "ours", data, decode_threads, s))
        if "joeynmt" in rows:
            rows["joeynmt"].update({k: v for k, v in run_joey(args.joey_python, data, args.work, s, decode_threads,
                                                              True).items() if k in ("decode_s", "hypotheses")})
    else:
        if not args.skip_ours:
            rows["illustrated"] = run_ours(data, args.work, s, args.threads, args.procs, decode_threads)
        if not args.skip_joey:
            rows["joeynmt"] = run_joey(args.joey_python, data, args.work, s, args.threads * args.procs)
    for name, r in rows.items():
        saved[name].write_text(json.dumps(r))
        r.update(bleu_and_chrf(r["hypotheses"], refs, lowercase=True))
        (args.work / f"{name}.test.hyp").write_text("\n".join(r["hypotheses"]) + "\n", encoding="utf-8")
        report.add(system=name, steps=r["steps"], train_tokens=r["train_tokens"], train_s=round(r["train_s"], 1),
                   train_tok_per_s=round(r["train_tokens"] / r["train_s"], 1), wall_s=round(r["wall_s"], 1),
                   wall_tok_per_s=round(r["train_tokens"] / r["wall_s"], 1),
                   beam_sent_per_s=round(len(r["hypotheses"]) / r["decode_s"], 2),
                   out_words=round(sum(len(h.split()) for h in r["hypotheses"]) / len(r["hypotheses"]), 1),
                   bleu=r["bleu"], chrf=r["chrf"], peak_mb=round(r.get("peak_mb", 0)))
    if len(report.rows) == 2:
        a, b = report.rows
        report.summary = {"train_speedup": ratio(a["train_tok_per_s"], b["train_tok_per_s"]),
                          "wall_speedup": ratio(a["wall_tok_per_s"], b["wall_tok_per_s"]),
                          "decode_speedup": ratio(a["beam_sent_per_s"], b["beam_sent_per_s"]),
                          "bleu_diff": round(a["bleu"] - b["bleu"], 2)}
    report.emit(args.json)


if __name__ == "__main__":
    main()
