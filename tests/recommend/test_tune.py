"""The search keeps the best setting by validation HR@10 and trains on training events only."""

import pytest

from illustrated.errors import ConfigError
from illustrated.recommend.evaluate import VectorScorer, evaluate
from illustrated.recommend.item2vec import train_item2vec
from illustrated.recommend.tune import QUERY_TIME, tune

from .conftest import SMALL

SPACE = {"ns_exponent": [-1.0, 0.75], "window": [2, None], "epochs": [3, 9], "dim": [16],
         "decay": [0.5, 1.0], "rules_weight": [0.0, 1.0], "rules_last": [1, 5], "rules_steps": [2, 10]}


def test_successive_halving_keeps_the_best_model_of_any_rung(split):
    result = tune(split, SMALL, SPACE, trials=4, method="halving", eta=2, seed=1)
    # 4 settings at 9/4 → 2 epochs, 2 at 9/2 → 4, 1 at 9 (epochs is the resource, not searched)
    assert [t.epochs for t in result.trials] == [2] * 4 + [4] * 2 + [9]
    best = max(result.trials, key=lambda t: t.score)
    assert result.score == best.score and result.best.epochs == best.epochs
    assert result.best.ns_exponent == best.settings["ns_exponent"]
    assert 0.0 <= result.score <= 1.0
    # the query-time settings come from the space and are the ones the score was measured with
    for t in result.trials:
        assert set(t.query) == set(QUERY_TIME)
        assert all(t.query[k] in SPACE[k] or t.query[k] == getattr(SMALL, k) for k in QUERY_TIME)
    assert {k: getattr(result.best, k) for k in QUERY_TIME} == best.query
    rec = train_item2vec(split.train, result.best, index="exact")
    again = evaluate(VectorScorer(rec, split.catalogue), split.validation, split.catalogue)["HR@10"]
    assert again == result.score   # one thread, one seed: the same model again


def test_query_time_settings_are_chosen_by_validation(split):
    # rules alone know the order of a playlist; weight 0 answers from the vectors alone
    result = tune(split, SMALL.replace(rules_weight=0.0), {"epochs": [6], "dim": [16],
                                                           "rules_weight": [0.0, 1.0]},
                  trials=1, method="random")
    t = result.trials[0]
    cat = split.catalogue
    rec = train_item2vec(split.train, SMALL.replace(epochs=6, dim=16, rules_weight=0.0), index="exact")
    scores = {}
    for w in (0.0, 1.0):
        rec.rules_weight = w
        scores[w] = evaluate(VectorScorer(rec, cat), split.validation, cat)["HR@10"]
    assert t.query["rules_weight"] == max(scores, key=lambda w: (scores[w], -w))
    assert t.score == max(scores.values())


def test_random_search_and_negative_exponents(split):
    result = tune(split, SMALL, {"ns_exponent": [-0.5], "epochs": [4], "dim": [16]}, trials=1,
                  method="random")
    assert result.best.ns_exponent == -0.5 and len(result.trials) == 1
    assert result.to_dict()["best"]["ns_exponent"] == -0.5


def test_bad_searches_are_refused(split):
    with pytest.raises(ConfigError, match="method"):
        tune(split, SMALL, SPACE, method="grid")
    with pytest.raises(ConfigError, match="unknown setting"):
        tune(split, SMALL, {"windw": [3]})
