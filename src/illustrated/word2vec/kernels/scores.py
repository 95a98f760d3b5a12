"""One prediction's gradient and loss: the sigmoid and log-sigmoid tables, and damped steps.

A score ``f`` is looked up in tables of ``σ`` and ``log σ`` over ``[−MAX_EXP, MAX_EXP]``, so the
loss costs one extra lookup per pair. Beyond the tables the loss is continued exactly
(:func:`tail`) and the step is damped so that it cannot overshoot (:func:`damped`).
"""

from __future__ import annotations

import numba
import numpy as np

from .compiled import JIT

__all__ = ["MAX_EXP", "TABLE_SIZE", "SIGMOID", "LOG_SIGMOID", "DAMP", "pair", "tail", "damped",
           "sq"]

MAX_EXP = 8.0
#: The largest change a damped step may make to its own score.
DAMP = 1.0
TABLE_SIZE = 4096
_X = (np.arange(TABLE_SIZE, dtype=np.float64) + 0.5) / TABLE_SIZE * 2 * MAX_EXP - MAX_EXP
SIGMOID = (1.0 / (1.0 + np.exp(-_X))).astype(np.float32)
LOG_SIGMOID = (-np.log1p(np.exp(-_X))).astype(np.float32)
_SCALE = TABLE_SIZE / (2 * MAX_EXP)
_EDGE = float(-_X[0])  # the table's outermost score: −log σ(−_EDGE) is its last loss entry


@numba.njit(inline="always", **JIT)
def pair(f, label, alpha, sigmoid, log_sigmoid) -> tuple:
    """Gradient ``(label − σ(f)) · alpha`` (float32) and table loss ``−log σ(±f)`` of one
    prediction, and whether the score is saturated (beyond ±MAX_EXP, where the caller adds the
    rest of the loss with :func:`tail` and damps the step with :func:`damped`)."""
    i = int((f + MAX_EXP) * _SCALE)
    saturated = False
    if i < 0:
        i = 0
        saturated = True
    elif i >= TABLE_SIZE:
        i = TABLE_SIZE - 1
        saturated = True
    g = np.float32((label - sigmoid[i]) * alpha)
    loss = -log_sigmoid[i] if label > 0.5 else -log_sigmoid[TABLE_SIZE - 1 - i]
    return g, loss, saturated


@numba.njit(inline="always", **JIT)
def tail(f, label) -> float:
    """The loss beyond the table's last entry: a wrong-side score costs ``|f|`` (to within e⁻⁸),
    so the reported loss stays the real one however far off a score is."""
    return max(-f - _EDGE if label > 0.5 else f - _EDGE, 0.0)


@numba.njit(inline="always", **JIT)
def damped(g, alpha, n) -> float:
    """The gradient ``g`` of a saturated pair (score beyond ±MAX_EXP) whose two vectors have
    squared lengths summing to ``n``, scaled so that its step moves the score by at most DAMP.

    A pair's step moves its score by ``g · (‖x‖² + ‖y‖²)``; while the rows are short that is small
    and the step is plain SGD, as it is for every score inside ±MAX_EXP. Once rows are long a
    step of ``alpha`` overshoots to the other side of the sigmoid, the next overshoots back
    further, and the rows grow without bound (plain SGD does this, the C tool included, at high
    ``alpha``, many negatives or a small ``dim``). gensim avoids it by skipping every saturated
    pair, which also stops a pair that is saturated on the wrong side from ever being corrected;
    damping keeps correcting it, by steps that cannot overshoot.
    """
    if alpha * n > DAMP:
        return np.float32(g * (DAMP / (alpha * n)))
    return g


@numba.njit(inline="always", **JIT)
def sq(a, i) -> float:
    """Squared length of the row ``a[i]``."""
    n = np.float32(0.0)
    for d in range(a.shape[1]):
        n += a[i, d] * a[i, d]
    return n
