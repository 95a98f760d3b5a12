"""A training kernel's arguments by name, and the one place the compiled kernel is called.

The compiled :func:`.chunk.train_chunk` takes its arrays and settings by position (numba
dispatches on them). Everything above it holds a :class:`ChunkKernel` instead: a frozen
dataclass of the weights, the tables and the settings that stay fixed over a run, whose
:meth:`~ChunkKernel.train` passes them on in the order the compiled function wants and names
what comes back (:class:`ChunkStats`). The training loop, the loss and the model averaging
between processes see only that interface, so another kernel (items with side information, say)
is one more subclass with its own fields, ``train`` and ``weights``, and runs on the same driver.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .chunk import train_cbow_chunk, train_sg_chunk
from .scores import LOG_SIGMOID, SIGMOID

__all__ = ["ChunkKernel", "ChunkStats", "WordKernel"]


class ChunkStats(NamedTuple):
    """What one chunk's training reports.

    ``words``: tokens kept after subsampling; ``pairs``: (centre, context) pairs trained (CBOW:
    windows); ``loss``: the summed loss of ``loss_count`` predictions; ``check``: the sum of every
    score computed, not finite as soon as a trained row is not (the driver stops on it).
    """

    words: int
    pairs: int
    loss: float
    loss_count: int
    check: float

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.check) and np.isfinite(self.loss))


class ChunkKernel(ABC):
    """The fixed arguments of a compiled training kernel, and how to call it on one chunk.

    A chunk is ``ids`` int32 ``[n_tokens]`` (``-1`` for tokens outside the vocabulary) and
    ``offsets`` int64 ``[n_sentences + 1]`` (sentence ``s`` is ``ids[offsets[s]:offsets[s+1]]``).
    """

    @abstractmethod
    def train(self, ids: np.ndarray, offsets: np.ndarray, alpha_start: float, alpha_end: float,
              seed: int) -> ChunkStats:
        """Train the weights in place on one chunk, the learning rate going linearly from
        ``alpha_start`` at its first token to ``alpha_end`` at its last, the kernel's random
        numbers starting from the 64-bit state ``seed``."""

    @abstractmethod
    def weights(self) -> dict[str, np.ndarray]:
        """The matrices training updates in place, by name (float32 ``[rows, dim]``; those in
        use only). Model averaging between processes keeps exactly these in step."""

    def row_order(self) -> dict[str, str]:
        """For the matrices of :meth:`weights` whose rows are ordered by how often training uses
        them: ``"first"`` (the most used rows first) or ``"last"``. Model averaging combines such
        a matrix's busiest rows more often than the rest; the others whole, every time."""
        return {}


@dataclass(frozen=True, eq=False)
class WordKernel(ChunkKernel):
    """Skip-gram or CBOW with negative sampling and/or hierarchical softmax
    (:func:`.chunk.train_chunk`).

    Attributes:
        syn0: float32 ``[vocab, dim]``, the input vectors.
        syn1neg: float32 ``[vocab, dim]`` output vectors of negative sampling (``[0, dim]`` when
            it is off); ``syn1``: float32 ``[vocab − 1, dim]`` inner nodes of the Huffman tree
            (``[0, dim]`` without hierarchical softmax).
        keep: float32 ``[vocab]``, each word's probability of surviving subsampling.
        noise: uint32 ``[vocab, 2]``, the noise distribution's packed alias table.
        codes, points: uint8 / int32 ``[vocab, max_code]`` Huffman codes and inner-node ids;
            ``code_lens``: int32 ``[vocab]``.
        sg, hs, shrink: skip-gram, hierarchical softmax, dynamic windows.
        negative, window: noise words per prediction; largest context distance.
        share: CBOW only, consecutive windows sharing one draw of noise words.
        budget: a window with more context rows trains each pair at ``alpha · budget / n``.
    """

    syn0: np.ndarray
    syn1neg: np.ndarray
    syn1: np.ndarray
    keep: np.ndarray
    noise: np.ndarray
    codes: np.ndarray
    points: np.ndarray
    code_lens: np.ndarray
    sg: bool
    hs: bool
    negative: int
    window: int
    shrink: bool
    share: int
    budget: int

    def train(self, ids: np.ndarray, offsets: np.ndarray, alpha_start: float, alpha_end: float,
              seed: int) -> ChunkStats:
        train = train_sg_chunk if self.sg else train_cbow_chunk   # one mode's machine code
        return ChunkStats(*train(
            ids, offsets, self.syn0, self.syn1neg, self.syn1, self.keep, self.noise, self.codes,
            self.points, self.code_lens, self.sg, self.hs, self.negative, self.window,
            self.shrink, self.share, self.budget, alpha_start, alpha_end, np.uint64(seed),
            SIGMOID, LOG_SIGMOID))

    def weights(self) -> dict[str, np.ndarray]:
        named = {"vectors": self.syn0, "syn1neg": self.syn1neg, "syn1": self.syn1}
        return {k: w for k, w in named.items() if w.shape[0]}

    def row_order(self) -> dict[str, str]:
        # words are sorted by falling count; the Huffman tree's inner nodes nearest the root,
        # on every word's path, come last
        return {"vectors": "first", "syn1neg": "first", "syn1": "last"}
