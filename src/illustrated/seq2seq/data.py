"""Parallel data: sentences → tokens → ids → length-bucketed padded batches.

Reading the files is :mod:`.parallel`'s. Tokens are words (our Unicode rules) or subwords from a
sentencepiece model trained locally on the training side, both cut by
:class:`~illustrated.text.Tokenizer` (``TextCodec`` is its name here), and looked up in a
:class:`~illustrated.text.Vocab`. Batches group sentences of similar length, by sentence count or by
a token budget, in an order fixed by (seed, epoch) so that training can resume exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ..configs import DictConfig
from ..errors import ConfigError, CorpusError
from ..text import SPECIALS, Tokenizer, Vocab
from ..text.tokenize import detokenize_words, tokenizer_kind

__all__ = ["DataConfig", "TransformerDataConfig", "TextCodec", "PairBatch", "ParallelData", "make_batches", "collate", "detokenize_words"]

@dataclass
class DataConfig(DictConfig):
    """How text becomes tokens (defaults: the recurrent model's word-level setting).

    Attributes:
        src_lang, tgt_lang: language codes (file suffixes).
        tokens: ``words`` (Unicode rules) or ``bpe`` (sentencepiece, trained on the training
            side); ``word``, the name earlier folders hold, is read as ``words``.
        lowercase: lowercase all text.
        min_count: word level: drop rarer words (they become ``<unk>``).
        max_vocab: word level: keep at most this many words per side.
        bpe_vocab: subword vocabulary size (per side, or of the joint vocabulary).
        max_src_len: longest source (in tokens) accepted at translation time.
        joint_vocab: one tokenizer and one vocabulary learned from both sides together (needed
            to share embeddings between source and target).
        source_eos: end every source sentence with ``</s>`` (a token every attention head can
            find at the end: the Transformer uses it to know where the sentence ends).
    """

    config_name = "data config"

    src_lang: str = "de"
    tgt_lang: str = "en"
    tokens: str = "words"
    lowercase: bool = False
    min_count: int = 2
    max_vocab: int | None = None
    bpe_vocab: int = 8000
    max_src_len: int = 200
    joint_vocab: bool = False
    source_eos: bool = False

    def __post_init__(self) -> None:
        self.tokens = tokenizer_kind(self.tokens, "tokens", ("words", "bpe"))
        for name in ("min_count", "bpe_vocab", "max_src_len"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")


@dataclass
class TransformerDataConfig(DataConfig):
    """Tokens for the Transformer: one joint sentencepiece vocabulary for both sides (so the
    source, target and output layer can share one embedding table)."""

    tokens: str = "bpe"
    bpe_vocab: int = 8000
    joint_vocab: bool = True
    source_eos: bool = True


TextCodec = Tokenizer   # text ↔ tokens for one side of a translator: ``words`` or ``bpe``


@dataclass
class PairBatch:
    """A padded batch of sentence pairs.

    Attributes:
        src: ``int64`` ``[B, S]`` ids, or ``float32`` ``[B, S, F]`` vectors.
        src_lengths: ``int64`` ``[B]``.
        tgt_in: ``int64`` ``[B, T]``: ``<s> y_1 … y_n`` then padding.
        tgt_out: ``int64`` ``[B, T]``: ``y_1 … y_n </s>`` then padding.
        index: ``int64`` ``[B]`` positions of these pairs in the data set.
    """

    src: Tensor
    src_lengths: Tensor
    tgt_in: Tensor
    tgt_out: Tensor
    index: Tensor

    @property
    def n_tokens(self) -> int:
        """Target tokens that count in the loss (``</s>`` included)."""
        return int(self.tgt_out.ne(0).sum()) if self.tgt_out.numel() else 0


def collate(src: Sequence[Sequence[int] | np.ndarray], tgt: Sequence[Sequence[int]] | None,
            index: Sequence[int], pad_id: int = 0, bos_id: int = 2, eos_id: int = 3) -> PairBatch:
    """Pad sources (ids or ``[len, F]`` vectors) and frame targets with ``<s>``/``</s>``."""
    n = len(src)
    src_len = torch.tensor([len(s) for s in src], dtype=torch.long)
    width = int(src_len.max())
    first = np.asarray(src[0])
    if first.ndim == 2:
        x = torch.zeros(n, width, first.shape[1], dtype=torch.float32)
        for i, s in enumerate(src):
            x[i, : len(s)] = torch.as_tensor(np.asarray(s, dtype=np.float32))
    else:
        x = torch.full((n, width), pad_id, dtype=torch.long)
        for i, s in enumerate(src):
            x[i, : len(s)] = torch.as_tensor(s, dtype=torch.long)
    if tgt is None:
        empty = torch.zeros(n, 0, dtype=torch.long)
        return PairBatch(x, src_len, empty, empty, torch.as_tensor(index, dtype=torch.long))
    t_width = max(len(t) for t in tgt) + 1
    tgt_in = torch.full((n, t_width), pad_id, dtype=torch.long)
    tgt_out = torch.full((n, t_width), pad_id, dtype=torch.long)
    for i, t in enumerate(tgt):
        t = torch.as_tensor(t, dtype=torch.long)
        tgt_in[i, 0] = bos_id
        tgt_in[i, 1: len(t) + 1] = t
        tgt_out[i, : len(t)] = t
        tgt_out[i, len(t)] = eos_id
    return PairBatch(x, src_len, tgt_in, tgt_out, torch.as_tensor(index, dtype=torch.long))


def make_batches(src_lengths: Sequence[int], tgt_lengths: Sequence[int], batch_size: int | None = None,
                 max_tokens: int | None = None, seed: int | None = None) -> list[list[int]]:
    """Group pair indices into batches of similar length.

    Pairs are sorted by (source, target) length — for a token budget by the longer side first,
    which packs both sides tighter (about 96 % real tokens instead of 93 % on Multi30k) — with
    ties in random order when ``seed`` is given, cut into batches of ``batch_size`` sentences or
    of at most ``max_tokens`` padded tokens (``n × longest side``), and the batches are
    shuffled. The same seed gives the same batches.
    """
    if (batch_size is None) == (max_tokens is None):
        raise ConfigError("give exactly one of batch_size and max_tokens")
    if (batch_size or max_tokens or 0) < 1:
        raise ConfigError(f"batch size must be at least 1, got {batch_size or max_tokens}")
    s, t = np.asarray(src_lengths), np.asarray(tgt_lengths)
    rng = np.random.default_rng(seed) if seed is not None else None
    tie = rng.random(len(s)) if rng is not None else np.arange(len(s))
    keys = (tie, t, s) if batch_size is not None else (tie, t, s, np.maximum(s, t + 1))
    order = np.lexsort(keys)
    batches: list[list[int]] = []
    if batch_size is not None:
        batches = [order[i: i + batch_size].tolist() for i in range(0, len(order), batch_size)]
    else:
        cur: list[int] = []
        longest = 0
        for i in order.tolist():
            size = max(int(s[i]), int(t[i]) + 1)
            if cur and max(longest, size) * (len(cur) + 1) > max_tokens:
                batches.append(cur)
                cur, longest = [], 0
            cur.append(i)
            longest = max(longest, size)
        if cur:
            batches.append(cur)
    if rng is not None:
        perm = rng.permutation(len(batches))
        batches = [batches[i] for i in perm]
    return batches


class ParallelData:
    """Encoded sentence pairs: source ids (or vector sequences) and target ids.

    Args:
        src: per pair, a list of source ids or a ``float32`` array ``[len, F]``.
        tgt: per pair, a list of target ids (without ``<s>``/``</s>``).
        max_len: drop pairs with more than this many tokens on either side (training only).
    """

    def __init__(self, src: Sequence, tgt: Sequence[Sequence[int]], max_len: int | None = None,
                 pad_id: int = 0, bos_id: int = 2, eos_id: int = 3) -> None:
        if len(src) != len(tgt):
            raise CorpusError(f"{len(src)} source sentences but {len(tgt)} target sentences")
        keep = [i for i in range(len(src))
                if len(src[i]) > 0 and (max_len is None or (len(src[i]) <= max_len and len(tgt[i]) <= max_len))]
        self.kept = keep
        self.src = [src[i] for i in keep]
        self.tgt = [tgt[i] for i in keep]
        if not self.src:
            raise CorpusError(f"no sentence pair is left after length filtering (max_len={max_len})")
        self.pad_id, self.bos_id, self.eos_id = pad_id, bos_id, eos_id

    def __len__(self) -> int:
        return len(self.src)

    @classmethod
    def from_text(cls, src_lines: Sequence[str], tgt_lines: Sequence[str], src_codec: TextCodec,
                  tgt_codec: TextCodec, src_vocab: Vocab, tgt_vocab: Vocab,
                  max_len: int | None = None, source_eos: bool = False) -> "ParallelData":
        """Tokenize and look up both sides (``source_eos``: end each source with ``</s>``)."""
        src = [src_vocab.encode(src_codec.tokenize(s), add_eos=source_eos) for s in src_lines]
        tgt = [tgt_vocab.encode(tgt_codec.tokenize(t)) for t in tgt_lines]
        return cls(src, tgt, max_len, tgt_vocab.pad_id, tgt_vocab.bos_id, tgt_vocab.eos_id)

    def batches(self, batch_size: int | None = None, max_tokens: int | None = None,
                seed: int | None = None) -> list[PairBatch]:
        """Padded batches (see :func:`make_batches`); ``seed=None`` keeps sorted order."""
        groups = make_batches([len(s) for s in self.src], [len(t) for t in self.tgt],
                              batch_size, max_tokens, seed)
        return [collate([self.src[i] for i in g], [self.tgt[i] for i in g], g,
                        self.pad_id, self.bos_id, self.eos_id) for g in groups]


def build_vocab(token_lists, min_count: int = 1, max_size: int | None = None) -> Vocab:
    """A :class:`Vocab` with ``<pad> <unk> <s> </s>`` first."""
    return Vocab.build(token_lists, min_count=min_count, max_size=max_size, specials=SPECIALS)
