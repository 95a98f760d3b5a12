"""Training killed with SIGKILL (a real process, a real kill) in the middle of a save and at a
random moment, then resumed: the files are never torn, no temporary file is left, and the result
is the uninterrupted run's, bit for bit (one thread, one seed)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from illustrated.recommend.synthetic import genre_sessions

from .crash import after_change, kill_when, run, temporaries, while_saving


@pytest.fixture(scope="module")
def genres():
    return genre_sessions(n_genres=5, tracks_per_genre=30, n_sessions=800, seed=1)


def _kill_twice_then_finish(train: tuple, out, load, rng: random.Random, epoch_s: float) -> None:
    """Kill the run while it writes a file, kill its resumption at a random moment after its
    next checkpoint, then resume to the end; every file left between the runs must load."""
    assert kill_when(while_saving(out.parent, over=out), *train), "finished before a second save"
    assert temporaries(out.parent)   # killed while writing: its temporary file is left...
    load(out)                        # ...and the file is the previous version or the new one, whole
    if not kill_when(after_change(out, rng.uniform(0, epoch_s)), *train, "--resume"):
        load(out)   # the resumption finished before its moment came: nothing left to resume
        return
    if out.exists():
        load(out)
    r = run(*train, "--resume")
    # killed after its last write: the finished run is refused, as any finished run is
    assert r.returncode == 0 or "has already been trained" in r.stderr, r.stderr


def test_word2vec_killed_anywhere_resumes_to_the_same_file(tmp_path):
    from illustrated.word2vec import Word2Vec
    from illustrated.word2vec.planted import planted_corpus

    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in planted_corpus(3000, seed=1)) + "\n")
    settings = ("--dim", "48", "--epochs", "6", "--min-count", "1", "--sample", "0",
                "--threads", "1", "--seed", "3")
    ref = tmp_path / "ref.npz"
    r = run("word2vec", "train", corpus, "-o", ref, *settings)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "run" / "m.npz"
    out.parent.mkdir()
    _kill_twice_then_finish(("word2vec", "train", corpus, "-o", out, *settings), out,
                            Word2Vec.load, random.Random(1), 0.15)
    assert out.read_bytes() == ref.read_bytes()
    assert temporaries(tmp_path) == []
    r = run("word2vec", "train", corpus, "-o", out, *settings, "--resume")
    assert r.returncode == 0 and "nothing to resume" in r.stdout, r.stderr
    assert out.read_bytes() == ref.read_bytes()


def test_recommend_killed_anywhere_resumes_to_the_same_model(tmp_path, genres):
    from illustrated.recommend import Recommender
    from illustrated.recommend.checkpoint import checkpoint_path
    from illustrated.word2vec import Word2Vec

    sessions = tmp_path / "sessions.txt"
    sessions.write_text("\n".join(",".join(s) for s in genres.sessions * 3) + "\n")
    settings = ("--dim", "32", "--epochs", "12", "--threads", "1", "--window", "5")
    ref = tmp_path / "ref.npz"
    r = run("recommend", "train", sessions, "-o", ref, *settings)
    assert r.returncode == 0, r.stderr
    assert not checkpoint_path(ref).exists()    # removed once the model is written
    out = tmp_path / "run" / "m.npz"
    out.parent.mkdir()
    train = ("recommend", "train", sessions, "-o", out, *settings)
    ckpt = checkpoint_path(out)
    assert kill_when(while_saving(out.parent, over=ckpt), *train), "finished before a second save"
    Word2Vec.load(ckpt)
    kill_when(after_change(ckpt, random.Random(2).uniform(0, 0.1)), *train, "--resume")
    resumable = ckpt.exists()
    r = run(*train, "--resume")
    assert r.returncode == 0 and ("resuming from" in r.stdout) == resumable, r.stderr
    assert out.read_bytes() == ref.read_bytes()
    assert not ckpt.exists() and temporaries(tmp_path) == []


def test_recommend_resume_refuses_a_checkpoint_of_other_sessions(tmp_path, genres):
    sessions = tmp_path / "sessions.txt"
    sessions.write_text("\n".join(",".join(s) for s in genres.sessions) + "\n")
    out = tmp_path / "m.npz"
    train = ("recommend", "train", sessions, "-o", out, "--dim", "8", "--epochs", "40", "--threads", "1")
    assert kill_when(after_change(tmp_path / "m.checkpoint.npz", 0), *train)
    r = run(*train, "--resume", "--dim", "9")
    assert r.returncode == 1 and "made from other settings" in r.stderr, r.stderr
    sessions.write_text("\n".join(",".join(s) for s in genres.sessions[1:]) + "\n")
    r = run(*train, "--resume")
    assert r.returncode == 1 and "made from other sessions" in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1


@pytest.mark.slow
def test_translate_killed_anywhere_resumes_to_the_same_weights(tmp_path):
    import torch

    from illustrated.seq2seq.toy import french_english, held_out
    from illustrated.seq2seq.trainer import load_torch

    pairs, valid = held_out(french_english()[:160], 10)
    for split, rows in (("train", pairs), ("valid", valid)):
        (tmp_path / f"{split}.fr").write_text("".join(f"{f}\n" for f, _ in rows), encoding="utf-8")
        (tmp_path / f"{split}.en").write_text("".join(f"{e}\n" for _, e in rows), encoding="utf-8")
    settings = ("--train", tmp_path / "train", "--valid", tmp_path / "valid", "--src", "fr",
                "--tgt", "en", "--emb-dim", "16", "--hidden-dim", "32", "--epochs", "3",
                "--batch-size", "16", "--checkpoint-every", "2", "--dropout", "0.2",
                "--average-last", "2", "--threads", "1")
    r = run("translate", "train", *settings, "-o", tmp_path / "ref")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "run"
    train = ("translate", "train", *settings, "-o", out)
    _kill_twice_then_finish(train, out / "checkpoint.pt", load_torch, random.Random(3), 1.0)
    assert temporaries(tmp_path) == []
    for name in ("model.pt", "averaged.pt", "checkpoint.pt"):
        got, want = load_torch(out / name), load_torch(tmp_path / "ref" / name)
        assert got["model"].keys() == want["model"].keys()
        for k, t in want["model"].items():
            assert torch.equal(got["model"][k], t), (name, k)
    assert np.array_equal(load_torch(out / "checkpoint.pt")["rng"], load_torch(tmp_path / "ref" / "checkpoint.pt")["rng"])


def test_translate_resume_after_the_last_epoch_finishes_the_averaging(tmp_path):
    """Killed between the last epoch's checkpoint and the averaging: ``--resume`` does only the
    averaging (a finished run is refused)."""
    import torch

    from illustrated.seq2seq.folder import write_weights
    from illustrated.seq2seq.toy import french_english, held_out
    from illustrated.seq2seq.trainer import load_torch

    pairs, valid = held_out(french_english()[:80], 10)
    for split, rows in (("train", pairs), ("valid", valid)):
        (tmp_path / f"{split}.fr").write_text("".join(f"{f}\n" for f, _ in rows), encoding="utf-8")
        (tmp_path / f"{split}.en").write_text("".join(f"{e}\n" for _, e in rows), encoding="utf-8")
    out = tmp_path / "run"
    train = ("translate", "train", "--train", tmp_path / "train", "--valid", tmp_path / "valid",
             "--src", "fr", "--tgt", "en", "--emb-dim", "8", "--hidden-dim", "16", "--epochs", "2",
             "--average-last", "2", "--threads", "1", "-o", out)
    assert run(*train).returncode == 0
    want = load_torch(out / "averaged.pt")["model"]
    r = run(*train, "--resume")
    assert r.returncode == 1 and "has already been trained for 2 epochs" in r.stderr
    ck = load_torch(out / "checkpoint.pt")
    ck["finished"] = False   # as the checkpoint of the last epoch is before its averaging
    write_weights(out / "checkpoint.pt", ck, True)
    (out / "averaged.pt").unlink()
    r = run(*train, "--resume")
    assert r.returncode == 0 and "finishing the run" in r.stdout, r.stderr
    got = load_torch(out / "averaged.pt")["model"]
    assert all(torch.equal(got[k], t) for k, t in want.items())
    assert load_torch(out / "checkpoint.pt")["finished"] is True
