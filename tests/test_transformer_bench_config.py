"""The Transformer benchmark gives both systems the same settings: every shared setting appears, with the
same value, in our command and in JoeyNMT's configuration; the deliberate differences are listed."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import transformer_vs_joeynmt as bench  # noqa: E402

from illustrated.seq2seq import TransformerConfig, TransformerDataConfig, TransformerTrainConfig  # noqa: E402

DATA, OUT = Path("/data"), Path("/out")


@pytest.fixture(scope="module")
def settings():
    return bench.shared_settings(epochs=7)


def flags(command: list[str]) -> dict[str, str | bool]:
    """``--name value`` pairs and ``--flag``/``--no-flag`` switches of a command line."""
    out, i = {}, 0
    args = command[command.index("train") + 1:]
    while i < len(args):
        name = args[i].removeprefix("--").removeprefix("-")
        if i + 1 < len(args) and not args[i + 1].startswith("-"):
            out[name] = args[i + 1]
            i += 2
        else:
            out[name.removeprefix("no-")] = not name.startswith("no-")
            i += 1
    return out


def test_the_shared_settings_are_our_defaults(settings):
    model, data, train = TransformerConfig(), TransformerDataConfig(), TransformerTrainConfig()
    for key, value in settings.items():
        for cfg in (model, data, train):
            if hasattr(cfg, key) and key not in ("epochs", "seed", "lowercase"):   # the benchmark lowercases
                expected = list(getattr(cfg, key)) if isinstance(value, list) else getattr(cfg, key)
                assert value == expected, key


def test_our_command_spells_out_every_shared_setting(settings):
    f = flags(bench.our_command(DATA, OUT, settings, threads=2))
    cli_name = {"src_lang": "src", "tgt_lang": "tgt"}
    skip = {"beam", "alpha", "adam_betas", "adam_eps", "scale_embeddings"}    # decoding / dataclass defaults
    for key, value in settings.items():
        if key in skip:
            continue
        name = cli_name.get(key, key.replace("_", "-"))
        assert name in f, key
        got = f[name]
        if key == "max_tokens":
            assert int(got) == value, key          # one process: the whole batch
        elif isinstance(value, bool):
            assert got is value, key
        else:
            assert type(value)(got) == value, key
    assert f["arch"] == "transformer" and f["average-last"] == "0" and f["threads"] == "2"


def test_two_processes_share_each_step_of_the_same_size(settings):
    command = bench.our_command(DATA, OUT, settings, threads=1, procs=2)
    assert command[1:6] == ["-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    assert int(flags(command)["max-tokens"]) * 2 == settings["max_tokens"]


def test_joeynmt_is_configured_with_the_same_settings(settings):
    j = bench.joey_config(DATA, OUT, settings)
    model, train, data, test = j["model"], j["training"], j["data"], j["testing"]
    for side in ("encoder", "decoder"):
        stack = model[side]
        assert stack["type"] == "transformer" and stack["num_heads"] == settings["heads"]
        assert stack["hidden_size"] == stack["embeddings"]["embedding_dim"] == settings["d_model"]
        assert stack["ff_size"] == settings["ff_dim"] and stack["layer_norm"] == settings["norm"]
        assert stack["dropout"] == stack["embeddings"]["dropout"] == settings["dropout"]
        assert stack["embeddings"]["scale"] == settings["scale_embeddings"] and stack["activation"] == "relu"
    assert model["encoder"]["num_layers"] == settings["encoder_layers"]
    assert model["decoder"]["num_layers"] == settings["decoder_layers"]
    # JoeyNMT drops out attention weights at its one dropout rate and has only sinusoidal positions
    assert settings["attention_dropout"] == settings["dropout"] and settings["positions"] == "sinusoidal"
    assert model["tied_embeddings"] == settings["share_embeddings"] and model["tied_softmax"] == settings["tie_output"]
    assert data["src"]["voc_file"] == data["trg"]["voc_file"] and settings["joint_vocab"]
    assert data["src"]["max_length"] == data["trg"]["max_length"] == settings["max_len"]
    assert TransformerDataConfig().source_eos        # JoeyNMT ends every source with </s> too
    assert train["epochs"] == settings["epochs"] == 7
    assert (train["batch_type"], train["batch_size"], train["batch_multiplier"]) == ("token", settings["max_tokens"], 1)
    assert train["optimizer"] == "adamw" and train["weight_decay"] == 0.0       # AdamW without decay is Adam
    assert train["adam_betas"] == settings["adam_betas"] and settings["adam_eps"] == 1e-8   # torch's default
    assert train["learning_rate"] == settings["lr"] and settings["schedule"] == "inverse_sqrt"
    assert train["scheduling"] == "warmupinversesquareroot" and train["learning_rate_warmup"] == settings["warmup"]
    assert train["label_smoothing"] == settings["label_smoothing"] and train["normalization"] == "tokens"
    assert settings["clip"] == 0 and "clip_grad_norm" not in train and "clip_grad_val" not in train
    assert j["random_seed"] == settings["seed"] and j["fp16"] is False and j["use_cuda"] is False
    assert (test["beam_size"], test["beam_alpha"]) == (settings["beam"], settings["alpha"])
    assert test["sacrebleu_cfg"] == {"tokenize": "13a", "lowercase": True}


def test_the_deliberate_differences_are_listed():
    assert set(bench.DIFFERENCES) == {"batching", "initialisation", "label_smoothing", "averaging", "valid",
                                      "input", "test_batches", "vocabulary_order"}
    for reason in bench.DIFFERENCES.values():
        assert len(reason) > 40
