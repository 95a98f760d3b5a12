"""Corpora as re-iterable streams that never hold the whole file.

A :class:`Corpus` reads a plain, ``.gz``, ``.bz2`` or ``.xz`` file in fixed-size chunks each time
it is iterated, and yields sentences as lists of tokens. One sentence a line is the default; a
line longer than ``max_sentence_length`` tokens (such as text8's single line) is cut into
sentences of at most that many tokens, so a 100 MB line is never held in memory either.
"""

from __future__ import annotations

import codecs
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ..errors import CorpusError
from ..files import check_readable, open_binary
from .tokenize import whitespace

__all__ = ["Corpus", "CHUNK_BYTES"]

CHUNK_BYTES = 1 << 20
FINGERPRINT_BLOCKS, FINGERPRINT_BLOCK = 64, 1 << 16   # 4 MiB of any file, read whole below that


class Corpus:
    """A re-iterable stream of tokenized sentences read from a text file.

    Args:
        path: file to read; ``.gz``, ``.bz2`` and ``.xz`` are decompressed on the fly.
        tokenize: turns a piece of text into tokens; whitespace splitting by default.
            It is applied to text cut at whitespace, so it must not join tokens across spaces.
        max_sentence_length: longer lines are cut into sentences of at most this many tokens.
        encoding: text encoding of the file (UTF-8 by default).
    """

    def __init__(self, path: str | os.PathLike, tokenize: Callable[[str], list[str]] = whitespace,
                 max_sentence_length: int = 10_000, encoding: str = "utf-8") -> None:
        self.path = check_readable(path, "corpus file")
        if max_sentence_length <= 0:
            raise CorpusError(f"max_sentence_length must be positive, got {max_sentence_length}")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise CorpusError(f"{self.path}: unknown text encoding {encoding!r}") from None
        self.tokenize = tokenize
        self.max_sentence_length = max_sentence_length
        self.encoding = encoding
        self.bytes_read = 0  # compressed bytes consumed by the running iteration
        self.size_on_disk = Path(self.path).stat().st_size

    def __repr__(self) -> str:
        return f"Corpus({str(self.path)!r})"

    def fingerprint(self) -> str:
        """A short hash of the file's bytes as stored: all of them up to 4 MiB, else its size and
        64 blocks of 64 KiB spread evenly from its first byte to its last. It costs a few
        milliseconds on a file of any size and tells apart files of equal size (two shards of
        one corpus, another version of a file); a change that falls entirely between the
        blocks of a large file goes unseen."""
        size = self.size_on_disk
        h = hashlib.sha256(str(size).encode())
        with open(self.path, "rb") as f:
            if size <= FINGERPRINT_BLOCKS * FINGERPRINT_BLOCK:
                h.update(f.read())
            else:
                step = (size - FINGERPRINT_BLOCK) / (FINGERPRINT_BLOCKS - 1)
                for i in range(FINGERPRINT_BLOCKS):
                    f.seek(round(i * step))
                    h.update(f.read(FINGERPRINT_BLOCK))
        return h.hexdigest()[:32]

    def __iter__(self) -> Iterator[list[str]]:
        return self.sentences()

    def sentences(self, progress: bool = False, desc: str | None = None) -> Iterator[list[str]]:
        """Yield each sentence once; with ``progress`` show a bar over the file's bytes."""
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=self.size_on_disk, unit="B", unit_scale=True,
                       desc=desc or Path(self.path).name, leave=False)
        n_tokens = 0
        try:
            for sentence in self._read(bar):
                n_tokens += len(sentence)
                yield sentence
        finally:
            if bar is not None:
                bar.close()
        if n_tokens == 0:
            raise CorpusError(f"{self.path}: empty corpus (no tokens found)")

    def _read(self, bar) -> Iterator[list[str]]:
        # a UTF-8 byte-order mark at the start of the file is not part of the first token
        utf8 = self.encoding.lower().replace("-", "").replace("_", "") == "utf8"
        decoder = codecs.getincrementaldecoder("utf-8-sig" if utf8 else self.encoding)()
        limit = self.max_sentence_length
        line_no = 1
        carry = ""  # text after the last whitespace of the previous chunk
        current: list[str] = []
        self.bytes_read = 0
        with open_binary(self.path) as f:
            raw = getattr(f, "fileobj", None) or getattr(f, "_fp", None)
            while True:
                block = f.read(CHUNK_BYTES)
                final = not block
                try:
                    text = decoder.decode(block, final=final)
                except UnicodeDecodeError as e:
                    bad_line = line_no + block[: max(e.start, 0)].count(b"\n")
                    raise CorpusError(
                        f"{self.path}: line {bad_line}: bytes are not valid {self.encoding}"
                    ) from None
                if bar is not None:
                    pos = _tell(raw, f)
                    bar.update(max(pos - self.bytes_read, 0))
                    self.bytes_read = pos
                lines = (carry + text).split("\n")
                carry = "" if final else lines.pop()  # the unfinished last line
                head = ""
                if carry:
                    parts = carry.rsplit(maxsplit=1)
                    if carry[-1].isspace():
                        head, carry = carry, ""
                    elif len(parts) == 2:
                        head, carry = parts
                for line in lines:
                    current.extend(self.tokenize(line))
                    yield from _cut(current, limit)
                    if current:
                        yield current
                    current = []
                    line_no += 1
                if head:
                    current.extend(self.tokenize(head))
                    yield from _cut(current, limit)
                if final:
                    break
        if current:
            yield current


def _cut(current: list[str], limit: int) -> Iterator[list[str]]:
    """Yield full sentences of ``limit`` tokens from the front of ``current``, in place."""
    while len(current) >= limit:
        yield current[:limit]
        del current[:limit]


def _tell(raw, f) -> int:
    for obj in (raw, f):
        try:
            return obj.tell()
        except (AttributeError, OSError, ValueError):
            continue
    return 0


def count_tokens(sentences: Iterable[list[str]]) -> int:
    """Total number of tokens in a stream of sentences."""
    return sum(len(s) for s in sentences)
