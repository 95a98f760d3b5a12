"""Event logs with their own column names: CSV/TSV or Parquet → one time-ordered history per user.

Real logs name their columns in many ways (MovieLens ``ratings.csv``: ``userId,movieId,rating,
timestamp``; others ``user_id``, ``session_id``, ``product_id``, ``time``). :class:`EventColumns`
finds the user (or session), item, time and rating columns by their common names
(:mod:`.columns`), or takes the names the user gives. A log without a time column keeps each
user's events in the file's order (its histories carry no times). A header-less file of numbers
is read in MovieLens order: ``user item timestamp`` or ``user item rating timestamp``
(``u.data``, ``ratings.dat``); a third column that is not a Unix time (a rating, most likely)
is refused rather than read as the time. Explicit feedback can be filtered by rating (``min_rating``). Any bad value is a
one-line :class:`CorpusError` naming the file, the line and the column.
"""

from __future__ import annotations

import io
import itertools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import ConfigError, CorpusError
from ..files import check_readable, open_binary
from . import columns as col

__all__ = ["History", "EventColumns", "read_events", "EVENT_SUFFIXES"]

EVENT_SUFFIXES = (".csv", ".tsv", ".dat", ".data", ".parquet", ".pq")


@dataclass
class History:
    """One user's items in time order; ``times`` (seconds) is None for sessions-a-line input
    and for an event log without a time column (its items are then in the file's order)."""

    user: str
    items: list[str]
    times: list[float] | None = None


@dataclass
class EventColumns:
    """Which columns of an event log to read (None: find them by their usual names).

    Args:
        user, item, time: column names; ``user`` may be a session id.
        rating: the rating column (found by its usual names when ``min_rating`` is set).
        min_rating: keep only events rated at least this (explicit feedback); None keeps all.
    """

    user: str | None = None
    item: str | None = None
    time: str | None = None
    rating: str | None = None
    min_rating: float | None = None

    def __post_init__(self) -> None:
        if self.min_rating is not None and math.isnan(self.min_rating):
            # every comparison with NaN is false: no event would be filtered out
            raise ConfigError("--min-rating must be a number, got nan")

    def positions(self, header: list[str], where: str) -> tuple[int, int, int | None, int | None]:
        """Positions of the user, item, time (None: the log has none) and (when needed) rating
        columns in ``header``."""
        u = col.find_column(header, col.USER, self.user, "user (or session)", where, "--user-col")
        i = col.find_column(header, col.ITEM, self.item, "item", where, "--item-col")
        t = col.find_column(header, col.TIME, self.time, "timestamp", where, "--time-col", required=False)
        r = None
        if self.min_rating is not None or self.rating is not None:
            r = col.find_column(header, col.RATING, self.rating, "rating", where, "--rating-col")
        return u, i, t, r


def _parse_time(value: str, where: str) -> float:
    try:
        t = float(value)
    except ValueError:
        pass
    else:
        if not math.isfinite(t):  # NaN would leave the user's events in no order at all
            raise CorpusError(f"{where}: timestamp {value!r} is not a finite number")
        return t
    iso = value
    if iso.upper().endswith((" UTC", " GMT")):  # "2019-10-01 00:00:00 UTC" (Kaggle e-commerce logs)
        iso = iso[:-4] + "+00:00"
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        raise CorpusError(f"{where}: timestamp {value!r} is neither a number nor an ISO 8601 "
                          "date") from None


def _rating(value: str, where: str) -> float:
    try:
        r = float(value)
    except ValueError:
        raise CorpusError(f"{where}: rating {value!r} is not a number") from None
    if math.isnan(r):  # compares as neither above nor below --min-rating
        raise CorpusError(f"{where}: rating {value!r} is not a number")
    return r


def _headerless(first: list[str], cols: EventColumns, p: Path) -> tuple[int, int, int, int | None]:
    """MovieLens order for a header-less file of numbers (``u.data``, ``ratings.dat``)."""
    named = [o for o, v in (("--user-col", cols.user), ("--item-col", cols.item),
                            ("--time-col", cols.time), ("--rating-col", cols.rating)) if v]
    if named:
        raise CorpusError(f"{p}:1: the file has no header line, so {', '.join(named)} cannot name "
                          "a column (add a header, or leave the columns in MovieLens order)")
    if len(first) not in (3, 4):
        raise CorpusError(f"{p}:1: no header line and {len(first)} columns; expected a header, or "
                          "user,item,timestamp or user,item,rating,timestamp in that order")
    if len(first) == 3 and not 1e8 <= float(first[2]) < 1e19:   # 1973 to 5138 in s, or in ms, µs, ns
        # most likely user,item,rating: ordered by the rating, the histories would be garbage
        raise CorpusError(f"{p}:1: no header line, and the third field {first[2].strip()!r} is not a "
                          "Unix time; a header-less log holds user,item,timestamp or "
                          "user,item,rating,timestamp. Otherwise add a header line naming the columns "
                          "(e.g. user,item,rating: without a time column each user's events keep the "
                          "file's order)")
    if len(first) == 3:
        if cols.min_rating is not None:
            raise CorpusError(f"{p}:1: no header line and 3 columns (user, item, timestamp): no "
                              "rating to filter with --min-rating")
        return 0, 1, 2, None
    return 0, 1, 3, 2 if cols.min_rating is not None else None


def _check_header(header: list[str], p: Path) -> None:
    """Refuse a first line of data taken for a header (``1,2014-04-07T10:51:09Z,214536502``):
    its values would be matched as column names."""
    numbers = [h for h in header if col.looks_numeric([h])]
    if numbers:
        raise CorpusError(f"{p}:1: the first line looks like data, not a header (it holds the "
                          f"number {numbers[0]!r}); add a header line naming the columns (e.g. "
                          "user_id,item_id,timestamp), or give a header-less log as numbers "
                          "only: user,item[,rating],timestamp")


def _csv_rows(p: Path, cols: EventColumns) -> Iterator[tuple[str, str, float | None]]:
    with open_binary(p) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")  # -sig: drop a BOM
        try:
            first_line = text.readline()
            if not first_line.strip():
                raise CorpusError(f"{p}: empty event log (expected a header line)")
            delimiter = col.sniff_delimiter(first_line)
            rows = col.split_rows(itertools.chain([first_line], text), delimiter, str(p))
            _, first = next(rows)
            header = [h.strip() for h in first]
            headerless = col.looks_numeric(header)
            if headerless:
                iu, ii, it, ir = _headerless(header, cols, p)
                rows = itertools.chain([(1, first)], rows)
                header = ["user", "item", "rating", "timestamp"] if len(header) == 4 else \
                    ["user", "item", "timestamp"]
            else:
                _check_header(header, p)
                iu, ii, it, ir = cols.positions(header, f"{p}:1")
            width = max(x for x in (iu, ii, it, ir) if x is not None)
            for n, row in rows:
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) <= width or (headerless and len(row) != len(header)):
                    # without a header, a ragged file is more likely sessions than a log
                    hint = ("; no header line, so read as user, item, [rating,] timestamp (sessions, "
                            "one a line, go in a .txt file)") if headerless else ""
                    raise CorpusError(f"{p}:{n}: expected {len(header)} fields, found {len(row)}{hint}")
                user, item = row[iu].strip(), row[ii].strip()
                if not user or not item:
                    raise CorpusError(f"{p}:{n}: empty {header[iu] if not user else header[ii]!r}")
                if ir is not None and \
                        _rating(row[ir].strip(), f"{p}:{n}: column {header[ir]!r}") < cols.min_rating:
                    continue
                yield user, item, None if it is None else \
                    _parse_time(row[it].strip(), f"{p}:{n}: column {header[it]!r}")
        except UnicodeDecodeError:
            raise CorpusError(f"{p}: bytes are not valid utf-8") from None


def _parquet_rows(p: Path, cols: EventColumns) -> Iterator[tuple[str, str, float | None]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(p)
    except Exception as e:  # pyarrow raises several kinds for a damaged file
        raise CorpusError(f"{p}: not a readable Parquet file ({e})") from None
    header = list(table.column_names)
    positions = cols.positions(header, str(p))
    names = [header[i] if i is not None else None for i in positions]
    users, items = (table.column(c).to_pylist() for c in names[:2])
    times, ratings = ((table.column(c).to_pylist() if c else itertools.repeat(None)) for c in names[2:])
    for row, (u, i, t, r) in enumerate(zip(users, items, times, ratings)):
        if u is None or i is None or (t is None and names[2] is not None):
            raise CorpusError(f"{p}: row {row}: missing {names[0]!r}, {names[1]!r} or {names[2]!r}")
        if names[3] is not None:
            if _rating(str(r), f"{p}: row {row}: column {names[3]!r}") < cols.min_rating:
                continue
        if t is not None:
            t = t.timestamp() if isinstance(t, datetime) else \
                _parse_time(str(t), f"{p}: row {row}: column {names[2]!r}")
        yield str(u), str(i), t


def read_events(path: str | os.PathLike, columns: EventColumns | None = None) -> list[History]:
    """Read a CSV/TSV or Parquet event log into one time-ordered :class:`History` per user.

    Ties in time keep the file's order (a stable sort), so logs written in order stay in order;
    a log without a time column keeps every user's events in the file's order, and its histories
    carry no times (``times`` is None).
    Times are in seconds: Unix times in milliseconds, microseconds or nanoseconds (every one past
    the year 5000 as seconds; RetailRocket, many app logs) are scaled to seconds, so that a
    session gap in minutes means minutes.
    """
    p = check_readable(path, "event log")
    cols = columns or EventColumns()
    parquet = any(s.lower() in (".parquet", ".pq") for s in p.suffixes)
    rows = _parquet_rows(p, cols) if parquet else _csv_rows(p, cols)
    by_user: dict[str, list[tuple[float, str]]] = {}
    for u, i, t in rows:
        by_user.setdefault(u, []).append((t, i))
    if not by_user:
        kept = f" rated at least {cols.min_rating:g}" if cols.min_rating is not None else ""
        raise CorpusError(f"{p}: no events{kept} found")
    if next(iter(by_user.values()))[0][0] is None:   # no time column: the file's order
        return [History(u, [i for _, i in events]) for u, events in by_user.items()]
    scale = _to_seconds(min(t for events in by_user.values() for t, _ in events))
    out = []
    for u, events in by_user.items():
        events.sort(key=lambda e: e[0])
        out.append(History(u, [i for _, i in events], [t * scale for t, _ in events]))
    return out


def _to_seconds(earliest: float) -> float:
    """The factor turning a log's times into seconds, from its earliest time: 1, or 1e-3, 1e-6,
    1e-9 for Unix times in milli-, micro- or nanoseconds (past 1e11 s, the year 5138, as
    seconds)."""
    scale = 1.0
    while earliest * scale >= 1e11 and scale > 1e-9:
        scale /= 1000.0
    return scale
