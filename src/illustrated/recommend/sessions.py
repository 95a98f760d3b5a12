"""Sessions: sequences of opaque item ids read from text or event logs, and evaluation splits.

Two inputs are understood:

* **sessions a line** — each non-empty line is one session (or one user's sequence), its item ids
  separated by spaces or commas (``.gz``/``.bz2``/``.xz`` allowed);
* **event logs** — CSV/TSV or Parquet with user (or session), item and time columns under any of
  their usual names, or the names given (:mod:`.events`). Each user's events are ordered by
  time; an optional gap in minutes cuts a user's history into sessions wherever two consecutive
  events are further apart than the gap.

Items are opaque strings: ``"42"``, ``"spotify:track:…"`` and ``"Toy Story (1995)"`` are all fine.

:func:`leave_last_out` holds out, per user, the last item for test and the one (or several) before
it for validation (the protocol of the item2vec and session-recommendation literature); :func:`time_split`
holds out everything after a cut-off time instead.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CorpusError, FormatError
from ..files import COMPRESSED, check_readable, open_binary
from . import columns as col
from .events import EVENT_SUFFIXES, EventColumns, History, read_events

__all__ = ["History", "Case", "Split", "EventColumns", "read_sessions", "read_events",
           "load_histories", "is_event_log", "leave_last_out", "time_split", "sessions_of"]

_SEPARATORS = re.compile(r"[\s,]+")


@dataclass
class Case:
    """One held-out next item: what the user did before (``context``) and what came next."""

    user: str
    context: list[str]
    target: str


@dataclass
class Split:
    """Training sessions and held-out cases.

    ``train`` never contains a validation or test event; ``train_full`` adds the validation events
    back (train on it for the final test, on ``train`` while tuning on ``validation``).
    """

    train: list[list[str]]
    train_full: list[list[str]]
    validation: list[Case] = field(default_factory=list)
    test: list[Case] = field(default_factory=list)

    @property
    def catalogue(self) -> list[str]:
        """Every item seen anywhere in the split (training, validation or test), sorted."""
        seen = {i for s in self.train_full for i in s}
        seen.update(c.target for c in self.test)
        seen.update(c.target for c in self.validation)
        return sorted(seen)


def read_sessions(path: str | os.PathLike) -> list[list[str]]:
    """Read one session a line (ids separated by spaces or commas); blank lines are skipped."""
    p = check_readable(path, "sessions file")
    sessions = []
    with open_binary(p) as raw:  # a damaged compressed file is a FormatError naming it
        for n, line in enumerate(raw, 1):
            try:
                text = line.decode("utf-8-sig" if n == 1 else "utf-8")  # -sig: drop a BOM
            except UnicodeDecodeError:
                raise CorpusError(f"{p}:{n}: bytes are not valid utf-8") from None
            items = [t for t in _SEPARATORS.split(text.strip()) if t]
            if items:
                sessions.append(items)
    if not sessions:
        raise CorpusError(f"{p}: no sessions found (expected item ids, one session a line)")
    return sessions


def is_event_log(path: str | os.PathLike) -> bool:
    """True for an event log by extension (``.csv``, ``.tsv``, ``.dat``, ``.data``, ``.parquet``,
    ``.pq``, compressed or not); anything else holds sessions, one a line."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in COMPRESSED:
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in EVENT_SUFFIXES


def looks_like_event_log(path: str | os.PathLike, sample: int = 20) -> bool:
    """True when a file named like a sessions file holds an event log instead.

    Either its first line is a header naming a user (or session) and an item column, or its first
    ``sample`` lines are all ``user item [rating] timestamp`` numbers (MovieLens order, split by
    tabs, commas, ``;``, ``|`` or ``::``) ending in a Unix time, the rating at most 100. Read as sessions, such a file would
    make every event a "session" of numbers and train on garbage.
    """
    p = check_readable(path, "sessions file")
    lines = []
    try:
        with open_binary(p) as raw:
            for line in raw:
                text = line.decode("utf-8").strip().lstrip("\ufeff")
                if text:
                    lines.append(text)
                if len(lines) >= sample:
                    break
    except (UnicodeDecodeError, FormatError):
        return False  # read_sessions names the problem
    if not lines:
        return False
    delimiter = col.sniff_delimiter(lines[0])
    if delimiter not in lines[0]:
        return False  # one field, or only spaces between ids: sessions
    first = [f.strip().strip('"') for f in lines[0].split(delimiter)]
    if (col.find_column(first, col.USER, None, "", "", "", required=False) is not None
            and col.find_column(first, col.ITEM, None, "", "", "", required=False) is not None):
        return True
    rows = [[f.strip() for f in line.split(delimiter)] for line in lines]
    if len({len(r) for r in rows}) != 1 or len(rows[0]) not in (3, 4):
        return False
    if not all(col.looks_numeric(r) for r in rows):
        return False
    # a Unix time last, and with four columns a rating (not a fourth item id) before it
    return all(1e8 <= float(r[-1]) < 1e19 and float(r[-1]).is_integer()
               and (len(r) == 3 or abs(float(r[2])) <= 100) for r in rows)


def load_histories(path: str | os.PathLike, columns: EventColumns | None = None) -> list[History]:
    """Sessions-a-line text or an event log (see :func:`is_event_log`), as histories.

    A file named like sessions but holding an event log (:func:`looks_like_event_log`) is read as
    the event log it is (its histories then carry times). ``columns`` names the event log's
    columns and rating filter; sessions-a-line files have none, so naming columns for them is an
    error rather than silently ignored.
    """
    p = Path(path)
    if is_event_log(p) or looks_like_event_log(p):
        return read_events(p, columns)
    if columns is not None and columns != EventColumns():
        raise CorpusError(f"{p}: column and rating options apply to event logs (.csv, .tsv, .dat, "
                          ".parquet); this file is read as sessions, one a line")
    return [History(str(n), s) for n, s in enumerate(read_sessions(p))]


def sessions_of(history: History, gap_minutes: float | None = None) -> list[list[str]]:
    """Cut a history into sessions where consecutive events are more than ``gap_minutes`` apart."""
    if gap_minutes is None or history.times is None or not history.items:
        return [list(history.items)] if history.items else []
    gap = gap_minutes * 60.0
    sessions, current = [], [history.items[0]]
    for prev, t, item in zip(history.times, history.times[1:], history.items[1:]):
        if t - prev > gap:
            sessions.append(current)
            current = []
        current.append(item)
    sessions.append(current)
    return sessions


def _context(history: History, end: int, gap_minutes: float | None) -> list[str]:
    """Items before position ``end``: the whole history, or only its last session with a gap."""
    head = History(history.user, history.items[:end],
                   None if history.times is None else history.times[:end])
    sessions = sessions_of(head, gap_minutes)
    if gap_minutes is None or history.times is None:
        return head.items
    # The held-out event opens a new session when it comes after a gap: then the context is empty
    # in session terms, so fall back to the last session before it.
    return sessions[-1] if sessions else []


def leave_last_out(histories: list[History], gap_minutes: float | None = None,
                   min_length: int | None = None, n: int = 1, validation: int | None = None) -> Split:
    """Hold out each user's last ``n`` items (test) and the ``validation`` items before them
    (default ``n``) for tuning.

    Every held-out position is one case, its context everything the user did before it (the
    protocol of the item2vec and session-recommendation literature with ``n = 1``; ``n = 5``
    scores more of each history). More validation items than test items give tuning more cases
    to choose by: with one case per user, HR@10 on a thousand users has a standard error of about
    0.013, as large as the differences between the settings a search compares. Users with fewer
    than ``min_length`` items (default ``n + validation + 1``) only contribute to training.
    Training sessions are cut with ``gap_minutes`` when the histories have times.
    """
    if n < 1:
        raise CorpusError(f"n must be at least 1, got {n}")
    validation = n if validation is None else validation
    if validation < 1:
        raise CorpusError(f"validation must be at least 1, got {validation}")
    held = n + validation
    min_length = held + 1 if min_length is None else min_length
    if min_length < held + 1:
        raise CorpusError(f"min_length must be at least {held + 1} (train, {validation} validation, "
                          f"{n} test items), got {min_length}")
    train, train_full, valid, test = [], [], [], []
    for h in histories:
        size = len(h.items)
        if size < min_length:
            train.extend(sessions_of(h, gap_minutes))
            train_full.extend(sessions_of(h, gap_minutes))
            continue
        train.extend(sessions_of(_truncate(h, size - held), gap_minutes))
        train_full.extend(sessions_of(_truncate(h, size - n), gap_minutes))
        for end in range(size - held, size - n):
            valid.append(Case(h.user, _context(h, end, gap_minutes), h.items[end]))
        for end in range(size - n, size):
            test.append(Case(h.user, _context(h, end, gap_minutes), h.items[end]))
    if not test:
        raise CorpusError(f"no user has at least {min_length} items: nothing to hold out")
    return Split(train, train_full, valid, test)


def time_split(histories: list[History], cutoff: float, gap_minutes: float | None = None) -> Split:
    """Train on every event before ``cutoff`` (seconds); test on each user's first event after it.

    Validation holds the last pre-cut-off event of each user who has one after the cut-off.
    """
    train, train_full, validation, test = [], [], [], []
    for h in histories:
        if h.times is None:
            raise CorpusError("a time split needs timestamps (read an event log, not sessions a line)")
        end = sum(1 for t in h.times if t < cutoff)
        train_full.extend(sessions_of(_truncate(h, end), gap_minutes))
        if end < len(h.items) and end >= 2:
            train.extend(sessions_of(_truncate(h, end - 1), gap_minutes))
            validation.append(Case(h.user, _context(h, end - 1, gap_minutes), h.items[end - 1]))
            test.append(Case(h.user, _context(h, end, gap_minutes), h.items[end]))
        else:
            train.extend(sessions_of(_truncate(h, end), gap_minutes))
    if not test:
        raise CorpusError("no user has events on both sides of the cut-off")
    return Split(train, train_full, validation, test)


def _truncate(h: History, end: int) -> History:
    return History(h.user, h.items[:end], None if h.times is None else h.times[:end])
