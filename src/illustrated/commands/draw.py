"""``illustrated draw``: Draw models' internals as figures."""

from __future__ import annotations

from .common import group

app = group("Draw models' internals as figures.")
