"""What the live page's routes share: bounds, rounding for JSON, and the message for a model
that was not loaded."""

from __future__ import annotations

import numpy as np
from fastapi import HTTPException

__all__ = ["MAX_TOPN", "rounded", "require"]

#: The most neighbours, candidates or recommendations one request may ask for.
MAX_TOPN = 50


def rounded(values) -> list:
    """A vector or matrix as nested lists of floats with 4 decimals (smaller JSON)."""
    return np.round(np.asarray(values, dtype=np.float64), 4).tolist()


def require(model, name: str, option: str):
    """``model``, or a 404 saying how to start the page with it."""
    if model is None:
        raise HTTPException(404, f"no {name} loaded; start the server with {option}")
    return model
