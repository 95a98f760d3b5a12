"""The two architectures a translator can have, and the configuration classes that go with each.

``rnn``: the GRU/LSTM encoder–decoder with attention (:class:`Seq2Seq`); ``transformer``:
:class:`Transformer`. Each names its model, data and training configuration dataclasses, which
hold that architecture's defaults; a model folder's ``config.json`` records the name.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from ..errors import ConfigError
from .data import DataConfig, TransformerDataConfig
from .model import Seq2Seq, Seq2SeqConfig
from .train_config import TrainConfig, TransformerTrainConfig
from .transformer import Transformer, TransformerConfig

__all__ = ["Arch", "ARCHS", "DEFAULT_ARCH", "arch", "arch_of_weights", "build_model"]


@dataclass(frozen=True)
class Arch:
    """An architecture's model class and configuration classes, and the first part of the
    names its weights have and the other's lack (``weights``)."""

    name: str
    model_config: type
    model: type
    train_config: type
    data_config: type
    weights: str


ARCHS = {
    "rnn": Arch("rnn", Seq2SeqConfig, Seq2Seq, TrainConfig, DataConfig, "encoder."),
    "transformer": Arch("transformer", TransformerConfig, Transformer, TransformerTrainConfig, TransformerDataConfig,
                        "encoder_layers."),
}
DEFAULT_ARCH = "rnn"  # what `translate train` builds unless told, and what a folder without "arch" holds


def arch(name: str) -> Arch:
    """The architecture called ``name``, or a clear error."""
    try:
        return ARCHS[name]
    except KeyError:
        raise ConfigError(f"arch: expected one of {', '.join(ARCHS)}, got {name!r}") from None


def build_model(cfg: Seq2SeqConfig | TransformerConfig) -> nn.Module:
    """The model a configuration describes."""
    return arch(cfg.arch).model(cfg)


def arch_of_weights(state: object) -> str | None:
    """The architecture whose weights a state dict holds, by their names (None: neither)."""
    if not isinstance(state, dict):
        return None
    names = [k for k in state if isinstance(k, str)]
    found = [a.name for a in ARCHS.values() if any(k.startswith(a.weights) for k in names)]
    return found[0] if len(found) == 1 else None
