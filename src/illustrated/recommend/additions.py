"""Items added to a running service (``POST /items``), and the journal that keeps them.

An item added while serving is a cold item placed by its attributes
(:meth:`~.cold.ColdItems.add_item`): it answers at once. :class:`Additions` remembers every one,
so that a reload of the model file (SIGHUP) carries them over to the re-read model — an
:meth:`~.live.LiveModel.after_load` hook adds each item the new file does not already hold.

With a journal (``recommend serve --items-file PATH``) every addition is also appended to a file
of JSON lines, flushed to disk before the request is answered:

* a restart reads the journal back, so added items outlive the process;
* with several workers (``--workers N``) each worker serves its own copy of the catalogue, and
  an addition reaches the worker that took the request only — so every worker reads the lines
  the others appended before it answers a request (one ``stat`` a request when nothing changed),
  and an item added through one worker is answered by all of them from the next request on;
* writers take an exclusive lock on the file, read what the others wrote, check the id is new,
  append, then apply: two workers never add the same id twice.

Without a journal, additions live in memory: they survive a SIGHUP reload but not a restart, and
with several workers they would reach one worker only, so ``serve`` refuses that combination.
Every line is checked as a request body is (:class:`NewItem`): a damaged journal is a one-line
error naming its line at start, and a line that fails later is logged and skipped.
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import time
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ..errors import ConfigError, FormatError
from ..files import fsync_folder
from ..json_api import Text, check_unicode

__all__ = ["NewItem", "JournalLine", "Additions", "check_addable", "MAX_ID_CHARS", "MAX_FIELDS", "MAX_VALUES"]

log = logging.getLogger("illustrated.service")

MAX_ID_CHARS = 256        # an item id's length
MAX_NAME_CHARS = 1000     # an item name's length
MAX_FIELDS = 64           # attribute fields of one item
MAX_VALUES = 256          # attribute values of one item, all fields together
MAX_TEXT_CHARS = 1000     # one attribute value, or a field name


def _no_control(value: str) -> str:
    bad = next((c for c in value if ord(c) < 32 or ord(c) == 127), None)
    if bad is not None:
        raise ValueError(f"holds a control character (U+{ord(bad):04X})")
    return value


def _item_id(value: str) -> str:
    if value != value.strip():
        raise ValueError("has whitespace around it (it is not part of an id)")
    return _no_control(value)


def _value(field: str, value):
    """One attribute value checked: text (valid Unicode, no control characters, at most
    :data:`MAX_TEXT_CHARS`), an integer, or a finite number."""
    if isinstance(value, str):
        if len(value) > MAX_TEXT_CHARS:
            raise ValueError(f"{field!r}: a value of {len(value)} characters; at most "
                             f"{MAX_TEXT_CHARS} are accepted")
        try:
            return _no_control(check_unicode(value))
        except ValueError as e:
            raise ValueError(f"{field!r}: a value {e}") from None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise ValueError(f"{field!r}: expected text, a number or a list of them, got {value!r}")


def _attributes(attributes):
    """Field → value(s), bounded: at most :data:`MAX_FIELDS` fields and :data:`MAX_VALUES`
    values in all (an integer stays one: a field of codes such as 2 reads ``field=2``)."""
    if not isinstance(attributes, dict):
        raise ValueError("expected an object of field → value(s)")
    if len(attributes) > MAX_FIELDS:
        raise ValueError(f"holds {len(attributes)} fields; at most {MAX_FIELDS} are accepted")
    out, count = {}, 0
    for name, value in attributes.items():
        if not name.strip() or len(name) > MAX_TEXT_CHARS:
            raise ValueError(f"field name {name[:40]!r}: expected 1 to {MAX_TEXT_CHARS} characters")
        try:
            _no_control(check_unicode(name))
        except ValueError as e:
            raise ValueError(f"field name {name[:40]!r} {e}") from None
        values = value if isinstance(value, list) else [value]
        count += len(values)
        if count > MAX_VALUES:
            raise ValueError(f"holds more than {MAX_VALUES} values; at most {MAX_VALUES} are accepted")
        checked = [_value(name, v) for v in values]
        out[name] = checked if isinstance(value, list) else checked[0]
    return out


class NewItem(BaseModel):
    """An item to add: its id, an optional name and its attributes (field → a value, a list of
    values, or ``|``-separated values, as in the attributes file; numbers for numeric fields)."""

    model_config = ConfigDict(extra="forbid")
    id: Annotated[Text, Field(min_length=1, max_length=MAX_ID_CHARS), AfterValidator(_item_id)]
    name: Annotated[Text, Field(max_length=MAX_NAME_CHARS)] | None = None
    attributes: Annotated[dict, BeforeValidator(_attributes)] = Field(default_factory=dict)

    def record(self) -> dict:
        """The journal's line for it (JSON)."""
        return {"id": self.id, "name": self.name, "attributes": self.attributes,
                "time": round(time.time(), 3)}


class JournalLine(NewItem):
    """A line of the journal: an added item and when it was added (Unix time)."""

    time: float | None = None


class Additions:
    """The items added to ``live`` (a :class:`~.live.LiveModel`) while serving, in order, kept in
    the journal at ``path`` when one is given (read back at once)."""

    def __init__(self, live, path: str | os.PathLike | None = None) -> None:
        self.live = live
        self.path = None if path is None else Path(path)
        self.items: dict[str, NewItem] = {}   # id → item, in the order added
        self.results: dict[str, object] = {}  # id → AddedItem, as the served model placed it
        self.offset = self.lines = 0          # bytes and lines of the journal read
        self.size = -1                        # its size when last looked at
        if self.path is not None:
            self._start_journal()
        live.after_load(self.replay)

    # ---- adding --------------------------------------------------------------------------------
    def add(self, item: NewItem):
        """Add ``item`` to the served model (and the journal); returns the
        :class:`~.cold.AddedItem`. An id the catalogue holds is a :class:`ConfigError`."""
        def change(rec):
            with self._locked(fcntl.LOCK_EX) as journal:
                self._read(journal, rec)
                check_addable(rec, item.id)
                if journal is not None:
                    self._cut_unfinished(journal)   # no writer holds the lock: a dead one's
                    _append(journal, item.record())
                    self.offset = self.size = journal.tell()
                    self.lines += 1
                self.items[item.id] = item
                self.results[item.id] = _apply(rec, item)
        self.live.edit(change)
        return self.results[item.id]

    def sync(self) -> None:
        """Apply what other processes appended to the journal since it was last read (nothing
        to do, and one ``stat``, when it has not grown)."""
        if self.path is None:
            return
        try:
            size = self.path.stat().st_size
        except OSError:
            return
        if size != self.size:
            def change(rec):
                with self._locked(fcntl.LOCK_SH) as journal:
                    self._read(journal, rec)
            self.live.edit(change)

    def replay(self, rec):
        """The reload hook: add to a freshly read model every added item it does not hold (an
        item the new file holds — trained since, say — keeps the file's vector). Lines the
        journal gained meanwhile are added too, but left for :meth:`sync` to read, so a reload
        refused after this hook loses nothing."""
        with self._locked(fcntl.LOCK_SH) as journal:
            pending = [item for _, item in self._parse(journal, False)[0]] if journal else []
        for item in [*self.items.values(), *pending]:
            if item.id in rec.vectors.key_to_index:
                if item.id in self.items:
                    log.info(f"added item {item.id!r} is in the reloaded model: the model's "
                             "vector stands")
                continue
            self.results[item.id] = _apply(rec, item)
        return rec

    # ---- the journal ---------------------------------------------------------------------------
    def _start_journal(self) -> None:
        """Read the journal at start (creating it); an unfinished last line (a write cut by a
        crash, never answered) is removed; a bad line is a :class:`FormatError` naming it."""
        try:
            new = not self.path.exists()
            with self._locked(fcntl.LOCK_EX) as journal:
                if new:                      # the journal's entry in its folder is on disk too
                    fsync_folder(self.path.parent)
                self._cut_unfinished(journal)
                self.live.edit(lambda rec: self._read(journal, rec, strict=True))
        except OSError as e:
            raise ConfigError(f"{self.path}: cannot use as the items file ({e.strerror or e})") from None

    def _locked(self, mode: int):
        return _Locked(self.path, mode)

    def _cut_unfinished(self, journal) -> None:
        """Remove a last line without its end (call with the exclusive lock held, after
        :meth:`_read`: no writer is at work, so it was left by one that died)."""
        journal.seek(0, os.SEEK_END)
        size = journal.tell()
        journal.seek(self.offset)
        tail = journal.read()
        cut = self.offset + tail.rfind(b"\n") + 1
        if cut < size:
            log.warning(f"{self.path}: removing an unfinished last line ({size - cut} bytes) left "
                        "by an interrupted write")
            journal.truncate(cut)

    def _parse(self, journal, strict: bool) -> tuple[list[tuple[int, "JournalLine"]], int, int, int]:
        """The items of the journal's complete lines past :attr:`offset` (with their line
        numbers), how many bytes and lines those take, and the journal's size. A bad line is a
        :class:`FormatError` when ``strict``, else logged and skipped."""
        journal.seek(self.offset)
        data = journal.read()
        end = data.rfind(b"\n") + 1          # a line still being written waits for its end
        items = []
        for line_no, raw in enumerate(data[:end].splitlines(), self.lines + 1):
            try:
                items.append((line_no, JournalLine.model_validate_json(raw)))
            except ValidationError as e:
                where = f"{self.path}:{line_no}"
                if strict:
                    raise FormatError(f"{where}: not an added item ({_first_error(e)})") from None
                log.error(f"{where}: skipped, not an added item ({_first_error(e)})")
        return items, end, data[:end].count(b"\n"), self.offset + len(data)

    def _read(self, journal, rec, strict: bool = False) -> None:
        """Read the journal's complete lines past :attr:`offset`, remembering each item and
        adding it to ``rec`` (when it is not there yet)."""
        if journal is None:
            return
        items, end, lines, size = self._parse(journal, strict)
        for line_no, item in items:
            self.items[item.id] = item
            if item.id not in rec.vectors.key_to_index:
                try:
                    self.results[item.id] = _apply(rec, item)
                except ConfigError as e:
                    if strict:
                        raise ConfigError(f"{self.path}:{line_no}: {e}") from None
                    log.error(f"{self.path}:{line_no}: skipped ({e})")
        self.lines += lines
        self.offset += end
        self.size = size


class _Locked:
    """The journal opened for reading and appending under an ``flock`` (None without one)."""

    def __init__(self, path: Path | None, mode: int) -> None:
        self.path, self.mode, self.file = path, mode, None

    def __enter__(self):
        if self.path is None:
            return None
        self.file = open(self.path, "a+b")
        fcntl.flock(self.file.fileno(), self.mode)
        self.file.seek(0)
        return self.file

    def __exit__(self, *exc) -> None:
        if self.file is not None:
            fcntl.flock(self.file.fileno(), fcntl.LOCK_UN)
            self.file.close()


def check_addable(rec, item: str) -> None:
    """Refuse, before anything changes, an item the model cannot take: a model trained without
    attributes, or an id it already holds."""
    if rec.side is None or rec.side.schema is None:
        raise ConfigError("this model was trained without attributes: it cannot place a new item "
                          "(train with --attributes)")
    if item in rec.vectors.key_to_index:
        raise ConfigError(f"item {item!r} is already in the catalogue")


def _apply(rec, item: NewItem):
    return rec.add_item(item.id, item.name, item.attributes)


def _append(journal, record: dict) -> None:
    """Append one line and put it on disk before the addition is answered."""
    journal.seek(0, os.SEEK_END)
    journal.write(json.dumps(record, ensure_ascii=False, allow_nan=False).encode("utf-8") + b"\n")
    journal.flush()
    os.fsync(journal.fileno())


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(x) for x in err.get("loc", ())) or "line"
    return f"{where}: {err.get('msg', 'invalid')}"

