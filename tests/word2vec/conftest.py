"""Fixtures for the word2vec tests: a small planted corpus and a model trained on it once."""

from __future__ import annotations

import pytest

from illustrated.word2vec import Word2Vec, Word2VecConfig
from illustrated.word2vec.planted import planted_corpus


def small_config(**kw) -> Word2VecConfig:
    base = dict(dim=32, epochs=10, min_count=1, sample=0, threads=1, seed=3)
    base.update(kw)
    return Word2VecConfig(**base)


@pytest.fixture(scope="session")
def sentences() -> list[list[str]]:
    return planted_corpus(3000, seed=0)


@pytest.fixture(scope="session")
def model(sentences) -> Word2Vec:
    return Word2Vec(small_config()).train(sentences, progress=False)
