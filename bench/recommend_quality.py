"""Next-item quality on MovieLens 100K: baselines, gensim's default item2vec, ours default and tuned.

Each user's ratings ordered by time form one sequence; the last item is the test target, the one
before it the validation target (used only for tuning). Every system is trained on the sequences
without their last item and ranks the whole catalogue (1,682 films) for each of the 943 users;
items the user has already rated are excluded for every system alike.

    python bench/recommend_quality.py [--trials 12] [--json out.json]
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from runner import Report, ratio, shared_data  # noqa: E402

from illustrated.recommend.baselines import CooccurrenceScorer, PopularityScorer  # noqa: E402
from illustrated.recommend.evaluate import VectorScorer, evaluate  # noqa: E402
from illustrated.recommend.item2vec import Item2VecConfig, Recommender, train_item2vec  # noqa: E402
from illustrated.recommend.sessions import History, leave_last_out  # noqa: E402
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


def row(report: Report, system: str, metrics: dict, seconds: float, note: str = "") -> dict:
    return report.add(system=system, **{k: round(v, 4) for k, v in metrics.items() if k != "cases"},
                      train_s=round(seconds, 1), note=note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--method", default="halving")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()

    histories, titles = load_movielens(shared_data("movielens", "ml-100k"))
    split = leave_last_out(histories)
    cat = split.catalogue
    report = Report("recommend_quality", anchor="gensim 4 Word2Vec, default settings",
                    data="MovieLens 100K", users=len(split.test), items=len(cat),
                    protocol="leave-last-out, full ranking, history excluded")

    start = time.perf_counter()
    row(report, "most popular", evaluate(PopularityScorer(split.train_full, cat), split.test, cat),
        time.perf_counter() - start)
    start = time.perf_counter()
    cooc = evaluate(CooccurrenceScorer(split.train_full, cat), split.test, cat)
    row(report, "co-occurrence (also watched)", cooc, time.perf_counter() - start)

    start = time.perf_counter()
    gensim_rec = gensim_default(split.train_full)
    gensim = evaluate(VectorScorer(gensim_rec, cat), split.test, cat)
    row(report, "gensim default item2vec", gensim, time.perf_counter() - start,
        "CBOW, window 5, min_count 5, 5 epochs")

    start = time.perf_counter()
    ours_default = train_item2vec(split.train_full, Item2VecConfig())
    seconds = time.perf_counter() - start
    row(report, "ours, defaults", evaluate(VectorScorer(ours_default, cat), split.test, cat), seconds,
        "Item2VecConfig()")

    start = time.perf_counter()
    found = tune(split, trials=args.trials, method=args.method, seed=0,
                 report=lambda t: print(f"  trial {t.score:.4f} epochs {t.epochs} decay {t.decay} "
                                        f"{t.settings} ({t.seconds:.0f} s)", flush=True))
    tune_s = time.perf_counter() - start
    start = time.perf_counter()
    tuned = train_item2vec(split.train_full, found.best)
    seconds = time.perf_counter() - start
    tuned_m = evaluate(VectorScorer(tuned, cat), split.test, cat)
    b = found.best
    row(report, "ours, tuned", tuned_m, seconds,
        f"ns_exp {b.ns_exponent}, window {b.window or 'session'}, epochs {b.epochs}, "
        f"sample {b.sample}, neg {b.negative}, dim {b.dim}, decay {b.decay}")

    report.summary = {
        "tuned / gensim default HR@10": ratio(tuned_m["HR@10"], gensim["HR@10"]),
        "tuned / co-occurrence HR@10": ratio(tuned_m["HR@10"], cooc["HR@10"]),
        "target": "tuned >= 1.5x gensim default and > co-occurrence on HR@10",
        "met": bool(tuned_m["HR@10"] >= 1.5 * gensim["HR@10"] and tuned_m["HR@10"] > cooc["HR@10"]),
        "tuning": f"{args.method}, {args.trials} settings, {len(found.trials)} trainings, "
                  f"{tune_s:.0f} s, validation HR@10 {found.score:.4f}",
        "best settings": {k: v for k, v in vars(found.best).items() if k not in ("threads", "seed")},
    }
    report.emit(args.json)
    star_wars = "50"
    print("\nFilms nearest to", titles[star_wars], "(tuned model):")
    for item, score in zip(*(lambda r: (r.items, r.scores))(tuned.similar(star_wars, 5))):
        print(f"  {score:.3f}  {titles.get(item, item)}")


if __name__ == "__main__":
    main()
