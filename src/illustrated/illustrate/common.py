"""Shared pieces of every figure: a pyplot-free Figure, the diverging colour scale, saving.

Figures are built on :class:`matplotlib.figure.Figure` directly (never ``pyplot``), so drawing
touches no global state, works in threads (the web server) and needs no display: saving renders
with Agg for PNG/GIF and with the SVG backend for SVG.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
import warnings
from pathlib import Path

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from ..errors import IllustratedError
from ..files import atomic_write

__all__ = ["DIVERGING", "new_figure", "symmetric_norm", "as_matrix", "save_figure", "figure_to_rgba"]

#: The colour map of every vector strip: blue negative, white zero, red positive.
DIVERGING = "RdBu_r"

_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

# Installed fonts that hold CJK (and many other) glyphs, tried after the default font, in order.
_FALLBACK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK KR",
                   "Source Han Sans", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback",
                   "IPAGothic", "IPAexGothic", "TakaoGothic", "Unifont", "Arial Unicode MS", "Microsoft YaHei",
                   "SimHei", "Hiragino Sans", "AppleGothic", "Noto Sans")
_MISSING_GLYPH = re.compile(r"Glyph \d+ \(.*?\) missing from font|Matplotlib currently does not support")


@functools.cache
def _fallback_fonts() -> tuple[str, ...]:
    """The fonts of :data:`_FALLBACK_FONTS` that are installed here."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return tuple(name for name in _FALLBACK_FONTS if name in installed)


@contextlib.contextmanager
def _glyph_fallback():
    """Render with installed fallback fonts after the default one (so CJK text gets its glyphs);
    matplotlib's one warning per missing glyph becomes one line on stderr for the whole figure."""
    import matplotlib

    fonts = [*matplotlib.rcParams["font.sans-serif"], *_fallback_fonts()]
    with matplotlib.rc_context({"font.sans-serif": fonts}), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    missing = [w for w in caught if _MISSING_GLYPH.search(str(w.message))]
    for w in caught:
        if w not in missing:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if missing:
        glyphs = {m.group(1) for w in missing if (m := re.search(r"Glyph (\d+)", str(w.message)))}
        print(f"warning: {max(len(glyphs), 1)} character(s) have no glyph in the installed fonts and are "
              "drawn as boxes; install a font that has them (for CJK text, e.g. Noto Sans CJK)", file=sys.stderr)


def new_figure(width: float, height: float, dpi: int = 100) -> Figure:
    """A blank figure of ``width`` × ``height`` inches laid out with constrained layout."""
    return Figure(figsize=(width, height), dpi=dpi, layout="constrained")


def symmetric_norm(values: np.ndarray, vmax: float | None = None) -> Normalize:
    """A colour scale centred on zero: ``[-m, m]`` with ``m`` the largest absolute value."""
    m = float(vmax) if vmax is not None else float(np.max(np.abs(values))) if values.size else 1.0
    m = m if np.isfinite(m) and m > 0 else 1.0
    return Normalize(vmin=-m, vmax=m)


def as_matrix(values, name: str = "vectors", ndim: int = 2) -> np.ndarray:
    """``values`` as a finite float32 array of ``ndim`` dimensions, or a clear error."""
    a = np.asarray(values, dtype=np.float32)
    if a.ndim == 1 and ndim == 2:
        a = a[None, :]
    if a.ndim != ndim or 0 in a.shape:
        raise IllustratedError(f"{name}: expected a non-empty {ndim}-D array, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise IllustratedError(f"{name}: contains NaN or infinite values")
    return a


def save_figure(fig: Figure, path: str | os.PathLike, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` (``.png``, ``.svg`` or ``.pdf``, by extension), atomically."""
    p = Path(path)
    fmt = _FORMATS.get(p.suffix.lower())
    if fmt is None:
        raise IllustratedError(f"{p}: unknown figure format {p.suffix!r}, expected .png, .svg or .pdf")
    with atomic_write(p, "wb") as f:
        # A fixed date keeps repeated SVG/PDF outputs byte-identical.
        metadata = {"Date": None} if fmt in ("svg", "pdf") else None
        with _glyph_fallback():
            fig.savefig(f, format=fmt, dpi=dpi, metadata=metadata)
    return p


def figure_to_rgba(fig: Figure, dpi: int = 100) -> np.ndarray:
    """Render ``fig`` with Agg: uint8 ``[height, width, 4]``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig.set_dpi(dpi)
    canvas = FigureCanvasAgg(fig)
    with _glyph_fallback():
        canvas.draw()
    return np.asarray(canvas.buffer_rgba()).copy()
