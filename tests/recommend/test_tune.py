"""The search keeps the best setting by validation HR@10 and trains on training events only."""

import pytest

from illustrated.errors import ConfigError
from illustrated.recommend.tune import tune

from .conftest import SMALL

SPACE = {"ns_exponent": [-1.0, 0.75], "window": [2, None], "epochs": [3, 9], "dim": [16],
         "decay": [0.5, 1.0]}


def test_successive_halving_keeps_the_best_validation_score(split):
    result = tune(split, SMALL, SPACE, trials=4, method="halving", eta=2, seed=1)
    # 4 settings at 9/4 → 2 epochs, 2 at 9/2 → 4, 1 at 9 (epochs is the resource, not searched)
    assert [t.epochs for t in result.trials] == [2] * 4 + [4] * 2 + [9]
    final = result.trials[-1]
    assert result.score == final.score and result.best.epochs == 9
    assert result.best.decay == final.decay and result.best.ns_exponent == final.settings["ns_exponent"]
    assert 0.0 <= result.score <= 1.0


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
