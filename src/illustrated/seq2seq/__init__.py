"""Translation with attention: a GRU/LSTM encoder–decoder with Bahdanau or Luong attention, and
the Transformer.

    from illustrated.seq2seq import Translator
    translator = Translator.load("model-dir")
    [t] = translator.translate(["ein hund läuft ."], beam=5)
    t.text, t.attention          # "a dog runs .", float32 [len(t.target), len(t.source)]
    t.encoder_attention          # Transformer: float32 [layers, heads, len(source), len(source)]

Modules, one idea each: :mod:`.data` (parallel files, tokens, batches), :mod:`.encoder`,
:mod:`.attention`, :mod:`.decoder`, :mod:`.model` (:class:`Seq2SeqConfig`); for the Transformer
:mod:`.positions`, :mod:`.multihead`, :mod:`.layers`, :mod:`.transformer`
(:class:`TransformerConfig`); :mod:`.archs` (which is which), :mod:`.search` (greedy, beam),
:mod:`.schedule` (learning rates), :mod:`.averaging` (checkpoint averaging), :mod:`.trainer`
(under ``torchrun`` too, with :mod:`illustrated.distributed`), :mod:`.metrics` (BLEU, chrF), :mod:`.folder` (a model folder,
read and written), :mod:`.translator` (:class:`Translator`, :class:`Translation`),
:mod:`.pipeline` (files → a trained model folder), :mod:`.toy` (data the project writes itself).

Loading a translator imports no trainer: :class:`Trainer` and :func:`train_translator` (with
sacrebleu and the distributed wrappers behind them) are imported when first named.
"""

from importlib import import_module

from .archs import ARCHS, build_model
from .attention import BahdanauAttention, LuongAttention
from .data import DataConfig, ParallelData, TextCodec, TransformerDataConfig
from .model import Seq2Seq, Seq2SeqConfig
from .search import SearchConfig, beam_search, greedy_search
from .train_config import TrainConfig, TransformerTrainConfig
from .transformer import Transformer, TransformerConfig
from .translator import Translation, Translator

__all__ = ["Translator", "Translation", "Seq2SeqConfig", "Seq2Seq", "TransformerConfig", "Transformer",
           "TrainConfig", "TransformerTrainConfig", "Trainer", "DataConfig", "TransformerDataConfig",
           "train_translator", "ParallelData", "TextCodec", "BahdanauAttention", "LuongAttention",
           "SearchConfig", "greedy_search", "beam_search", "ARCHS", "build_model"]

_LAZY = {"Trainer": ".trainer", "train_translator": ".pipeline"}


def __getattr__(name: str):
    """The training names, imported on first use (module ``__getattr__``, PEP 562)."""
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
