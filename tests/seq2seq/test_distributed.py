"""Training on two processes (torchrun, gloo): both ranks hold the same weights, and they equal one
process that accumulates the same two batches per step; the CLI runs unchanged under torchrun."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from illustrated.seq2seq import Trainer, Translator
from illustrated.seq2seq.toy import french_english

from . import ddp_worker

STEPS = 12   # crosses an epoch boundary (9 steps an epoch)


def torchrun(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                           *args], capture_output=True, text=True, timeout=timeout)


def test_two_ranks_hold_identical_weights_equal_to_one_process_with_the_same_batches(tmp_path):
    r = torchrun(str(Path(ddp_worker.__file__)), str(tmp_path), str(STEPS))
    assert r.returncode == 0, r.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{i}.pt", weights_only=True) for i in range(2)]
    assert ranks[0]["world"] == 2
    for k, v in ranks[0]["model"].items():
        assert torch.equal(v, ranks[1]["model"][k]), k              # bit-identical across ranks
    assert ranks[0]["losses"] == ranks[1]["losses"] and len(ranks[0]["losses"]) == STEPS

    torch.set_num_threads(1)
    model = ddp_worker.build()
    single = Trainer(model, ddp_worker.train_config(STEPS, accumulate=2), tmp_path / "single", progress=False)
    single.fit(ddp_worker.data())
    assert single.losses == pytest.approx(ranks[0]["losses"], rel=1e-5)
    for k, v in model.state_dict().items():
        torch.testing.assert_close(v, ranks[0]["model"][k], rtol=1e-4, atol=1e-5, msg=k)
    # and the updates were not trivially zero
    start = ddp_worker.build().state_dict()
    assert any(not torch.allclose(v, start[k]) for k, v in model.state_dict().items())


def test_the_cli_trains_unchanged_under_torchrun(tmp_path):
    pairs = french_english()
    for lang, col in (("fr", 0), ("en", 1)):
        (tmp_path / f"train.{lang}").write_text("".join(p[col] + "\n" for p in pairs), encoding="utf-8")
    out = tmp_path / "model"
    r = torchrun("-m", "illustrated.cli", "translate", "train", "--arch", "transformer", "--train",
                 str(tmp_path / "train"), "--src", "fr", "--tgt", "en", "-o", str(out), "--bpe-vocab", "120",
                 "--d-model", "32", "--heads", "2", "--ff-dim", "64", "--layers", "1", "--max-tokens", "400",
                 "--epochs", "2", "--threads", "1")
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count("trained ") == 1                        # rank 0 alone reports
    assert {"config.json", "model.pt", "checkpoint.pt", "metrics.jsonl"} <= {p.name for p in out.iterdir()}
    ck = torch.load(out / "checkpoint.pt", weights_only=True)
    assert len(ck["rng_ranks"]) == 2 and ck["epoch"] == 2
    [t] = Translator.load(out).translate(["je suis étudiant"], beam=2)
    assert t.cross_attention.shape[:2] == (1, 2)
