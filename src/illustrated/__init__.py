"""illustrated: embeddings and attention made real, fast and drawable.

Subpackages: :mod:`illustrated.text` (text → arrays), :mod:`illustrated.word2vec`,
:mod:`illustrated.recommend`, :mod:`illustrated.seq2seq`, :mod:`illustrated.illustrate`.
"""

from .errors import ConfigError, CorpusError, FormatError, IllustratedError, VocabError
from .text import Corpus, Tokenizer, Vocab, embed, pad_batch, tokenize

__version__ = "0.1.0"

__all__ = ["Corpus", "Tokenizer", "Vocab", "embed", "pad_batch", "tokenize", "IllustratedError",
           "CorpusError", "VocabError", "FormatError", "ConfigError", "__version__"]
