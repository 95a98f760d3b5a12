"""Small parallel data the project writes itself: simple French→English sentences, and the
digit-reversal task that every encoder–decoder must learn (JoeyNMT's sanity check)."""

from __future__ import annotations

import random

__all__ = ["french_english", "held_out", "reverse_digits"]

_SUBJECTS = [  # (fr, en, être, avoir, en "be", en "have", feminine, plural)
    ("je", "i", "suis", "ai", "am", "have", False, False),
    ("tu", "you", "es", "as", "are", "have", False, False),
    ("il", "he", "est", "a", "is", "has", False, False),
    ("elle", "she", "est", "a", "is", "has", True, False),
    ("nous", "we", "sommes", "avons", "are", "have", False, True),
    ("vous", "you", "êtes", "avez", "are", "have", False, True),
    ("ils", "they", "sont", "ont", "are", "have", False, True),
    ("elles", "they", "sont", "ont", "are", "have", True, True),
]
# noun: (fr singular m, fr singular f, en)
_ROLES = [("étudiant", "étudiante", "student"), ("professeur", "professeure", "teacher"),
          ("médecin", "médecin", "doctor"), ("chanteur", "chanteuse", "singer"),
          ("avocat", "avocate", "lawyer"), ("cuisinier", "cuisinière", "cook")]
# adjective: (fr m sg, fr f sg, en)
_ADJS = [("fatigué", "fatiguée", "tired"), ("content", "contente", "happy"),
         ("grand", "grande", "tall"), ("petit", "petite", "small"), ("prêt", "prête", "ready"),
         ("malade", "malade", "sick"), ("occupé", "occupée", "busy")]
# thing: (fr, gender f?, en); colour adjectives follow the noun in French
_THINGS = [("chien", False, "dog"), ("chat", False, "cat"), ("voiture", True, "car"),
           ("maison", True, "house"), ("livre", False, "book"), ("pomme", True, "apple")]
_COLOURS = [("rouge", "rouge", "red"), ("noir", "noire", "black"), ("blanc", "blanche", "white"),
            ("vert", "verte", "green")]


def _plural(word: str) -> str:
    return word if word.endswith(("s", "x")) else word + "s"


def french_english(n: int | None = None, seed: int = 0) -> list[tuple[str, str]]:
    """Simple, grammatical French→English pairs ("je suis étudiant" → "i am a student", "elle a
    une voiture rouge" → "she has a red car"), shuffled; ``n`` caps the count.

    Sentences naming a profession appear three times: each profession word occurs in only a few
    sentences, and the repetition lets a tiny model learn them in a few seconds."""
    pairs = []
    for fr_s, en_s, etre, avoir, be, have, fem, plural in _SUBJECTS:
        for m, f, en in _ROLES:
            word = f if fem else m
            if plural:
                pairs += [(f"{fr_s} {etre} {_plural(word)}", f"{en_s} {be} {en}s")] * 3
            else:
                art = "an" if en[0] in "aeiou" else "a"
                pairs += [(f"{fr_s} {etre} {word}", f"{en_s} {be} {art} {en}")] * 3
        for m, f, en in _ADJS:
            word = f if fem else m
            pairs.append((f"{fr_s} {etre} {_plural(word) if plural else word}", f"{en_s} {be} {en}"))
        for thing, tf, en in _THINGS:
            art = "une" if tf else "un"
            en_art = "an" if en[0] in "aeiou" else "a"
            pairs.append((f"{fr_s} {avoir} {art} {thing}", f"{en_s} {have} {en_art} {en}"))
            for cm, cf, cen in _COLOURS:
                pairs.append((f"{fr_s} {avoir} {art} {thing} {cf if tf else cm}", f"{en_s} {have} a {cen} {en}"))
    rng = random.Random(seed)
    rng.shuffle(pairs)
    return pairs[:n] if n else pairs


def held_out(pairs: list[tuple[str, str]], n: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Split ``pairs`` into training pairs and ``n`` held-out pairs that never occur in training.

    Only pairs that occur once are held out, and only while every word of both sides still occurs
    in the training pairs, so validation measures translating new sentences of known words rather
    than recalling training sentences. Order is kept; raises ValueError if ``n`` cannot be met.
    """
    from collections import Counter

    counts = Counter(pairs)
    words = Counter(w for src, tgt in pairs for w in (*src.split(), *tgt.split()))
    valid: list[tuple[str, str]] = []
    for pair in pairs:
        if len(valid) == n:
            break
        pair_words = Counter((*pair[0].split(), *pair[1].split()))
        if counts[pair] == 1 and all(words[w] > k for w, k in pair_words.items()):
            valid.append(pair)
            words.subtract(pair_words)
    if len(valid) < n:
        raise ValueError(f"only {len(valid)} of {n} pairs can be held out")
    chosen = set(valid)
    return [p for p in pairs if p not in chosen], valid


def reverse_digits(n: int, min_len: int = 2, max_len: int = 8, seed: int = 0) -> list[tuple[str, str]]:
    """``n`` pairs of a random digit string and its reverse, tokens separated by spaces."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.randint(min_len, max_len)
        digits = [str(rng.randint(0, 9)) for _ in range(k)]
        out.append((" ".join(digits), " ".join(reversed(digits))))
    return out
