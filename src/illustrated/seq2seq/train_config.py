"""How a translator is trained: one dataclass per architecture family, the only place where the
training defaults live (the CLI leaves unset options to them)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..configs import DictConfig
from ..errors import ConfigError
from .schedule import SCHEDULES
from .search import MAX_BEAM

__all__ = ["TrainConfig", "TransformerTrainConfig"]


@dataclass
class TrainConfig(DictConfig):
    """How to train (defaults are the recurrent model's, from the Multi30k benchmark).

    Attributes:
        epochs: passes over the training data.
        batch_size: sentences per batch (ignored when ``max_tokens`` is set).
        max_tokens: token budget per batch instead of a sentence count, counted with padding: a batch
            holds sentences of similar length while sentences × its longest side (source, or target
            plus one) stays within the budget. The trainer and its log count real target tokens.
        accumulate: batches per optimizer step and process (gradient accumulation).
        lr: Adam learning rate (the peak rate for ``inverse_sqrt``).
        adam_betas, adam_eps: Adam's moment decay rates and epsilon.
        clip: gradient norm clipping (0: off).
        label_smoothing: cross-entropy label smoothing.
        schedule: ``plateau`` (multiply the rate by ``lr_factor`` after ``lr_patience`` epochs
            without a better validation BLEU, down to ``min_lr``) or ``inverse_sqrt`` (linear
            warm-up over ``warmup`` steps, then ``1/√step``: the Transformer paper's).
        warmup: warm-up steps of ``inverse_sqrt``.
        lr_factor, lr_patience, min_lr: the ``plateau`` schedule's settings.
        patience: stop after this many epochs without a better validation BLEU (0: never).
        average_last: keep the weights of the last N epochs and, at the end, use their average
            when it scores better on validation than the best single epoch (0: off).
        seed: model initialisation, dropout and batch order.
        max_len: training pairs longer than this (either side, in tokens) are dropped.
        valid_beam: beam size for the validation BLEU each epoch (1: greedy; at most
            :data:`~.search.MAX_BEAM`, 100).
        log_every: steps between training records in ``metrics.jsonl``.
        checkpoint_every: steps between mid-epoch checkpoints (0: at the end of each epoch only).
        max_steps: stop (with a checkpoint) after this many steps in total (0: no limit).
        max_minutes: stop after the epoch that would not finish within this wall-clock budget
            (training and validation, this process; 0: no limit).
        freeze_src_embeddings, freeze_tgt_embeddings: keep that embedding table fixed (for
            tables initialised from pretrained vectors).
    """

    epochs: int = 10
    batch_size: int = 64
    max_tokens: int | None = None
    accumulate: int = 1
    lr: float = 1e-3
    adam_betas: tuple[float, float] = (0.9, 0.999)
    adam_eps: float = 1e-8
    clip: float = 1.0
    label_smoothing: float = 0.0
    schedule: str = "plateau"
    warmup: int = 4000
    lr_factor: float = 0.5
    lr_patience: int = 1
    min_lr: float = 1e-5
    patience: int = 5
    average_last: int = 0
    seed: int = 1
    max_len: int = 80
    valid_beam: int = 1
    log_every: int = 50
    checkpoint_every: int = 0
    max_steps: int = 0
    max_minutes: float = 0.0
    freeze_src_embeddings: bool = False
    freeze_tgt_embeddings: bool = False

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "max_len", "valid_beam", "log_every", "accumulate", "warmup"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.valid_beam > MAX_BEAM:
            raise ConfigError(f"valid_beam must be between 1 and {MAX_BEAM}, got {self.valid_beam}")
        for name in ("patience", "average_last", "checkpoint_every", "max_steps"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative, got {getattr(self, name)}")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ConfigError(f"max_tokens must be at least 1, got {self.max_tokens}")
        for name in ("clip", "max_minutes"):
            if not (getattr(self, name) >= 0 and math.isfinite(getattr(self, name))):
                raise ConfigError(f"{name} must be zero (off) or positive, got {getattr(self, name)}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ConfigError(f"lr must be positive, got {self.lr}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ConfigError(f"label_smoothing must lie in [0, 1), got {self.label_smoothing}")
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"schedule: expected one of {', '.join(SCHEDULES)}, got {self.schedule!r}")
        self.adam_betas = tuple(float(b) for b in self.adam_betas)
        if len(self.adam_betas) != 2 or not all(0.0 <= b < 1.0 for b in self.adam_betas):
            raise ConfigError(f"adam_betas: expected two numbers in [0, 1), got {list(self.adam_betas)}")


@dataclass
class TransformerTrainConfig(TrainConfig):
    """How to train a Transformer: the same settings, with the defaults measured for it on
    Multi30k-sized data (a few hundred thousand target tokens an epoch) on a 2-core CPU."""

    epochs: int = 40
    max_tokens: int | None = 4096
    adam_betas: tuple[float, float] = (0.9, 0.98)
    clip: float = 0.0
    label_smoothing: float = 0.1
    schedule: str = "inverse_sqrt"
    warmup: int = 1000
    patience: int = 0
    average_last: int = 5
    max_len: int = 100
