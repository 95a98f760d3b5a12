"""Translation with attention vs JoeyNMT 2.3 on Multi30k German→English, same architecture.

Both systems: word level, lowercased (the text is tokenized and lowercased once, then both read
the same whitespace-tokenized files), bidirectional GRU encoder 256, GRU decoder 256 with Bahdanau
attention and input feeding, embeddings 256, batches of 64 sentences, dropout 0.3, Adam 1e-3,
gradient norm clipping 1.0, words seen fewer than 2 times → <unk>, pairs longer than 80 tokens
dropped, the same number of epochs. Reported: training target tokens/s (validation excluded),
beam-5 decoding sentences/s on test2016, BLEU (sacrebleu 13a, lowercased) and chrF on test2016,
and peak memory. JoeyNMT runs in its own virtualenv (``--joey-python``).

    python bench/seq2seq_vs_joeynmt.py --epochs 1
"""

from __future__ import annotations

import os
import argparse
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from runner import Report, isolated, ratio, shared_data  # noqa: E402

SPLITS = {"train": "train", "val": "val", "test": "test_2016_flickr"}


def prepare(work: Path, limit: int | None = None) -> Path:
    """Tokenize and lowercase Multi30k once into plain files both systems read."""
    from illustrated.text import tokenize

    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    src = shared_data("multi30k")
    for name, stem in SPLITS.items():
        for lang in ("de", "en"):
            out = data / f"{name}.{lang}"
            if not out.exists():
                with gzip.open(src / f"{stem}.{lang}.gz", "rt", encoding="utf-8") as f:
                    lines = [" ".join(tokenize(line.strip(), lowercase=True)) for line in f]
                if limit and name == "train":
                    lines = lines[:limit]
                out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data


def references() -> list[str]:
    with gzip.open(shared_data("multi30k") / "test_2016_flickr.en.gz", "rt", encoding="utf-8") as f:
        return [line.strip() for line in f]


def run_ours(data: str, out: str, epochs: int, threads: int, beam: int, input_feeding: bool) -> dict:
    import torch

    from illustrated.seq2seq import DataConfig, Seq2SeqConfig, TrainConfig, train_translator

    torch.set_num_threads(threads)
    translator, result = train_translator(
        f"{data}/train", f"{data}/val", out, DataConfig("de", "en", "word", lowercase=True, min_count=2),
        Seq2SeqConfig(emb_dim=256, hidden_dim=256, rnn="gru", bidirectional=True, attention="bahdanau",
                      dropout=0.3, input_feeding=input_feeding),
        TrainConfig(epochs=epochs, batch_size=64, lr=1e-3, clip=1.0, max_len=80, patience=0, seed=1),
        progress=False)
    test = Path(f"{data}/test.de").read_text(encoding="utf-8").splitlines()
    start = time.perf_counter()
    hyps = [t.text for t in translator.translate(test, beam=beam)]
    return {"train_s": result["train_seconds"], "train_tokens": result["train_tokens"],
            "steps": result["steps"], "decode_s": time.perf_counter() - start, "hypotheses": hyps}


def decode_ours(model_dir: str, data: str, threads: int, beam: int) -> dict:
    import torch

    from illustrated.seq2seq import Translator

    torch.set_num_threads(threads)
    translator = Translator.load(model_dir)
    test = Path(f"{data}/test.de").read_text(encoding="utf-8").splitlines()
    start = time.perf_counter()
    hyps = [t.text for t in translator.translate(test, beam=beam)]
    return {"decode_s": time.perf_counter() - start, "hypotheses": hyps}


def joey_config(data: Path, model_dir: Path, epochs: int, beam: int, input_feeding: bool) -> dict:
    side = {"level": "word", "lowercase": False, "max_length": 80, "voc_min_freq": 2}
    return {
        "name": "multi30k-gru-bahdanau", "joeynmt_version": "2.3.0", "model_dir": str(model_dir),
        "use_cuda": False, "fp16": False, "random_seed": 1,
        "data": {"train": str(data / "train"), "dev": str(data / "val"), "test": str(data / "test"),
                 "dataset_type": "plain", "src": {"lang": "de", **side}, "trg": {"lang": "en", **side}},
        "testing": {"n_best": 1, "beam_size": beam, "beam_alpha": 1, "batch_size": 64,
                    "batch_type": "sentence", "eval_metrics": ["bleu"],
                    "sacrebleu_cfg": {"tokenize": "13a", "lowercase": True}},
        "training": {"optimizer": "adam", "learning_rate": 0.001, "learning_rate_min": 1e-8,
                     "clip_grad_norm": 1.0, "batch_size": 64, "batch_type": "sentence",
                     "scheduling": "exponential", "decrease_factor": 0.9, "epochs": epochs,
                     "validation_freq": 10 ** 9, "logging_freq": 50, "early_stopping_metric": "bleu",
                     "shuffle": True, "overwrite": True, "keep_best_ckpts": 1, "label_smoothing": 0.0,
                     "normalization": "tokens", "loss": "crossentropy", "print_valid_sents": [0]},
        "model": {
            "initializer": "xavier_uniform", "embed_initializer": "normal", "bias_initializer": "zeros",
            "encoder": {"type": "recurrent", "rnn_type": "gru", "embeddings": {"embedding_dim": 256, "scale": False},
                        "hidden_size": 256, "bidirectional": True, "dropout": 0.3, "num_layers": 1},
            "decoder": {"type": "recurrent", "rnn_type": "gru", "embeddings": {"embedding_dim": 256, "scale": False},
                        "hidden_size": 256, "dropout": 0.3, "hidden_dropout": 0.3,
                        "num_layers": 1, "input_feeding": input_feeding, "init_hidden": "bridge",
                        "attention": "bahdanau"}}}


def run_joey(python: str, data: Path, work: Path, epochs: int, threads: int, beam: int,
             input_feeding: bool, test_only: bool = False) -> dict:
    cfg_path = work / "joey.json"
    cfg = joey_config(data, work / "joey-model", epochs, beam, input_feeding)
    cfg_path.write_text(json.dumps(cfg, indent=2))
    proc = subprocess.run([python, str(Path(__file__).with_name("joeynmt_driver.py")), str(cfg_path),
                           str(threads)] + (["test"] if test_only else []), capture_output=True, text=True)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("JOEY_RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise SystemExit(f"JoeyNMT failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    res = json.loads(line[len("JOEY_RESULT "):])
    from illustrated.seq2seq.data import detokenize_words

    res["hypotheses"] = [detokenize_words(h.split()) for h in res["hypotheses"]]
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--no-input-feeding", action="store_true")
    ap.add_argument("--work", type=Path, default=Path("/tmp/seq2seq-bench"))
    ap.add_argument("--joey-python", default=os.environ.get("JOEYNMT_PYTHON", ".venv-joey/bin/python"),
                    help="Python of the virtual environment JoeyNMT is installed in.")
    ap.add_argument("--skip-joey", action="store_true")
    ap.add_argument("--skip-ours", action="store_true")
    ap.add_argument("--redecode", action="store_true",
                    help="Keep the saved training figures and models; measure decoding again.")
    ap.add_argument("--reuse", action="store_true",
                    help="Reuse a side's saved result (WORK/SYSTEM.result.json) from an earlier run.")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=None, help="Use only the first N training pairs (smoke test).")
    args = ap.parse_args()
    feed = not args.no_input_feeding
    args.work.mkdir(parents=True, exist_ok=True)
    data = prepare(args.work, args.limit)
    refs = references()
    from illustrated.seq2seq.metrics import score_all

    report = Report("seq2seq_vs_joeynmt", anchor="JoeyNMT 2.3.0", epochs=args.epochs, threads=args.threads,
                    beam=args.beam, input_feeding=feed, data="multi30k de→en, test2016")
    rows = {}

    def side(system: str, run) -> None:
        saved = args.work / f"{system}.result.json"
        if args.reuse and saved.exists():
            rows[system] = json.loads(saved.read_text())
            return
        rows[system] = run()
        saved.write_text(json.dumps(rows[system]))

    def ours() -> dict:
        m = isolated(run_ours, str(data), str(args.work / "ours"), args.epochs, args.threads, args.beam, feed)
        return {**m.value, "peak_mb": m.peak_mb}

    if args.redecode:
        for system in ("illustrated", "joeynmt"):
            rows[system] = json.loads((args.work / f"{system}.result.json").read_text())
        m = isolated(decode_ours, str(args.work / "ours"), str(data), args.threads, args.beam)
        rows["illustrated"].update(m.value)
        rows["joeynmt"].update({k: v for k, v in run_joey(
            args.joey_python, data, args.work, args.epochs, args.threads, args.beam, feed, True).items()
            if k in ("decode_s", "hypotheses")})
        args.skip_ours = args.skip_joey = True
    if not args.skip_ours:
        side("illustrated", ours)
    if not args.skip_joey:
        side("joeynmt", lambda: run_joey(args.joey_python, data, args.work, args.epochs, args.threads,
                                         args.beam, feed))
    for system, r in rows.items():
        scores = score_all(r["hypotheses"], refs, lowercase=True)
        (args.work / f"{system}.test.hyp").write_text("\n".join(r["hypotheses"]) + "\n", encoding="utf-8")
        r.update(scores)
        report.add(system=system, epochs=args.epochs, steps=r["steps"], train_tokens=r["train_tokens"],
                   train_s=round(r["train_s"], 1), train_tok_per_s=round(r["train_tokens"] / r["train_s"], 1),
                   beam_sent_per_s=round(len(r["hypotheses"]) / r["decode_s"], 2),
                   out_words=round(sum(len(h.split()) for h in r["hypotheses"]) / len(r["hypotheses"]), 1),
                   bleu=r["bleu"],
                   chrf=r["chrf"], peak_mb=round(r["peak_mb"]))
    if len(rows) == 2:
        a, b = report.rows
        report.summary = {"train_speedup": ratio(a["train_tok_per_s"], b["train_tok_per_s"]),
                          "decode_speedup": ratio(a["beam_sent_per_s"], b["beam_sent_per_s"]),
                          "bleu_diff": round(a["bleu"] - b["bleu"], 2)}
    report.emit(args.json)


if __name__ == "__main__":
    main()
