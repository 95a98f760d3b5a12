"""Hyperparameter search for item2vec, scored by HR@10 on the validation cases.

Caselles-Dupré et al. (2018) found the negative-sampling exponent, the window, the number of epochs
and subsampling to matter most; :data:`SPACE` searches those (negative exponents and a window over
the whole session included) plus size, negatives and the
minimum count (rare items with poor vectors otherwise crowd the lists). Two strategies:

* ``random``: draw ``trials`` settings and train each in full;
* ``halving`` (successive halving, Jamieson & Talwalkar 2016): train ``trials`` settings for a few
  epochs, keep the best third, train those for three times as many epochs, and so on up to the
  full epoch budget — most of the time goes to the promising settings. The answer is the best
  model seen in any rung (a setting may do best with fewer epochs).

How a session asks (:data:`QUERY_TIME`: the recency ``decay``, the weight of the sequential
rules, how many latest items vote with them and how far ahead a rule reaches) needs no
retraining: every trained model is scored along each of them in turn, twice round (coordinate
ascent from the base's values), and keeps the best.

Trials always train on ``split.train`` (validation events held out). Tune on several validation
items per user (``leave_last_out(..., validation=5)``): with one case per user on a thousand
users HR@10 has a standard error of about 0.013, and a search among settings that differ by less
than that picks noise.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from ..errors import ConfigError
from .config import Item2VecConfig
from .evaluate import VectorScorer, evaluate
from .item2vec import Recommender, train_item2vec
from .rules import keep_top, session_rules
from .sessions import Split

__all__ = ["SPACE", "QUERY_TIME", "Trial", "TuneResult", "tune"]

SPACE: dict[str, list] = {
    "ns_exponent": [-1.0, -0.5, 0.0, 0.5, 0.75, 1.0],
    "window": [5, 10, 20, 50, None],
    "epochs": [10, 20, 40],
    "min_count": [1, 3, 5],
    "sample": [0.0, 1e-5, 1e-4, 1e-3],
    "negative": [5, 10, 20],
    "dim": [32, 64, 128],
    "decay": [0.5, 0.7, 0.85, 1.0],
    "rules_weight": [0.0, 0.25, 0.5, 1.0, 2.0],
    "rules_last": [3, 5, 10, 20],
    "rules_steps": [10, 20, 50],
}
#: Scored on each trained model, no retraining (in this order).
QUERY_TIME = ("rules_weight", "decay", "rules_last", "rules_steps")


@dataclass
class Trial:
    """One trained setting: its changes to the base config, epochs, validation score, the best
    query-time settings for it (:data:`QUERY_TIME`) and the time."""

    settings: dict
    epochs: int
    score: float
    query: dict
    seconds: float


@dataclass
class TuneResult:
    """The best setting found (as a full config), its score, and every trial in order."""

    best: Item2VecConfig
    score: float
    metric: str
    trials: list[Trial] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"best": asdict(self.best), "score": self.score, "metric": self.metric,
                "trials": [asdict(t) for t in self.trials]}


def _draw(space: dict[str, list], rng: random.Random) -> dict:
    return {k: rng.choice(v) for k, v in space.items() if k not in QUERY_TIME}


def _score(split: Split, config: Item2VecConfig, choices: dict[str, list], metric: str,
           catalogue: list[str], side: dict | None = None) -> tuple[float, dict]:
    """The best score of one trained model and the query-time settings that reach it."""
    rec = train_item2vec(split.train, config, index="exact", **(side or {}))
    tables = {config.rules_steps: rec.rules}
    scorer = VectorScorer(rec, catalogue)
    seen: dict[tuple, float] = {}

    def score(query: dict) -> float:
        key = tuple(query[k] for k in QUERY_TIME)
        if key not in seen:
            steps = query["rules_steps"]
            if steps not in tables:
                tables[steps] = session_rules(split.train, rec.vectors.key_to_index, steps,
                                              config.rules_top)
                if (side or {}).get("goals") is not None:
                    from .conversions import conversion_rules

                    tables[steps] = keep_top(tables[steps] + conversion_rules(
                        split.train, side["goals"], rec.vectors.key_to_index), config.rules_top)
            _ask(rec, query, tables[steps])
            seen[key] = evaluate(scorer, split.validation, catalogue)[metric]
        return seen[key]

    best = {k: getattr(config, k) for k in QUERY_TIME}
    best_score = score(best)
    for _ in range(2):
        for name in QUERY_TIME:
            for value in choices[name]:
                s = score({**best, name: value})
                if s > best_score:
                    best, best_score = {**best, name: value}, s
    return best_score, best


def _ask(rec: Recommender, query: dict, rules) -> None:
    rec.rules_weight, rec.decay, rec.rules_last = query["rules_weight"], query["decay"], query["rules_last"]
    rec.rules = rules


def tune(split: Split, base: Item2VecConfig | None = None, space: dict[str, list] | None = None,
         trials: int = 12, method: str = "halving", eta: int = 3, seed: int = 0,
         metric: str = "HR@10", report: Callable[[Trial], None] | None = None,
         side: dict | None = None) -> TuneResult:
    """Search ``space`` around ``base`` and return the best setting by ``metric`` on validation.

    ``side`` holds :func:`~.item2vec.train_item2vec`'s side information for ``split.train``
    (``attributes``, ``goals`` parallel to it, ``market_col``), given to every training.
    """
    if method not in ("random", "halving"):
        raise ConfigError(f"method must be 'random' or 'halving', got {method!r}")
    if trials < 1 or eta < 2:
        raise ConfigError("trials must be at least 1 and eta at least 2")
    if not split.validation:
        raise ConfigError("the split has no validation cases to tune on")
    base = base or Item2VecConfig()
    space = dict(SPACE if space is None else space)
    unknown = set(space) - set(asdict(base))
    if unknown:
        raise ConfigError(f"unknown setting(s) in the search space: {', '.join(sorted(unknown))}")
    choices = {k: list(space.get(k, [getattr(base, k)])) for k in QUERY_TIME}
    rng = random.Random(seed)
    candidates = []
    for _ in range(trials * 20):
        c = _draw(space, rng)
        if c not in candidates:
            candidates.append(c)
        if len(candidates) == trials:
            break
    catalogue = split.catalogue
    done: list[Trial] = []

    def run(settings: dict, epochs: int) -> Trial:
        start = time.perf_counter()
        config = base.replace(**{**settings, "epochs": epochs})
        score, query = _score(split, config, choices, metric, catalogue, side)
        trial = Trial(settings, epochs, score, query, round(time.perf_counter() - start, 2))
        done.append(trial)
        if report:
            report(trial)
        return trial

    if method == "random":
        for c in candidates:
            run(c, c.get("epochs", base.epochs))
    else:
        top_epochs = max(space.get("epochs", [base.epochs]))
        rungs, n = 0, len(candidates)
        while n > 1:
            n = max(1, n // eta)
            rungs += 1
        pool = [{k: v for k, v in c.items() if k != "epochs"} for c in candidates]
        for r in range(rungs, -1, -1):
            epochs = max(1, round(top_epochs / eta ** r))
            results = sorted((run(c, epochs) for c in pool), key=lambda t: -t.score)
            pool = [t.settings for t in results[:max(1, len(results) // eta)]]
    # the best model seen in any rung; on a tie, the one trained longer (the later one)
    best = max(reversed(done), key=lambda t: t.score)
    config = base.replace(**{**best.settings, "epochs": best.epochs, **best.query})
    return TuneResult(config, best.score, metric, done)
