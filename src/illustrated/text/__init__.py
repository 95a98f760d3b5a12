"""Text → arrays: tokenize (every kind of tokenizer lives here), count, map to ids, pad and
batch, look up embeddings."""

from .batching import Batch, embed, embedding_table, pad_batch
from .corpus import Corpora, Corpus
from .tokenize import Tokenizer, detokenize_words, tokenize, whitespace
from .vocab import BOS, EOS, PAD, SPECIALS, UNK, Vocab

__all__ = ["Batch", "embed", "embedding_table", "pad_batch", "Corpus", "Corpora", "Tokenizer", "tokenize",
           "whitespace", "detokenize_words", "Vocab", "PAD", "UNK", "BOS", "EOS", "SPECIALS"]
