"""Training curves from the trainers' JSON-lines metrics logs.

Training records carry ``loss`` (with ``step`` or ``words``, and ``lr`` or ``alpha``); validation
records carry ``valid_loss`` and/or ``bleu``/``chrf`` per ``epoch``. Any other fields are ignored,
so the word2vec, item2vec and translation logs all draw with the same function.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter

from ..errors import FormatError, IllustratedError
from ..files import open_binary
from .common import new_figure

__all__ = ["read_metrics", "training_curves"]

_VALID = ("valid_loss", "bleu", "chrf")


def read_metrics(path: str | os.PathLike) -> list[dict]:
    """The JSON objects of a metrics log, one per non-empty line; errors name the line."""
    records = []
    with open_binary(path) as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise FormatError(f"{path}: line {number}: not a JSON object ({e.__class__.__name__})") from None
            if not isinstance(record, dict):
                raise FormatError(f"{path}: line {number}: expected a JSON object, got {type(record).__name__}")
            records.append(record)
    if not records:
        raise FormatError(f"{path}: no metrics records")
    return records


def _number(value) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return math.nan
    return x


def _series(records: Sequence[dict], x_key: str | None, y_key: str) -> tuple[np.ndarray, np.ndarray]:
    rows = [r for r in records if y_key in r]
    xs = np.array([_number(r.get(x_key)) if x_key else i for i, r in enumerate(rows)], dtype=float)
    ys = np.array([_number(r[y_key]) for r in rows], dtype=float)
    return xs, ys


def training_curves(records: Sequence[dict], title: str | None = None) -> Figure:
    """Loss (and learning rate) over training, plus validation metrics per epoch when present."""
    train = [r for r in records if "loss" in r and not any(k in r for k in _VALID)]
    valid = [r for r in records if any(k in r for k in _VALID)]
    if not train and not valid:
        raise IllustratedError("curves: no record has 'loss', 'valid_loss', 'bleu' or 'chrf'")
    x_key = next((k for k in ("step", "words", "epoch") if train and all(k in r for r in train)), None)
    rate_key = next((k for k in ("lr", "alpha") if any(k in r for r in train)), None)
    panels = int(bool(train)) + int(bool(valid))
    fig = new_figure(6.0 * panels, 4.0)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    if train:
        ax = axes[0]
        ax.set_label("loss")
        xs, ys = _series(train, x_key, "loss")
        ax.plot(xs, ys, color="#4c72b0", label="training loss", marker="." if len(xs) < 40 else None)
        ax.set_xlabel(x_key or "record")
        ax.xaxis.set_major_formatter(EngFormatter(sep=""))  # 450k, not 450000
        ax.set_ylabel("loss")
        ax.grid(alpha=0.3)
        if rate_key:
            twin = ax.twinx()
            twin.set_label("rate")
            xs, ys = _series(train, x_key, rate_key)
            twin.plot(xs, ys, color="#dd8452", linestyle="--", label=rate_key)
            twin.set_ylabel(rate_key, color="#dd8452")
        ax.set_title("training", fontsize=10)
    if valid:
        ax = axes[-1]
        ax.set_label("validation")
        vx = "epoch" if all("epoch" in r for r in valid) else None
        lines = []
        if any("valid_loss" in r for r in valid):
            xs, ys = _series(valid, vx, "valid_loss")
            lines += ax.plot(xs, ys, color="#4c72b0", marker="o", label="validation loss")
            ax.set_ylabel("loss")
        scores = [k for k in ("bleu", "chrf") if any(k in r for r in valid)]
        if scores:
            twin = ax.twinx() if lines else ax
            twin.set_label("scores")
            for key, color in zip(scores, ("#55a868", "#c44e52")):
                xs, ys = _series(valid, vx, key)
                lines += twin.plot(xs, ys, color=color, marker="s", label=key.upper() if key == "bleu" else "chrF")
            twin.set_ylabel("score")
        ax.set_xlabel(vx or "record")
        ax.legend(lines, [line.get_label() for line in lines], fontsize=8, loc="best")
        ax.grid(alpha=0.3)
        ax.set_title("validation", fontsize=10)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
