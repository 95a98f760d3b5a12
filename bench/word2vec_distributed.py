"""word2vec on several processes (torchrun, gloo) against one process, side by side.

Every run is the whole command a user runs on the same uncompressed corpus and settings (dim 100,
window 5, negative 5, sample 1e-3, min_count 5, the mode's learning rates, seed 1):

* the anchor, one process × 1 thread: ``illustrated word2vec train CORPUS -o m.npz --threads 1``;
* one process × 2 threads (the same command, ``--threads 2``);
* N ranks × 1 thread: ``python -m torch.distributed.run --standalone --nproc_per_node N -m
  illustrated.cli word2vec train CORPUS -o m.npz --threads 1 --sync-words S``, for N = 2 and 4
  (4 ranks on a 2-core machine are oversubscribed: two processes share each core).

Reported per run: the whole process (wall seconds from launch to exit with the model saved, and
CPU seconds), the training's own seconds and words/s (the ``train_s`` of rank 0's log, after the
vocabulary), the averaging (syncs, bytes each rank reduced per sync, milliseconds per sync apart from
waiting for the slowest process, that waiting, and the CPU milliseconds per sync, which a busy
machine inflates least, from rank 0's log), and quality by the evaluator of ``word2vec_vs_gensim.py`` (analogies among the 30k most
frequent words; Spearman on WS353). Then the accuracy against the sync interval: 2 ranks × 1
thread at each of ``--intervals`` (words per rank between syncs) for each ``--merges`` rule, the
anchor's quality beside it, and the largest interval within ``--tolerance`` analogy points of the
anchor (the default ``sync_words`` is chosen from that curve).

    python bench/word2vec_distributed.py                                  # the full run
    python bench/word2vec_distributed.py --limit 1000000 --epochs 1 --modes cbow \\
        --configs 1x1,2x1 --intervals 50000,1000000                        # a quick check
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from runner import Report, isolated, ratio, shared_data  # noqa: E402
from word2vec_vs_gensim import corpus_words, plain_corpus, run_command, scores  # noqa: E402

CONFIGS = ("1x1", "2x1", "1x2", "4x1")   # processes × threads


def command(corpus: Path, out: Path, log: Path, mode: str, p: dict, processes: int,
            threads: int, sync_words: int | None, merge: str | None) -> list[str]:
    """The user's command: plain for one process, under torchrun for several (``p["sync_rows"]``
    passed on when set)."""
    if processes == 1:
        exe = Path(sys.executable).with_name("illustrated")
        base = [str(exe)] if exe.exists() else [sys.executable, "-m", "illustrated.cli"]
    else:
        base = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
                str(processes), "-m", "illustrated.cli"]
    cmd = base + ["word2vec", "train", str(corpus), "-o", str(out), f"--{mode}",
                  "--dim", str(p["dim"]), "--window", str(p["window"]),
                  "--negative", str(p["negative"]), "--sample", str(p["sample"]),
                  "--min-count", str(p["min_count"]), "--epochs", str(p["epochs"]),
                  "--threads", str(threads), "--seed", str(p["seed"]), "--log-file", str(log)]
    if processes > 1 and sync_words is not None:
        cmd += ["--sync-words", str(sync_words)]
    if processes > 1 and merge is not None:
        cmd += ["--sync-merge", merge]
    if processes > 1 and p.get("sync_rows") is not None:
        cmd += ["--sync-rows", str(p["sync_rows"])]
    return cmd


def train(corpus: Path, work: Path, mode: str, p: dict, processes: int, threads: int,
          sync_words: int | None, merge: str | None, eval_dir: str, reuse: bool = False) -> dict:
    rows = f"-rows{p['sync_rows']}" if p.get("sync_rows") and processes > 1 else ""
    tag = f"{mode}-{processes}x{threads}-{sync_words}-{merge}{rows}-{p['epochs']}"
    done = work / f"{tag}.row.json"
    if reuse and done.exists():   # the same run, kept from an earlier invocation
        return json.loads(done.read_text())
    out, log = work / f"{tag}.npz", work / f"{tag}.jsonl"
    log.unlink(missing_ok=True)
    out.unlink(missing_ok=True)
    env = {"OMP_NUM_THREADS": "1"}
    r = run_command(command(corpus, out, log, mode, p, processes, threads, sync_words, merge),
                    work / f"{tag}.out", env)
    last = json.loads(log.read_text().splitlines()[-1])
    words = corpus_words(corpus) * p["epochs"]
    syncs = last.get("syncs", 0)
    row = {"process_s": round(r["process_s"], 1), "cpu_s": round(r["cpu_s"], 1),
           "peak_mb": round(r["peak_mb"]),
           "train_s": round(last["train_s"], 1), "words_per_s": round(words / last["train_s"]),
           "syncs": syncs,
           "mb_per_sync": round(last["sync_bytes"] / syncs / 2**20, 2) if syncs else None,
           "ms_per_sync": round(1000 * (last["sync_s"] - last["sync_wait_s"]) / syncs, 1)
           if syncs else None,
           "wait_ms_per_sync": round(1000 * last["sync_wait_s"] / syncs, 1) if syncs else None,
           "cpu_ms_per_sync": round(1000 * last["sync_cpu_s"] / syncs, 1) if syncs else None,
           "sync_share": round(last["sync_s"] / last["train_s"], 3) if syncs else None}
    q = isolated(scores, str(out), eval_dir).value
    row = {**row, "vocab": q["vocab"], "analogy": q["analogy"], "ws353": q["ws353"]}
    done.write_text(json.dumps(row))
    return row


def arguments(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modes", default="sg,cbow", help="comma-separated: sg, cbow")
    ap.add_argument("--configs", default=",".join(CONFIGS),
                    help="comma-separated processes×threads, e.g. 1x1,2x1,1x2,4x1 (1x1 first: "
                         "the anchor)")
    ap.add_argument("--intervals", default="10000,30000,100000,300000,1000000",
                    help="sync intervals (words per rank) for the accuracy curve of 2 ranks × 1 "
                         "thread; empty for none")
    ap.add_argument("--merges", default="sum", help="comma-separated rules for the curve: "
                                                    "sum, average")
    ap.add_argument("--curve-modes", default=None,
                    help="modes of the curve (default: the first of --modes)")
    ap.add_argument("--sync-rows", type=int, default=None,
                    help="rows combined at every sync (default: the config's; more than the "
                         "vocabulary combines every row at every sync)")
    ap.add_argument("--tolerance", type=float, default=0.5,
                    help="analogy points below the anchor still counted as equal")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N tokens")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--work", type=Path, default=None, help="folder for the corpus and models")
    ap.add_argument("--eval-dir", default=None, help="evaluation files (default: shared eval/)")
    ap.add_argument("--json", default=None, help="also write the JSON report here")
    ap.add_argument("--reuse", action="store_true",
                    help="take runs already made in --work (same settings) instead of running "
                         "them again: for adding points to a curve, never for timings")
    return ap.parse_args(argv)


def anchor_of(report: Report, mode: str) -> dict | None:
    return next((r for r in report.rows if r["mode"] == mode and r["processes"] == 1
                 and r["threads"] == 1), None)


def compare(row: dict, anchor: dict | None) -> dict:
    """``row`` with its speed-up and analogy difference against the anchor's."""
    if anchor is not None and row is not anchor:
        row["speedup"] = ratio(anchor["process_s"], row["process_s"])
        row["analogy_delta"] = round(row["analogy"] - anchor["analogy"], 2)
    return row


def speed(report: Report, run, args, default) -> None:
    """Every configuration of ``--configs`` at the default sync settings, each mode."""
    configs = [tuple(map(int, c.split("x"))) for c in args.configs.split(",")]
    for mode in args.modes.split(","):
        for processes, threads in configs:
            r = run(mode, processes, threads, None, None)
            report.add(part="speed", mode=mode, processes=processes, threads=threads,
                       sync_words=default.sync_words if processes > 1 else None,
                       merge=default.sync_merge if processes > 1 else None, **r)
            print(json.dumps(report.rows[-1]), file=sys.stderr, flush=True)
        anchor = anchor_of(report, mode)
        for r in report.rows:
            if r["mode"] == mode:
                compare(r, anchor)
        two = next((r for r in report.rows if r["mode"] == mode
                    and (r["processes"], r["threads"]) == (2, 1)), None)
        if two is not None and "speedup" in two:
            report.summary[f"{mode}_2x1_speedup"] = two["speedup"]
            report.summary[f"{mode}_2x1_analogy_delta"] = two["analogy_delta"]


def curve(report: Report, run, args) -> None:
    """2 processes × 1 thread at every interval of ``--intervals`` and rule of ``--merges``."""
    intervals = [int(x) for x in args.intervals.split(",") if x]
    for mode in (args.curve_modes or args.modes.split(",")[0]).split(",") if intervals else ():
        anchor = anchor_of(report, mode)
        for merge in args.merges.split(","):
            for interval in intervals:
                row = report.add(part="curve", mode=mode, processes=2, threads=1,
                                 sync_words=interval, merge=merge,
                                 **run(mode, 2, 1, interval, merge))
                print(json.dumps(compare(row, anchor)), file=sys.stderr, flush=True)
            within = [r["sync_words"] for r in report.rows if r["part"] == "curve"
                      and r["mode"] == mode and r["merge"] == merge
                      and r.get("analogy_delta", -1e9) >= -args.tolerance]
            report.summary[f"{mode}_{merge}_largest_interval_within_{args.tolerance}"] = (
                max(within) if within else None)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    eval_dir = args.eval_dir or str(shared_data("eval"))
    work = args.work or Path(tempfile.mkdtemp(prefix="w2v-dist-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = plain_corpus("AA", work, args.limit)
    from illustrated.word2vec.config import Word2VecConfig  # defaults only, nothing compiled

    default = Word2VecConfig()
    p = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=args.epochs, seed=1,
             sync_rows=args.sync_rows)
    report = Report("word2vec_distributed", anchor="one process × 1 thread", corpus="AA",
                    limit=args.limit, tokens=corpus_words(corpus), **p,
                    sync_words_default=default.sync_words, sync_merge_default=default.sync_merge,
                    sync_rows_default=default.sync_rows, cpus=os.cpu_count())

    def run(mode, processes, threads, sync_words, merge) -> dict:
        return train(corpus, work, mode, p, processes, threads, sync_words, merge, eval_dir,
                     args.reuse)

    speed(report, run, args, default)
    curve(report, run, args)
    report.emit(args.json)


if __name__ == "__main__":
    main()
