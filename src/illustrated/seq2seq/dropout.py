"""Dropout with a fast random-number kernel on the CPU.

On the CPU :func:`torch.nn.functional.dropout` draws its Bernoulli mask with PyTorch's
general-purpose generator, one element at a time: for a Transformer on Multi30k that costs
about as much as a matrix product per dropout. Here a compiled loop (numba) draws the mask from
a hash of each element's index — independent draws that run in SIMD lanes, several times
faster, which adds up to a large share of a training step — and the backward pass reuses the
saved mask. Every call takes its seed from
PyTorch's own generator, so results follow ``torch.manual_seed`` and a resumed run (which
restores that generator) draws the same masks as an uninterrupted one.

Other floating dtypes on the CPU (the bfloat16 activations of ``--precision bf16``) draw the same
mask with the same loop and apply it with one vectorised ``torch.where``; GPU tensors go to
:func:`torch.nn.functional.dropout`.
"""

from __future__ import annotations

import numba
import numpy as np
import torch
from torch import Tensor, nn

__all__ = ["Dropout", "dropout"]


@numba.njit(cache=True, nogil=True, inline="always")
def _draw(i, s):  # pragma: no cover - compiled
    """Element ``i``'s 32-bit draw: murmur3's finalizer of ``i · φ + s`` (uint64 in, uint64 out)."""
    low = np.uint64(0xFFFFFFFF)
    h = (np.uint64(i) * np.uint64(0x9E3779B9) + s) & low
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & low
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & low
    return h ^ (h >> np.uint64(16))


@numba.njit(cache=True, nogil=True)
def _forward_kernel(x, out, mask, threshold, scale, seed):  # pragma: no cover - compiled
    """``out = x · scale`` where a uniform 32-bit draw is at least ``threshold``, else 0;
    ``mask`` records the kept positions.

    Draw ``i`` is murmur3's 32-bit finalizer of ``i · φ + seed``: every element independent of
    the others, so the loop runs in SIMD lanes."""
    s = np.uint64(seed)
    for i in range(x.shape[0]):
        keep = _draw(i, s) >= threshold
        mask[i] = keep
        out[i] = x[i] * (scale * np.float32(keep))


@numba.njit(cache=True, nogil=True)
def _mask_kernel(mask, threshold, seed):  # pragma: no cover - compiled
    """``mask[i]`` = whether element ``i`` is kept: the draws of :func:`_forward_kernel`."""
    s = np.uint64(seed)
    for i in range(mask.shape[0]):
        mask[i] = _draw(i, s) >= threshold


@numba.njit(cache=True, nogil=True)
def _backward_kernel(grad, mask, out, scale):  # pragma: no cover - compiled
    for i in range(grad.shape[0]):
        out[i] = grad[i] * (scale * np.float32(mask[i]))


class _CpuDropout(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: Tensor, p: float, seed: int) -> Tensor:
        x = x.contiguous()
        out = torch.empty_like(x)
        mask = torch.empty(x.shape, dtype=torch.bool)
        scale = np.float32(1.0 / (1.0 - p))
        threshold = np.uint64(min(int(round(p * 2 ** 32)), 2 ** 32 - 1))
        _forward_kernel(x.view(-1).numpy(), out.view(-1).numpy(), mask.view(-1).numpy(), threshold, scale, seed)
        ctx.save_for_backward(mask)
        ctx.scale = scale
        return out

    @staticmethod
    def backward(ctx, grad: Tensor):
        (mask,) = ctx.saved_tensors
        grad = grad.contiguous()
        out = torch.empty_like(grad)
        _backward_kernel(grad.view(-1).numpy(), mask.view(-1).numpy(), out.view(-1).numpy(), ctx.scale)
        return out, None, None


class _MaskedDropout(torch.autograd.Function):
    """The same masks for any floating dtype: drawn by :func:`_mask_kernel`, applied by torch."""

    @staticmethod
    def forward(ctx, x: Tensor, p: float, seed: int) -> Tensor:
        mask = torch.empty(x.shape, dtype=torch.bool)
        threshold = np.uint64(min(int(round(p * 2 ** 32)), 2 ** 32 - 1))
        _mask_kernel(mask.view(-1).numpy(), threshold, seed)
        ctx.save_for_backward(mask)
        ctx.scale = 1.0 / (1.0 - p)
        return torch.where(mask, x * ctx.scale, 0)

    @staticmethod
    def backward(ctx, grad: Tensor):
        (mask,) = ctx.saved_tensors
        return torch.where(mask, grad * ctx.scale, 0), None, None


def dropout(x: Tensor, p: float, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)`` (training only)."""
    if not training or p == 0.0:
        return x
    if x.device.type != "cpu" or not x.is_floating_point() or not 0.0 < p < 1.0:
        return nn.functional.dropout(x, p, training)
    seed = int(torch.randint(0, 2 ** 32, (1,)))
    if x.dtype == torch.float32:
        return _CpuDropout.apply(x, p, seed)
    return _MaskedDropout.apply(x, p, seed)


class Dropout(nn.Module):
    """Drop-in replacement for :class:`torch.nn.Dropout` using :func:`dropout`."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
