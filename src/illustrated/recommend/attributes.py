"""Item attributes: the side information a catalogue comes with, as named attribute values.

:func:`read_attributes` reads a file with an item id column and attribute columns — CSV (with
quoting), TSV, ``;``- or ``|``-separated, UTF-8 or latin-1 — into :class:`ItemAttributes`: each
item's values named ``field=value`` (``genres=Comedy``), the vocabulary EGES trains a row for.

* By default every column but the id (found by its usual names, else the first column) and a
  name or title column is an attribute; ``columns`` names them instead.
* Multi-valued fields are split on ``|`` (MovieLens ``genres``: ``Comedy|Romance``), unless ``|``
  separates the columns; a value repeated within an item counts once, and an item given on
  several rows gets the union of its values.
* Empty values and the usual markers of a missing one (``NA``, ``null``, ``unknown``,
  ``(no genres listed)``…) are no value.
* **Numbers are bucketed** by equal-frequency (quantile) cuts over the items: a column whose
  values are all numbers (and whose name does not say it is a code: ``…id``, ``category``,
  ``brand``, ``city``…) with more than ``buckets`` distinct values gets at most ``buckets``
  buckets, named by their range (``year=[1993,1995)``); the cuts are kept, so a new item's number
  falls into the same buckets.
* A categorical column whose values are (nearly) all different (a URL, a description) carries
  nothing items share: it is skipped unless named in ``columns``.
* MovieLens comes as it is: 100K's ``u.item`` (``id|title|date|…|19 genre flags``, no header;
  the genre names from ``u.genre`` beside it) gives ``genre`` and the release ``year``;
  ``movies.csv`` / ``movies.dat`` give ``genres``, and a ``year`` from titles ending in
  ``(1995)`` when no column holds one.

Every problem is one line naming the file, the line and the column.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import CorpusError, FormatError
from ..files import check_readable
from . import columns as col
from .names import _text

__all__ = ["ItemAttributes", "AttributeSchema", "read_attributes", "BUCKETS", "MISSING"]

BUCKETS = 10
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "unknown", "(no genres listed)", "-",
                     "?"})
#: Name endings of columns holding codes, never bucketed even when they are numbers.
CODES = ("id", "code", "category", "categories", "brand", "shop", "store", "seller", "merchant",
         "artist", "author", "city", "market", "country", "region", "zip", "postcode", "genre",
         "genres", "tag", "tags", "type", "class", "group", "language", "director", "studio",
         "label", "channel", "department")
_NEAR_UNIQUE = 0.95
ML100K_GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                 "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                 "Romance", "Sci-Fi", "Thriller", "War", "Western")
_TITLE_YEAR = re.compile(r"\((\d{4})\)\s*$")


@dataclass
class AttributeSchema:
    """How raw attribute values become value names: the fields in file order and, for numeric
    fields, the ascending bucket cuts (a number ``x`` falls in bucket ``searchsorted(cuts, x,
    'right')``)."""

    fields: list[str]
    cuts: dict[str, list[float]] = field(default_factory=dict)

    def label(self, name: str, value: object) -> str | None:
        """The value name of one raw value of field ``name`` (None for a missing one); a numeric
        field's value must be a finite number (else :class:`ValueError`)."""
        text = str(value).strip()
        if text.casefold() in MISSING:
            return None
        cuts = self.cuts.get(name)
        if cuts is None:
            return f"{name}={text}"
        x = float(text)
        if not math.isfinite(x):
            raise ValueError(f"{text!r} is not a finite number")
        i = int(np.searchsorted(cuts, x, side="right"))
        lo = f"{cuts[i - 1]:g}" if i > 0 else "-inf"
        hi = f"{cuts[i]:g}" if i < len(cuts) else "inf"
        return f"{name}=[{lo},{hi})"

    def values(self, raw: Mapping[str, object]) -> tuple[list[str], list[str]]:
        """Value names of one item's raw attributes (field → a value, a list of values or a
        ``|``-separated string), and what could not be read: fields the schema does not know and
        numbers that are not numbers."""
        names: list[str] = []
        problems: list[str] = []
        for name, value in raw.items():
            if name not in self.fields:
                problems.append(f"unknown field {name!r}")
                continue
            items = value if isinstance(value, (list, tuple)) else str(value).split("|")
            for v in items:
                try:
                    label = self.label(name, v)
                except ValueError:
                    problems.append(f"{name}: {str(v)!r} is not a number")
                    continue
                if label is not None and label not in names:
                    names.append(label)
        return names, problems

    def to_dict(self) -> dict:
        return {"fields": list(self.fields), "cuts": {k: list(v) for k, v in self.cuts.items()}}

    @classmethod
    def from_dict(cls, data: object, where: str) -> "AttributeSchema":
        """A schema from a model file, checked (a damaged one is a :class:`FormatError`)."""
        try:
            fields = [str(f) for f in data["fields"]]
            cuts = {str(k): [float(x) for x in v] for k, v in data["cuts"].items()}
        except (TypeError, KeyError, ValueError, AttributeError):
            raise FormatError(f"{where}: damaged attribute schema") from None
        if any(k not in fields or not all(map(math.isfinite, v)) or v != sorted(v)
               for k, v in cuts.items()):
            raise FormatError(f"{where}: damaged attribute schema (bucket cuts)")
        return cls(fields, cuts)


@dataclass
class ItemAttributes:
    """Attributes read from a file: the schema, and each item's value names (each once)."""

    schema: AttributeSchema
    items: dict[str, list[str]]
    path: str = ""
    skipped: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)

    def field_of(self, name: str) -> dict[str, str]:
        """Item → its (first) value of field ``name`` without the field's prefix (the market of
        each item when ``name`` is the market column); items without one are absent."""
        if name not in self.schema.fields:
            raise CorpusError(f"{self.path}: no attribute column {name!r} (attributes: "
                              f"{', '.join(self.schema.fields)})")
        prefix = f"{name}="
        out = {}
        for item, values in self.items.items():
            for v in values:
                if v.startswith(prefix):
                    out[item] = v[len(prefix):]
                    break
        return out


def read_attributes(path: str | os.PathLike, columns: Sequence[str] | None = None,
                    id_col: str | None = None, buckets: int = BUCKETS) -> ItemAttributes:
    """Read an attribute file (see the module); ``columns`` names the attribute columns."""
    p = check_readable(path, "attributes file")
    lines = _text(p).splitlines(keepends=True)
    if not lines or not lines[0].strip():
        raise CorpusError(f"{p}: empty attributes file (expected an item id column and attribute "
                          "columns)")
    delimiter = col.sniff_delimiter(lines[0])
    rows = [(n, r) for n, r in col.split_rows(lines, delimiter, str(p))
            if r and any(c.strip() for c in r)]
    header, data, id_at, name_at = _layout(p, rows, delimiter)
    if header is None:   # MovieLens 100K u.item
        raw, lines_of = _movielens_100k(p, data)
        name_at, wanted = 1, ["genre", "year"]
    else:
        if id_col is not None:
            id_at = col.find_column(header, (), id_col, "item id", f"{p}:1", "--attributes-id-col")
        wanted = _wanted(p, header, columns, id_at, name_at)
        raw, lines_of = _raw_values(p, data, header, id_at, wanted, delimiter != "|")
    titles = {r[id_at].strip(): r[name_at].strip() for _, r in data if name_at is not None
              and len(r) > max(id_at, name_at)}
    if not any(col.normal(w) == "year" for w in wanted):
        if _add_title_years(raw, titles):
            wanted.append("year")
    schema, skipped = _schema(p, raw, lines_of, wanted, buckets, set(columns or ()))
    items: dict[str, list[str]] = {}
    for item, by_field in raw.items():
        values: list[str] = []
        for name in schema.fields:
            for v in by_field.get(name, ()):
                label = schema.label(name, v)
                if label is not None and label not in values:
                    values.append(label)
        items[item] = values
    if not any(items.values()):
        raise CorpusError(f"{p}: no attribute values found in column(s) {', '.join(wanted)} "
                          "(every value is empty or missing)")
    return ItemAttributes(schema, items, str(p), skipped)


def _layout(p: Path, rows, delimiter: str):
    """``(header or None for u.item, data rows, id position, name position or None)``."""
    _, first = rows[0]
    first = [c.strip() for c in first]
    if delimiter == "|" and len(first) == 24 and all(c in ("0", "1") for c in first[5:]):
        return None, rows, 0, 1
    if col.looks_numeric(first[:1]):   # no header: id first (MovieLens movies.dat: id::title::genres)
        if delimiter == "::" and len(first) == 3:
            return ["movieId", "title", "genres"], rows, 0, 1
        return ["id"] + [f"column {j + 1}" for j in range(1, len(first))], rows, 0, None
    seen: dict[str, str] = {}
    for h in first:
        if col.normal(h) in seen:
            raise CorpusError(f"{p}:1: column {h!r} appears twice in the header")
        seen[col.normal(h)] = h
    id_at = col.find_column(first, col.ID, None, "", "", "", required=False)
    name_at = col.find_column(first, col.NAME, None, "", "", "", required=False)
    return first, rows[1:], 0 if id_at is None else id_at, name_at


def _wanted(p: Path, header: list[str], columns, id_at: int, name_at: int | None) -> list[str]:
    """The attribute columns: those named, or all but the id and the name."""
    if columns:
        for c in columns:
            col.find_column(header, (), c, "attribute", f"{p}:1", "--attribute-cols")
        return [header[[col.normal(h) for h in header].index(col.normal(c))] for c in columns]
    wanted = [h for j, h in enumerate(header) if j != id_at and j != name_at]
    if not wanted:
        raise CorpusError(f"{p}:1: no attribute column besides the id and name (found "
                          f"{', '.join(map(repr, header))})")
    return wanted


def _raw_values(p: Path, data, header: list[str], id_at: int, wanted: list[str], multi: bool):
    """item → field → raw values (split on ``|`` when ``multi``), and the line of each item."""
    norm = [col.normal(h) for h in header]
    at = {w: norm.index(col.normal(w)) for w in wanted}
    width = max([id_at, *at.values()])
    raw: dict[str, dict[str, list[str]]] = {}
    lines_of: dict[str, int] = {}
    for n, row in data:
        if len(row) <= width:
            missing = next(h for j, h in enumerate(header) if j >= len(row))
            raise CorpusError(f"{p}:{n}: column {missing!r} missing (expected {len(header)} "
                              f"fields, found {len(row)})")
        item = row[id_at].strip()
        if not item:
            raise CorpusError(f"{p}:{n}: column {header[id_at]!r}: empty item id")
        by_field = raw.setdefault(item, {})
        lines_of.setdefault(item, n)
        for name, j in at.items():
            parts = row[j].split("|") if multi else [row[j]]
            keep = [v.strip() for v in parts if v.strip().casefold() not in MISSING]
            by_field.setdefault(name, []).extend(v for v in keep if v not in by_field[name])
    return raw, lines_of


def _movielens_100k(p: Path, data):
    """MovieLens 100K's ``u.item``: genre flags (names from ``u.genre`` beside it) and the
    release year of ``dd-Mon-yyyy``."""
    genres = list(ML100K_GENRES)
    listed = p.with_name("u.genre")
    if listed.is_file():
        names = [line.split("|")[0] for line in _text(listed).splitlines() if "|" in line]
        if len(names) == 19:
            genres = names
    raw: dict[str, dict[str, list[str]]] = {}
    lines_of: dict[str, int] = {}
    for n, row in data:
        if len(row) != 24:
            raise CorpusError(f"{p}:{n}: expected 24 fields (id|title|date|video date|url|19 "
                              f"genre flags), found {len(row)}")
        flags = [c.strip() for c in row[5:]]
        bad = next((j for j, c in enumerate(flags) if c not in ("0", "1")), None)
        if bad is not None:
            raise CorpusError(f"{p}:{n}: column {genres[bad]!r}: genre flag {flags[bad]!r} is "
                              "not 0 or 1")
        item = row[0].strip()
        date = row[2].strip()
        year = [date[-4:]] if len(date) >= 4 and date[-4:].isdigit() else []
        by_field = raw.setdefault(item, {"genre": [], "year": []})
        by_field["genre"] += [g for g, f in zip(genres, flags)
                              if f == "1" and g.casefold() not in MISSING and g not in by_field["genre"]]
        by_field["year"] += [y for y in year if y not in by_field["year"]]
        lines_of.setdefault(item, n)
    return raw, lines_of


def _add_title_years(raw: dict, titles: dict[str, str]) -> bool:
    """A ``year`` field from titles ending in ``(yyyy)``, when at least 90 % of them do."""
    years = {i: m.group(1) for i, t in titles.items() if (m := _TITLE_YEAR.search(t))}
    if not titles or len(years) < 0.9 * len(titles):
        return False
    for item, by_field in raw.items():
        by_field["year"] = [years[item]] if item in years else []
    return True


def _numeric(name: str, values: list[str]) -> bool:
    norm = col.normal(name)
    if any(norm.endswith(c) for c in CODES):
        return False
    try:
        for v in values:
            float(v)
    except ValueError:
        return False
    return bool(values)


def _schema(p: Path, raw: dict, lines_of: dict[str, int], wanted: list[str], buckets: int,
            named: set[str]) -> tuple[AttributeSchema, list[str]]:
    """The fields kept (near-unique categorical columns skipped unless named) and the cuts of
    numeric ones; a number that is not finite is an error naming its line and column."""
    fields, cuts, skipped = [], {}, []
    for name in wanted:
        values = [(item, v) for item, by_field in raw.items() for v in by_field.get(name, ())]
        flat = [v for _, v in values]
        distinct = set(flat)
        if _numeric(name, flat) and len(distinct) > buckets:
            numbers = np.array([float(v) for v in flat])
            bad = np.flatnonzero(~np.isfinite(numbers))
            if len(bad):
                item, v = values[int(bad[0])]
                raise CorpusError(f"{p}:{lines_of[item]}: column {name!r}: {v!r} is not a finite "
                                  "number")
            qs = np.linspace(0, 1, buckets + 1)[1:-1]
            cuts[name] = sorted({float(x) for x in np.quantile(numbers, qs, method="nearest")}
                                - {float(numbers.min())})
        elif len(raw) >= 20 and len(distinct) > _NEAR_UNIQUE * len(raw) and name not in named:
            skipped.append(name)
            continue
        fields.append(name)
    if not fields:
        raise CorpusError(f"{p}: no usable attribute column: {', '.join(map(repr, skipped))} "
                          "hold a different value for (nearly) every item (name them with "
                          "--attribute-cols to use them anyway)")
    return AttributeSchema(fields, cuts), skipped
