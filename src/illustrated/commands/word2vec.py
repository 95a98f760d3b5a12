"""``illustrated word2vec``: Train word2vec embeddings and query them."""

from __future__ import annotations

from .common import group

app = group("Train word2vec embeddings and query them.")
