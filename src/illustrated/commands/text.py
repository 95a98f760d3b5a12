"""The text → arrays part of ``illustrated demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ..text import Vocab, embed, embedding_table, pad_batch, tokenize

SENTENCE = "Have the bards who preceded me left any theme unsung?"


def demo(out: Path, echo: Callable[[str], None]) -> dict:
    """Sentence → tokens → ids → a padded batch → embeddings, printing each shape."""
    batch_text = [SENTENCE, "Who left the theme?", "The bards sang."]
    tokens = [tokenize(s, lowercase=True) for s in batch_text]
    vocab = Vocab.build(tokens)
    ids = [vocab.encode(t) for t in tokens]
    batch = pad_batch(ids, pad_id=vocab.pad_id)
    table = embedding_table(len(vocab), 4, seed=0, pad_id=vocab.pad_id)
    vectors = embed(batch.ids, table)
    echo(f'sentence: "{SENTENCE}"')
    echo(f"tokens   ({len(tokens[0])}): {tokens[0]}")
    echo(f"ids      ({len(ids[0])}): {ids[0]}")
    echo(f"vocab: {len(vocab)} tokens; batch of {len(batch_text)} sentences")
    echo(f"padded ids   [batch, seq]      = {list(batch.ids.shape)} {batch.ids.dtype}")
    echo(f"mask         [batch, seq]      = {list(batch.mask.shape)} {batch.mask.dtype}")
    echo(f"embeddings   [batch, seq, emb] = {list(vectors.shape)} {vectors.dtype}")
    with np.printoptions(linewidth=100):
        echo(str(batch.ids))
    return {"tokens": tokens[0], "ids_shape": list(batch.ids.shape),
            "embeddings_shape": list(vectors.shape)}
