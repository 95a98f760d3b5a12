"""Training: teacher forcing, Adam, clipping, LR schedules, validation, averaging, resume, DDP.

A checkpoint holds everything that decides what happens next — weights, optimizer and scheduler
state, the torch RNG (dropout; every rank's under ``torchrun``), the epoch, the position inside
the epoch and the step counter — and batch order is a pure function of (seed, epoch), so a
resumed run takes exactly the steps the uninterrupted run would have taken. Checkpoints are
written atomically and read with ``torch.load(weights_only=True)``.

One optimizer step consumes ``accumulate × world size`` batches of the epoch's list: each rank
(process under ``torchrun``) takes its share, and the loss is scaled by the step's total number
of target tokens over all ranks, so the summed gradient is exactly that of one process training
on all those batches at once. The model may be wrapped in ``DistributedDataParallel``; rank 0
alone writes files.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from torch import nn

from ..errors import FormatError, TrainingError
from .averaging import average_snapshots, save_snapshot
from .data import PairBatch, ParallelData
from ..distributed import World, current
from .folder import CHECKPOINT, load_torch, save_torch, stored_facts, write_weights
from .metrics import bleu_and_chrf
from .schedule import make_scheduler, steps_with_validation
from .search import beam_search, greedy_search
from .train_config import TrainConfig, TransformerTrainConfig

__all__ = ["TrainConfig", "TransformerTrainConfig", "Trainer", "save_torch", "load_torch"]


class Trainer:
    """Trains a model (:class:`Seq2Seq` or :class:`Transformer`) on :class:`ParallelData`.

    Args:
        model: the model (possibly wrapped in ``DistributedDataParallel`` by the caller).
        cfg: training settings.
        out_dir: receives ``checkpoint.pt`` (latest state), ``model.pt`` (best weights) and
            ``metrics.jsonl`` (rank 0 only).
        valid: validation pairs, with ``valid_refs`` (detokenized reference text) and
            ``decode`` (output ids → detokenized text) for BLEU/chrF.
        extra: JSON-able facts stored in every checkpoint (e.g. vocabulary fingerprints).
        world: this process's rank and the number of processes (default: the joined process group).
    """

    def __init__(self, model: nn.Module, cfg: TrainConfig, out_dir: Path,
                 valid: ParallelData | None = None, valid_refs: Sequence[str] | None = None,
                 decode: Callable[[list[int]], str] | None = None, lowercase: bool = False,
                 extra: dict | None = None, progress: bool = True, world: World | None = None) -> None:
        self.model, self.cfg, self.out_dir = model, cfg, Path(out_dir)
        self.raw = getattr(model, "module", model)   # the model inside a DDP wrapper
        self.world = world or current()
        self.valid, self.valid_refs, self.decode = valid, valid_refs, decode
        self.lowercase, self.extra = lowercase, extra or {}
        self.progress = progress and self.world.main
        if cfg.freeze_src_embeddings:
            self.raw.src_embed.weight.requires_grad_(False)
        if cfg.freeze_tgt_embeddings:
            self.raw.tgt_embed.weight.requires_grad_(False)
        self.device = next(self.raw.parameters()).device
        self.optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=cfg.lr,
                                          betas=cfg.adam_betas, eps=cfg.adam_eps, fused=True)
        self.scheduler = make_scheduler(cfg.schedule, self.optimizer, warmup=cfg.warmup, factor=cfg.lr_factor,
                                        patience=cfg.lr_patience, min_lr=cfg.min_lr)
        self.step = self.epoch = self.batch_in_epoch = self.bad_epochs = 0
        self.best = -math.inf
        self.finished = False   # the last epoch's averaging done (checkpoint.pt says so)
        self.losses: list[float] = []   # every step's loss, for inspection
        self.train_seconds = 0.0        # time in training steps (this process), validation excluded
        self.train_tokens = 0           # target tokens trained on (all processes)
        self.history: list[dict] = []   # validation records

    # ---- checkpoints -----------------------------------------------------------------------
    def state(self) -> dict:
        rngs = self.world.gather(torch.get_rng_state())
        return {"model": self.raw.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict(), "rng": rngs[0], "rng_ranks": rngs,
                "step": self.step, "epoch": self.epoch, "batch_in_epoch": self.batch_in_epoch,
                "best": self.best, "bad_epochs": self.bad_epochs, "finished": self.finished,
                "extra": json.dumps(self.extra)}

    def save_checkpoint(self) -> Path:
        """Write ``checkpoint.pt`` (rank 0; every rank must call this, for the RNG states)."""
        path = self.out_dir / CHECKPOINT
        write_weights(path, self.state(), self.world.main)
        return path

    def resume(self, path: Path | None = None) -> None:
        """Continue from ``checkpoint.pt`` (or ``path``): weights, optimizer, scheduler, RNG, counters."""
        path = Path(path) if path else self.out_dir / CHECKPOINT
        ck = load_torch(path)
        if stored_facts(ck, path) != json.loads(json.dumps(self.extra)):
            raise FormatError(f"{path}: checkpoint was made with other data or settings "
                              "(vocabulary or configuration differ)")
        try:
            self.raw.load_state_dict(ck["model"])
            self.optimizer.load_state_dict(ck["optimizer"])
            self.scheduler.load_state_dict(ck["scheduler"])
        except (RuntimeError, ValueError, KeyError) as e:
            raise FormatError(f"{path}: does not fit this model ({str(e).splitlines()[0][:160]})") from None
        rngs = ck.get("rng_ranks") or [ck["rng"]]
        torch.set_rng_state(rngs[self.world.rank] if len(rngs) == self.world.size else ck["rng"])
        self.step, self.epoch, self.batch_in_epoch = ck["step"], ck["epoch"], ck["batch_in_epoch"]
        self.best, self.bad_epochs = ck["best"], ck["bad_epochs"]
        self.finished = ck.get("finished", True) is not False   # older checkpoints: as before

    def _log(self, record: dict) -> None:
        if self.world.main:
            with open(self.out_dir / "metrics.jsonl", "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")

    def _save_weights(self, path: Path, state: dict | None = None, **facts) -> None:
        write_weights(path, {"model": state or self.raw.state_dict(), "extra": json.dumps(self.extra), **facts},
                      self.world.main)

    # ---- training --------------------------------------------------------------------------
    def train_step(self, batches: PairBatch | Sequence[PairBatch]) -> float:
        """One optimizer step on this process's ``batches``; returns the step's mean token loss
        over all processes. Each batch's summed loss is divided by the step's total target
        tokens, so accumulation and data parallelism give the gradient of one big batch."""
        batches = [batches] if isinstance(batches, PairBatch) else list(batches)
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        local = sum(b.n_tokens for b in batches)
        (total,) = self.world.all_sum(local)
        loss_sum = 0.0
        for i, b in enumerate(batches):
            last = i == len(batches) - 1
            sync = self.model.no_sync() if hasattr(self.model, "no_sync") and not last else contextlib.nullcontext()
            with sync:
                b = _to(b, self.device)
                with torch.autocast(self.device.type, dtype=torch.bfloat16,
                                    enabled=self.cfg.precision == "bf16"):
                    loss, n = self.model(b.src, b.src_lengths, b.tgt_in, b.tgt_out,
                                         self.cfg.label_smoothing)
                scale = n * self.world.size / total
                (loss * scale if scale != 1.0 else loss).backward()
            loss_sum += float(loss.detach()) * n
        if self.cfg.clip > 0:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.clip)
        self.optimizer.step()
        if not steps_with_validation(self.cfg.schedule):
            self.scheduler.step()
        if self.world.size == 1 and len(batches) == 1:
            mean = loss_sum / max(local, 1) if local else 0.0
        else:
            (loss_sum,) = self.world.all_sum(loss_sum)
            mean = loss_sum / max(total, 1)
        if not math.isfinite(mean):      # the same on every rank: all stop together
            raise TrainingError(f"the loss is not finite at step {self.step + 1} (epoch {self.epoch + 1}): "
                                "training diverged; try a lower --lr or --clip (the last checkpoint "
                                "and best model are left as they were)")
        return mean

    def epoch_batches(self, train: ParallelData, epoch: int):
        """This epoch's batches: a pure function of (seed, epoch)."""
        return train.batches(None if self.cfg.max_tokens else self.cfg.batch_size, self.cfg.max_tokens,
                             seed=self.cfg.seed * 100_003 + epoch)

    def fit(self, train: ParallelData) -> dict:
        """Train until ``epochs``, early stopping, ``max_minutes`` or ``max_steps``; returns the
        last validation record."""
        if self.world.main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        cfg = self.cfg
        last: dict = {}
        started = time.perf_counter()
        per_step = cfg.accumulate * self.world.size
        while self.epoch < cfg.epochs:
            self.finished = False
            epoch_start = t0 = time.perf_counter()    # making the batches counts as training time
            batches = self.epoch_batches(train, self.epoch)
            usable = len(batches) - len(batches) % per_step
            bar = self._bar(usable // per_step, self.batch_in_epoch // per_step)
            tokens, loss_sum = 0, 0.0
            while self.batch_in_epoch < usable:
                group = batches[self.batch_in_epoch: self.batch_in_epoch + per_step]
                mine = group[self.world.rank::self.world.size]
                loss = self.train_step(mine)
                self.losses.append(loss)
                self.step += 1
                self.batch_in_epoch += per_step
                n = sum(b.n_tokens for b in group)
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
                    return self._finish(last)
            if bar is not None:
                bar.close()
            self.epoch += 1
            self.batch_in_epoch = 0
            seconds = time.perf_counter() - t0
            self.train_seconds += seconds
            self.train_tokens += tokens
            if cfg.average_last and self.world.main:
                save_snapshot(self.out_dir, self.epoch, self.raw.state_dict(), cfg.average_last)
            last = self.validate_epoch(train_loss=loss_sum / max(tokens, 1),
                                       train={"train_tokens": tokens, "train_seconds": round(seconds, 3)})
            self.save_checkpoint()
            now = time.perf_counter()
            out_of_time = cfg.max_minutes and (now - started) + (now - epoch_start) > cfg.max_minutes * 60
            if self.world.from_main(bool(out_of_time or (cfg.patience and self.bad_epochs >= cfg.patience))):
                break
        if cfg.average_last:
            last = self.average() or last
        if not self.finished:   # a run killed before this point redoes only the averaging
            self.finished = True
            self.save_checkpoint()
        return self._finish(last)

    def _finish(self, last: dict) -> dict:
        """Log this process's training totals and wait for every rank."""
        self._log({"steps": self.step, "train_tokens": self.train_tokens,
                   "train_seconds": round(self.train_seconds, 3)})
        self.world.barrier()
        return last

    def _bar(self, total: int, initial: int):
        if not self.progress:
            return None
        from tqdm.auto import tqdm

        return tqdm(total=total, initial=initial, desc=f"epoch {self.epoch + 1}", unit="step", leave=False)

    def validate_epoch(self, train_loss: float, train: dict | None = None) -> dict:
        """Validation loss, BLEU and chrF (rank 0); LR schedule, best-model file, early stopping.

        The logged record also holds the epoch's training figures ``train``: target tokens and
        seconds in training steps (the epoch's batches included, validation excluded).
        """
        if self.valid is None:
            self._save_weights(self.out_dir / "model.pt", epoch=self.epoch)
            return {"epoch": self.epoch, "train_loss": train_loss}
        record = self.world.from_main(
            {"epoch": self.epoch, **(train or {}), **self._evaluate_alone(self.valid, self.valid_refs)}
            if self.world.main else None)
        score = record.get("bleu", -record["valid_loss"])
        if steps_with_validation(self.cfg.schedule):
            self.scheduler.step(score)
        if score > self.best:
            self.best, self.bad_epochs = score, 0
            self._save_weights(self.out_dir / "model.pt", epoch=self.epoch, bleu=record.get("bleu", 0.0))
        else:
            self.bad_epochs += 1
        self._log(record)
        self.history.append(record)
        return record

    def average(self) -> dict | None:
        """Average the last ``average_last`` epochs' weights into ``averaged.pt``; when they
        validate better than the best single epoch (or there is no validation data) they also
        become ``model.pt``."""
        if not self.world.main:
            return self.world.from_main(None)
        state, epochs = average_snapshots(self.out_dir, self.cfg.average_last)
        self._save_weights(self.out_dir / "averaged.pt", state, epochs=epochs)
        record: dict = {"epoch": self.epoch, "averaged_epochs": epochs}
        if self.valid is not None:
            current_state = {k: v.clone() for k, v in self.raw.state_dict().items()}
            self.raw.load_state_dict(state)
            try:
                record.update(self._evaluate_alone(self.valid, self.valid_refs))
            finally:
                self.raw.load_state_dict(current_state)
        if self.valid is None or record.get("bleu", -record["valid_loss"]) > self.best:
            self._save_weights(self.out_dir / "model.pt", state, epochs=epochs, bleu=record.get("bleu", 0.0))
            record["chosen"] = True
        self._log(record)
        self.history.append(record)
        return self.world.from_main(record)

    def _evaluate_alone(self, data: ParallelData, refs: Sequence[str] | None) -> dict:
        """:meth:`evaluate` on rank 0 while the others wait: it may use their cores on this
        machine (``LOCAL_WORLD_SIZE`` processes, each of this many threads)."""
        local = int(os.environ.get("LOCAL_WORLD_SIZE", "1")) if self.world.size > 1 else 1
        threads = torch.get_num_threads()
        torch.set_num_threads(threads * max(local, 1))
        try:
            return self.evaluate(data, refs)
        finally:
            torch.set_num_threads(threads)

    @torch.no_grad()
    def evaluate(self, data: ParallelData, refs: Sequence[str] | None = None) -> dict:
        """Mean token loss on ``data`` and, with references, BLEU/chrF of its translations."""
        self.model.eval()
        model = self.raw
        total, n = 0.0, 0
        hyps: dict[int, str] = {}
        for batch in data.batches(batch_size=64):
            batch = _to(batch, self.device)
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
            record.update(bleu_and_chrf(ordered, kept_refs, self.lowercase))
        return record


def _to(batch: PairBatch, device: torch.device) -> PairBatch:
    """``batch`` with its tensors on ``device`` (the same object when already there)."""
    if batch.src.device == device:
        return batch
    return PairBatch(batch.src.to(device), batch.src_lengths.to(device), batch.tgt_in.to(device),
                 batch.tgt_out.to(device), batch.index)
