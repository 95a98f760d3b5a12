"""item2vec's settings: one dataclass, the only place where their defaults live.

Caselles-Dupré, Lesaint & Royo-Letelier (RecSys 2018, "Word2vec applied to Recommendation:
Hyperparameters Matter") showed that the defaults tuned for language are poor for recommendation:
the negative sampling exponent (negative values included, which favour rare items as negatives), a
window that spans the whole session, many more epochs and stronger subsampling change next-item
hit rates several-fold. :class:`Item2VecConfig` starts from their findings; ``tune.py`` searches
them.

The defaults (a window of 20 items, 20 epochs, rules up to 50 items ahead from the latest 10
session items, weight 1, recency decay 0.7) were chosen by validation HR@10 on MovieLens 100K and
a generated log of long histories with bursts of equal timestamps (``synthetic.rating_log``); the
benchmark reports both.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from ..errors import ConfigError

__all__ = ["Item2VecConfig", "QuerySettings", "QueryField", "SIDE_SETTINGS"]

#: The settings that matter only with side information (attributes, markets).
SIDE_SETTINGS = ("market_share", "cold_neighbours", "cold_popularity")


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and bool(np.isfinite(v))


def _count(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 1


@dataclass
class QuerySettings:
    """How a recommender turns a session into a query: the one home of these four settings and
    their defaults (a :class:`~.item2vec.Recommender` holds one; :class:`Item2VecConfig` carries
    them too, so training, tuning and the model file agree).

    Args:
        decay: recency weight for mixing a session: the item ``j`` places from the end weighs
            ``decay ** j``.
        max_context: at most this many of the latest session items are mixed.
        rules_weight: how much "what followed" counts beside the vectors when a session asks for
            next items: a candidate scores ``cosine + rules_weight * rule / best rule``, where
            ``rule`` sums the sequential rules (:mod:`.rules`) of the session's latest items;
            0 answers from the vectors alone.
        rules_last: the latest items of a session whose rules vote (the ``j``-th latest weighs
            ``1 / j``).
    """

    decay: float = 0.7
    max_context: int = 50
    rules_weight: float = 1.0
    rules_last: int = 10

    def __post_init__(self) -> None:
        self._check_query()

    def _check_query(self) -> None:
        def need(ok: bool, name: str, what: str) -> None:
            if not ok:
                raise ConfigError(f"{name} must be {what}, got {getattr(self, name)!r}")

        need(_number(self.decay) and 0.0 < self.decay <= 1.0, "decay", "in (0, 1]")
        need(_number(self.rules_weight) and self.rules_weight >= 0, "rules_weight",
             "a finite number, 0 or more")
        for name in ("max_context", "rules_last"):
            need(_count(getattr(self, name)), name, "an integer, at least 1")

    def query(self) -> "QuerySettings":
        """Just the query settings (of an :class:`Item2VecConfig` too)."""
        return QuerySettings(**{f.name: getattr(self, f.name) for f in fields(QuerySettings)})

    def query_dict(self) -> dict:
        """The query settings as a model file stores them."""
        return asdict(self.query())

    @classmethod
    def given(cls, base: "QuerySettings | None" = None, **values) -> "QuerySettings":
        """``base`` (default: the defaults) with the ``values`` that are not None."""
        base = (base or cls()).query()
        return replace(base, **{k: v for k, v in values.items() if v is not None})


class QueryField:
    """An attribute of an object holding ``query`` (a :class:`QuerySettings`) that reads and
    writes one of its settings, checked on every write (``rec.decay = 0.3``)."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        return self if obj is None else getattr(obj.query, self.name)

    def __set__(self, obj, value) -> None:
        obj.query = replace(obj.query, **{self.name: value})


@dataclass
class Item2VecConfig(QuerySettings):
    """item2vec settings; the word2vec ones are passed to the engine unchanged, the query ones
    (``decay``, ``max_context``, ``rules_weight``, ``rules_last``) are :class:`QuerySettings`'.

    Args:
        dim: vector size.
        window: context window in items; ``None`` spans the whole session (Caselles-Dupré et al.
            found wide windows good for sessions; 20 trains as well with the rules beside it and
            stays fast on histories thousands of items long).
        shrink_windows: sample each window size in [1, window] (word2vec's dynamic window).
        negative: negative samples per positive pair.
        ns_exponent: exponent of the negative-sampling distribution (counts ** exponent); 0.75 is
            word2vec's; 0 samples uniformly and negative values favour rare items as negatives.
        sample: subsampling threshold for very frequent items (0 disables it).
        min_count: items seen fewer times are left out (1: keep every item, as a catalogue needs).
        epochs: passes over the sessions; recommendation wants many more than language.
        alpha, min_alpha: linear learning-rate decay from ``alpha`` to ``min_alpha``.
        sg: skip-gram (True) or CBOW.
        decay, max_context, rules_weight, rules_last: how a session asks (:class:`QuerySettings`).
        rules_steps: a rule ``a → b`` holds when ``b`` came at most this many items after ``a``.
        rules_top: each item keeps its strongest rules only (bounds the model's size).
        market_share: with markets (``--market-col``), the share of each centre item's
            negatives drawn from its own market (Grbovic & Cheng, KDD 2018), in [0, 1]; 0.75
            scored best on validation of the generated booking log, though 0 to 1 all lay
            within its noise (``bench/recommend_context.py``).
        cold_neighbours: a cold item's vector mixes the mean of its attribute rows with the
            popularity-weighted mean of this many learned items sharing the most attributes with
            it (0: its attribute rows alone); see :mod:`.cold`.
        cold_popularity: a cold item's neighbours are ranked by cosine plus this times their
            log-popularity scaled into [0, 1] times the spread of its cosines (the best one's
            lead over the median item's; 0: cosine alone).
        threads, seed: engine threads and random seed.
    """

    dim: int = 64
    window: int | None = 20
    shrink_windows: bool = True
    negative: int = 10
    ns_exponent: float = -0.5
    sample: float = 1e-4
    min_count: int = 1
    epochs: int = 20
    alpha: float = 0.025
    min_alpha: float = 0.0001
    sg: bool = True
    rules_steps: int = 50
    rules_top: int = 500
    market_share: float = 0.75
    cold_neighbours: int = 3
    cold_popularity: float = 1.2
    threads: int = 2
    seed: int = 1

    def __post_init__(self) -> None:
        # The engine's own checks, for every setting it shares: each names its field.
        self.word2vec_config(2)
        self._check_query()

        def need(ok: bool, name: str, what: str) -> None:
            if not ok:
                raise ConfigError(f"{name} must be {what}, got {getattr(self, name)!r}")

        number = _number
        need(number(self.market_share) and 0 <= self.market_share <= 1, "market_share",
             "a number in [0, 1]")
        need(number(self.cold_popularity) and self.cold_popularity >= 0, "cold_popularity",
             "a finite number, 0 or more")
        need(isinstance(self.cold_neighbours, int) and not isinstance(self.cold_neighbours, bool)
             and self.cold_neighbours >= 0, "cold_neighbours", "an integer, 0 or more")
        for name in ("rules_steps", "rules_top"):
            need(_count(getattr(self, name)), name, "an integer, at least 1")

    def replace(self, **changes) -> "Item2VecConfig":
        """A copy with some fields changed (unknown names are an error)."""
        names = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ConfigError(f"unknown item2vec setting(s): {', '.join(unknown)}")
        return Item2VecConfig(**{**asdict(self), **changes})

    def stored(self, side: bool) -> dict:
        """The settings as a model file stores them; without side information the side settings
        are left out, so such a file is the one earlier releases wrote."""
        return {k: v for k, v in asdict(self).items() if side or k not in SIDE_SETTINGS}

    def word2vec_config(self, longest_session: int):
        """The engine's :class:`~illustrated.word2vec.Word2VecConfig` for these settings."""
        from ..word2vec import Word2VecConfig

        longest = max(int(longest_session), 2)
        window = longest if self.window is None else self.window  # None: the whole session
        return Word2VecConfig(sg=self.sg, dim=self.dim, window=window,
                              shrink_windows=self.shrink_windows, negative=self.negative,
                              ns_exponent=self.ns_exponent, hs=False, sample=self.sample,
                              min_count=self.min_count, epochs=self.epochs, alpha=self.alpha,
                              min_alpha=self.min_alpha, threads=self.threads, seed=self.seed,
                              max_sentence_length=max(longest, 10_000))
