"""Generated listening sessions with hidden genres, for tests and the demo.

Each listener has a favourite genre; a playlist draws most of its tracks from that genre (tracks
within a genre are Zipf-popular) and a few at random from anywhere. The model sees only opaque
track ids, so whether its neighbours share a track's genre checks what it learned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

__all__ = ["GenreSessions", "genre_sessions", "GENRES", "RatingLog", "rating_log"]

GENRES = ["rock", "jazz", "folk", "techno", "opera", "blues", "salsa", "metal", "reggae", "choral"]


@dataclass
class GenreSessions:
    """Playlists (lists of track ids), each track's hidden genre, and each playlist's genre."""

    sessions: list[list[str]]
    genre_of: dict[str, str]
    session_genre: list[str]


def genre_sessions(n_genres: int = 5, tracks_per_genre: int = 30, n_sessions: int = 600,
                   length: tuple[int, int] = (6, 16), noise: float = 0.1, zipf: float = 1.0,
                   seed: int = 0, opaque: bool = True) -> GenreSessions:
    """Generate playlists following hidden genres.

    Args:
        n_genres, tracks_per_genre: the catalogue (at most ``len(GENRES)`` genres).
        n_sessions: playlists to generate; ``length``: inclusive bounds of their lengths.
        noise: chance that a track comes from a random genre instead of the listener's.
        zipf: popularity skew of tracks inside a genre (weight of rank r is 1 / r**zipf).
        opaque: track ids like ``t0417`` (True) or readable ``rock-017`` (False).
    """
    if not 1 <= n_genres <= len(GENRES):
        raise ConfigError(f"n_genres must be in [1, {len(GENRES)}], got {n_genres}")
    if tracks_per_genre < 2 or n_sessions < 1 or not 1 <= length[0] <= length[1]:
        raise ConfigError("need at least 2 tracks a genre, 1 session, and 1 <= min length <= max")
    rng = np.random.default_rng(seed)
    genres = GENRES[:n_genres]
    ids = rng.permutation(n_genres * tracks_per_genre)
    tracks: dict[str, list[str]] = {}
    genre_of: dict[str, str] = {}
    for g, genre in enumerate(genres):
        names = []
        for j in range(tracks_per_genre):
            name = f"t{ids[g * tracks_per_genre + j]:04d}" if opaque else f"{genre}-{j:03d}"
            names.append(name)
            genre_of[name] = genre
        tracks[genre] = names
    weights = 1.0 / np.arange(1, tracks_per_genre + 1) ** zipf
    weights /= weights.sum()
    everything = [t for g in genres for t in tracks[g]]
    sessions, session_genre = [], []
    for _ in range(n_sessions):
        genre = genres[rng.integers(n_genres)]
        n = int(rng.integers(length[0], length[1] + 1))
        chosen = rng.choice(tracks_per_genre, size=min(n, tracks_per_genre), replace=False, p=weights)
        playlist = [tracks[genre][int(c)] for c in chosen]
        for pos in range(len(playlist)):
            if rng.random() < noise:
                playlist[pos] = everything[int(rng.integers(len(everything)))]
        sessions.append(playlist)
        session_genre.append(genre)
    return GenreSessions(sessions, genre_of, session_genre)


@dataclass
class RatingLog:
    """A generated rating log shaped like a real one (see :func:`rating_log`).

    ``rows`` are ``(user, item, rating, timestamp)`` sorted by user then item id (as MovieLens
    writes its files, so ratings given in one burst come back in item order, not in the order
    they were given); ``series`` maps each item to the other items of its planted series, the
    neighbours a good model must find.
    """

    rows: list[tuple[str, str, float, int]]
    series: dict[str, list[str]]
    genre_of: dict[str, int]

    def write_csv(self, path) -> None:
        """Write ``userId,movieId,rating,timestamp`` lines, header first (atomically)."""
        from ..files import atomic_write

        with atomic_write(path, "w") as f:
            f.write("userId,movieId,rating,timestamp\n")
            f.writelines(f"{u},{i},{r:g},{t}\n" for u, i, r, t in self.rows)


def rating_log(n_users: int = 600, n_items: int = 10_000, events: int = 100_000,
               longest: int = 2_700, n_genres: int = 50, series_size: int = 4,
               follow: float = 0.5, burst: float = 12.0, seed: int = 0) -> RatingLog:
    """Generate an explicit-feedback log with long histories and bursts of equal timestamps.

    Unlike :func:`genre_sessions`, its histories run from 20 items to ``longest`` (heavy-tailed,
    about ``events`` in all), and users rate in bursts that share one timestamp (about ``burst``
    ratings each, more for heavier users), so the order inside a burst is lost. Each user has a
    few favourite genres and stays in one for a while; items are Zipf-popular inside their genre
    and come in *series* of ``series_size`` (sequels, albums): after rating one, a user goes on to
    the rest of its series with probability ``follow``, within the next few ratings. Ratings are
    higher for the user's favourite genres. Item ids are shuffled integers, user ids 1..n.
    """
    if n_items < n_genres * series_size or n_users < 1 or longest < 20:
        raise ConfigError("need at least n_genres · series_size items, one user, longest ≥ 20")
    if longest > n_items:   # a history holds distinct items: it could never be completed
        raise ConfigError(f"longest ({longest}) must be at most n_items ({n_items})")
    rng = np.random.default_rng(seed)
    cat = _Catalogue.generate(rng, n_items, n_genres, series_size)
    lengths = np.clip(np.exp(rng.normal(np.log(90), 1.1, n_users)), 20, longest)
    lengths = np.clip(lengths * events / lengths.sum(), 20, longest).astype(int)
    lengths[np.argmax(lengths)] = longest
    rows: list[tuple[str, str, float, int]] = []
    for u in range(n_users):
        taste = rng.dirichlet(np.full(n_genres, 0.08))
        order = _history(rng, cat, taste, int(lengths[u]), follow)
        rows.extend(_rated_in_bursts(rng, cat, taste, order, str(u + 1), burst))
    rows.sort(key=lambda r: (int(r[0]), int(r[1])))
    ids = cat.ids
    series = {str(ids[j]): [str(ids[x]) for x in cat.series(j) if x != j] for j in range(n_items)}
    return RatingLog(rows, series, {str(ids[j]): int(cat.genre[j]) for j in range(n_items)})


@dataclass
class _Catalogue:
    """The items of :func:`rating_log`, by index ``0..n-1``: shuffled integer ids (int64 ``[n]``),
    genres (int64 ``[n]``), each genre's members and their Zipf popularity (float64), and the
    series they come in."""

    ids: np.ndarray
    genre: np.ndarray
    members: list[np.ndarray]
    probs: list[np.ndarray]
    series_of: np.ndarray
    by_series: dict[int, list[int]]

    @classmethod
    def generate(cls, rng: np.random.Generator, n_items: int, n_genres: int,
                 series_size: int) -> "_Catalogue":
        ids = rng.permutation(n_items) + 1
        genre = np.arange(n_items) % n_genres
        rank = np.arange(n_items) // n_genres + 1  # popularity rank inside the genre
        weight = 1.0 / rank.astype(float) ** 0.9
        members = [np.flatnonzero(genre == g) for g in range(n_genres)]
        probs = [weight[m] / weight[m].sum() for m in members]
        series_of = genre * n_items + (rank - 1) // series_size  # neighbouring ranks of one genre
        by_series: dict[int, list[int]] = {}
        for j in range(n_items):
            by_series.setdefault(int(series_of[j]), []).append(j)
        return cls(ids, genre, members, probs, series_of, by_series)

    def series(self, j: int) -> list[int]:
        """The items of ``j``'s series, ``j`` included."""
        return self.by_series[int(self.series_of[j])]


def _history(rng: np.random.Generator, cat: _Catalogue, taste: np.ndarray, length: int,
             follow: float) -> list[int]:
    """One user's ``length`` distinct items in the order rated: a genre drawn from ``taste`` for a
    while, Zipf-popular items inside it, and the rest of a series after one of its items."""
    n_genres = len(cat.members)
    seen: set[int] = set()
    queue: list[int] = []
    current = int(rng.choice(n_genres, p=taste))
    order: list[int] = []
    misses = 0
    while len(order) < length:
        if queue and rng.random() < 0.7:
            j = queue.pop(int(rng.integers(min(len(queue), 3))))
        else:
            if rng.random() < 0.1:
                current = int(rng.choice(n_genres, p=taste))
            if misses > 50:   # the user has had this genre's popular items: explore further
                unseen = [x for x in cat.members[current] if x not in seen]
                j = int(rng.choice(unseen)) if unseen else -1
                current = current if unseen else int(rng.integers(n_genres))
            else:
                j = int(rng.choice(cat.members[current], p=cat.probs[current]))
            if j >= 0 and j not in seen and rng.random() < follow:
                queue.extend(x for x in cat.series(j) if x != j and x not in seen)
        if j < 0 or j in seen:
            misses += 1
            continue
        misses = 0
        seen.add(j)
        order.append(j)
    return order


def _rated_in_bursts(rng: np.random.Generator, cat: _Catalogue, taste: np.ndarray, order: list[int],
                     user: str, burst: float) -> list[tuple[str, str, float, int]]:
    """``(user, item id, rating, timestamp)`` rows of one history: bursts of about
    ``burst · sqrt(len / 100)`` ratings share a timestamp; favourite genres are rated higher."""
    n_genres = len(cat.members)
    rows = []
    t = int(rng.integers(800_000_000, 1_500_000_000))
    size = max(1.0, burst * (len(order) / 100) ** 0.5)
    pos = 0
    while pos < len(order):
        n = int(rng.geometric(1.0 / size))
        for j in order[pos:pos + n]:
            liked = taste[cat.genre[j]] * n_genres
            r = float(np.clip(np.round((3.0 + 0.6 * np.log1p(liked) + rng.normal(0, 0.8)) * 2) / 2,
                              0.5, 5.0))
            rows.append((user, str(cat.ids[j]), r, t))
        pos += n
        t += int(rng.integers(60, 30 * 86_400))
    return rows
