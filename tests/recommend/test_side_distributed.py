"""``recommend train`` with side information under torchrun: two processes train one model with
attributes, conversions and markets (the weights and the logits of the weights averaged), rank 0
writes it, and its cold items find neighbours of their genre."""

import subprocess
import sys

import numpy as np

from illustrated.recommend import Recommender


def test_two_processes_train_one_recommender_with_side_information(tmp_path, genres):
    held = set(sorted(genres.genre_of)[:8])
    sessions = [[t for t in s if t not in held] for s in genres.sessions[:400]]
    log = tmp_path / "sessions.txt"
    log.write_text("\n".join(",".join(s) for s in sessions) + "\n")
    attrs = tmp_path / "tracks.tsv"
    attrs.write_text("id\tgenre\tshelf\n" + "".join(f"{t}\t{g}\t{int(t[1:]) % 3}\n"
                                                   for t, g in genres.genre_of.items()))
    conversions = tmp_path / "conversions.tsv"
    conversions.write_text("".join(f"{n + 1}\t{s[-1]}\n" for n, s in enumerate(sessions) if s))
    model = tmp_path / "m.npz"
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                        "--nproc_per_node", "2", "-m", "illustrated.cli", "recommend", "train",
                        str(log), "-o", str(model), "--epochs", "10", "--dim", "16", "--threads", "1",
                        "--attributes", str(attrs), "--conversions", str(conversions),
                        "--market-col", "shelf"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count("wrote ") == 1 and "cold items (attributes, no events to learn from): 8" in r.stdout
    rec = Recommender.load(model)
    answers = {item: rec.similar(item, 10) for item in held}
    assert all(a.cold for a in answers.values())
    same = [genres.genre_of[i] == genres.genre_of[item] for item, a in answers.items() for i in a.items]
    assert np.mean(same) > 0.6      # one genre in five: 0.2 by chance
