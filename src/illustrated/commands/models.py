"""Loading the models the figures and the web page read, with one-line errors when they cannot."""

from __future__ import annotations

from pathlib import Path

from ..errors import IllustratedError
from ..files import check_readable

__all__ = ["load_word2vec", "load_translator", "load_recommender", "load_vectors"]


def _missing(what: str, e: Exception) -> IllustratedError:
    return IllustratedError(f"{what} support is not available in this installation ({e})")


def load_word2vec(path: str | Path):
    """KeyedVectors from a ``.npz``, word2vec ``.bin`` or ``.txt`` file."""
    check_readable(path, "word2vec model file")
    try:
        from ..word2vec import KeyedVectors
    except ImportError as e:
        raise _missing("word2vec", e) from None
    return KeyedVectors.load(path)


def load_translator(path: str | Path):
    """A Translator from its folder."""
    if not Path(path).is_dir():
        raise IllustratedError(f"{path}: no such translator folder")
    try:
        from ..seq2seq import Translator
    except ImportError as e:
        raise _missing("translation", e) from None
    return Translator.load(path)


def load_recommender(path: str | Path):
    """A Recommender from its file."""
    check_readable(path, "recommender model file")
    try:
        from ..recommend import Recommender
    except ImportError as e:
        raise _missing("recommendation", e) from None
    return Recommender.load(path)


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
