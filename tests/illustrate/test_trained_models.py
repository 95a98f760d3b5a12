"""Figures, commands and the page from small trained models: what each figure must contain."""

import subprocess
import sys

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from illustrated.cli import app

from illustrated.illustrate import (analogy_from_vectors, analogy_strips, attention_heatmap, map_figure,
                                    read_metrics, training_curves, unrolled_figure, vector_strips)
from illustrated.illustrate.web import create_app

from .browser import chromium, live_server, screenshot
from .conftest import TOPIC_OF, TOPICS


@pytest.fixture(scope="module")
def kv(word2vec_path):
    from illustrated.word2vec import KeyedVectors

    return KeyedVectors.load(word2vec_path)


@pytest.fixture(scope="module")
def translator(translator_dir):
    from illustrated.seq2seq import Translator

    return Translator.load(translator_dir)


@pytest.fixture(scope="module")
def recommender(recommender_path):
    from illustrated.recommend import Recommender

    return Recommender.load(recommender_path)


def run(*args):
    return subprocess.run([sys.executable, "-m", "illustrated.cli", *args], capture_output=True, text=True)


def test_word_figures(kv):
    words = ["king", "queen", "cat", "dog"]
    fig = vector_strips(np.stack([kv.vector(w) for w in words]), words)
    (ax,) = [a for a in fig.axes if a.get_label() == "strips"]
    assert ax.get_images()[0].get_array().shape == (4, kv.vectors.shape[1])
    assert [t.get_text() for t in ax.get_yticklabels()] == words

    found = analogy_from_vectors(kv, "king", "cat", "dog")
    assert TOPIC_OF[found.words[3]] == "royals"  # the animal offsets cancel; the answer stays royal
    (ax,) = analogy_strips(found).axes[:1]
    assert ax.get_images()[0].get_array().shape == (5, kv.vectors.shape[1])

    words = [w for ws in TOPICS.values() for w in ws]
    fig = map_figure(np.stack([kv.vector(w) for w in words]), words, [TOPIC_OF[w] for w in words])
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == sorted(words)
    # The planted topics come out as clusters: each point is nearer its own topic's centre.
    points = {c.get_label(): c.get_offsets() for c in ax.collections}
    centres = {t: p.mean(axis=0) for t, p in points.items()}
    for topic, p in points.items():
        for xy in p:
            assert min(centres, key=lambda t: np.linalg.norm(xy - centres[t])) == topic


def test_word2vec_training_log_curves(word2vec_path):
    records = read_metrics(word2vec_path.parent / "train.jsonl")
    fig = training_curves(records)
    (loss,) = [a for a in fig.axes if a.get_label() == "loss"][0].get_lines()
    assert len(loss.get_ydata()) == len(records) == 3


def test_translation_figures(translator):
    (t,) = translator.translate(["elle a une voiture rouge"], beam=3)
    fig = attention_heatmap(t.attention, t.source, t.target)
    ax = fig.axes[0]
    assert ax.get_images()[0].get_array().shape == (len(t.target), len(t.source))
    assert [x.get_text() for x in ax.get_yticklabels()] == t.target
    assert [x.get_text() for x in ax.get_xticklabels()] == ["elle", "a", "une", "voiture", "rouge"]
    labels = [a.get_label() for a in unrolled_figure(t).axes]
    assert labels.count("encoder:4") == 1 and sum(lab.startswith("decoder:") for lab in labels) == len(t.target)


def test_translator_metrics_curves(translator_dir):
    records = read_metrics(translator_dir / "metrics.jsonl")
    fig = training_curves(records)
    names = {a.get_label() for a in fig.axes}
    assert {"loss", "rate", "validation", "scores"} <= names
    (valid_loss,) = [a for a in fig.axes if a.get_label() == "validation"][0].get_lines()
    assert len(valid_loss.get_ydata()) == sum("valid_loss" in r for r in records) == 6


def test_draw_commands_on_saved_models(tmp_path, word2vec_path, translator_dir, recommender_path):
    out = tmp_path
    for args in (["vector", str(word2vec_path), "king", "queen", "cat", "-o", str(out / "v.png")],
                 ["analogy", str(word2vec_path), "king", "cat", "dog", "-o", str(out / "a.svg")],
                 ["map", str(word2vec_path), "-o", str(out / "m.png"), "--top", "12", "--method", "tsne"],
                 ["map", str(recommender_path), "--groups", str(recommender_path.parent / "genres.tsv"),
                  "-o", str(out / "items.png")],
                 ["attention", str(translator_dir), "je suis content", "-o", str(out / "att.png")],
                 ["unrolled", str(translator_dir), "je suis content", "-o", str(out / "u.gif")],
                 ["curves", str(translator_dir / "metrics.jsonl"), "-o", str(out / "c.png")]):
        r = CliRunner().invoke(app, ["draw", *args])
        assert r.exit_code == 0, (args, r.output, r.exception)
    assert "<svg" in (out / "a.svg").read_text()
    with Image.open(out / "u.gif") as gif:
        assert gif.n_frames >= 3
    for name in ("v.png", "m.png", "items.png", "att.png", "c.png"):
        with Image.open(out / name) as image:
            assert image.format == "PNG"
    r = run("draw", "vector", str(word2vec_path), "king", "emperor", "-o", str(out / "x.png"))
    assert r.returncode == 1 and r.stderr.strip() == "error: not in the vocabulary: emperor"


def test_page_api_with_trained_models(kv, translator, recommender):
    client = TestClient(create_app(word2vec=kv, translator=translator, recommender=recommender))
    data = client.get("/api/neighbours", params={"word": "cat", "topn": 4}).json()
    assert {n["word"] for n in data["neighbours"]} == set(TOPICS["animals"]) - {"cat"}
    data = client.post("/api/translate", json={"sentence": "je suis content"}).json()
    assert np.asarray(data["attention"]).shape == (len(data["target"]), 3)
    data = client.post("/api/recommend", json={"items": ["rock-000", "rock-001"], "k": 5}).json()
    assert len(data["items"]) == 5 and not data["fallback"]
    assert sum(i.startswith("rock-") for i in data["items"]) >= 4


@pytest.mark.browser
def test_page_in_chromium_with_trained_models(kv, translator, recommender):
    app = create_app(word2vec=kv, translator=translator, recommender=recommender)
    with live_server(app) as url, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(url + "/")
        page.fill("#word", "queen")
        page.press("#word", "Enter")
        page.wait_for_selector("#neighbours li")
        first = page.locator("#neighbours li").first.inner_text().split()[0]
        assert TOPIC_OF[first] == "royals"
        assert page.locator("#word-strips g.strip").first.locator("rect.cell").count() == kv.vectors.shape[1]
        page.fill("#sentence", "elle a une voiture rouge")
        page.press("#sentence", "Enter")
        page.wait_for_selector("#heatmap g.row")
        words = page.inner_text("#translation").split()
        (t,) = translator.translate(["elle a une voiture rouge"], beam=5)
        assert words == t.text.split()
        assert page.locator("#heatmap g.row").count() == len(t.target)
        assert page.locator("#heatmap g.row").first.locator("rect.cell").count() == 5
        for item in ("jazz-000", "jazz-001"):
            page.fill("#item", item)
            page.press("#item", "Enter")
        page.click("#recommend-button")
        page.wait_for_selector("#recommendations li")
        assert page.locator("#recommendations li").count() == 10
        screenshot(page, "web-trained-models")
