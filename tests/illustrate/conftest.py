"""Small models trained once per test session, saved where the CLI and the page can load them."""

from __future__ import annotations

import random

import pytest

TOPICS = {
    "animals": ["cat", "dog", "horse", "cow", "sheep"],
    "colours": ["red", "green", "blue", "yellow", "purple"],
    "numbers": ["one", "two", "three", "four", "five"],
    "royals": ["king", "queen", "prince", "princess", "throne"],
}
TOPIC_OF = {w: t for t, words in TOPICS.items() for w in words}


def topic_sentences(n: int = 1500, seed: int = 0) -> list[list[str]]:
    """Sentences of eight words each drawn from one topic: a topic's words are each other's neighbours."""
    rng = random.Random(seed)
    names = sorted(TOPICS)
    return [[rng.choice(TOPICS[topic]) for _ in range(8)] for topic in (rng.choice(names) for _ in range(n))]


@pytest.fixture(scope="session")
def word2vec_path(tmp_path_factory):
    from illustrated.word2vec import Word2Vec, Word2VecConfig

    folder = tmp_path_factory.mktemp("word2vec")
    model = Word2Vec(Word2VecConfig(dim=12, min_count=1, epochs=3, window=3, sample=0.0, threads=1, seed=3))
    model.train(topic_sentences(), progress=False, log_path=folder / "train.jsonl")
    model.wv.save(folder / "vectors.npz")
    return folder / "vectors.npz"


@pytest.fixture(scope="session")
def translator_dir(tmp_path_factory):
    """A tiny French→English translator trained on the project's own sentences (a few seconds)."""
    import torch

    from illustrated.seq2seq import DataConfig, Seq2SeqConfig, TrainConfig, train_translator
    from illustrated.seq2seq.toy import french_english

    folder = tmp_path_factory.mktemp("translator")
    pairs = french_english()
    for split, rows in (("train", pairs), ("valid", pairs[:20])):
        (folder / f"{split}.fr").write_text("".join(f"{f}\n" for f, _ in rows), encoding="utf-8")
        (folder / f"{split}.en").write_text("".join(f"{e}\n" for _, e in rows), encoding="utf-8")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train_translator(folder / "train", folder / "valid", folder / "model", DataConfig("fr", "en", min_count=1),
                         Seq2SeqConfig(src_vocab_size=1, tgt_vocab_size=1, emb_dim=16, hidden_dim=32, dropout=0.0),
                         TrainConfig(epochs=6, batch_size=16, lr=5e-3, patience=0, log_every=20), progress=False)
    finally:
        torch.set_num_threads(threads)
    return folder / "model"


@pytest.fixture(scope="session")
def recommender_path(tmp_path_factory):
    """item2vec over generated playlists with readable ids (``rock-003``) and their genres."""
    from illustrated.recommend import Item2VecConfig, genre_sessions, train_item2vec

    folder = tmp_path_factory.mktemp("recommender")
    data = genre_sessions(n_genres=3, tracks_per_genre=12, n_sessions=400, seed=1, opaque=False)
    rec = train_item2vec(data.sessions, Item2VecConfig(dim=8, epochs=5, ns_exponent=0.0, sample=0.0))
    path = rec.save(folder / "recommender.npz")
    (folder / "genres.tsv").write_text("".join(f"{k}\t{g}\n" for k, g in data.genre_of.items()), encoding="utf-8")
    return path
