"""A fast path from a whitespace-tokenized UTF-8 corpus file straight to id arrays.

For an :class:`illustrated.text.Corpus` that splits on whitespace (the default, and what the CLI
uses), the trainer reads the file in blocks of bytes and lets the compiled kernels split them,
count the vocabulary (:func:`count_words`) and look the tokens up (:class:`FastReader`), so no
Python string is made per token: reading stops being the bottleneck of a fast kernel. Blocks are cut at line ends, so the
sentences are exactly those the ``Corpus`` would yield (a line longer than a block, such as
text8's single line, is also cut at a block boundary). Any other corpus goes through the plain
Python path in :meth:`Word2Vec.chunks`.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..errors import CorpusError
from ..files import open_binary
from ..text import Corpora, Corpus, Tokenizer
from ..text.tokenize import whitespace

__all__ = ["FastReader", "blocks", "count_words", "fast_reader", "plain_corpus"]

BLOCK_BYTES = 1 << 18
#: Distinct tokens the counter makes room for at first (it doubles its tables as it needs).
FIRST_KEYS = 1 << 17


def plain_corpus(sentences) -> bool:
    """Whether ``sentences`` is a whitespace-split UTF-8 ``Corpus`` file, or ``Corpora`` of such
    files (the fast paths' input)."""
    if not isinstance(sentences, (Corpus, Corpora)) or \
            sentences.encoding.lower().replace("-", "") != "utf8":
        return False
    tok = sentences.tokenize
    return tok is whitespace or (isinstance(tok, Tokenizer) and tok.kind == "whitespace"
                                 and not tok.lowercase)


def fast_reader(sentences, keys: list[str], sentence_limit: int) -> "FastReader | None":
    """A :class:`FastReader` when ``sentences`` is a whitespace-split UTF-8 ``Corpus``, else None."""
    return FastReader(sentences, keys, sentence_limit) if plain_corpus(sentences) else None


def _parts(corpus) -> list[Corpus]:
    return corpus.parts() if isinstance(corpus, Corpora) else [corpus]


def blocks(corpus: Corpus) -> Iterator[bytes]:
    """The corpus's file (or its span of bytes) in blocks of about ``BLOCK_BYTES`` that end at a
    line end (or, in a line longer than that, at a space or tab), each checked to be UTF-8; a
    leading BOM is dropped."""
    carry = b""
    line_no = 1
    path = corpus.path
    start, end = corpus.span or (0, None)
    left = None if end is None else end - start

    def read() -> bytes:
        nonlocal left
        if left is None:
            return f.read(BLOCK_BYTES)
        data = f.read(min(BLOCK_BYTES, left))
        left -= len(data)
        return data

    with open_binary(path) as f:
        if start:
            f.seek(start)
        block = read()
        if start == 0:
            block = block.removeprefix(b"\xef\xbb\xbf")   # a UTF-8 BOM is no token
        while True:
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
                    if not body.isascii():
                        body.decode("utf-8")
                except UnicodeDecodeError as e:
                    bad = corpus.first_line() + line_no - 1 + body[: e.start].count(b"\n")
                    raise CorpusError(f"{path}: line {bad}: bytes are not valid utf-8") from None
                line_no += body.count(b"\n")
                yield body
            if final:
                return
            block = read()


def count_words(corpus: Corpus | Corpora, min_count: int = 1) -> tuple[dict[str, int], int]:
    """``(counts, total)`` of a whitespace-split UTF-8 corpus file (or files): the tokens seen at least
    ``min_count`` times with their counts, in order of first appearance (every token when none
    is), and the number of tokens. The same as counting the ``Corpus``'s sentences in Python,
    but split and counted by the compiled :func:`reader_kernels.count_block` over whole blocks of
    bytes, with no Python object made per token."""
    from . import reader_kernels

    table = np.full(4 * FIRST_KEYS, -1, dtype=np.int32)
    arena = np.empty(16 * FIRST_KEYS, dtype=np.uint8)
    starts, lengths, counts = (np.empty(FIRST_KEYS, dtype=np.int64) for _ in range(3))
    n_keys = used = total = 0
    for body in (b for part in _parts(corpus) for b in blocks(part)):
        data = np.frombuffer(body, dtype=np.uint8)
        at = 0
        while at < len(data):
            at, n_keys, used, tokens = reader_kernels.count_block(
                data, at, table, arena, starts, lengths, counts, n_keys, used)
            total += tokens
            if at < len(data):  # something is full: double it and go on
                if n_keys == len(starts):
                    starts, lengths, counts = (np.resize(a, 2 * len(a))
                                               for a in (starts, lengths, counts))
                if used + len(data) > len(arena):
                    arena = np.resize(arena, 2 * len(arena) + len(data))
                if 2 * n_keys + 2 > len(table):
                    table = np.full(2 * len(table), -1, dtype=np.int32)
                    reader_kernels.fill_hash_table(table, arena, starts, lengths, n_keys)
    if total == 0:
        name = corpus.name if isinstance(corpus, Corpus) else f"{len(corpus)} corpus files"
        raise CorpusError(f"{name}: empty corpus (no tokens found)")
    counts = counts[:n_keys]
    chosen = np.flatnonzero(counts >= min_count)
    if len(chosen) == 0:  # let the vocabulary say why nothing is left
        chosen = np.arange(n_keys)
    keys = arena[:used].tobytes()
    return {keys[starts[i]:starts[i] + lengths[i]].decode("utf-8"): int(counts[i])
            for i in chosen.tolist()}, total


class FastReader:
    """Turns a corpus file (or files) into ``(ids, offsets, n_tokens)`` chunks with a compiled
    hash lookup."""

    def __init__(self, corpus: Corpus | Corpora, keys: list[str], sentence_limit: int) -> None:
        self.corpus = corpus
        self.sentence_limit = sentence_limit
        encoded = [k.encode("utf-8") for k in keys]
        self.lengths = np.array([len(k) for k in encoded], dtype=np.int64)
        self.starts = np.zeros(len(encoded), dtype=np.int64)
        np.cumsum(self.lengths[:-1], out=self.starts[1:])
        self.blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        from . import reader_kernels

        self.encode_block = reader_kernels.encode_block
        self.table = reader_kernels.build_hash_table(self.blob, self.starts, self.lengths)
        self.get = {k: i for i, k in enumerate(keys)}.get

    def chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
        for part in _parts(self.corpus):
            line_tokens = 0   # a file's last line ends with the file
            for body in blocks(part):
                ids, offsets, line_tokens = self.encode_block(
                    np.frombuffer(body, dtype=np.uint8), self.table, self.blob, self.starts,
                    self.lengths, part.max_sentence_length, self.sentence_limit, line_tokens)
                if len(ids):
                    yield ids, offsets, len(ids)
