"""A small model trained once on generated genre playlists, shared by the tests."""

import pytest

from illustrated.recommend.config import Item2VecConfig
from illustrated.recommend.item2vec import train_item2vec
from illustrated.recommend.sessions import History, leave_last_out
from illustrated.recommend.synthetic import genre_sessions

SMALL = Item2VecConfig(dim=24, window=None, epochs=15, negative=5, ns_exponent=0.0, sample=0.0,
                       threads=1, seed=3)


@pytest.fixture(scope="session")
def genres():
    return genre_sessions(n_genres=5, tracks_per_genre=30, n_sessions=800, seed=1)


@pytest.fixture(scope="session")
def split(genres):
    return leave_last_out([History(str(n), s) for n, s in enumerate(genres.sessions)])


@pytest.fixture(scope="session")
def model(split):
    return train_item2vec(split.train_full, SMALL)
