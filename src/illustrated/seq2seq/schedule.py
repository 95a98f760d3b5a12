"""Learning-rate schedules: plateau decay on validation BLEU, or warm-up then inverse square root.

The Transformer paper's schedule (Vaswani et al. 2017, eq. 3) raises the rate linearly for
``warmup`` steps and then lets it fall as ``1/√step``:

    lr(step) = d_model^-0.5 · min(step^-0.5, step · warmup^-1.5)

Written with the peak rate ``lr`` it reaches at ``step = warmup`` (as fairseq and JoeyNMT do),
that is ``lr · min(step / warmup, √(warmup / step))``. Adam's moment estimates are poor in the
first steps; the warm-up keeps those steps small.
"""

from __future__ import annotations

import math

import torch

from ..errors import ConfigError

__all__ = ["SCHEDULES", "inverse_sqrt", "make_scheduler", "steps_with_validation"]

SCHEDULES = ("plateau", "inverse_sqrt")


def inverse_sqrt(step: int, warmup: int) -> float:
    """The factor on the peak rate for optimizer step ``step`` (1-based): ``min(step / warmup, √(warmup / step))``."""
    step = max(step, 1)
    return min(step / warmup, math.sqrt(warmup / step))


class _InverseSqrt:
    """A picklable rate function for :class:`torch.optim.lr_scheduler.LambdaLR` (its argument is
    the number of steps already taken)."""

    def __init__(self, warmup: int) -> None:
        self.warmup = warmup

    def __call__(self, taken: int) -> float:
        return inverse_sqrt(taken + 1, self.warmup)


def make_scheduler(name: str, optimizer: torch.optim.Optimizer, *, warmup: int = 4000,
                   factor: float = 0.5, patience: int = 1, min_lr: float = 1e-5):
    """``plateau``: :class:`~torch.optim.lr_scheduler.ReduceLROnPlateau` on validation BLEU (call
    ``step(score)`` after each validation); ``inverse_sqrt``: the paper's schedule (call ``step()``
    after each optimizer step)."""
    if name == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=factor,
                                                          patience=patience, min_lr=min_lr)
    if name == "inverse_sqrt":
        if warmup < 1:
            raise ConfigError(f"warmup must be at least 1 step, got {warmup}")
        return torch.optim.lr_scheduler.LambdaLR(optimizer, _InverseSqrt(warmup))
    raise ConfigError(f"schedule: expected one of {', '.join(SCHEDULES)}, got {name!r}")


def steps_with_validation(name: str) -> bool:
    """Whether the schedule moves on validation scores (True) or on optimizer steps (False)."""
    return name == "plateau"
