"""Translation quality with sacrebleu: BLEU (13a tokenization) and chrF, on detokenized text."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import IllustratedError

__all__ = ["bleu", "chrf", "bleu_and_chrf"]


def _check(hyps: Sequence[str], refs: Sequence[str]) -> None:
    if len(hyps) != len(refs):
        raise IllustratedError(f"{len(hyps)} translations but {len(refs)} references")
    if not refs:
        raise IllustratedError("nothing to score: no references")


def bleu(hyps: Sequence[str], refs: Sequence[str], lowercase: bool = False) -> float:
    """Corpus BLEU (0–100), sacrebleu defaults (13a tokenization, exponential smoothing)."""
    import sacrebleu

    _check(hyps, refs)
    return float(sacrebleu.corpus_bleu(list(hyps), [list(refs)], lowercase=lowercase).score)


def chrf(hyps: Sequence[str], refs: Sequence[str]) -> float:
    """Corpus chrF (0–100), sacrebleu defaults (character 6-grams, β = 2)."""
    import sacrebleu

    _check(hyps, refs)
    return float(sacrebleu.corpus_chrf(list(hyps), [list(refs)]).score)


def bleu_and_chrf(hyps: Sequence[str], refs: Sequence[str], lowercase: bool = False) -> dict[str, float]:
    """``{"bleu": …, "chrf": …}`` rounded to 2 places; ``lowercase`` applies to both."""
    c = chrf([h.lower() for h in hyps], [r.lower() for r in refs]) if lowercase else chrf(hyps, refs)
    return {"bleu": round(bleu(hyps, refs, lowercase), 2), "chrf": round(c, 2)}
