"""Exact inputs for the figures and the page, built without training anything.

Vectors and recommenders are the real classes over planted arrays (they are plain NumPy); only the
translators are stand-ins, since a real one needs training: they return planted attention.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from illustrated.errors import IllustratedError
from illustrated.word2vec import KeyedVectors


def royal_vectors() -> KeyedVectors:
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
    return KeyedVectors(list(base), np.stack(list(base.values())), np.arange(len(base), 0, -1))


FRUIT_NAMES = {"apple": "Golden Delicious", "pear": "Conference Pear"}


def named_recommender():
    """A real Recommender over :func:`royal_vectors`' words as items, two of them with names."""
    from illustrated.recommend import Recommender

    return Recommender(royal_vectors(), names=FRUIT_NAMES)


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


# item → (kind, colour): three of each pair, and "cherry", a cold item made of its attributes
SHELF = {**{f"{kind}-{colour}-{j}": (kind, colour) for kind in ("fruit", "leaf", "root")
            for colour in ("green", "red") for j in (1, 2, 3)}, "cherry": ("fruit", "red")}
SHELF_NAMES = {"fruit-green-1": "Golden Delicious", "cherry": "Morello Cherry"}


def attributed_recommender():
    """A real Recommender over planted vectors with planted EGES side information (no training):
    each item's vector is its learned mix — softmax weights over its own row and its two
    attribute rows (``kind=…``, ``colour=…``) — and ``cherry`` is cold, its vector the mean of
    its attribute rows."""
    from illustrated.recommend import Recommender
    from illustrated.recommend.attributes import AttributeSchema
    from illustrated.recommend.side import NO_EVENTS, ItemSide

    values = ["kind=fruit", "kind=leaf", "kind=root", "colour=green", "colour=red"]
    value_vectors = np.eye(5, 6, dtype=np.float32) + np.float32(0.05)
    keys = list(SHELF)
    rng = np.random.default_rng(5)
    id_vectors = rng.normal(scale=0.2, size=(len(keys), 6)).astype(np.float32)
    indices = np.array([values.index(f"{f}={v}") for k in keys
                        for f, v in zip(("kind", "colour"), SHELF[k])], np.int32)
    logits = np.tile(np.array([0.8, 0.4], np.float32), len(keys))
    id_logits = np.linspace(-0.5, 0.5, len(keys)).astype(np.float32)
    cold = np.zeros(len(keys), np.uint8)
    cold[keys.index("cherry")] = NO_EVENTS
    id_vectors[keys.index("cherry")] = 0.0
    side = ItemSide(AttributeSchema(["kind", "colour"]), values, value_vectors,
                    np.arange(0, 2 * len(keys) + 1, 2, dtype=np.int64), indices, logits, id_logits,
                    id_vectors, cold)
    vectors = np.stack([side.weights(i)[0] * id_vectors[i]
                        + side.weights(i)[1:] @ value_vectors[indices[2 * i:2 * i + 2]]
                        for i in range(len(keys))])
    counts = np.arange(len(keys), 0, -1)
    counts[-1] = 0
    return Recommender(KeyedVectors(keys, vectors, counts), counts, names=SHELF_NAMES, side=side,
                       index="exact")
