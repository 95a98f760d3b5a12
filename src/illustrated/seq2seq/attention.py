"""Attention: score every encoder state against a decoder query, softmax, take the weighted sum.

All modules here are stateless: the keys are projected once per sentence by
:meth:`Attention.project_keys` and handed back to :meth:`Attention.forward` at every step, so
nothing has to be "primed" and a module can be shared by greedy search, beam search and training.
Padding positions get exactly zero weight (their scores are set to ``-inf`` before the softmax).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..errors import ConfigError

__all__ = ["Attention", "BahdanauAttention", "LuongAttention", "make_attention", "masked_softmax"]


def masked_softmax(scores: Tensor, mask: Tensor) -> Tensor:
    """Softmax over the last axis where ``mask`` is True; masked entries are exactly 0.

    Args:
        scores: ``float`` ``[batch, T, src_len]``.
        mask: ``bool`` ``[batch, 1, src_len]`` (or broadcastable), True on real source tokens.
    """
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


class Attention(nn.Module):
    """Base class: ``forward(query, keys, values, mask) -> (context, weights)``.

    Shapes: ``query`` ``[batch, T, query_size]`` (T decoder steps at once, 1 while searching);
    ``keys`` ``[batch, src_len, *]`` as returned by :meth:`project_keys`; ``values``
    ``[batch, src_len, value_size]``; ``mask`` ``bool`` ``[batch, 1, src_len]``.
    Returns ``context`` ``[batch, T, value_size]`` and ``weights`` ``[batch, T, src_len]``
    whose rows sum to one.
    """

    def project_keys(self, values: Tensor) -> Tensor:
        """Whatever can be computed from the encoder states once per sentence."""
        return values

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, query: Tensor, keys: Tensor, values: Tensor, mask: Tensor) -> tuple[Tensor, Tensor]:
        weights = masked_softmax(self.scores(query, keys), mask)
        return torch.bmm(weights, values), weights


class BahdanauAttention(Attention):
    """Additive attention (Bahdanau et al., 2015): ``vᵀ tanh(W_q q + W_k k)``.

    The key projection ``W_k k`` ``[batch, src_len, attn]`` is computed once per sentence.
    """

    def __init__(self, query_size: int, key_size: int, attn_size: int) -> None:
        super().__init__()
        self.key_layer = nn.Linear(key_size, attn_size, bias=False)
        self.query_layer = nn.Linear(query_size, attn_size, bias=False)
        self.energy_layer = nn.Linear(attn_size, 1, bias=False)

    def project_keys(self, values: Tensor) -> Tensor:
        return self.key_layer(values)

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        q = self.query_layer(query)                                  # [B, T, A]
        if q.shape[1] == 1:
            energy = torch.tanh(keys + q)                            # [B, S, A]
            return self.energy_layer(energy).transpose(1, 2)         # [B, 1, S]
        energy = torch.tanh(q.unsqueeze(2) + keys.unsqueeze(1))      # [B, T, S, A]
        return self.energy_layer(energy).squeeze(-1)                 # [B, T, S]


class LuongAttention(Attention):
    """Multiplicative attention (Luong et al., 2015): ``dot`` ``qᵀk`` or ``general`` ``qᵀ W k``.

    For ``general`` the projection ``W k`` ``[batch, src_len, query_size]`` is made once per sentence.
    """

    def __init__(self, query_size: int, key_size: int, kind: str = "general") -> None:
        super().__init__()
        if kind not in ("dot", "general"):
            raise ConfigError(f"Luong attention: expected 'dot' or 'general', got {kind!r}")
        if kind == "dot" and query_size != key_size:
            raise ConfigError(
                f"attention 'dot' needs the decoder size ({query_size}) to equal the encoder "
                f"output size ({key_size}); use 'general' or 'bahdanau', or change the sizes")
        self.kind = kind
        self.key_layer = nn.Linear(key_size, query_size, bias=False) if kind == "general" else None

    def project_keys(self, values: Tensor) -> Tensor:
        return self.key_layer(values) if self.key_layer is not None else values

    def scores(self, query: Tensor, keys: Tensor) -> Tensor:
        return torch.bmm(query, keys.transpose(1, 2))                # [B, T, S]


def make_attention(kind: str, query_size: int, key_size: int, attn_size: int) -> Attention:
    """``bahdanau``, ``dot`` or ``general``."""
    if kind == "bahdanau":
        return BahdanauAttention(query_size, key_size, attn_size)
    if kind in ("dot", "general"):
        return LuongAttention(query_size, key_size, kind)
    raise ConfigError(f"attention: expected 'bahdanau', 'dot' or 'general', got {kind!r}")
