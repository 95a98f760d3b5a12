"""The EGES kernel's arguments by name: items with side information on the common driver.

:class:`ItemKernel` is the :class:`~.engine.ChunkKernel` of :func:`.eges_chunk.train_eges_chunk`,
so items with attributes, global contexts and market negatives train through the same threads,
schedule, loss and divergence checks as words (:mod:`..workers`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .eges_chunk import train_eges_chunk
from .engine import ChunkKernel, ChunkStats
from .scores import LOG_SIGMOID, SIGMOID

__all__ = ["ItemKernel"]


@dataclass(frozen=True, eq=False)
class ItemKernel(ChunkKernel):
    """Skip-gram with negative sampling over items with side information (:mod:`.eges`).

    Attributes:
        syn0: float32 ``[n, dim]`` the items' own rows; syn1neg: float32 ``[n, dim]`` output rows.
        attr: float32 ``[n_values, dim]`` the attribute rows.
        indptr, indices: int64 ``[n + 1]`` / int32 ``[nnz]``: each item's attribute rows.
        id_logit, val_logit: float32 ``[n]`` / ``[nnz]``: the logits of each item's weights.
        keep: float32 ``[n]`` subsampling; noise: uint32 ``[n, 2]`` the packed alias table.
        market_of: int32 ``[n]`` (``[0]`` without markets); market_ptr: int64 ``[m + 1]``;
            market_items: int32 and market_noise: uint32 ``[·, 2]``: each market's items and
            alias table.
        negative: noise items per centre item; in_market: how many from its market.
        window, shrink, budget: as for words.
    """

    syn0: np.ndarray
    syn1neg: np.ndarray
    attr: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    id_logit: np.ndarray
    val_logit: np.ndarray
    keep: np.ndarray
    noise: np.ndarray
    market_of: np.ndarray
    market_ptr: np.ndarray
    market_items: np.ndarray
    market_noise: np.ndarray
    negative: int
    in_market: int
    window: int
    shrink: bool
    budget: int

    def train(self, ids: np.ndarray, offsets: np.ndarray, alpha_start: float, alpha_end: float,
              seed: int) -> ChunkStats:
        return ChunkStats(*train_eges_chunk(
            ids, offsets, self.syn0, self.syn1neg, self.attr, self.indptr, self.indices,
            self.id_logit, self.val_logit, self.keep, self.noise, self.market_of, self.market_ptr,
            self.market_items, self.market_noise, self.negative, self.in_market, self.window,
            self.shrink, self.budget, alpha_start, alpha_end, np.uint64(seed), SIGMOID,
            LOG_SIGMOID))

    def weights(self) -> dict[str, np.ndarray]:
        # the logits as [rows, 1] views, so model averaging combines them as it does rows
        named = {"vectors": self.syn0, "syn1neg": self.syn1neg, "attributes": self.attr,
                 "id_logits": self.id_logit.reshape(-1, 1),
                 "value_logits": self.val_logit.reshape(-1, 1)}
        return {k: w for k, w in named.items() if w.shape[0]}

    def row_order(self) -> dict[str, str]:
        # items are sorted by falling count, attribute values by how many items carry them
        return {"vectors": "first", "syn1neg": "first", "id_logits": "first", "attributes": "first"}
