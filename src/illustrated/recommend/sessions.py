"""Sessions: sequences of opaque item ids read from text or event logs, and evaluation splits.

Two inputs are understood:

* **sessions a line** — each non-empty line is one session (or one user's sequence), its item ids
  separated by spaces or commas (``.gz``/``.bz2``/``.xz`` allowed);
* **event logs** — CSV (with a header) or Parquet with ``user``, ``item`` and ``timestamp`` columns.
  Each user's events are ordered by time; an optional gap in minutes cuts a user's history into
  sessions wherever two consecutive events are further apart than the gap.

Items are opaque strings: ``"42"``, ``"spotify:track:…"`` and ``"Toy Story (1995)"`` are all fine.

:func:`leave_last_out` holds out, per user, the last item for test and the one before for
validation (the protocol of the item2vec and session-recommendation literature); :func:`time_split`
holds out everything after a cut-off time instead.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import CorpusError
from ..files import check_readable, open_binary

__all__ = ["History", "Case", "Split", "read_sessions", "read_events", "load_histories",
           "leave_last_out", "time_split", "sessions_of"]

_SEPARATORS = re.compile(r"[\s,]+")


@dataclass
class History:
    """One user's items in time order; ``times`` (seconds) is None for sessions-a-line input."""

    user: str
    items: list[str]
    times: list[float] | None = None


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
    with open_binary(p) as raw:
        for n, line in enumerate(raw, 1):
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                raise CorpusError(f"{p}:{n}: bytes are not valid utf-8") from None
            items = [t for t in _SEPARATORS.split(text.strip()) if t]
            if items:
                sessions.append(items)
    if not sessions:
        raise CorpusError(f"{p}: no sessions found (expected item ids, one session a line)")
    return sessions


def _parse_time(value: str, where: str) -> float:
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        raise CorpusError(f"{where}: timestamp {value!r} is neither a number nor an ISO 8601 "
                          "date") from None


def _csv_rows(p: Path, columns: tuple[str, str, str]) -> Iterator[tuple[str, str, float]]:
    with open_binary(p) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        reader = csv.reader(text)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise CorpusError(f"{p}: empty event log (expected a header line)") from None
        except UnicodeDecodeError:
            raise CorpusError(f"{p}:1: bytes are not valid utf-8") from None
        missing = [c for c in columns if c not in header]
        if missing:
            raise CorpusError(f"{p}:1: header has no column {', '.join(map(repr, missing))} "
                              f"(found {', '.join(header)}; expected {', '.join(columns)})")
        iu, ii, it = (header.index(c) for c in columns)
        width = max(iu, ii, it)
        try:
            for row in reader:
                n = reader.line_num
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) <= width:
                    raise CorpusError(f"{p}:{n}: expected {len(header)} fields, found {len(row)}")
                user, item = row[iu].strip(), row[ii].strip()
                if not user or not item:
                    raise CorpusError(f"{p}:{n}: empty user or item")
                yield user, item, _parse_time(row[it].strip(), f"{p}:{n}")
        except UnicodeDecodeError:
            raise CorpusError(f"{p}:{reader.line_num + 1}: bytes are not valid utf-8") from None


def _parquet_rows(p: Path, columns: tuple[str, str, str]) -> Iterator[tuple[str, str, float]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(p)
    except Exception as e:  # pyarrow raises several kinds for a damaged file
        raise CorpusError(f"{p}: not a readable Parquet file ({e})") from None
    missing = [c for c in columns if c not in table.column_names]
    if missing:
        raise CorpusError(f"{p}: no column {', '.join(map(repr, missing))} "
                          f"(found {', '.join(table.column_names)})")
    users, items, times = (table.column(c).to_pylist() for c in columns)
    for row, (u, i, t) in enumerate(zip(users, items, times)):
        if u is None or i is None or t is None:
            raise CorpusError(f"{p}: row {row}: missing user, item or timestamp")
        t = t.timestamp() if isinstance(t, datetime) else _parse_time(str(t), f"{p}: row {row}")
        yield str(u), str(i), t


def read_events(path: str | os.PathLike, user: str = "user", item: str = "item",
                timestamp: str = "timestamp") -> list[History]:
    """Read a CSV or Parquet event log into one time-ordered :class:`History` per user.

    Ties in time keep the file's order (a stable sort), so logs written in order stay in order.
    """
    p = check_readable(path, "event log")
    columns = (user, item, timestamp)
    rows = _parquet_rows(p, columns) if p.suffix.lower() in (".parquet", ".pq") else _csv_rows(p, columns)
    by_user: dict[str, list[tuple[float, str]]] = {}
    for u, i, t in rows:
        by_user.setdefault(u, []).append((t, i))
    if not by_user:
        raise CorpusError(f"{p}: no events found")
    out = []
    for u, events in by_user.items():
        events.sort(key=lambda e: e[0])
        out.append(History(u, [i for _, i in events], [t for t, _ in events]))
    return out


def load_histories(path: str | os.PathLike) -> list[History]:
    """Sessions-a-line text or an event log (by extension: ``.csv``, ``.parquet``), as histories."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    if ".csv" in suffixes or ".parquet" in suffixes or ".pq" in suffixes:
        return read_events(p)
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
                   min_length: int = 3) -> Split:
    """Hold out each user's last item (test) and the one before (validation).

    Users with fewer than ``min_length`` items only contribute to training. Training sessions are
    cut with ``gap_minutes`` when the histories have times.
    """
    if min_length < 3:
        raise CorpusError(f"min_length must be at least 3 (train, validation, test), got {min_length}")
    train, train_full, validation, test = [], [], [], []
    for h in histories:
        n = len(h.items)
        if n < min_length:
            train.extend(sessions_of(h, gap_minutes))
            train_full.extend(sessions_of(h, gap_minutes))
            continue
        train.extend(sessions_of(_truncate(h, n - 2), gap_minutes))
        train_full.extend(sessions_of(_truncate(h, n - 1), gap_minutes))
        validation.append(Case(h.user, _context(h, n - 2, gap_minutes), h.items[n - 2]))
        test.append(Case(h.user, _context(h, n - 1, gap_minutes), h.items[n - 1]))
    if not test:
        raise CorpusError(f"no user has at least {min_length} items: nothing to hold out")
    return Split(train, train_full, validation, test)


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
