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
    skip = {"beam", "alpha", "test_batch", "adam_betas", "adam_eps", "scale_embeddings"}   # decoding / dataclass defaults
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
    assert (test["batch_size"], test["batch_type"]) == (settings["test_batch"], "sentence")   # as ours: 64 sentences
    assert test["sacrebleu_cfg"] == {"tokenize": "13a", "lowercase": True}


def test_the_deliberate_differences_are_listed():
    assert set(bench.DIFFERENCES) == {"batching", "initialisation", "label_smoothing", "averaging", "valid",
                                      "input", "learning_rate_schedule", "max_output", "vocabulary_order"}
    for reason in bench.DIFFERENCES.values():
        assert len(reason) > 40


# ---- the anchor's own resolved settings ---------------------------------------------------------
# JoeyNMT is not a dependency of the tests (it pins other versions than ours): it lives in a
# virtualenv of its own (bench/README.md), and these tests read it there in a subprocess, or skip.
ROOT = Path(__file__).resolve().parents[1]


def _joey_python() -> str:
    import os

    python = os.environ.get("JOEYNMT_PYTHON") or str(ROOT / ".venv-joey" / "bin" / "python")
    if not Path(python).exists():
        pytest.skip("JoeyNMT's virtualenv is absent (set JOEYNMT_PYTHON or make .venv-joey, see bench/README.md)")
    return python


TOKENS = [f"w{i}" for i in range(60)] + ["▁a", "▁b"]


def joey_resolved(tmp: Path, s: dict) -> dict:
    """What JoeyNMT itself builds from the benchmark's configuration: its parsed settings, model,
    optimizer and scheduler (``joeynmt_transformer_driver.py inspect``), on a tiny data set."""
    import json
    import subprocess

    python = _joey_python()
    data = tmp / "data"
    (data / "pieces").mkdir(parents=True)
    (data / "joint.vocab").write_text("".join(t + "\n" for t in TOKENS), encoding="utf-8")
    for split in ("train", "val", "test"):
        for lang in ("de", "en"):
            (data / "pieces" / f"{split}.{lang}").write_text("w1 w2 w3\nw4 w5\n" * 4, encoding="utf-8")
    cfg = tmp / "joey.json"
    cfg.write_text(json.dumps(bench.joey_config(data, tmp / "model", s)))
    proc = subprocess.run([python, str(ROOT / "bench" / "joeynmt_transformer_driver.py"), "inspect", str(cfg)],
                          capture_output=True, text=True, timeout=300)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("JOEY_RESOLVED ")), None)
    assert proc.returncode == 0 and line, proc.stderr[-3000:]
    return json.loads(line[len("JOEY_RESOLVED "):])


def ours_resolved(s: dict, tmp: Path) -> dict:
    """What our ``translate train`` builds from the benchmark's command line: the configs the
    real command parses, the model they describe, and the trainer's optimizer and schedule."""
    import torch
    import typer.main

    from illustrated.commands import translate
    from illustrated.seq2seq import Trainer
    from illustrated.seq2seq.archs import build_model

    argv = bench.our_command(DATA, OUT, s, threads=1)
    argv = argv[argv.index("train") + 1:]
    options = typer.main.get_command(translate.app).commands["train"].make_context("train", argv).params
    data, model_cfg, train = translate._train_configs(options["arch"], options)
    n_vocab = 4 + len(TOKENS)                    # <pad> <unk> <s> </s>, then the shared pieces
    model_cfg.src_vocab_size = model_cfg.tgt_vocab_size = n_vocab
    model = build_model(model_cfg)
    trainer = Trainer(model, train, tmp / "ours", progress=False)
    group = trainer.optimizer.param_groups[0]
    return {"parameters": sum(p.numel() for p in model.parameters()), "vocab": [n_vocab, n_vocab],
            "encoder_layers": model_cfg.encoder_layers, "decoder_layers": model_cfg.decoder_layers,
            "d_model": model_cfg.d_model, "heads": model_cfg.heads, "ff_dim": model_cfg.ff_dim,
            "norm": model_cfg.norm, "dropout": model_cfg.dropout, "attention_dropout": model_cfg.attention_dropout,
            "scale_embeddings": model_cfg.scale_embeddings, "share_embeddings": model_cfg.share_embeddings,
            "tie_output": model_cfg.tie_output, "label_smoothing": train.label_smoothing,
            "optimizer": type(trainer.optimizer).__name__, "adam_betas": list(group["betas"]),
            "adam_eps": group["eps"], "weight_decay": group["weight_decay"], "first_update_lr": group["lr"],
            "warmup": train.warmup, "peak_lr": train.lr, "clip": bool(train.clip), "max_tokens": train.max_tokens,
            "epochs": train.epochs, "seed": train.seed, "source_eos": data.source_eos,
            "adam": isinstance(trainer.optimizer, torch.optim.Adam)}


def test_joeynmt_builds_the_same_model_and_optimisation_as_ours(settings, tmp_path):
    """Read from both systems themselves: the same parameter count and every shared setting
    equal; where they differ, exactly the listed difference (the schedule's first update)."""
    theirs = joey_resolved(tmp_path, settings)
    ours = ours_resolved(settings, tmp_path)
    assert theirs["vocab"] == ours["vocab"]
    assert theirs["parameters"] == ours["parameters"]
    same = ("encoder_layers", "decoder_layers", "d_model", "heads", "ff_dim", "norm", "dropout", "attention_dropout",
            "scale_embeddings", "share_embeddings", "tie_output", "label_smoothing", "adam_betas", "adam_eps",
            "weight_decay", "warmup", "peak_lr", "clip", "max_tokens", "epochs", "seed")
    for key in same:
        assert theirs[key] == pytest.approx(ours[key]), f"{key}: JoeyNMT {theirs[key]!r}, ours {ours[key]!r}"
    assert theirs["activation"] == "ReLU" and theirs["output_bias"] is False
    # AdamW without weight decay is Adam; token batches; loss per token; shuffled data
    assert theirs["optimizer"] == "AdamW" and ours["adam"] and theirs["weight_decay"] == 0.0
    assert (theirs["batch_type"], theirs["batch_multiplier"], theirs["normalization"]) == ("token", 1, "tokens")
    assert theirs["schedule"] == "WarmupInverseSquareRootScheduler" and theirs["scheduler_step_at"] == "step"
    # the listed schedule difference: JoeyNMT's first update at the peak rate, ours at step 1's
    assert "learning_rate_schedule" in bench.DIFFERENCES
    assert theirs["first_update_lr"] == pytest.approx(settings["lr"])
    assert ours["first_update_lr"] == pytest.approx(settings["lr"] / settings["warmup"])
