"""A trained translator: text in, :class:`Translation` (the output and the model's internals) out.

Its model folder is read by :mod:`.folder`, which checks it against itself before the model is
built; training one is :mod:`.pipeline`'s. Loading a translator imports no trainer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import ConfigError, IllustratedError
from ..text import Tokenizer, Vocab
from ..text.tokenize import check_text
from .data import DataConfig, collate
from .folder import WEIGHTS, read_folder, vocab_fingerprint
from .search import Hypothesis, SearchConfig, beam_search, check_search, greedy_search

__all__ = ["Translation", "Translator", "DataConfig", "vocab_fingerprint"]


@dataclass
class Translation:
    """One translated sentence with the model's internals.

    Attention maps are ``float32`` ``[layers, heads, query_len, key_len]``; every row sums to one
    and no padding appears (each map is cut to this sentence's own tokens). The decoder's query
    ``i`` is the position that wrote ``target[i]``; its keys are the tokens it had read by then,
    ``<s>`` and ``target[:-1]``.

    Attributes:
        source: source tokens as the model saw them (ending with ``</s>`` when the model's data
            setting ``source_eos`` adds it).
        target: output tokens, without ``</s>``.
        text: the detokenized output.
        attention: ``float32`` ``[len(target), len(source)]``, what each output token looked at
            in the source: the recurrent model's attention, or the Transformer's last-layer
            encoder–decoder attention averaged over its heads.
        score: log-probability of the output (length-penalised for beam search).
        encoder_states: ``float32`` ``[len(source), H_enc]``.
        decoder_states: ``float32`` ``[len(target), H_dec]``.
        cross_attention: encoder–decoder attention ``[layers, heads, len(target), len(source)]``
            (``[1, 1, …]`` for the recurrent model).
        encoder_attention: Transformer encoder self-attention ``[layers, heads, len(source), len(source)]``.
        decoder_attention: Transformer decoder self-attention ``[layers, heads, len(target), len(target)]``
            (zero above the diagonal: no position sees a later one).

    With ``internals=False`` a Transformer's translations carry only the text, tokens, score and
    encoder states (the attention fields are None).
    """

    source: list[str]
    target: list[str]
    text: str
    attention: np.ndarray | None
    score: float
    encoder_states: np.ndarray
    decoder_states: np.ndarray | None
    cross_attention: np.ndarray | None = None
    encoder_attention: np.ndarray | None = None
    decoder_attention: np.ndarray | None = None


def vocab_fingerprint(vocab: Vocab) -> str:
    """A short hash of a vocabulary's tokens in id order."""
    return hashlib.sha256("\n".join(vocab.itos).encode("utf-8")).hexdigest()[:16]


class Translator:
    """A trained model with its tokenizers and vocabularies: text in, :class:`Translation` out."""

    def __init__(self, model: torch.nn.Module, src_vocab: Vocab, tgt_vocab: Vocab, src_codec: Tokenizer,
                 tgt_codec: Tokenizer, data: DataConfig) -> None:
        self.model, self.src_vocab, self.tgt_vocab = model.eval(), src_vocab, tgt_vocab
        self.src_codec, self.tgt_codec, self.data = src_codec, tgt_codec, data

    @property
    def arch(self) -> str:
        """``rnn`` or ``transformer``."""
        return self.model.cfg.arch

    @classmethod
    def load(cls, model_dir: str | Path, weights: str = WEIGHTS) -> "Translator":
        """Read a model folder written by training (``checkpoint.pt`` stands in for missing
        weights); one-line errors for a folder that does not fit itself (see :mod:`.folder`)."""
        f = read_folder(model_dir, weights)
        return cls(f.model, f.src_vocab, f.tgt_vocab, f.src_codec, f.tgt_codec, f.config.data)

    def translate(self, sentences: Sequence[str], beam: int | None = None, max_len: int | None = None,
                  alpha: float | None = None, batch_size: int = 64, internals: bool = True) -> list[Translation]:
        """Translate ``sentences`` (beam 1 is greedy search).

        ``beam`` and ``alpha`` default to :class:`SearchConfig`'s.
        ``max_len`` caps output length (default: twice the source length plus 10); ``beam`` and
        ``max_len`` are bounded (:func:`~.search.check_search`: 100 and 1024). With
        ``internals`` a Transformer also reports every attention map (one more teacher-forced
        pass over the chosen outputs). Raises :class:`IllustratedError` for an empty sentence, one
        longer than ``max_src_len`` tokens, or one that is not valid UTF-8 text.
        """
        search = SearchConfig()
        beam = search.beam if beam is None else beam
        alpha = search.alpha if alpha is None else alpha
        check_search(beam, max_len)
        for n, s in enumerate(sentences, 1):
            check_text(s, f"sentence {n}")
        toks = [self.src_codec.tokenize(s) for s in sentences]
        for n, t in enumerate(toks, 1):
            if not t:
                raise IllustratedError(f"sentence {n} is empty")
            if len(t) > self.data.max_src_len:
                raise IllustratedError(f"sentence {n} has {len(t)} tokens; this model accepts at most "
                                       f"{self.data.max_src_len}")
        if self.data.source_eos:
            toks = [t + [self.src_vocab.itos[self.src_vocab.eos_id]] for t in toks]
        ids = [self.src_vocab.encode(t) for t in toks]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out: list[Translation | None] = [None] * len(ids)
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                group = order[start: start + batch_size]
                b = collate([ids[i] for i in group], None, group, self.model.cfg.pad_id)
                src, lengths = b.src.to(device), b.src_lengths.to(device)
                limit = max_len or int(b.src_lengths.max()) * 2 + 10
                if beam == 1:
                    hyps = greedy_search(self.model, src, lengths, limit)
                else:
                    hyps = beam_search(self.model, src, lengths, beam, limit, alpha)
                maps = self._internals(src, lengths, hyps) if internals and hasattr(self.model, "internals") else None
                for k, (i, h) in enumerate(zip(group, hyps)):
                    out[i] = self._translation(toks[i], h, maps, k)
        return out  # type: ignore[return-value]

    def _internals(self, src: torch.Tensor, lengths: torch.Tensor, hyps: list[Hypothesis]) -> dict[str, np.ndarray]:
        """Every attention map of the chosen outputs, from one teacher-forced pass."""
        cfg = self.model.cfg
        width = max(1, max(len(h.ids) for h in hyps))
        tgt_in = torch.full((len(hyps), width), cfg.pad_id, dtype=torch.long, device=src.device)
        tgt_in[:, 0] = cfg.bos_id
        for k, h in enumerate(hyps):
            if len(h.ids) > 1:
                tgt_in[k, 1: len(h.ids)] = torch.as_tensor(h.ids[:-1], device=src.device)
        return {name: t.float().cpu().numpy() for name, t in self.model.internals(src, lengths, tgt_in).items()}

    def _translation(self, source: list[str], h: Hypothesis, maps: dict[str, np.ndarray] | None, k: int) -> Translation:
        target = [self.tgt_vocab.itos[j] for j in h.ids]
        t = Translation(source, target, self.detokenize(h.ids), h.attention, float(h.score), h.encoder_states,
                        h.states)
        n, s = len(target), len(source)
        if maps is not None:
            t.encoder_attention = maps["encoder_attention"][k, :, :, :s, :s].copy()
            t.decoder_attention = maps["decoder_attention"][k, :, :, :n, :n].copy()
            t.cross_attention = maps["cross_attention"][k, :, :, :n, :s].copy()
            t.attention = t.cross_attention[-1].mean(axis=0)
            t.decoder_states = maps["decoder_states"][k, :n].copy()
        elif h.attention is not None:
            t.cross_attention = h.attention[None, None]
        return t

    def detokenize(self, ids: Sequence[int]) -> str:
        """Output ids → text (specials dropped, ``<unk>`` kept)."""
        return self.tgt_codec.detokenize(self.tgt_vocab.decode(ids))
