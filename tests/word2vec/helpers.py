"""Settings and data shared by the multi-process tests and their worker (dist_worker.py)."""

from __future__ import annotations

from illustrated.word2vec.planted import planted_corpus

from .conftest import small_config

#: ``word2vec train`` options of the resume test, as config fields (and back as CLI flags).
CLI_OPTIONS = dict(dim=16, min_count=1, epochs=2, threads=1, seed=3, sync_words=2000)


def cli_flags() -> list[str]:
    return [f"--{k.replace('_', '-')}={v}" for k, v in CLI_OPTIONS.items()]


def few_sentences() -> list[list[str]]:
    return planted_corpus(400, seed=5)


def every_sentence_config(**kw):
    return small_config(dim=16, epochs=2, sync_words=1, **kw)
