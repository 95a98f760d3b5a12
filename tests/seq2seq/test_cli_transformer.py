"""``illustrated translate`` with ``--arch transformer``: train → run → evaluate, every attention map
in the Translation, checkpoint averaging, and options that do not fit the architecture."""

import json

import numpy as np
import pytest

from illustrated.seq2seq import Translator

from .test_cli import cli, error_line, model_dir  # noqa: F401 (a fixture)


def test_transformer_translates_the_toy_sentences(transformer_dir, monkeypatch, capsys):
    conf = json.loads((transformer_dir / "config.json").read_text())
    assert conf["arch"] == "transformer" and conf["data"]["joint_vocab"] and conf["data"]["source_eos"]
    assert (transformer_dir / "src.spm").read_bytes() == (transformer_dir / "tgt.spm").read_bytes()
    code, out, _ = cli(monkeypatch, capsys, "translate", "run", transformer_dir, "--beam", "1",
                       stdin="je suis étudiant\nelle a une voiture rouge\n")
    assert code == 0 and out.splitlines() == ["i am a student", "she has a red car"]
    code, out, _ = cli(monkeypatch, capsys, "translate", "evaluate", transformer_dir,
                       "--test", transformer_dir.parent / "valid")
    assert code == 0 and json.loads(out)["bleu"] > 90


def test_translation_carries_every_attention_map(transformer_dir):
    [t] = Translator.load(transformer_dir).translate(["nous avons une maison blanche"], beam=4)
    s, n = len(t.source), len(t.target)
    assert t.source[-1] == "</s>" and t.text == "we have a white house"
    for name, shape in (("encoder_attention", (2, 4, s, s)), ("decoder_attention", (2, 4, n, n)),
                        ("cross_attention", (2, 4, n, s))):
        maps = getattr(t, name)
        assert maps.shape == shape and maps.dtype == np.float32, name
        np.testing.assert_allclose(maps.sum(-1), 1.0, atol=1e-5)
    assert np.all(np.triu(t.decoder_attention, 1) == 0.0)
    np.testing.assert_allclose(t.attention, t.cross_attention[-1].mean(0), atol=1e-6)
    assert t.encoder_states.shape == (s, 64) and t.decoder_states.shape == (n, 64)
    [quick] = Translator.load(transformer_dir).translate(["nous avons une maison blanche"], beam=4, internals=False)
    assert quick.text == t.text and quick.encoder_attention is None and quick.attention is None


def test_checkpoint_averaging_is_recorded(transformer_dir):
    records = [json.loads(line) for line in (transformer_dir / "metrics.jsonl").read_text().splitlines()]
    averaged = [r for r in records if "averaged_epochs" in r]
    assert len(averaged) == 1 and averaged[0]["averaged_epochs"] == [13, 14, 15] and "bleu" in averaged[0]
    assert sorted(p.name for p in (transformer_dir / "snapshots").iterdir()) == ["epoch-13.pt", "epoch-14.pt",
                                                                                  "epoch-15.pt"]
    assert (transformer_dir / "averaged.pt").exists()


@pytest.mark.parametrize("args, message", [
    (["--arch", "transformer", "--hidden-dim", "64"], "--hidden-dim does not apply to --arch transformer"),
    (["--heads", "4"], "--heads does not apply to --arch rnn"),
    (["--arch", "transformer", "--d-model", "30", "--heads", "4"], "multiple of heads"),
    (["--arch", "transformer", "--no-joint-vocab"], "needs a joint vocabulary"),
    (["--arch", "transformer", "--schedule", "cosine"], "schedule"),
    (["--arch", "lstm"], "arch: expected one of rnn, transformer"),
])
def test_options_that_do_not_fit_are_one_line_errors(transformer_dir, monkeypatch, capsys, tmp_path, args, message):
    code, _, err = cli(monkeypatch, capsys, "translate", "train", "--train", transformer_dir.parent / "train",
                       "--src", "fr", "--tgt", "en", "-o", tmp_path / "m", *args)
    assert message in error_line(code, err)
    assert not (tmp_path / "m" / "checkpoint.pt").exists()


def test_diverged_weights_are_refused(transformer_dir, tmp_path):
    import shutil

    import torch

    from illustrated.errors import FormatError

    d = tmp_path / "m"
    shutil.copytree(transformer_dir, d)
    ck = torch.load(d / "model.pt", weights_only=True)
    ck["model"]["decoder_norm.weight"][0] = float("nan")
    torch.save(ck, d / "model.pt")
    with pytest.raises(FormatError, match="NaN or infinite"):
        Translator.load(d)


def test_resume_continues_a_transformer(transformer_dir, monkeypatch, capsys, tmp_path):
    import shutil

    import torch

    d = tmp_path / "model"
    shutil.copytree(transformer_dir, d)
    code, out, _ = cli(monkeypatch, capsys, "translate", "train", "--train", transformer_dir.parent / "train",
                       "--src", "fr", "--tgt", "en", "-o", d, "--epochs", "16", "--resume", "--threads", "1")
    before = torch.load(transformer_dir / "checkpoint.pt", weights_only=True)["step"]   # 15 epochs
    assert code == 0 and f"resumed at epoch 16, step {before}" in out
    ck = torch.load(d / "checkpoint.pt", weights_only=True)
    assert ck["epoch"] == 16 and ck["step"] == before + before // 15
    assert sorted(p.name for p in (d / "snapshots").iterdir()) == ["epoch-14.pt", "epoch-15.pt", "epoch-16.pt"]


def test_weights_of_the_other_architecture_are_named_as_such(transformer_dir, model_dir, monkeypatch, capsys,
                                                              tmp_path):
    import shutil

    rnn, transformer = tmp_path / "rnn", tmp_path / "transformer"
    shutil.copytree(model_dir / "model", rnn)
    shutil.copytree(transformer_dir, transformer)
    (rnn / "model.pt").write_bytes((transformer_dir / "model.pt").read_bytes())
    (transformer / "model.pt").write_bytes((model_dir / "model" / "model.pt").read_bytes())
    for folder, weights, described in ((rnn, "transformer", "rnn"), (transformer, "rnn", "transformer")):
        msg = error_line(*cli(monkeypatch, capsys, "translate", "run", folder, "je suis")[::2])
        assert f"model.pt: holds {weights} weights, but {folder / 'config.json'} describes the " \
               f"{described} architecture" in msg


@pytest.mark.parametrize("command", ["translate run", "draw attention"])
def test_a_sentence_that_is_not_utf8_is_one_line(transformer_dir, monkeypatch, capsys, tmp_path, command):
    args = [*command.split(), transformer_dir, "je \udcff suis"]     # how Python hands over the byte 0xff
    if command == "draw attention":
        args += ["-o", tmp_path / "a.png"]
    msg = error_line(*cli(monkeypatch, capsys, *args)[::2])
    assert msg.endswith("sentence 1 is not valid UTF-8 text (the byte 0xff at character 4)")
    code, _, err = cli(monkeypatch, capsys, "translate", "run", transformer_dir, stdin="je suis\nun \ud800\n")
    assert "sentence 2 is not valid UTF-8 text (a lone surrogate U+D800 at character 4)" in error_line(code, err)
