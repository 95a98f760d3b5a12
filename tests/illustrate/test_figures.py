"""Each figure from small arrays: what it must contain (cells, labels, rows) and that it saves."""

import json

import numpy as np
import pytest
from matplotlib.image import AxesImage
from PIL import Image

from illustrated.errors import IllustratedError
from illustrated.illustrate import (analogy_from_vectors, analogy_strips, attention_heatmap, map_figure,
                                    project_2d, read_metrics, save_figure, training_curves,
                                    unrolled_figure, unrolled_gif, vector_strips)

from .fakes import ReversingTranslator, royal_vectors


def axes(fig, label):
    found = [ax for ax in fig.axes if ax.get_label() == label]
    assert len(found) == 1, [ax.get_label() for ax in fig.axes]
    return found[0]


def image_of(ax) -> AxesImage:
    (image,) = ax.get_images()
    return image


def yticklabels(ax):
    return [t.get_text() for t in ax.get_yticklabels()]


def test_vector_strips_one_row_of_cells_per_word_centred_on_zero():
    kv = royal_vectors()
    words = ["king", "man", "woman", "queen"]
    fig = vector_strips(np.stack([kv.vector(w) for w in words]), words)
    ax = axes(fig, "strips")
    image = image_of(ax)
    assert image.get_array().shape == (4, 6)
    np.testing.assert_array_equal(image.get_array()[2], kv.vector("woman"))
    assert yticklabels(ax) == words
    assert image.norm.vmin == -image.norm.vmax == -np.abs(kv.vectors[[0, 2, 3, 1]]).max()
    # Zero is drawn white (the middle of the diverging map).
    r, g, b, _ = image.cmap(image.norm(0.0))
    assert min(r, g, b) > 0.9


def test_vector_strips_reject_mismatched_labels():
    with pytest.raises(IllustratedError, match="3 vectors but 2 labels"):
        vector_strips(np.zeros((3, 4)), ["a", "b"])
    with pytest.raises(IllustratedError, match="NaN"):
        vector_strips(np.array([[np.nan, 1.0]]), ["a"])


def test_analogy_finds_planted_word_and_draws_five_strips():
    kv = royal_vectors()
    found = analogy_from_vectors(kv, "king", "man", "woman")
    assert found.words == ("king", "man", "woman", "queen")
    assert found.cosine == pytest.approx(1.0, abs=1e-5)
    fig = analogy_strips(found)
    ax = axes(fig, "analogy")
    assert image_of(ax).get_array().shape == (5, 6)
    labels = yticklabels(ax)
    assert labels[:4] == ["king", "man", "woman", "king − man + woman"]
    assert labels[4].startswith("queen") and "cos 1.00" in labels[4]
    np.testing.assert_allclose(image_of(ax).get_array()[3], found.result, atol=1e-6)


def test_analogy_unknown_word_is_a_clear_error():
    with pytest.raises(IllustratedError, match="'emperor' is not in the vocabulary"):
        analogy_from_vectors(royal_vectors(), "emperor", "man", "woman")


def test_map_labels_every_point_and_colours_by_group():
    kv = royal_vectors()
    groups = ["royal", "royal", "person", "person", "royal", "royal", "fruit", "fruit"]
    fig = map_figure(kv.vectors, kv.keys, groups)
    ax = axes(fig, "map")
    assert sorted(t.get_text() for t in ax.texts) == sorted(kv.keys)
    assert sorted(c.get_label() for c in ax.collections) == ["fruit", "person", "royal"]
    assert sum(len(c.get_offsets()) for c in ax.collections) == 8
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["fruit", "person", "royal"]
    colours = {c.get_label(): tuple(c.get_facecolor()[0]) for c in ax.collections}
    assert len(set(colours.values())) == 3


def test_pca_keeps_the_main_direction_and_tsne_runs():
    rng = np.random.default_rng(1)
    x = np.outer(np.linspace(-5, 5, 12), rng.normal(size=8)) + 0.01 * rng.normal(size=(12, 8))
    xy = project_2d(x)
    assert xy.shape == (12, 2)
    # The first axis orders points along the line they lie on.
    order = np.argsort(xy[:, 0])
    assert list(order) in (list(range(12)), list(range(11, -1, -1)))
    assert np.abs(xy[:, 1]).max() < 0.2 * np.abs(xy[:, 0]).max()
    assert project_2d(x, "tsne").shape == (12, 2)
    with pytest.raises(IllustratedError, match="expected 'pca' or 'tsne'"):
        project_2d(x, "umap")


def test_attention_heatmap_has_one_row_per_output_word():
    (t,) = ReversingTranslator().translate(["the cat sat on the mat"])
    fig = attention_heatmap(t.attention, t.source, t.target)
    ax = axes(fig, "attention")
    image = image_of(ax)
    assert image.get_array().shape == (len(t.target), len(t.source)) == (6, 6)
    assert yticklabels(ax) == t.target
    assert [x.get_text() for x in ax.get_xticklabels()] == t.source
    assert (image.norm.vmin, image.norm.vmax) == (0.0, 1.0)
    assert len(ax.texts) == 36  # each weight written in its cell


def test_attention_shape_mismatch_names_both_lengths():
    with pytest.raises(IllustratedError, match="does not match 2 output and 3 source tokens"):
        attention_heatmap(np.ones((3, 2)), ["a", "b", "c"], ["x", "y"])


def test_unrolled_figure_has_a_panel_per_step():
    (t,) = ReversingTranslator().translate(["a b c d"])
    fig = unrolled_figure(t)
    labels = [ax.get_label() for ax in fig.axes]
    assert sum(lab.startswith("encoder:") for lab in labels) == 4
    assert sum(lab.startswith("decoder:") for lab in labels) == 4
    assert sum(lab.startswith("attention:") for lab in labels) == 4
    assert [axes(fig, f"encoder:{i}").get_title() for i in range(4)] == t.source
    assert [axes(fig, f"decoder:{j}").get_title() for j in range(4)] == t.target
    # Decoder step j shows exactly row j of the attention matrix, and its hidden state.
    np.testing.assert_allclose(image_of(axes(fig, "attention:2")).get_array()[:, 0], t.attention[2])
    np.testing.assert_allclose(image_of(axes(fig, "decoder:1")).get_array()[:, 0], t.decoder_states[1])


def test_unrolled_gif_reveals_one_decoder_step_per_frame(tmp_path):
    (t,) = ReversingTranslator().translate(["x y z"])
    partial = unrolled_figure(t, upto=0)
    assert np.ma.getmaskarray(image_of(axes(partial, "attention:2")).get_array()).all()
    assert not np.ma.getmaskarray(image_of(axes(partial, "attention:0")).get_array()).any()
    path = unrolled_gif(t, tmp_path / "u.gif", dpi=40)
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        assert gif.n_frames == len(t.target) + 1
        frames = []
        for i in range(gif.n_frames):
            gif.seek(i)
            frames.append(np.asarray(gif.convert("RGB")))
    assert not np.array_equal(frames[0], frames[-1])


def test_training_curves_from_translation_log(tmp_path):
    log = tmp_path / "metrics.jsonl"
    train = [{"step": 10 * i, "epoch": i // 5, "loss": 5 / (i + 1), "lr": 1e-3, "tokens_per_s": 900} for i in range(10)]
    valid = [{"epoch": e, "valid_loss": 3 - e, "bleu": 5 + e, "chrf": 20 + e} for e in range(2)]
    log.write_text("\n".join(json.dumps(r) for r in train[:5] + valid[:1] + train[5:] + valid[1:]) + "\n")
    fig = training_curves(read_metrics(log))
    (loss,) = axes(fig, "loss").get_lines()
    np.testing.assert_allclose(loss.get_xdata(), [r["step"] for r in train])
    np.testing.assert_allclose(loss.get_ydata(), [r["loss"] for r in train])
    assert axes(fig, "loss").get_xlabel() == "step"
    assert [line.get_label() for line in axes(fig, "scores").get_lines()] == ["BLEU", "chrF"]
    np.testing.assert_allclose(axes(fig, "validation").get_lines()[0].get_ydata(), [3, 2])


def test_training_curves_from_word2vec_log():
    records = [{"epoch": 0, "words": 1000 * i, "progress": i / 8, "alpha": 0.025 * (1 - i / 8),
                "loss": 3 - 0.1 * i, "words_per_s": 1e5} for i in range(8)]
    fig = training_curves(records)
    assert axes(fig, "loss").get_xlabel() == "words"
    np.testing.assert_allclose(axes(fig, "rate").get_lines()[0].get_ydata(), [r["alpha"] for r in records])
    assert [ax.get_label() for ax in fig.axes if ax.get_label() == "validation"] == []


def test_metrics_log_errors_name_the_line(tmp_path):
    log = tmp_path / "m.jsonl"
    log.write_text('{"loss": 1}\n\nnot json\n')
    with pytest.raises(IllustratedError, match="m.jsonl: line 3: not a JSON object"):
        read_metrics(log)
    with pytest.raises(IllustratedError, match="no record has 'loss'"):
        training_curves([{"epoch": 1}])


def test_save_png_and_svg(tmp_path):
    fig = vector_strips(np.eye(3), ["a", "b", "c"])
    png = save_figure(fig, tmp_path / "s.png")
    with Image.open(png) as image:
        assert image.format == "PNG" and image.width > 100
    svg = save_figure(fig, tmp_path / "s.svg")
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    with pytest.raises(IllustratedError, match="unknown figure format '.jpg'"):
        save_figure(fig, tmp_path / "s.jpg")
    assert not (tmp_path / "s.jpg").exists()


def test_cjk_labels_use_a_fallback_font_or_warn_in_one_line(tmp_path, capsys):
    import warnings

    from illustrated.illustrate import common

    fig = attention_heatmap(np.full((2, 3), 1 / 3, dtype=np.float32), ["我", "爱", "你"], ["I", "love"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # matplotlib's per-glyph warnings must not escape
        save_figure(fig, tmp_path / "cjk.png")
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    if not common._fallback_fonts():            # no font with the glyphs here: one line says so
        assert len(lines) == 1 and lines[0].startswith("warning: 3 character(s) have no glyph"), lines
    assert (tmp_path / "cjk.png").read_bytes()[:4] == b"\x89PNG"


def test_a_long_translation_gives_a_gif_of_at_most_max_frames(tmp_path):
    from illustrated.illustrate.unrolled import MAX_GIF_FRAMES, gif_steps

    assert gif_steps(3) == [-1, 0, 1, 2]
    for n in (MAX_GIF_FRAMES - 1, MAX_GIF_FRAMES, 91, 1000):
        steps = gif_steps(n)
        assert len(steps) == min(n + 1, MAX_GIF_FRAMES) and steps[0] == -1 and steps[-1] == n - 1
        assert steps == sorted(set(steps))
    (t,) = ReversingTranslator().translate([" ".join(f"w{i}" for i in range(MAX_GIF_FRAMES + 5))])
    path = unrolled_gif(t, tmp_path / "u.gif", dpi=20)
    with Image.open(path) as gif:
        assert gif.n_frames == MAX_GIF_FRAMES


def test_revealing_steps_in_place_draws_what_a_fresh_figure_draws():
    from illustrated.illustrate.unrolled import reveal_steps

    (t,) = ReversingTranslator().translate(["a b c d e"])
    fig = unrolled_figure(t, upto=-1)
    for before, upto in ((-1, 1), (1, 4)):
        reveal_steps(fig, t, before, upto)
        fresh = unrolled_figure(t, upto=upto)
        assert fig.get_suptitle() == fresh.get_suptitle()
        for j in range(5):
            for label in (f"decoder:{j}", f"attention:{j}"):
                mine, theirs = axes(fig, label), axes(fresh, label)
                np.testing.assert_array_equal(np.ma.filled(image_of(mine).get_array(), -9),
                                              np.ma.filled(image_of(theirs).get_array(), -9))
                assert mine.title.get_alpha() == theirs.title.get_alpha()
                assert [(s.get_edgecolor(), s.get_linewidth()) for s in mine.spines.values()] == \
                       [(s.get_edgecolor(), s.get_linewidth()) for s in theirs.spines.values()], (label, upto)
