"""A fast path from a whitespace-tokenized UTF-8 corpus file straight to id arrays.

For an :class:`illustrated.text.Corpus` that splits on whitespace (the default, and what the CLI
uses), the trainer reads the file in blocks of bytes and lets the compiled
:func:`reader_kernels.encode_block` split and look up the tokens, so no Python string is made per
token: reading stops being the bottleneck of a fast kernel. Blocks are cut at line ends, so the
sentences are exactly those the ``Corpus`` would yield (a line longer than a block, such as
text8's single line, is also cut at a block boundary). Any other corpus goes through the plain
Python path in :meth:`Word2Vec.chunks`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np

from ..errors import CorpusError
from ..files import open_binary
from ..text import Corpus, Tokenizer
from ..text.tokenize import whitespace

__all__ = ["FastReader", "blocks", "fast_reader", "plain_corpus"]

BLOCK_BYTES = 1 << 18
# whitespace that str.split() knows and the byte kernel does not: fall back to Python there
_UNICODE_SPACE = re.compile(rb"\xc2[\x85\xa0]|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]|"
                            rb"\xe2\x81\x9f|\xe3\x80\x80")


def plain_corpus(sentences) -> bool:
    """Whether ``sentences`` is a whitespace-split UTF-8 ``Corpus`` file (the fast paths' input)."""
    if not isinstance(sentences, Corpus) or sentences.encoding.lower().replace("-", "") != "utf8":
        return False
    tok = sentences.tokenize
    return tok is whitespace or (isinstance(tok, Tokenizer) and tok.kind == "whitespace"
                                 and not tok.lowercase)


def fast_reader(sentences, keys: list[str], sentence_limit: int) -> "FastReader | None":
    """A :class:`FastReader` when ``sentences`` is a whitespace-split UTF-8 ``Corpus``, else None."""
    return FastReader(sentences, keys, sentence_limit) if plain_corpus(sentences) else None


def blocks(path) -> Iterator[tuple[bytes, str]]:
    """The file at ``path`` in blocks of about ``BLOCK_BYTES`` that end at a line end (or, in a
    line longer than that, at a space or tab), each as bytes and as its checked UTF-8 text."""
    carry = b""
    line_no = 1
    with open_binary(path) as f:
        while True:
            block = f.read(BLOCK_BYTES)
            final = not block
            data = carry + block
            cut = len(data) if final else data.rfind(b"\n") + 1
            if cut == 0:  # no line end in sight: cut at the last whitespace instead
                cut = max(data.rfind(b" "), data.rfind(b"\t")) + 1
                if cut == 0:
                    cut = len(data) if len(data) > 64 * BLOCK_BYTES else 0
            body, carry = data[:cut], data[cut:]
            if body:
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError as e:
                    bad = line_no + body[: e.start].count(b"\n")
                    raise CorpusError(f"{path}: line {bad}: bytes are not valid utf-8") from None
                line_no += body.count(b"\n")
                yield body, text
            if final:
                return


class FastReader:
    """Turns a corpus file into ``(ids, offsets, n_tokens)`` chunks with a compiled hash lookup."""

    def __init__(self, corpus: Corpus, keys: list[str], sentence_limit: int) -> None:
        self.corpus = corpus
        self.sentence_limit = sentence_limit
        encoded = [k.encode("utf-8") for k in keys]
        self.lengths = np.array([len(k) for k in encoded], dtype=np.int64)
        self.starts = np.zeros(len(encoded), dtype=np.int64)
        np.cumsum(self.lengths[:-1], out=self.starts[1:])
        self.blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        from . import reader_kernels  # numba loads after the vocabulary is built: a lower memory peak

        self.encode_block = reader_kernels.encode_block
        self.table = reader_kernels.build_hash_table(self.blob, self.starts, self.lengths)
        self.get = {k: i for i, k in enumerate(keys)}.get

    def chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
        line_tokens = 0
        for body, text in blocks(self.corpus.path):
            if _UNICODE_SPACE.search(body):
                ids, offsets, line_tokens = self._python(text, line_tokens)
            else:
                ids, offsets, line_tokens = self.encode_block(
                    np.frombuffer(body, dtype=np.uint8), self.table, self.blob,
                    self.starts, self.lengths, self.corpus.max_sentence_length,
                    self.sentence_limit, line_tokens)
            if len(ids):
                yield ids, offsets, len(ids)

    def _python(self, text: str, line_tokens: int) -> tuple[np.ndarray, np.ndarray, int]:
        """The same split as :func:`reader_kernels.encode_block`, in Python, for text with Unicode spaces."""
        ids: list[int] = []
        lens: list[int] = []
        lines = text.split("\n")
        for j, line in enumerate(lines):
            piece = 0
            for token in line.split():
                if piece > 0 and (piece == self.sentence_limit
                                  or (line_tokens > 0 and line_tokens % self.corpus.max_sentence_length == 0)):
                    lens.append(piece)
                    piece = 0
                ids.append(self.get(token, -1))
                piece += 1
                line_tokens += 1
            if piece:
                lens.append(piece)
            if j < len(lines) - 1:
                line_tokens = 0
        offsets = np.zeros(len(lens) + 1, dtype=np.int64)
        np.cumsum(lens, out=offsets[1:])
        return np.array(ids, dtype=np.int32), offsets, line_tokens
