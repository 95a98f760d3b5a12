"""A generated booking log with planted conversions and markets, for global context and
in-market negatives.

Listings sit in markets (cities); each has a type and a price band (its attributes). In each
market a few listings are *bookable goals*, and each goal has its own neighbourhood: the listings
people look at before booking it (mostly of its type, all in its market). A session picks a goal,
clicks through its neighbourhood (and some other listings of the market) for ``length`` clicks,
and — with probability ``convert`` — ends by booking the goal: its last event, marked as the
session's conversion. Sessions are long, so a booking lies beyond the window and the sequential
rules' reach of the first clicks: what links them is that they end in the same bookings, which is
what a global context trains (Grbovic & Cheng, KDD 2018). Every session stays in one market, so
negatives from anywhere are easy (another city), and within-market differences are what
in-market negatives teach.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

__all__ = ["BookingLog", "booking_log"]


@dataclass
class BookingLog:
    """Sessions (listing ids in click order; a booking is the last click), the listing each
    session booked (None: no booking), and each listing's market, type and price band."""

    sessions: list[list[str]]
    booked: list[str | None]
    market_of: dict[str, str]
    attributes: dict[str, list[str]]

    def goals(self, sessions: range | None = None) -> list[list[str]]:
        """Each session's global contexts: its booking, if any."""
        picked = range(len(self.sessions)) if sessions is None else sessions
        return [[self.booked[s]] if self.booked[s] is not None else [] for s in picked]


def booking_log(n_markets: int = 8, listings_per_market: int = 150, goals_per_market: int = 20,
                neighbourhood: int = 12, n_sessions: int = 6000, length: tuple[int, int] = (60, 120),
                convert: float = 0.6, stray: float = 0.2, n_types: int = 5, seed: int = 0) -> BookingLog:
    """Generate a booking log (see the module).

    Args:
        n_markets, listings_per_market: the catalogue; ids ``m{market}-l{listing}``.
        goals_per_market: bookable listings in each market (Zipf-popular), ``neighbourhood``
            listings each, three quarters of them of the goal's type.
        n_sessions, length: sessions and their inclusive range of clicks (before the booking).
        convert: chance that a session ends in a booking; stray: chance that a click is any
            listing of the market instead of the goal's neighbourhood.
    """
    if n_markets < 1 or listings_per_market <= max(goals_per_market, neighbourhood):
        raise ConfigError("need a market, and more listings a market than goals and a neighbourhood")
    rng = np.random.default_rng(seed)
    market_of, attributes = {}, {}
    kinds = rng.integers(0, n_types, (n_markets, listings_per_market))
    price = rng.integers(0, 4, (n_markets, listings_per_market))
    names = [[f"m{m}-l{j:03d}" for j in range(listings_per_market)] for m in range(n_markets)]
    for m in range(n_markets):
        for j, name in enumerate(names[m]):
            market_of[name] = f"city{m}"
            attributes[name] = [f"city=city{m}", f"type=t{kinds[m, j]}", f"price=p{price[m, j]}"]
    goals = [rng.choice(listings_per_market, goals_per_market, replace=False) for _ in range(n_markets)]
    near = {}
    for m in range(n_markets):
        for g in goals[m]:
            same = np.flatnonzero(kinds[m] == kinds[m, g])
            same = same[same != g]
            k_same = min(len(same), (3 * neighbourhood) // 4)
            pool = np.setdiff1d(np.arange(listings_per_market), np.append(same, g))
            near[m, g] = np.concatenate([rng.choice(same, k_same, replace=False),
                                         rng.choice(pool, neighbourhood - k_same, replace=False)])
    zipf = 1.0 / np.arange(1, goals_per_market + 1)
    zipf /= zipf.sum()
    sessions, booked = [], []
    for _ in range(n_sessions):
        m = int(rng.integers(n_markets))
        g = int(goals[m][rng.choice(goals_per_market, p=zipf)])
        n = int(rng.integers(length[0], length[1] + 1))
        picks = np.where(rng.random(n) < stray, rng.integers(0, listings_per_market, n),
                         rng.choice(near[m, g], n))
        session = [names[m][j] for j in picks]
        done = rng.random() < convert
        if done:
            session.append(names[m][g])
        sessions.append(session)
        booked.append(names[m][g] if done else None)
    return BookingLog(sessions, booked, market_of, attributes)

