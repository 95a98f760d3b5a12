"""Loading the models the figures and the web page read, with one-line errors when they cannot."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from ..errors import IllustratedError
from ..files import check_readable

__all__ = ["load_word2vec", "load_translator", "load_recommender", "load_vectors"]


def _model_class(package: str, name: str, what: str):
    """The class ``name`` of the subpackage ``package``, or a one-line error naming ``what`` when
    that part of the toolkit cannot be imported (e.g. PyTorch is missing)."""
    try:
        return getattr(import_module(f"..{package}", __package__), name)
    except ImportError as e:
        raise IllustratedError(f"{what} support is not available in this installation ({e})") from None


def load_word2vec(path: str | Path):
    """KeyedVectors from a ``.npz``, word2vec ``.bin`` or ``.txt`` file."""
    check_readable(path, "word2vec model file")
    return _model_class("word2vec", "KeyedVectors", "word2vec").load(path)


def load_translator(path: str | Path):
    """A Translator from its folder."""
    if not Path(path).is_dir():
        raise IllustratedError(f"{path}: no such translator folder")
    return _model_class("seq2seq", "Translator", "translation").load(path)


def load_recommender(path: str | Path):
    """A Recommender from its file."""
    check_readable(path, "recommender model file")
    return _model_class("recommend", "Recommender", "recommendation").load(path)


def load_vectors(path: str | Path, kind: str = "auto"):
    """Vectors to draw: a word2vec model's, or a recommender's item vectors.

    ``kind="auto"`` tries word2vec vectors first, then a recommender, and reports the first error.
    """
    if kind == "word2vec":
        return load_word2vec(path)
    if kind == "recommender":
        return load_recommender(path).vectors
    if kind != "auto":
        raise IllustratedError(f"--kind: expected auto, word2vec or recommender, got {kind!r}")
    try:
        return load_word2vec(path)
    except IllustratedError as first:
        try:
            return load_recommender(path).vectors
        except IllustratedError:
            raise first from None
