"""``illustrated recommend``: Recommend items from sessions with item2vec."""

from __future__ import annotations

from .common import group

app = group("Recommend items from sessions with item2vec.")
