"""Figures of every model's internals, drawn from arrays, vectors and translations.

Every function returns a :class:`matplotlib.figure.Figure` (built without ``pyplot``, so it needs
no display and touches no global state); :func:`save_figure` writes it as PNG or SVG. Nothing here
trains or imports a trainer: the inputs are plain arrays, KeyedVectors-like objects
(``vector``, ``analogy``, ``__contains__``) and Translation-like objects (``source``, ``target``,
``attention``, ``encoder_states``, ``decoder_states``, and for a Transformer ``cross_attention``,
``encoder_attention``, ``decoder_attention``).
"""

from .analogy import Analogy, analogy_from_vectors, analogy_strips
from .attention import attention_heatmap
from .common import figure_to_rgba, save_figure
from .curves import read_metrics, training_curves
from .heads import (attention_grid, attention_heads, attention_lines, positional_encoding,
                    translation_maps)
from .maps import map_figure, project_2d
from .parts import item_parts_figure
from .strips import draw_strips, vector_strips
from .unrolled import unrolled_figure, unrolled_gif

__all__ = ["Analogy", "analogy_from_vectors", "analogy_strips", "attention_grid", "attention_heads",
           "attention_heatmap", "attention_lines", "draw_strips", "positional_encoding", "translation_maps",
           "figure_to_rgba", "item_parts_figure", "map_figure", "project_2d", "read_metrics", "save_figure",
           "training_curves", "unrolled_figure", "unrolled_gif", "vector_strips"]
