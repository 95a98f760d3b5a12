"""A log shaped unlike the fixtures — one history over 5,000 items long, bursts of equal timestamps —
read from its CSV, trained at the defaults: finite vectors that find the planted series."""

import numpy as np

from illustrated.recommend.events import read_events
from illustrated.recommend.config import Item2VecConfig
from illustrated.recommend.item2vec import train_item2vec
from illustrated.recommend.sessions import leave_last_out
from illustrated.recommend.synthetic import rating_log


def test_long_histories_train_at_the_defaults_and_find_the_planted_series(tmp_path):
    log = rating_log(n_users=40, n_items=8_000, events=30_000, longest=5_500, n_genres=20, seed=2)
    log.write_csv(tmp_path / "ratings.csv")
    histories = read_events(tmp_path / "ratings.csv")
    assert max(len(h.items) for h in histories) == 5_500
    split = leave_last_out(histories, n=5)
    rec = train_item2vec(split.train_full, Item2VecConfig())
    assert np.isfinite(rec.vectors.vectors).all()
    # items seen often enough to have learned something: their series-mates rank among the nearest
    counts = dict(zip(rec.vectors.keys, rec.popularity))
    frequent = [i for i, c in counts.items() if c >= 10 and log.series[i]][:200]
    found = np.mean([bool(set(rec.similar(i, 10).items) & set(log.series[i])) for i in frequent])
    assert len(frequent) >= 50 and found > 0.5        # chance: about 3 in 8,000 per slot
    # the heaviest user's whole history is one query; the answer is full and new to them
    heaviest = max(split.test, key=lambda c: len(c.context))
    answer = rec.recommend(heaviest.context, 10)
    assert len(answer.items) == 10 and not set(answer.items) & set(heaviest.context)
    assert not answer.fallback
