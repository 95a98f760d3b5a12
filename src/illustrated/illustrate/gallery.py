"""A folder of figures with an ``index.html`` that shows them: what ``illustrated demo`` ends with.

Takes already-loaded models (KeyedVectors-like, Translator-like, Recommender-like) and metrics
logs; draws what it can for each and skips what is absent.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..errors import IllustratedError
from ..files import atomic_write
from .analogy import analogy_from_vectors, analogy_strips
from .attention import attention_heatmap
from .common import save_figure
from .curves import read_metrics, training_curves
from .heads import attention_grid, attention_heads, attention_lines, translation_maps
from .maps import map_figure
from .strips import vector_strips
from .unrolled import unrolled_figure, unrolled_gif

__all__ = ["Gallery", "pick_words"]


def pick_words(kv, preferred: Sequence[str] = (), n: int = 4, skip: int = 10) -> list[str]:
    """``preferred`` words the model knows, topped up with frequent alphabetic words after the first ``skip``."""
    words = [w for w in preferred if w in kv]
    for key in list(kv.keys)[skip:skip + 2000]:
        if len(words) >= n:
            break
        if isinstance(key, str) and key.isalpha() and len(key) > 2 and key not in words:
            words.append(key)
    return words[:n] if len(words) >= min(n, 2) else [str(k) for k in list(kv.keys)[:n]]


class Gallery:
    """Figures saved into ``folder`` as they are drawn, then listed in ``index.html``."""

    def __init__(self, folder: str | os.PathLike, fmt: str = "png",
                 echo: Callable[[str], None] = lambda _: None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.fmt = fmt
        self.echo = echo
        self.entries: list[tuple[str, str, str]] = []  # (section, file name, caption)

    def add(self, section: str, name: str, fig, caption: str) -> Path:
        path = save_figure(fig, self.folder / f"{name}.{self.fmt}")
        self.entries.append((section, path.name, caption))
        self.echo(f"  {path}")
        return path

    def word2vec(self, kv, words: Sequence[str] = (), analogies: Sequence[Sequence[str]] = (),
                 map_words: int | Sequence[str] = 40, groups: dict[str, str] | None = None,
                 section: str = "word2vec") -> None:
        """Strips of ``words``, the first analogy whose words are known, and a map of ``map_words``
        (or that many frequent words), coloured by ``groups`` (word → attribute) when given."""
        chosen = pick_words(kv, words, n=max(4, len(words)))
        self.add(section, "word2vec-strips", vector_strips(np.stack([kv.vector(w) for w in chosen]), chosen),
                 f"Vector strips: {', '.join(chosen)}")
        for a, b, c in (tuple(t)[:3] for t in analogies):
            if all(w in kv for w in (a, b, c)):
                found = analogy_from_vectors(kv, a, b, c)
                self.add(section, "word2vec-analogy", analogy_strips(found),
                         f"{a} − {b} + {c} ≈ {found.words[3]} (cosine {found.cosine:.2f})")
                break
        if isinstance(map_words, int):
            mapped = pick_words(kv, list(words) + [w for t in analogies for w in t], n=map_words)
        else:
            mapped = [w for w in map_words if w in kv]
        colours = [groups.get(w, "other") for w in mapped] if groups else None
        self.add(section, "word2vec-map", map_figure(np.stack([kv.vector(w) for w in mapped]), mapped, colours),
                 f"PCA map of {len(mapped)} words" + (" coloured by group" if groups else ""))

    def translation(self, translator, sentence: str, section: str = "translation") -> None:
        """Attention heatmap, unrolled panels and an animated GIF for one translated sentence."""
        (t,) = translator.translate([sentence])
        self.add(section, "attention", attention_heatmap(t.attention, t.source, t.target, title=t.text),
                 f"Attention: “{' '.join(t.source)}” → “{t.text}”")
        self.add(section, "unrolled", unrolled_figure(t), "The encoder–decoder unrolled, step by step")
        gif = unrolled_gif(t, self.folder / "unrolled.gif")
        self.entries.append((section, gif.name, "The same, one decoder step per frame"))
        self.echo(f"  {gif}")
        if getattr(t, "encoder_attention", None) is not None:
            self.transformer(t, section)

    def transformer(self, t, section: str = "translation") -> None:
        """A Transformer's heads: the last layer's encoder–decoder attention one panel per head,
        every head of the encoder, and one source word's self-attention as lines."""
        cross, queries, keys = translation_maps(t, "cross")
        self.add(section, "attention-heads", attention_heads(cross[-1], keys, queries, layer=len(cross) - 1),
                 f"Encoder–decoder attention of the last layer, one panel per head ({cross.shape[1]} heads)")
        encoder, _, source = translation_maps(t, "encoder")
        self.add(section, "encoder-heads", attention_grid(encoder, source, source),
                 f"Encoder self-attention: {encoder.shape[0]} layers × {encoder.shape[1]} heads")
        word = max(range(len(source) - 1 or 1), key=lambda i: len(source[i]))
        self.add(section, "self-attention-lines", attention_lines(encoder[-1], source, word),
                 f"What “{source[word]}” attends to in the last encoder layer, one colour per head")

    def items(self, vectors, groups: dict[str, str] | None = None, n: int = 60,
              section: str = "recommendation") -> None:
        """A map of the ``n`` most frequent items, coloured by ``groups`` (item → attribute) when given."""
        keys = [str(k) for k in list(vectors.keys)[:n]]
        colours = [groups.get(k, "other") for k in keys] if groups else None
        self.add(section, "items-map", map_figure(np.stack([vectors.vector(k) for k in keys]), keys, colours,
                                                  max_labels=30),
                 f"PCA map of {len(keys)} items" + (" coloured by attribute" if groups else ""))

    def curves(self, name: str, log: str | os.PathLike, section: str = "training") -> None:
        """Training curves from one metrics log."""
        try:
            records = read_metrics(log)
        except IllustratedError as e:
            self.echo(f"  skipped {log}: {e}")
            return
        self.add(section, f"{name}-curves", training_curves(records, title=name), f"Training curves: {name}")

    def write_index(self, path: str | os.PathLike | None = None, title: str = "illustrated: figures") -> Path:
        """An HTML page (default ``folder/index.html``) showing every figure, grouped by section."""
        path = Path(path) if path is not None else self.folder / "index.html"
        prefix = Path(os.path.relpath(self.folder, path.parent))
        parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                 f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
                 f"<title>{html.escape(title)}</title><style>"
                 "body{font-family:system-ui,sans-serif;margin:16px;background:#f6f8fa;color:#1f2328}"
                 "figure{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:8px;margin:0 0 16px}"
                 "img{max-width:100%;height:auto}figcaption{color:#57606a;font-size:.9rem}"
                 f"</style></head><body><h1>{html.escape(title)}</h1>"]
        if not self.entries:
            parts.append("<p>No models were found to draw.</p>")
        section = None
        for sec, name, caption in self.entries:
            if sec != section:
                parts.append(f"<h2>{html.escape(sec)}</h2>")
                section = sec
            src = (prefix / name).as_posix()
            parts.append(f"<figure><img src='{html.escape(src)}' alt='{html.escape(caption)}'>"
                         f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        parts.append("</body></html>\n")
        with atomic_write(path, "w") as f:
            f.write("\n".join(parts))
        return path
