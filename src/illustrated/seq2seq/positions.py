"""Positions: what tells a Transformer where each token stands, since attention alone is order-blind.

Vaswani et al. (2017) add to each token's embedding a vector that depends only on its position:

    PE[pos, 2i]   = sin(pos / 10000^(2i / d))
    PE[pos, 2i+1] = cos(pos / 10000^(2i / d))

Each pair of dimensions is a sine wave of its own wavelength (from 2π to 10000·2π), so every
position gets a distinct pattern and nearby positions similar ones; nothing is learned and any
length works. :class:`LearnedPositions` is the alternative the paper also tried: one trained
vector per position, up to a fixed maximum length.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..errors import ConfigError, IllustratedError

__all__ = ["sinusoid_table", "SinusoidalPositions", "LearnedPositions", "make_positions"]


def sinusoid_table(length: int, dim: int) -> Tensor:
    """The sinusoidal encodings of positions ``0 … length-1``: ``float32`` ``[length, dim]``.

    ``dim`` must be even (sines in the even columns, cosines in the odd ones).
    """
    if dim % 2:
        raise ConfigError(f"sinusoidal positions need an even model size, got {dim}")
    position = torch.arange(length, dtype=torch.float64).unsqueeze(1)
    inv_freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float64) * (-math.log(10000.0) / dim))
    table = torch.zeros(length, dim, dtype=torch.float64)
    table[:, 0::2] = torch.sin(position * inv_freq)
    table[:, 1::2] = torch.cos(position * inv_freq)
    return table.float()


class SinusoidalPositions(nn.Module):
    """Adds :func:`sinusoid_table` rows to ``x`` ``[batch, len, dim]``, starting at ``offset``.

    The table is a non-persistent buffer (not in checkpoints) that grows when a longer input
    arrives, so there is no maximum length.
    """

    def __init__(self, dim: int, initial_length: int = 256) -> None:
        super().__init__()
        self.dim = dim
        self.register_buffer("table", sinusoid_table(initial_length, dim), persistent=False)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        end = offset + x.shape[1]
        if end > self.table.shape[0]:
            self.table = sinusoid_table(max(end, 2 * self.table.shape[0]), self.dim).to(self.table.device)
        return x + self.table[offset:end]


class LearnedPositions(nn.Module):
    """Adds a trained vector per position (at most ``max_length`` positions)."""

    def __init__(self, dim: int, max_length: int) -> None:
        super().__init__()
        self.max_length = max_length
        self.embed = nn.Embedding(max_length, dim)
        nn.init.normal_(self.embed.weight, std=dim ** -0.5)

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        end = offset + x.shape[1]
        if end > self.max_length:
            raise IllustratedError(f"sequence of {end} positions is longer than the {self.max_length} "
                                   "learned positions of this model")
        return x + self.embed.weight[offset:end]


def make_positions(kind: str, dim: int, max_length: int) -> nn.Module:
    """``sinusoidal`` or ``learned``."""
    if kind == "sinusoidal":
        return SinusoidalPositions(dim)
    if kind == "learned":
        return LearnedPositions(dim, max_length)
    raise ConfigError(f"positions: expected 'sinusoidal' or 'learned', got {kind!r}")
