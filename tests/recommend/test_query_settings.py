"""How a session asks (decay, max_context, rules_weight, rules_last) lives in one dataclass:
training, a recommender built by hand and the model file agree, and files written before the
settings were stored keep answering with the values they were made with."""

from dataclasses import fields

import pytest

from illustrated.errors import ConfigError
from illustrated.files import read_npz, write_npz
from illustrated.recommend import Item2VecConfig, QuerySettings, Recommender
from illustrated.recommend.storage import STORED_BEFORE

QUERY = [f.name for f in fields(QuerySettings)]


def test_one_home_for_the_query_defaults(model):
    assert QUERY == ["decay", "max_context", "rules_weight", "rules_last"]
    assert Item2VecConfig().query() == QuerySettings()
    built = Recommender(model.vectors)
    assert built.query == QuerySettings()
    assert [getattr(built, k) for k in QUERY] == [getattr(Item2VecConfig(), k) for k in QUERY]
    assert model.query == model.config.query()     # training hands its settings on


def test_settings_given_alone_override_the_query(model):
    rec = Recommender(model.vectors, decay=0.5, query=QuerySettings(rules_last=3))
    assert (rec.decay, rec.rules_last, rec.max_context) == (0.5, 3, QuerySettings().max_context)


def test_a_setting_changed_later_is_checked(model):
    rec = Recommender(model.vectors)
    rec.decay = 0.25
    assert rec.query.decay == 0.25
    with pytest.raises(ConfigError, match=r"^decay must be in \(0, 1\], got 0$"):
        rec.decay = 0
    with pytest.raises(ConfigError, match="max_context must be an integer"):
        Recommender(model.vectors, max_context=0)


def test_a_file_keeps_the_settings_it_was_saved_with(model, tmp_path):
    rec = Recommender(model.vectors, query=QuerySettings(decay=0.9, max_context=7, rules_weight=0.3,
                                                         rules_last=2))
    back = Recommender.load(rec.save(tmp_path / "m.npz"))
    assert back.query == QuerySettings(0.9, 7, 0.3, 2)


def test_a_file_saved_before_the_settings_were_stored_answers_as_it_did(model, tmp_path):
    path = model.save(tmp_path / "m.npz")
    arrays, meta = read_npz(path)
    write_npz(path, arrays, {k: v for k, v in meta.items() if k not in QUERY})
    old = Recommender.load(path)
    assert old.query == STORED_BEFORE == QuerySettings(decay=0.8, max_context=50, rules_weight=0.0,
                                                        rules_last=5)
    write_npz(path, arrays, {**{k: v for k, v in meta.items() if k not in QUERY}, "decay": 0.6})
    assert Recommender.load(path).query == QuerySettings(0.6, 50, 0.0, 5)
