"""Training: teacher forcing, Adam, clipping, plateau LR decay, validation, early stopping, resume.

A checkpoint holds everything that decides what happens next — weights, optimizer and scheduler
state, the torch RNG (dropout), the epoch, the position inside the epoch and the step counter —
and batch order is a pure function of (seed, epoch), so a resumed run takes exactly the steps the
uninterrupted run would have taken. Checkpoints are written atomically and read with
``torch.load(weights_only=True)``. The model is used as given, so a caller may wrap it
(``DistributedDataParallel``) for multi-process training.
"""

from __future__ import annotations

import io
import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
from torch import nn

from ..errors import ConfigError, FormatError
from ..files import atomic_write
from .data import ParallelData
from .metrics import score_all
from .model import Seq2Seq
from .search import beam_search, greedy_search

__all__ = ["TrainConfig", "Trainer", "save_torch", "load_torch"]


@dataclass
class TrainConfig:
    """How to train (defaults are the Multi30k benchmark's).

    Attributes:
        epochs: passes over the training data.
        batch_size: sentences per batch (ignored when ``max_tokens`` is set).
        max_tokens: token budget per batch instead of a sentence count.
        lr: Adam learning rate.
        clip: gradient norm clipping (0: off).
        label_smoothing: cross-entropy label smoothing.
        lr_factor, lr_patience, min_lr: ReduceLROnPlateau on validation BLEU.
        patience: stop after this many epochs without a better validation BLEU (0: never).
        seed: model initialisation, dropout and batch order.
        max_len: training pairs longer than this (either side, in tokens) are dropped.
        valid_beam: beam size for the validation BLEU each epoch (1: greedy).
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
    lr: float = 1e-3
    clip: float = 1.0
    label_smoothing: float = 0.0
    lr_factor: float = 0.5
    lr_patience: int = 1
    min_lr: float = 1e-5
    patience: int = 5
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
        for name in ("epochs", "batch_size", "max_len", "valid_beam", "log_every"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.lr <= 0:
            raise ConfigError(f"lr must be positive, got {self.lr}")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ConfigError(f"label_smoothing must lie in [0, 1), got {self.label_smoothing}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def save_torch(obj: dict, path: Path) -> None:
    """``torch.save`` through a temporary file renamed into place."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    with atomic_write(path, "wb") as f:
        f.write(buf.getvalue())


def load_torch(path: Path, what: str = "checkpoint") -> dict:
    """``torch.load(weights_only=True)`` with one-line errors for missing or damaged files."""
    path = Path(path)
    if not path.exists():
        raise FormatError(f"{path}: no such {what}")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # torch raises many kinds for damaged files
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise FormatError(f"{path}: not a readable {what} ({msg[:120]})") from None
    if not isinstance(obj, dict) or "model" not in obj:
        raise FormatError(f"{path}: not a {what} written by illustrated (no model weights)")
    return obj


class Trainer:
    """Trains a :class:`Seq2Seq` on :class:`ParallelData`, writing into ``out_dir``.

    Args:
        model: the model (possibly wrapped for data parallelism by the caller).
        cfg: training settings.
        out_dir: receives ``checkpoint.pt`` (latest state), ``model.pt`` (best weights) and
            ``metrics.jsonl``.
        valid: validation pairs, with ``valid_refs`` (detokenized reference text) and
            ``decode`` (output ids → detokenized text) for BLEU/chrF.
        extra: JSON-able facts stored in every checkpoint (e.g. vocabulary fingerprints).
    """

    def __init__(self, model: Seq2Seq, cfg: TrainConfig, out_dir: Path,
                 valid: ParallelData | None = None, valid_refs: Sequence[str] | None = None,
                 decode: Callable[[list[int]], str] | None = None, lowercase: bool = False,
                 extra: dict | None = None, progress: bool = True) -> None:
        self.model, self.cfg, self.out_dir = model, cfg, Path(out_dir)
        self.raw = getattr(model, "module", model)   # the Seq2Seq inside a DDP wrapper
        self.valid, self.valid_refs, self.decode = valid, valid_refs, decode
        self.lowercase, self.extra, self.progress = lowercase, extra or {}, progress
        if cfg.freeze_src_embeddings:
            self.raw.src_embed.weight.requires_grad_(False)
        if cfg.freeze_tgt_embeddings:
            self.raw.tgt_embed.weight.requires_grad_(False)
        self.optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=cfg.lr,
                                          fused=True)
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
            self.optimizer, mode="max", factor=cfg.lr_factor, patience=cfg.lr_patience, min_lr=cfg.min_lr)
        self.step = self.epoch = self.batch_in_epoch = self.bad_epochs = 0
        self.best = -math.inf
        self.losses: list[float] = []   # every step's loss, for inspection
        self.train_seconds = 0.0        # time in training steps (this process), validation excluded
        self.train_tokens = 0           # target tokens trained on (this process)
        self.history: list[dict] = []   # validation records

    # ---- checkpoints -----------------------------------------------------------------------
    def state(self) -> dict:
        return {"model": self.raw.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "rng": torch.get_rng_state(),
                "step": self.step, "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch,
                "best": self.best, "bad_epochs": self.bad_epochs, "extra": json.dumps(self.extra)}

    def save_checkpoint(self) -> Path:
        path = self.out_dir / "checkpoint.pt"
        save_torch(self.state(), path)
        return path

    def resume(self, path: Path | None = None) -> None:
        """Continue from ``checkpoint.pt`` (or ``path``): weights, optimizer, scheduler, RNG, counters."""
        path = Path(path) if path else self.out_dir / "checkpoint.pt"
        ck = load_torch(path)
        if json.loads(ck.get("extra", "{}")) != json.loads(json.dumps(self.extra)):
            raise FormatError(f"{path}: checkpoint was made with other data or settings "
                              "(vocabulary or configuration differ)")
        try:
            self.raw.load_state_dict(ck["model"])
            self.optimizer.load_state_dict(ck["optimizer"])
        except (RuntimeError, ValueError, KeyError) as e:
            raise FormatError(f"{path}: does not fit this model ({str(e).splitlines()[0][:160]})") from None
        self.scheduler.load_state_dict(ck["scheduler"])
        torch.set_rng_state(ck["rng"])
        self.step, self.epoch, self.batch_in_epoch = ck["step"], ck["epoch"], ck["batch_in_epoch"]
        self.best, self.bad_epochs = ck["best"], ck["bad_epochs"]

    def _log(self, record: dict) -> None:
        with open(self.out_dir / "metrics.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")

    # ---- training --------------------------------------------------------------------------
    def train_step(self, batch) -> float:
        """One optimizer step on one batch; returns the mean token loss."""
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        loss, _ = self.model(batch.src, batch.src_lengths, batch.tgt_in, batch.tgt_out,
                             self.cfg.label_smoothing)
        loss.backward()
        if self.cfg.clip > 0:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip)
        self.optimizer.step()
        return float(loss.detach())

    def epoch_batches(self, train: ParallelData, epoch: int):
        """This epoch's batches: a pure function of (seed, epoch)."""
        return train.batches(None if self.cfg.max_tokens else self.cfg.batch_size, self.cfg.max_tokens,
                             seed=self.cfg.seed * 100_003 + epoch)

    def fit(self, train: ParallelData) -> dict:
        """Train until ``epochs``, early stopping or ``max_steps``; returns the last validation record."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        cfg = self.cfg
        last: dict = {}
        started = time.perf_counter()
        while self.epoch < cfg.epochs:
            epoch_start = t0 = time.perf_counter()   # making the epoch's batches counts as training
            batches = self.epoch_batches(train, self.epoch)
            bar = None
            if self.progress:
                from tqdm.auto import tqdm

                bar = tqdm(total=len(batches), initial=self.batch_in_epoch, desc=f"epoch {self.epoch + 1}",
                           unit="batch", leave=False)
            tokens, loss_sum = 0, 0.0
            while self.batch_in_epoch < len(batches):
                batch = batches[self.batch_in_epoch]
                loss = self.train_step(batch)
                self.losses.append(loss)
                self.step += 1
                self.batch_in_epoch += 1
                n = batch.n_tokens
                tokens += n
                loss_sum += loss * n
                rate = tokens / max(time.perf_counter() - t0, 1e-9)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{loss:.3f}", tok_s=f"{rate:,.0f}")
                if self.step % cfg.log_every == 0:
                    self._log({"step": self.step, "epoch": self.epoch + 1, "loss": round(loss, 5),
                               "lr": self.optimizer.param_groups[0]["lr"], "tokens_per_s": round(rate, 1)})
                if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0:
                    self.save_checkpoint()
                if cfg.max_steps and self.step >= cfg.max_steps:
                    self.train_seconds += time.perf_counter() - t0
                    self.train_tokens += tokens
                    if bar is not None:
                        bar.close()
                    self.save_checkpoint()
                    return last
            if bar is not None:
                bar.close()
            self.epoch += 1
            self.batch_in_epoch = 0
            seconds = time.perf_counter() - t0
            self.train_seconds += seconds
            self.train_tokens += tokens
            last = self.validate_epoch(train_loss=loss_sum / max(tokens, 1),
                                       train={"train_tokens": tokens, "train_seconds": round(seconds, 3)})
            self.save_checkpoint()
            if cfg.patience and self.bad_epochs >= cfg.patience:
                break
            now = time.perf_counter()
            if cfg.max_minutes and (now - started) + (now - epoch_start) > cfg.max_minutes * 60:
                break
        return last

    def validate_epoch(self, train_loss: float, train: dict | None = None) -> dict:
        """Validation loss, BLEU and chrF; LR schedule, best-model file and early stopping.

        The logged record also holds the epoch's training figures ``train``: target tokens and
        seconds in training steps (the epoch's batches included, validation excluded).
        """
        record = {"epoch": self.epoch, **(train or {})}
        if self.valid is None:
            save_torch({"model": self.raw.state_dict(), "extra": json.dumps(self.extra)},
                       self.out_dir / "model.pt")
            return {"epoch": self.epoch, "train_loss": train_loss}
        record.update(self.evaluate(self.valid, self.valid_refs))
        score = record.get("bleu", -record["valid_loss"])
        self.scheduler.step(score)
        if score > self.best:
            self.best, self.bad_epochs = score, 0
            save_torch({"model": self.raw.state_dict(), "extra": json.dumps(self.extra),
                        "epoch": self.epoch, "bleu": record.get("bleu", 0.0)}, self.out_dir / "model.pt")
        else:
            self.bad_epochs += 1
        self._log(record)
        self.history.append(record)
        return record

    @torch.no_grad()
    def evaluate(self, data: ParallelData, refs: Sequence[str] | None = None) -> dict:
        """Mean token loss on ``data`` and, with references, BLEU/chrF of its translations."""
        self.model.eval()
        model = self.raw
        total, n = 0.0, 0
        hyps: dict[int, str] = {}
        for batch in data.batches(batch_size=64):
            loss, k = model.loss(batch.src, batch.src_lengths, batch.tgt_in, batch.tgt_out)
            total += float(loss) * k
            n += k
            if refs is not None and self.decode is not None:
                max_len = int(batch.src_lengths.max()) * 2 + 10
                if self.cfg.valid_beam > 1:
                    out = beam_search(model, batch.src, batch.src_lengths, self.cfg.valid_beam, max_len)
                else:
                    out = greedy_search(model, batch.src, batch.src_lengths, max_len)
                for i, h in zip(batch.index.tolist(), out):
                    hyps[i] = self.decode(h.ids)
        record = {"valid_loss": round(total / max(n, 1), 5)}
        if refs is not None and self.decode is not None:
            ordered = [hyps[i] for i in range(len(data))]
            kept_refs = [refs[i] for i in data.kept]
            record.update(score_all(ordered, kept_refs, self.lowercase))
        return record
