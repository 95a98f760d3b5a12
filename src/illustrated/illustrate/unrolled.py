"""The unrolled encoder–decoder: one translation, step by step, as panels and as an animated GIF.

Each encoder step shows its input token above its hidden state (a vertical strip); each decoder
step shows the word it chose, its hidden state, and below it the attention weights it spread over
the source tokens. The GIF reveals the decoder one step at a time.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib import rcParams
from matplotlib.figure import Figure

from ..errors import IllustratedError
from ..files import atomic_write
from .attention import ATTENTION_CMAP, check_attention
from .common import DIVERGING, as_matrix, figure_to_rgba, new_figure, symmetric_norm

__all__ = ["unrolled_figure", "unrolled_gif", "reveal_steps", "gif_steps", "MAX_GIF_FRAMES"]

MAX_GIF_FRAMES = 24
"""Most frames an unrolled GIF holds: each frame draws the whole figure again (about a second for
a 40-word sentence), so a long translation shows steps spread over it instead of every one."""


def _states(t, max_dims: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Encoder states ``[S, d]``, decoder states ``[T, d]`` and attention ``[T, S]`` of ``t``."""
    source, target = list(t.source), list(t.target)
    enc = as_matrix(t.encoder_states, "encoder_states")
    dec = as_matrix(t.decoder_states, "decoder_states")
    if enc.shape[0] != len(source):
        raise IllustratedError(f"encoder_states: {enc.shape[0]} rows for {len(source)} source tokens")
    if dec.shape[0] != len(target):
        raise IllustratedError(f"decoder_states: {dec.shape[0]} rows for {len(target)} output tokens")
    return enc[:, :max_dims], dec[:, :max_dims], check_attention(t.attention, source, target)


def _state_strip(ax, label: str, state: np.ndarray, norm, title: str, xlabel: str,
                 title_style: dict | None = None):
    """One time step: its hidden state float ``[d]`` as a vertical strip under its token."""
    ax.set_label(label)
    ax.imshow(state[:, None], cmap=DIVERGING, norm=norm, aspect="auto", interpolation="nearest")
    ax.set_title(title, fontsize=9, rotation=60 if len(title) > 5 else 0, **(title_style or {}))
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def unrolled_figure(t, upto: int | None = None, max_dims: int = 32, title: str | None = None) -> Figure:
    """Panels for a Translation-like ``t`` (``source``, ``target``, ``attention``, states).

    ``upto`` shows only decoder steps ``0..upto`` (later ones stay blank, so every frame of the
    GIF has the same layout) and outlines step ``upto``; ``None`` shows them all. Hidden states
    are cut to their first ``max_dims`` dimensions.
    """
    enc, dec, att = _states(t, max_dims)
    full = max(np.shape(t.encoder_states)[1], np.shape(t.decoder_states)[1])
    source, target = list(t.source), list(t.target)
    s, n = len(source), len(target)
    last = n - 1 if upto is None else upto
    # Encoder and decoder states live on different scales; each gets its own zero-centred scale.
    enc_norm, dec_norm = symmetric_norm(enc), symmetric_norm(dec)
    fig = new_figure(min(30.0, 1.6 + 0.62 * (s + n + 1)), 5.2 + 0.12 * s)
    grid = fig.add_gridspec(2, s + n + 1, height_ratios=[3, max(1.2, 0.28 * s)],
                            width_ratios=[1] * s + [0.4] + [1] * n)
    for i, token in enumerate(source):
        _state_strip(fig.add_subplot(grid[0, i]), f"encoder:{i}", enc[i], enc_norm, token, f"h{i + 1}")
    for j, word in enumerate(target):
        shown = j <= last
        ax = _state_strip(fig.add_subplot(grid[0, s + 1 + j]), f"decoder:{j}",
                          dec[j] if shown else np.full(dec.shape[1], np.nan), dec_norm, word, f"s{j + 1}",
                          title_style={"fontweight": "bold", "color": "#b2182b", "alpha": 1.0 if shown else 0.0})
        below = fig.add_subplot(grid[1, s + 1 + j])
        below.set_label(f"attention:{j}")
        below.imshow(att[j][:, None] if shown else np.full((s, 1), np.nan), cmap=ATTENTION_CMAP,
                     vmin=0, vmax=1, aspect="auto", interpolation="nearest")
        below.set_xticks([])
        if j == 0:
            below.set_yticks(range(s), labels=source, fontsize=8)
            below.set_ylabel("attention", fontsize=8)
        else:
            below.set_yticks([])
        if upto is not None and j == upto:
            for a in (ax, below):
                for side in a.spines.values():
                    side.set_color("#b2182b")
                    side.set_linewidth(2.5)
    left = fig.add_subplot(grid[1, :s])
    left.axis("off")
    dims_note = f"first {max_dims} of {full} dimensions" if full > max_dims else f"{full} dimensions"
    left.text(0.5, 0.5, "encoder: one hidden state per source token\n"
              "decoder: one state, one attention row, one word per step\n"
              f"hidden states: {dims_note}",
              ha="center", va="center", fontsize=8, color="#555555", transform=left.transAxes)
    fig.suptitle(title or f"{' '.join(source)}  →  {' '.join(target[:last + 1])}", fontsize=10)
    return fig


def unrolled_gif(t, path: str | os.PathLike, seconds_per_step: float = 0.9, dpi: int = 80,
                 max_dims: int = 32) -> Path:
    """Write an animated GIF of ``t``: the encoder first, then one decoder step per frame.

    ``len(target) + 1`` frames, at most :data:`MAX_GIF_FRAMES` (see :func:`gif_steps`); the last
    is held three times as long.
    """
    from PIL import Image

    p = Path(path)
    steps = gif_steps(len(t.target))
    fig = unrolled_figure(t, upto=steps[0], max_dims=max_dims)
    frames = [Image.fromarray(figure_to_rgba(fig, dpi=dpi)).convert("RGB")]
    fig.set_layout_engine("none")  # laid out once: the later frames only reveal more steps
    for before, upto in zip(steps, steps[1:]):
        reveal_steps(fig, t, before, upto, max_dims)
        frames.append(Image.fromarray(figure_to_rgba(fig, dpi=dpi)).convert("RGB"))
    durations = [int(seconds_per_step * 1000)] * len(frames)
    durations[-1] *= 3
    with atomic_write(p, "wb") as f:
        frames[0].save(f, format="GIF", save_all=True, append_images=frames[1:], duration=durations,
                       loop=0, optimize=False)
    return p


def reveal_steps(fig: Figure, t, before: int, upto: int, max_dims: int = 32) -> None:
    """Turn a figure of :func:`unrolled_figure` showing decoder steps up to ``before`` into the
    one showing them up to ``upto`` (later), in place: the same artists with more data, so the
    layout is not solved again (that costs most of a frame of a long sentence)."""
    _, dec, att = _states(t, max_dims)
    panels = {ax.get_label(): ax for ax in fig.axes}
    for j in range(before + 1, upto + 1):
        top, below = panels[f"decoder:{j}"], panels[f"attention:{j}"]
        top.images[0].set_data(dec[j][:, None])
        top.title.set_alpha(1.0)
        below.images[0].set_data(att[j][:, None])
    for j, colour, width in ((before, rcParams["axes.edgecolor"], rcParams["axes.linewidth"]),
                             (upto, "#b2182b", 2.5)):
        if j >= 0:
            for a in (panels[f"decoder:{j}"], panels[f"attention:{j}"]):
                for side in a.spines.values():
                    side.set_color(colour)
                    side.set_linewidth(width)
    fig.suptitle(f"{' '.join(t.source)}  →  {' '.join(list(t.target)[:upto + 1])}", fontsize=10)


def gif_steps(n: int, frames: int = MAX_GIF_FRAMES) -> list[int]:
    """The decoder step each frame of the GIF of ``n`` output tokens shows up to: ``-1`` (the
    encoder alone), then every step; or, for more steps than ``frames``, steps spread evenly
    from ``-1`` to the last, ``n - 1``."""
    if n + 1 <= frames:
        return list(range(-1, n))
    return [round(-1 + i * n / (frames - 1)) for i in range(frames)]
