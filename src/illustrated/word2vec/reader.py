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

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

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


def corpus_blocks(corpus: Corpus) -> Iterator[bytes]:
    """:func:`blocks` of a ``Corpus``'s file, or of its span of bytes."""
    start, stop = corpus.span or (0, None)
    return blocks(corpus.path, start, stop, corpus.first_line)


def blocks(path, start: int = 0, stop: int | None = None,
           first_line: Callable[[], int] = lambda: 1) -> Iterator[bytes]:
    """The file at ``path`` in blocks of about ``BLOCK_BYTES`` that end at a line end (or, in a
    line longer than that, at a space or tab), each checked to be UTF-8; a leading BOM is dropped.

    ``start``/``stop`` read only the bytes ``[start, stop)`` of a plain file (``start`` at a line
    start; ``first_line()`` gives that line's number in the file, asked only for an error
    message)."""
    carry = b""
    line_no = 1
    left = None if stop is None else stop - start
    with open_binary(path) as f:
        if start:
            f.seek(start)

        def read() -> bytes:
            nonlocal left
            if left is None:
                return f.read(BLOCK_BYTES)
            data = f.read(min(BLOCK_BYTES, left))
            left -= len(data)
            return data

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
                    bad = first_line() + line_no - 1 + body[: e.start].count(b"\n")
                    raise CorpusError(f"{path}: line {bad}: bytes are not valid utf-8") from None
                line_no += body.count(b"\n")
                yield body
            if final:
                return
            block = read()


class _Counts:
    """The tokens of some text counted into a hash table: their bytes in order of first
    appearance (``arena``, ``starts``, ``lengths``), ``counts``, and ``total`` tokens."""

    def __init__(self, keys: int = FIRST_KEYS) -> None:
        self.table = np.full(4 * keys, -1, dtype=np.int64)
        self.arena = np.empty(16 * keys, dtype=np.uint8)
        self.starts, self.lengths, self.counts = (np.empty(keys, dtype=np.int64) for _ in range(3))
        self.heads = np.empty(keys, dtype=np.uint64)
        self.n_keys = self.used = self.total = 0

    def reserve(self, keys: int, nbytes: int) -> None:
        """Make room for ``keys`` more keys and ``nbytes`` more bytes of them."""
        from . import reader_kernels

        need = self.n_keys + keys
        if need > len(self.starts):
            size = max(need, 2 * len(self.starts))
            self.starts, self.lengths, self.counts, self.heads = (
                np.resize(a, size) for a in (self.starts, self.lengths, self.counts, self.heads))
        if self.used + nbytes > len(self.arena):
            self.arena = np.resize(self.arena, max(2 * len(self.arena), self.used + nbytes))
        if 2 * need + 2 > len(self.table):
            size = len(self.table)
            while 2 * need + 2 > size:
                size *= 2
            self.table = np.full(size, -1, dtype=np.int64)
            reader_kernels.fill_hash_table(self.table, self.arena, self.starts, self.lengths,
                                           self.heads, self.n_keys)

    def add(self, body: bytes) -> None:
        from . import reader_kernels

        data = np.frombuffer(body, dtype=np.uint8)
        at = 0
        while at < len(data):
            at, self.n_keys, self.used, tokens = reader_kernels.count_block(
                data, at, self.table, self.arena, self.starts, self.lengths, self.heads,
                self.counts, self.n_keys, self.used)
            self.total += tokens
            if at < len(data):  # something is full: grow it and go on
                self.reserve(1, len(data) - at)

    def merge(self, other: "_Counts") -> None:
        """Add ``other``'s counts, of text that comes after this one's."""
        from . import reader_kernels

        self.reserve(other.n_keys, other.used)
        self.n_keys, self.used = reader_kernels.merge_counts(
            self.table, self.arena, self.starts, self.lengths, self.heads, self.counts,
            self.n_keys, self.used, other.arena, other.starts, other.lengths, other.counts,
            other.n_keys)
        self.total += other.total


def _halves(path, size: int) -> int | None:
    """Where the second half of a plain file starts (just after a line end near its middle), or
    None when the file is compressed or too small to be worth two threads."""
    if size < 8 * BLOCK_BYTES or Path(path).suffix.lower() in (".gz", ".bz2", ".xz"):
        return None
    with open(path, "rb") as f:
        f.seek(size // 2)
        tail = f.read(BLOCK_BYTES)
    cut = tail.find(b"\n")
    return None if cut < 0 or size // 2 + cut + 1 >= size else size // 2 + cut + 1


def count_words(corpus: Corpus | Corpora, min_count: int = 1) -> tuple[dict[str, int], int]:
    """``(counts, total)`` of a whitespace-split UTF-8 corpus file (or files): the tokens seen at least
    ``min_count`` times with their counts, in order of first appearance (every token when none
    is), and the number of tokens. The same as counting the ``Corpus``'s sentences in Python,
    but split and counted by the compiled :func:`reader_kernels.count_block` over whole blocks of
    bytes, with no Python object made per token; a plain whole file's two halves are counted by
    two threads at once and merged (the counts and their order are those of one pass)."""
    c = None
    for part in _parts(corpus):
        counted = _count(part)
        if c is None:
            c = counted
        else:
            c.merge(counted)
    if c.total == 0:
        name = corpus.name if isinstance(corpus, Corpus) else f"{len(corpus)} corpus files"
        raise CorpusError(f"{name}: empty corpus (no tokens found)")
    counts = c.counts[:c.n_keys]
    chosen = np.flatnonzero(counts >= min_count)
    if len(chosen) == 0:  # let the vocabulary say why nothing is left
        chosen = np.arange(c.n_keys)
    keys = c.arena[:c.used].tobytes()
    starts, lengths = c.starts, c.lengths
    found = {keys[starts[i]:starts[i] + lengths[i]].decode("utf-8"): int(counts[i])
             for i in chosen.tolist()}
    total = c.total
    del c, counts, starts, lengths, keys
    _return_freed_memory()
    return found, total


def _return_freed_memory() -> None:
    """Hand the memory of the freed counting tables back to the system (glibc keeps freed blocks
    of a thread's heap for reuse, and the weights allocated next are far larger than them)."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def _count(corpus: Corpus, halves: bool = True) -> _Counts:
    """The counts of ``corpus``'s file (or span); a plain whole file large enough is counted in
    two halves by two threads."""
    path = corpus.path
    middle = _halves(path, corpus.size_on_disk) if halves and corpus.span is None else None
    first = _Counts()
    if middle is None:
        for body in corpus_blocks(corpus):
            first.add(body)
        return first
    second = _Counts()
    errors: list[BaseException | None] = [None, None]

    def count(part: int, counts: _Counts, start: int, stop: int | None) -> None:
        try:
            for body in blocks(path, start, stop):
                counts.add(body)
        except BaseException as e:  # raised by the main thread
            errors[part] = e

    worker = threading.Thread(target=count, args=(1, second, middle, None))
    worker.start()
    count(0, first, 0, middle)
    worker.join()
    if errors[0] is not None:
        raise errors[0]
    if isinstance(errors[1], CorpusError):  # counted again in one pass to name the right line
        return _count(corpus, halves=False)
    if errors[1] is not None:
        raise errors[1]
    first.merge(second)
    return first


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
        self.table, self.heads = reader_kernels.build_hash_table(self.blob, self.starts,
                                                                 self.lengths)

    def chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
        for part in _parts(self.corpus):
            line_tokens = 0   # a file's last line ends with the file
            for body in corpus_blocks(part):
                ids, offsets, line_tokens = self.encode_block(
                    np.frombuffer(body, dtype=np.uint8), self.table, self.blob, self.starts,
                    self.lengths, self.heads, part.max_sentence_length, self.sentence_limit,
                    line_tokens)
                if len(ids):
                    yield ids, offsets, len(ids)
