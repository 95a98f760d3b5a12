"""Greedy and batched beam search over a trained encoder–decoder (recurrent or Transformer).

Both return, for each sentence, the output ids (at least one; without ``</s>``), the summed log-probability
(including ``</s>`` when it was produced), and — for models whose steps report them (the
recurrent one) — the attention weights ``[len(ids), src_len]`` and the top decoder states
``[len(ids), H]`` of the chosen hypothesis. A model is searched through four methods:
``encode``, ``init_state``, ``step_logits`` and ``select_state``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ..errors import ConfigError

__all__ = ["SearchConfig", "Hypothesis", "greedy_search", "beam_search", "length_penalty", "check_search",
           "MAX_BEAM", "MAX_OUTPUT_LEN"]

MAX_BEAM = 100
"""Widest beam accepted: wider beams score no better (the "beam search curse") and a typo such as
100000 would take gigabytes and minutes before answering."""

MAX_OUTPUT_LEN = 1024
"""Longest output accepted, in tokens: five times the default limit for the longest source a
model accepts (``2 × 200 + 10``), and the Transformer's number of learned positions."""

MAX_BEAM_ROWS = 1024
"""Hypotheses searched at once: a batch whose ``sentences × beam`` exceeds it is searched a few
sentences at a time (the same results), so memory stays bounded however wide the beam."""


@dataclass(frozen=True)
class SearchConfig:
    """How outputs are searched at translation time: the defaults every caller (the CLI, the
    page, the figures) falls back to.

    Attributes:
        beam: hypotheses kept per step (1: greedy search).
        alpha: length-penalty exponent of beam search (see :func:`length_penalty`).
    """

    beam: int = 5
    alpha: float = 1.0


@dataclass
class Hypothesis:
    """One output sentence.

    Attributes:
        ids: output token ids, ``</s>`` excluded.
        score: log-probability of the output (``</s>`` included), divided by the length penalty
            for beam search.
        attention: ``float32`` ``[len(ids), src_len]``, or None when the steps do not report it.
        states: ``float32`` ``[len(ids), H_dec]`` top decoder RNN states, or None likewise.
        encoder_states: ``float32`` ``[src_len, H_enc]``.
    """

    ids: list[int]
    score: float
    attention: np.ndarray | None
    states: np.ndarray | None
    encoder_states: np.ndarray


def check_search(beam: int, max_len: int | None) -> None:
    """Refuse a beam or an output length outside ``[1, MAX_BEAM]`` / ``[1, MAX_OUTPUT_LEN]``
    (None: the default length) with a :class:`ConfigError`, before any work."""
    if not 1 <= beam <= MAX_BEAM:
        raise ConfigError(f"beam must be between 1 and {MAX_BEAM}, got {beam}")
    if max_len is not None and not 1 <= max_len <= MAX_OUTPUT_LEN:
        raise ConfigError(f"max_len must be between 1 and {MAX_OUTPUT_LEN}, got {max_len}")


def length_penalty(length: int, alpha: float) -> float:
    """GNMT's ``((5 + length) / 6) ** alpha``; ``alpha = 0`` ranks by raw log-probability."""
    return ((5.0 + length) / 6.0) ** alpha


def _no_eos(logp: Tensor, eos: int) -> Tensor:
    """``logp`` ``[rows, V]`` with ``</s>`` ruled out: at the first step, so that no search returns an
    empty output (fairseq's and JoeyNMT's minimum length of one); a barely trained model's best
    first token is often ``</s>``, and a wide beam would then pick the empty translation."""
    return logp.index_fill(1, torch.tensor([eos], device=logp.device), float("-inf"))


def _finish(ids: Tensor, att: Tensor | None, tops: Tensor | None, n: int, src_len: int, score: float,
            enc_states: Tensor) -> Hypothesis:
    return Hypothesis([int(i) for i in ids[:n]], score,
                      None if att is None else att[:n, :src_len].float().cpu().numpy().copy(),
                      None if tops is None else tops[:n].float().cpu().numpy().copy(),
                      enc_states[:src_len].float().cpu().numpy().copy())


def _stack(steps: list[Tensor | None]) -> Tensor | None:
    return None if not steps or steps[0] is None else torch.stack(steps, 1)


@torch.no_grad()
def greedy_search(model, src: Tensor, src_lengths: Tensor, max_len: int, cache: bool = True) -> list[Hypothesis]:
    """Pick the most probable token at every step, for a whole batch at once.

    ``cache=False`` makes a Transformer recompute the whole prefix at every step (for tests).
    """
    check_search(1, max_len)
    model.eval()
    eos = model.cfg.eos_id
    enc = model.encode(src, src_lengths)
    state = model.init_state(enc, cache=cache)
    batch, device = src.shape[0], src.device
    prev = torch.full((batch,), model.cfg.bos_id, dtype=torch.long, device=device)
    done = torch.zeros(batch, dtype=torch.bool, device=device)
    lengths = torch.full((batch,), max_len, dtype=torch.long, device=device)
    scores = torch.zeros(batch, device=device)
    toks, atts, tops = [], [], []
    for t in range(max_len):
        logp, state, w, top = model.step_logits(prev, enc, state)
        best, tok = (_no_eos(logp, eos) if t == 0 else logp).max(dim=-1)
        scores += best.masked_fill(done, 0.0)
        toks.append(tok)
        atts.append(w)
        tops.append(top)
        new_eos = (tok == eos) & ~done
        lengths[new_eos] = t
        done |= new_eos
        if bool(done.all()):
            break
        prev = tok
    toks_t, atts_t, tops_t = torch.stack(toks, 1), _stack(atts), _stack(tops)
    return [_finish(toks_t[b], None if atts_t is None else atts_t[b], None if tops_t is None else tops_t[b],
                    int(lengths[b]), int(src_lengths[b]), float(scores[b]), enc.states[b]) for b in range(batch)]


@torch.no_grad()
def beam_search(model, src: Tensor, src_lengths: Tensor, beam: int, max_len: int,
                alpha: float = 1.0, cache: bool = True) -> list[Hypothesis]:
    """Batched beam search: ``beam`` hypotheses per sentence advance together as one batch.

    A hypothesis that produces ``</s>`` is set aside with its score divided by
    :func:`length_penalty`. A sentence is done when the best-scoring candidate of a step ends
    with ``</s>`` or ``beam`` hypotheses are set aside (or at ``max_len``, when the open ones
    join them); done sentences leave the batch, so the remaining steps are cheaper. The best
    hypothesis by penalised score is returned. At most :data:`MAX_BEAM_ROWS` hypotheses are
    searched at once: a wider batch goes a few sentences at a time.
    """
    check_search(beam, max_len)
    per = max(1, MAX_BEAM_ROWS // beam)
    if src.shape[0] > per:
        out = []
        for start in range(0, src.shape[0], per):
            lengths = src_lengths[start: start + per]
            out += beam_search(model, src[start: start + per, : int(lengths.max())], lengths, beam, max_len,
                               alpha, cache)
        return out
    model.eval()
    enc = model.encode(src, src_lengths)
    beams = _Beams.start(model, enc, src, beam, cache)
    finished: list[list[tuple]] = [[] for _ in range(src.shape[0])]
    for t in range(max_len):
        tok, flat = beams.advance(model, beam)
        is_eos = tok == model.cfg.eos_id
        last = t == max_len - 1
        keep = list(range(len(beams.alive)))
        if bool(is_eos.any()) or last:
            keep = beams.set_aside(finished, is_eos, t, last, beam, alpha)
            if not keep:
                break
        beams.prev = tok.view(-1)
        if len(keep) < len(beams.alive):
            flat = beams.keep(keep, flat, beam)
        beams.state = model.select_state(beams.state, flat)
    out = []
    for b in range(src.shape[0]):
        best = max(finished[b], key=lambda h: h[0])
        out.append(_finish(best[2], best[3], best[4], best[1], int(src_lengths[b]), best[0], enc.states[b]))
    return out


@dataclass
class _Beams:
    """The open hypotheses of the sentences still in the batch, ``width`` rows per sentence.

    ``alive`` is the sentence of each row group, ``scores`` ``[n, width]`` their summed
    log-probabilities, ``prev`` ``[n·width]`` their last tokens, ``enc`` and ``state`` the
    encoder output and decoder state of each row; ``hist`` the output tokens ``[rows, t]`` and,
    when the steps report them, attention ``[rows, t, S]`` and top states ``[rows, t, H]``.
    """

    alive: list[int]
    width: int
    scores: Tensor
    prev: Tensor
    enc: object
    state: object
    hist: list[Tensor | None]

    @classmethod
    def start(cls, model, enc, src: Tensor, beam: int, cache: bool) -> "_Beams":
        """Before the first step. All of a sentence's hypotheses start alike, so the first step
        runs once per sentence and its best ``beam`` tokens start the hypotheses (unless the
        vocabulary is smaller than the beam)."""
        batch, device = src.shape[0], src.device
        width = 1 if model.cfg.tgt_vocab_size >= beam else beam
        enc_k = enc if width == 1 else enc.index_select(torch.arange(batch, device=device).repeat_interleave(beam))
        scores = torch.full((batch, width), float("-inf"), device=device)
        scores[:, 0] = 0.0
        prev = torch.full((batch * width,), model.cfg.bos_id, dtype=torch.long, device=device)
        hist: list[Tensor | None] = [torch.empty(batch * width, 0, dtype=torch.long, device=device), None, None]
        return cls(list(range(batch)), width, scores, prev, enc_k, model.init_state(enc_k, cache=cache), hist)

    def advance(self, model, beam: int) -> tuple[Tensor, Tensor]:
        """One step: the best ``beam`` continuations of each sentence become its rows. Returns
        their tokens ``[n, beam]`` and the row each continues (``[n·beam]``, into the old rows)."""
        n, device = len(self.alive), self.scores.device
        logp, self.state, w, top = model.step_logits(self.prev, self.enc, self.state)   # [n*width, V]
        if self.hist[0].shape[1] == 0:
            logp = _no_eos(logp, model.cfg.eos_id)
        vocab = logp.shape[1]
        cand = (self.scores.view(-1, 1) + logp).view(n, self.width * vocab)
        self.scores, idx = cand.topk(beam, dim=1)                                       # [n, k]
        tok = idx % vocab
        flat = ((torch.arange(n, device=device) * self.width).unsqueeze(1) + idx // vocab).view(-1)
        if self.width < beam:            # after the first step: `beam` rows per sentence
            self.enc = self.enc.index_select(torch.arange(n, device=device).repeat_interleave(beam))
            self.width = beam
        self.hist = [_extend(h, x, flat) for h, x in zip(self.hist, (tok.view(-1), w, top))]
        return tok, flat

    def set_aside(self, finished: list[list[tuple]], is_eos: Tensor, t: int, last: bool, beam: int,
                  alpha: float) -> list[int]:
        """Move the hypotheses ending at step ``t`` (every open one at the ``last`` step) into
        ``finished``, per sentence; returns the row groups whose sentences go on."""
        ended, score_rows = is_eos.tolist(), self.scores.tolist()   # plain lists: no tensor op per item
        for i, j in torch.nonzero(is_eos | last, as_tuple=False).tolist():
            s = score_rows[i][j]
            if s == float("-inf"):
                continue
            length = t if ended[i][j] else t + 1
            row = i * beam + j
            finished[self.alive[i]].append((s / length_penalty(length + 1, alpha), length,
                                            *(None if h is None else h[row] for h in self.hist)))
        self.scores = self.scores.masked_fill(is_eos, float("-inf"))
        return [i for i in range(len(self.alive))
                if not (last or ended[i][0] or len(finished[self.alive[i]]) >= beam)]

    def keep(self, keep: list[int], flat: Tensor, beam: int) -> Tensor:
        """Drop the done sentences' rows from the batch; returns ``flat`` for the rows kept."""
        device = self.scores.device
        rows = (torch.tensor(keep, device=device).unsqueeze(1) * beam
                + torch.arange(beam, device=device)).view(-1)
        self.alive = [self.alive[i] for i in keep]
        self.scores, self.prev = self.scores[keep], self.prev[rows]
        self.enc = self.enc.index_select(rows)
        self.hist = [None if h is None else h[rows] for h in self.hist]
        return flat.index_select(0, rows)


def _extend(history: Tensor | None, step: Tensor | None, flat: Tensor) -> Tensor | None:
    """The rows ``flat`` of ``history`` ``[rows, t, …]`` with this step's ``step[flat]`` appended
    (for the token, ``step`` is already in the new order)."""
    if step is None:
        return None
    if step.dim() == 1:
        return torch.cat([history[flat], step.unsqueeze(1)], 1)
    new = step[flat].unsqueeze(1)
    return new if history is None else torch.cat([history[flat], new], 1)
