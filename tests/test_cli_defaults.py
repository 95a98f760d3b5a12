"""Defaults live once, in the config dataclasses: every CLI option that names a config field either
leaves it unset (None: the dataclass decides) or repeats exactly the dataclass's default. Every
command of the app is checked: against its group's configs, its own (the recommendation commands:
the dataclass or library function each one calls), or listed as having none."""

from __future__ import annotations

import inspect
from dataclasses import MISSING, fields

import pytest
import typer

from illustrated.cli import app
from illustrated.recommend import Recommender
from illustrated.seq2seq import (DataConfig, SearchConfig, Seq2SeqConfig, TrainConfig, Translator,
                                 TransformerConfig, TransformerDataConfig, TransformerTrainConfig)
from illustrated.text import Tokenizer
from illustrated.word2vec import Word2VecConfig

CONFIGS = {
    "translate": (DataConfig, TransformerDataConfig, TrainConfig, TransformerTrainConfig, Seq2SeqConfig,
                  TransformerConfig, SearchConfig),
    "draw": (SearchConfig,),
    "word2vec": (Word2VecConfig, Tokenizer),
    "vocab": (Tokenizer,),
}

def _recommend_sources() -> dict:
    """What each recommendation command takes its defaults from: a settings dataclass, or the
    library function it hands the option to."""
    from illustrated.recommend import Item2VecConfig, Recommender, leave_last_out, train_item2vec
    from illustrated.recommend.serving import ServeSettings
    from illustrated.recommend.tune import tune

    return {"train": (Item2VecConfig, train_item2vec, leave_last_out),
            "tune": (tune,),                      # its --seed is the search's, not training's
            "evaluate": (leave_last_out,),
            "similar": (Recommender.similar,),
            "next": (Recommender.recommend,),
            "serve": (ServeSettings,)}


# (group, command) → its own sources; "" is the group of the top-level commands
COMMAND_CONFIGS = {("recommend", name): sources for name, sources in _recommend_sources().items()}
# top-level commands whose options configure nothing shared (an output folder, a page's address)
NO_CONFIG = {("", "demo"), ("", "serve")}
# option name → config field where they differ
ALIASES = {"src": "src_lang", "tgt": "tgt_lang", "tokenizer": "kind", "held_out": "n"}


def all_commands():
    """(group, command name, click command) for every command of the app ("" for top-level)."""
    root = typer.main.get_command(app)
    for group_name, group in root.commands.items():
        if hasattr(group, "commands"):
            for name, command in group.commands.items():
                yield group_name, name, command
        else:
            yield "", group_name, group


def sources(group: str, name: str) -> tuple:
    return COMMAND_CONFIGS.get((group, name), CONFIGS.get(group, ()))


def commands():
    """(group, command name, click command) for every command with settings to check."""
    for group, name, command in all_commands():
        if sources(group, name):
            yield group, name, command


def defaults(config) -> dict:
    """A dataclass's field defaults, or a function's parameter defaults."""
    if not isinstance(config, type):
        return {k: p.default for k, p in inspect.signature(config).parameters.items()
                if p.default is not inspect.Parameter.empty}
    return {f.name: f.default for f in fields(config) if f.default is not MISSING}


def test_every_command_is_checked():
    unchecked = [f"{g} {n}".strip() for g, n, _ in all_commands()
                 if not sources(g, n) and (g, n) not in NO_CONFIG]
    assert not unchecked, f"commands whose defaults no test checks: {unchecked}"
    assert {(g, n) for g, n, _ in commands() if g == "recommend"} == set(COMMAND_CONFIGS)


@pytest.mark.parametrize("group, name, command", list(commands()), ids=lambda x: getattr(x, "name", x))
def test_cli_defaults_come_from_the_config_dataclasses(group, name, command):
    checked, wrong = 0, []
    for param in command.params:
        field = ALIASES.get(param.name, param.name)
        values = {d[field] for config in sources(group, name) if field in (d := defaults(config))}
        if not values:
            continue
        checked += 1
        if param.default is not None and not (len(values) == 1 and param.default in values):
            wrong.append(f"--{param.name}: CLI {param.default!r}, config {sorted(map(repr, values))}")
    assert not wrong, f"{group} {name}: " + "; ".join(wrong)


def test_the_checks_cover_the_repeated_defaults():
    root = typer.main.get_command(app)
    params = {(g, c, p.name): p.default for g, c, cmd in commands() for p in cmd.params}
    assert params[("translate", "train", "src")] is None and DataConfig().src_lang == "de"
    assert params[("translate", "run", "beam")] is None
    assert params[("draw", "attention", "beam")] is None
    assert inspect.signature(Translator.translate).parameters["beam"].default is None
    assert params[("word2vec", "train", "tokenizer")] == params[("vocab", "build", "tokenizer")] == Tokenizer().kind
    from illustrated.word2vec.evaluate import RESTRICT_VOCAB, evaluate_all

    assert params[("word2vec", "evaluate", "restrict_vocab")] == RESTRICT_VOCAB
    assert inspect.signature(evaluate_all).parameters["restrict_vocab"].default == RESTRICT_VOCAB
    assert "recommend" in root.commands
    from illustrated.recommend import train_item2vec

    assert params[("recommend", "train", "index")] == defaults(train_item2vec)["index"] == "auto"
    assert params[("recommend", "similar", "k")] == defaults(Recommender.similar)["k"]
    for command in ("train", "tune", "evaluate", "similar", "next", "serve"):   # each checks something
        assert any(p.name in defaults(c) or ALIASES.get(p.name) in defaults(c)
                   for c in COMMAND_CONFIGS[("recommend", command)]
                   for p in root.commands["recommend"].commands[command].params)


def test_vocab_build_and_word2vec_train_build_the_same_vocabulary(tmp_path):
    from typer.testing import CliRunner

    from illustrated.text import Vocab
    from illustrated.word2vec import KeyedVectors

    corpus = tmp_path / "c.txt"
    corpus.write_text("Hello, world! The world's end.\nhello again, World.\n" * 5, encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["vocab", "build", str(corpus), "-o", str(tmp_path / "v.tsv"), "--no-specials"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["word2vec", "train", str(corpus), "-o", str(tmp_path / "m.npz"), "--min-count", "1",
                            "--dim", "4", "--epochs", "1", "--threads", "1"])
    assert r.exit_code == 0, r.output
    built = Vocab.load(tmp_path / "v.tsv").itos
    trained = KeyedVectors.load(tmp_path / "m.npz").keys
    assert sorted(built) == sorted(trained)
    assert "Hello," in trained          # whitespace tokens: punctuation stays attached
