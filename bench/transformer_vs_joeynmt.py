"""The Transformer vs JoeyNMT 2.3 on Multi30k German→English: the same model, side by side in one run.

Both systems train the same Transformer (JoeyNMT's own small-Transformer settings as the
reference: pre-norm, 3+3 layers, d_model 256, 4 heads, feed-forward 1024, scaled embeddings
with sinusoidal positions, one embedding table shared by source, target and output layer) on
the same subwords (one joint sentencepiece BPE model and vocabulary, trained once here on the
lowercased training text and handed to both), with the same optimisation (Adam (0.9, 0.98),
warm-up then inverse square root, label smoothing 0.1, batches of 4,096 tokens, no validation
during training). Each runs as its own command in its own process: ours is ``illustrated
translate train --arch transformer``, JoeyNMT its ``train`` through
``bench/joeynmt_transformer_driver.py`` in its own virtualenv. Then each decodes test2016 with
beam 5 in a second process of its own, both on the same sentence order in the same batches of 64
sentences (``--decode-order sorted``: by source length, as ours decodes; ``file``: file order,
as JoeyNMT decodes; ``both``).

Two comparisons, like for like:

* ``--epochs N`` — equal data: both train N epochs, so both see every training pair N times (the
  report shows each side's real target tokens, ``</s>`` included and padding not, as each
  trainer counts them). Each "4,096-token" batch counts padded positions on both sides (ours:
  sentences × the longest side, sentences of similar length together; JoeyNMT: sentences × the
  longest side, sentences drawn at random), so JoeyNMT's batches hold fewer real tokens and it
  takes about twice the updates per epoch;
* ``--minutes M`` — equal wall-clock: ours trains with ``--max-minutes M`` (whole epochs that fit),
  then JoeyNMT trains until its own process has run as long as ours did, launch to saved model.

Reported per system: training target tokens/s in the inner loop (time inside training, batch
making included, validation excluded), whole-process seconds from launch to the saved model and
the tokens/s they imply, the training command's peak memory and the decoding command's (both
``wait4``'s ``ru_maxrss`` of the process tree, through ``runner.run_measured``), beam-5
decoding sentences/s by each system's own timer, BLEU (sacrebleu 13a, lowercased, detokenized
output against the raw references) and chrF.

    python bench/transformer_vs_joeynmt.py --epochs 1 --threads 2
    python bench/transformer_vs_joeynmt.py --minutes 55 --threads 2
    python bench/transformer_vs_joeynmt.py --epochs 1 --joey-lr both     # the schedule's first update

:func:`shared_settings`, :func:`our_command` and :func:`joey_config` are also read by a test that
checks both configurations agree on every shared setting, reading JoeyNMT's side from JoeyNMT
itself (``DIFFERENCES`` lists the deliberate differences).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runner import MULTI30K_SPLITS, Report, multi30k_lines, ratio, run_measured  # noqa: E402



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
        # decoding (batches of sentences, in the same order on both sides)
        "beam": 5, "alpha": 1.0, "test_batch": 64,
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
    "learning_rate_schedule": "the same warm-up and inverse square root, but JoeyNMT's scheduler steps "
                              "after the optimizer, so its first update runs at the peak rate (1e-3) and "
                              "update n > 1 at the rate of step n - 1; ours runs update n at the rate of "
                              "step n (1e-6 first). --joey-lr aligned removes the difference, --joey-lr "
                              "both measures it",
    "max_output": "longest output while decoding: ours 2 x the batch's longest source + 10 tokens, "
                  "JoeyNMT 100 tokens (its example configs); test2016 outputs stay far shorter",
    "vocabulary_order": "the same tokens and segmentation; JoeyNMT puts <unk> at 0 and <pad> at 1, we put "
                        "<pad> at 0 and <unk> at 1",
}


def prepare(work: Path, settings: dict, limit: int | None = None, test_limit: int | None = None) -> Path:
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
            lines = lines[:test_limit] if test_limit and name == "test" else lines
            (data / f"{name}.{lang}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = DataConfig("de", "en", settings["tokens"], lowercase=settings["lowercase"],
                     bpe_vocab=settings["bpe_vocab"], joint_vocab=settings["joint_vocab"])
    read = lambda lang: (data / f"train.{lang}").read_text(encoding="utf-8").splitlines()  # noqa: E731
    vocab, _, codec, _ = make_vocabularies(read("de"), read("en"), cfg, settings["seed"])
    (data / "joint.spm").write_bytes(codec.spm_model)
    (data / "joint.vocab").write_text("".join(t + "\n" for t in vocab.itos[4:]), encoding="utf-8")
    (data / "vocab.fingerprint").write_text("\n".join(vocab.itos), encoding="utf-8")
    (data / "pieces").mkdir(exist_ok=True)
    pieces = {}
    for name in MULTI30K_SPLITS:
        for lang in ("de", "en"):
            lines = (data / f"{name}.{lang}").read_text(encoding="utf-8").splitlines()
            pieces[name, lang] = [" ".join(codec.tokenize(line)) for line in lines]
            (data / "pieces" / f"{name}.{lang}").write_text(
                "".join(p + "\n" for p in pieces[name, lang]), encoding="utf-8")
    # the order ours decodes in (Translator.translate: a stable sort by source length in pieces),
    # so that JoeyNMT can be given the test set in that order too
    order = sorted(range(len(pieces["test", "de"])), key=lambda i: len(pieces["test", "de"][i].split()))
    (data / "test_sorted.order").write_text(json.dumps(order))
    for lang in ("de", "en"):
        (data / "pieces" / f"test_sorted.{lang}").write_text(
            "".join(pieces["test", lang][i] + "\n" for i in order), encoding="utf-8")
    return data


def references(data: Path) -> list[str]:
    return (data / "test.en").read_text(encoding="utf-8").splitlines()


def our_command(data: Path, out: Path, s: dict, threads: int, procs: int = 1, minutes: float | None = None) -> list[str]:
    """``illustrated translate train`` with every shared setting spelled out; with ``procs`` > 1
    under ``torchrun`` on this machine, each process taking its share of every 4,096-token step;
    with ``minutes``, the epochs that fit that budget (``--max-minutes``)."""
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
            "--threads", str(threads)] + (["--max-minutes", str(minutes)] if minutes else [])


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
                 "test": str(data / "pieces" / s.get("test_split", "test")),
                 "dataset_type": "plain", "src": {"lang": s["src_lang"], **side},
                 "trg": {"lang": s["tgt_lang"], **side},
                 "special_symbols": {"unk_token": "<unk>", "unk_id": 0, "pad_token": "<pad>", "pad_id": 1,
                                     "bos_token": "<s>", "bos_id": 2, "eos_token": "</s>", "eos_id": 3}},
        "testing": {"n_best": 1, "beam_size": s["beam"], "beam_alpha": s["alpha"], "batch_size": s["test_batch"],
                    "batch_type": "sentence", "max_output_length": 100, "eval_metrics": ["bleu"],
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




DRIVER = Path(__file__).with_name("joeynmt_transformer_driver.py")


def _result(log: Path, tag: str) -> dict:
    line = next((ln for ln in log.read_text(encoding="utf-8").splitlines() if ln.startswith(tag + " ")), None)
    if line is None:
        raise SystemExit(f"{log}: no {tag} line")
    return json.loads(line[len(tag) + 1:])


def train_ours(data: Path, work: Path, s: dict, threads: int, procs: int, minutes: float | None) -> dict:
    """Train with our command, measured from launch to exit (``run_measured``)."""
    import shutil

    out = work / "ours"
    if out.exists():
        shutil.rmtree(out)
    env = {"OMP_NUM_THREADS": str(threads)}
    run = run_measured(our_command(data, out, s, threads, procs, minutes), work / "ours.train.log", env,
                       "our training")
    totals = json.loads((out / "metrics.jsonl").read_text().splitlines()[-1])
    got = (out / "src.vocab").read_text(encoding="utf-8").splitlines()
    want = (data / "vocab.fingerprint").read_text(encoding="utf-8").splitlines()
    if [line.split("\t")[0] for line in got] != want:
        raise SystemExit("our command learned another vocabulary than the one JoeyNMT was given")
    return {**run, "model": str(out), "train_s": totals["train_seconds"], "train_tokens": totals["train_tokens"],
            "steps": totals["steps"]}


_OUR_DECODE = """
import json, sys, time, torch
from illustrated.seq2seq import Translator
model, test, out, threads, beam, alpha, batch, order = sys.argv[1:9]
torch.set_num_threads(int(threads))
t = Translator.load(model)
lines = open(test, encoding="utf-8").read().splitlines()
batch = int(batch)
start = time.perf_counter()
if order == "sorted":      # Translator.translate sorts the whole set by length and batches it
    hyps = [x.text for x in t.translate(lines, beam=int(beam), alpha=float(alpha), batch_size=batch, internals=False)]
else:                      # file order: each batch is the next `batch` sentences of the file
    hyps = [x.text for i in range(0, len(lines), batch)
            for x in t.translate(lines[i:i + batch], beam=int(beam), alpha=float(alpha), batch_size=batch,
                                 internals=False)]
seconds = time.perf_counter() - start
open(out, "w", encoding="utf-8").write(json.dumps({"decode_s": seconds, "hypotheses": hyps}))
"""


def decode_ours(model: str, data: Path, work: Path, s: dict, threads: int, order: str) -> dict:
    """Decode test2016 in a process of its own, in ``order`` (sorted or file), measured."""
    out = work / f"ours.decode-{order}.json"
    run = run_measured([sys.executable, "-c", _OUR_DECODE, model, str(data / "test.de"), str(out), str(threads),
                        str(s["beam"]), str(s["alpha"]), str(s["test_batch"]), order],
                       work / f"ours.decode-{order}.log", {"OMP_NUM_THREADS": str(threads)}, "our decoding")
    return {**json.loads(out.read_text()), "decode_wall_s": run["wall_s"], "decode_peak_mb": run["peak_mb"]}


def train_joey(python: str, data: Path, work: Path, s: dict, threads: int, tag: str, aligned: bool,
               deadline_s: float | None) -> dict:
    """JoeyNMT's training command, measured the same way; with ``deadline_s``, it stops after the
    update in which its process has run that long."""
    cfg_path = work / f"{tag}.json"
    cfg_path.write_text(json.dumps(joey_config(data, work / tag, s), indent=2))
    cmd = [python, str(DRIVER), "train", str(cfg_path), str(threads)] + (["--aligned-lr"] if aligned else [])
    if deadline_s is not None:
        cmd += ["--deadline", str(time.time() + deadline_s)]
    log = work / f"{tag}.train.log"
    run = run_measured(cmd, log, {"OMP_NUM_THREADS": str(threads)}, "JoeyNMT's training")
    res = _result(log, "JOEY_RESULT")
    return {**run, "model": str(work / tag), "config": str(cfg_path), **{k: res[k] for k in ("train_s", "train_tokens", "steps")}}


def decode_joey(python: str, data: Path, work: Path, s: dict, trained: dict, threads: int, order: str) -> dict:
    """JoeyNMT's ``test`` on the same sentences in the same order (the sorted order written as a
    file of its own), measured; hypotheses back in file order, detokenized."""
    from illustrated.seq2seq import TextCodec

    cfg = json.loads(Path(trained["config"]).read_text())
    cfg["data"]["test"] = str(data / "pieces" / ("test_sorted" if order == "sorted" else "test"))
    path = Path(trained["config"]).with_suffix(f".test-{order}.json")
    path.write_text(json.dumps(cfg, indent=2))
    log = Path(trained["model"] + f".decode-{order}.log")
    run = run_measured([python, str(DRIVER), "test", str(path), str(threads)], log,
                       {"OMP_NUM_THREADS": str(threads)}, "JoeyNMT's decoding")
    res = _result(log, "JOEY_RESULT")
    codec = TextCodec("bpe", True, (data / "joint.spm").read_bytes())
    hyps = [codec.detokenize(h.split()) for h in res["hypotheses"]]
    if order == "sorted":
        back = [""] * len(hyps)
        for pos, i in enumerate(json.loads((data / "test_sorted.order").read_text())):
            back[i] = hyps[pos]
        hyps = back
    return {"decode_s": res["decode_s"], "hypotheses": hyps, "decode_wall_s": run["wall_s"],
            "decode_peak_mb": run["peak_mb"]}


def add_rows(report: Report, name: str, comparison: str, r: dict, refs: list[str], work: Path) -> None:
    from illustrated.seq2seq.metrics import bleu_and_chrf

    base = dict(system=name, comparison=comparison, steps=r["steps"], train_tokens=r["train_tokens"],
                train_s=round(r["train_s"], 1), train_tok_per_s=round(r["train_tokens"] / r["train_s"], 1),
                wall_s=round(r["wall_s"], 1), wall_tok_per_s=round(r["train_tokens"] / r["wall_s"], 1),
                train_peak_mb=round(r["peak_mb"]))
    for order, d in r["decoded"].items():
        scores = bleu_and_chrf(d["hypotheses"], refs, lowercase=True)
        (work / f"{name}.{order}.test.hyp").write_text("\n".join(d["hypotheses"]) + "\n", encoding="utf-8")
        report.add(**base, decode_order=order, beam_sent_per_s=round(len(d["hypotheses"]) / d["decode_s"], 2),
                   decode_wall_s=round(d["decode_wall_s"], 1), decode_peak_mb=round(d["decode_peak_mb"]),
                   out_words=round(sum(len(h.split()) for h in d["hypotheses"]) / len(d["hypotheses"]), 1),
                   bleu=scores["bleu"], chrf=scores["chrf"])


def summarize(report: Report) -> None:
    """Ratios of ours to JoeyNMT (as configured, and with the aligned schedule when run)."""
    ours = [r for r in report.rows if r["system"] == "illustrated"]
    for anchor in ("joeynmt", "joeynmt aligned-lr"):
        for o in ours:
            j = next((r for r in report.rows if r["system"] == anchor and r["decode_order"] == o["decode_order"]), None)
            if j is None:
                continue
            report.summary[f"vs {anchor}, decoded {o['decode_order']}"] = {
                "train_tok_per_s": ratio(o["train_tok_per_s"], j["train_tok_per_s"]),
                "whole_process_tok_per_s": ratio(o["wall_tok_per_s"], j["wall_tok_per_s"]),
                "target_tokens_ours_over_joey": ratio(o["train_tokens"], j["train_tokens"]),
                "train_peak_mb": ratio(o["train_peak_mb"], j["train_peak_mb"]),
                "beam_sent_per_s": ratio(o["beam_sent_per_s"], j["beam_sent_per_s"]),
                "decode_peak_mb": ratio(o["decode_peak_mb"], j["decode_peak_mb"]),
                "bleu_diff": round(o["bleu"] - j["bleu"], 2)}
    plain = next((r for r in report.rows if r["system"] == "joeynmt"), None)
    aligned = next((r for r in report.rows if r["system"] == "joeynmt aligned-lr"), None)
    if plain and aligned:
        report.summary["JoeyNMT's schedule, aligned minus as is (BLEU)"] = round(aligned["bleu"] - plain["bleu"], 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    how = ap.add_mutually_exclusive_group(required=True)
    how.add_argument("--epochs", type=int, help="Equal data: both train this many epochs.")
    how.add_argument("--minutes", type=float,
                     help="Equal wall-clock: ours --max-minutes this; JoeyNMT as long as ours ran, launch to saved model.")
    ap.add_argument("--threads", type=int, default=2, help="Torch threads per process.")
    ap.add_argument("--procs", type=int, default=1,
                    help="Our training processes (torchrun on this machine); JoeyNMT runs one process "
                         "with --threads × --procs threads, the same cores.")
    ap.add_argument("--decode-order", choices=("sorted", "file", "both"), default="sorted",
                    help="Sentence order both sides decode test2016 in: by source length (ours' own), the "
                         "file's (JoeyNMT's own), or both.")
    ap.add_argument("--joey-lr", choices=("as-is", "aligned", "both"), default="as-is",
                    help="JoeyNMT's schedule as it runs (first update at the peak rate), aligned with ours, "
                         "or both (two JoeyNMT runs).")
    ap.add_argument("--work", type=Path, default=Path("/tmp/transformer-bench"))
    ap.add_argument("--joey-python", default=os.environ.get("JOEYNMT_PYTHON", ".venv-joey/bin/python"),
                    help="Python of the virtual environment JoeyNMT is installed in.")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=None, help="Use only the first N training pairs (smoke test).")
    ap.add_argument("--test-limit", type=int, default=None, help="Decode only the first N test sentences (smoke test).")
    args = ap.parse_args()
    if not Path(args.joey_python).exists():
        raise SystemExit(f"{args.joey_python}: no JoeyNMT Python (see bench/README.md for its virtualenv)")
    epochs = args.epochs if args.epochs else 10_000
    s = shared_settings(epochs)
    args.work.mkdir(parents=True, exist_ok=True)
    data = prepare(args.work, s, args.limit, args.test_limit)
    refs = references(data)
    threads = args.threads * args.procs
    orders = ["sorted", "file"] if args.decode_order == "both" else [args.decode_order]
    comparison = f"equal data: {args.epochs} epochs" if args.epochs else f"equal wall-clock: {args.minutes} min"
    report = Report("transformer_vs_joeynmt", anchor="JoeyNMT 2.3.0", comparison=comparison, threads=args.threads,
                    procs=args.procs, decode_threads=threads, decode_batch=s["test_batch"], beam=s["beam"],
                    joey_lr=args.joey_lr, train_pairs=len(multi30k_lines("train", "de", args.limit)),
                    test_sentences=len(refs),
                    data="multi30k de→en, test2016", differences=DIFFERENCES,
                    **{k: s[k] for k in ("d_model", "encoder_layers", "heads", "ff_dim", "max_tokens", "bpe_vocab")})
    ours = train_ours(data, args.work, s, args.threads, args.procs, args.minutes)
    ours["decoded"] = {o: decode_ours(ours["model"], data, args.work, s, threads, o) for o in orders}
    add_rows(report, "illustrated", comparison, ours, refs, args.work)
    variants = {"as-is": [False], "aligned": [True], "both": [False, True]}[args.joey_lr]
    for aligned in variants:
        name = "joeynmt aligned-lr" if aligned else "joeynmt"
        tag = "joey-aligned" if aligned else "joey"
        joey = train_joey(args.joey_python, data, args.work, s, threads, tag, aligned,
                          ours["wall_s"] if args.minutes else None)
        joey["decoded"] = {o: decode_joey(args.joey_python, data, args.work, s, joey, threads, o) for o in orders}
        add_rows(report, name, comparison, joey, refs, args.work)
    summarize(report)
    report.emit(args.json)


if __name__ == "__main__":
    main()
