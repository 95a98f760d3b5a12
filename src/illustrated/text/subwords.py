"""Subwords: byte-pair encoding with sentencepiece, learned locally from the training text.

A sentencepiece model splits text into pieces from a fixed vocabulary; a piece that begins a
word starts with ``▁`` (U+2581), which also brings the spaces back when pieces are joined. The
model is kept as the bytes of its serialized form (what a translator's ``src.spm`` holds), so
that a tokenizer holding it stays a small picklable value.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Sequence

from ..errors import ConfigError

__all__ = ["WORD_START", "train_bpe", "processor", "word_groups"]

WORD_START = "\u2581"   # ▁, which sentencepiece puts before the first piece of every word


def train_bpe(lines: Iterable[str], vocab_size: int) -> bytes:
    """Learn a BPE model of ``vocab_size`` pieces from ``lines`` (in memory; nothing is
    downloaded); deterministic. Returns the serialized model."""
    import sentencepiece as spm

    model = io.BytesIO()
    try:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines), model_writer=model, vocab_size=vocab_size,
            model_type="bpe", character_coverage=1.0, bos_id=-1, eos_id=-1, pad_id=-1,
            unk_id=0, hard_vocab_limit=False, minloglevel=2,
            num_threads=2)
    except RuntimeError as e:
        small = re.search(r"Vocabulary size is smaller than required_chars\. (\d+) vs (\d+)", str(e))
        if small:
            raise ConfigError(f"bpe_vocab {small[1]} is smaller than the {small[2]} distinct characters "
                              f"of the text; give at least {small[2]}") from None
        raise ConfigError(f"sentencepiece training failed: {str(e).splitlines()[-1]}") from None
    return model.getvalue()


@functools.lru_cache(maxsize=16)
def processor(model: bytes):
    """The sentencepiece processor of a serialized model (one per distinct model); a
    :class:`ConfigError` saying why for bytes that are not a model with pieces."""
    import sentencepiece as spm

    if not model:
        raise ConfigError("not a sentencepiece model (empty)")
    try:
        sp = spm.SentencePieceProcessor(model_proto=model)
    except RuntimeError as e:
        raise ConfigError(f"not a sentencepiece model ({str(e).strip().splitlines()[0][:160]})") from None
    if sp.get_piece_size() < 1:
        raise ConfigError("not a sentencepiece model (no pieces)")
    return sp


def word_groups(pieces: Sequence[str]) -> list[tuple[str, int]]:
    """The words of subword ``pieces`` (a ``▁`` starts a word; a special token such as ``</s>``
    stands alone), each with the position of its first piece."""
    groups: list[tuple[str, int]] = []
    special = False
    for i, piece in enumerate(pieces):
        is_special = piece.startswith("<") and piece.endswith(">")
        if piece.startswith(WORD_START) or not groups or special or is_special:
            groups.append((piece.lstrip(WORD_START), i))
        elif groups[-1][0] == "":         # a bare ``▁`` piece: the word starts at the next one
            groups[-1] = (piece, i)
        else:
            groups[-1] = (groups[-1][0] + piece, groups[-1][1])
        special = is_special
    return groups
