"""word2vec: skip-gram and CBOW with negative sampling or hierarchical softmax, trained by a
multi-core numba kernel, with queries, the word2vec file formats and evaluation."""

from .config import Word2VecConfig
from .trainer import Word2Vec
from .vectors import KeyedVectors, UnknownKeyError

__all__ = ["Word2Vec", "Word2VecConfig", "KeyedVectors", "UnknownKeyError"]
