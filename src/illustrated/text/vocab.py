"""A vocabulary: tokens, their counts, and the ids the arrays use.

Ids are deterministic: special tokens first at fixed ids (``<pad>`` 0, ``<unk>`` 1, ``<s>`` 2,
``</s>`` 3), then tokens by decreasing count, ties broken by first appearance in the corpus.
The file format is plain text, one ``token<TAB>count`` a line in id order, so a saved vocabulary
can be read by eye and loaded back byte for byte.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from ..errors import VocabError
from ..files import atomic_write, check_readable, open_binary

__all__ = ["Vocab", "PAD", "UNK", "BOS", "EOS", "SPECIALS", "check_tokens"]

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<s>", "</s>"
SPECIALS: tuple[str, ...] = (PAD, UNK, BOS, EOS)


def check_tokens(sentence: object) -> None:
    """A :class:`VocabError` when a sentence is a string rather than a list of tokens (its
    characters would silently become the tokens)."""
    if isinstance(sentence, (str, bytes)):
        raise VocabError(f"a sentence must be a list of tokens, not a string ({sentence[:40]!r}); "
                         "split each one first, e.g. [line.split() for line in lines]")


def _check_limits(min_count: int, max_size: int | None) -> None:
    if min_count < 1:
        raise VocabError(f"min_count must be at least 1, got {min_count}")
    if max_size is not None and max_size < 1:
        raise VocabError(f"max_size must be at least 1, got {max_size}")


class Vocab:
    """Token ↔ id mapping with counts.

    Attributes:
        itos: list of tokens; the index is the id.
        stoi: dict token → id.
        counts: ``int64`` array ``[len(vocab)]``, the corpus count of each token (0 for specials).
        specials: the special tokens at the front, in id order.
    """

    def __init__(self, tokens: Sequence[str], counts: Sequence[int] | np.ndarray,
                 specials: Sequence[str] = ()) -> None:
        if len(tokens) != len(counts):
            raise VocabError(f"{len(tokens)} tokens but {len(counts)} counts")
        self.itos: list[str] = list(tokens)
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}
        if len(self.stoi) != len(self.itos):
            dup = next(t for t in self.itos if self.itos.count(t) > 1)
            raise VocabError(f"token {dup!r} appears more than once")
        self.counts = np.asarray(counts, dtype=np.int64)
        self.specials: tuple[str, ...] = tuple(specials)
        if tuple(self.itos[: len(self.specials)]) != self.specials:
            raise VocabError(f"special tokens {self.specials} must come first")

    # ---- building -------------------------------------------------------------------------
    @classmethod
    def build(cls, sentences: Iterable[Sequence[str]], min_count: int = 1,
              max_size: int | None = None, specials: Sequence[str] = SPECIALS) -> "Vocab":
        """Count tokens in ``sentences`` and keep those seen at least ``min_count`` times.

        ``max_size`` caps the number of ordinary tokens (specials not included), keeping the most
        frequent. Raises :class:`VocabError` if nothing is left.
        """
        _check_limits(min_count, max_size)   # before a long corpus is counted
        counter: Counter[str] = Counter()
        for sentence in sentences:
            check_tokens(sentence)
            counter.update(sentence)
        return cls.from_counts(counter, min_count=min_count, max_size=max_size, specials=specials)

    @classmethod
    def from_counts(cls, counter: dict[str, int], min_count: int = 1,
                    max_size: int | None = None, specials: Sequence[str] = SPECIALS) -> "Vocab":
        """Build from a ``token → count`` mapping whose iteration order is first appearance."""
        _check_limits(min_count, max_size)
        if not counter:
            raise VocabError("cannot build a vocabulary from an empty corpus")
        special_set = set(specials)
        kept = [(t, c) for t, c in counter.items() if c >= min_count and t not in special_set]
        kept.sort(key=lambda tc: -tc[1])  # stable: ties stay in first-seen order
        if max_size is not None:
            kept = kept[:max_size]
        if not kept:
            raise VocabError(
                f"vocabulary is empty: no token occurs at least min_count={min_count} times "
                f"(the most frequent occurs {max(counter.values())} times)")
        tokens = list(specials) + [t for t, _ in kept]
        counts = [0] * len(specials) + [c for _, c in kept]
        return cls(tokens, counts, specials)

    # ---- mapping ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: str) -> bool:
        return token in self.stoi

    def __repr__(self) -> str:
        return f"Vocab({len(self)} tokens, {len(self.specials)} special)"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Vocab) and self.itos == other.itos
                and self.specials == other.specials and np.array_equal(self.counts, other.counts))

    @property
    def unk_id(self) -> int | None:
        return self.stoi.get(UNK) if UNK in self.specials else None

    @property
    def pad_id(self) -> int | None:
        return self.stoi.get(PAD) if PAD in self.specials else None

    @property
    def bos_id(self) -> int | None:
        return self.stoi.get(BOS) if BOS in self.specials else None

    @property
    def eos_id(self) -> int | None:
        return self.stoi.get(EOS) if EOS in self.specials else None

    def id(self, token: str) -> int:
        """The id of ``token``; ``<unk>``'s id if unknown, or a :class:`VocabError` without one."""
        i = self.stoi.get(token)
        if i is not None:
            return i
        if self.unk_id is None:
            raise VocabError(f"unknown token {token!r} and the vocabulary has no {UNK}")
        return self.unk_id

    def encode(self, tokens: Iterable[str], add_bos: bool = False, add_eos: bool = False) -> list[int]:
        """Map tokens to ids, optionally framed by ``<s>`` and ``</s>``."""
        ids = [self.id(t) for t in tokens]
        if add_bos:
            ids.insert(0, self._special_id(BOS))
        if add_eos:
            ids.append(self._special_id(EOS))
        return ids

    def decode(self, ids: Iterable[int], strip_specials: bool = True) -> list[str]:
        """Map ids back to tokens; stops at ``</s>`` and drops other specials when stripping."""
        out = []
        n = len(self.itos)
        for i in ids:
            i = int(i)
            if not 0 <= i < n:
                raise VocabError(f"id {i} is outside the vocabulary (0..{n - 1})")
            tok = self.itos[i]
            if strip_specials and i < len(self.specials):
                if tok == EOS:
                    break
                if tok != UNK:
                    continue
            out.append(tok)
        return out

    def _special_id(self, token: str) -> int:
        if token not in self.specials:
            raise VocabError(f"the vocabulary has no {token} token")
        return self.stoi[token]

    # ---- files ------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write ``token<TAB>count`` lines in id order, atomically (compressed for ``.gz``,
        ``.bz2`` and ``.xz``)."""
        bad = next((t for t in self.itos if not t or any(ch in t for ch in "\t\n\r")), None)
        if bad is not None:
            raise VocabError(f"{path}: token {bad!r} is empty or holds a tab or line break; "
                             "a vocabulary file cannot store it")
        with atomic_write(path, "w") as f:
            for tok, c in zip(self.itos, self.counts.tolist()):
                f.write(f"{tok}\t{c}\n")

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Vocab":
        """Read a file written by :meth:`save` (plain or ``.gz``/``.bz2``/``.xz``, a BOM allowed);
        leading special tokens are recognised by name."""
        p = check_readable(path, "vocabulary file")
        tokens: list[str] = []
        counts: list[int] = []
        try:
            with io.TextIOWrapper(open_binary(p), encoding="utf-8-sig", newline="\n") as f:
                for n, line in enumerate(f, 1):
                    parts = line.rstrip("\n").removesuffix("\r").split("\t")
                    if len(parts) != 2 or not parts[0] or not _is_count(parts[1]):
                        raise VocabError(f"{p}: line {n}: expected 'token<TAB>count', got {line.rstrip()!r}")
                    tokens.append(parts[0])
                    counts.append(int(parts[1]))
        except UnicodeDecodeError:
            raise VocabError(f"{p}: not a UTF-8 vocabulary file") from None
        if not tokens:
            raise VocabError(f"{p}: empty vocabulary file")
        specials = []
        for t in tokens:
            if t in SPECIALS and t not in specials:
                specials.append(t)
            else:
                break
        try:
            return cls(tokens, counts, specials)
        except VocabError as e:
            raise VocabError(f"{p}: {e}") from None


def _is_count(text: str) -> bool:
    """Whether ``text`` is a count a vocabulary file may hold: ASCII digits, below 2**63."""
    return text.isascii() and text.isdigit() and int(text) < 2**63
