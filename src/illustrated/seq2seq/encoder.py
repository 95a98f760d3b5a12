"""The encoder: a (bidirectional) GRU or LSTM that reads the embedded source once.

Sequences are packed, so padding never enters the recurrence and the final state of each
sentence is the state after its own last token.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..errors import ConfigError

__all__ = ["Encoder", "EncoderOutput", "make_rnn"]


def make_rnn(kind: str, input_size: int, hidden_size: int, layers: int, dropout: float,
             bidirectional: bool = False) -> nn.RNNBase:
    """A batch-first ``nn.GRU`` or ``nn.LSTM``."""
    cls = {"gru": nn.GRU, "lstm": nn.LSTM}.get(kind)
    if cls is None:
        raise ConfigError(f"rnn: expected 'gru' or 'lstm', got {kind!r}")
    return cls(input_size, hidden_size, num_layers=layers, batch_first=True,
               dropout=dropout if layers > 1 else 0.0, bidirectional=bidirectional)


@dataclass
class EncoderOutput:
    """What the decoder needs from the encoder.

    Attributes:
        states: ``[batch, src_len, out_size]`` top-layer states (both directions concatenated);
            zero at padding.
        final: ``[layers, batch, out_size]`` each layer's final state (directions concatenated);
            for an LSTM the hidden part ``h``.
        mask: ``bool`` ``[batch, 1, src_len]``, True on real source positions.
        keys: ``[batch, src_len, *]`` the attention's once-per-sentence key projection.
    """

    states: Tensor
    final: Tensor
    mask: Tensor
    keys: Tensor | None = None

    def index_select(self, index: Tensor) -> "EncoderOutput":
        """Rows ``index`` of every tensor (beam search repeats each sentence ``beam`` times)."""
        return EncoderOutput(self.states.index_select(0, index), self.final.index_select(1, index),
                             self.mask.index_select(0, index),
                             None if self.keys is None else self.keys.index_select(0, index))


class Encoder(nn.Module):
    """Embedded source ``[batch, src_len, input_size]`` → :class:`EncoderOutput`."""

    def __init__(self, input_size: int, hidden_size: int, layers: int = 1, rnn: str = "gru",
                 bidirectional: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        self.rnn = make_rnn(rnn, input_size, hidden_size, layers, dropout, bidirectional)
        self.dropout = nn.Dropout(dropout)
        self.layers = layers
        self.directions = 2 if bidirectional else 1
        self.out_size = hidden_size * self.directions

    def forward(self, x: Tensor, lengths: Tensor) -> EncoderOutput:
        """``x`` ``[batch, src_len, input_size]``, ``lengths`` ``int64`` ``[batch]`` (on CPU)."""
        batch, src_len = x.shape[:2]
        packed = pack_padded_sequence(self.dropout(x), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        out, final = self.rnn(packed)
        states, _ = pad_packed_sequence(out, batch_first=True, total_length=src_len)
        h = final[0] if isinstance(final, tuple) else final            # [layers*dirs, B, H]
        h = h.view(self.layers, self.directions, batch, -1).transpose(1, 2).reshape(self.layers, batch, -1)
        mask = (torch.arange(src_len, device=x.device)[None, :] < lengths.to(x.device)[:, None]).unsqueeze(1)
        return EncoderOutput(states, h, mask)
