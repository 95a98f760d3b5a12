"""Lists of ids → padded arrays, and ids → embeddings.

These are the shapes *A Visual Intro to NumPy and Data Representation* draws: a batch of
sentences becomes an ``int64`` array ``[batch, seq]`` padded with the pad id, and looking those
ids up in an embedding table ``[vocab, dim]`` gives ``float32`` ``[batch, seq, dim]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import IllustratedError

__all__ = ["Batch", "pad_batch", "embedding_table", "embed"]


@dataclass(frozen=True)
class Batch:
    """A padded batch.

    Attributes:
        ids: ``int64`` ``[batch, seq]``, padded on the right with the pad id.
        lengths: ``int64`` ``[batch]``, the true length of each row.
        mask: ``bool`` ``[batch, seq]``, True where a real token stands.
    """

    ids: np.ndarray
    lengths: np.ndarray
    mask: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.ids.shape  # type: ignore[return-value]


def pad_batch(sequences: Sequence[Sequence[int]], pad_id: int = 0,
              max_len: int | None = None) -> Batch:
    """Pad id lists into one array; sequences longer than ``max_len`` are truncated."""
    if len(sequences) == 0:
        raise IllustratedError("cannot pad an empty batch")
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    if max_len is not None:
        if max_len <= 0:
            raise IllustratedError(f"max_len must be positive, got {max_len}")
        lengths = np.minimum(lengths, max_len)
    width = int(lengths.max()) if len(lengths) else 0
    ids = np.full((len(sequences), width), pad_id, dtype=np.int64)
    for row, (seq, n) in enumerate(zip(sequences, lengths)):
        ids[row, :n] = np.asarray(seq[:n], dtype=np.int64)
    mask = np.arange(width)[None, :] < lengths[:, None]
    return Batch(ids, lengths, mask)


def embedding_table(vocab_size: int, dim: int, seed: int = 0, pad_id: int | None = 0) -> np.ndarray:
    """A random ``float32`` table ``[vocab_size, dim]`` (uniform ±0.5/dim); the pad row is zero."""
    if vocab_size <= 0 or dim <= 0:
        raise IllustratedError(f"vocab_size and dim must be positive, got {vocab_size} and {dim}")
    rng = np.random.default_rng(seed)
    table = ((rng.random((vocab_size, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
    if pad_id is not None:
        table[pad_id] = 0.0
    return table


def embed(ids: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Look ``ids`` ``[batch, seq]`` up in ``table`` ``[vocab, dim]`` → ``[batch, seq, dim]``."""
    ids = np.asarray(ids)
    if ids.size and (ids.min() < 0 or ids.max() >= table.shape[0]):
        raise IllustratedError(
            f"ids must lie in 0..{table.shape[0] - 1}, got {int(ids.min())}..{int(ids.max())}")
    return table[ids]
