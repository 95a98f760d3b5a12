"""``illustrated translate``: Train and run an attention encoder-decoder translator."""

from __future__ import annotations

from .common import group

app = group("Train and run an attention encoder-decoder translator.")
