"""Initialising the embedding tables from pretrained word vectors (word2vec text format).

The word2vec text format is a header ``count dim`` and one ``word v_1 … v_dim`` a line — what
``illustrated word2vec`` and gensim write. Tokens of our vocabulary found in the file get their
vector; the others keep their random initialisation (and ``<pad>`` stays zero).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..errors import ConfigError, FormatError
from ..files import open_binary
from ..text import Vocab

__all__ = ["read_word2vec_text", "init_embedding"]


def read_word2vec_text(path: str | Path, wanted: set[str] | None = None) -> tuple[list[str], np.ndarray]:
    """Words and a ``float32`` ``[n, dim]`` matrix; with ``wanted`` only those words are kept."""
    words: list[str] = []
    rows: list[np.ndarray] = []
    with open_binary(path) as raw:
        f = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
        try:
            header = f.readline().split()
            if len(header) != 2 or not all(h.isdigit() for h in header):
                raise FormatError(f"{path}: line 1: expected the word2vec header 'count dim', "
                                  f"got {' '.join(header)[:60]!r}")
            dim = int(header[1])
            for n, line in enumerate(f, 2):
                parts = line.rstrip("\n").rstrip(" ").split(" ")
                if len(parts) != dim + 1:
                    raise FormatError(f"{path}: line {n}: expected a word and {dim} numbers, "
                                      f"got {len(parts) - 1} fields after the word")
                if wanted is None or parts[0] in wanted:
                    try:
                        rows.append(np.asarray(parts[1:], dtype=np.float32))
                    except ValueError:
                        raise FormatError(f"{path}: line {n}: not a number among the values") from None
                    words.append(parts[0])
        except UnicodeDecodeError:
            raise FormatError(f"{path}: not UTF-8 text") from None
    matrix = np.stack(rows) if rows else np.zeros((0, dim), dtype=np.float32)
    return words, matrix


def init_embedding(table: nn.Embedding, vocab: Vocab, path: str | Path, freeze: bool = False) -> int:
    """Copy the vectors of ``path`` into ``table`` rows of matching tokens; returns how many matched."""
    words, matrix = read_word2vec_text(path, set(vocab.itos))
    dim = table.weight.shape[1]
    if matrix.shape[1] != dim:
        raise ConfigError(f"{path}: vectors have {matrix.shape[1]} dimensions but the embeddings have "
                          f"{dim}; set the embedding size to {matrix.shape[1]}")
    with torch.no_grad():
        for word, vec in zip(words, matrix):
            table.weight[vocab.stoi[word]] = torch.from_numpy(vec)
    table.weight.requires_grad_(not freeze)
    return len(words)
