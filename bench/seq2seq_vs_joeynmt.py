"""Translation with attention vs JoeyNMT 2.3 on Multi30k German→English: the same model, each
system run the way its own users run it.

Both train a bidirectional GRU encoder 256 / GRU decoder 256 with Bahdanau attention and input
feeding on all 29,000 training pairs, read from the same tokenized, lowercased files, with the
settings of ``seq2seq_configs.py`` (a test keeps the two configurations in step and lists where
they deliberately differ). Each system is launched as a process with its own command line
(``illustrated translate train`` / ``python -m joeynmt train CONFIG --skip-test``), validates once
an epoch and keeps its best model by validation BLEU, then decodes test2016 with beam 5 in a second
process (``illustrated translate evaluate`` / ``python -m joeynmt test``). Both decode the same
sentences in the same order and batches: ours sorts the test set by source length and cuts it into
batches of 64; JoeyNMT is given the test set already in that order (``test_sorted``) and decodes
it in batches of 64 sentences, its hypotheses put back into file order before scoring.

Reported per system, epoch count and thread count:

* ``train_tok_per_s``: the inner loop, training target tokens (``</s>`` included) over the
  seconds the trainer spends on training steps, making the epoch's batches included and
  validation excluded (ours: ``metrics.jsonl``; JoeyNMT: its own per-epoch log line, which times
  the same span);
* ``process_s``: whole process, from launch (interpreter start, imports) to exit with a saved
  model: reading, tokenizing, vocabularies, batching, training, validation, checkpoints;
* ``beam_sent_per_s``: test2016 sentences over each system's own decoding timer (ours: around
  ``Translator.translate``; JoeyNMT: "Generation took"), and ``decode_process_s`` for the process;
* BLEU/chrF: sacrebleu 13a, lowercased, on detokenized output against the raw references, both
  scored by the same code; ``peak_mb``: the training process's peak resident memory.

    python bench/seq2seq_vs_joeynmt.py --epochs 1,3 --threads 1,2 --joey-python /path/to/python
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import seq2seq_configs as C  # noqa: E402
from runner import MULTI30K_SPLITS, Report, multi30k_lines, ratio, run_measured  # noqa: E402

def prepare(work: Path, limit: int | None = None, test_limit: int | None = None) -> tuple[Path, int]:
    """Tokenize and lowercase Multi30k once into plain files both systems read; returns the
    folder and the number of training pairs both keep (no side longer than 80 tokens)."""
    from illustrated.text import tokenize

    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name in MULTI30K_SPLITS:
        for lang in ("de", "en"):
            out = data / f"{name}.{lang}"
            raw = multi30k_lines(name, lang, limit)
            raw = raw[:test_limit] if test_limit and name == "test" else raw
            lines = [" ".join(tokenize(line, lowercase=True)) for line in raw]
            text = "\n".join(lines) + "\n"
            if not out.exists() or out.read_text(encoding="utf-8") != text:
                out.write_text(text, encoding="utf-8")
    # the test set in the order ours decodes it (Translator.translate: a stable sort by source
    # length in tokens), as a file JoeyNMT decodes in that order, in the same batches of 64
    test = {lang: (data / f"test.{lang}").read_text(encoding="utf-8").splitlines() for lang in ("de", "en")}
    order = sorted(range(len(test["de"])), key=lambda i: len(test["de"][i].split()))
    (data / "test_sorted.order").write_text(json.dumps(order))
    for lang in ("de", "en"):
        (data / f"test_sorted.{lang}").write_text("".join(test[lang][i] + "\n" for i in order), encoding="utf-8")
    pairs = zip((data / "train.de").read_text(encoding="utf-8").splitlines(),
                (data / "train.en").read_text(encoding="utf-8").splitlines())
    kept = sum(1 for a, b in pairs if 0 < len(a.split()) <= 80 and len(b.split()) <= 80)
    return data, kept


def references(test_limit: int | None = None) -> list[str]:
    return multi30k_lines("test", "en")[:test_limit]


def timed(cmd: list[str], threads: int, log: Path) -> dict:
    """Run ``cmd`` as a process with ``threads`` compute threads (:func:`runner.run_measured`):
    wall seconds from launch to exit, its CPU seconds (its waited-for children included) and the
    peak resident memory of its process tree, measured alike for both systems. On a machine
    shared with other work, CPU seconds of one-thread runs change far less than wall seconds."""
    return run_measured(cmd, log, {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)})


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    return path


# ---- ours --------------------------------------------------------------------------------------
def our_exe() -> list[str]:
    exe = Path(sys.executable).with_name("illustrated")
    return [str(exe)] if exe.exists() else [sys.executable, "-c", "from illustrated.cli import main; main()"]


def train_ours(work: Path, data: Path, epochs: int, threads: int) -> dict:
    out = _fresh(work / f"ours-e{epochs}-t{threads}")
    cfg = C.ours_config(epochs)
    run = timed(C.ours_command(cfg, data, out, threads, our_exe()), threads, work / f"{out.name}.log")
    written = json.loads((out / "config.json").read_text())
    sizes = {"src_vocab_size", "tgt_vocab_size"}
    asked = json.loads(json.dumps(cfg))  # as config.json holds it: tuples are lists there
    for part in ("data", "model", "train"):
        if {k: v for k, v in written[part].items() if k not in sizes} != \
                {k: v for k, v in asked[part].items() if k not in sizes}:
            raise SystemExit(f"{out}/config.json: {part} differs from the benchmark configuration")
    epochs_log = [r for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines()) if "bleu" in r]
    return {**run, "model": str(out), "train_tokens": sum(r["train_tokens"] for r in epochs_log),
            "train_s": sum(r["train_seconds"] for r in epochs_log), "valid_bleu": [r["bleu"] for r in epochs_log],
            "vocab": [written["model"]["src_vocab_size"], written["model"]["tgt_vocab_size"]]}


def decode_ours(work: Path, model: str, data: Path, threads: int, beam: int) -> dict:
    hyp = Path(model) / "test.hyp"
    log = work / f"{Path(model).name}.decode.log"
    run = timed([*our_exe(), "translate", "evaluate", model, "--test", str(data / "test"), "--beam", str(beam),
                 "--threads", str(threads), "-o", str(hyp)], threads, log)
    line = next(ln for ln in log.read_text().splitlines() if ln.startswith("{"))
    hyps = hyp.read_text(encoding="utf-8").splitlines()
    return {"decode_process_s": run["wall_s"], "decode_cpu_s": run["cpu_s"],
            "decode_s": len(hyps) / json.loads(line)["sentences_per_s"], "hypotheses": hyps}


# ---- JoeyNMT -----------------------------------------------------------------------------------
_EPOCH = re.compile(r"Epoch\s+(\d+), total training loss: [\d.]+, num\. of seqs: \d+, "
                    r"num\. of tokens: (\d+), ([\d.]+)\[sec\]")
_VALID = re.compile(r"Evaluation result \(greedy\).*?bleu:\s+([\d.]+)")
_GENERATION = re.compile(r"Generation took ([\d.]+)\[sec\]")


def train_joey(python: str, work: Path, data: Path, epochs: int, threads: int, steps: int,
               workers: int, overrides: dict | None = None) -> dict:
    out = _fresh(work / f"joey-e{epochs}-t{threads}-w{workers}")
    cfg = C.joey_config(data, out, epochs, steps, workers)
    for path, value in (overrides or {}).items():
        *parents, key = path.split(".")
        (C.get(cfg, ".".join(parents)) if parents else cfg)[key] = value
    path = work / f"{out.name}.yaml"
    path.write_text(C.to_yaml(cfg), encoding="utf-8")
    run = timed([python, "-m", "joeynmt", "train", str(path), "--skip-test"], threads, work / f"{out.name}.log")
    log = (out / "train.log").read_text(encoding="utf-8")
    per_epoch = _EPOCH.findall(log)
    if len(per_epoch) != epochs:
        raise SystemExit(f"{out}/train.log: expected {epochs} epoch lines, found {len(per_epoch)}")
    vocab = [len((out / f).read_text(encoding="utf-8").splitlines()) for f in ("src_vocab.txt", "trg_vocab.txt")]
    return {**run, "model": str(out), "config": cfg, "train_tokens": sum(int(t) for _, t, _ in per_epoch),
            "train_s": sum(float(s) for _, _, s in per_epoch),
            "valid_bleu": [float(b) for b in _VALID.findall(log)], "vocab": vocab}


def decode_joey(python: str, work: Path, trained: dict, threads: int) -> dict:
    from illustrated.seq2seq.data import detokenize_words

    model = Path(trained["model"])
    cfg = C.joey_test_config(trained["config"])
    cfg["data"]["test"] = str(Path(cfg["data"]["test"]).with_name("test_sorted"))   # ours' order
    path = work / f"{model.name}.test.yaml"
    path.write_text(C.to_yaml(cfg), encoding="utf-8")
    (model / "test.log").unlink(missing_ok=True)
    run = timed([python, "-m", "joeynmt", "test", str(path), "-o", str(model / "hyp")], threads,
                work / f"{model.name}.decode.log")
    took = _GENERATION.findall((model / "test.log").read_text(encoding="utf-8"))
    sorted_hyps = (model / "hyp.test").read_text(encoding="utf-8").splitlines()
    hyps = [""] * len(sorted_hyps)        # back into file order
    for pos, i in enumerate(json.loads((Path(cfg["data"]["test"]).parent / "test_sorted.order").read_text())):
        hyps[i] = sorted_hyps[pos]
    return {"decode_process_s": run["wall_s"], "decode_cpu_s": run["cpu_s"], "decode_s": float(took[-1]),
            "hypotheses": [detokenize_words(h.split()) for h in hyps]}


# ---- report ------------------------------------------------------------------------------------
def train(args, system: str, data: Path, epochs: int, threads: int, steps: int) -> dict:
    """Train one system (or, with ``--reuse``, read back what an earlier run of this one recorded)."""
    saved = args.work / f"{system}-e{epochs}-t{threads}.train.json"
    if args.reuse and saved.exists():
        return json.loads(saved.read_text())
    if system == "illustrated":
        r = train_ours(args.work, data, epochs, threads)
    else:
        r = train_joey(args.joey_python, args.work, data, epochs, threads, steps, args.joey_workers,
                       args.joey_set)
    saved.write_text(json.dumps(r))
    return r


def decode(args, system: str, data: Path, trained: dict, threads: int) -> dict:
    if system == "illustrated":
        return decode_ours(args.work, trained["model"], data, threads, args.beam)
    return decode_joey(args.joey_python, args.work, trained, threads)


def add_row(report: Report, work: Path, system: str, epochs: int, threads: int, r: dict, refs: list[str]) -> None:
    from illustrated.seq2seq.metrics import bleu_and_chrf

    scores = bleu_and_chrf(r["hypotheses"], refs, lowercase=True)
    (work / f"{Path(r['model']).name}.test.hyp").write_text("\n".join(r["hypotheses"]) + "\n")
    report.add(system=system, epochs=epochs, threads=threads, vocab="/".join(map(str, r["vocab"])),
               train_tokens=r["train_tokens"], train_s=round(r["train_s"], 1),
               train_tok_per_s=round(r["train_tokens"] / r["train_s"], 1),
               process_s=round(r["wall_s"], 1), process_cpu_s=round(r["cpu_s"], 1), peak_mb=round(r["peak_mb"]),
               valid_bleu=r["valid_bleu"][-1] if r["valid_bleu"] else None,
               beam_sent_per_s=round(len(r["hypotheses"]) / r["decode_s"], 1),
               decode_process_s=round(r["decode_process_s"], 1), decode_cpu_s=round(r["decode_cpu_s"], 1),
               out_words=round(sum(len(h.split()) for h in r["hypotheses"]) / len(r["hypotheses"]), 1),
               bleu=scores["bleu"], chrf=scores["chrf"])
    print(json.dumps(report.rows[-1]), flush=True)


def summarize(report: Report, epochs_list: list[int]) -> None:
    """Ratios per epoch count, each system at its best thread count for each figure."""
    for e in epochs_list:
        rows = {s: [r for r in report.rows if r["system"] == s and r["epochs"] == e] for s in ("illustrated", "joeynmt")}
        if not all(rows.values()):
            continue
        best = {s: {"train_tok_per_s": max(r["train_tok_per_s"] for r in rs),
                    "process_s": min(r["process_s"] for r in rs),
                    "beam_sent_per_s": max(r["beam_sent_per_s"] for r in rs)} for s, rs in rows.items()}
        ours, joey = best["illustrated"], best["joeynmt"]
        report.summary[f"{e}_epoch"] = {
            "train_tok_per_s": ratio(ours["train_tok_per_s"], joey["train_tok_per_s"]),
            "whole_process": ratio(joey["process_s"], ours["process_s"]),
            "beam_sent_per_s": ratio(ours["beam_sent_per_s"], joey["beam_sent_per_s"])}
        one = {s: next((r for r in rs if r["threads"] == 1), None) for s, rs in rows.items()}
        if all(one.values()):   # one thread: CPU seconds, which other work on the machine barely moves
            report.summary[f"{e}_epoch"].update(
                whole_process_cpu_1_thread=ratio(one["joeynmt"]["process_cpu_s"], one["illustrated"]["process_cpu_s"]),
                decode_process_cpu_1_thread=ratio(one["joeynmt"]["decode_cpu_s"], one["illustrated"]["decode_cpu_s"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", default="1", help="Comma-separated epoch counts, each a separate run.")
    ap.add_argument("--threads", default="1", help="Comma-separated torch thread counts to run each system with.")
    ap.add_argument("--joey-workers", type=int, default=0, help="JoeyNMT's num_workers (data loading processes).")
    ap.add_argument("--joey-set", action="append", default=[], metavar="PATH=JSON",
                    help="Change one JoeyNMT setting, e.g. model.embed_init_weight=1.0 (an ablation, not the "
                         "benchmark configuration; recorded in the report).")
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--work", type=Path, default=Path("/tmp/seq2seq-bench"))
    ap.add_argument("--joey-python", default=os.environ.get("JOEYNMT_PYTHON", ".venv-joey/bin/python"),
                    help="Python of the virtual environment JoeyNMT is installed in.")
    ap.add_argument("--systems", default="illustrated,joeynmt")
    ap.add_argument("--decode-repeats", type=int, default=1,
                    help="Decode the test set this many times per system, alternating; keep each one's fastest.")
    ap.add_argument("--reuse", action="store_true",
                    help="Reuse the trained models and training figures of an earlier run in --work.")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=None, help="Use only the first N training pairs (smoke test).")
    ap.add_argument("--test-limit", type=int, default=None, help="Decode only the first N test sentences (smoke test).")
    args = ap.parse_args()
    args.joey_set = {k: json.loads(v) for k, v in (item.split("=", 1) for item in args.joey_set)}
    epochs_list = [int(x) for x in args.epochs.split(",")]
    threads_list = [int(x) for x in args.threads.split(",")]
    systems = args.systems.split(",")
    args.work.mkdir(parents=True, exist_ok=True)
    data, kept = prepare(args.work, args.limit, args.test_limit)
    steps = math.ceil(kept / C.ours_config()["train"]["batch_size"])
    refs = references(args.test_limit)
    joey_cfg = C.joey_config(data, args.work, epochs_list[0], steps, args.joey_workers)
    report = Report("seq2seq_vs_joeynmt", anchor="JoeyNMT 2.3.0", data="multi30k de→en, test2016",
                    train_pairs=kept, steps_per_epoch=steps, beam=args.beam,
                    anchor_settings=C.anchor_summary(joey_cfg), joey_overrides=args.joey_set or None,
                    differences={d[0] + (f" / {','.join(d[2])}" if d[2] else ""): d[4] for d in C.DIFFERENCES})
    for epochs in epochs_list:
        for threads in threads_list:
            trained = {s: train(args, s, data, epochs, threads, steps) for s in systems}
            decoded: dict[str, dict] = {}
            for _ in range(args.decode_repeats):     # interleaved; each system's fastest run counts
                for system, t in trained.items():
                    d = decode(args, system, data, t, threads)
                    best = decoded.setdefault(system, d)
                    best["decode_s"] = min(best["decode_s"], d["decode_s"])
                    for key in ("decode_process_s", "decode_cpu_s"):
                        best[key] = min(best[key], d[key])
            for system in systems:
                add_row(report, args.work, system, epochs, threads, {**trained[system], **decoded[system]}, refs)
    summarize(report, epochs_list)
    report.emit(args.json)


if __name__ == "__main__":
    main()
