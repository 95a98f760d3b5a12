"""``recommend train`` under torchrun: two processes train one model, rank 0 writes it, and it
recommends as well as one process's."""

import subprocess
import sys

from illustrated.recommend import Recommender


def test_two_processes_train_one_recommender(tmp_path, genres):
    sessions = tmp_path / "sessions.txt"
    sessions.write_text("\n".join(",".join(s) for s in genres.sessions[:300]) + "\n")
    model = tmp_path / "m.npz"
    r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                        "--nproc_per_node", "2", "-m", "illustrated.cli", "recommend", "train",
                        str(sessions), "-o", str(model), "--hold-out", "--held-out", "2",
                        "--epochs", "10", "--dim", "16", "--threads", "1"],
                       capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count("wrote ") == 1 and r.stdout.count("read ") == 1
    assert len(Recommender.load(model)) > 0
    r = subprocess.run([sys.executable, "-m", "illustrated.cli", "recommend", "evaluate", str(model),
                        "--test", str(sessions), "--held-out", "2"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    header = lines[1].split()
    table = {line[:22].strip(): dict(zip(header, map(float, line[22:].split()))) for line in lines[2:]}
    assert table["item2vec"]["HR@10"] > 2 * table["most popular"]["HR@10"]
