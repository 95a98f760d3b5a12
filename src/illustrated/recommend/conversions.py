"""Conversions: what a session ended in (a booking, a purchase), trained as its global context.

``--conversions`` takes either an event-type column of the event log and the values that mark a
conversion — ``event=purchase`` or ``event_type=purchase|booking`` — or a file of
``session<TAB>item`` lines (a header line is allowed; commas work too), where the session is the
log's session or user id (for sessions one a line: the line number, from 1).

A session's *goals* (:func:`session_goals`) are the converted items of its history that occur in
it; a converted item that occurs nowhere in the history's events (a purchase recorded apart from
the clicks) is a goal of the history's last session. Items held out of training never occur in
training sessions, and are never goals there either.

Conversions also count in the sequential rules (:func:`conversion_rules`): every item of a session
gets a rule to each item the session converted to, as strong as a rule to the item right after it
(on the generated booking log the bookings lie beyond the rules' reach of the first clicks).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from ..errors import CorpusError
from ..files import check_readable, open_binary
from . import columns as col
from .events import EventColumns, History
from .sessions import Split, is_event_log, sessions_of

__all__ = ["read_conversions", "session_goals", "split_goals", "conversion_rules"]


def read_conversions(spec: str, log: Path, columns: EventColumns | None = None,
                     line_numbers: bool = False) -> dict[str, list[str]]:
    """History id → its converted items (each once, in order), from ``spec`` (see the module).
    ``line_numbers``: the log is sessions one a line, whose ids are 0-based line numbers."""
    path = Path(spec)
    if "=" in spec and not path.exists():
        column, _, values = spec.partition("=")
        wanted = {v.strip() for v in values.split("|") if v.strip()}
        if not column.strip() or not wanted:
            raise CorpusError(f"--conversions {spec!r}: expected COLUMN=VALUE[|VALUE…], e.g. "
                              "event=purchase, or a file of session<TAB>item lines")
        if not is_event_log(log):
            raise CorpusError(f"--conversions {spec!r} names an event-type column, but {log} is "
                              "read as sessions, one a line: give a file of session<TAB>item")
        return _from_log(log, columns or EventColumns(), column.strip(), wanted)
    return _from_file(check_readable(path, "conversions file"), line_numbers)


def _from_log(log: Path, columns: EventColumns, column: str, wanted: set[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with open_binary(log) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            first = text.readline()
            rows = col.split_rows(itertools.chain([first], text), col.sniff_delimiter(first), str(log))
            _, header = next(rows)
            u, i, _, _ = columns.positions(header, f"{log}:1")
            e = col.find_column(header, (), column, "event type", f"{log}:1", "--conversions")
            for n, row in rows:
                if not row or all(not c.strip() for c in row):
                    continue
                if len(row) <= max(u, i, e):
                    raise CorpusError(f"{log}:{n}: expected {len(header)} fields, found {len(row)}")
                if row[e].strip() in wanted:
                    items = out.setdefault(row[u].strip(), [])
                    if row[i].strip() not in items:
                        items.append(row[i].strip())
        except UnicodeDecodeError:
            raise CorpusError(f"{log}: bytes are not valid utf-8") from None
    if not out:
        raise CorpusError(f"{log}: no event has {column} = {' or '.join(sorted(wanted))}: no "
                          "conversion found")
    return out


def _from_file(path: Path, line_numbers: bool) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    with open_binary(path) as raw:
        try:
            lines = raw.read().decode("utf-8-sig").splitlines()
        except UnicodeDecodeError:
            raise CorpusError(f"{path}: bytes are not valid utf-8") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split("\t" if "\t" in line else ",")]
        if len(fields) != 2 or not all(fields):
            raise CorpusError(f"{path}:{n}: expected a session and an item (session<TAB>item), "
                              f"found {len(fields)} field(s)")
        session, item = fields
        if n == 1 and not any(c.isdigit() for c in line) and col.normal(item) in map(col.normal, col.ID):
            continue   # a header line
        if line_numbers:
            if not session.isdigit() or int(session) < 1:
                raise CorpusError(f"{path}:{n}: column 1: session {session!r} is not a line "
                                  "number of the sessions file (counting from 1)")
            session = str(int(session) - 1)
        items = out.setdefault(session, [])
        if item not in items:
            items.append(item)
    if not out:
        raise CorpusError(f"{path}: no conversions found (expected session<TAB>item lines)")
    return out


def session_goals(history: History, sessions: Sequence[list[str]],
                  conversions: dict[str, list[str]]) -> list[list[str]]:
    """The goals of each of ``sessions`` (cut from ``history``; see the module)."""
    converted = conversions.get(history.user, [])
    if not converted:
        return [[] for _ in sessions]
    everywhere = set(history.items)
    goals = [[c for c in converted if c in set(s)] for s in sessions]
    if sessions:
        goals[-1] += [c for c in converted if c not in everywhere and c not in goals[-1]]
    return goals


def split_goals(histories: Sequence[History], split: Split, conversions: dict[str, list[str]],
                gap_minutes: float | None, n: int, validation: int) -> tuple[list, list]:
    """Goals parallel to ``split.train`` and ``split.train_full`` of
    :func:`~.sessions.leave_last_out` (its histories, cut the way it cuts them)."""
    from .sessions import _truncate

    held = n + validation
    train, full = [], []
    for h in histories:
        size = len(h.items)
        short = size < held + 1
        parts = {"train": sessions_of(h if short else _truncate(h, size - held), gap_minutes),
                 "full": sessions_of(h if short else _truncate(h, size - n), gap_minutes)}
        train += session_goals(h, parts["train"], conversions)
        full += session_goals(h, parts["full"], conversions)
    if len(train) != len(split.train) or len(full) != len(split.train_full):
        raise CorpusError("conversions: the training sessions could not be matched to their "
                          "histories")
    return train, full


def conversion_rules(sessions: Sequence[Sequence[str]], goals: Sequence[Sequence[str]],
                     key_to_index: dict[str, int]) -> sparse.csr_matrix:
    """float32 CSR ``[n, n]``: weight 1 from every item of a session to each of its goals, summed
    over sessions (to be added to :func:`~.rules.session_rules`)."""
    rows: list[int] = []
    cols: list[int] = []
    for session, targets in zip(sessions, goals):
        for goal in targets:
            g = key_to_index.get(goal)
            if g is None:
                continue
            items = {key_to_index[i] for i in session if i in key_to_index} - {g}
            rows += items
            cols += [g] * len(items)
    n = len(key_to_index)
    return sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n, n))
