"""Greedy and batched beam search over a trained :class:`~illustrated.seq2seq.model.Seq2Seq`.

Both return, for each sentence, the output ids (without ``</s>``), the summed log-probability
(including ``</s>`` when it was produced), the attention weights ``[len(ids), src_len]`` and the
top decoder states ``[len(ids), H]`` of the chosen hypothesis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ..errors import ConfigError
from .model import Seq2Seq

__all__ = ["Hypothesis", "greedy_search", "beam_search", "length_penalty"]


@dataclass
class Hypothesis:
    """One output sentence.

    Attributes:
        ids: output token ids, ``</s>`` excluded.
        score: log-probability of the output (``</s>`` included), divided by the length penalty
            for beam search.
        attention: ``float32`` ``[len(ids), src_len]``.
        states: ``float32`` ``[len(ids), H_dec]`` top decoder RNN states.
        encoder_states: ``float32`` ``[src_len, H_enc]``.
    """

    ids: list[int]
    score: float
    attention: np.ndarray
    states: np.ndarray
    encoder_states: np.ndarray


def length_penalty(length: int, alpha: float) -> float:
    """GNMT's ``((5 + length) / 6) ** alpha``; ``alpha = 0`` ranks by raw log-probability."""
    return ((5.0 + length) / 6.0) ** alpha


def _finish(ids: Tensor, att: Tensor, tops: Tensor, n: int, src_len: int, score: float,
            enc_states: Tensor) -> Hypothesis:
    return Hypothesis([int(i) for i in ids[:n]], score,
                      att[:n, :src_len].float().numpy().copy(), tops[:n].float().numpy().copy(),
                      enc_states[:src_len].float().numpy().copy())


@torch.no_grad()
def greedy_search(model: Seq2Seq, src: Tensor, src_lengths: Tensor, max_len: int) -> list[Hypothesis]:
    """Pick the most probable token at every step, for a whole batch at once."""
    model.eval()
    eos = model.cfg.eos_id
    enc = model.encode(src, src_lengths)
    state = model.decoder.init_state(enc)
    batch = src.shape[0]
    prev = torch.full((batch,), model.cfg.bos_id, dtype=torch.long)
    done = torch.zeros(batch, dtype=torch.bool)
    lengths = torch.full((batch,), max_len, dtype=torch.long)
    scores = torch.zeros(batch)
    toks, atts, tops = [], [], []
    for t in range(max_len):
        logp, state, w, top = model.step_logits(prev, enc, state)
        best, tok = logp.max(dim=-1)
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
    toks_t, atts_t, tops_t = torch.stack(toks, 1), torch.stack(atts, 1), torch.stack(tops, 1)
    return [_finish(toks_t[b], atts_t[b], tops_t[b], int(lengths[b]), int(src_lengths[b]),
                    float(scores[b]), enc.states[b]) for b in range(batch)]


@torch.no_grad()
def beam_search(model: Seq2Seq, src: Tensor, src_lengths: Tensor, beam: int, max_len: int,
                alpha: float = 1.0) -> list[Hypothesis]:
    """Batched beam search: ``beam`` hypotheses per sentence advance together as one batch.

    A hypothesis that produces ``</s>`` is set aside with its score divided by
    :func:`length_penalty`. A sentence is done when the best-scoring candidate of a step ends
    with ``</s>`` or ``beam`` hypotheses are set aside (or at ``max_len``, when the open ones
    join them); done sentences leave the batch, so the remaining steps are cheaper. The best
    hypothesis by penalised score is returned.
    """
    if beam < 1:
        raise ConfigError(f"beam must be at least 1, got {beam}")
    model.eval()
    eos = model.cfg.eos_id
    batch = src.shape[0]
    enc = model.encode(src, src_lengths)
    # All of a sentence's hypotheses start alike, so the first step runs once per sentence and
    # its best `beam` tokens start the hypotheses (unless the vocabulary is smaller than the beam).
    width = 1 if model.cfg.tgt_vocab_size >= beam else beam
    enc_k = enc if width == 1 else enc.index_select(torch.arange(batch).repeat_interleave(beam))
    state = model.decoder.init_state(enc_k)
    scores = torch.full((batch, width), float("-inf"))
    scores[:, 0] = 0.0
    prev = torch.full((batch * width,), model.cfg.bos_id, dtype=torch.long)
    hist_tok = torch.empty(batch * width, 0, dtype=torch.long)
    hist_att = torch.empty(batch * width, 0, enc.states.shape[1])
    hist_top = torch.empty(batch * width, 0, model.cfg.hidden_dim)
    finished: list[list[tuple]] = [[] for _ in range(batch)]
    alive = list(range(batch))          # sentence of each row group still in the batch
    for t in range(max_len):
        n = len(alive)
        logp, state, w, top = model.step_logits(prev, enc_k, state)         # [n*width, V]
        vocab = logp.shape[1]
        cand = (scores.view(-1, 1) + logp).view(n, width * vocab)
        scores, idx = cand.topk(beam, dim=1)                                 # [n, k]
        tok = idx % vocab
        flat = ((torch.arange(n) * width).unsqueeze(1) + idx // vocab).view(-1)
        if width < beam:                 # after the first step: `beam` rows per sentence
            enc_k = enc_k.index_select(torch.arange(n).repeat_interleave(beam))
            width = beam
        hist_tok = torch.cat([hist_tok[flat], tok.view(-1, 1)], 1)
        hist_att = torch.cat([hist_att[flat], w[flat].unsqueeze(1)], 1)
        hist_top = torch.cat([hist_top[flat], top[flat].unsqueeze(1)], 1)
        is_eos = tok == eos
        last = t == max_len - 1
        keep = list(range(n))
        if bool(is_eos.any()) or last:
            ended, score_rows = is_eos.tolist(), scores.tolist()       # plain lists: no tensor op per item
            for i, j in torch.nonzero(is_eos | last, as_tuple=False).tolist():
                s = score_rows[i][j]
                if s == float("-inf"):
                    continue
                length = t if ended[i][j] else t + 1
                finished[alive[i]].append((s / length_penalty(length + 1, alpha), length,
                                           hist_tok[i * beam + j], hist_att[i * beam + j],
                                           hist_top[i * beam + j]))
            scores = scores.masked_fill(is_eos, float("-inf"))
            keep = [i for i in range(n) if not (last or ended[i][0] or len(finished[alive[i]]) >= beam)]
            if not keep:
                break
        prev = tok.view(-1)
        if len(keep) < n:                # drop the finished sentences from the batch
            rows = (torch.tensor(keep).unsqueeze(1) * beam + torch.arange(beam)).view(-1)
            alive = [alive[i] for i in keep]
            scores, prev = scores[keep], prev[rows]
            flat = flat.index_select(0, rows)
            enc_k = enc_k.index_select(rows)
            hist_tok, hist_att, hist_top = hist_tok[rows], hist_att[rows], hist_top[rows]
            state = model.decoder.select_state(state, flat)
        else:
            state = model.decoder.select_state(state, flat)
    out = []
    for b in range(batch):
        best = max(finished[b], key=lambda h: h[0])
        out.append(_finish(best[2], best[3], best[4], best[1], int(src_lengths[b]), best[0], enc.states[b]))
    return out
