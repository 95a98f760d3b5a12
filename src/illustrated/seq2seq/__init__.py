"""Translation with attention: a GRU/LSTM encoder–decoder with Bahdanau or Luong attention.

    from illustrated.seq2seq import Translator
    translator = Translator.load("model-dir")
    [t] = translator.translate(["ein hund läuft ."], beam=5)
    t.text, t.attention          # "a dog runs .", float32 [len(t.target), len(t.source)]

Modules, one idea each: :mod:`.data` (parallel files, tokens, batches), :mod:`.encoder`,
:mod:`.attention`, :mod:`.decoder`, :mod:`.model` (:class:`Seq2SeqConfig`), :mod:`.search`
(greedy, beam), :mod:`.trainer`, :mod:`.metrics` (BLEU, chrF), :mod:`.translator` (a model
folder; :class:`Translator`, :class:`Translation`), :mod:`.toy` (data the project writes itself).
"""

from .attention import BahdanauAttention, LuongAttention
from .data import ParallelData, TextCodec
from .model import Seq2Seq, Seq2SeqConfig
from .search import beam_search, greedy_search
from .trainer import TrainConfig, Trainer
from .translator import DataConfig, Translation, Translator, train_translator

__all__ = ["Translator", "Translation", "Seq2SeqConfig", "Seq2Seq", "TrainConfig", "Trainer",
           "DataConfig", "train_translator", "ParallelData", "TextCodec", "BahdanauAttention",
           "LuongAttention", "greedy_search", "beam_search"]
