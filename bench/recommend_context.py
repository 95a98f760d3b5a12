"""Global context and in-market negatives on a generated booking log (no real log with conversions
is available here).

The log (``illustrated.recommend.synthetic_bookings.booking_log``): 8 markets of 150 listings,
20 bookable listings a market each with its own neighbourhood, 6,000 sessions of 30-80 clicks
of which 60 % end by booking their goal. Sessions 0-79 % train, 80-89 % validate, 90-99 % test.
For each booked session of a split, the recommender is given its first 5 clicks and ranks the
catalogue: HR@10 of the booked listing, over the whole catalogue and within its market.

* **Global context**: ours at the defaults trained without and with the bookings as global
  contexts (``goals``; target: with ≥ 1.2× without), as the full recommender (vectors and
  sequential rules) and with the vectors alone.
* **In-market negatives**: with the bookings and the attributes (city, type, price band), the
  market ``city`` and ``market_share`` 0 (none), 0.25, 0.5, 0.75, 1 on validation; the best on
  validation and 0 on test, within-market HR@10 above all.

    python bench/recommend_context.py [--threads 2] [--sessions 6000] [--json out.json]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from runner import Report, ratio  # noqa: E402

from illustrated.recommend.attributes import AttributeSchema, ItemAttributes  # noqa: E402
from illustrated.recommend.config import Item2VecConfig  # noqa: E402
from illustrated.recommend.item2vec import Recommender, train_item2vec  # noqa: E402
from illustrated.recommend.synthetic_bookings import booking_log  # noqa: E402

FIRST = 5
SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)


def hit_rates(rec: Recommender, log, picked: range, k: int = 10) -> dict:
    """HR@k of the booked listing from the first clicks: over the catalogue, within its market."""
    cases = [s for s in picked if log.booked[s] is not None]
    scores = rec.score_batch([log.sessions[s][:FIRST] for s in cases])
    keys = np.array(rec.vectors.keys)
    market = np.array([log.market_of.get(i, "") for i in keys])
    k2i = rec.vectors.key_to_index
    overall, within = [], []
    for row, s in zip(scores, cases):
        t = k2i.get(log.booked[s])
        if t is None or not np.isfinite(row[t]):
            overall.append(False)
            within.append(False)
            continue
        better = row > row[t]
        overall.append(better.sum() < k)
        within.append((better & (market == market[t])).sum() < k)
    return {"cases": len(cases), "HR@10": float(np.mean(overall)), "HR@10 in market": float(np.mean(within))}


def vectors_alone(rec: Recommender) -> Recommender:
    return Recommender(rec.vectors, rec.popularity, index=rec.index, decay=rec.decay,
                       max_context=rec.max_context, config=rec.config, side=rec.side)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    log = booking_log(n_sessions=args.sessions, seed=0)
    n = len(log.sessions)
    train, valid, test = range(0, int(0.8 * n)), range(int(0.8 * n), int(0.9 * n)), range(int(0.9 * n), n)
    sessions = [log.sessions[s] for s in train]
    goals = log.goals(train)
    attrs = ItemAttributes(AttributeSchema(["city", "type", "price"]), log.attributes, "generated")
    config = Item2VecConfig(threads=args.threads, seed=args.seed)
    report = Report("recommend_context", anchor="ours without bookings as global context; "
                    "without in-market negatives", protocol=f"first {FIRST} clicks -> booked listing")

    def run(name: str, split: str, picked: range, rec: Recommender, **extra) -> dict:
        got = hit_rates(rec, log, picked)
        return report.add(split=split, system=name, **extra, **{k: round(v, 4) if isinstance(v, float) else v
                                                                for k, v in got.items()})

    plain = train_item2vec(sessions, config, index="exact")
    booked = train_item2vec(sessions, config, index="exact", goals=goals)
    rows = {}
    for name, rec in (("ours, defaults", plain), ("ours + bookings as global context", booked)):
        rows[name] = run(name, "test", test, rec)
        rows[name + ", vectors alone"] = run(name + ", vectors alone", "test", test, vectors_alone(rec))
    summary = {"global context: with / without HR@10": ratio(rows["ours + bookings as global context"]["HR@10"],
                                                            rows["ours, defaults"]["HR@10"]),
               "global context: with / without HR@10, vectors alone": ratio(
                   rows["ours + bookings as global context, vectors alone"]["HR@10"],
                   rows["ours, defaults, vectors alone"]["HR@10"])}
    summary["global context target (>= 1.2x) met"] = bool(summary["global context: with / without HR@10"] >= 1.2)
    best = (-1.0, 0.0)
    models = {}
    for share in SHARES:
        models[share] = train_item2vec(sessions, config.replace(market_share=share), index="exact",
                                       goals=goals, attributes=attrs, market_col="city")
        got = run("ours + bookings + attributes, market city", "validation", valid, models[share],
                  market_share=share)
        best = max(best, (got["HR@10 in market"], share))
    chosen = best[1]
    for share in sorted({0.0, chosen}):
        rows[f"market {share}"] = run("ours + bookings + attributes, market city", "test", test,
                                      models[share], market_share=share)
    summary["market_share chosen on validation"] = chosen
    summary["in-market negatives: within-market HR@10, chosen / none"] = ratio(
        rows[f"market {chosen}"]["HR@10 in market"], rows["market 0.0"]["HR@10 in market"])
    report.summary = summary
    report.emit(args.json)


if __name__ == "__main__":
    main()
