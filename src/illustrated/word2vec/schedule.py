"""The learning-rate schedule and the random seeds of a training run, apart from the model.

The rate decays linearly from ``alpha`` to ``min_alpha`` over every word of every epoch; each
chunk's random numbers start from a seed made of the run's seed, the epoch and the chunk's
position, so one thread with a seed reproduces exactly and a resumed run continues as if it had
never stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Schedule", "chunk_seed"]


def chunk_seed(seed: int, epoch: int, chunk: int) -> int:
    """A 64-bit random-generator state for one chunk (splitmix64 of the three numbers)."""
    x = (seed * 0x9E3779B97F4A7C15 + epoch * 0xBF58476D1CE4E5B9 + chunk * 0x94D049BB133111EB) \
        & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


@dataclass(frozen=True)
class Schedule:
    """How fast and with which random numbers a run trains.

    Attributes:
        alpha, min_alpha: the learning rate at the first word of the schedule and at its last.
        epochs: epochs in the schedule.
        corpus_words: tokens in one pass over the (whole) corpus.
        seed: the run's seed (``Word2VecConfig.seed``).
    """

    alpha: float
    min_alpha: float
    epochs: int
    corpus_words: int
    seed: int

    def rate(self, epoch: int, words: int) -> float:
        """The learning rate after ``words`` tokens of epoch ``epoch`` (0-based)."""
        done = (epoch * self.corpus_words + words) / max(self.epochs * self.corpus_words, 1)
        return self.alpha - (self.alpha - self.min_alpha) * min(done, 1.0)

    def chunk_seed(self, epoch: int, chunk: int) -> int:
        """The random state of chunk ``chunk`` of the ``epoch``-th epoch ever trained."""
        return chunk_seed(self.seed, epoch, chunk)
