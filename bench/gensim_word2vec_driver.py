"""Train gensim's Word2Vec the way its documentation does, as one command (for the benchmark).

    python bench/gensim_word2vec_driver.py CORPUS OUT --input corpus_file|line_sentence \
        --sg 1 --dim 100 --window 5 --negative 5 --sample 1e-3 --min-count 5 --epochs 5 \
        --threads 2 --seed 1

``corpus_file`` is gensim's fastest path (its own C++ reader, one file split between the
workers); ``line_sentence`` streams ``LineSentence(CORPUS)`` through its Python job queue. Both
are the documented explicit form: ``build_vocab`` then ``train``. The vectors are written with
``KeyedVectors.save`` (gensim's own format). Prints one JSON line: the training call's seconds
(the inner loop), corpus words, vocabulary size.
"""

from __future__ import annotations

import argparse
import json
import time


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("out")
    ap.add_argument("--input", choices=("corpus_file", "line_sentence"), default="corpus_file")
    ap.add_argument("--sg", type=int, default=1)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--alpha", type=float, default=0.025)
    ap.add_argument("--min-alpha", type=float, default=0.0001)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    return ap


def build(a: argparse.Namespace):
    """gensim's ``Word2Vec`` constructed (nothing read or trained yet) from the parsed arguments;
    the benchmark's parity test reads its resolved attributes."""
    from gensim.models import Word2Vec

    return Word2Vec(sg=a.sg, vector_size=a.dim, window=a.window, negative=a.negative, hs=0,
                    sample=a.sample, min_count=a.min_count, epochs=a.epochs, alpha=a.alpha,
                    min_alpha=a.min_alpha, workers=a.threads, seed=a.seed)


def main() -> None:
    a = parser().parse_args()

    from gensim.models.word2vec import LineSentence

    model = build(a)
    if a.input == "corpus_file":
        model.build_vocab(corpus_file=a.corpus)
        start = time.perf_counter()
        model.train(corpus_file=a.corpus, total_examples=model.corpus_count,
                    total_words=model.corpus_total_words, epochs=a.epochs)
    else:
        sentences = LineSentence(a.corpus)
        model.build_vocab(sentences)
        start = time.perf_counter()
        model.train(sentences, total_examples=model.corpus_count, epochs=a.epochs)
    seconds = time.perf_counter() - start
    model.wv.save(a.out)
    print(json.dumps({"train_s": seconds, "words": model.corpus_total_words,
                      "vocab": len(model.wv)}), flush=True)


if __name__ == "__main__":
    main()
