"""Intrinsic evaluation of word vectors: analogies and word-pair similarity.

* Analogies (Mikolov et al. 2013, ``questions-words.txt``): ``a b c d`` asks for ``d`` nearest to
  ``b − a + c`` among the 30,000 most frequent words (as gensim does), the three query words left
  out. Questions with a word outside those 30,000 are counted as out-of-vocabulary and skipped.
  Accuracy is reported per section and in total.
* Similarity: Spearman correlation between cosine similarity and human scores on WordSim-353,
  SimLex-999, MEN and Stanford Rare Words; pairs with an unknown word are counted, then skipped.

Words are looked up as written, then lowercased.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import FormatError, IllustratedError
from ..files import check_readable
from .vectors import KeyedVectors

__all__ = ["analogy_accuracy", "pair_similarity", "evaluate_all", "SIMILARITY_SETS",
           "AnalogyResult", "SimilarityResult"]

RESTRICT_VOCAB = 30_000
"""By default analogies are answered among this many most frequent words."""

SIMILARITY_SETS = {"ws353": "wordsim353.tsv", "simlex": "simlex999.txt",
                   "men": "MEN_dataset_natural_form_full.txt", "rw": "rw_stanford.txt"}


@dataclass
class AnalogyResult:
    """Accuracy of the analogy test: ``sections`` maps a section to (correct, answered, oov)."""

    sections: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    @property
    def correct(self) -> int:
        return sum(c for c, _, _ in self.sections.values())

    @property
    def answered(self) -> int:
        return sum(n for _, n, _ in self.sections.values())

    @property
    def oov(self) -> int:
        return sum(o for _, _, o in self.sections.values())

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0

    def as_dict(self) -> dict:
        """JSON-ready scores; an accuracy is None where no question was answered."""
        return {"accuracy": self.accuracy if self.answered else None, "correct": self.correct,
                "answered": self.answered,
                "oov": self.oov, "sections": {k: {"accuracy": c / n if n else None, "correct": c,
                                                  "answered": n, "oov": o}
                                              for k, (c, n, o) in self.sections.items()}}


@dataclass
class SimilarityResult:
    """Spearman correlation on one word-pair set, with the pairs used and those skipped."""

    name: str
    spearman: float
    pairs: int
    oov: int

    def as_dict(self) -> dict:
        """JSON-ready scores; ``spearman`` is None (not NaN) where it is undefined."""
        rho = self.spearman if np.isfinite(self.spearman) else None
        return {"spearman": rho, "pairs": self.pairs, "oov": self.oov}


def _lookup(kv: KeyedVectors, word: str, limit: int) -> int | None:
    for w in (word, word.lower()):
        i = kv.key_to_index.get(w)
        if i is not None and i < limit:
            return i
    return None


def _lines(p: Path):
    """``(line number, text)`` of each line of a UTF-8 file (a BOM allowed), ``\r\n`` or
    ``\n``; undecodable bytes are a :class:`FormatError` naming the line."""
    with open(p, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                raise FormatError(f"{p}: line {n}: bytes are not valid UTF-8") from None
            yield n, line.rstrip("\r\n")


def analogy_accuracy(kv: KeyedVectors, path: str | os.PathLike, restrict_vocab: int = RESTRICT_VOCAB,
                     method: str = "add", batch: int = 128) -> AnalogyResult:
    """Score the analogy file at ``path`` (``: section`` lines, then ``a b c d`` lines)."""
    p = check_readable(path, "analogy file")
    if isinstance(restrict_vocab, bool) or not isinstance(restrict_vocab, int) or restrict_vocab < 1:
        raise FormatError(f"restrict_vocab must be at least 1, got {restrict_vocab!r}")
    sections: dict[str, list[tuple[int, int, int, int]]] = {}
    oov: dict[str, int] = {}
    section = None
    limit = min(restrict_vocab, len(kv))
    questions = 0
    for n, line in _lines(p):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            section = line[1:].strip()
            sections.setdefault(section, [])
            oov.setdefault(section, 0)
            continue
        words = line.split()
        if section is None or len(words) != 4:
            raise FormatError(f"{p}: line {n}: expected ': section' or four words")
        questions += 1
        ids = [_lookup(kv, w, limit) for w in words]
        if any(i is None for i in ids):
            oov[section] += 1
        else:
            sections[section].append(tuple(ids))
    if not questions:
        raise FormatError(f"{p}: no analogy questions ('a b c d' lines under ': section')")
    unit = kv.unit[:limit]
    result = AnalogyResult()
    for name, qs in sections.items():
        correct = 0
        q = np.array(qs, dtype=np.int64).reshape(-1, 4)
        for s in range(0, len(q), batch):
            a, b, c, d = q[s:s + batch].T
            sa, sb, sc = unit[a] @ unit.T, unit[b] @ unit.T, unit[c] @ unit.T
            if method == "mul":
                scores = ((sb + 1) / 2) * ((sc + 1) / 2) / ((sa + 1) / 2 + 1e-3)
            else:
                scores = sb - sa + sc
            rows = np.arange(len(a))
            for col in (a, b, c):
                scores[rows, col] = -np.inf
            correct += int((scores.argmax(axis=1) == d).sum())
        result.sections[name] = (correct, len(q), oov[name])
    return result


def pair_similarity(kv: KeyedVectors, path: str | os.PathLike, name: str | None = None) -> SimilarityResult:
    """Spearman correlation on a ``word1 word2 score`` file (tabs or spaces; ``#`` comments and a
    ``word1 word2 score`` header are skipped)."""
    from scipy.stats import spearmanr

    p = check_readable(path, "similarity file")
    model, human = [], []
    oov = 0
    header_seen = False
    col = 2  # the score's column; a header may name another (SimLex-999's own file: "SimLex999")
    for n, line in _lines(p):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if len(parts) < col + 1:
            raise FormatError(f"{p}: line {n}: expected 'word1 word2 score'")
        try:
            score = float(parts[col])
        except ValueError:
            if not model and not oov and not header_seen:
                header_seen = True
                col = _score_column(parts)
                continue  # a header line
            raise FormatError(f"{p}: line {n}: score {parts[col]!r} is not a number") from None
        if not np.isfinite(score):
            raise FormatError(f"{p}: line {n}: score {parts[col]!r} is not a finite number")
        i, j = _lookup(kv, parts[0], len(kv)), _lookup(kv, parts[1], len(kv))
        if i is None or j is None:
            oov += 1
            continue
        model.append(float(kv.unit[i] @ kv.unit[j]))
        human.append(score)
    if not model and not oov:
        raise FormatError(f"{p}: no word pairs ('word1 word2 score' lines)")
    defined = len(model) > 1 and np.ptp(model) > 0 and np.ptp(human) > 0
    rho = float(spearmanr(model, human).statistic) if defined else float("nan")
    return SimilarityResult(name or p.stem, rho, len(model), oov)


def _score_column(header: list[str]) -> int:
    """The column of the human score named in a header line: the first after the two words
    called ``score``, ``mean``, or ``sim…`` (SimLex-999's ``word1 word2 POS SimLex999 …``)."""
    for i, name in enumerate(header[2:], 2):
        if any(tag in name.lower() for tag in ("score", "mean", "sim")):
            return i
    return 2


def evaluate_all(kv: KeyedVectors, eval_dir: str | os.PathLike,
                 restrict_vocab: int = RESTRICT_VOCAB) -> dict:
    """Every test found in ``eval_dir``: ``{"analogy": {...}, "ws353": {...}, ...}``.

    A missing folder, a file given instead of a folder, or a folder holding none of the known
    files is an :class:`IllustratedError` naming it and what it should hold.
    """
    root = Path(eval_dir)
    known = ", ".join(["questions-words.txt", *SIMILARITY_SETS.values()])
    if root.is_file():
        raise IllustratedError(f"{root}: is a file; expected the folder that holds {known}")
    if not root.is_dir():
        raise IllustratedError(f"{root}: no such evaluation folder (expected one holding {known})")
    out: dict = {}
    analogies = root / "questions-words.txt"
    if analogies.exists():
        out["analogy"] = analogy_accuracy(kv, analogies, restrict_vocab).as_dict()
    for key, fname in SIMILARITY_SETS.items():
        if (root / fname).exists():
            out[key] = pair_similarity(kv, root / fname, key).as_dict()
    if not out:
        raise IllustratedError(f"{root}: no evaluation files found (expected any of {known})")
    return out
