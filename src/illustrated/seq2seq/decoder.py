"""The decoder: an RNN that writes the target one token at a time while attending to the source.

Each step (Luong et al., 2015, with Bahdanau or Luong scoring):

1. the RNN reads the previous target embedding — with *input feeding*, concatenated with the
   previous attentional vector, so the decoder knows what it attended to last;
2. its top state ``h_t`` is the query: attention gives weights over the source and a context;
3. the attentional vector ``ã_t = tanh(W [h_t; c_t])`` goes to the output layer (and is fed back).

The initial state comes from a *bridge*: ``tanh(W · encoder final state)`` for every layer.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .attention import make_attention
from .encoder import EncoderOutput, make_rnn

__all__ = ["Decoder", "State"]

# (hidden, feed): hidden is [layers, batch, H] (GRU) or a pair of them (LSTM); feed is the previous
# attentional vector [batch, H] (zeros at the start; unused without input feeding).
State = tuple[Tensor | tuple[Tensor, Tensor], Tensor]


class Decoder(nn.Module):
    """Attention decoder; see the module docstring for one step's computation."""

    def __init__(self, emb_size: int, hidden_size: int, enc_size: int, layers: int = 1,
                 rnn: str = "gru", attention: str = "bahdanau", attn_size: int | None = None,
                 dropout: float = 0.0, input_feeding: bool = True) -> None:
        super().__init__()
        self.kind = rnn
        self.layers = layers
        self.hidden_size = hidden_size
        self.input_feeding = input_feeding
        in_size = emb_size + (hidden_size if input_feeding else 0)
        self.rnn = make_rnn(rnn, in_size, hidden_size, layers, dropout)
        self.bridge = nn.Linear(enc_size, hidden_size)
        self.attention = make_attention(attention, hidden_size, enc_size, attn_size or hidden_size)
        self.att_vector = nn.Linear(hidden_size + enc_size, hidden_size)
        self.dropout = nn.Dropout(dropout)
        self.rnn_dropout = dropout

    # ---- state -----------------------------------------------------------------------------
    def init_state(self, enc: EncoderOutput) -> State:
        """Bridge the encoder's final states ``[layers_enc, B, enc]`` to the decoder's start."""
        final = enc.final
        if final.shape[0] < self.layers:   # fewer encoder layers: reuse the top one
            final = torch.cat([final, final[-1:].expand(self.layers - final.shape[0], -1, -1)])
        h = torch.tanh(self.bridge(final[-self.layers:])).contiguous()   # [layers, B, H]
        hidden = (h, h) if self.kind == "lstm" else h
        return hidden, h.new_zeros(h.shape[1], self.hidden_size)

    @staticmethod
    def select_state(state: State, index: Tensor) -> State:
        """Rows ``index`` of a state (beam search reorders hypotheses)."""
        hidden, feed = state
        if isinstance(hidden, tuple):
            hidden = tuple(x.index_select(1, index) for x in hidden)
        else:
            hidden = hidden.index_select(1, index)
        return hidden, feed.index_select(0, index)

    # ---- one step --------------------------------------------------------------------------
    def _rnn_step(self, x: Tensor, hidden):
        """Advance every layer by one step with the fused cell ops. ``x`` ``[B, in]``."""
        new_h, new_c = [], []
        for layer in range(self.layers):
            w_ih = getattr(self.rnn, f"weight_ih_l{layer}")
            w_hh = getattr(self.rnn, f"weight_hh_l{layer}")
            b_ih = getattr(self.rnn, f"bias_ih_l{layer}")
            b_hh = getattr(self.rnn, f"bias_hh_l{layer}")
            if layer > 0 and self.training and self.rnn_dropout > 0:
                x = nn.functional.dropout(x, self.rnn_dropout, True)
            if self.kind == "lstm":
                h, c = torch.lstm_cell(x, (hidden[0][layer], hidden[1][layer]), w_ih, w_hh, b_ih, b_hh)
                new_c.append(c)
            else:
                h = torch.gru_cell(x, hidden[layer], w_ih, w_hh, b_ih, b_hh)
            new_h.append(h)
            x = h
        hs = torch.stack(new_h)
        return x, ((hs, torch.stack(new_c)) if self.kind == "lstm" else hs)

    def step(self, emb: Tensor, enc: EncoderOutput, state: State) -> tuple[Tensor, State, Tensor, Tensor]:
        """One decoding step.

        Args:
            emb: ``[B, emb]`` embedding of the previous target token.
            enc: encoder output with ``keys`` set.
            state: from :meth:`init_state` or the previous step.
        Returns:
            ``att_vector`` ``[B, H]`` (input to the output layer), the new state, attention
            weights ``[B, src_len]`` and the top RNN state ``[B, H]``.
        """
        hidden, feed = state
        x = torch.cat([emb, feed], dim=-1) if self.input_feeding else emb
        top, hidden = self._rnn_step(self.dropout(x), hidden)
        query = top.unsqueeze(1)                                           # [B, 1, H]
        context, weights = self.attention(query, enc.keys, enc.states, enc.mask)
        att = torch.tanh(self.att_vector(self.dropout(torch.cat([query, context], -1)))).squeeze(1)
        return att, (hidden, att), weights.squeeze(1), top

    # ---- teacher forcing -------------------------------------------------------------------
    def forward(self, emb: Tensor, enc: EncoderOutput) -> tuple[Tensor, Tensor, Tensor]:
        """Decode a whole known target prefix.

        Args:
            emb: ``[B, T, emb]`` embeddings of ``<s> y_1 … y_{T-1}``.
            enc: encoder output with ``keys`` set.
        Returns:
            attentional vectors ``[B, T, H]``, attention weights ``[B, T, src_len]`` and top RNN
            states ``[B, T, H]``.
        """
        state = self.init_state(enc)
        if not self.input_feeding:   # no feedback loop: the RNN runs over the whole prefix at once
            hidden, _ = state
            tops, _ = self.rnn(self.dropout(emb), hidden)
            context, weights = self.attention(tops, enc.keys, enc.states, enc.mask)
            att = torch.tanh(self.att_vector(self.dropout(torch.cat([tops, context], -1))))
            return att, weights, tops
        atts, weights, tops = [], [], []
        for t in range(emb.shape[1]):
            att, state, w, top = self.step(emb[:, t], enc, state)
            atts.append(att)
            weights.append(w)
            tops.append(top)
        return torch.stack(atts, 1), torch.stack(weights, 1), torch.stack(tops, 1)
