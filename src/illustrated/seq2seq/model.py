"""The encoder–decoder with attention, and the one configuration dataclass that holds its defaults.

The source may be token ids ``int64`` ``[batch, src_len]`` (looked up in an embedding table) or
a sequence of vectors ``float`` ``[batch, src_len, src_features]`` (image regions, time series),
mapped to the embedding size by a linear layer. Everything else is the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..configs import DictConfig
from ..errors import ConfigError
from .decoder import Decoder
from .encoder import Encoder, EncoderOutput
from .loss import token_cross_entropy

__all__ = ["Seq2SeqConfig", "Seq2Seq"]


@dataclass
class Seq2SeqConfig(DictConfig):
    """Architecture of a :class:`Seq2Seq` model (defaults are those of the Multi30k benchmark).

    Attributes:
        src_vocab_size: source vocabulary size; ignored when ``src_features`` is set (0: not yet
            known; the training pipeline fills it in from the data).
        tgt_vocab_size: target vocabulary size (likewise).
        src_features: size of each source vector for vector input, or None for token ids.
        emb_dim: embedding size (source and target).
        hidden_dim: RNN size (per direction in the encoder; the decoder's size).
        layers: RNN layers in encoder and decoder.
        rnn: ``gru`` or ``lstm``.
        bidirectional: bidirectional encoder.
        attention: ``bahdanau`` (additive), ``dot`` or ``general`` (Luong).
        attn_dim: size of the additive attention's hidden layer (default ``hidden_dim``).
        dropout: dropout on embeddings, between RNN layers and before the attentional layer.
        input_feeding: feed the previous attentional vector into the decoder RNN.
        pad_id, bos_id, eos_id: special target ids (and the source padding id).
    """

    config_name = "model config"

    src_vocab_size: int = 0
    tgt_vocab_size: int = 0
    src_features: int | None = None
    emb_dim: int = 256
    hidden_dim: int = 256
    layers: int = 1
    rnn: str = "gru"
    bidirectional: bool = True
    attention: str = "bahdanau"
    attn_dim: int | None = None
    dropout: float = 0.3
    input_feeding: bool = True
    pad_id: int = 0
    bos_id: int = 2
    eos_id: int = 3

    arch = "rnn"   # a class attribute, not a field: the name config.json stores

    def __post_init__(self) -> None:
        if self.rnn not in ("gru", "lstm"):
            raise ConfigError(f"rnn: expected 'gru' or 'lstm', got {self.rnn!r}")
        if self.attention not in ("bahdanau", "dot", "general"):
            raise ConfigError(f"attention: expected 'bahdanau', 'dot' or 'general', got {self.attention!r}")
        for name in ("emb_dim", "hidden_dim", "layers"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must lie in [0, 1), got {self.dropout}")


class Seq2Seq(nn.Module):
    """Embeddings + :class:`Encoder` + :class:`Decoder` + output layer."""

    def __init__(self, cfg: Seq2SeqConfig) -> None:
        super().__init__()
        if cfg.tgt_vocab_size < 1:
            raise ConfigError(f"tgt_vocab_size must be at least 1, got {cfg.tgt_vocab_size}")
        if cfg.src_features is None and cfg.src_vocab_size < 1:
            raise ConfigError("src_vocab_size must be at least 1 (or set src_features for vector input)")
        self.cfg = cfg
        if cfg.src_features is None:
            self.src_embed: nn.Module = nn.Embedding(cfg.src_vocab_size, cfg.emb_dim, padding_idx=cfg.pad_id)
        else:
            self.src_embed = nn.Linear(cfg.src_features, cfg.emb_dim)
        self.tgt_embed = nn.Embedding(cfg.tgt_vocab_size, cfg.emb_dim, padding_idx=cfg.pad_id)
        self.encoder = Encoder(cfg.emb_dim, cfg.hidden_dim, cfg.layers, cfg.rnn, cfg.bidirectional, cfg.dropout)
        self.decoder = Decoder(cfg.emb_dim, cfg.hidden_dim, self.encoder.out_size, cfg.layers, cfg.rnn,
                               cfg.attention, cfg.attn_dim, cfg.dropout, cfg.input_feeding)
        self.output = nn.Linear(cfg.hidden_dim, cfg.tgt_vocab_size)

    def encode(self, src: Tensor, src_lengths: Tensor) -> EncoderOutput:
        """``src`` ids ``[B, S]`` or vectors ``[B, S, F]``; ``src_lengths`` ``int64`` ``[B]``."""
        enc = self.encoder(self.src_embed(src), src_lengths)
        enc.keys = self.decoder.attention.project_keys(enc.states)
        return enc

    def forward(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor, tgt_out: Tensor | None = None,
                label_smoothing: float = 0.0) -> tuple[Tensor, Tensor | int]:
        """Teacher forcing. ``tgt_in`` ``int64`` ``[B, T]`` is ``<s> y_1 … y_{T-1}`` (padded).

        Without ``tgt_out``: logits ``[B, T, tgt_vocab]`` and attention ``[B, T, S]``.
        With ``tgt_out`` (``y_1 … </s>``, padded): the mean token cross-entropy over non-pad
        targets and their number — only real positions go through the output layer, so padding
        costs nothing there. Training goes through ``forward`` so a ``DistributedDataParallel``
        wrapper sees it.
        """
        enc = self.encode(src, src_lengths)
        att, weights, _ = self.decoder(self.tgt_embed(tgt_in), enc)
        if tgt_out is None:
            return self.output(att), weights
        keep = tgt_out != self.cfg.pad_id
        logits = self.output(att[keep])                                    # [N, V]
        return token_cross_entropy(logits, tgt_out[keep], label_smoothing), int(keep.sum())

    def loss(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor, tgt_out: Tensor,
             label_smoothing: float = 0.0) -> tuple[Tensor, int]:
        """Mean token cross-entropy over non-pad targets, and the number of those targets."""
        return self(src, src_lengths, tgt_in, tgt_out, label_smoothing)

    def init_state(self, enc: EncoderOutput, cache: bool = True):
        """The decoder's state before the first output token (``cache`` is for the Transformer;
        the recurrent state is a cache by nature)."""
        return self.decoder.init_state(enc)

    def select_state(self, state, index: Tensor):
        """Rows ``index`` of a search state (beam search reorders hypotheses)."""
        return self.decoder.select_state(state, index)

    def step_logits(self, prev: Tensor, enc: EncoderOutput, state) -> tuple[Tensor, object, Tensor, Tensor]:
        """One search step: previous tokens ``[B]`` → log-probabilities ``[B, V]``, new state,
        attention ``[B, S]`` and top decoder state ``[B, H]``."""
        att, state, weights, top = self.decoder.step(self.tgt_embed(prev), enc, state)
        return torch.log_softmax(self.output(att), dim=-1), state, weights, top
