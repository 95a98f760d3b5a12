"""``illustrated translate``: train → run → evaluate, and every bad input as one line + exit 1."""

import io
import shutil
import subprocess
import sys

import pytest
import torch

from illustrated.cli import main
from illustrated.seq2seq import Translator
from illustrated.seq2seq.toy import french_english

from .helpers import run_command

TINY = ["--emb-dim", "32", "--hidden-dim", "64", "--dropout", "0", "--batch-size", "16", "--lr", "0.003",
        "--threads", "1"]


def cli(monkeypatch, capsys, *args, stdin=None):
    monkeypatch.setattr(sys, "argv", ["illustrated", *map(str, args)])
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    with pytest.raises(SystemExit) as e:
        main()
    out = capsys.readouterr()
    return e.value.code or 0, out.out, out.err


def error_line(code, err):
    assert code == 1
    lines = [ln for ln in err.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err
    return lines[0]


def write_pair(prefix, pairs, src="fr", tgt="en"):
    prefix.parent.mkdir(parents=True, exist_ok=True)
    (prefix.parent / f"{prefix.name}.{src}").write_text("".join(f"{a}\n" for a, _ in pairs), encoding="utf-8")
    (prefix.parent / f"{prefix.name}.{tgt}").write_text("".join(f"{b}\n" for _, b in pairs), encoding="utf-8")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("translate")
    pairs = french_english()
    write_pair(root / "data" / "train", pairs)
    write_pair(root / "data" / "valid", pairs[:30])
    run_command(["illustrated", "translate", "train", "--train", str(root / "data" / "train"),
                 "--valid", str(root / "data" / "valid"), "--src", "fr", "--tgt", "en",
                 "-o", str(root / "model"), "--epochs", "12", "--min-count", "1", *TINY])
    return root


def test_train_run_evaluate(model_dir, monkeypatch, capsys, tmp_path):
    d = model_dir / "model"
    assert {"config.json", "src.vocab", "tgt.vocab", "model.pt", "checkpoint.pt", "metrics.jsonl"} <= \
        {p.name for p in d.iterdir()}
    png = tmp_path / "att.png"
    code, out, err = cli(monkeypatch, capsys, "translate", "run", d, "je suis étudiant", "--plot-attention", png)
    assert code == 0 and out.strip() == "i am a student"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, _ = cli(monkeypatch, capsys, "translate", "run", d, "--beam", "1",
                       stdin="il a un chien\n\nelle est fatiguée\n")
    assert code == 0 and out.splitlines() == ["he has a dog", "", "she is tired"]
    code, out, _ = cli(monkeypatch, capsys, "translate", "evaluate", d, "--test", model_dir / "data" / "valid")
    assert code == 0 and '"bleu": ' in out
    import json

    assert json.loads(out)["bleu"] > 80
    from illustrated.seq2seq.search import SearchConfig

    assert json.loads(out)["beam"] == SearchConfig().beam     # the beam used, not null


def test_each_epoch_record_counts_the_target_tokens_trained_on(model_dir):
    import json

    from illustrated.text import tokenize

    records = [json.loads(line) for line in (model_dir / "model" / "metrics.jsonl").read_text().splitlines()]
    epochs = [r for r in records if "bleu" in r]
    per_epoch = sum(len(tokenize(en)) + 1 for _, en in french_english())   # words and </s>
    assert [r["epoch"] for r in epochs] == list(range(1, 13))
    assert all(r["train_tokens"] == per_epoch and r["train_seconds"] > 0 for r in epochs)


def test_translation_api(model_dir):
    [t] = Translator.load(model_dir / "model").translate(["tu as une pomme rouge"], beam=5)
    assert t.source == ["tu", "as", "une", "pomme", "rouge"]
    assert t.target == ["you", "have", "a", "red", "apple"] and t.text == "you have a red apple"
    assert t.attention.shape == (5, 5) and t.attention.dtype.name == "float32"
    assert abs(t.attention.sum(1) - 1).max() < 1e-5
    assert t.encoder_states.shape == (5, 128) and t.decoder_states.shape == (5, 64)


def test_resume_continues_training(model_dir, monkeypatch, capsys, tmp_path):
    d = tmp_path / "model"
    shutil.copytree(model_dir / "model", d)
    code, out, _ = cli(monkeypatch, capsys, "translate", "train", "--train", model_dir / "data" / "train",
                       "--src", "fr", "--tgt", "en", "-o", d, "--epochs", "13", "--resume")
    assert code == 0 and "resumed at epoch 13, step" in out
    ck = torch.load(d / "checkpoint.pt", weights_only=True)
    assert ck["epoch"] == 13
    code, _, err = cli(monkeypatch, capsys, "translate", "train", "--train", model_dir / "data" / "train",
                       "--src", "fr", "--tgt", "en", "-o", d)
    assert "already holds a trained model" in error_line(code, err)


def test_bad_parallel_files(monkeypatch, capsys, tmp_path):
    p = tmp_path / "bad"
    (tmp_path / "bad.fr").write_text("a\nb\nc\n", encoding="utf-8")
    (tmp_path / "bad.en").write_text("a\nb\n", encoding="utf-8")
    train = ["translate", "train", "--train", p, "--src", "fr", "--tgt", "en", "-o", tmp_path / "m"]
    msg = error_line(*cli(monkeypatch, capsys, *train)[::2])
    assert "bad.fr has 3 lines but" in msg and "bad.en has 2" in msg
    (tmp_path / "bad.en").write_text("\n\n\n", encoding="utf-8")
    assert "every one of the 3 training pairs has an empty side" in error_line(*cli(monkeypatch, capsys, *train)[::2])
    msg = error_line(*cli(monkeypatch, capsys, "translate", "train", "--train", p, "--src", "xx", "--tgt", "en",
                          "-o", tmp_path / "m")[::2])
    assert "source language 'xx'" in msg
    msg = error_line(*cli(monkeypatch, capsys, "translate", "train", "--train", p, "--src", "f/r", "--tgt", "en",
                          "-o", tmp_path / "m")[::2])
    assert "unknown source language code 'f/r'" in msg
    assert not (tmp_path / "m" / "checkpoint.pt").exists()


def test_too_long_sentence_and_language_mismatch(model_dir, monkeypatch, capsys):
    d = model_dir / "model"
    msg = error_line(*cli(monkeypatch, capsys, "translate", "run", d, "je " * 500)[::2])
    assert "sentence 1 has 500 tokens; this model accepts at most 200" in msg
    msg = error_line(*cli(monkeypatch, capsys, "translate", "evaluate", d, "--test", model_dir / "data" / "valid",
                          "--src", "de")[::2])
    assert "this model translates from 'fr'" in msg


def test_missing_corrupted_and_foreign_checkpoints(model_dir, monkeypatch, capsys, tmp_path):
    d = tmp_path / "model"
    shutil.copytree(model_dir / "model", d)
    assert "no such model folder" in error_line(*cli(monkeypatch, capsys, "translate", "run", tmp_path / "nope", "x")[::2])
    (d / "model.pt").rename(tmp_path / "model.pt")
    (d / "checkpoint.pt").unlink()
    assert "model.pt: no such checkpoint" in error_line(*cli(monkeypatch, capsys, "translate", "run", d, "x")[::2])
    (d / "model.pt").write_bytes((tmp_path / "model.pt").read_bytes()[:5000])
    assert "not a readable checkpoint" in error_line(*cli(monkeypatch, capsys, "translate", "run", d, "x")[::2])
    (d / "model.pt").write_bytes((tmp_path / "model.pt").read_bytes())
    # a vocabulary that is not the one the weights were trained with
    lines = (d / "tgt.vocab").read_text(encoding="utf-8").splitlines()
    lines[4], lines[5] = lines[5], lines[4]
    (d / "tgt.vocab").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "another tgt vocabulary" in error_line(*cli(monkeypatch, capsys, "translate", "run", d, "x")[::2])


def test_a_real_process_exits_1_with_one_line(tmp_path):
    r = subprocess.run([sys.executable, "-m", "illustrated.cli", "translate", "run", str(tmp_path), "x"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.startswith("error: ") and len(r.stderr.splitlines()) == 1


def test_subword_model_round_trip(model_dir, monkeypatch, capsys, tmp_path):
    code, out, err = cli(monkeypatch, capsys, "translate", "train", "--train", model_dir / "data" / "train",
                         "--src", "fr", "--tgt", "en", "-o", tmp_path / "bpe", "--tokens", "bpe",
                         "--bpe-vocab", "80", "--epochs", "1", *TINY)
    assert code == 0, err
    assert (tmp_path / "bpe" / "src.spm").exists() and (tmp_path / "bpe" / "tgt.spm").exists()
    t = Translator.load(tmp_path / "bpe")
    assert t.src_codec.kind == "bpe" and t.src_codec.detokenize(t.src_codec.tokenize("je suis prête")) == "je suis prête"
    [x] = t.translate(["je suis prête"], beam=2)
    assert x.attention.shape == (len(x.target), len(x.source))


def test_resume_refuses_other_settings_and_nothing_left_to_train(model_dir, monkeypatch, capsys, tmp_path):
    d = tmp_path / "model"
    shutil.copytree(model_dir / "model", d)
    resume = ["translate", "train", "--train", model_dir / "data" / "train", "--src", "fr", "--tgt", "en",
              "-o", d, "--resume"]
    msg = error_line(*cli(monkeypatch, capsys, *resume, "--epochs", "13", "--hidden-dim", "16")[::2])
    assert "--hidden-dim 16:" in msg and "was trained with 64" in msg
    msg = error_line(*cli(monkeypatch, capsys, *resume, "--epochs", "13", "--arch", "transformer")[::2])
    assert "--arch transformer:" in msg and "'rnn'" in msg
    msg = error_line(*cli(monkeypatch, capsys, *resume, "--epochs", "2")[::2])
    assert "already been trained for" in msg and "give --epochs above" in msg


def test_stdin_bom_crlf_and_unwritable_outputs(model_dir, monkeypatch, capsys, tmp_path):
    d = model_dir / "model"
    code, out, _ = cli(monkeypatch, capsys, "translate", "run", d, "--beam", "1", "--show-tokens",
                       stdin="\ufeffil a un chien\r\nelle est fatiguée\r\n")
    assert code == 0 and "  source: il a un chien" in out.splitlines()
    msg = error_line(*cli(monkeypatch, capsys, "translate", "evaluate", d, "--test", model_dir / "data" / "valid",
                          "-o", tmp_path)[::2])
    assert "--output" in msg and "is a folder, expected a file name" in msg
    (tmp_path / "file").write_text("x")
    msg = error_line(*cli(monkeypatch, capsys, "translate", "train", "--train", model_dir / "data" / "train",
                          "--src", "fr", "--tgt", "en", "-o", tmp_path / "file")[::2])
    assert "is a file, expected a folder" in msg
    bad = tmp_path / "bad-config"
    shutil.copytree(d, bad)
    (bad / "config.json").write_text("[1]")
    assert "not a valid model configuration" in error_line(*cli(monkeypatch, capsys, "translate", "run", bad, "x")[::2])


def test_beam_and_output_length_have_upper_bounds(model_dir, monkeypatch, capsys, tmp_path):
    from illustrated.seq2seq.search import MAX_BEAM, MAX_OUTPUT_LEN

    d = model_dir / "model"
    msg = error_line(*cli(monkeypatch, capsys, "translate", "run", d, "je suis", "--beam", 1_000_000)[::2])
    assert f"beam must be between 1 and {MAX_BEAM}, got 1000000" in msg
    msg = error_line(*cli(monkeypatch, capsys, "translate", "run", d, "je suis", "--max-len", 100_000)[::2])
    assert f"max_len must be between 1 and {MAX_OUTPUT_LEN}, got 100000" in msg
    msg = error_line(*cli(monkeypatch, capsys, "translate", "train", "--train", model_dir / "data" / "train",
                          "--src", "fr", "--tgt", "en", "-o", tmp_path / "m", "--valid-beam", 100_000)[::2])
    assert f"valid_beam must be between 1 and {MAX_BEAM}, got 100000" in msg
    assert not (tmp_path / "m").exists()
    code, out, _ = cli(monkeypatch, capsys, "translate", "run", "--help")
    text = " ".join(out.replace("│", " ").split())     # the help box wraps its lines
    assert code == 0 and f"at most {MAX_BEAM};" in text and f"at most {MAX_OUTPUT_LEN};" in text
