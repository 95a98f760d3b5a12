"""The word2vec commands as a user runs them."""

import subprocess
import sys

import numpy as np
import pytest

from illustrated.word2vec.planted import planted_corpus


def run(*args):
    return subprocess.run([sys.executable, "-m", "illustrated.cli", "word2vec", *args],
                          capture_output=True, text=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("w2v-cli")
    corpus = root / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in planted_corpus(2000, seed=1)) + "\n")
    model = root / "m.npz"
    r = run("train", str(corpus), "-o", str(model), "--dim", "24", "--epochs", "8",
            "--min-count", "1", "--sample", "0", "--threads", "2", "--log", str(root / "log.jsonl"))
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout
    return root, corpus, model


def test_train_similar_analogy(trained):
    root, corpus, model = trained
    r = run("similar", str(model), "king", "-n", "6")
    assert r.returncode == 0, r.stderr
    assert "queen" in r.stdout
    r = run("analogy", str(model), "king", "man", "woman", "-n", "1")
    assert r.returncode == 0 and "queen" in r.stdout
    assert (root / "log.jsonl").read_text().count("\n") >= 1


def test_convert_between_formats(trained):
    root, _, model = trained
    for name in ("v.bin", "v.txt", "v.vec", "v2.npz"):
        r = run("convert", str(model), str(root / name))
        assert r.returncode == 0, r.stderr
    r = run("similar", str(root / "v.bin"), "paris", "-n", "12")
    assert r.returncode == 0 and "france" in r.stdout


def test_resume_and_cbow_hs(trained, tmp_path):
    root, corpus, model = trained
    r = run("train", str(corpus), "-o", str(tmp_path / "c.txt"), "--cbow", "--hs",
            "--negative", "0", "--dim", "16", "--epochs", "1", "--min-count", "1")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "c.txt").read_text().split()[1] == "16"


def test_resume_continues_an_interrupted_run_exactly(trained, tmp_path):
    """A run stopped after 2 of 4 epochs and resumed from the CLI ends with the very weights and
    counters of an uninterrupted 4-epoch run (one thread, one seed), not a fresh start."""
    from illustrated.text import Corpus, Tokenizer
    from illustrated.word2vec import Word2Vec, Word2VecConfig

    _, corpus, _ = trained
    settings = dict(dim=16, epochs=4, min_count=1, sample=0, threads=1, seed=5)
    full = tmp_path / "full.npz"
    r = run("train", str(corpus), "-o", str(full), *(f"--{k.replace('_', '-')}={v}" for k, v in settings.items()))
    assert r.returncode == 0, r.stderr
    printed = r.stdout
    part = tmp_path / "part.npz"
    Word2Vec(Word2VecConfig(**settings)).train(Corpus(corpus, tokenize=Tokenizer()), progress=False,
                                               epochs=2, checkpoint=part)
    halfway = Word2Vec.load(part)
    assert (halfway.epochs_done, halfway.epochs_total) == (2, 2)
    r = run("train", str(corpus), "-o", str(part), "--resume", "--threads", "1")
    assert r.returncode == 0 and "resuming" in r.stdout, r.stderr
    resumed, uninterrupted = Word2Vec.load(part), Word2Vec.load(full)
    assert (resumed.epochs_done, resumed.epochs_total) == (4, 4)
    assert resumed.corpus_words == uninterrupted.corpus_words
    # the model file is the checkpoint after the last epoch: it holds that epoch's loss
    assert uninterrupted.last_loss is not None and f"loss {uninterrupted.last_loss:.4f}" in printed
    assert not np.allclose(resumed.wv.vectors, halfway.wv.vectors)
    np.testing.assert_array_equal(resumed.wv.vectors, uninterrupted.wv.vectors)
    np.testing.assert_array_equal(resumed.syn1neg, uninterrupted.syn1neg)


def test_evaluate(trained, tmp_path):
    _, _, model = trained
    (tmp_path / "questions-words.txt").write_text(": gender\nman woman king queen\n")
    (tmp_path / "wordsim353.tsv").write_text("king queen 9\nking w1 1\nking paris 2\nfoo bar 3\n")
    r = run("evaluate", str(model), "--eval-dir", str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "total" in r.stdout and "ws353" in r.stdout and "oov 1" in r.stdout


@pytest.mark.parametrize("args,message", [
    (["similar", "{model}", "unicorn"], "'unicorn' is not in the vocabulary"),
    (["similar", "{root}/missing.bin", "king"], "no such vectors file"),
    (["convert", "{model}", "{root}/out.pkl"], "unknown model format '.pkl'"),
    (["train", "{corpus}", "-o", "{root}/x.npz", "--dim", "0"], "dim must be positive"),
    (["train", "{corpus}", "-o", "{root}/x.npz", "--negative", "0"], "enable negative sampling"),
    (["train", "{corpus}", "-o", "{root}/x.npz", "--negative", "1000000"], "negative must be between 0 and 100"),
    (["train", "{corpus}", "-o", "{root}/x.npz", "--min-count", "100000"], "vocabulary is empty"),
    (["train", "{root}/empty.txt", "-o", "{root}/x.npz"], "empty"),
    (["similar", "{corpus}", "king"], "not a word2vec file"),
    (["evaluate", "{model}", "--eval-dir", "{corpus}"], "corpus.txt: is a file; expected the folder that holds "
                                                        "questions-words.txt, wordsim353.tsv"),
    (["evaluate", "{model}", "--eval-dir", "{root}/nowhere"], "nowhere: no such evaluation folder"),
    (["evaluate", "{model}", "--eval-dir", "{root}"], "no evaluation files found (expected any of"),
    (["similar", "{root}/bad.bin", "king"], "not a word2vec file"),
])
def test_bad_input_one_line_error(trained, args, message):
    root, corpus, model = trained
    (root / "empty.txt").write_text("")
    (root / "bad.bin").write_bytes(b"\x00\x01garbage")
    args = [a.format(model=model, root=root, corpus=corpus) for a in args]
    r = run(*args)
    assert r.returncode == 1
    assert r.stderr.startswith("error: ") and message in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1
    assert not (root / "x.npz").exists()


@pytest.mark.parametrize("rows,args,message", [
    (3, ["similar", "{v}", "a", "unicorn"], "v.txt: 'unicorn' is not in the vocabulary"),
    (3, ["analogy", "{v}", "a", "b", "unicorn"], "v.txt: 'unicorn' is not in the vocabulary"),
    (3, ["similar", "{v}", "a", "-n", "-1"], "topn must be 0 or more"),
    (3, ["similar", "{v}", "a", "--restrict-vocab", "0"], "restrict_vocab must be at least 1"),
    (3, ["analogy", "{v}", "a", "b", "c", "-n", "-1"], "topn must be 0 or more"),
    (1, ["similar", "{v}", "a"], "no neighbours of 'a': the vectors hold 1 key(s)"),
    (3, ["analogy", "{v}", "a", "b", "c"], "no answer to a − b + c: the vectors hold 3 key(s)"),
])
def test_queries_that_cannot_be_answered_print_nothing_but_the_error(tmp_path, rows, args, message):
    v = tmp_path / "v.txt"
    v.write_text(f"{rows} 2\n" + "".join(f"{k} {i + 1} 1\n" for i, k in enumerate("abc"[:rows])))
    r = run(*[a.format(v=v) for a in args])
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("error: ") and message in r.stderr and r.stderr.count("\n") == 1


@pytest.mark.parametrize("args,message", [
    (["train", "{empty}", "-o", "{root}/a-file/m.npz"], "a-file is not a directory"),
    (["train", "{empty}", "-o", "{root}/folder.npz"], "is a directory, expected a path for the model"),
    (["train", "{empty}", "-o", "{root}/m.txt.bz2"], "written plain or as .gz, not .bz2"),
    (["train", "{empty}", "-o", "{root}/m.npz", "--log", "{root}/a-file/log"], "a-file is not a directory"),
    (["convert", "{v}", "{root}/out.vec.xz"], "written plain or as .gz, not .xz"),
    (["evaluate", "{v}", "--eval-dir", "{root}", "--json", "{root}/a-file/s.json"], "a-file is not a directory"),
])
def test_outputs_are_checked_before_any_work(tmp_path, args, message):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "a-file").write_text("")
    (tmp_path / "folder.npz").mkdir()
    v = tmp_path / "v.txt"
    v.write_text("2 2\na 1 0\nb 0 1\n")
    r = run(*[a.format(empty=tmp_path / "empty.txt", root=tmp_path, v=v) for a in args])
    assert r.returncode == 1 and r.stderr.startswith("error: ") and message in r.stderr, r.stderr


def test_evaluate_json_and_train_log_create_their_folders(tmp_path):
    v = tmp_path / "v.txt"
    v.write_text("3 2\nking 1 0\nqueen 0.9 0.1\nman 0 1\n")
    (tmp_path / "wordsim353.tsv").write_text("king queen 9\nking man 2\nqueen man 3\n")
    r = run("evaluate", str(v), "--eval-dir", str(tmp_path), "--json", str(tmp_path / "a/b/s.json"))
    assert r.returncode == 0, r.stderr
    assert "ws353" in (tmp_path / "a/b/s.json").read_text()


def test_resume_refuses_other_options_or_another_corpus(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d\nb c d a\n" * 20)
    other = tmp_path / "other.txt"
    other.write_text("x y z\n" * 30)
    model = tmp_path / "m.npz"
    r = run("train", str(corpus), "-o", str(model), "--dim", "4", "--epochs", "1", "--min-count", "1",
            "--sample", "0")
    assert r.returncode == 0, r.stderr
    before = model.read_bytes()
    r = run("train", str(corpus), "-o", str(model), "--resume", "--dim", "8", "--window", "5")
    assert r.returncode == 1 and "--dim 8 (saved: 4) differ" in r.stderr, r.stderr
    r = run("train", str(other), "-o", str(model), "--resume")
    assert r.returncode == 1 and "other.txt: not the corpus" in r.stderr, r.stderr
    same_size = tmp_path / "same-size.txt"      # as large as the corpus, other words
    same_size.write_text("d c b a\nc b a d\n" * 20)
    assert same_size.stat().st_size == corpus.stat().st_size
    r = run("train", str(same_size), "-o", str(model), "--resume")
    assert r.returncode == 1 and "same-size.txt: not the corpus" in r.stderr, r.stderr
    assert model.read_bytes() == before
    r = run("train", str(corpus), "-o", str(model), "--resume", "--dim", "4", "--threads", "1")
    # the same options are accepted; the model has finished its epochs, so it is left as it is
    assert r.returncode == 0 and "nothing to resume" in r.stdout, r.stderr
    assert model.read_bytes() == before


def test_evaluate_with_nothing_in_vocabulary_fails_and_writes_valid_json(tmp_path):
    import json

    v = tmp_path / "v.txt"
    v.write_text("2 2\na 1 0\nb 0 1\n")
    (tmp_path / "questions-words.txt").write_text(": s\nw x y z\n")
    (tmp_path / "wordsim353.tsv").write_text("a b 3\n")
    r = run("evaluate", str(v), "--eval-dir", str(tmp_path), "--json", str(tmp_path / "s.json"))
    assert r.returncode == 1 and "nothing was evaluated for analogy" in r.stderr, r.stderr
    assert "n/a" in r.stdout
    scores = json.loads((tmp_path / "s.json").read_text(), parse_constant=lambda c: 1 / 0)
    assert scores["analogy"]["accuracy"] is None and scores["ws353"]["spearman"] is None


def test_resume_without_a_checkpoint_says_it_starts_afresh(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d\nb c d a\n" * 20)
    r = run("train", str(corpus), "-o", str(tmp_path / "m.npz"), "--resume", "--dim", "4",
            "--epochs", "1", "--min-count", "1", "--sample", "0")
    assert r.returncode == 0 and "does not exist yet: training a new model" in r.stdout, r.stderr


@pytest.mark.parametrize("option", ["-o", "--log"])
def test_train_refuses_to_write_over_its_corpus(tmp_path, option):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d\n" * 20)
    args = ["-o", str(corpus)] if option == "-o" else ["-o", str(tmp_path / "m.npz"), "--log", str(corpus)]
    r = run("train", str(corpus), *args, "--min-count", "1", "--sample", "0", "--epochs", "1")
    assert r.returncode == 1 and "is the corpus itself" in r.stderr, r.stderr
    assert corpus.read_text() == "a b c d\n" * 20


def test_resume_refuses_another_tokenizer(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("A b c d\nb C d a\n" * 20)
    model = tmp_path / "m.npz"
    r = run("train", str(corpus), "-o", str(model), "--dim", "4", "--epochs", "1", "--min-count", "1",
            "--sample", "0")
    assert r.returncode == 0, r.stderr
    r = run("train", str(corpus), "-o", str(model), "--resume", "--lowercase")
    assert r.returncode == 1 and "trained with lowercase False" in r.stderr, r.stderr
