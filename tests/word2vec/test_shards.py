"""Each process's share of a corpus: the shares cover it exactly once, in order; chunks are cut
at the sync points; the averaging of a single process changes nothing."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from illustrated.distributed import World
from illustrated.errors import CorpusError
from illustrated.text import Corpora, Corpus
from illustrated.word2vec import Word2Vec
from illustrated.word2vec.averaging import ModelAveraging, _due, changed_rows
from illustrated.word2vec.shards import file_share, share
from illustrated.word2vec.workers import pieces

from .conftest import small_config


def lines_of(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(f"w{x}" for x in rng.integers(0, 50, rng.integers(0, 12))) for _ in range(n)]


@pytest.mark.parametrize("n", [2, 3, 7])
def test_byte_shares_hold_every_sentence_once_in_order(tmp_path, n):
    text = "\n".join(lines_of(300)) + "\n\nlast line without end"
    path = tmp_path / "c.txt"
    path.write_text(text, "utf-8")
    whole = list(Corpus(path))
    parts = [share(Corpus(path), World(r, n)) for r in range(n)]
    assert [s for p in parts for s in p] == whole
    assert parts[0].span[0] == 0 and parts[-1].span[1] == path.stat().st_size
    assert all(a.span[1] == b.span[0] for a, b in zip(parts, parts[1:]))
    model = Word2Vec(small_config())
    model.build_vocab(Corpus(path))
    fast = [model.chunks(p) for p in parts]               # the compiled reader reads spans too
    ids = np.concatenate([i for chunks in fast for i, _, _ in chunks])
    np.testing.assert_array_equal(ids, np.concatenate([i for i, _, _ in model.chunks(Corpus(path))]))


def test_a_line_longer_than_a_block_is_shared_at_a_space(tmp_path):
    path = tmp_path / "text8.txt"
    words = [f"w{i % 97}" for i in range(400_000)]      # one line of 2.3 MB, as text8
    path.write_text(" ".join(words), "utf-8")
    parts = [share(Corpus(path, max_sentence_length=1000), World(r, 2)) for r in range(2)]
    assert [w for p in parts for s in p for w in s] == words


def test_files_go_whole_to_one_process_each(tmp_path):
    paths = []
    for i in range(5):
        paths.append(tmp_path / f"shard{i}.txt.gz")
        with gzip.open(paths[-1], "wt") as f:
            f.write(f"file {i} words\n")
    corpora = Corpora(paths)
    got = [list(file_share(corpora, r, 2)) for r in range(2)]
    assert got == [[["file", "0", "words"], ["file", "1", "words"]],
                   [["file", "2", "words"], ["file", "3", "words"], ["file", "4", "words"]]]
    with pytest.raises(CorpusError, match="5 corpus files for 6 processes"):
        file_share(corpora, 0, 6)
    with pytest.raises(CorpusError, match="compressed file cannot be split between 2 processes"):
        share(Corpus(paths[0]), World(0, 2))


def test_sentences_in_memory_are_shared_in_runs_of_equal_tokens():
    sentences = [["a"] * 10] + [["b"]] * 10 + [["c"] * 5] * 2
    parts = [share(sentences, World(r, 2)) for r in range(2)]
    assert parts[0] + parts[1] == sentences
    assert [sum(map(len, p)) for p in parts] == [15, 15]
    with pytest.raises(CorpusError, match="a process would get none"):
        share([["a", "b"]], World(1, 2))


def test_chunks_are_cut_at_the_sentence_reaching_each_sync_point():
    ids = np.arange(10, dtype=np.int32)
    offsets = np.array([0, 2, 3, 7, 10])
    cut = list(pieces(ids, offsets, 3, 4))
    assert [p[2] for p in cut] == [3, 4, 3]
    assert [p[1].tolist() for p in cut] == [[0, 2, 3], [0, 4], [0, 3]]
    np.testing.assert_array_equal(np.concatenate([p[0] for p in cut]), ids)
    whole = list(pieces(ids, offsets, 100, 100))
    assert whole[0][0] is ids and whole[0][2] == 10


def test_changed_rows_and_the_averaging_of_one_process():
    w = np.zeros((5, 3), np.float32)
    averaging = ModelAveraging({"w": w}, World())
    w[1, 2] = 1.0
    w[4] = -2.0
    np.testing.assert_array_equal(changed_rows(w, averaging.base["w"]), [0, 1, 0, 0, 1])
    assert averaging.sync(True, 3.0, 4.0) == ([3.0, 4.0], True)
    np.testing.assert_array_equal(averaging.base["w"], w)
    assert averaging.rows == 2 and averaging.bytes == 3 * 8 + 5 + 2 * 3 * 4


def test_the_most_used_rows_are_combined_most_often():
    due = [_due(10_000, 1024, k, "first") for k in range(1, 17)]
    assert [d.stop for d in due[:8]] == [1024, 2048, 1024, 4096, 1024, 2048, 1024, 8192]
    assert due[15] == slice(0, 10_000) and all(d.start == 0 for d in due)
    assert _due(10_000, 1024, 2, "last") == slice(10_000 - 2048, 10_000)
    assert _due(10_000, 1024, 1, None) == slice(0, 10_000)


def test_the_default_threads_share_the_machine_between_its_processes(monkeypatch):
    import os

    from illustrated.word2vec import Word2VecConfig

    cores = os.cpu_count() or 1
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    assert Word2VecConfig().threads == cores
    monkeypatch.setenv("LOCAL_WORLD_SIZE", str(2 * cores))   # more processes than cores
    assert Word2VecConfig().threads == 1
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    assert Word2VecConfig().threads == max(1, cores // 2)


def test_several_files_are_known_by_their_names_when_training_continues(tmp_path):
    from illustrated.errors import ConfigError

    paths = []
    for i in range(2):
        paths.append(tmp_path / f"part{i}.txt")
        paths[-1].write_text("\n".join(lines_of(100, seed=i)) + "\n", "utf-8")
    model = Word2Vec(small_config(epochs=1, dim=8)).train(Corpora(paths), progress=False)
    assert model.corpus_source["files"] == ["part0.txt", "part1.txt"]
    model.train(Corpora(paths), progress=False)                     # the same files: goes on
    with pytest.raises(ConfigError, match="not the files this model was trained on"):
        model.train(Corpora(paths[::-1]), progress=False)
