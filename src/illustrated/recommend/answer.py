"""An answer of the recommender: the items, their scores, and how they were reached."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Recommendation"]


@dataclass
class Recommendation:
    """An answer: items best first with their scores, and how it was reached.

    ``fallback`` is True when the most popular items were returned because nothing in the query
    was known to the model (or had a vector); ``unknown`` lists the query items the model has
    never seen; ``names`` is parallel to ``items`` (None where the model has no name); ``used`` is
    how many query items the answer was computed from (at most ``max_context`` of a session);
    ``cold`` is True when a query item is cold (its vector from its attributes; ``reason`` says
    why, :mod:`.cold`).
    """

    items: list[str]
    scores: list[float]
    fallback: bool
    reason: str
    unknown: list[str] = field(default_factory=list)
    names: list[str | None] = field(default_factory=list)
    used: int = 0
    cold: bool = False

    def to_dict(self) -> dict:
        return {"items": self.items, "names": self.names, "scores": self.scores,
                "fallback": self.fallback, "reason": self.reason, "unknown": self.unknown,
                "used": self.used, "cold": self.cold}
