"""``illustrated draw``: Draw models' internals as figures (PNG, SVG or PDF; GIF for ``unrolled``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Callable, Optional

import numpy as np
import typer

from ..errors import IllustratedError
from .common import echo, group
from .models import load_recommender, load_translator, load_vectors, load_word2vec

app = group("Draw models' internals as figures (PNG, SVG or PDF; GIF for unrolled).")

Output = Annotated[Path, typer.Option("-o", "--output", help="Figure file: .png, .svg or .pdf.")]
Kind = Annotated[str, typer.Option("--kind", help="Model kind: auto, word2vec or recommender.")]
Beam = Annotated[Optional[int], typer.Option(help="Beam size (1: greedy; at most 100; default: the search config's).")]


def _figures():
    from .. import illustrate  # matplotlib is imported only when something is drawn

    return illustrate


def _known(kv, words: list[str]) -> list[str]:
    missing = [w for w in words if w not in kv]
    if missing:
        raise IllustratedError(f"not in the vocabulary: {', '.join(missing)}")
    return words


def _save(fig, output: Path) -> None:
    _figures().save_figure(fig, output)
    echo(f"wrote {output}")


@app.command("vector")
def vector(model: Annotated[Path, typer.Argument(help="Vectors (.npz, .bin, .txt) or recommender.")],
           words: Annotated[list[str], typer.Argument(help="Words or items to stack.")],
           output: Output, kind: Kind = "auto") -> None:
    """Vector strips: each word a row of coloured cells (blue negative, red positive)."""
    kv = load_vectors(model, kind)
    words = _known(kv, words)
    _save(_figures().vector_strips(np.stack([kv.vector(w) for w in words]), words), output)


@app.command("analogy")
def analogy(model: Annotated[Path, typer.Argument(help="word2vec vectors.")],
            a: str, b: str, c: str, output: Output,
            method: Annotated[str, typer.Option(help="add (3CosAdd) or mul (3CosMul).")] = "add") -> None:
    """Strips for a, b, c, a − b + c and the nearest word, with its cosine similarity."""
    kv = load_word2vec(model)
    found = _figures().analogy_from_vectors(kv, *_known(kv, [a, b, c]), method=method)
    echo(f"{a} - {b} + {c} ≈ {found.words[3]} (cosine {found.cosine:.3f})")
    _save(_figures().analogy_strips(found), output)


def _read_groups(path: Path) -> dict[str, str]:
    """``key<TAB>attribute`` lines, e.g. a film id and its genre."""
    from ..files import open_binary

    groups = {}
    with open_binary(path) as f:
        for number, raw in enumerate(f, 1):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if not line:
                continue
            if "\t" not in line:
                raise IllustratedError(f"{path}: line {number}: expected key<TAB>attribute")
            key, value = line.split("\t", 1)
            groups[key] = value
    return groups


@app.command("map")
def map_(model: Annotated[Path, typer.Argument(help="Vectors (.npz, .bin, .txt) or recommender.")],
         words: Annotated[Optional[list[str]], typer.Argument(help="Words or items (default: the most frequent).")] = None,
         output: Output = Path("map.png"),
         top: Annotated[int, typer.Option(help="How many frequent keys when no words are given.")] = 40,
         method: Annotated[str, typer.Option(help="pca or tsne.")] = "pca",
         groups: Annotated[Optional[Path], typer.Option(help="TSV of key<TAB>attribute to colour by.")] = None,
         kind: Kind = "auto") -> None:
    """A 2-D map (PCA or t-SNE) of words or items, labelled, optionally coloured by an attribute."""
    if not words and top < 2:
        raise IllustratedError(f"--top {top}: a map needs at least 2 keys")
    kv = load_vectors(model, kind)
    keys = _known(kv, list(words)) if words else [str(k) for k in list(kv.keys)[:top]]
    attribute = _read_groups(groups) if groups else None
    colours = [attribute.get(k, "other") for k in keys] if attribute else None
    _save(_figures().map_figure(np.stack([kv.vector(k) for k in keys]), keys, colours, method=method), output)


def _translate(translator_dir: Path, sentence: str, beam: int | None):
    (t,) = load_translator(translator_dir).translate([sentence], beam=beam)
    echo(f"{' '.join(t.source)} → {t.text}")
    return t


def _index(value: str | None, count: int, what: str, default: int | None) -> int | str | None:
    """A 1-based ``--layer``/``--head`` option as a 0-based index, or ``all``/``mean`` as given."""
    if value is None:
        return default
    if value in ("all", "mean"):
        return value
    try:
        number = int(value)
    except ValueError:
        raise IllustratedError(f"--{what}: expected a number from 1 to {count}, 'all' or 'mean', got {value!r}") from None
    if not 1 <= number <= count:
        raise IllustratedError(f"--{what} {number}: this model has {what}s 1 to {count}")
    return number - 1


@app.command("attention")
def attention(translator: Annotated[Path, typer.Argument(help="Translator folder.")],
              sentence: str, output: Output, beam: Beam = None,
              kind: Annotated[str, typer.Option("--map", help="cross (output → source), encoder (source → source) "
                                                             "or decoder (output → output so far).")] = "cross",
              layer: Annotated[Optional[str], typer.Option(help="Layer from 1, or 'all' for a layer × head "
                                                                "grid (default: the last).")] = None,
              head: Annotated[Optional[str], typer.Option(help="Head from 1, 'all' (one panel each) or 'mean' "
                                                               "(default).")] = None) -> None:
    """The attention of one translation: a heatmap, one panel per head, or a layer × head grid.

    For a Transformer, --map picks encoder–decoder, encoder self- or decoder self-attention and
    --layer/--head pick what to draw; a recurrent translator has one map (cross, 1 layer, 1 head).
    """
    figures = _figures()
    t = _translate(translator, sentence, beam)
    maps, queries, keys = figures.translation_maps(t, kind)
    layers, heads = maps.shape[:2]
    which_layer = _index(layer, layers, "layer", layers - 1)
    which_head = _index(head, heads, "head", "mean")
    if which_layer == "mean":
        raise IllustratedError("--layer: expected a number or 'all'")
    if which_layer == "all":
        if which_head not in ("all", "mean"):
            raise IllustratedError("--layer all draws every head; leave out --head or give --head all")
        fig = figures.attention_grid(maps, keys, queries, title=f"{kind} attention: {t.text}")
    elif which_head == "all":
        fig = figures.attention_heads(maps[which_layer], keys, queries, layer=which_layer)
    else:
        picked = maps[which_layer].mean(axis=0) if which_head == "mean" else maps[which_layer, which_head]
        label = "heads averaged" if which_head == "mean" else f"head {which_head + 1}"
        title = t.text if (layers, heads) == (1, 1) else f"{t.text}\n{kind}, layer {which_layer + 1}, {label}"
        fig = figures.attention_heatmap(picked, keys, queries, title=title)
        fig.axes[0].set_xlabel("source" if kind != "decoder" else "read so far")
        fig.axes[0].set_ylabel("output" if kind != "encoder" else "source")
    _save(fig, output)


def _word_position(tokens: list[str], word: str) -> int:
    """A token of ``tokens`` named by its text (a subword's ``▁`` may be left out), by a whole word
    split into subword pieces (its first piece), or by its position from 1."""
    from ..text.subwords import WORD_START, word_groups

    word = word.strip()
    for i, token in enumerate(tokens):
        if word in (token, token.lstrip(WORD_START)):
            return i
    for match in (lambda w: w == word, lambda w: w.casefold() == word.casefold()):
        for text, first in word_groups(tokens):
            if text and match(text):
                if tokens[first].lstrip(WORD_START) != text:
                    typer.echo(f"--word {word!r}: following its first piece {tokens[first]!r}", err=True)
                return first
    if word.isdigit() and 1 <= int(word) <= len(tokens):
        return int(word) - 1
    raise IllustratedError(f"--word {word!r} is not one of the source words or pieces: {' '.join(tokens)} "
                           f"(or give a position from 1 to {len(tokens)})")


@app.command("self-attention")
def self_attention(translator: Annotated[Path, typer.Argument(help="Transformer translator folder.")],
                   sentence: str, output: Output,
                   word: Annotated[str, typer.Option(help="Source token to follow (or its position from 1).")],
                   layer: Annotated[Optional[int], typer.Option(help="Encoder layer from 1 (default: the last).")] = None,
                   head: Annotated[Optional[str], typer.Option(help="Head from 1, or 'all' (default): one colour each.")] = None,
                   beam: Beam = None) -> None:
    """One source word's encoder self-attention drawn as lines to every word of its sentence."""
    figures = _figures()
    t = _translate(translator, sentence, beam)
    maps, _, keys = figures.translation_maps(t, "encoder")
    which_layer = _index(None if layer is None else str(layer), maps.shape[0], "layer", maps.shape[0] - 1)
    which_head = _index(head, maps.shape[1], "head", "all")
    if which_head == "mean":
        raise IllustratedError("--head: expected a number or 'all'")
    position = _word_position(keys, word)
    heads = None if which_head == "all" else [which_head]
    fig = figures.attention_lines(maps[which_layer], keys, position, heads=heads,
                                  title=f"layer {which_layer + 1}: “{keys[position]}” attends to …")
    _save(fig, output)


@app.command("positions")
def positions(output: Output,
              translator: Annotated[Optional[Path], typer.Option(help="Draw this Transformer's positions.")] = None,
              length: Annotated[int, typer.Option(help="Positions (rows; at most 4096).")] = 50,
              dim: Annotated[int, typer.Option(help="Dimensions, without --translator (2 to 4096).")] = 128) -> None:
    """Positional encodings as a coloured grid: sinusoids of the paper, or a model's learned table."""
    from ..illustrate.heads import check_positions_size
    from ..seq2seq.positions import LearnedPositions, sinusoid_table

    check_positions_size(length, dim if translator is None else 2, ("--length", "--dim"))
    title, sinusoids = None, True
    if translator is not None:
        model = load_translator(translator).model
        table_module = getattr(model, "src_positions", None)
        if table_module is None:
            raise IllustratedError(f"{translator}: a recurrent translator has no positional encodings")
        if isinstance(table_module, LearnedPositions):
            table = table_module.embed.weight.detach()[:length].numpy()
            title = f"learned positions of {translator.name}: {table.shape[0]} × {table.shape[1]}"
            sinusoids = False
        else:
            table = sinusoid_table(length, model.cfg.d_model).numpy()
    else:
        table = sinusoid_table(length, dim + dim % 2).numpy()[:, :dim]
    _save(_figures().positional_encoding(table, title=title, split_sin_cos=sinusoids), output)


@app.command("unrolled")
def unrolled(translator: Annotated[Path, typer.Argument(help="Translator folder.")],
             sentence: str,
             output: Annotated[Path, typer.Option("-o", "--output", help="Figure (.png, .svg, .pdf) or animation (.gif).")],
             beam: Beam = None) -> None:
    """The encoder–decoder unrolled over one translation: panels, or an animated GIF (-o x.gif, at
    most 24 frames: a longer translation's steps are spread over them)."""
    t = _translate(translator, sentence, beam)
    if output.suffix.lower() == ".gif":
        from ..illustrate.unrolled import gif_steps

        _figures().unrolled_gif(t, output)
        frames, steps = len(gif_steps(len(t.target))), len(t.target) + 1
        echo(f"wrote {output}" + (f" ({frames} frames spread over the {steps} steps)" if frames < steps else ""))
    else:
        _save(_figures().unrolled_figure(t), output)


@app.command("curves")
def curves(log: Annotated[Path, typer.Argument(help="A trainer's JSON-lines metrics log.")],
           output: Output, title: Optional[str] = None) -> None:
    """Training loss (and learning rate) and validation metrics from a metrics log."""
    fig = _figures()
    _save(fig.training_curves(fig.read_metrics(log), title=title or log.stem), output)


# --- the demo's last part: figures for whichever models the earlier parts saved ---

WORDS = ("king", "man", "woman", "queen")
ANALOGIES = (("king", "man", "woman"), ("paris", "france", "germany"), ("big", "bigger", "small"))


def _first(out: Path, patterns: tuple[str, ...]) -> Path | None:
    for pattern in patterns:
        found = sorted(out.glob(pattern))
        if found:
            return found[0]
    return None


def demo(out: Path, echo: Callable[[str], None]) -> dict:
    """Draw figures for the models saved in ``out`` into ``out/figures`` and write ``out/index.html``."""
    from ..illustrate.gallery import Gallery

    gallery = Gallery(out / "figures", echo=echo)
    w2v = _first(out, ("word2vec.npz", "word2vec*.npz", "word2vec*.bin"))
    if w2v:
        gallery.word2vec(load_word2vec(w2v), WORDS, ANALOGIES, *_planted_groups())
    translator = _first(out, ("translator",))
    if translator and translator.is_dir():
        model = load_translator(translator)
        gallery.translation(model, _demo_sentence(out, model.data.src_lang))
    rec = _first(out, ("recommender*.npz", "recommender*"))
    if rec:
        genres = out / "recommender-genres.tsv"
        gallery.items(load_recommender(rec).vectors, _read_groups(genres) if genres.exists() else None)
    for log in sorted(set(out.glob("*.jsonl")) | set(out.glob("*/metrics.jsonl"))):
        gallery.curves(log.parent.name if log.name == "metrics.jsonl" else log.stem, log)
    index = gallery.write_index(out / "index.html")
    echo(f"{len(gallery.entries)} figures; open {index}")
    return {"figures": [name for _, name, _ in gallery.entries], "index": str(index)}


def _planted_groups() -> tuple[list[str] | int, dict[str, str] | None]:
    """The demo corpus's planted nouns, each with its side of its axis (male, female, country, capital)."""
    try:
        from ..word2vec.planted import PAIRS
    except ImportError:
        return 40, None
    sides = {"gender": ("male", "female"), "capital": ("country", "capital")}
    groups = {}
    for a, b, axis, _ in PAIRS:
        first, second = sides.get(axis, (f"{axis} a", f"{axis} b"))
        groups[a], groups[b] = first, second
    return list(groups), groups


def _demo_sentence(out: Path, src_lang: str) -> str:
    """A sentence for the demo translator: the longest of the first validation lines it was
    trained with (longer sentences show more of the attention), else a fixed one."""
    try:
        lines = (out / "translate-data" / f"valid.{src_lang}").read_text(encoding="utf-8").splitlines()[:40]
    except (OSError, ValueError):
        lines = []
    lines = [line.strip() for line in lines if 0 < len(line.split()) <= 10]
    return max(lines, key=lambda line: len(line.split())) if lines else "je suis étudiant"
