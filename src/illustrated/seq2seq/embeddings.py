"""Initialising the embedding tables from pretrained word vectors.

The vectors are read by the word2vec package's one loader, :meth:`KeyedVectors.load`, so any file
``illustrated word2vec train`` writes (``.npz``, ``.bin``, ``.txt``/``.vec``, the last two also
compressed) or gensim and the C tool write is accepted. Tokens of our vocabulary found in the file
get their vector; the others keep their random initialisation (and ``<pad>`` stays zero).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from ..errors import ConfigError
from ..text import Vocab
from ..word2vec import KeyedVectors

__all__ = ["init_embedding", "init_embeddings"]


def init_embedding(table: nn.Embedding, vocab: Vocab, path: str | Path, freeze: bool = False) -> int:
    """Copy the vectors of ``path`` into ``table`` rows of matching tokens; returns how many matched.

    ``table.weight`` is float ``[len(vocab), dim]``; the file's vectors must have ``dim`` columns.
    """
    kv = KeyedVectors.load(path)
    dim = table.weight.shape[1]
    if kv.dim != dim:
        raise ConfigError(f"{path}: vectors have {kv.dim} dimensions but the embeddings have "
                          f"{dim}; set the embedding size to {kv.dim}")
    pairs = [(vocab.stoi[word], row) for word, row in kv.key_to_index.items() if word in vocab.stoi]
    if pairs:
        rows = torch.tensor([r for r, _ in pairs])
        found = torch.from_numpy(kv.vectors[[i for _, i in pairs]])
        with torch.no_grad():
            table.weight[rows] = found.to(table.weight.dtype)
    table.weight.requires_grad_(not freeze)
    return len(pairs)


def init_embeddings(model: nn.Module, src_vocab: Vocab, tgt_vocab: Vocab, src_vectors: str | Path | None,
                    tgt_vectors: str | Path | None, say: Callable[[str], None] = lambda s: None) -> None:
    """Initialise ``model.src_embed`` / ``model.tgt_embed`` from the vector files given (None: keep
    the random initialisation), reporting how many tokens each file covered."""
    for side, path, table, vocab in (("source", src_vectors, model.src_embed, src_vocab),
                                     ("target", tgt_vectors, model.tgt_embed, tgt_vocab)):
        if path is not None:
            found = init_embedding(table, vocab, path)
            say(f"{side} embeddings: {found} of {len(vocab)} tokens from {path}")
