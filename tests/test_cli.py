"""The CLI as a user runs it: a real process, its exit code and its one-line errors."""

import json
import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "illustrated.cli", *args], capture_output=True,
                          text=True, cwd=cwd)


def test_help_everywhere():
    for args in ([], ["vocab"], ["word2vec"], ["recommend"], ["translate"], ["draw"], ["demo"]):
        r = run(*args, "--help")
        assert r.returncode == 0, r.stderr
        assert "Usage" in r.stdout


def test_vocab_build_and_show(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat\nthe dog sat\nthe end\n", encoding="utf-8")
    out = tmp_path / "v.txt"
    r = run("vocab", "build", str(corpus), "-o", str(out), "--min-count", "2")
    assert r.returncode == 0, r.stderr
    assert out.read_text().splitlines()[4:] == ["the\t3", "sat\t2"]
    r = run("vocab", "show", str(out))
    assert r.returncode == 0 and "the" in r.stdout


@pytest.mark.parametrize("content,args,message", [
    (None, [], "no such corpus file"),
    ("dir", [], "is a directory"),
    (b"ok\n\xfe\n", [], "line 2: bytes are not valid utf-8"),
    (b"", [], "empty corpus"),
    (b"a b c\n", ["--min-count", "5"], "vocabulary is empty"),
])
def test_bad_input_gives_one_line_and_nonzero_exit(tmp_path, content, args, message):
    path = tmp_path / "c.txt"
    if content == "dir":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    r = run("vocab", "build", str(path), "-o", str(tmp_path / "v.txt"), *args)
    assert r.returncode == 1
    assert message in r.stderr
    assert [l for l in r.stderr.splitlines() if l.startswith("error:")] == [r.stderr.strip().splitlines()[-1]]
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "v.txt").exists()


def test_vocab_show_bad_file(tmp_path):
    p = tmp_path / "v.txt"
    p.write_text("oops\n")
    r = run("vocab", "show", str(p))
    assert r.returncode == 1 and "line 1" in r.stderr and "Traceback" not in r.stderr


def test_demo_shows_the_posts_arrays(tmp_path):
    r = run("demo", "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert "['have', 'the', 'bards'" in r.stdout
    assert "[batch, seq, emb] = [3, 11, 4]" in r.stdout
    assert (tmp_path / "out" / "summary.json").exists()
    out = tmp_path / "out"
    for name in ("word2vec.npz", "recommender.npz", "recommender-genres.tsv", "translator",
                 "index.html", "figures/items-map.png", "figures/attention.png",
                 "figures/word2vec-curves.png"):
        assert (out / name).exists(), name
    # the translator is judged on sentences it never trained on
    data = out / "translate-data"
    train = set(zip((data / "train.fr").read_text().splitlines(), (data / "train.en").read_text().splitlines()))
    valid = list(zip((data / "valid.fr").read_text().splitlines(), (data / "valid.en").read_text().splitlines()))
    assert len(valid) == 40 and not train & set(valid)
    summary = json.loads((out / "summary.json").read_text())["translation with attention"]
    assert summary["held_out"] == 40 and summary["bleu"] >= 60, summary
    assert "on 40 held-out sentences" in r.stdout


def test_vocab_show_refuses_a_negative_top(tmp_path):
    p = tmp_path / "v.txt"
    p.write_text("a\t3\nb\t2\nc\t1\n")
    r = run("vocab", "show", str(p), "--top", "-1")
    assert r.returncode == 1 and "--top must be 0 or more, got -1" in r.stderr and r.stdout == ""


def test_vocab_build_refuses_to_write_over_its_corpus(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat\n")
    r = run("vocab", "build", str(corpus), "-o", str(corpus))
    assert r.returncode == 1 and "is the corpus itself" in r.stderr
    assert corpus.read_text() == "the cat\n"


@pytest.mark.parametrize("args,message", [
    (["recommend", "similar", "m.npz"], "error: illustrated recommend similar: missing argument 'item' "
                                        "(see 'illustrated recommend similar --help')"),
    (["recommend", "similar", "m.npz", "x", "-k", "abc"], "error: illustrated recommend similar: invalid value "
                                                          "for '-k': "),
    (["vocab", "build", "c.txt", "--bogus"], "error: illustrated vocab build: no such option: --bogus"),
    (["word2vec", "nosuch"], "error: illustrated word2vec: no such command 'nosuch' "
                             "(see 'illustrated word2vec --help')"),
])
def test_a_command_line_that_does_not_parse_is_one_line_and_exit_2(args, message):
    r = run(*args)
    assert r.returncode == 2
    assert r.stderr.startswith(message) and r.stderr.count("\n") == 1, r.stderr
    assert r.stdout == ""


def test_a_group_alone_still_shows_its_help():
    r = run("word2vec")
    assert r.returncode == 2 and "Usage" in r.stdout and "train" in r.stdout
