"""Multi-head scaled dot-product attention (Vaswani et al., 2017), the Transformer's only mixing step.

Every position asks a *query* and every position offers a *key* and a *value*; a query's output
is the average of the values weighted by ``softmax(q · k / √d_head)``. With ``h`` heads the model
size is split into ``h`` slices that attend independently, each free to look somewhere else
("it" → "animal" in one head, "it" → "tired" in another), and their outputs are concatenated
and projected back.

The arithmetic runs in :func:`torch.nn.functional.scaled_dot_product_attention` (fused, no
``[len, len]`` matrix kept for backward) unless the weights themselves are wanted: then the same
formula is written out so the weights can be returned. Masked positions get exactly zero weight
either way (their scores are ``-inf`` before the softmax).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..errors import ConfigError
from .dropout import dropout

__all__ = ["MultiHeadAttention", "causal_mask"]


def causal_mask(query_len: int, key_len: int, device=None) -> Tensor:
    """``bool`` ``[query_len, key_len]``: True where key ``j`` is visible to query ``i`` (``j ≤ i``
    counted from the end, so the last query sees every key)."""
    offset = key_len - query_len
    return torch.ones(query_len, key_len, dtype=torch.bool, device=device).tril(offset)


class MultiHeadAttention(nn.Module):
    """Projections and attention for ``heads`` heads of size ``dim // heads``.

    One input projection ``in_proj`` ``[3·dim, dim]`` holds the query, key and value weights:
    self-attention applies it in one product (:meth:`project_self`); encoder–decoder attention
    applies its query third to the decoder (:meth:`project_query`) and its key/value two
    thirds to the encoder output once per sentence (:meth:`project_memory`).

    Tensors per head are ``[batch, heads, len, head_dim]``; masks are ``bool``, broadcastable
    to ``[batch, heads, query_len, key_len]``, True where a key may be attended to.
    """

    def __init__(self, dim: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        if heads < 1 or dim % heads:
            raise ConfigError(f"the model size ({dim}) must be a multiple of the number of heads ({heads})")
        self.dim, self.heads, self.head_dim = dim, heads, dim // heads
        self.dropout = dropout
        self.in_proj = nn.Linear(dim, 3 * dim)
        self.out_proj = nn.Linear(dim, dim)

    def _split(self, x: Tensor) -> Tensor:
        batch, length, _ = x.shape
        return x.view(batch, length, self.heads, self.head_dim).transpose(1, 2)

    def project_self(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Queries, keys and values of ``x`` ``[batch, len, dim]``, each ``[batch, heads, len, head_dim]``."""
        q, k, v = self.in_proj(x).chunk(3, dim=-1)
        return self._split(q), self._split(k), self._split(v)

    def project_query(self, x: Tensor) -> Tensor:
        """Queries of ``x`` ``[batch, len, dim]`` → ``[batch, heads, len, head_dim]``."""
        return self._split(F.linear(x, self.in_proj.weight[: self.dim], self.in_proj.bias[: self.dim]))

    def project_memory(self, memory: Tensor) -> tuple[Tensor, Tensor]:
        """Keys and values of the encoder output ``[batch, src_len, dim]``, each ``[batch, heads, src_len, head_dim]``."""
        k, v = F.linear(memory, self.in_proj.weight[self.dim:], self.in_proj.bias[self.dim:]).chunk(2, dim=-1)
        return self._split(k), self._split(v)

    def attend(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None, causal: bool = False,
               need_weights: bool = False) -> tuple[Tensor, Tensor | None]:
        """Attention of queries ``q`` over keys ``k`` and values ``v``, projected back to ``dim``.

        Args:
            q: ``[batch, heads, query_len, head_dim]``; ``k``, ``v``: ``[batch, heads, key_len, head_dim]``.
            mask: ``bool`` broadcastable to ``[batch, heads, query_len, key_len]`` (True: visible).
            causal: also hide keys after each query (``j > i``), for the decoder's self-attention.
            need_weights: also return the weights (written-out softmax instead of the fused kernel).
        Returns:
            the output ``[batch, query_len, dim]`` and the weights ``float`` ``[batch, heads,
            query_len, key_len]`` (rows sum to 1, masked keys exactly 0) or None.
        """
        p = self.dropout if self.training else 0.0
        if causal and mask is not None:
            mask = mask & causal_mask(q.shape[2], k.shape[2], q.device)
            causal = False
        weights = None
        # With dropout on the weights the fused kernel falls back to the same arithmetic with
        # PyTorch's slow Bernoulli draws; written out here it uses the fast dropout instead.
        if need_weights or (p > 0 and q.device.type == "cpu"):
            scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.head_dim))
            if causal:
                mask = causal_mask(q.shape[2], k.shape[2], q.device)
            if mask is not None:
                scores = scores.masked_fill(~mask, float("-inf"))
            probs = torch.softmax(scores, dim=-1)
            weights = probs if need_weights else None
            context = torch.matmul(dropout(probs, p, self.training), v)
        else:
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p,
                                                     is_causal=causal and q.shape[2] > 1)
        batch, _, length, _ = context.shape
        return self.out_proj(context.transpose(1, 2).reshape(batch, length, self.dim)), weights
