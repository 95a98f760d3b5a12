"""Settings dataclasses to and from the dicts their files store."""

import pytest

from illustrated.errors import ConfigError
from illustrated.seq2seq import (DataConfig, Seq2SeqConfig, TrainConfig, TransformerConfig,
                                 TransformerTrainConfig)
from illustrated.word2vec import Word2VecConfig


def test_settings_round_trip_through_dicts_and_unknown_keys_are_named_or_ignored():
    for config in (DataConfig(tokens="bpe"), Seq2SeqConfig(rnn="lstm"), TrainConfig(epochs=3),
                   TransformerConfig(heads=2), TransformerTrainConfig(warmup=7), Word2VecConfig(dim=7)):
        assert type(config).from_dict(config.to_dict()) == config
    with pytest.raises(ConfigError, match=r"^model config: unknown field\(s\) \['colour'\]$"):
        Seq2SeqConfig.from_dict({"rnn": "lstm", "colour": 1})
    with pytest.raises(ConfigError, match=r"^model config: unknown field\(s\) \['rnn'\]$"):
        TransformerConfig.from_dict({"rnn": "lstm"})
    with pytest.raises(ConfigError, match=r"^data config: unknown field\(s\) \['x'\]$"):
        DataConfig.from_dict({"x": 1})
    # settings written by a later version: their new keys are ignored
    assert TrainConfig.from_dict({"epochs": 4, "later": True}) == TrainConfig(epochs=4)
    assert Word2VecConfig.from_dict({"dim": 8, "later": 1}).dim == 8
