"""Training with side information killed with SIGKILL while saving its checkpoint and at a random
moment, then resumed: the model file is the uninterrupted run's, bit for bit (one thread, one
seed), and a checkpoint of other attributes is refused."""

from __future__ import annotations

import random

from illustrated.recommend.synthetic import genre_sessions

from ..crash import after_change, kill_when, run, temporaries, while_saving


def _data():
    return genre_sessions(n_genres=5, tracks_per_genre=30, n_sessions=800, seed=1)


def _held() -> set[str]:
    return set(sorted(_data().genre_of)[:10])     # never played: cold items


def _files(tmp_path):
    data, held = _data(), _held()
    sessions = tmp_path / "sessions.txt"
    sessions.write_text("\n".join(",".join(t for t in s if t not in held)
                                  for s in data.sessions * 3) + "\n")
    attrs = tmp_path / "tracks.tsv"
    attrs.write_text("id\tgenre\tshelf\n" + "".join(f"{t}\t{g}\t{int(t[1:]) % 4}\n"
                                                    for t, g in data.genre_of.items()))
    return sessions, attrs


def test_training_with_attributes_killed_anywhere_resumes_to_the_same_model(tmp_path):
    from illustrated.recommend import Recommender
    from illustrated.recommend.checkpoint import checkpoint_path
    from illustrated.word2vec.eges import EgesWord2Vec

    sessions, attrs = _files(tmp_path)
    settings = ("--dim", "24", "--epochs", "12", "--threads", "1", "--window", "5",
                "--attributes", attrs, "--market-col", "shelf")
    ref = tmp_path / "ref.npz"
    r = run("recommend", "train", sessions, "-o", ref, *settings)
    assert r.returncode == 0, r.stderr
    assert not checkpoint_path(ref).exists() and Recommender.load(ref).is_cold(sorted(_held())[0])
    out = tmp_path / "run" / "m.npz"
    out.parent.mkdir()
    train = ("recommend", "train", sessions, "-o", out, *settings)
    ckpt = checkpoint_path(out)
    assert kill_when(while_saving(out.parent, over=ckpt), *train), "finished before a second save"
    EgesWord2Vec.load(ckpt)
    kill_when(after_change(ckpt, random.Random(2).uniform(0, 0.1)), *train, "--resume")
    resumable = ckpt.exists()
    r = run(*train, "--resume")
    assert r.returncode == 0 and ("resuming from" in r.stdout) == resumable, r.stderr
    assert out.read_bytes() == ref.read_bytes()
    assert not ckpt.exists() and temporaries(tmp_path) == []


def test_resume_refuses_a_checkpoint_of_other_attributes(tmp_path):
    sessions, attrs = _files(tmp_path)
    out = tmp_path / "m.npz"
    train = ("recommend", "train", sessions, "-o", out, "--dim", "8", "--epochs", "40",
             "--threads", "1", "--attributes", attrs)
    assert kill_when(after_change(tmp_path / "m.checkpoint.npz", 0), *train)
    attrs.write_text(attrs.read_text().replace("\trock\t", "\tpop\t"))
    r = run(*train, "--resume")
    assert r.returncode == 1 and "made from other attributes, markets or conversions" in r.stderr
    assert r.stderr.count("\n") == 1
