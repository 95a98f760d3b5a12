"""The live page in a real headless Chromium: type, and check what the page draws."""

import numpy as np
import pytest

from illustrated.illustrate.web import create_app

from .browser import chromium, live_server, screenshot
from .fakes import (ManyHeadsTranslator, ReversingTranslator, attributed_recommender, named_recommender,
                    planted_maps, royal_vectors)

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def url():
    kv = royal_vectors()
    app = create_app(word2vec=kv, translator=ReversingTranslator(), recommender=named_recommender())
    with live_server(app) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, url):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "/")
    yield page
    context.close()
    assert errors == []


def test_word_shows_neighbours_and_strips(page):
    page.fill("#word", "king")
    page.press("#word", "Enter")
    page.wait_for_selector("#neighbours li")
    items = page.locator("#neighbours li")
    assert items.count() == 7  # all other words of the tiny model
    assert items.first.inner_text().startswith("prince")
    strips = page.locator("#word-strips g.strip")
    assert strips.count() == 8  # the word and its 7 neighbours
    assert strips.first.get_attribute("data-label") == "king"
    assert strips.first.locator("rect.cell").count() == 6  # one cell per dimension
    screenshot(page, "web-word")


def test_unknown_word_is_reported(page):
    page.fill("#word", "emperor")
    page.press("#word", "Enter")
    page.wait_for_selector("#word-error:not(:empty)")
    assert "not in the vocabulary" in page.inner_text("#word-error")
    assert page.locator("#neighbours li").count() == 0


def test_analogy(page):
    for field, word in (("a", "king"), ("b", "man"), ("c", "woman")):
        page.fill(f"#analogy-{field}", word)
    page.click("#analogy-form button")
    page.wait_for_selector("#analogy-strips g.strip")
    assert "≈ queen" in page.inner_text("#analogy-result")
    labels = [g.get_attribute("data-label") for g in page.locator("#analogy-strips g.strip").all()]
    assert labels == ["king", "man", "woman", "king − man + woman", "queen"]


def test_translation_heatmap_has_one_row_per_output_word(page):
    page.fill("#sentence", "the cat sat on the mat")
    page.press("#sentence", "Enter")
    page.wait_for_selector("#heatmap g.row")
    assert page.inner_text("#translation") == "MAT THE ON SAT CAT THE"
    rows = page.locator("#heatmap g.row")
    assert rows.count() == 6
    assert [r.get_attribute("data-word") for r in rows.all()] == "MAT THE ON SAT CAT THE".split()
    assert all(r.locator("rect.cell").count() == 6 for r in rows.all())
    assert page.locator("#heatmap text.source").count() == 6
    screenshot(page, "web-translation")


def test_a_recurrent_translation_shows_no_pickers(page):
    page.fill("#sentence", "the cat sat")
    page.press("#sentence", "Enter")
    page.wait_for_selector("#heatmap g.row")
    assert page.locator("#attention-pickers").is_hidden()


def cell_weights(page) -> list[list[float]]:
    return [[float(c.get_attribute("data-weight")) for c in row.locator("rect.cell").all()]
            for row in page.locator("#heatmap g.row").all()]


def test_layer_and_head_pickers_redraw_the_chosen_map(browser):
    with live_server(create_app(translator=ManyHeadsTranslator())) as base:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/")
        page.fill("#sentence", "a b c d e")
        page.press("#sentence", "Enter")
        page.wait_for_selector("#heatmap g.row")
        assert page.locator("#attention-pickers").is_visible()
        assert page.locator("#attention-layer option").count() == 2
        assert page.locator("#attention-head option").count() == 4          # mean + 3 heads
        assert page.locator("#attention-map option").count() == 3
        # default: last layer, heads averaged — the same matrix as the plain heatmap
        expected = planted_maps(2, 3, 5, 5)
        np.testing.assert_allclose(cell_weights(page), expected[1].mean(axis=0), atol=1e-3)
        page.select_option("#attention-layer", value="1")
        page.select_option("#attention-head", value="3")
        np.testing.assert_allclose(cell_weights(page), expected[0, 2], atol=1e-4)
        page.select_option("#attention-map", value="decoder")
        rows = [r.get_attribute("data-word") for r in page.locator("#heatmap g.row").all()]
        assert rows == ["E", "D", "C", "B", "A"]
        assert [t.text_content() for t in page.locator("#heatmap text.source").all()] == ["<s>", "E", "D", "C", "B"]
        np.testing.assert_allclose(cell_weights(page), planted_maps(2, 3, 5, 5, causal=True)[0, 2], atol=1e-4)
        page.select_option("#attention-map", value="encoder")
        assert [r.get_attribute("data-word") for r in page.locator("#heatmap g.row").all()] == list("abcde")
        screenshot(page, "web-attention-heads")
        context.close()
        assert errors == []


def test_pick_items_by_id_or_name_and_recommend_with_names(page):
    page.fill("#item", "conf")  # typing suggests items by id or name, names as labels
    page.wait_for_selector('#item-options option[value="pear"]', state="attached")
    assert page.locator('#item-options option[value="pear"]').get_attribute("label") == "Conference Pear"
    page.fill("#item", "golden delicious")  # a name, any case
    page.press("#item", "Enter")
    page.wait_for_selector("#picked li")
    page.fill("#item", "king")  # an id
    page.press("#item", "Enter")
    page.wait_for_selector("#picked li:nth-child(2)")
    chips = page.locator("#picked li")
    assert [li.get_attribute("data-item") for li in chips.all()] == ["apple", "king"]
    assert chips.first.inner_text().startswith("Golden Delicious")
    page.click("#recommend-button")
    page.wait_for_selector("#recommendations li")
    assert page.locator("#recommendations li").count() == 6  # the other items
    pear = page.locator("#recommendations li", has_text="Conference Pear")
    assert pear.count() == 1 and pear.locator(".id").inner_text() == "pear"
    assert page.inner_text("#recommend-reason") == "recency-weighted mix of 2 session item(s)"
    screenshot(page, "web-recommend-names")


def test_usable_on_a_phone(browser, url):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(url + "/")
    page.fill("#sentence", "a b c d e f g h")
    page.press("#sentence", "Enter")
    page.wait_for_selector("#heatmap g.row")
    page.fill("#word", "queen")
    page.press("#word", "Enter")
    page.wait_for_selector("#neighbours li")
    # Nothing wider than the screen: the page never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for selector in ("#word", "#sentence", "#item", "#recommend-button"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, "web-phone")
    context.close()


def test_page_without_models_says_how_to_start(browser):
    with live_server(create_app()) as base:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        page.goto(base + "/")
        page.wait_for_selector("#translate-card.disabled")
        assert page.locator("#translate-card .missing").is_visible()
        assert "--translator DIR" in page.inner_text("#translate-card")
        assert page.locator("#words-card.disabled").count() == 1
        context.close()


def test_clicking_an_item_on_the_map_highlights_its_neighbours_and_draws_its_parts(browser):
    rec = attributed_recommender()
    with live_server(create_app(recommender=rec)) as base:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/")
        page.wait_for_selector("#item-map circle.point")
        points = page.locator("#item-map circle.point")
        assert points.count() == len(rec)
        cold = page.locator("#item-map circle.point.cold")
        assert [c.get_attribute("data-item") for c in cold.all()] == ["cherry"]
        cold.first.click()
        page.wait_for_selector("#item-map circle.neighbour")
        near = rec.similar("cherry", 10).items
        lit = [c.get_attribute("data-item") for c in page.locator("#item-map circle.neighbour").all()]
        assert sorted(lit) == sorted(near) and len(lit) < len(rec) - 1   # some stay dark
        assert page.locator("#item-map circle.selected").get_attribute("data-item") == "cherry"
        assert page.locator("#item-map line.link").count() == len(near)
        assert "Morello Cherry" in page.inner_text("#item-title") and "cold" in page.inner_text("#item-title")
        assert "cold item" in page.inner_text("#item-reason")
        assert page.locator("#item-neighbours li").count() == len(near)
        labels = [g.get_attribute("data-label") for g in page.locator("#item-parts g.strip").all()]
        assert labels == ["Morello Cherry: vector", "kind=fruit", "colour=red"]   # no own row: cold
        weights = {g.get_attribute("data-label"): float(g.get_attribute("data-weight"))
                   for g in page.locator("#item-weights g.weight").all()}
        assert weights == {"own row (none: cold)": 0.0, "kind=fruit": 0.5, "colour=red": 0.5}
        screenshot(page, "web-item-map-cold")
        page.fill("#map-item", "golden delicious")          # a warm item, picked by its name
        page.press("#map-item", "Enter")
        page.wait_for_selector('#item-map circle.selected[data-item="fruit-green-1"]')
        labels = [g.get_attribute("data-label") for g in page.locator("#item-parts g.strip").all()]
        assert labels == ["Golden Delicious: vector", "own row", "kind=fruit", "colour=green"]
        parts = rec.item_parts("fruit-green-1")
        shown = [float(g.get_attribute("data-weight")) for g in page.locator("#item-weights g.weight").all()]
        np.testing.assert_allclose(shown, parts.weights, atol=1e-3)
        screenshot(page, "web-item-map-warm")
        context.close()
        assert errors == []
