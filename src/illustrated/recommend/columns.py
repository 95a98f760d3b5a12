"""Finding the columns of a delimited file by the names real data sets give them.

Logs and catalogues come with their own headers: MovieLens writes ``userId,movieId,rating,
timestamp``, others ``user_id``, ``session_id``, ``product_id``, ``time``. A header name matches a
known name case-insensitively and ignoring ``_``, ``-``, spaces and dots (``movieId``,
``movie_id`` and ``Movie ID`` are one name); a name given by the user must match the same way.
Delimiters are recognised from the first line: tab, ``::`` (MovieLens 1M), ``|`` (MovieLens 100K's
``u.item``), ``;`` or ``,`` (with CSV quoting).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence

from ..errors import CorpusError

__all__ = ["USER", "ITEM", "TIME", "RATING", "NAME", "ID", "normal", "find_column",
           "sniff_delimiter", "split_rows", "looks_numeric"]

# In order of preference: a session id comes before a user id (sessions are the finer unit).
USER = ("session", "session_id", "sessionid", "user_session", "user", "user_id", "userid", "visitor_id",
        "visitorid", "customer_id", "customerid", "client_id", "member_id", "uid", "reviewer_id",
        "reviewerid", "playlist_id", "pid")
ITEM = ("item", "item_id", "itemid", "movie_id", "movieid", "product_id", "productid", "product",
        "track_id", "trackid", "track", "song_id", "songid", "article_id", "book_id", "isbn",
        "asin", "sku", "video_id", "artist_id", "business_id", "content_id", "iid", "aid", "movie")
TIME = ("timestamp", "time", "ts", "datetime", "date", "event_time", "eventtime", "event_date",
        "eventdate", "created_at", "time_stamp", "unix_timestamp", "timeframe")
RATING = ("rating", "ratings", "score", "stars", "rate", "overall", "book_rating", "preference")
ID = ("id",) + ITEM
NAME = ("name", "title", "item_name", "product_name", "movie_title", "track_name", "song_name",
        "book_title", "display_name", "label")

_NOT_ALNUM = re.compile(r"[\s_\-.]+")


def normal(name: str) -> str:
    """A column name compared loosely: lower case, without ``_``, ``-``, ``.`` and spaces."""
    return _NOT_ALNUM.sub("", name.strip().strip("\ufeff").lower())


def find_column(header: Sequence[str], known: Iterable[str], given: str | None, what: str,
                where: str, option: str, required: bool = True) -> int | None:
    """Position of the ``what`` column in ``header``: the ``given`` name, else the first known one.

    Raises a :class:`CorpusError` naming ``where`` (file and line), the columns found and the
    option that names another one; returns None when absent and not ``required``.
    """
    names = [normal(h) for h in header]
    wanted = [normal(given)] if given is not None else [normal(k) for k in known]
    for w in wanted:
        if w in names:
            return names.index(w)
    if not required and given is None:
        return None
    found = ", ".join(repr(h.strip()) for h in header)
    if given is not None:
        raise CorpusError(f"{where}: no column {given!r} ({option}); found {found}")
    raise CorpusError(f"{where}: no {what} column (found {found}; known names: "
                      f"{', '.join(list(known)[:6])}, …); name it with {option}")


def sniff_delimiter(line: str) -> str:
    """The field delimiter of a file from its first line."""
    for delimiter in ("\t", "::", "|", ";"):
        if delimiter in line:
            return delimiter
    return ","


def split_rows(lines: Iterable[str], delimiter: str, where: str) -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` of each row (from 1): CSV rules (quotes) for ``,`` and ``;``,
    a plain split otherwise, where a field written in double quotes (as spreadsheets export
    TSV) loses them (``"t1"`` → ``t1``, ``""`` inside → ``"``).

    A CSV field longer than the ``csv`` module's limit (128 KiB; an unclosed quote runs into
    one) is a :class:`CorpusError` naming ``where`` (the file) and the line.
    """
    if delimiter in (",", ";"):
        reader = csv.reader(lines, delimiter=delimiter)
        while True:
            start = reader.line_num + 1      # where the row begins (a quoted field may span lines)
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                problem = (f"a field is longer than {csv.field_size_limit():,} characters (a quote "
                           "left open?)") if "field limit" in str(e) else str(e)
                raise CorpusError(f"{where}:{start}: {problem}") from None
            yield reader.line_num, row
    else:
        for n, line in enumerate(lines, 1):
            yield n, [_unquoted(f) for f in line.rstrip("\r\n").split(delimiter)]


def _unquoted(field: str) -> str:
    """``field`` without the double quotes around it, if it has them (surrounding spaces kept
    out); a quote inside stays as it is."""
    inner = field.strip()
    if len(inner) >= 2 and inner[0] == inner[-1] == '"':
        return inner[1:-1].replace('""', '"')
    return field


def looks_numeric(fields: Sequence[str]) -> bool:
    """True when every field is a number (a first line of data rather than a header)."""
    try:
        for f in fields:
            float(f)
    except ValueError:
        return False
    return bool(fields)
