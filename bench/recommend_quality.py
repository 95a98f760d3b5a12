"""Next-item quality: every system tuned with the same budget on the same validation split.

Three logs of different shape: MovieLens 100K (943 users, 1,682 films; each user's last rating held
out), a generated rating log with long histories and bursts of equal timestamps (600 users, 10,000
items, histories of 20 to about 2,700; each user's last 5 held out,
``illustrated.recommend.synthetic.rating_log``), and generated playlists (1,000 short sessions of
8–30 tracks from 1,500 tracks in 10 hidden genres, ``genre_sessions``; each session's last track
held out). Our defaults (``Item2VecConfig()``) were chosen on the first two; the playlists are the
log they were not chosen on.

Each history ordered by time is one sequence; the held-out positions are the test targets, the five
before them the validation targets. Every system is tuned the same way: ``--budget`` settings drawn
at random (seed 0) from its own search space, each trained on the events before the validation
targets and scored once on them (HR@10) — ``--budget`` validation evaluations per system, no
other choice made on validation; the best is retrained on everything before the test targets and
scored once on test. The strongest baseline is the one with the best *validation* score. Every
system ranks the whole catalogue; items the user has already had are excluded for all alike.

Systems: the most popular items; co-occurrence; sequential rules (SR), session kNN (SKNN) and its
recency-weighted variant (V-SKNN), the simple baselines Ludewig et al. (UMUAI 2021) find hard to
beat; gensim's ``Word2Vec`` as item2vec through gensim's own trainer, at its defaults and tuned
over the four settings Caselles-Dupré et al. (RecSys 2018) found to matter, on the ranges of their
search (:data:`CASELLES_DUPRE`); ours at its defaults and tuned over ``recommend.tune.SPACE``.

    python bench/recommend_quality.py [--budget 12] [--data movielens,long,playlists] [--threads 2]
                                      [--json out.json]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from runner import Report, ratio, shared_data  # noqa: E402

from illustrated.recommend.baselines import (CooccurrenceScorer, PopularityScorer,  # noqa: E402
                                             SequentialRulesScorer, SessionKNNScorer)
from illustrated.recommend.config import Item2VecConfig  # noqa: E402
from illustrated.recommend.evaluate import VectorScorer, evaluate  # noqa: E402
from illustrated.recommend.events import History, read_events  # noqa: E402
from illustrated.recommend.item2vec import Recommender, train_item2vec  # noqa: E402
from illustrated.recommend.sessions import leave_last_out  # noqa: E402
from illustrated.recommend.synthetic import genre_sessions, rating_log  # noqa: E402
from illustrated.recommend.tune import SPACE  # noqa: E402

#: The search of Caselles-Dupré, Lesaint & Royo-Letelier (RecSys 2018) for skip-gram with negative
#: sampling on sessions: the four settings they found to matter, over the ranges they searched;
#: ``query`` is how a history asks (its last item, or the mean of its items).
CASELLES_DUPRE = {"window": [3, 7, 12, 15], "epochs": [10, 30, 50, 70, 90, 110, 130, 150],
                  "sample": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1],
                  "ns_exponent": [-1.4, -1.0, -0.5, -0.1, 0.1, 0.5, 1.0, 1.4], "query": ["last", "mean"]}
#: What the gensim item2vec runs keep fixed (skip-gram with negative sampling, as in the paper).
GENSIM_FIXED = dict(sg=1, vector_size=50, negative=5, hs=0, min_count=1, seed=1)

#: Each system's search space (every combination is a candidate; ``--budget`` are drawn).
SPACES = {
    "co-occurrence": {"last": [1, 2, 3, 5, 10, 20], "decay": [0.5, 0.8, 1.0]},
    "sequential rules": {"steps": [1, 2, 3, 5, 10, 20, 50, 100], "last": [1, 2, 3, 5, 10, 20]},
    "SKNN": {"k": [50, 100, 200, 500, 1000], "last": [None, 5, 10, 20, 50], "weighting": [None],
             "idf_weighting": [0.0, 1.0]},
    "V-SKNN": {"k": [50, 100, 200, 500, 1000], "weighting": ["div", "linear", "quadratic", "log"],
               "score_weighting": ["div", "linear", "quadratic"], "last": [None, 10, 50],
               "idf_weighting": [0.0, 1.0]},
    "gensim item2vec, tuned": CASELLES_DUPRE,
    "ours, tuned": SPACE,
}
BASELINES = ("most popular", "co-occurrence", "sequential rules", "SKNN", "V-SKNN", "gensim item2vec, tuned")


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


def playlists() -> list[History]:
    """Short sessions, no times: a shape our defaults were not chosen on."""
    g = genre_sessions(n_genres=10, tracks_per_genre=150, n_sessions=1000, length=(8, 30), seed=7)
    return [History(f"s{i}", s) for i, s in enumerate(g.sessions)]


def gensim_item2vec(sessions: list[list[str]], settings: dict | None, threads: int) -> Recommender:
    """gensim's ``Word2Vec`` trained on the sessions (its defaults when ``settings`` is None) and
    asked with the mean of the history (``query`` ``mean``) or its last item (``last``)."""
    from gensim.models import Word2Vec as GensimWord2Vec

    from illustrated.word2vec import KeyedVectors

    s = dict(settings or {})
    query = s.pop("query", "mean")
    model = GensimWord2Vec(sentences=sessions, workers=threads, **({**GENSIM_FIXED, **s} if settings else {}))
    keys = list(model.wv.index_to_key)
    kv = KeyedVectors(keys, model.wv.vectors, [model.wv.get_vecattr(k, "count") for k in keys])
    return Recommender(kv, index="exact", decay=1.0, max_context=1 if query == "last" else 10**9)


def make(system: str, sessions, cat, settings: dict, threads: int):
    """A scorer of ``system`` with ``settings``, trained on ``sessions``."""
    if system == "most popular":
        return PopularityScorer(sessions, cat)
    if system == "co-occurrence":
        return CooccurrenceScorer(sessions, cat, **settings)
    if system == "sequential rules":
        return SequentialRulesScorer(sessions, cat, **settings)
    if system in ("SKNN", "V-SKNN"):
        return SessionKNNScorer(sessions, cat, **settings)
    if system.startswith("gensim item2vec"):
        return VectorScorer(gensim_item2vec(sessions, settings if system.endswith("tuned") else None, threads), cat)
    config = Item2VecConfig(threads=threads).replace(**settings)
    return VectorScorer(train_item2vec(sessions, config, index="exact"), cat)


def draw(space: dict[str, list], budget: int, seed: int = 0) -> list[dict]:
    """``budget`` distinct settings drawn at random from ``space`` (all of them if fewer)."""
    names = list(space)
    size = 1
    for values in space.values():
        size *= len(values)
    if size <= budget:
        return [dict(zip(names, values)) for values in itertools.product(*(space[n] for n in names))]
    rng, out = random.Random(seed), []
    while len(out) < budget:
        c = {n: rng.choice(space[n]) for n in names}
        if c not in out:
            out.append(c)
    return out


def run_log(report: Report, data: str, histories: list[History], held_out: int, budget: int, threads: int,
            chosen_on: bool, only: list[str] | None = None) -> dict:
    """Every system (or those in ``only``) on one log, each tuned with ``budget`` validation
    evaluations; the summary (the ratios of the systems run)."""
    split = leave_last_out(histories, n=held_out, validation=5)
    cat = split.catalogue
    valid, test = {}, {}
    systems = [x for x in ("most popular", *SPACES, "gensim item2vec, defaults", "ours, defaults")
               if only is None or x in only]
    for system in systems:
        candidates = draw(SPACES[system], budget) if system in SPACES else [{}]
        start = time.perf_counter()
        scored = [(evaluate(make(system, split.train, cat, c, threads), split.validation, cat)["HR@10"], n)
                  for n, c in enumerate(candidates)]
        best_valid, n = max(scored)
        tune_s = time.perf_counter() - start
        start = time.perf_counter()
        scorer = make(system, split.train_full, cat, candidates[n], threads)
        train_s = time.perf_counter() - start
        metrics = evaluate(scorer, split.test, cat)
        valid[system], test[system] = best_valid, metrics["HR@10"]
        note = ", ".join(f"{k} {v}" for k, v in candidates[n].items()) or (
            "Item2VecConfig()" if system == "ours, defaults" else "Word2Vec() defaults" if "gensim" in system else "")
        report.add(data=data, system=system, evaluations=len(candidates) if system in SPACES else 0,
                   valid_HR10=round(best_valid, 4), **{k: round(v, 4) for k, v in metrics.items()
                                                       if k in ("HR@10", "NDCG@10", "MRR@10", "HR@20")},
                   tune_s=round(tune_s, 1), train_s=round(train_s, 1), chosen=note)
        print(f"  {data}: {system}: validation {best_valid:.4f}, test {metrics['HR@10']:.4f} ({note})", flush=True)
    out = {"test cases": len(split.test), "validation cases": len(split.validation), "items": len(cat),
           "budget (validation evaluations per system)": budget, "defaults chosen on this log": chosen_on}
    ran = [b for b in BASELINES if b in valid]
    if not ran:
        return out
    strongest = max(ran, key=lambda s: valid[s])
    out["strongest baseline (by validation)"] = (f"{strongest}: validation {valid[strongest]:.4f}, "
                                                 f"test {test[strongest]:.4f}" + ("" if len(ran) == len(BASELINES)
                                                                                  else " (of those run)"))
    pairs = {"defaults / strongest baseline (test HR@10)": ("ours, defaults", strongest, test),
             "tuned / strongest baseline (test HR@10)": ("ours, tuned", strongest, test),
             "tuned / strongest baseline (validation HR@10)": ("ours, tuned", strongest, valid),
             "tuned / gensim item2vec tuned (test HR@10)": ("ours, tuned", "gensim item2vec, tuned", test),
             "tuned / gensim defaults (test HR@10)": ("ours, tuned", "gensim item2vec, defaults", test)}
    for name, (a, b, where) in pairs.items():
        if a in where and b in where:
            out[name] = ratio(where[a], where[b])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=12, help="validation evaluations per system (its tuning)")
    parser.add_argument("--data", default="movielens,long,playlists",
                        help="comma-separated logs: movielens, long, playlists")
    parser.add_argument("--threads", type=int, default=2, help="training threads (ours and gensim)")
    parser.add_argument("--systems", default=None,
                        help="semicolon-separated names of the systems to run (default: all); with --threads 1 each "
                             "system's figures are the same whether run alone or with the others")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    only = args.systems.split(";") if args.systems else None
    names = ["most popular", *SPACES, "gensim item2vec, defaults", "ours, defaults"]
    if only and set(only) - set(names):
        parser.error(f"unknown system(s): {'; '.join(sorted(set(only) - set(names)))}; known: {'; '.join(names)}")
    logs = args.data.split(",")
    unknown = set(logs) - {"movielens", "long", "playlists"}
    if unknown:
        parser.error(f"unknown log(s): {', '.join(sorted(unknown))}")
    report = Report("recommend_quality", anchor="the strongest simple baseline (chosen on validation); gensim item2vec",
                    protocol="leave-last-n-out, 5 validation items before the test ones, full ranking, history "
                             "excluded; every system tuned by the same number of validation evaluations",
                    budget=args.budget, threads=args.threads, spaces=SPACES, gensim_fixed=GENSIM_FIXED)
    summary = {}
    report.summary = summary      # filled log by log; the JSON file is rewritten after each log
    if "movielens" in logs:
        histories, _ = load_movielens(shared_data("movielens", "ml-100k"))
        summary["MovieLens 100K"] = run_log(report, "MovieLens 100K", histories, 1, args.budget, args.threads, True,
                                            only)
        _checkpoint(report, args.json)
    if "long" in logs:
        with tempfile.TemporaryDirectory() as tmp:     # read back as a user's CSV would be
            path = Path(tmp) / "ratings.csv"
            rating_log().write_csv(path)
            histories = read_events(path)
        summary["generated long log"] = run_log(report, "generated long log", histories, 5, args.budget,
                                                args.threads, True, only)
        _checkpoint(report, args.json)
    if "playlists" in logs:
        summary["generated playlists"] = run_log(report, "generated playlists", playlists(), 1, args.budget,
                                                 args.threads, False, only)
    summary["targets"] = "defaults >= strongest baseline on every log; tuned >= 1.2x it on MovieLens 100K"
    report.emit(args.json)


def _checkpoint(report: Report, path: str | None) -> None:
    """Write the report so far (a long run keeps what it has measured)."""
    if path:
        import json

        Path(path).write_text(json.dumps(report.as_dict(), indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
