"""Text → arrays: tokenize, count, map to ids, pad and batch, look up embeddings."""

from .batching import Batch, embed, embedding_table, pad_batch
from .corpus import Corpora, Corpus
from .tokenize import Tokenizer, tokenize, whitespace
from .vocab import BOS, EOS, PAD, SPECIALS, UNK, Vocab

__all__ = ["Batch", "embed", "embedding_table", "pad_batch", "Corpus", "Corpora", "Tokenizer", "tokenize",
           "whitespace", "Vocab", "PAD", "UNK", "BOS", "EOS", "SPECIALS"]
