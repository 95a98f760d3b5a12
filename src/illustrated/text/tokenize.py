"""Unicode-aware tokenization.

A token is a run of letters, digits and marks, with inner apostrophes or hyphens kept
(``aujourd'hui``, ``Größe``, ``e-mail``), or a single punctuation character. Letters are matched
by Unicode category, so German and French words stay whole. Control characters (Unicode ``Cc``:
``\x00``, escape, delete…) separate tokens as whitespace does and are never tokens themselves.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Tokenizer", "tokenize", "whitespace", "check_text"]

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
        from ..errors import IllustratedError

        c = ord(text[e.start])
        bad = f"the byte 0x{c - 0xDC00:02x}" if 0xDC80 <= c <= 0xDCFF else f"a lone surrogate U+{c:04X}"
        raise IllustratedError(f"{what} is not valid UTF-8 text ({bad} at character {e.start + 1})") from None


def whitespace(text: str) -> list[str]:
    """Split on whitespace only: the fast path for corpora that are already tokenized."""
    return text.split()


@dataclass(frozen=True)
class Tokenizer:
    """A picklable, configurable tokenizer: ``whitespace`` (the default, as for :class:`Corpus`
    and the compiled reader) or ``words`` (Unicode rules)."""

    kind: str = "whitespace"
    lowercase: bool = False

    def __post_init__(self) -> None:
        if self.kind not in ("words", "whitespace"):
            from ..errors import ConfigError

            raise ConfigError(f"tokenizer: expected 'words' or 'whitespace', got {self.kind!r}")

    def __call__(self, text: str) -> list[str]:
        if self.kind == "words":
            return tokenize(text, self.lowercase)
        return (text.lower() if self.lowercase else text).split()
