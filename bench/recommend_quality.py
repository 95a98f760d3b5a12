"""Next-item quality: the session-based baselines, gensim's default item2vec, ours default and tuned.

Two logs of different shape: MovieLens 100K (943 users, 1,682 films; each user's last rating held
out) and a generated rating log with long histories and bursts of equal timestamps (600 users,
10,000 items, histories of 20 to about 2,700; each user's last 5 held out, see
``illustrated.recommend.synthetic.rating_log``). Each user's events ordered by time form one
sequence; the held-out positions are the test targets, the five before them the validation targets
(used only for tuning: the baselines' settings as well as ours; each validation item predicted from
everything before it, by systems trained on the events before all five). Every system is trained on the
sequences without their test items and ranks the whole catalogue; items the user has already had are
excluded for every system alike.

The baselines are those Ludewig et al. (UMUAI 2021) find hard to beat: sequential rules (SR),
session kNN (SKNN) and its recency-weighted variant (V-SKNN), besides popularity and co-occurrence;
each at the study's settings and at its best setting of a small grid on validation.

    python bench/recommend_quality.py [--trials 12] [--validation 5] [--seeds 3] [--threads 1]
                                      [--json out.json] [--data movielens|long|both]
"""

from __future__ import annotations

import argparse
import gzip
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from runner import Report, ratio, shared_data  # noqa: E402

from illustrated.recommend.baselines import (STUDY_BASELINES, SequentialRulesScorer,  # noqa: E402
                                             SessionKNNScorer)
from illustrated.recommend.evaluate import VectorScorer, evaluate  # noqa: E402
from illustrated.recommend.events import read_events  # noqa: E402
from illustrated.recommend.config import Item2VecConfig  # noqa: E402
from illustrated.recommend.item2vec import Recommender, train_item2vec  # noqa: E402
from illustrated.recommend.sessions import History, leave_last_out  # noqa: E402
from illustrated.recommend.synthetic import rating_log  # noqa: E402
from illustrated.recommend.tune import tune  # noqa: E402


def load_movielens(root: Path) -> tuple[list[History], dict[str, str]]:
    """One time-ordered history per user (ties keep file order) and item id → title."""
    by_user: dict[str, list[tuple[int, int, str]]] = {}
    with gzip.open(root / "u.data.gz", "rt") as f:
        for n, line in enumerate(f):
            user, item, _rating, ts = line.split("\t")
            by_user.setdefault(user, []).append((int(ts), n, item))
    histories = []
    for user, events in by_user.items():
        events.sort()
        histories.append(History(user, [i for _, _, i in events], [float(t) for t, _, _ in events]))
    titles = {}
    with open(root / "u.item", encoding="latin-1") as f:
        for line in f:
            fields = line.split("|")
            titles[fields[0]] = fields[1]
    return histories, titles


def gensim_default(sessions: list[list[str]]) -> Recommender:
    """gensim's Word2Vec with every setting at its default; a session's query is the plain mean
    of its items' unit vectors, as ``most_similar(positive=items)`` does."""
    from gensim.models import Word2Vec as GensimWord2Vec

    from illustrated.word2vec import KeyedVectors

    model = GensimWord2Vec(sentences=sessions)
    keys = list(model.wv.index_to_key)
    counts = [model.wv.get_vecattr(k, "count") for k in keys]
    kv = KeyedVectors(keys, model.wv.vectors, counts)
    return Recommender(kv, index="exact", decay=1.0, max_context=10**9)


# Each baseline's grid, searched on validation (the study's setting first).
GRIDS = {
    "sequential rules": [dict(steps=s, last=n) for s, n in [(10, 1), (10, 5), (20, 10), (50, 10), (50, 20)]],
    "SKNN": [dict(k=k, weighting=None) for k in (100, 50, 200, 500)],
    "V-SKNN": [dict(k=k, weighting="div", score_weighting="div") for k in (100, 50, 200, 500)]
              + [dict(k=100, weighting="quadratic", score_weighting="div")],
}
MAKERS = {"sequential rules": SequentialRulesScorer, "SKNN": SessionKNNScorer, "V-SKNN": SessionKNNScorer}


def row(report: Report, data: str, system: str, metrics: dict, seconds: float, note: str = "") -> dict:
    return report.add(data=data, system=system,
                      **{k: round(v, 4) for k, v in metrics.items() if k in ("HR@10", "NDCG@10", "MRR@10", "HR@20")},
                      train_s=round(seconds, 1), note=note)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def run_log(report: Report, data: str, histories: list[History], held_out: int, trials: int,
            method: str, validation: int = 5, threads: int | None = None, seeds: int = 1) -> dict:
    """Every system on one log; returns this log's summary."""
    split = leave_last_out(histories, n=held_out, validation=validation)
    cat, test = split.catalogue, split.test
    base = Item2VecConfig() if threads is None else Item2VecConfig(threads=threads)
    hr = {}
    for name, make in STUDY_BASELINES.items():
        scorer, s = timed(lambda: make(split.train_full, cat))
        hr[name] = row(report, data, name, evaluate(scorer, test, cat), s, "study settings")["HR@10"]
    best_base, best_valid = ("", -1.0), {}
    for name, grid in GRIDS.items():
        valid = [(evaluate(MAKERS[name](split.train, cat, **g), split.validation, cat)["HR@10"], n)
                 for n, g in enumerate(grid)]
        best_valid[name], n = max(valid)
        scorer, s = timed(lambda: MAKERS[name](split.train_full, cat, **grid[n]))
        got = row(report, data, f"{name}, tuned", evaluate(scorer, test, cat), s,
                  ", ".join(f"{k} {v}" for k, v in grid[n].items()))["HR@10"]
        best_base = max(best_base, (name, got), key=lambda x: x[1])
    best_base = max([best_base] + [(k, v) for k, v in hr.items()], key=lambda x: x[1])

    gensim_rec, s = timed(lambda: gensim_default(split.train_full))
    gensim = row(report, data, "gensim default item2vec", evaluate(VectorScorer(gensim_rec, cat), test, cat), s,
                 "CBOW, window 5, min_count 5, 5 epochs")["HR@10"]
    ours_default, s = timed(lambda: train_item2vec(split.train_full, base, index="exact"))
    default = row(report, data, "ours, defaults", evaluate(VectorScorer(ours_default, cat), test, cat), s,
                  "Item2VecConfig()" + (f", threads {threads}" if threads else ""))["HR@10"]
    vectors_only, _ = timed(lambda: evaluate(VectorScorer(_without_rules(ours_default), cat), test, cat))
    row(report, data, "ours, defaults, vectors alone", vectors_only, s, "rules_weight 0")
    default_valid = evaluate(VectorScorer(train_item2vec(split.train, base, index="exact"), cat),
                             split.validation, cat)["HR@10"]
    summary = {"held out per user": held_out, "validation per user": validation,
               "test cases": len(test), "validation cases": len(split.validation), "items": len(cat),
               "strongest baseline": f"{best_base[0]} {best_base[1]:.4f}",
               "validation HR@10": {**{f"{k}, tuned": round(v, 4) for k, v in best_valid.items()},
                                    "ours, defaults": round(default_valid, 4)},
               "defaults / strongest baseline HR@10": ratio(default, best_base[1]),
               "defaults / gensim default HR@10": ratio(default, gensim)}
    if seeds > 1:
        summary["defaults test HR@10 by seed"] = _by_seed(split, base, seeds, default)
    if trials:
        found, tune_s = timed(lambda: tune(split, base, trials=trials, method=method, seed=0,
                                           report=lambda t: print(f"  {data} trial {t.score:.4f} epochs {t.epochs} "
                                                                  f"{t.query} {t.settings} ({t.seconds:.0f} s)",
                                                                  flush=True)))
        tuned, s = timed(lambda: train_item2vec(split.train_full, found.best, index="exact"))
        b = found.best
        got = row(report, data, "ours, tuned", evaluate(VectorScorer(tuned, cat), test, cat), s,
                  f"ns_exp {b.ns_exponent}, window {b.window or 'session'}, epochs {b.epochs}, sample {b.sample}, "
                  f"neg {b.negative}, dim {b.dim}, min_count {b.min_count}, decay {b.decay}, "
                  f"rules {b.rules_weight} (last {b.rules_last}, steps {b.rules_steps})")["HR@10"]
        summary["validation HR@10"]["ours, tuned"] = round(found.score, 4)
        summary.update({"tuned / strongest baseline HR@10": ratio(got, best_base[1]),
                        "tuning": f"{method}, {trials} settings, {len(found.trials)} trainings, {tune_s:.0f} s, "
                                  f"validation HR@10 {found.score:.4f}"})
        if seeds > 1:
            summary["tuned test HR@10 by seed"] = _by_seed(split, found.best, seeds, got)
    return summary


def _by_seed(split, config: Item2VecConfig, seeds: int, first: float) -> list[float]:
    """Test HR@10 of ``config`` trained with seeds 1..``seeds`` (``first``: seed 1's, measured)."""
    cat, out = split.catalogue, [round(first, 4)]
    for seed in range(2, seeds + 1):
        rec = train_item2vec(split.train_full, config.replace(seed=seed), index="exact")
        out.append(round(evaluate(VectorScorer(rec, cat), split.test, cat)["HR@10"], 4))
    return out


def _without_rules(rec: Recommender) -> Recommender:
    return Recommender(rec.vectors, rec.popularity, index=rec.index, decay=rec.decay, max_context=rec.max_context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12, help="tuning trials on MovieLens (0: no tuning)")
    parser.add_argument("--method", default="halving")
    parser.add_argument("--validation", type=int, default=5, help="validation items a user, before the test ones")
    parser.add_argument("--seeds", type=int, default=3, help="seeds for ours, defaults and tuned (test HR@10 each)")
    parser.add_argument("--threads", type=int, default=None, help="training threads (default: the config's)")
    parser.add_argument("--data", default="both", choices=["movielens", "long", "both"])
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    report = Report("recommend_quality", anchor="the strongest simple baseline; gensim 4 Word2Vec defaults",
                    protocol="leave-last-n-out, full ranking, history excluded")
    summary = {}
    if args.data in ("movielens", "both"):
        histories, _ = load_movielens(shared_data("movielens", "ml-100k"))
        summary["MovieLens 100K"] = run_log(report, "MovieLens 100K", histories, 1, args.trials, args.method,
                                            args.validation, args.threads, args.seeds)
    if args.data in ("long", "both"):
        with tempfile.TemporaryDirectory() as tmp:     # read back as a user's CSV would be
            path = Path(tmp) / "ratings.csv"
            rating_log().write_csv(path)
            histories = read_events(path)
        summary["generated long log"] = run_log(report, "generated long log", histories, 5, 0, args.method,
                                                args.validation, args.threads, 1)
    ml = summary.get("MovieLens 100K", {})
    summary["targets"] = "defaults >= strongest baseline on both logs; tuned >= 1.2x it on MovieLens 100K"
    summary["met"] = bool(all(v.get("defaults / strongest baseline HR@10", 0) >= 1.0 for k, v in summary.items()
                              if isinstance(v, dict))
                          and ml.get("tuned / strongest baseline HR@10", 0) >= 1.2)
    report.summary = summary
    report.emit(args.json)


if __name__ == "__main__":
    main()
