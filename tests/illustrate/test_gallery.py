"""The demo's folder of figures and its index.html."""

import json
import re

from PIL import Image

from illustrated.illustrate.gallery import Gallery, pick_words

from .fakes import ReversingTranslator, royal_vectors


def test_gallery_draws_every_model_and_indexes_it(tmp_path):
    kv = royal_vectors()
    log = tmp_path / "train.jsonl"
    log.write_text("\n".join(json.dumps({"epoch": 0, "words": i, "alpha": 0.02, "loss": 1 / (i + 1)})
                             for i in range(5)) + "\n")
    gallery = Gallery(tmp_path / "figures")
    gallery.word2vec(kv, ["king", "man", "woman", "queen"], [("x", "y", "z"), ("king", "man", "woman")], map_words=8)
    gallery.translation(ReversingTranslator(), "one two three")
    gallery.items(kv, groups={"apple": "fruit", "pear": "fruit"}, n=8)
    gallery.curves("word2vec", log)
    gallery.curves("broken", tmp_path / "missing.jsonl")  # skipped, not fatal
    index = gallery.write_index(tmp_path / "index.html")
    names = [name for _, name, _ in gallery.entries]
    assert names == ["word2vec-strips.png", "word2vec-analogy.png", "word2vec-map.png", "attention.png",
                     "unrolled.png", "unrolled.gif", "items-map.png", "word2vec-curves.png"]
    page = index.read_text()
    sources = re.findall(r"<img src='([^']+)'", page)
    assert sources == [f"figures/{n}" for n in names]
    for src in sources:
        with Image.open(tmp_path / src) as image:
            assert image.width > 100
    assert "king − man + woman ≈ queen" in page
    assert page.count("<h2>") == 4


def test_pick_words_prefers_known_words_then_frequent_ones():
    kv = royal_vectors()
    assert pick_words(kv, ["queen", "emperor"], n=3, skip=0) == ["queen", "king", "man"]


def test_demo_part_without_models_writes_an_empty_index(tmp_path):
    from illustrated.commands import draw

    lines = []
    summary = draw.demo(tmp_path, lines.append)
    assert summary["figures"] == []
    assert "No models were found" in (tmp_path / "index.html").read_text()


def test_a_transformer_translation_adds_its_heads(tmp_path, transformer_dir):
    from illustrated.seq2seq import Translator

    gallery = Gallery(tmp_path / "figures")
    gallery.translation(Translator.load(transformer_dir), "je suis content")
    names = [name for _, name, _ in gallery.entries]
    assert names == ["attention.png", "unrolled.png", "unrolled.gif", "attention-heads.png", "encoder-heads.png",
                     "self-attention-lines.png"]
    captions = [c for _, _, c in gallery.entries]
    assert "4 heads" in captions[3] and "2 layers × 4 heads" in captions[4] and "attends to in the last encoder layer" in captions[5]
