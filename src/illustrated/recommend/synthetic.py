"""Generated listening sessions with hidden genres, for tests and the demo.

Each listener has a favourite genre; a playlist draws most of its tracks from that genre (tracks
within a genre are Zipf-popular) and a few at random from anywhere. The model sees only opaque
track ids, so whether its neighbours share a track's genre checks what it learned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError

__all__ = ["GenreSessions", "genre_sessions", "GENRES"]

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
