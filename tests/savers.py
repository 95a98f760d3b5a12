"""Write a model of each kind the project saves, of a chosen size, in a process of its own.

    python -m tests.savers KIND PATH ROWS

exits 0 when written, 1 with the one-line ``error: …`` of the command line when the save fails
(a full disk, a size limit, a read-only folder). The tests run it under such limits.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def _vectors(rows: int):
    from illustrated.word2vec import KeyedVectors

    rng = np.random.default_rng(rows)
    return KeyedVectors([f"w{i}" for i in range(rows)], rng.normal(size=(rows, 16)).astype(np.float32),
                        np.arange(rows, 0, -1, dtype=np.int64))


def _word2vec_model(path: Path, rows: int) -> None:
    from illustrated.word2vec import Word2Vec, Word2VecConfig

    model = Word2Vec(Word2VecConfig(dim=16))
    model.wv = _vectors(rows)
    model.syn1neg = np.zeros((rows, 16), np.float32)
    model.save(path)


def _recommender(path: Path, rows: int) -> None:
    from illustrated.recommend import Recommender

    Recommender(_vectors(rows)).save(path)


def _vocab(path: Path, rows: int) -> None:
    from illustrated.text import Vocab

    n = rows * 20   # compressed: many more lines for as many bytes
    Vocab([f"token{i}" for i in range(n)], [1] * n, ()).save(path)


def _torch(path: Path, rows: int) -> None:
    import torch

    from illustrated.seq2seq.trainer import save_torch

    save_torch({"model": {"w": torch.zeros(rows, 16)}}, path)


SAVERS = {
    "word2vec.npz": _word2vec_model,
    "vectors.bin": lambda p, n: _vectors(n).save(p),
    "vectors.txt": lambda p, n: _vectors(n).save(p),
    "recommender.npz": _recommender,
    "vocab.txt.gz": _vocab,
    "checkpoint.pt": _torch,
}


def main() -> None:
    from illustrated.errors import IllustratedError

    kind, path, rows = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    try:
        SAVERS[kind](path, rows)
    except IllustratedError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
