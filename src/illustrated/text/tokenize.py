"""Tokenization, every kind in one place: text → tokens, and tokens → text.

Three kinds, one name each: ``whitespace`` splits on whitespace only (corpora that are already
tokenized; the compiled word2vec reader's kind); ``words`` applies Unicode rules — a token is a
run of letters, digits and marks, with inner apostrophes or hyphens kept (``aujourd'hui``,
``Größe``, ``e-mail``), or a single punctuation character, letters matched by Unicode category so
German and French words stay whole; ``bpe`` cuts text into subword pieces with a sentencepiece
model learned from the training text (:mod:`.subwords`). ``word``, the name translator folders
and ``translate train --tokens`` used for ``words``, is still read. Under ``words``, control
characters (Unicode ``Cc``: ``\x00``, escape, delete…) separate tokens as whitespace does and are
never tokens themselves.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import ConfigError, IllustratedError

__all__ = ["Tokenizer", "KINDS", "tokenizer_kind", "tokenize", "whitespace", "detokenize_words", "check_text"]

KINDS = ("whitespace", "words", "bpe")
_OLD_NAMES = {"word": "words"}

_WORD = r"[^\W_](?:[^\W_]|['’\-](?=[^\W_]))*"
_TOKEN_RE = re.compile(rf"{_WORD}|[^\w\s\x00-\x1f\x7f-\x9f]|_", re.UNICODE)   # \x..: Unicode Cc


def tokenize(text: str, lowercase: bool = False) -> list[str]:
    """Split ``text`` into word and punctuation tokens (NFC-normalised)."""
    text = unicodedata.normalize("NFC", text)
    if lowercase:
        text = text.lower()
    return _TOKEN_RE.findall(text)


def check_text(text: str, what: str) -> None:
    """Raise an :class:`~illustrated.errors.IllustratedError` naming ``what`` when ``text`` holds
    a lone surrogate, which no tokenizer can take: an undecodable byte as Python hands it over
    from the command line or stdin (``\\udcff`` for the byte 0xff), or one sent as ``\\ud800``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        c = ord(text[e.start])
        bad = f"the byte 0x{c - 0xDC00:02x}" if 0xDC80 <= c <= 0xDCFF else f"a lone surrogate U+{c:04X}"
        raise IllustratedError(f"{what} is not valid UTF-8 text ({bad} at character {e.start + 1})") from None


def whitespace(text: str) -> list[str]:
    """Split on whitespace only: the fast path for corpora that are already tokenized."""
    return text.split()


_NO_SPACE_BEFORE = re.compile(r" ([.,!?;:%)\]}»”])")
_NO_SPACE_AFTER = re.compile(r"([(\[{«“]) ")
_APOSTROPHE = re.compile(r" ?(['’]) ?(?=\w)")


def detokenize_words(tokens: Sequence[str]) -> str:
    """Join word tokens into text: no space before closing punctuation or around apostrophes."""
    text = " ".join(tokens)
    text = _NO_SPACE_BEFORE.sub(r"\1", text)
    text = _NO_SPACE_AFTER.sub(r"\1", text)
    return _APOSTROPHE.sub(r"\1", text)


def tokenizer_kind(name: str, what: str = "tokenizer", kinds: Sequence[str] = KINDS) -> str:
    """The kind ``name`` stands for (``word`` is read as ``words``), or a :class:`ConfigError`
    naming ``what`` and the ``kinds`` it may be."""
    kind = _OLD_NAMES.get(name, name) if isinstance(name, str) else name
    if kind not in kinds:
        expected = ", ".join(repr(k) for k in kinds[:-1]) + f" or {kinds[-1]!r}"
        raise ConfigError(f"{what}: expected {expected}, got {name!r}")
    return kind


@dataclass(frozen=True)
class Tokenizer:
    """A picklable, configurable tokenizer (text → tokens by calling it, tokens → text by
    :meth:`detokenize`): ``whitespace`` (the default, as for :class:`Corpus` and the compiled
    reader), ``words`` (Unicode rules) or ``bpe`` (subwords of the sentencepiece model
    ``spm_model``, the bytes :meth:`train_bpe` learns)."""

    kind: str = "whitespace"
    lowercase: bool = False
    spm_model: bytes | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", tokenizer_kind(self.kind))
        if self.kind == "bpe":
            if self.spm_model is None:
                raise ConfigError("bpe tokens need a trained sentencepiece model")
            from .subwords import processor

            processor(self.spm_model)   # bytes that are not a model are refused here, not later

    @classmethod
    def train_bpe(cls, lines: Iterable[str], vocab_size: int, lowercase: bool = False,
                  seed: int = 1) -> "Tokenizer":
        """A ``bpe`` tokenizer learned from ``lines`` (deterministic; ``seed`` is accepted for
        symmetry with the other trainers)."""
        from .subwords import train_bpe

        return cls("bpe", lowercase, train_bpe((ln.lower() if lowercase else ln for ln in lines), vocab_size))

    def __call__(self, text: str) -> list[str]:
        if self.kind == "words":
            return tokenize(text, self.lowercase)
        if self.kind == "bpe":
            from .subwords import processor

            return processor(self.spm_model).encode(text.lower() if self.lowercase else text, out_type=str)
        return (text.lower() if self.lowercase else text).split()

    def tokenize(self, text: str) -> list[str]:
        """The tokens of ``text`` (the same as calling the tokenizer)."""
        return self(text)

    def detokenize(self, tokens: Sequence[str]) -> str:
        """Text from tokens: subword pieces joined back into words, word tokens joined with the
        spacing of ordinary text, whitespace tokens with single spaces."""
        if self.kind == "bpe":
            from .subwords import processor

            return processor(self.spm_model).decode_pieces(list(tokens))
        if self.kind == "words":
            return detokenize_words(tokens)
        return " ".join(tokens)
