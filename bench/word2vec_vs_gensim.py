"""word2vec: our trainer against gensim 4.x, side by side, skip-gram and CBOW.

Each system trains in its own fresh process (``runner.isolated``) on the same corpus stream with
the same hyperparameters; words/s = corpus tokens × epochs / training wall seconds (vocabulary
building not included, for either). Peak memory is the process's VmHWM right after training.
Both sets of vectors are then scored by the same evaluation code (analogies on the 30k most
frequent words, Spearman on WS353/SimLex/MEN/RW). Also reported: the kernel alone, pairs/s on one
core.

    python bench/word2vec_vs_gensim.py [CORPUS] [--epochs 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from runner import Report, isolated, peak_rss_mb, ratio, shared_data  # noqa: E402


def head_file(path: str, limit: int, folder: str) -> str:
    """Write the first lines of ``path`` holding ``limit`` tokens to a plain file (quick runs)."""
    from illustrated.text import Corpus

    out = os.path.join(folder, f"head-{limit}.txt")
    seen = 0
    with open(out, "w", encoding="utf-8") as f:
        for sentence in Corpus(path):
            if seen >= limit:
                break
            f.write(" ".join(sentence) + "\n")
            seen += len(sentence)
    return out


def _corpus(path: str):
    from illustrated.text import Corpus

    return Corpus(path)


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel once, so no timed run pays for it."""
    from illustrated.text import Corpus
    from illustrated.word2vec import Word2Vec, Word2VecConfig
    from illustrated.word2vec.planted import planted_corpus

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "warm.txt"
        path.write_text("\n".join(" ".join(s) for s in planted_corpus(50)) + "\n")
        for sg in (True, False):
            Word2Vec(Word2VecConfig(sg=sg, dim=8, epochs=1, min_count=1, threads=1)).train(
                Corpus(path), progress=False)


def train_ours(path: str, limit: int | None, sg: bool, params: dict, out: str) -> dict:
    from illustrated.word2vec import Word2Vec, Word2VecConfig

    corpus = _corpus(path)
    model = Word2Vec(Word2VecConfig(sg=sg, **params))
    model.build_vocab(corpus)
    start = time.perf_counter()
    model.train(corpus, progress=False)
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    model.wv.save(out)
    return {"seconds": seconds, "words": model.corpus_words * params["epochs"], "peak_mb": peak,
            "vocab": len(model.wv), "loss": model.last_loss}


def train_gensim(path: str, limit: int | None, sg: bool, params: dict, out: str) -> dict:
    import numpy as np
    from gensim.models import Word2Vec as GensimWord2Vec

    from illustrated.word2vec import KeyedVectors

    corpus = _corpus(path)
    model = GensimWord2Vec(sg=int(sg), vector_size=params["dim"], window=params["window"],
                           negative=params["negative"], sample=params["sample"],
                           min_count=params["min_count"], epochs=params["epochs"],
                           workers=params["threads"], seed=params["seed"], hs=0)
    model.build_vocab(corpus)
    start = time.perf_counter()
    model.train(corpus, total_examples=model.corpus_count, epochs=params["epochs"])
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    wv = model.wv
    counts = np.array([wv.get_vecattr(k, "count") for k in wv.index_to_key], dtype=np.int64)
    KeyedVectors(wv.index_to_key, wv.vectors, counts).save(out)
    return {"seconds": seconds, "words": model.corpus_total_words * params["epochs"],
            "peak_mb": peak, "vocab": len(wv), "loss": None}


def kernel_pairs_per_s(path: str, sg: bool, params: dict, limit: int = 1_000_000) -> float:
    """Pairs/s of the compiled kernel alone on one core (ids prepared beforehand)."""
    from illustrated.word2vec import Word2Vec, Word2VecConfig

    model = Word2Vec(Word2VecConfig(sg=sg, **{**params, "threads": 1}))
    model.build_vocab(_corpus(path))
    chunks, seen = [], 0
    for chunk in model.chunks(_corpus(path)):
        chunks.append(chunk)
        seen += chunk[2]
        if seen >= limit:
            break
    return _time_kernel(model, chunks)


def _time_kernel(model, chunks) -> float:
    import numpy as np

    from illustrated.word2vec import kernels

    fixed = model._kernel_arrays()
    kernels.train_chunk(*chunks[0][:2], *fixed, 0.025, 0.025, np.uint64(1), kernels.SIGMOID,
                        kernels.LOG_SIGMOID)  # load the compiled code first
    start = time.thread_time()
    pairs = 0
    for i, (ids, offsets, _) in enumerate(chunks):
        pairs += kernels.train_chunk(ids, offsets, *fixed, 0.025, 0.0001, np.uint64(i),
                                     kernels.SIGMOID, kernels.LOG_SIGMOID)[1]
    return pairs / (time.thread_time() - start)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", nargs="?", default=None,
                    help="text corpus (default: enwiki2015/wiki-AA-clean.txt.gz)")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N tokens")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--modes", default="sg,cbow", help="comma-separated: sg, cbow")
    ap.add_argument("--eval-dir", default=None, help="evaluation files (default: shared eval/)")
    ap.add_argument("--json", default=None, help="also write the JSON report here")
    args = ap.parse_args(argv)
    corpus = args.corpus or str(shared_data("enwiki2015", "wiki-AA-clean.txt.gz"))
    eval_dir = args.eval_dir or str(shared_data("eval"))
    params = dict(dim=args.dim, window=args.window, negative=args.negative, sample=args.sample,
                  min_count=args.min_count, epochs=args.epochs, threads=args.threads, seed=1)
    import gensim

    from illustrated.word2vec import KeyedVectors
    from illustrated.word2vec.evaluate import evaluate_all

    report = Report("word2vec_vs_gensim", anchor=f"gensim {gensim.__version__}", corpus=corpus,
                    limit=args.limit, **params)
    tmp = tempfile.mkdtemp(prefix="w2v-bench-")
    if args.limit:
        corpus = head_file(corpus, args.limit, tmp)
    isolated(warm_up)
    for mode in args.modes.split(","):
        sg = mode == "sg"
        speeds = {}
        for system, fn in (("ours", train_ours), ("gensim", train_gensim)):
            out = os.path.join(tmp, f"{system}-{mode}.npz")
            r = isolated(fn, corpus, args.limit, sg, params, out).value
            scores = evaluate_all(KeyedVectors.load(out), eval_dir)
            speeds[system] = r["words"] / r["seconds"]
            report.add(mode=mode, system=system, words_per_s=round(speeds[system]),
                       train_s=round(r["seconds"], 1), peak_mb=round(r["peak_mb"]),
                       vocab=r["vocab"],
                       analogy=round(100 * scores["analogy"]["accuracy"], 2),
                       ws353=round(scores["ws353"]["spearman"], 3),
                       simlex=round(scores["simlex"]["spearman"], 3),
                       men=round(scores["men"]["spearman"], 3),
                       rw=round(scores["rw"]["spearman"], 3))
            print(report.rows[-1], file=sys.stderr, flush=True)
        report.summary[f"{mode}_speed_ratio"] = ratio(speeds["ours"], speeds["gensim"])
        pairs = isolated(kernel_pairs_per_s, corpus, sg, params).value
        report.summary[f"{mode}_kernel_pairs_per_s_per_core"] = round(pairs)
    report.emit(args.json)


if __name__ == "__main__":
    main()
