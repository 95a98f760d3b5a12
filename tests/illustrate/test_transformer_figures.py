"""The Transformer's figures: one panel per head, the layer × head grid, one word's attention as lines,
positional encodings; and ``illustrated draw`` with layer and head pickers on a trained Transformer."""

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from illustrated.cli import app
from illustrated.errors import IllustratedError
from illustrated.illustrate import (attention_grid, attention_heads, attention_lines, positional_encoding,
                                    translation_maps)

from .fakes import ManyHeadsTranslator, ReversingTranslator, planted_maps


def test_one_panel_per_head_shows_that_heads_map():
    maps = planted_maps(2, 3, 4, 5)
    keys, queries = list("abcde"), list("WXYZ")
    fig = attention_heads(maps[1], keys, queries, layer=1)
    panels = {a.get_label(): a for a in fig.axes if a.get_label().startswith("head:")}
    assert sorted(panels) == ["head:1", "head:2", "head:3"]
    for h in range(3):
        ax = panels[f"head:{h + 1}"]
        np.testing.assert_array_equal(ax.get_images()[0].get_array(), maps[1, h])
        assert [t.get_text() for t in ax.get_xticklabels()] == keys
        assert [t.get_text() for t in ax.get_yticklabels()] == queries
    assert "layer 2" in fig._suptitle.get_text()


def test_grid_has_a_panel_for_every_layer_and_head():
    maps = planted_maps(3, 2, 4, 4)
    fig = attention_grid(maps, list("abcd"), list("abcd"))
    labels = [a.get_label() for a in fig.axes if "/" in a.get_label()]
    assert labels == [f"layer:{layer}/head:{h}" for layer in (1, 2, 3) for h in (1, 2)]
    ax = next(a for a in fig.axes if a.get_label() == "layer:3/head:1")
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), maps[2, 0])


def test_lines_from_one_word_follow_its_weights():
    tokens = "the animal didn't cross the street because it was tired".split()
    n = len(tokens)
    maps = np.full((2, n, n), 1.0 / n, np.float32)
    it = tokens.index("it")
    maps[0, it] = 0.02
    maps[0, it, 1] = 1 - 0.02 * (n - 1)                       # head 1: "it" → "animal"
    fig = attention_lines(maps, tokens, it)
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert len(lines) == 2 * n                                 # one line per head and token
    head1 = [ln for ln in lines if ln.get_label() == "head:1"]
    strongest = max(head1, key=lambda ln: ln.get_linewidth())
    assert strongest.get_ydata()[1] == 1 and strongest.get_alpha() == pytest.approx(maps[0, it, 1])
    assert all(ln.get_ydata()[0] == it for ln in lines)        # every line starts at "it"
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("animal") == 2                          # both columns of tokens
    only = attention_lines(maps, tokens, it, heads=[1])
    assert {ln.get_label() for ln in only.axes[0].get_lines()} == {"head:2"}
    with pytest.raises(IllustratedError, match="heads 1..2"):
        attention_lines(maps, tokens, it, heads=[2])
    with pytest.raises(IllustratedError, match="not a position"):
        attention_lines(maps, tokens, n)


def test_positional_encodings_as_a_grid():
    from illustrated.seq2seq.positions import sinusoid_table

    table = sinusoid_table(20, 16).numpy()
    image = positional_encoding(table).axes[0].get_images()[0].get_array()
    np.testing.assert_array_equal(image, table)
    split = positional_encoding(table, split_sin_cos=True).axes[0].get_images()[0].get_array()
    np.testing.assert_array_equal(split[:, :8], table[:, 0::2])
    np.testing.assert_array_equal(split[:, 8:], table[:, 1::2])


def test_translation_maps_name_queries_and_keys():
    (t,) = ManyHeadsTranslator().translate(["a b c"])
    maps, queries, keys = translation_maps(t, "decoder")
    assert maps.shape == (2, 3, 3, 3) and queries == ["C", "B", "A"] and keys == ["<s>", "C", "B"]
    (r,) = ReversingTranslator().translate(["a b c"])
    assert translation_maps(r, "cross")[0].shape == (1, 1, 3, 3)
    with pytest.raises(IllustratedError, match="only a Transformer has self-attention"):
        translation_maps(r, "encoder")


def run(*args):
    return CliRunner().invoke(app, ["draw", *map(str, args)])


def test_draw_commands_pick_layers_and_heads(transformer_dir, translator_dir, tmp_path):
    sentence = "elle a une voiture rouge"
    for args in (["attention", transformer_dir, sentence, "-o", tmp_path / "mean.png"],
                 ["attention", transformer_dir, sentence, "-o", tmp_path / "heads.png", "--layer", "1", "--head", "all"],
                 ["attention", transformer_dir, sentence, "-o", tmp_path / "grid.png", "--layer", "all",
                  "--map", "encoder"],
                 ["attention", transformer_dir, sentence, "-o", tmp_path / "one.svg", "--map", "decoder",
                  "--layer", "2", "--head", "3"],
                 ["self-attention", transformer_dir, sentence, "--word", "voiture", "-o", tmp_path / "lines.png"],
                 ["positions", "-o", tmp_path / "pe.png", "--translator", transformer_dir, "--length", "30"],
                 ["unrolled", transformer_dir, sentence, "-o", tmp_path / "unrolled.png"]):
        r = run(*args)
        assert r.exit_code == 0, (args, r.output, r.exception)
    for name in ("mean.png", "heads.png", "grid.png", "lines.png", "pe.png", "unrolled.png"):
        with Image.open(tmp_path / name) as image:
            assert image.format == "PNG" and image.size[0] > 200
    assert "<svg" in (tmp_path / "one.svg").read_text()


@pytest.mark.parametrize("args, message", [
    (["--layer", "3"], "--layer 3: this model has layers 1 to 2"),
    (["--head", "0"], "--head 0: this model has heads 1 to 4"),
    (["--head", "two"], "expected a number from 1 to 4"),
    (["--layer", "all", "--head", "2"], "--layer all draws every head"),
    (["--map", "memory"], "expected one of cross, encoder, decoder"),
])
def test_bad_layer_or_head_is_a_clear_error(transformer_dir, tmp_path, args, message):
    r = run("attention", transformer_dir, "je suis content", "-o", tmp_path / "x.png", *args)
    assert r.exit_code != 0 and message in str(r.exception)
    assert not (tmp_path / "x.png").exists()


def test_a_recurrent_translator_has_no_self_attention(translator_dir, tmp_path):
    r = run("attention", translator_dir, "je suis content", "-o", tmp_path / "x.png", "--map", "encoder")
    assert "only a Transformer has self-attention" in str(r.exception)
    r = run("self-attention", translator_dir, "je suis content", "--word", "suis", "-o", tmp_path / "x.png")
    assert "only a Transformer has self-attention" in str(r.exception)
    r = run("attention", translator_dir, "je suis content", "-o", tmp_path / "ok.png", "--layer", "1", "--head", "1")
    assert r.exit_code == 0, r.output
