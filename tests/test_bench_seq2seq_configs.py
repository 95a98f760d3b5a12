"""The JoeyNMT comparison runs both systems with the same settings, except the listed ones.

Reads ``bench/seq2seq_configs.py``; most tests compare JoeyNMT's configuration as the dictionary the
benchmark writes to YAML. One reads what JoeyNMT itself builds from it (model, optimizer, parsed
settings) in JoeyNMT's own virtualenv, and is skipped where that is absent.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import seq2seq_configs as C  # noqa: E402

OURS = C.ours_config()
JOEY = C.joey_config(Path("/data"), Path("/model"))

# What the two runs deliberately do differently; changing any of these, on either side, must be a
# conscious change of this list.
EXPECTED_DIFFERENCES = {
    ("trainer.output_bias", True): {"model.tied_softmax": False},
    ("trainer.init", "pytorch defaults"): {
        "model.initializer": "xavier_uniform", "model.init_gain": 1.0, "model.embed_initializer": "normal",
        "model.embed_init_weight": 0.1, "model.bias_initializer": "zeros", "model.init_rnn_orthogonal": False},
    ("trainer.batches", "similar lengths, batch order shuffled"): {"training.shuffle": True},
    ("test.max_output", "2 x source length + 10"): {"testing.max_output_length": -1},
}


def test_every_shared_setting_has_the_same_value_on_both_sides():
    for ours, joeys, what in C.SHARED:
        for joey in joeys:
            assert C.get(OURS, ours) == C.get(JOEY, joey), f"{what}: {ours} vs {joey}"


def test_equivalent_settings_are_the_listed_values():
    for ours, value, joeys, values, what in C.EQUIVALENT:
        assert C.get(OURS, ours) == value, what
        assert tuple(C.get(JOEY, j) for j in joeys) == values, what


def test_the_deliberate_differences_are_exactly_these():
    listed = {(ours, value): dict(zip(joeys, values)) for ours, value, joeys, values, _ in C.DIFFERENCES}
    assert listed == EXPECTED_DIFFERENCES
    for (ours, value), joey in listed.items():
        assert C.get(OURS, ours) == value
        assert {j: C.get(JOEY, j) for j in joey} == joey


def test_no_setting_of_either_configuration_is_unaccounted_for():
    tables = C.EQUIVALENT + C.DIFFERENCES
    ours_known = {s[0] for s in C.SHARED} | {t[0] for t in tables} | set(C.OURS_ONLY)
    assert set(C.leaves(OURS)) == ours_known
    joey_known = ({j for s in C.SHARED for j in s[1]} | {j for t in tables for j in t[2]}
                  | set(C.JOEY_ONLY) | set(C.JOEY_RUN))
    assert set(C.leaves(JOEY)) == joey_known
    assert {k: C.get(OURS, k) for k in C.OURS_ONLY} == C.OURS_ONLY
    assert {k: C.get(JOEY, k) for k in C.JOEY_ONLY} == C.JOEY_ONLY


def test_the_learning_rate_stays_constant_for_any_number_of_epochs():
    for epochs in (1, 3, 10):
        assert C.ours_config(epochs)["train"]["lr_patience"] >= epochs   # never more bad validations than epochs
        joey = C.joey_config(Path("/d"), Path("/m"), epochs)["training"]
        assert (joey["scheduling"], joey["decrease_factor"]) == ("exponential", 1.0)


def test_one_validation_per_epoch_on_the_anchor():
    for steps in (454, 8, 97):
        t = C.joey_config(Path("/d"), Path("/m"), steps_per_epoch=steps)["training"]
        assert t["validation_freq"] == steps and steps % t["logging_freq"] == 0


def test_our_trainer_does_what_the_configuration_says(tmp_path):
    from illustrated.seq2seq import Seq2Seq, Seq2SeqConfig, TrainConfig, Trainer

    torch.manual_seed(0)
    model = Seq2Seq(Seq2SeqConfig(**{**OURS["model"], "src_vocab_size": 300, "tgt_vocab_size": 300}))
    trainer = Trainer(model, TrainConfig(**OURS["train"]), tmp_path, progress=False)
    opt, sched, fixed = trainer.optimizer, trainer.scheduler, OURS["trainer"]
    assert type(opt) is torch.optim.Adam and list(opt.defaults["betas"]) == fixed["adam_betas"]
    assert opt.defaults["weight_decay"] == fixed["weight_decay"] and opt.defaults["lr"] == OURS["train"]["lr"]
    assert sched.mode == "max" and sched.patience == OURS["train"]["lr_patience"]
    assert (model.output.bias is not None) == fixed["output_bias"]
    # PyTorch's default initialisation: embeddings N(0, 1), not JoeyNMT's N(0, 0.1)
    assert 0.9 < float(model.tgt_embed.weight[1:].detach().std()) < 1.1


def test_the_command_line_writes_exactly_the_benchmark_configuration(tmp_path):
    from illustrated.seq2seq.toy import french_english

    from .seq2seq.helpers import run_command

    data = tmp_path / "data"
    data.mkdir()
    pairs = french_english()[:40]
    for split in ("train", "val"):
        (data / f"{split}.de").write_text("".join(f"{a}\n" for a, _ in pairs), encoding="utf-8")
        (data / f"{split}.en").write_text("".join(f"{b}\n" for _, b in pairs), encoding="utf-8")
    cmd = C.ours_command(OURS, data, tmp_path / "model", 1, ["illustrated"])
    run_command(cmd)
    written = json.loads((tmp_path / "model" / "config.json").read_text())
    as_json = json.loads(json.dumps(OURS))                 # tuples are written as lists
    assert written["data"] == as_json["data"] and written["train"] == as_json["train"]
    sizes = ("src_vocab_size", "tgt_vocab_size")
    assert {k: v for k, v in written["model"].items() if k not in sizes} == \
        {k: v for k, v in OURS["model"].items() if k not in sizes}


def test_the_yaml_keeps_every_value_and_type():
    text = C.to_yaml({"a": {"lr": 1e-05, "big": 1e20, "x": 0.1, "n": 3, "flag": True, "none": None,
                            "betas": [0.9, 0.999], "s": "13a", "t": "yes"}})
    assert "lr: 1.0e-05" in text and "big: 1.0e+20" in text and 's: "13a"' in text and 't: "yes"' in text
    try:
        import yaml
    except ImportError:                     # read it with the PyYAML of JoeyNMT's environment, if given
        python = os.environ.get("JOEYNMT_PYTHON") or str(Path(__file__).resolve().parents[1] / ".venv-joey/bin/python")
        if not Path(python).exists():
            pytest.skip("PyYAML is not installed here and JoeyNMT's virtualenv is absent")
        code = "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))"
        out = subprocess.run([python, "-c", code], input=C.to_yaml(JOEY), capture_output=True, text=True, check=True)
        assert json.loads(out.stdout) == JOEY
        return
    assert yaml.safe_load(C.to_yaml(JOEY)) == JOEY


@pytest.mark.parametrize("epochs", [1, 3])
def test_our_command_line_builds_exactly_the_benchmark_configuration(epochs):
    """``ours_command``'s flags, parsed by the real ``translate train`` command into its configs
    (nothing trained), give every data, model and training setting the benchmark states — what
    the benchmark checks against the model folder's config.json after training."""
    import typer.main

    from illustrated.commands import translate

    cfg = C.ours_config(epochs)
    argv = C.ours_command(cfg, Path("/data"), Path("/out"), 1, [])[2:]  # after "translate train"
    command = typer.main.get_command(translate.app).commands["train"]
    options = command.make_context("train", argv).params
    data, model, train = translate._train_configs(options["arch"], options)
    stated = json.loads(json.dumps(cfg))  # as config.json holds it
    sizes = {"src_vocab_size", "tgt_vocab_size"}
    built = {"data": json.loads(json.dumps(data.__dict__)),
             "model": {k: v for k, v in json.loads(json.dumps(model.to_dict())).items() if k not in sizes},
             "train": json.loads(json.dumps(train.to_dict()))}
    stated["model"] = {k: v for k, v in stated["model"].items() if k not in sizes}
    for part in ("data", "model", "train"):
        assert built[part] == stated[part], part


def test_joeynmt_builds_the_same_model_and_optimisation_as_ours(tmp_path):
    """Read from JoeyNMT itself (``joeynmt_transformer_driver.py inspect`` in its own virtualenv,
    skipped when absent): the model it builds from the benchmark's configuration has our parameter
    count less our output bias (the listed difference), and its parsed training settings are ours."""
    from illustrated.seq2seq import Seq2Seq, Seq2SeqConfig, TrainConfig, Trainer

    python = os.environ.get("JOEYNMT_PYTHON") or str(Path(__file__).resolve().parents[1] / ".venv-joey/bin/python")
    if not Path(python).exists():
        pytest.skip("JoeyNMT's virtualenv is absent (set JOEYNMT_PYTHON or make .venv-joey, see bench/README.md)")
    data = tmp_path / "data"
    data.mkdir()
    words = [f"w{i}" for i in range(30)]
    for split in ("train", "val", "test"):
        for lang in ("de", "en"):
            (data / f"{split}.{lang}").write_text("".join(" ".join(words[i:i + 5]) + "\n" for i in range(26)) * 2,
                                                  encoding="utf-8")
    cfg = tmp_path / "joey.yaml"
    cfg.write_text(C.to_yaml(C.joey_config(data, tmp_path / "model", steps_per_epoch=8)), encoding="utf-8")
    proc = subprocess.run([python, str(Path(__file__).resolve().parents[1] / "bench" / "joeynmt_transformer_driver.py"),
                           "inspect", str(cfg)], capture_output=True, text=True, timeout=300)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("JOEY_RESOLVED ")), None)
    assert proc.returncode == 0 and line, proc.stderr[-3000:]
    theirs = json.loads(line[len("JOEY_RESOLVED "):])
    src_v, tgt_v = theirs["vocab"]
    model = Seq2Seq(Seq2SeqConfig(**{**OURS["model"], "src_vocab_size": src_v, "tgt_vocab_size": tgt_v}))
    trainer = Trainer(model, TrainConfig(**OURS["train"]), tmp_path / "ours", progress=False)
    group, m, t = trainer.optimizer.param_groups[0], OURS["model"], OURS["train"]
    ours_params = sum(p.numel() for p in model.parameters())
    assert ours_params - tgt_v == theirs["parameters"]           # our output layer's bias, and nothing else
    assert theirs["output_bias"] is False and OURS["trainer"]["output_bias"]
    assert (theirs["rnn"], theirs["decoder_rnn"]) == (m["rnn"], m["rnn"])
    assert (theirs["hidden_dim"], theirs["decoder_hidden"], theirs["emb_dim"]) == (m["hidden_dim"],) * 2 + (m["emb_dim"],)
    assert (theirs["layers"], theirs["bidirectional"], theirs["input_feeding"]) == \
        (m["layers"], m["bidirectional"], m["input_feeding"])
    assert theirs["attention"] == "BahdanauAttention" and m["attention"] == "bahdanau"
    assert theirs["dropout"] == [m["dropout"]] * 3
    assert theirs["optimizer"] == type(trainer.optimizer).__name__ == "Adam"
    assert theirs["adam_betas"] == list(group["betas"]) and theirs["weight_decay"] == group["weight_decay"]
    assert theirs["first_update_lr"] == group["lr"] == t["lr"]
    assert theirs["clip_norm"] == t["clip"] and theirs["label_smoothing"] == t["label_smoothing"]
    assert (theirs["batch_type"], theirs["batch_size"]) == ("sentence", t["batch_size"])
    assert (theirs["epochs"], theirs["seed"], theirs["normalization"]) == (t["epochs"], t["seed"], "tokens")
    assert theirs["schedule"] == "ExponentialLR" or "Exponential" in theirs["schedule"]
