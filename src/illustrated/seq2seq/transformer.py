"""The Transformer (Vaswani et al., 2017): an encoder–decoder of attention alone, and its config.

The encoder reads the whole source at once: embeddings (scaled by √d) plus positions, then
``encoder_layers`` × (self-attention, feed-forward). The decoder does the same over the output
so far, with its self-attention masked so a position never sees a later one, and one more
attention to the encoder's output in every layer. The output layer shares its weights with the
target embeddings (``tie_output``); with a joint subword vocabulary source and target can share
one table too (``share_embeddings``).

The model speaks the same language as :class:`~illustrated.seq2seq.model.Seq2Seq` to the
trainer and the search (``forward`` → loss, ``encode``, ``init_state``, ``step_logits``,
``select_state``). While searching, each layer keeps the keys and values of the positions
already written, so a step computes one new position, not the whole prefix again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from ..configs import DictConfig
from ..errors import ConfigError
from .dropout import Dropout
from .layers import NORM_EPS, DecoderLayer, EncoderLayer, KeyValues
from .loss import token_cross_entropy
from .positions import make_positions

__all__ = ["TransformerConfig", "Transformer", "TransformerEncoding", "DecoderState"]


@dataclass
class TransformerConfig(DictConfig):
    """Architecture of a :class:`Transformer`; the defaults are the Multi30k model.

    Attributes:
        src_vocab_size, tgt_vocab_size: vocabulary sizes (0: filled in from the data).
        src_features: size of each source vector for vector input, or None for token ids.
        d_model: model size (embeddings and every layer's input and output).
        heads: attention heads per attention (``d_model`` must be a multiple).
        ff_dim: inner size of the position-wise feed-forward network.
        encoder_layers, decoder_layers: layers in each stack.
        dropout: on embeddings+positions, after every sublayer and inside the feed-forward.
        attention_dropout: on the attention weights.
        norm: ``pre`` (layer norm before each sublayer, plus a final one) or ``post`` (the paper's).
        positions: ``sinusoidal`` (fixed, any length) or ``learned`` (up to ``max_positions``).
        max_positions: longest sequence a model with learned positions accepts.
        scale_embeddings: multiply embeddings by √d_model before adding positions.
        tie_output: the output layer is the target embedding table (no separate weights, no bias).
        share_embeddings: source and target use one embedding table (needs a joint vocabulary).
        pad_id, bos_id, eos_id: special target ids (and the source padding id).
    """

    config_name = "model config"

    src_vocab_size: int = 0
    tgt_vocab_size: int = 0
    src_features: int | None = None
    d_model: int = 256
    heads: int = 4
    ff_dim: int = 1024
    encoder_layers: int = 3
    decoder_layers: int = 3
    dropout: float = 0.1
    attention_dropout: float = 0.1
    norm: str = "pre"
    positions: str = "sinusoidal"
    max_positions: int = 1024
    scale_embeddings: bool = True
    tie_output: bool = True
    share_embeddings: bool = True
    pad_id: int = 0
    bos_id: int = 2
    eos_id: int = 3

    arch = "transformer"   # a class attribute, not a field: the name config.json stores

    def __post_init__(self) -> None:
        for name in ("d_model", "heads", "ff_dim", "encoder_layers", "decoder_layers", "max_positions"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.d_model % self.heads:
            raise ConfigError(f"d_model ({self.d_model}) must be a multiple of heads ({self.heads})")
        if self.positions == "sinusoidal" and self.d_model % 2:
            raise ConfigError(f"sinusoidal positions need an even d_model, got {self.d_model}")
        for name in ("dropout", "attention_dropout"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(f"{name} must lie in [0, 1), got {getattr(self, name)}")
        if self.norm not in ("pre", "post"):
            raise ConfigError(f"norm: expected 'pre' or 'post', got {self.norm!r}")
        if self.positions not in ("sinusoidal", "learned"):
            raise ConfigError(f"positions: expected 'sinusoidal' or 'learned', got {self.positions!r}")


@dataclass
class TransformerEncoding:
    """The encoder's output, as the decoder and the search need it.

    Attributes:
        states: ``[batch, src_len, d_model]`` top-layer states (after the final norm).
        mask: ``bool`` ``[batch, 1, 1, src_len]``, True on real source tokens.
        memory: per decoder layer, the keys and values of ``states`` for its encoder–decoder
            attention, each ``[batch, heads, src_len, head_dim]`` (computed once per sentence).
        attention: with ``need_weights``, per encoder layer ``[batch, heads, src_len, src_len]``.
    """

    states: Tensor
    mask: Tensor
    memory: list[KeyValues]
    attention: list[Tensor] | None = None

    def index_select(self, index: Tensor) -> "TransformerEncoding":
        """Rows ``index`` of every tensor (beam search repeats each sentence ``beam`` times)."""
        return TransformerEncoding(self.states.index_select(0, index), self.mask.index_select(0, index),
                                   [(k.index_select(0, index), v.index_select(0, index)) for k, v in self.memory])


@dataclass
class DecoderState:
    """What a search step carries: the outputs so far ``prefix`` ``int64`` ``[batch, steps]`` and,
    with caching, each layer's self-attention keys and values (``past``) for those positions."""

    prefix: Tensor
    past: list[KeyValues] | None


class Transformer(nn.Module):
    """Embeddings, positions, encoder and decoder stacks, tied output layer."""

    def __init__(self, cfg: TransformerConfig) -> None:
        super().__init__()
        if cfg.tgt_vocab_size < 1:
            raise ConfigError(f"tgt_vocab_size must be at least 1, got {cfg.tgt_vocab_size}")
        if cfg.src_features is None and cfg.src_vocab_size < 1:
            raise ConfigError("src_vocab_size must be at least 1 (or set src_features for vector input)")
        if cfg.share_embeddings and (cfg.src_features is not None or cfg.src_vocab_size != cfg.tgt_vocab_size):
            raise ConfigError("share_embeddings needs one joint vocabulary for source and target "
                              f"(sizes {cfg.src_vocab_size} and {cfg.tgt_vocab_size}); "
                              "train with a joint vocabulary or turn sharing off")
        self.cfg = cfg
        d = cfg.d_model
        self.tgt_embed = nn.Embedding(cfg.tgt_vocab_size, d, padding_idx=cfg.pad_id)
        if cfg.share_embeddings:
            self.src_embed: nn.Module = self.tgt_embed
        elif cfg.src_features is None:
            self.src_embed = nn.Embedding(cfg.src_vocab_size, d, padding_idx=cfg.pad_id)
        else:
            self.src_embed = nn.Linear(cfg.src_features, d)
        self.src_positions = make_positions(cfg.positions, d, cfg.max_positions)
        self.tgt_positions = make_positions(cfg.positions, d, cfg.max_positions)
        self.embed_scale = math.sqrt(d) if cfg.scale_embeddings else 1.0
        self.dropout = Dropout(cfg.dropout)
        layer = dict(dim=d, heads=cfg.heads, ff_dim=cfg.ff_dim, dropout=cfg.dropout,
                     attention_dropout=cfg.attention_dropout, norm=cfg.norm)
        self.encoder_layers = nn.ModuleList(EncoderLayer(**layer) for _ in range(cfg.encoder_layers))
        self.decoder_layers = nn.ModuleList(DecoderLayer(**layer) for _ in range(cfg.decoder_layers))
        pre = cfg.norm == "pre"
        self.encoder_norm = nn.LayerNorm(d, eps=NORM_EPS) if pre else nn.Identity()
        self.decoder_norm = nn.LayerNorm(d, eps=NORM_EPS) if pre else nn.Identity()
        self.output = nn.Linear(d, cfg.tgt_vocab_size, bias=False)
        self.reset_parameters()
        if cfg.tie_output:
            self.output.weight = self.tgt_embed.weight

    def reset_parameters(self) -> None:
        """Xavier-uniform matrices, zero biases, embeddings ``N(0, 1/d)`` (so that after the √d
        scaling they have unit size, like the positions) with a zero padding row."""
        for name, p in self.named_parameters():
            if p.dim() > 1 and "embed" not in name:
                nn.init.xavier_uniform_(p)
            elif name.endswith("bias"):
                nn.init.zeros_(p)
        for table in {self.src_embed, self.tgt_embed}:
            if isinstance(table, nn.Embedding):
                nn.init.normal_(table.weight, std=self.cfg.d_model ** -0.5)
                with torch.no_grad():
                    table.weight[self.cfg.pad_id].zero_()

    # ---- encoder ---------------------------------------------------------------------------
    def encode(self, src: Tensor, src_lengths: Tensor, need_weights: bool = False) -> TransformerEncoding:
        """``src`` ids ``[B, S]`` (or vectors ``[B, S, F]``), ``src_lengths`` ``int64`` ``[B]``."""
        length = src.shape[1]
        mask = (torch.arange(length, device=src.device)[None, :] < src_lengths.to(src.device)[:, None])
        mask = mask[:, None, None, :]
        x = self.dropout(self.src_positions(self.src_embed(src) * self.embed_scale))
        weights = []
        for layer in self.encoder_layers:
            x, w = layer(x, mask, need_weights)
            weights.append(w)
        x = self.encoder_norm(x)
        memory = [layer.cross_attn.project_memory(x) for layer in self.decoder_layers]
        return TransformerEncoding(x, mask, memory, weights if need_weights else None)

    # ---- decoder ---------------------------------------------------------------------------
    def _embed_target(self, ids: Tensor, offset: int = 0) -> Tensor:
        return self.dropout(self.tgt_positions(self.tgt_embed(ids) * self.embed_scale, offset))

    def decode(self, tgt_in: Tensor, enc: TransformerEncoding,
               need_weights: bool = False) -> tuple[Tensor, list, list]:
        """Decode a whole known prefix ``tgt_in`` ``int64`` ``[B, T]`` (``<s> y_1 … y_{T-1}``).

        Returns the top states ``[B, T, d_model]`` and, with ``need_weights``, per layer the
        self-attention ``[B, heads, T, T]`` and encoder–decoder attention ``[B, heads, T, S]``.
        """
        x = self._embed_target(tgt_in)
        self_w, cross_w = [], []
        for layer, memory in zip(self.decoder_layers, enc.memory):
            x, _, (s, c) = layer(x, memory, enc.mask, need_weights=need_weights)
            self_w.append(s)
            cross_w.append(c)
        return self.decoder_norm(x), self_w, cross_w

    def forward(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor, tgt_out: Tensor | None = None,
                label_smoothing: float = 0.0) -> tuple[Tensor, Tensor | int | None]:
        """Teacher forcing, as :meth:`Seq2Seq.forward`.

        Without ``tgt_out``: logits ``[B, T, tgt_vocab]`` (and None). With ``tgt_out``
        (``y_1 … </s>``, padded): the mean token cross-entropy over non-pad targets and their
        number; only real positions go through the output layer.
        """
        states, _, _ = self.decode(tgt_in, self.encode(src, src_lengths))
        if tgt_out is None:
            return self.output(states), None
        keep = tgt_out != self.cfg.pad_id
        logits = self.output(states[keep])
        return token_cross_entropy(logits, tgt_out[keep], label_smoothing), int(keep.sum())

    def loss(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor, tgt_out: Tensor,
             label_smoothing: float = 0.0) -> tuple[Tensor, int]:
        """Mean token cross-entropy over non-pad targets, and the number of those targets."""
        return self(src, src_lengths, tgt_in, tgt_out, label_smoothing)

    # ---- search ----------------------------------------------------------------------------
    def init_state(self, enc: TransformerEncoding, cache: bool = True) -> DecoderState:
        """Nothing written yet. Without ``cache`` every step recomputes the whole prefix."""
        batch = enc.states.shape[0]
        empty = torch.empty(batch, 0, dtype=torch.long, device=enc.states.device)
        return DecoderState(empty, [] if cache else None)

    @staticmethod
    def select_state(state: DecoderState, index: Tensor) -> DecoderState:
        """Rows ``index`` of a state (beam search reorders hypotheses)."""
        past = None if state.past is None else [(k.index_select(0, index), v.index_select(0, index))
                                                 for k, v in state.past]
        return DecoderState(state.prefix.index_select(0, index), past)

    def step_logits(self, prev: Tensor, enc: TransformerEncoding,
                    state: DecoderState) -> tuple[Tensor, DecoderState, None, None]:
        """One search step: previous tokens ``[B]`` → log-probabilities ``[B, V]`` and the new
        state (no per-step attention: :meth:`internals` gives all of it afterwards)."""
        prefix = torch.cat([state.prefix, prev[:, None]], dim=1)
        if state.past is None:
            states, _, _ = self.decode(prefix, enc)
            top, past = states[:, -1], None
        else:
            x = self._embed_target(prev[:, None], offset=state.prefix.shape[1])
            past = []
            for i, (layer, memory) in enumerate(zip(self.decoder_layers, enc.memory)):
                x, present, _ = layer(x, memory, enc.mask, state.past[i] if state.past else None)
                past.append(present)
            top = self.decoder_norm(x)[:, 0]
        return torch.log_softmax(self.output(top), dim=-1), DecoderState(prefix, past), None, None

    @torch.no_grad()
    def internals(self, src: Tensor, src_lengths: Tensor, tgt_in: Tensor) -> dict[str, Tensor]:
        """Every attention map and the top states for known outputs (one teacher-forced pass).

        Returns ``float`` tensors: ``encoder_attention`` ``[B, layers, heads, S, S]``,
        ``decoder_attention`` ``[B, layers, heads, T, T]``, ``cross_attention``
        ``[B, layers, heads, T, S]``, ``encoder_states`` ``[B, S, d]``, ``decoder_states`` ``[B, T, d]``.
        """
        was_training = self.training
        self.eval()
        try:
            enc = self.encode(src, src_lengths, need_weights=True)
            states, self_w, cross_w = self.decode(tgt_in, enc, need_weights=True)
        finally:
            self.train(was_training)
        return {"encoder_attention": torch.stack(enc.attention, 1), "decoder_attention": torch.stack(self_w, 1),
                "cross_attention": torch.stack(cross_w, 1), "encoder_states": enc.states,
                "decoder_states": states}
