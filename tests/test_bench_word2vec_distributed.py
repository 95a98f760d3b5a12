"""The distributed benchmark runs the anchor (one process) and the multi-process command with the
same settings: only the launcher, the threads and the sync options differ."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import word2vec_distributed as bench  # noqa: E402

SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5, epochs=5, seed=1,
                sync_rows=2048)


def options(cmd: list[str]) -> dict[str, str]:
    args = cmd[cmd.index("train") + 1:]
    out, key = {}, None
    for a in args:
        if a.startswith("--"):
            key = a
            out[key] = ""
        elif key is not None:
            out[key] = a
            key = None
    return out


def test_the_anchor_and_the_ranks_share_every_setting():
    c, o, log = Path("corpus.txt"), Path("m.npz"), Path("log.jsonl")
    one = bench.command(c, o, log, "sg", SETTINGS, 1, 1, None, None)
    two = bench.command(c, o, log, "sg", SETTINGS, 2, 1, 30000, "sum")
    assert "torch.distributed.run" not in one and two[two.index("--nproc_per_node") + 1] == "2"
    a, b = options(one), options(two)
    differ = {k for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
    assert differ == {"--sync-words", "--sync-merge", "--sync-rows"}
    assert b["--sync-rows"] == "2048" and a["--sg"] == "" and a["--threads"] == "1"
    assert options(bench.command(c, o, log, "sg", SETTINGS, 1, 2, None, None))["--threads"] == "2"
