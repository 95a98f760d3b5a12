"""Side information on MovieLens 100K (genres and release year from u.item): cold items and warm items.

**Cold items** (``--part cold``): for each seed, 15 % of the films with at least 20 ratings are
held out of training entirely (every rating removed; ``hold_out_items``). The model is trained
with the attributes at its defaults; for each held-out film its 10 nearest items (``similar``,
as the service answers) are compared with its true neighbours — the trained films nearest to it
by item-item cosine over the users who rated both, in the full log — by precision@10, beside the
most popular films, the most popular films sharing the most attributes with it (Jaccard, then
popularity) and attribute-only kNN (IDF-weighted cosine). Target: ours ≥ 1.3× the best of those.

**Choosing the cold-start vector** (``--part grid``): another 15 % of the films (never the test
films of the same seed) are held out as validation items, and a grid of ``cold_neighbours`` (0:
the mean of the film's attribute rows alone, EGES; >0: mixed with the popularity-weighted mean
of that many trained films sharing the most attributes, as Airbnb starts a new listing) and
``cold_popularity`` (a popularity prior on the neighbours) is scored on them.

**Warm items** (``--part warm``): next-item HR@10 on each user's last rating (the quality
benchmark's protocol), ours at the defaults with and without the attributes, several seeds.

    python bench/recommend_cold.py [--part cold,warm,grid] [--seeds 1,2] [--threads 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from recommend_quality import load_movielens  # noqa: E402
from runner import Report, ratio, shared_data  # noqa: E402

from illustrated.recommend.attributes import read_attributes  # noqa: E402
from illustrated.recommend.cold import ColdStart  # noqa: E402
from illustrated.recommend.config import Item2VecConfig  # noqa: E402
from illustrated.recommend.evaluate import VectorScorer, evaluate  # noqa: E402
from illustrated.recommend.evaluate_cold import evaluate_cold, hold_out_items  # noqa: E402
from illustrated.recommend.item2vec import train_item2vec  # noqa: E402
from illustrated.recommend.sessions import leave_last_out  # noqa: E402

SHARE = 0.15
GRID_NEIGHBOURS = (0, 3, 8, 12)
GRID_POPULARITY = (0.0, 0.8, 1.2, 1.6, 2.0, 3.0)


def without(histories, held: set[str]) -> list[list[str]]:
    return [s for s in ([i for i in h.items if i not in held] for h in histories) if s]


def cold_part(report: Report, histories, attributes, seeds, config) -> dict:
    ratios = []
    for seed in seeds:
        test = hold_out_items(histories, SHARE, seed)
        rec = train_item2vec(without(histories, test), config.replace(seed=seed),
                             attributes=attributes)
        result = evaluate_cold(rec, histories, attributes.items)
        for system, value in result["precision"].items():
            report.add(part="cold", seed=seed, system=system, cases=result["cases"],
                       **{"precision@10": round(value, 4)})
        ratios.append(result["ours / best baseline"])
    return {"cold: ours / best baseline, by seed": ratios,
            "cold target (>= 1.3x on every seed) met": bool(min(ratios) >= 1.3)}


def grid_part(report: Report, histories, attributes, seeds, config) -> dict:
    best = {}
    for seed in seeds:
        test = hold_out_items(histories, SHARE, seed)
        valid = hold_out_items(histories, SHARE, seed + 1000, exclude=test)
        rec = train_item2vec(without(histories, test | valid), config.replace(seed=seed),
                             attributes=attributes)
        truth_log = [h for h in histories]   # the full log: test films are not queries here
        side, k2i = rec.side, rec.vectors.key_to_index
        start = ColdStart(side, np.flatnonzero(side.cold == 0))
        queries = [k2i[i] for i in valid if i in k2i]
        for neighbours in GRID_NEIGHBOURS:
            for q in queries:
                ids = side.indices[side.indptr[q]:side.indptr[q + 1]]
                v = start.vector(ids, rec.unit, rec.popularity, neighbours)
                rec.unit[q] = v
                rec.vectors.vectors[q] = v
            for beta in GRID_POPULARITY:
                rec.config = rec.config.replace(cold_neighbours=neighbours, cold_popularity=beta)
                result = _on(rec, truth_log, valid, attributes)
                value = result["precision"]["ours"]
                report.add(part="grid (validation films)", seed=seed, system="ours",
                           cold_neighbours=neighbours, cold_popularity=beta, cases=result["cases"],
                           **{"precision@10": round(value, 4)})
                best.setdefault((neighbours, beta), []).append(value)
    (n, b), values = max(best.items(), key=lambda kv: np.mean(kv[1]))
    return {"grid best (cold_neighbours, cold_popularity)": [n, b],
            "grid best mean precision@10": round(float(np.mean(values)), 4)}


def _on(rec, histories, queries: set[str], attributes) -> dict:
    """evaluate_cold on ``queries`` only (the other cold films are the test ones)."""
    keys = rec.vectors.keys
    other = {keys[i] for i in np.flatnonzero(rec.side.cold)} - queries
    return evaluate_cold(rec, [h.__class__(h.user, [i for i in h.items if i not in other])
                               for h in histories], attributes.items)


def warm_part(report: Report, histories, attributes, seeds, config) -> dict:
    split = leave_last_out(histories)
    cat = split.catalogue
    hr = {"without": [], "with": []}
    for seed in seeds:
        for name, attrs in (("without", None), ("with", attributes)):
            rec = train_item2vec(split.train_full, config.replace(seed=seed), index="exact",
                                 attributes=attrs)
            metrics = evaluate(VectorScorer(rec, cat), split.test, cat)
            hr[name].append(metrics["HR@10"])
            report.add(part="warm", seed=seed, system=f"ours, defaults, {name} attributes",
                       cases=metrics["cases"], **{"HR@10": round(metrics["HR@10"], 4)})
    noise = float(np.std(hr["without"], ddof=1)) if len(seeds) > 1 else None
    gap = float(np.mean(hr["without"]) - np.mean(hr["with"]))
    return {"warm HR@10 without / with attributes (mean)": [round(float(np.mean(hr["without"])), 4),
                                                             round(float(np.mean(hr["with"])), 4)],
            "warm seed-to-seed noise (std without attributes)": None if noise is None else round(noise, 4),
            "warm: with attributes lower by": round(gap, 4),
            "warm target (no lower than without by more than the noise) met":
                None if noise is None else bool(gap <= noise),
            "with / without": ratio(np.mean(hr["with"]), np.mean(hr["without"]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default="cold,warm", help="cold, warm and/or grid")
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    root = shared_data("movielens", "ml-100k")
    histories, _ = load_movielens(root)
    attributes = read_attributes(root / "u.item")
    config = Item2VecConfig(threads=args.threads)
    report = Report("recommend_cold", anchor="popularity, Jaccard-then-popularity, attribute kNN; "
                    "ours without attributes", protocol="MovieLens 100K, genres + year; "
                    f"{SHARE:.0%} of the films with >= 20 ratings held out entirely")
    summary = {}
    for part, run in (("grid", grid_part), ("cold", cold_part), ("warm", warm_part)):
        if part in args.part.split(","):
            summary.update(run(report, histories, attributes, seeds, config))
    report.summary = summary
    report.emit(args.json)


if __name__ == "__main__":
    main()
