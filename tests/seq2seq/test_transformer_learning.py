"""The Transformer learns: a toy copy task to 100 %, exact resume of the next step's loss, and
every documented setting range trains (finite outputs, falling loss)."""

import json

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from illustrated.seq2seq import ParallelData, Transformer, TransformerConfig, TransformerTrainConfig, Trainer
from illustrated.seq2seq.toy import reverse_digits

from .helpers import DIGIT_VOCAB, digit_ids
from .test_learning import sequence_accuracy

EOS = 3


def copy_data(n: int, seed: int = 0) -> ParallelData:
    """Digit strings to copy; each source ends with </s>, as the Transformer's data setting adds it."""
    pairs = reverse_digits(n, max_len=8, seed=seed)
    return ParallelData([digit_ids(s) + [EOS] for s, _ in pairs], [digit_ids(s) for s, _ in pairs])


def config(**kw) -> TransformerConfig:
    base = dict(src_vocab_size=DIGIT_VOCAB, tgt_vocab_size=DIGIT_VOCAB, d_model=64, heads=4, ff_dim=128,
                encoder_layers=2, decoder_layers=2, dropout=0.0, attention_dropout=0.0)
    base.update(kw)
    return TransformerConfig(**base)


@pytest.fixture
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_learns_to_copy_digit_sequences_perfectly(tmp_path, one_thread):
    torch.manual_seed(0)
    model = Transformer(config())
    Trainer(model, TransformerTrainConfig(epochs=16, max_tokens=None, batch_size=32, lr=1e-3, warmup=100, clip=1.0,
                                          label_smoothing=0.0, average_last=0), tmp_path, progress=False
            ).fit(copy_data(5000))
    assert sequence_accuracy(model, copy_data(500, seed=1)) == 1.0       # every sequence, every digit


def test_an_untrained_transformer_does_not_copy():
    torch.manual_seed(0)
    assert sequence_accuracy(Transformer(config()), copy_data(300, seed=1)) < 0.05


def _trainer(tmp, epochs=2, **kw):
    torch.manual_seed(7)
    model = Transformer(config(d_model=32, ff_dim=64, dropout=0.2, attention_dropout=0.1))
    cfg = TransformerTrainConfig(epochs=epochs, max_tokens=120, lr=2e-3, warmup=10, label_smoothing=0.1,
                                 average_last=2, log_every=5, **kw)
    return Trainer(model, cfg, tmp, progress=False)


def test_resume_reproduces_the_next_steps_loss_exactly(tmp_path):
    data = copy_data(300)
    full = _trainer(tmp_path / "full")
    full.fit(data)
    cut_at = len(full.losses) * 3 // 4                 # inside the second epoch
    first = _trainer(tmp_path / "cut", max_steps=cut_at)
    first.fit(data)
    assert first.losses == full.losses[:cut_at]
    torch.manual_seed(12345)                           # a different RNG state must not matter
    second = _trainer(tmp_path / "cut")
    second.resume()
    assert second.step == cut_at and second.optimizer.param_groups[0]["lr"] == first.optimizer.param_groups[0]["lr"]
    second.fit(data)
    assert second.losses[0] == full.losses[cut_at]     # bit-identical: dropout, schedule, batches
    assert second.losses == full.losses[cut_at:]
    for k, v in full.raw.state_dict().items():
        assert torch.equal(v, second.raw.state_dict()[k]), k
    # the last two epochs were averaged in both runs, identically
    a = torch.load(tmp_path / "full" / "averaged.pt", weights_only=True)
    b = torch.load(tmp_path / "cut" / "averaged.pt", weights_only=True)
    assert a["epochs"] == b["epochs"] == [1, 2]
    for k in a["model"]:
        assert torch.equal(a["model"][k], b["model"][k])


def test_warmup_then_inverse_square_root(tmp_path):
    t = _trainer(tmp_path, epochs=5, max_steps=40)
    t.fit(copy_data(300))
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    lrs = {r["step"]: r["lr"] for r in records if "lr" in r}
    # the rate for the next step after `step` steps: peak · min((s+1)/10, √(10/(s+1)))
    assert lrs[5] == pytest.approx(2e-3 * 6 / 10)
    assert lrs[20] == pytest.approx(2e-3 * (10 / 21) ** 0.5)
    assert lrs[40] == pytest.approx(2e-3 * (10 / 41) ** 0.5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(heads=st.sampled_from([1, 2, 4]), layers=st.integers(1, 3), norm=st.sampled_from(["pre", "post"]),
       positions=st.sampled_from(["sinusoidal", "learned"]), share=st.booleans(), tie=st.booleans(),
       dropout=st.sampled_from([0.0, 0.1, 0.3]), smoothing=st.sampled_from([0.0, 0.1]),
       scale=st.booleans())
def test_every_documented_setting_trains(tmp_path, heads, layers, norm, positions, share, tie, dropout,
                                         smoothing, scale):
    torch.manual_seed(0)
    model = Transformer(config(d_model=16, heads=heads, ff_dim=32, encoder_layers=layers, decoder_layers=layers,
                               norm=norm, positions=positions, share_embeddings=share, tie_output=tie,
                               dropout=dropout, attention_dropout=dropout, scale_embeddings=scale, max_positions=64))
    data = copy_data(64)
    t = Trainer(model, TransformerTrainConfig(epochs=20, max_tokens=None, batch_size=64, lr=3e-3, warmup=2,
                                              label_smoothing=smoothing, average_last=0), tmp_path, progress=False)
    t.fit(data)
    assert all(torch.isfinite(torch.tensor(t.losses)))
    assert t.losses[-1] < t.losses[0] - 0.3
    batch = data.batches(batch_size=64)[0]
    logits, _ = model.eval()(batch.src, batch.src_lengths, batch.tgt_in)
    assert torch.isfinite(logits).all()


def test_bf16_training_learns_the_copy_task_and_keeps_float32_weights(tmp_path, one_thread):
    torch.manual_seed(0)
    model = Transformer(config())
    trainer = Trainer(model, TransformerTrainConfig(epochs=16, max_tokens=None, batch_size=32, lr=1e-3, warmup=100,
                                                    clip=1.0, label_smoothing=0.0, average_last=0,
                                                    precision="bf16"), tmp_path, progress=False)
    trainer.fit(copy_data(5000))
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert sequence_accuracy(model, copy_data(500, seed=1)) >= 0.99


def test_bf16_steps_differ_from_fp32_and_resume_exactly(tmp_path):
    data = copy_data(300)
    fp32 = _trainer(tmp_path / "fp32", max_steps=6)
    fp32.fit(data)
    full = _trainer(tmp_path / "full", precision="bf16")
    full.fit(data)
    assert full.losses[:6] != fp32.losses              # the setting reaches the forward pass
    cut = _trainer(tmp_path / "cut", max_steps=len(full.losses) // 2, precision="bf16")
    cut.fit(data)
    second = _trainer(tmp_path / "cut", precision="bf16")
    second.resume()
    second.fit(data)
    assert cut.losses + second.losses == full.losses


def test_an_unknown_precision_is_a_config_error():
    from illustrated.errors import ConfigError

    with pytest.raises(ConfigError, match="precision: expected one of fp32, bf16, got 'fp16'"):
        TransformerTrainConfig(precision="fp16")
