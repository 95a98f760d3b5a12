"""Training state: exact resume, safe checkpoints, metrics log."""

import json

import pytest
import torch

from illustrated.errors import FormatError, TrainingError
from illustrated.seq2seq import Seq2Seq, TrainConfig, Trainer
from illustrated.seq2seq.trainer import load_torch

from .helpers import reverse_data, tiny_config


def _trainer(tmp, **kw):
    torch.manual_seed(7)
    model = Seq2Seq(tiny_config(dropout=0.3))
    cfg = TrainConfig(epochs=2, batch_size=16, lr=3e-3, patience=0, log_every=5, **kw)
    return Trainer(model, cfg, tmp, progress=False)


def test_resuming_reproduces_the_next_steps_exactly(tmp_path):
    data = reverse_data(400)                      # 25 batches an epoch; the cut falls mid-epoch 2
    full = _trainer(tmp_path / "full")
    full.fit(data)
    assert len(full.losses) == 50
    first = _trainer(tmp_path / "cut", max_steps=33)
    first.fit(data)
    assert first.step == 33 and first.losses == full.losses[:33]
    torch.manual_seed(12345)                      # a different RNG state must not matter
    second = _trainer(tmp_path / "cut")
    second.resume()
    assert (second.step, second.epoch, second.batch_in_epoch) == (33, 1, 8)
    second.fit(data)
    assert second.losses[0] == full.losses[33]    # exactly, not approximately
    assert second.losses == full.losses[33:]
    for k, v in full.model.state_dict().items():
        assert torch.equal(v, second.model.state_dict()[k]), k


def test_checkpoint_loads_with_weights_only_and_metrics_are_logged(tmp_path):
    t = _trainer(tmp_path)
    t.fit(reverse_data(200))
    ck = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert ck["step"] == 26 and set(ck) >= {"model", "optimizer", "scheduler", "rng"}
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert records and set(records[0]) == {"step", "epoch", "loss", "lr", "tokens_per_s"}
    assert [r["step"] for r in records if "loss" in r] == [5, 10, 15, 20, 25]
    totals = records[-1]                          # the run's totals close the log
    assert totals["steps"] == 26 and totals["train_tokens"] == sum(b.n_tokens for e in range(2)
                                                                    for b in t.epoch_batches(reverse_data(200), e))
    assert totals["train_seconds"] > 0


def test_damaged_or_missing_checkpoints_are_clear_errors(tmp_path):
    with pytest.raises(FormatError, match="no such checkpoint"):
        load_torch(tmp_path / "checkpoint.pt")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"PK\x03\x04 definitely not a checkpoint")
    with pytest.raises(FormatError, match="not a readable checkpoint"):
        load_torch(bad)
    t = _trainer(tmp_path / "t", max_steps=2)
    t.fit(reverse_data(100))
    ck = tmp_path / "t" / "checkpoint.pt"
    ck.write_bytes(ck.read_bytes()[: ck.stat().st_size // 2])   # truncated
    with pytest.raises(FormatError, match=r"not a readable checkpoint \(truncated or damaged\)"):
        _trainer(tmp_path / "t").resume()
    bad.write_text("{\"model\": 1}")
    with pytest.raises(FormatError, match="not a torch checkpoint file"):
        load_torch(bad)
    bad.write_bytes(b"")
    with pytest.raises(FormatError, match="empty file, expected a checkpoint"):
        load_torch(bad)


def test_trainer_accepts_a_distributed_data_parallel_model(tmp_path):
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'rendezvous'}", rank=0, world_size=1)
    try:
        torch.manual_seed(7)
        ddp = DistributedDataParallel(Seq2Seq(tiny_config()))
        t = Trainer(ddp, TrainConfig(epochs=1, batch_size=16, patience=0), tmp_path, progress=False)
        t.fit(reverse_data(64))
        ck = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
        assert t.step == 4 and not any(k.startswith("module.") for k in ck["model"])
        Seq2Seq(tiny_config()).load_state_dict(ck["model"])
    finally:
        dist.destroy_process_group()


def test_a_diverged_run_stops_and_writes_no_weights(tmp_path):
    t = _trainer(tmp_path / "nan")
    with torch.no_grad():
        t.raw.output.weight[5, 0] = float("nan")
    with pytest.raises(TrainingError, match="loss is not finite at step 1"):
        t.fit(reverse_data(64))
    with pytest.raises(TrainingError, match=r"checkpoint.pt: not written: weight .* holds NaN"):
        t.save_checkpoint()
    assert not (tmp_path / "nan" / "checkpoint.pt").exists() and not (tmp_path / "nan" / "model.pt").exists()
