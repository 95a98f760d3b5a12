"""word2vec on several processes (torchrun, gloo): one process under torchrun is the same run as
without it; after averaging every rank holds the same bits; summing after every sentence is one
process training the same sentences; the CLI writes once and resumes."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from illustrated.cli import app
from illustrated.distributed import World
from illustrated.word2vec import Word2Vec
from illustrated.word2vec.shards import share
from illustrated.word2vec.workers import TrainingRun

from . import dist_worker
from .helpers import cli_flags, every_sentence_config, few_sentences

#: ‖two ranks − one process‖ / ‖one process − start‖ after 2 epochs, a sync every sentence.
TOLERANCE = 0.05


def torchrun(n: int, *args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           "--nproc_per_node", str(n), *args], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "planted.txt"
    from illustrated.word2vec.planted import planted_corpus

    path.write_text("".join(" ".join(s) + "\n" for s in planted_corpus(1500, seed=2)), "utf-8")
    return path


@pytest.fixture(scope="module")
def shards(tmp_path_factory, corpus) -> Path:
    """The corpus cut into 5 files, the last two compressed."""
    folder = tmp_path_factory.mktemp("shards")
    lines = corpus.read_text("utf-8").splitlines(keepends=True)
    for i in range(5):
        part = "".join(lines[i * len(lines) // 5:(i + 1) * len(lines) // 5]).encode()
        (folder / f"part{i}.txt").write_bytes(part) if i < 3 else \
            (folder / f"part{i}.txt.gz").write_bytes(gzip.compress(part))
    return folder


@pytest.fixture(scope="module")
def ranks(tmp_path_factory, corpus, shards) -> Path:
    out = tmp_path_factory.mktemp("ranks")
    r = torchrun(2, str(Path(dist_worker.__file__)), str(out), str(corpus), str(shards))
    assert r.returncode == 0, r.stderr[-3000:]
    return out


def load(path: Path) -> dict:
    with np.load(path) as f:
        return dict(f)


def test_every_rank_holds_the_same_vocabulary_tables_and_weights(ranks, corpus):
    a, b = load(ranks / "file0.npz"), load(ranks / "file1.npz")
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)   # bit-identical
    whole = Word2Vec(dist_worker.small_config(dim=16))
    whole.build_vocab(dist_worker.Corpus(corpus))
    assert a["keys"].tolist() == whole.wv.keys                      # the whole corpus's order
    np.testing.assert_array_equal(a["counts"], whole.wv.counts)
    assert int(a["corpus_words"]) == whole.corpus_words
    start = whole.wv.vectors
    assert np.abs(a["vectors"] - start).mean() > 3 * np.abs(start).mean()   # it trained
    a, b = load(ranks / "shards0.npz"), load(ranks / "shards1.npz")     # a folder, by file
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    assert a["keys"].tolist() == whole.wv.keys and int(a["corpus_words"]) == whole.corpus_words


def test_two_ranks_summing_after_every_sentence_train_as_one_process(ranks):
    sentences = few_sentences()
    one = Word2Vec(every_sentence_config())
    one.build_vocab(sentences)
    start = one.wv.vectors.copy()
    a, b = (share(sentences, World(r, 2)) for r in range(2))
    paired = [s for pair in zip(a, b) for s in pair] + a[len(b):] + b[len(a):]
    run = TrainingRun(one.kernel(), one.schedule(), lambda: one.chunks(paired, chunk_words=1),
                      threads=1, settings="", total_words=0, progress=False)
    try:
        for epoch in range(one.config.epochs):
            run.epoch(epoch, epoch)
    finally:
        run.close()
    moved = np.linalg.norm(one.wv.vectors - start)
    summed = load(ranks / "every_sentence_sum0.npz")
    np.testing.assert_array_equal(summed["vectors"], load(ranks / "every_sentence_sum1.npz")["vectors"])
    assert summed["keys"].tolist() == one.wv.keys
    assert np.linalg.norm(summed["vectors"] - one.wv.vectors) / moved < TOLERANCE
    averaged = load(ranks / "every_sentence_average0.npz")   # each update at half weight
    assert np.linalg.norm(averaged["vectors"] - one.wv.vectors) / moved > 4 * TOLERANCE


def test_one_process_under_torchrun_is_the_run_without_it(tmp_path, corpus):
    flags = [str(corpus), *cli_flags()]
    r = torchrun(1, "-m", "illustrated.cli", "word2vec", "train", *flags, "-o", str(tmp_path / "a.npz"))
    assert r.returncode == 0, r.stderr[-3000:]
    result = CliRunner().invoke(app, ["word2vec", "train", *flags, "-o", str(tmp_path / "b.npz")])
    assert result.exit_code == 0, result.output
    a, b = load(tmp_path / "a.npz"), load(tmp_path / "b.npz")
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_the_cli_writes_once_and_resumes_on_the_same_number_of_processes(tmp_path, ranks, corpus):
    full, log = tmp_path / "full.npz", tmp_path / "log.jsonl"
    r = torchrun(2, "-m", "illustrated.cli", "word2vec", "train", str(corpus), *cli_flags(),
                 "-o", str(full), "--log-file", str(log))
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count("wrote ") == 1 and "2 processes: each reads its 1/2" in r.stdout
    lines = log.read_text().splitlines()
    assert '"processes": 2' in lines[-1] and '"progress": 1.0' in lines[-1]
    resumed = ranks / "checkpoint.npz"       # the worker stopped after one epoch of two
    r = torchrun(2, "-m", "illustrated.cli", "word2vec", "train", str(corpus), *cli_flags(),
                 "-o", str(resumed), "--resume")
    assert r.returncode == 0, r.stderr[-3000:]
    a, b = load(full), load(resumed)
    for key in ("vectors", "syn1neg"):
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    for rank in range(2):      # a checkpoint that one machine cannot see is refused by all
        assert "process(es) 1 cannot see it" in (ranks / f"resume{rank}.txt").read_text()


def test_a_process_that_fails_stops_the_job_with_its_message(tmp_path, corpus):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(corpus.read_bytes() + b"a line with \xff\xfe in it\n")   # in the second half
    r = torchrun(2, "-m", "illustrated.cli", "word2vec", "train", str(bad), *cli_flags(),
                 "-o", str(tmp_path / "m.npz"))
    assert r.returncode != 0
    lines = corpus.read_text("utf-8").count("\n")
    assert f"error: {bad}: line {lines + 1}: bytes are not valid utf-8" in r.stderr
    assert not (tmp_path / "m.npz").exists()


def test_more_than_two_processes_are_warned_about_accuracy():
    from illustrated.word2vec.shards import accuracy_warning

    assert accuracy_warning(1) is None and accuracy_warning(2) is None
    line = accuracy_warning(4)
    assert line.startswith("warning: 4 processes") and "\n" not in line
