"""The Transformer's layers: position-wise feed-forward, an encoder layer and a decoder layer.

Each layer is a stack of *sublayers* (attention, feed-forward), each wrapped in a residual
connection with dropout and a layer norm. Where the norm goes is the one real design choice:

* ``post`` (the paper): ``x = norm(x + dropout(sublayer(x)))``;
* ``pre`` (Wang et al. 2019, what JoeyNMT and fairseq use for small data):
  ``x = x + dropout(sublayer(norm(x)))``, with one more norm after the last layer. It trains
  stably without a long warm-up.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from ..errors import ConfigError
from .dropout import Dropout
from .multihead import MultiHeadAttention, causal_mask

__all__ = ["FeedForward", "EncoderLayer", "DecoderLayer", "NORM_EPS"]

NORM_EPS = 1e-6

# (keys, values) of one attention, each [batch, heads, len, head_dim]
KeyValues = tuple[Tensor, Tensor]


class FeedForward(nn.Module):
    """``linear2(dropout(relu(linear1(x))))``: the same two-layer network at every position."""

    def __init__(self, dim: int, ff_dim: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.linear1 = nn.Linear(dim, ff_dim)
        self.linear2 = nn.Linear(ff_dim, dim)
        self.dropout = Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` ``[batch, len, dim]`` → ``[batch, len, dim]``."""
        return self.linear2(self.dropout(nn.functional.relu(self.linear1(x))))


class _Layer(nn.Module):
    """Residual wiring shared by both layers: pre- or post-norm around each sublayer."""

    def __init__(self, norm: str, dropout: float) -> None:
        super().__init__()
        if norm not in ("pre", "post"):
            raise ConfigError(f"norm: expected 'pre' or 'post', got {norm!r}")
        self.pre = norm == "pre"
        self.dropout = Dropout(dropout)

    def sublayer(self, x: Tensor, norm: nn.LayerNorm, fn: Callable[[Tensor], Tensor]) -> Tensor:
        if self.pre:
            return x + self.dropout(fn(norm(x)))
        return norm(x + self.dropout(fn(x)))


class EncoderLayer(_Layer):
    """Self-attention over the source, then the feed-forward network."""

    def __init__(self, dim: int, heads: int, ff_dim: int, dropout: float = 0.0,
                 attention_dropout: float = 0.0, norm: str = "pre") -> None:
        super().__init__(norm, dropout)
        self.self_attn = MultiHeadAttention(dim, heads, attention_dropout)
        self.feed_forward = FeedForward(dim, ff_dim, dropout)
        self.norm1 = nn.LayerNorm(dim, eps=NORM_EPS)
        self.norm2 = nn.LayerNorm(dim, eps=NORM_EPS)

    def forward(self, x: Tensor, mask: Tensor, need_weights: bool = False) -> tuple[Tensor, Tensor | None]:
        """``x`` ``[batch, src_len, dim]``; ``mask`` ``bool`` ``[batch, 1, 1, src_len]`` (True: real token).

        Returns the new ``x`` and, with ``need_weights``, the self-attention ``[batch, heads, src_len, src_len]``.
        """
        weights = []

        def attend(h: Tensor) -> Tensor:
            out, w = self.self_attn.attend(*self.self_attn.project_self(h), mask=mask, need_weights=need_weights)
            weights.append(w)
            return out

        x = self.sublayer(x, self.norm1, attend)
        return self.sublayer(x, self.norm2, self.feed_forward), weights[0]


class DecoderLayer(_Layer):
    """Masked self-attention over the output so far, attention to the source, feed-forward."""

    def __init__(self, dim: int, heads: int, ff_dim: int, dropout: float = 0.0,
                 attention_dropout: float = 0.0, norm: str = "pre") -> None:
        super().__init__(norm, dropout)
        self.self_attn = MultiHeadAttention(dim, heads, attention_dropout)
        self.cross_attn = MultiHeadAttention(dim, heads, attention_dropout)
        self.feed_forward = FeedForward(dim, ff_dim, dropout)
        self.norm1 = nn.LayerNorm(dim, eps=NORM_EPS)
        self.norm2 = nn.LayerNorm(dim, eps=NORM_EPS)
        self.norm3 = nn.LayerNorm(dim, eps=NORM_EPS)

    def forward(self, x: Tensor, memory: KeyValues, src_mask: Tensor, past: KeyValues | None = None,
                need_weights: bool = False) -> tuple[Tensor, KeyValues, tuple[Tensor | None, Tensor | None]]:
        """Decode ``x`` ``[batch, len, dim]`` (embedded outputs so far, shifted right).

        Args:
            memory: the source's keys and values for this layer (:meth:`MultiHeadAttention.project_memory`).
            src_mask: ``bool`` ``[batch, 1, 1, src_len]``, True on real source tokens.
            past: cached self-attention keys and values of the earlier positions; then ``x`` holds
                only the new position (``len`` 1), which may see all of them.
            need_weights: also return the attention weights.
        Returns:
            the new ``x``, this layer's self-attention keys and values including ``x``'s (the next
            step's ``past``), and the weights (self ``[batch, heads, len, past+len]``, cross
            ``[batch, heads, len, src_len]``) or Nones.
        """
        present: list[KeyValues] = []
        weights: list[Tensor | None] = []

        def self_attend(h: Tensor) -> Tensor:
            q, k, v = self.self_attn.project_self(h)
            if past is not None:
                k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
            present.append((k, v))
            causal = q.shape[2] > 1   # one new position may see everything before it
            mask = causal_mask(q.shape[2], k.shape[2], q.device) if causal and past is not None else None
            out, w = self.self_attn.attend(q, k, v, mask, causal=causal and mask is None,
                                           need_weights=need_weights)
            weights.append(w)
            return out

        def cross_attend(h: Tensor) -> Tensor:
            out, w = self.cross_attn.attend(self.cross_attn.project_query(h), *memory, mask=src_mask,
                                            need_weights=need_weights)
            weights.append(w)
            return out

        x = self.sublayer(x, self.norm1, self_attend)
        x = self.sublayer(x, self.norm2, cross_attend)
        x = self.sublayer(x, self.norm3, self.feed_forward)
        return x, present[0], (weights[0], weights[1])
