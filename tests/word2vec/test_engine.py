"""The kernel's named arguments, the schedule and the run: each works alone, and together they
train exactly as ``Word2Vec.train`` does."""

import inspect

import numpy as np
import pytest

from illustrated.word2vec import Word2Vec, tables
from illustrated.word2vec.kernels import ChunkKernel, WordKernel, train_chunk
from illustrated.word2vec.schedule import Schedule
from illustrated.word2vec.workers import TrainingRun

from .conftest import small_config


def test_the_named_arguments_follow_the_compiled_kernels_parameters():
    params = list(inspect.signature(train_chunk.py_func).parameters)
    fixed = params[params.index("offsets") + 1:params.index("alpha_start")]
    assert list(WordKernel.__dataclass_fields__) == fixed


def test_a_run_needs_only_a_kernel_a_schedule_and_chunks(sentences):
    reference = Word2Vec(small_config(epochs=2)).train(sentences, progress=False)
    model = Word2Vec(small_config(epochs=2))
    model.build_vocab(sentences)
    kernel = model.kernel()
    assert isinstance(kernel, ChunkKernel)
    assert set(kernel.weights()) == {"vectors", "syn1neg"}
    run = TrainingRun(kernel, model.schedule(), lambda: model.chunks(sentences), threads=1,
                      settings="test", total_words=2 * model.corpus_words, progress=False)
    try:
        for epoch in range(2):
            assert run.epoch(epoch, epoch) == model.corpus_words
    finally:
        run.close()
    np.testing.assert_array_equal(model.wv.vectors, reference.wv.vectors)
    np.testing.assert_array_equal(model.syn1neg, reference.syn1neg)
    assert run.epoch_loss() == pytest.approx(reference.last_loss, rel=1e-12)


def test_the_schedule_decays_from_alpha_to_min_alpha_over_every_epoch():
    s = Schedule(alpha=0.025, min_alpha=0.0001, epochs=4, corpus_words=1000, seed=1)
    assert s.rate(0, 0) == 0.025
    assert s.rate(2, 0) == pytest.approx((0.025 + 0.0001) / 2)
    assert s.rate(3, 1000) == pytest.approx(0.0001)
    assert s.rate(9, 0) == pytest.approx(0.0001)          # never below the end
    assert s.chunk_seed(0, 1) != s.chunk_seed(1, 0) != s.chunk_seed(0, 0)


def test_the_kernel_reports_named_counts():
    n, dim = 6, 4
    rng = np.random.default_rng(0)
    kernel = WordKernel(
        syn0=rng.random((n, dim), dtype=np.float32) - 0.5, syn1neg=np.zeros((n, dim), np.float32),
        syn1=np.zeros((0, dim), np.float32), keep=np.ones(n, np.float32),
        noise=tables.alias_pack(*tables.alias_table(np.full(n, 1 / n))),
        codes=np.zeros((1, 0), np.uint8), points=np.zeros((1, 0), np.int32),
        code_lens=np.zeros(1, np.int32), sg=True, hs=False, negative=2, window=2, shrink=False,
        share=1, budget=32)
    ids = np.array([0, 1, 2, -1, 3, 4, 5], np.int32)
    stats = kernel.train(ids, np.array([0, 3, 7], np.int64), 0.025, 0.025, 7)
    assert stats.words == 6 and stats.pairs == 2 * 6 and stats.finite
    assert stats.loss_count > 0 and stats.loss > 0
    assert np.abs(kernel.syn1neg).sum() > 0                   # it trained in place
