"""A translator's model folder: read without the trainer, and checked against itself before the
model is built — every hostile folder gives one line, not a traceback or gigabytes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import torch

from illustrated.errors import FormatError
from illustrated.seq2seq import Translator
from illustrated.seq2seq.toy import french_english

from .helpers import run_command

SENTENCE = "je suis étudiant"


def _write_pairs(root, pairs):
    for lang, i in (("fr", 0), ("en", 1)):
        (root / f"train.{lang}").write_text("".join(p[i] + "\n" for p in pairs), encoding="utf-8")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A tiny word-level recurrent translator and a tiny subword Transformer, one epoch each."""
    root = tmp_path_factory.mktemp("folders")
    _write_pairs(root, french_english()[:120])
    common = ["--train", str(root / "train"), "--src", "fr", "--tgt", "en", "--epochs", "1", "--threads", "1"]
    run_command(["illustrated", "translate", "train", *common, "-o", str(root / "rnn"), "--emb-dim", "8",
                 "--hidden-dim", "8", "--batch-size", "16", "--min-count", "1"])
    run_command(["illustrated", "translate", "train", "--arch", "transformer", *common, "-o", str(root / "tf"),
                 "--d-model", "16", "--heads", "2", "--ff-dim", "16", "--layers", "1", "--bpe-vocab", "90",
                 "--average-last", "0"])
    return root


def _copy(folders, kind, tmp_path):
    d = tmp_path / kind
    shutil.copytree(folders / kind, d)
    return d


def _config(**model):
    def change(d):
        conf = json.loads((d / "config.json").read_text(encoding="utf-8"))
        conf["model"].update(model)
        (d / "config.json").write_text(json.dumps(conf), encoding="utf-8")
    return change


def _weights(**entries):
    def change(d):
        ck = torch.load(d / "model.pt", weights_only=True)
        ck.update(entries)
        torch.save(ck, d / "model.pt")
    return change


def _empty_spm(d):
    (d / "src.spm").write_bytes(b"")


HOSTILE = {
    "bos above the vocabulary": ("rnn", _config(bos_id=99999), "model.bos_id is 99999, but <s> has id 2"),
    "negative bos": ("rnn", _config(bos_id=-5), "model.bos_id is -5, but <s> has id 2"),
    "pad above the vocabulary": ("rnn", _config(pad_id=99999), "model.pad_id is 99999, but <pad> has id 0"),
    "eos above the vocabulary": ("tf", _config(eos_id=99999), "model.eos_id is 99999, but </s> has id 3"),
    "float d_model": ("tf", _config(d_model=16.0), "d_model must be an integer, got 16.0"),
    "bool layers": ("rnn", _config(layers=True), "layers must be an integer, got True"),
    "huge d_model": ("tf", _config(d_model=1048576), "the configuration gives ["),
    "many layers": ("tf", _config(encoder_layers=3000), "model.encoder_layers is 3000, but"),
    "other hidden size": ("rnn", _config(hidden_dim=9), "weights do not fit"),
    "extra not JSON": ("rnn", _weights(extra="[1]"), "its 'extra' entry is not a JSON object"),
    "extra a number": ("rnn", _weights(extra=5), "its 'extra' entry is not a JSON object"),
    "model a list": ("rnn", _weights(model=[1, 2]), "its 'model' entry is not a table of named tensors"),
    "model of strings": ("rnn", _weights(model={"a": "x"}), "its 'model' entry is not a table of named tensors"),
    "empty src.spm": ("tf", _empty_spm, "src.spm: not a sentencepiece model (empty)"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_folder_that_does_not_fit_itself_is_refused_in_one_line(folders, tmp_path, case):
    kind, change, message = HOSTILE[case]
    d = _copy(folders, kind, tmp_path)
    change(d)
    with pytest.raises(FormatError) as e:
        Translator.load(d)
    assert message in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("case", ["huge d_model", "many layers", "pad above the vocabulary"])
def test_nothing_is_built_before_the_folder_is_checked(folders, tmp_path, monkeypatch, case):
    """The model is only ever built on the meta device (no memory) until the folder is checked."""
    import illustrated.seq2seq.folder as folder

    devices = []
    real = folder.build_model

    def recording(cfg):
        devices.append(torch.empty(0).device.type)
        return real(cfg)

    monkeypatch.setattr(folder, "build_model", recording)
    kind, change, _ = HOSTILE[case]
    d = _copy(folders, kind, tmp_path)
    change(d)
    with pytest.raises(FormatError):
        Translator.load(d)
    assert set(devices) <= {"meta"}


@pytest.mark.parametrize("command", [["translate", "run", "{d}", SENTENCE],
                                     ["draw", "attention", "{d}", SENTENCE, "-o", "{d}/a.png"],
                                     ["serve", "--translator", "{d}", "--port", "{port}"]])
def test_the_commands_and_the_page_say_it_in_one_line(folders, tmp_path, command):
    import socket

    with socket.socket() as s:      # a free port, for the page
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    d = _copy(folders, "tf", tmp_path)
    _config(bos_id=99999, d_model=16.0)(d)
    r = subprocess.run([sys.executable, "-m", "illustrated.cli", *(a.format(d=d, port=port) for a in command)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: ") and len(r.stderr.splitlines()) == 1
    assert "d_model must be an integer, got 16.0" in r.stderr


def test_a_folder_naming_the_old_word_tokens_still_loads(folders, tmp_path):
    d = _copy(folders, "rnn", tmp_path)
    before = Translator.load(d).translate([SENTENCE], beam=2)[0].text
    conf = json.loads((d / "config.json").read_text(encoding="utf-8"))
    assert conf["data"]["tokens"] == "words"
    conf["data"]["tokens"] = "word"
    (d / "config.json").write_text(json.dumps(conf), encoding="utf-8")
    t = Translator.load(d)
    assert t.data.tokens == "words" and t.translate([SENTENCE], beam=2)[0].text == before


TRAINING = ("illustrated.seq2seq.trainer", "illustrated.seq2seq.pipeline", "sacrebleu")


def test_loading_and_translating_import_no_trainer(folders):
    code = ("import sys\nfrom illustrated.seq2seq import Translator\n"
            f"t = Translator.load({str(folders / 'tf')!r})\nt.translate([{SENTENCE!r}])\n"
            f"print(sorted(m for m in {TRAINING!r} if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
    # the command too (-X importtime lists every module imported, function-level imports included)
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "illustrated.cli", "translate", "run",
                        str(folders / "rnn"), SENTENCE], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip()
    imported = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    assert "illustrated.seq2seq.translator" in imported
    assert not imported & set(TRAINING)


def test_the_old_word_value_of_tokens_is_still_taken():
    import typer.main

    from illustrated.commands import translate

    command = typer.main.get_command(translate.app).commands["train"]
    for value in ("word", "words"):
        options = command.make_context("train", ["--train", "x", "-o", "y", "--tokens", value]).params
        data, _, _ = translate._train_configs(options["arch"], options)
        assert data.tokens == "words"
