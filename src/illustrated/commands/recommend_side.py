"""The side-information options of ``illustrated recommend``: attributes, conversions, markets,
items held out of training, and what training says about them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ConfigError
from .common import echo

__all__ = ["Attributes", "AttributeCols", "AttributesIdCol", "Conversions", "MarketCol",
           "MarketShare", "HoldOutItems", "Side", "read_side", "tune_side", "training_sessions",
           "side_summary",
           "print_cold"]

Attributes = Annotated[Path | None, typer.Option(
    help="Item attributes (EGES side information; cold items get vectors from them): a CSV/TSV "
         "with an item id column and attribute columns (MovieLens movies.csv, u.item as they "
         "come); multi-valued fields split on '|', numbers in quantile buckets.")]
AttributeCols = Annotated[str | None, typer.Option(
    help="--attributes: the attribute columns, comma-separated (default: all but the id and a "
         "name/title column).")]
AttributesIdCol = Annotated[str | None, typer.Option(
    help="--attributes: its item id column (default: found by name, else the first).")]
Conversions = Annotated[str | None, typer.Option(
    help="What sessions converted to, trained as a global context of all their items: an "
         "event-type column and its values (event=purchase|booking), or a file of "
         "session<TAB>item lines.")]
MarketCol = Annotated[str | None, typer.Option(
    help="The attribute naming each item's market (e.g. city): a share of each item's "
         "negatives is drawn from its own market.")]
MarketShare = Annotated[float | None, typer.Option(
    help="With --market-col: the share of negatives drawn from the item's market (default 0.75).")]
HoldOutItems = Annotated[float | None, typer.Option(
    help="Hold out this share of the items with at least 20 events entirely (every event "
         "removed; they become cold items), to evaluate cold items with `evaluate`.")]


@dataclass
class Side:
    """The side information read for a command: attributes, conversions (history id → items)
    and the market column."""

    attributes: object | None = None
    conversions: dict[str, list[str]] | None = None
    market_col: str | None = None

    def __bool__(self) -> bool:
        return any(x is not None for x in (self.attributes, self.conversions, self.market_col))


def read_side(log: Path, histories, attributes: Path | None, attribute_cols: str | None,
              id_col: str | None, conversions: str | None = None, market_col: str | None = None,
              **columns) -> Side:
    """Read the attributes file and the conversions, checking them against the log (whose
    event columns ``columns`` names: ``user``, ``item``, ``time``, ``rating``, ``min_rating``)."""
    from ..recommend.attributes import read_attributes
    from ..recommend.conversions import read_conversions
    from ..recommend.sessions import EventColumns, is_event_log

    if market_col is not None and attributes is None:
        raise ConfigError("--market-col names an attribute column: give --attributes too")
    if attributes is None and (attribute_cols is not None or id_col is not None):
        raise ConfigError("--attribute-cols and --attributes-id-col need --attributes")
    attrs = None
    if attributes is not None:
        cols = [c.strip() for c in attribute_cols.split(",") if c.strip()] if attribute_cols else None
        attrs = read_attributes(attributes, cols, id_col)
        if market_col is not None:
            attrs.field_of(market_col)   # a one-line error when it is not an attribute
        items = {i for h in histories for i in h.items}
        if not any(k in items for k in attrs.items):
            raise ConfigError(f"{attributes}: none of its {len(attrs):,} item ids "
                              f"({', '.join(map(repr, list(attrs.items)[:3]))}, …) is an item of "
                              f"{log}; is --attributes-id-col the right column?")
    conv = None
    if conversions is not None:
        conv = read_conversions(conversions, log, EventColumns(**columns),
                                line_numbers=not is_event_log(log)
                                and (not histories or histories[0].times is None))
        if not any(h.user in conv for h in histories):
            raise ConfigError(f"--conversions: none of its {len(conv):,} sessions "
                              f"({', '.join(map(repr, list(conv)[:3]))}, …) is a session or user "
                              f"of {log}")
    return Side(attrs, conv, market_col)


def tune_side(side: Side, histories, split, gap_minutes: float | None,
              validation: int) -> dict | None:
    """The side information of ``tune``'s trainings (goals parallel to ``split.train``)."""
    from ..recommend.conversions import split_goals

    if not side:
        return None
    goals = None if side.conversions is None else \
        split_goals(histories, split, side.conversions, gap_minutes, 1, validation)[0]
    return dict(attributes=side.attributes, goals=goals, market_col=side.market_col)


def training_sessions(histories, gap_minutes: float | None, held_out: int, side: Side,
                      hold_out_items: float | None, seed: int) -> tuple[list, list | None]:
    """The training sessions (without each user's last ``held_out`` items when it is not 0, and
    without every event of ``hold_out_items`` of the items) and their goals (None without
    conversions)."""
    from ..recommend.conversions import session_goals, split_goals
    from ..recommend.evaluate_cold import hold_out_items as held_items
    from ..recommend.sessions import leave_last_out, sessions_of

    goals = None
    if held_out:
        split = leave_last_out(histories, gap_minutes, n=held_out)
        data = split.train_full
        if side.conversions is not None:
            goals = split_goals(histories, split, side.conversions, gap_minutes, held_out, held_out)[1]
    else:
        parts = [sessions_of(h, gap_minutes) for h in histories]
        data = [s for p in parts for s in p]
        if side.conversions is not None:
            goals = [g for h, p in zip(histories, parts) for g in session_goals(h, p, side.conversions)]
    if hold_out_items is not None:
        held = held_items(histories, hold_out_items, seed)
        data = [[i for i in s if i not in held] for s in data]
        goals = None if goals is None else [[i for i in g if i not in held] for g in goals]
        echo(f"held out {len(held):,} items with 20 events or more entirely (their events removed)")
    return data, goals


def side_summary(rec, side: Side, goals) -> None:
    """What training did with the side information: attributes, cold items, conversions."""
    from ..recommend.side import ALONE, BELOW_MIN_COUNT, NO_EVENTS

    s = rec.side
    if side.attributes is not None and s is not None:
        a = side.attributes
        buckets = "; ".join(f"{f} in {len(c) + 1} buckets" for f, c in a.schema.cuts.items())
        echo(f"attributes: {len(a):,} items in {a.path}, fields {', '.join(a.schema.fields)}"
             + (f" ({buckets})" if buckets else "") + f"; {len(s.values):,} values trained"
             + (f"; skipped near-unique column(s) {', '.join(a.skipped)}" if a.skipped else ""))
        codes = {c: int((s.cold == c).sum()) for c in (NO_EVENTS, BELOW_MIN_COUNT, ALONE)}
        echo(f"cold items (attributes, no events to learn from): {sum(codes.values()):,} — "
             f"{codes[NO_EVENTS]:,} not in the log, {codes[BELOW_MIN_COUNT]:,} below min_count, "
             f"{codes[ALONE]:,} never with another item; their vectors come from their attributes")
        bare = int(((s.cold == 0) & (s.indptr[1:] == s.indptr[:-1])).sum())
        echo(f"items of the log without attributes: {bare:,} (they keep their id vector)")
    if goals is not None:
        echo(f"conversions: {sum(1 for g in goals if g):,} training sessions with a global context "
             f"({sum(len(g) for g in goals):,} converted items)")
    if side.market_col is not None:
        echo(f"markets: '{side.market_col}', {rec.config.market_share:g} of the negatives from "
             "the item's own market")


def print_cold(rec, histories, side: Side) -> None:
    """The cold-item evaluation, when the model has cold items with events in the log."""
    from ..recommend.evaluate_cold import evaluate_cold

    if rec.side is None or not rec.side.cold.any():
        return
    seen = {i for h in histories for i in h.items}
    if not any(rec.vectors.keys[i] in seen for i in rec.side.cold.nonzero()[0]):
        return
    attrs = side.attributes.items if side.attributes is not None else None
    result = evaluate_cold(rec, histories, attrs)
    echo(f"cold items with events in the log: {result['cases']:,}, each ranked against its true "
         "neighbours (learned items, by user cosine in this log)")
    for name, value in result["precision"].items():
        echo(f"{name:28}precision@10 {value:.4f}")
