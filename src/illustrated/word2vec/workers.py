"""The threads that drive the compiled kernel through one training run.

The main thread streams the corpus into a bounded queue of chunks (``int32`` ids, each with its
own learning-rate range and random seed from the :class:`~.schedule.Schedule`); ``threads``
workers run the GIL-free kernel (:meth:`.kernels.ChunkKernel.train`) on them and update the
shared weights Hogwild-style. The main thread gathers each chunk's counts and loss as it goes:
the progress bar, the running loss, the JSON log lines, and a stop with a one-line error as soon
as a chunk's scores are no longer finite.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import numpy as np

from ..errors import IllustratedError, TrainingError
from .schedule import Schedule

__all__ = ["ChunkSource", "TrainingRun"]

LOG_EVERY_S = 1.0

#: Called once an epoch: yields ``(ids int32 [n], offsets int64 [s + 1], n_tokens)`` chunks.
ChunkSource = Callable[[], Iterator[tuple[np.ndarray, np.ndarray, int]]]


class TrainingRun:
    """One call of :meth:`~.trainer.Word2Vec.train`: worker threads, progress bar, loss and log.

    Args:
        kernel: the :class:`~.kernels.ChunkKernel` whose weights the workers train.
        schedule: learning rates and chunk seeds (``run.schedule`` may be replaced between
            epochs, when the corpus turned out another size than counted).
        source: the chunks of one epoch (this process's share of the corpus), called once an
            epoch.
        threads: worker threads.
        settings: the settings that shape an update, named in a divergence error.
        total_words: sizes the progress bar (the whole job's words).
        averaging: with several processes, the :class:`~.averaging.ModelAveraging` that keeps
            their weights in step every ``sync_words`` of this process's words and at the end of
            each epoch; the bar, the loss and the log then count the whole job.
    """

    def __init__(self, kernel, schedule: Schedule, source: ChunkSource, *, threads: int,
                 settings: str, total_words: int, log_path=None, progress: bool = True,
                 averaging=None, sync_words: int = 0) -> None:
        self.kernel = kernel
        self.schedule = schedule
        self.source = source
        self.settings = settings
        self.total = total_words
        self.averaging = averaging
        self.sync_words = sync_words
        self.jobs: queue.Queue = queue.Queue(maxsize=2 * threads)
        self.results: deque = deque()
        self.error: list[BaseException] = []
        self.old_switch = sys.getswitchinterval()
        sys.setswitchinterval(0.0005)  # hand the GIL back to finished workers quickly
        self.workers = [threading.Thread(target=self._work, daemon=True) for _ in range(threads)]
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
        self.pending = [0.0, 0, 0]  # this process, since the last sync: loss, predictions, words
        self.alpha = schedule.alpha
        self.current_epoch = 0

    def _work(self) -> None:
        train = self.kernel.train
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                ids, offsets, raw, a0, a1, seed = job
                if not self.error:
                    self.results.append((raw, a1, train(ids, offsets, a0, a1, seed)))
            except BaseException as e:  # surfaced by the main thread
                self.error.append(e)
            finally:
                self.jobs.task_done()

    def epoch(self, epoch: int, seed_epoch: int) -> int:
        """Stream one epoch into the workers; returns the corpus tokens read (by every process).

        ``epoch`` places the chunks on the learning-rate schedule; ``seed_epoch`` (every epoch
        ever trained) picks their random seeds."""
        self.current_epoch = epoch
        self.loss = [0.0, 0]
        if self.averaging is not None:
            return self._shared_epoch(epoch, seed_epoch)
        s = self.schedule
        seen = 0
        for i, (ids, offsets, n) in enumerate(self.source()):
            a0, a1 = s.rate(epoch, seen), s.rate(epoch, seen + n)
            seen += n
            self.jobs.put((ids, offsets, n, a0, a1, s.chunk_seed(seed_epoch, i)))
            self._drain()
        self.jobs.join()
        self._drain(end_of_epoch=True)
        if seen == 0:
            raise IllustratedError("the corpus yielded no tokens in this epoch")
        return seen

    def _shared_epoch(self, epoch: int, seed_epoch: int) -> int:
        """One epoch of this process's share, its weights averaged with the other processes'
        every ``sync_words`` of its words and once more when every process is through.

        The learning rate follows the whole job's words: those of every process at the last
        sync, plus this process's since then as many times as there are processes. Chunk ``i``
        of rank ``r`` of ``n`` takes the seed of chunk ``i·n + r``."""
        s, world = self.schedule, self.averaging.world
        self.epoch_words = 0  # every process's words this epoch, as of the last sync
        since = i = 0
        for ids, offsets, n in self.source():
            for p_ids, p_offsets, p_n in pieces(ids, offsets, self.sync_words - since,
                                                self.sync_words):
                at = self.epoch_words + since * world.size
                a0, a1 = s.rate(epoch, at), s.rate(epoch, at + p_n * world.size)
                self.jobs.put((p_ids, p_offsets, p_n, a0, a1,
                               s.chunk_seed(seed_epoch, i * world.size + world.rank)))
                i += 1
                since += p_n
                self._drain()
                if since >= self.sync_words:
                    self._sync(active=True)
                    since = 0
        while self._sync(active=False):   # the others are still at it: stay in step with them
            pass
        if self.epoch_words == 0:
            raise IllustratedError("the corpus yielded no tokens in this epoch")
        return self.epoch_words

    def _sync(self, active: bool) -> bool:
        """Average the weights with the other processes and count the whole job's words and loss
        since the last sync; returns whether some process has words of this epoch left."""
        self.jobs.join()
        self._drain()
        (loss, n, words), busy = self.averaging.sync(active, *self.pending)
        self.pending = [0.0, 0, 0]
        words = int(words)
        self.epoch_words += words
        self.words += words
        self.loss[0] += loss
        self.loss[1] += int(n)
        self.interval[0] += loss
        self.interval[1] += int(n)
        self.interval[3] += words
        self._show(words, end_of_epoch=not busy)
        return busy

    def _drain(self, end_of_epoch: bool = False) -> None:
        if self.error:
            raise self.error[0]
        done = 0
        while self.results:
            raw, alpha, stats = self.results.popleft()
            if not stats.finite:
                self.error.append(TrainingError("stopped"))  # workers skip the queued chunks
                raise TrainingError(
                    f"training diverged in epoch {self.current_epoch + 1}: scores are no longer "
                    f"finite after {self.words + done:,} words ({self.settings}); "
                    "nothing was saved — lower alpha or the window")
            done += raw
            self.alpha = alpha
            if self.averaging is not None:   # counted for the whole job at the next sync
                self.pending[0] += stats.loss
                self.pending[1] += stats.loss_count
                self.pending[2] += raw
                continue
            self.loss[0] += stats.loss
            self.loss[1] += stats.loss_count
            self.interval[0] += stats.loss
            self.interval[1] += stats.loss_count
            self.interval[3] += raw
        if self.averaging is None:
            self.words += done
            self._show(done, end_of_epoch)

    def _show(self, done: int, end_of_epoch: bool) -> None:
        """Move the progress bar by ``done`` words and write a log line when one is due."""
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
        if self.averaging is not None:
            a = self.averaging
            record.update(processes=a.world.size, syncs=a.syncs, sync_bytes=a.bytes,
                          sync_s=round(a.seconds, 4), sync_wait_s=round(a.waited, 4),
                          sync_cpu_s=round(a.cpu_seconds, 4))
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


def pieces(ids: np.ndarray, offsets: np.ndarray, first: int,
           every: int) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
    """A chunk cut at sentence ends into pieces of at least ``first`` tokens, then ``every``
    (the last piece may be shorter): ``(ids, offsets, n_tokens)`` each, the chunk itself when
    it needs no cut."""
    last = len(offsets) - 1
    s, need = 0, max(first, 1)
    while s < last:
        e = int(np.searchsorted(offsets, offsets[s] + need, side="left"))
        e = min(max(e, s + 1), last)
        if s == 0 and e == last:
            yield ids, offsets, int(offsets[last])
            return
        lo, hi = offsets[s], offsets[e]
        yield ids[lo:hi], offsets[s:e + 1] - lo, int(hi - lo)
        s, need = e, every


def _open_log(path) -> TextIO:
    """Open the JSON-lines progress log for appending, creating its folders (``Word2Vec.train``
    checked that it can be written before any work)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    return open(p, "a", encoding="utf-8")
