"""Tiny stand-ins built from arrays, with the same surface as the models' query objects.

The figure functions and the web page only touch these attributes, so tests can build exact
inputs (planted neighbours, a known attention matrix) without training anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from illustrated.errors import IllustratedError


class ArrayVectors:
    """A KeyedVectors-like object over ``keys`` and float32 ``vectors [n, dim]``."""

    def __init__(self, keys, vectors, counts=None):
        self.keys = list(keys)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.counts = np.asarray(counts if counts is not None else np.arange(len(keys), 0, -1))
        self.key_to_index = {k: i for i, k in enumerate(self.keys)}
        self.unit = self.vectors / np.linalg.norm(self.vectors, axis=1, keepdims=True)

    def __contains__(self, key):
        return key in self.key_to_index

    def __len__(self):
        return len(self.keys)

    def vector(self, key):
        if key not in self:
            raise IllustratedError(f"{key!r} is not in the vocabulary")
        return self.vectors[self.key_to_index[key]]

    def similar_by_vector(self, vec, topn=10, exclude=()):
        v = np.asarray(vec, np.float32)
        sims = self.unit @ (v / np.linalg.norm(v))
        order = np.argsort(-sims)
        return [(self.keys[i], float(sims[i])) for i in order if self.keys[i] not in exclude][:topn]

    def most_similar(self, positive, negative=(), topn=10):
        positive = [positive] if isinstance(positive, str) else list(positive)
        v = sum(self.unit[self.key_to_index[p]] for p in positive)
        v = v - sum((self.unit[self.key_to_index[n]] for n in negative), np.zeros_like(v))
        return self.similar_by_vector(v, topn, exclude=set(positive) | set(negative))

    def similarity(self, a, b):
        return float(self.unit[self.key_to_index[a]] @ self.unit[self.key_to_index[b]])

    def analogy(self, a, b, c, topn=1, method="add"):
        for w in (a, b, c):
            if w not in self:
                raise IllustratedError(f"{w!r} is not in the vocabulary")
        return self.most_similar([a, c], [b], topn=topn)


def royal_vectors() -> ArrayVectors:
    """Eight words in 6-D with a planted analogy: king − man + woman = queen exactly.

    Built from orthonormal directions (royal r, person p, male m, female f) so that every
    planted word has the same norm and the analogy holds for unit vectors too.
    """
    r, p, m, f, x, y = np.eye(6)
    base = {
        "king": r + m, "queen": r + f, "man": p + m, "woman": p + f,
        "prince": r + 0.7 * m + 0.3 * x, "princess": r + 0.7 * f + 0.3 * x,
        "apple": x + 0.8 * y, "pear": x + 0.9 * y + 0.2 * p,
    }
    return ArrayVectors(list(base), np.stack(list(base.values())))


FRUIT_NAMES = {"apple": "Golden Delicious", "pear": "Conference Pear"}


def named_recommender():
    """A real Recommender over :func:`royal_vectors`' words as items, two of them with names."""
    from illustrated.recommend import Recommender
    from illustrated.word2vec import KeyedVectors

    kv = royal_vectors()
    return Recommender(KeyedVectors(kv.keys, kv.vectors, kv.counts), names=FRUIT_NAMES)


@dataclass
class FakeTranslation:
    source: list[str]
    target: list[str]
    attention: np.ndarray
    encoder_states: np.ndarray
    decoder_states: np.ndarray
    score: float = -1.0
    text: str = field(default="")

    def __post_init__(self):
        self.text = self.text or " ".join(self.target)


class ReversingTranslator:
    """'Translates' by reversing the words and upper-casing them, attending to the mirrored word."""

    hidden = 8

    def translate(self, sentences, beam=5):
        out = []
        for s in sentences:
            src = s.split()
            if not src:
                raise IllustratedError("empty sentence")
            tgt = [w.upper() for w in reversed(src)]
            n = len(src)
            att = np.full((n, n), 0.1 / max(n - 1, 1), np.float32)
            att[np.arange(n), n - 1 - np.arange(n)] = 0.9 if n > 1 else 1.0
            rng = np.random.default_rng(n)
            out.append(FakeTranslation(src, tgt, att, rng.normal(size=(n, self.hidden)).astype(np.float32),
                                       rng.normal(size=(n, self.hidden)).astype(np.float32)))
        return out


def planted_maps(layers: int, heads: int, queries: int, keys: int, causal: bool = False) -> np.ndarray:
    """``[layers, heads, queries, keys]`` maps where head ``h`` of layer ``l`` gives query ``i`` weight
    0.7 on key ``(i + h + l) % visible`` and spreads the rest evenly (rows sum to 1)."""
    out = np.zeros((layers, heads, queries, keys), np.float32)
    for layer in range(layers):
        for h in range(heads):
            for i in range(queries):
                visible = min(i + 1, keys) if causal else keys
                if visible == 1:
                    out[layer, h, i, 0] = 1.0
                    continue
                out[layer, h, i, :visible] = 0.3 / (visible - 1)
                out[layer, h, i, (i + h + layer) % visible] = 0.7
    return out


class ManyHeadsTranslator(ReversingTranslator):
    """A Transformer-like stand-in: every kind of attention, 2 layers × 3 heads, planted patterns."""

    layers, heads = 2, 3

    def translate(self, sentences, beam=5):
        out = []
        for t in super().translate(sentences, beam):
            s, n = len(t.source), len(t.target)
            t.cross_attention = planted_maps(self.layers, self.heads, n, s)
            t.encoder_attention = planted_maps(self.layers, self.heads, s, s)
            t.decoder_attention = planted_maps(self.layers, self.heads, n, n, causal=True)
            t.attention = t.cross_attention[-1].mean(axis=0)
            out.append(t)
        return out
