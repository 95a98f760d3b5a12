"""A generated corpus with planted relations, for the demo and the tests.

Every noun belongs to a *pair* (king/queen, man/woman, france/paris, …) and to one side of an
*axis* (male/female, country/capital). A sentence about a noun mixes its pair's own context words
with its side's context words and some Zipf-distributed filler, so a good embedding puts each
noun next to its partner, and the offsets along an axis line up: king − man + woman ≈ queen,
paris − france + germany ≈ berlin.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PAIRS", "ANALOGIES", "planted_corpus"]

# axis name → (side-a words, side-b words) shared by every pair on that axis
AXES = {
    "gender": (["he", "his", "him", "mr"], ["she", "her", "hers", "mrs"]),
    "capital": (["country", "nation", "border", "land"], ["city", "capital", "streets", "mayor"]),
}
# (a, b, axis, the pair's own context words)
PAIRS = [
    ("king", "queen", "gender", ["throne", "crown", "reign", "royal"]),
    ("prince", "princess", "gender", ["castle", "heir", "knight", "tower"]),
    ("man", "woman", "gender", ["adult", "work", "office", "street"]),
    ("boy", "girl", "gender", ["school", "play", "young", "toy"]),
    ("father", "mother", "gender", ["parent", "home", "family", "kitchen"]),
    ("brother", "sister", "gender", ["sibling", "twin", "elder", "games"]),
    ("husband", "wife", "gender", ["marriage", "wedding", "spouse", "ring"]),
    ("uncle", "aunt", "gender", ["nephew", "niece", "visit", "gift"]),
    ("actor", "actress", "gender", ["film", "stage", "role", "award"]),
    ("france", "paris", "capital", ["french", "wine", "seine", "louvre"]),
    ("germany", "berlin", "capital", ["german", "beer", "spree", "autobahn"]),
    ("italy", "rome", "capital", ["italian", "pasta", "tiber", "vatican"]),
    ("spain", "madrid", "capital", ["spanish", "paella", "flamenco", "prado"]),
    ("japan", "tokyo", "capital", ["japanese", "sushi", "samurai", "kimono"]),
    ("egypt", "cairo", "capital", ["egyptian", "nile", "pyramid", "pharaoh"]),
    ("russia", "moscow", "capital", ["russian", "vodka", "kremlin", "volga"]),
]
ANALOGIES = [("king", "man", "woman", "queen"), ("prince", "boy", "girl", "princess"),
             ("father", "brother", "sister", "mother"), ("paris", "france", "germany", "berlin"),
             ("rome", "italy", "spain", "madrid"), ("tokyo", "japan", "egypt", "cairo")]
FILLER = [f"w{i}" for i in range(300)]


def planted_corpus(n_sentences: int = 5000, seed: int = 0) -> list[list[str]]:
    """``n_sentences`` shuffled sentences of 8–11 tokens about the planted nouns."""
    rng = np.random.default_rng(seed)
    nouns = [(word, side, axis, own) for a, b, axis, own in PAIRS
             for word, side in ((a, 0), (b, 1))]
    zipf = 1.0 / np.arange(1, len(FILLER) + 1)
    zipf /= zipf.sum()
    sentences = []
    for _ in range(n_sentences):
        word, side, axis, own = nouns[rng.integers(len(nouns))]
        tokens = [word]
        tokens += list(rng.choice(own, size=3, replace=False))
        tokens += list(rng.choice(AXES[axis][side], size=2, replace=False))
        tokens += list(rng.choice(FILLER, size=int(rng.integers(2, 6)), p=zipf))
        rng.shuffle(tokens)
        sentences.append([str(t) for t in tokens])
    return sentences
