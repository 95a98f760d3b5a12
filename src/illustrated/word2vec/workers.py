"""The threads that drive the compiled kernel through one training run.

The main thread streams the corpus into a bounded queue of chunks (``int32`` ids, each with its
own learning-rate range and random seed from :func:`chunk_seed`); ``threads`` workers run the
GIL-free :func:`kernels.train_chunk` on them and update the shared weights Hogwild-style. The main
thread gathers each chunk's counts and loss as it goes: the progress bar, the running loss, the
JSON log lines, and a stop with a one-line error as soon as a chunk's scores are no longer finite.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import TextIO

import numpy as np

from ..errors import IllustratedError, TrainingError

__all__ = ["TrainingRun", "chunk_seed"]

LOG_EVERY_S = 1.0


def chunk_seed(seed: int, epoch: int, chunk: int) -> int:
    """A 64-bit random-generator state for one chunk (splitmix64 of the three numbers)."""
    x = (seed * 0x9E3779B97F4A7C15 + epoch * 0xBF58476D1CE4E5B9 + chunk * 0x94D049BB133111EB) \
        & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


class TrainingRun:
    """One call of :meth:`~.trainer.Word2Vec.train`: worker threads, progress bar, loss and log.

    ``model`` is the :class:`~.trainer.Word2Vec` being trained; the run calls its ``chunks``,
    ``_alpha``, ``_kernel_arrays``, ``_chunk_kernel`` and ``settings``. ``total_words`` sizes the progress bar.
    """

    def __init__(self, model, log_path, progress: bool, total_words: int) -> None:
        self.model = model
        self.total = total_words
        c = model.config
        self.jobs: queue.Queue = queue.Queue(maxsize=2 * c.threads)
        self.results: deque = deque()
        self.error: list[BaseException] = []
        self.fixed = model._kernel_arrays()
        self.kernel = model._chunk_kernel()
        self.old_switch = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)  # hand the GIL back to finished workers quickly
        self.workers = [threading.Thread(target=self._work, daemon=True) for _ in range(c.threads)]
        for w in self.workers:
            w.start()
        self.bar = None
        if progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total_words, unit="w", unit_scale=True, desc="word2vec",
                            dynamic_ncols=True, mininterval=0.5)
        self.log = _open_log(log_path) if log_path else None
        self.start = time.perf_counter()
        self.words = 0
        self.loss = [0.0, 0]  # this epoch: summed loss, predictions
        self.interval = [0.0, 0, time.perf_counter(), 0]  # since the last log line
        self.alpha = c.alpha
        self.current_epoch = 0

    def _work(self) -> None:
        from . import kernels

        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                ids, offsets, raw, a0, a1, seed = job
                if not self.error:
                    out = self.kernel(ids, offsets, *self.fixed, a0, a1, np.uint64(seed),
                                      kernels.SIGMOID, kernels.LOG_SIGMOID)
                    self.results.append((raw, a1, out))
            except BaseException as e:  # surfaced by the main thread
                self.error.append(e)
            finally:
                self.jobs.task_done()

    def epoch(self, epoch: int, sentences) -> int:
        """Stream one epoch into the workers; returns the corpus tokens read."""
        m = self.model
        self.current_epoch = epoch
        self.loss = [0.0, 0]
        seen = 0
        for i, (ids, offsets, n) in enumerate(m.chunks(sentences)):
            a0, a1 = m._alpha(epoch, seen), m._alpha(epoch, seen + n)
            seen += n
            self.jobs.put((ids, offsets, n, a0, a1, chunk_seed(m.config.seed, m.epochs_total, i)))
            self._drain()
        self.jobs.join()
        self._drain(end_of_epoch=True)
        if seen == 0:
            raise IllustratedError("the corpus yielded no tokens in this epoch")
        return seen

    def _drain(self, end_of_epoch: bool = False) -> None:
        if self.error:
            raise self.error[0]
        done = 0
        while self.results:
            raw, alpha, (words, pairs, loss, n_loss, check) = self.results.popleft()
            if not (np.isfinite(check) and np.isfinite(loss)):
                self.error.append(TrainingError("stopped"))  # workers skip the queued chunks
                raise TrainingError(
                    f"training diverged in epoch {self.current_epoch + 1}: scores are no longer "
                    f"finite after {self.words + done:,} words ({self.model.settings()}); "
                    "nothing was saved — lower alpha or the window")
            done += raw
            self.alpha = alpha
            self.loss[0] += loss
            self.loss[1] += n_loss
            self.interval[0] += loss
            self.interval[1] += n_loss
            self.interval[3] += raw
        self.words += done
        if self.bar is not None and done:
            self.bar.update(done)
            loss = self.epoch_loss()   # None until a prediction is scored (all words subsampled)
            self.bar.set_postfix(epoch=self.current_epoch + 1, loss="n/a" if loss is None else f"{loss:.4f}",
                                 alpha=f"{self.alpha:.5f}", refresh=False)
        now = time.perf_counter()
        if self.log is not None and (end_of_epoch or now - self.interval[2] >= LOG_EVERY_S):
            self._write_log(now)

    def _write_log(self, now: float) -> None:
        loss, n, since, raw = self.interval
        record = {"epoch": self.current_epoch + 1, "words": self.words,
                  "progress": round(self.words / max(self.total, 1), 6),
                  "alpha": round(self.alpha, 7), "loss": loss / n if n else None,
                  "words_per_s": round(raw / max(now - since, 1e-9), 1),
                  "train_s": round(now - self.start, 3)}
        self.log.write(json.dumps(record) + "\n")
        self.log.flush()
        self.interval = [0.0, 0, now, 0]

    def epoch_loss(self) -> float | None:
        """Mean loss per prediction over the epoch so far (float64 sums of per-chunk sums)."""
        return self.loss[0] / self.loss[1] if self.loss[1] else None

    def close(self) -> None:
        for _ in self.workers:
            self.jobs.put(None)
        for w in self.workers:
            w.join()
        sys.setswitchinterval(self.old_switch)
        if self.bar is not None:
            self.bar.close()
        if self.log is not None:
            self.log.close()


def _open_log(path) -> TextIO:
    """Open the JSON-lines progress log for appending, creating its folders (``Word2Vec.train``
    checked that it can be written before any work)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    return open(p, "a", encoding="utf-8")
