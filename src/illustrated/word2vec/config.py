"""The word2vec hyperparameters: one dataclass, the only place where defaults live."""

from __future__ import annotations

import math
import numbers
import os
from dataclasses import dataclass, field

import numpy as np

from ..configs import DictConfig
from ..errors import ConfigError

__all__ = ["Word2VecConfig"]

MAX_THREADS = 1024
"""Most worker threads accepted: a typo such as 100000 would exhaust the process's threads."""

MAX_NEGATIVE = 100
"""Most noise words per prediction: the paper uses 5–20 (2–5 for large data); a typo such as
1000000 would make every window draw and train a million rows, which looks like a hang."""

MAX_ALPHA = 1.0
"""Largest learning rate accepted: above it every update overshoots and the vectors are noise."""


@dataclass
class Word2VecConfig(DictConfig):
    """Hyperparameters of word2vec training (Mikolov et al. 2013; the original C tool's defaults).

    Attributes:
        sg: skip-gram (True) or CBOW with the mean of the context vectors (False).
        dim: vector dimensionality.
        window: largest distance between a centre word and a context word.
        shrink_windows: draw the window per centre word uniformly from 1..window (the C tool's
            "dynamic window", which weights near words more).
        negative: negative samples per centre word (0 turns negative sampling off; at most 100).
        ns_exponent: exponent of the unigram counts in the noise distribution (0.75 in the paper;
            any float, negative values favour rare items, which helps recommendation).
        cbow_noise_share: CBOW only: this many consecutive windows share one draw of noise words
            (each keeps its own centre word as the positive), which saves noise draws and cache
            misses, as sharing negatives across a window does for skip-gram (Ji et al. 2016);
            1 draws afresh for every window, as the C tool and gensim do.
        context_budget: a window with more context words than this trains each of its pairs at
            ``alpha · context_budget / n_context``, so that one centre word's pairs together
            weigh at most ``context_budget`` pairs. Ordinary windows (up to 16 each side) are not
            affected; for windows spanning long sessions it keeps every update bounded, and it
            stops the longest sessions from outweighing the rest quadratically.
        hs: hierarchical softmax over a Huffman tree of the vocabulary.
        sample: frequent-word subsampling threshold (0 turns it off).
        min_count: drop tokens seen fewer times.
        max_vocab: keep at most this many of the most frequent tokens.
        epochs: passes over the corpus.
        alpha, min_alpha: learning rate, decayed linearly from alpha to min_alpha over all epochs.
            ``alpha`` left as None is the C tool's default for the mode: 0.025 for skip-gram,
            0.05 for CBOW (on two Wikipedia files CBOW at 0.05 scored about 4 analogy points
            and 0.05 WS353/MEN above CBOW at 0.025, every similarity set higher too).
            ``min_alpha`` left as None is 0.0001 for skip-gram and a quarter of ``alpha`` for
            CBOW (CBOW ending at 0.0125 instead of 0.0001 scored 0.5 analogy points higher on
            average over three seeds on each of two Wikipedia files, similarity no lower).
            ``alpha`` is at most 1.
        threads: worker threads running the compiled kernel in parallel (Hogwild updates),
            at most 1024.
        seed: seed (0 or more) of the initial vectors and of the kernels' random numbers; with threads=1
            two runs give identical vectors.
        max_sentence_length: longer sentences are cut into pieces of at most this many tokens.
    """

    sg: bool = True
    dim: int = 100
    window: int = 5
    shrink_windows: bool = True
    negative: int = 5
    ns_exponent: float = 0.75
    cbow_noise_share: int = 2
    context_budget: int = 32
    hs: bool = False
    sample: float = 1e-3
    min_count: int = 5
    max_vocab: int | None = None
    epochs: int = 5
    alpha: float | None = None
    min_alpha: float | None = None
    threads: int = field(default_factory=lambda: min(os.cpu_count() or 1, MAX_THREADS))
    seed: int = 1
    max_sentence_length: int = 10_000

    def __post_init__(self) -> None:
        for name in ("sg", "hs", "shrink_windows"):   # gensim's sg=1 becomes True
            value = getattr(self, name)
            if isinstance(value, (int, np.integer, np.bool_)) and value in (0, 1):
                setattr(self, name, bool(value))
        for name in ("sample", "ns_exponent", "alpha", "min_alpha"):   # numpy floats → JSON-able
            value = getattr(self, name)
            if isinstance(value, numbers.Real) and not isinstance(value, (bool, int)):
                setattr(self, name, float(value))
        if self.alpha is None:
            self.alpha = 0.025 if self.sg else 0.05
        if self.min_alpha is None and isinstance(self.alpha, numbers.Real):
            self.min_alpha = 0.0001 if self.sg else self.alpha / 4
        self.validate()

    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first field that is out of range."""
        def need(ok: bool, name: str, what: str) -> None:
            if not ok:
                raise ConfigError(f"{name} must be {what}, got {getattr(self, name)!r}")

        for name in ("dim", "window", "negative", "cbow_noise_share", "context_budget", "min_count",
                     "epochs",
                     "threads", "max_sentence_length", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{name} must be an integer, got {value!r}")
        for name in ("sg", "hs", "shrink_windows"):   # gensim's sg=1 / hs=0 are accepted
            value = getattr(self, name)
            need(isinstance(value, (bool, int, np.bool_, np.integer)) and value in (0, 1), name,
                 "true or false")
        for name in ("sample", "ns_exponent", "alpha", "min_alpha"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ConfigError(f"{name} must be a number, got {value!r}")
        need(self.dim > 0, "dim", "positive")
        need(self.window > 0, "window", "positive")
        need(0 <= self.negative <= MAX_NEGATIVE, "negative", f"between 0 and {MAX_NEGATIVE}")
        need(self.cbow_noise_share >= 1, "cbow_noise_share", "at least 1")
        need(self.context_budget >= 1, "context_budget", "at least 1")
        if self.negative == 0 and not self.hs:
            raise ConfigError("negative is 0 and hs is off: enable negative sampling "
                              "(negative > 0) or hierarchical softmax (hs)")
        need(self.sample >= 0, "sample", "0 or more")
        need(self.min_count >= 1, "min_count", "at least 1")
        need(self.max_vocab is None or (isinstance(self.max_vocab, int) and self.max_vocab >= 1),
             "max_vocab", "at least 1 or None")
        need(self.epochs >= 1, "epochs", "at least 1")
        need(self.alpha > 0, "alpha", "positive")
        need(self.alpha <= MAX_ALPHA, "alpha", f"at most {MAX_ALPHA} (0.025 is usual)")
        need(0 <= self.min_alpha <= self.alpha, "min_alpha", f"between 0 and alpha={self.alpha}")
        need(self.threads >= 1, "threads", "at least 1")
        need(self.threads <= MAX_THREADS, "threads", f"at most {MAX_THREADS}")
        need(self.max_sentence_length >= 1, "max_sentence_length", "positive")
        need(self.ns_exponent == self.ns_exponent, "ns_exponent", "a number")
        need(math.isfinite(self.ns_exponent), "ns_exponent", "finite")
        need(math.isfinite(self.sample), "sample", "finite")
        need(self.seed >= 0, "seed", "0 or more")

