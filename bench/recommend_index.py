"""Exact vs approximate (hnswlib) nearest-neighbour search on random unit vectors.

1,000,000 vectors of dim 64 drawn uniformly on the sphere (the hardest case for a graph index:
no cluster structure to exploit). Measures build time, memory, recall@10 against the exact index
for a range of ``ef``, and queries per second one query at a time (as a service asks) and in
batches, for both indexes.

    python bench/recommend_index.py [--n 1000000] [--M 32] [--ef-construction 200] [--json out.json]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from runner import Report, peak_rss_mb, ratio  # noqa: E402

from illustrated.recommend.index import ExactIndex, HnswIndex, normalise  # noqa: E402


def random_unit(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, 100_000):
        out[s:s + 100_000] = normalise(rng.standard_normal((min(100_000, n - s), dim), dtype=np.float32))
    return out


def low_rank_unit(n: int, dim: int, seed: int, rank: int = 16, noise: float = 0.1) -> np.ndarray:
    """Unit vectors near a random ``rank``-dimensional subspace, as trained embeddings are
    (their spectra fall off quickly); shares its subspace across seeds so queries match data."""
    basis = np.random.default_rng(12345).standard_normal((rank, dim), dtype=np.float32)
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for s in range(0, n, 100_000):
        m = min(100_000, n - s)
        z = rng.standard_normal((m, rank), dtype=np.float32) @ basis
        z += noise * np.sqrt(rank) * rng.standard_normal((m, dim), dtype=np.float32)
        out[s:s + m] = normalise(z)
    return out


def rss_mb() -> float:
    """This process's resident memory now, in MiB."""
    return psutil.Process().memory_info().rss / 2**20


def qps_single(index, queries: np.ndarray, k: int, **kw) -> float:
    start = time.perf_counter()
    for q in queries:
        index.search(q[None, :], k, **kw)
    return len(queries) / (time.perf_counter() - start)


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a.tolist()) & set(b.tolist())) / len(b) for a, b in zip(found, truth)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--M", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=200)
    parser.add_argument("--queries", type=int, default=1000,
                        help="queries, each timed one at a time on both indexes (>= 1,000 for a published figure)")
    parser.add_argument("--efs", default="32,64,128,256,512")
    parser.add_argument("--data", choices=["random", "low-rank"], default="random",
                        help="uniform on the sphere (the target), or near a 16-dim subspace")
    parser.add_argument("--save", default=None, help="Also save a recommender model with this index.")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    k = 10

    base = rss_mb()
    make = random_unit if args.data == "random" else low_rank_unit
    unit = make(args.n, args.dim, seed=0)
    queries = make(args.queries, args.dim, seed=1)
    exact = ExactIndex(unit)
    exact_mb = rss_mb() - base
    print(f"vectors ready: {unit.nbytes / 2**20:.0f} MiB", flush=True)

    start = time.perf_counter()
    truth, _ = exact.search(queries, k)
    exact_batch_qps = len(queries) / (time.perf_counter() - start)
    # every query, one at a time: the rate the speed-ups divide by (at least 1,000 queries for a
    # figure to publish; a single exact query reads all the vectors, so its rate swings with the
    # machine's memory traffic and a few dozen queries do not pin it down)
    exact_single_qps = qps_single(exact, queries, k)
    print(f"exact: {exact_single_qps:.1f} q/s single, {exact_batch_qps:.1f} q/s batched", flush=True)

    before = rss_mb()
    start = time.perf_counter()
    approx = HnswIndex(unit, M=args.M, ef_construction=args.ef_construction, ef=64, threads=-1)
    build_s = time.perf_counter() - start
    hnsw_mb = rss_mb() - before
    index_bytes = approx.to_arrays()["hnsw_bytes"].nbytes
    print(f"hnsw built in {build_s:.0f} s, +{hnsw_mb:.0f} MiB resident", flush=True)

    report = Report("recommend_index", anchor="exact NumPy search (matrix product)",
                    data=args.data, n=args.n, dim=args.dim, k=k, queries=len(queries),
                    exact_single_queries=len(queries), M=args.M,
                    ef_construction=args.ef_construction)
    report.add(index="exact", ef=None, build_s=0.0, memory_mb=round(exact_mb), recall_at_10=1.0,
               qps_single=round(exact_single_qps, 1), qps_batch=round(exact_batch_qps, 1),
               speedup_single=1.0)
    chosen = None
    for ef in [int(e) for e in args.efs.split(",")]:
        approx.set_ef(ef)
        found, _ = approx.search(queries, k, threads=-1)
        r = recall(found, truth)
        single = qps_single(approx, queries, k, threads=1)
        start = time.perf_counter()
        approx.search(queries, k, threads=-1)
        batch = len(queries) / (time.perf_counter() - start)
        row = report.add(index="hnsw", ef=ef, build_s=round(build_s, 1),
                         memory_mb=round(index_bytes / 2**20), recall_at_10=round(r, 4),
                         qps_single=round(single, 1), qps_batch=round(batch, 1),
                         speedup_single=ratio(single, exact_single_qps))
        print(row, flush=True)
        if chosen is None and r >= 0.95:
            chosen = row
    report.summary = {
        "target": "recall@10 >= 0.95 with approximate >= 50x faster than exact",
        "smallest ef reaching recall 0.95": chosen["ef"] if chosen else None,
        "speedup there (single queries)": chosen["speedup_single"] if chosen else None,
        "speedup there (batched)": ratio(chosen["qps_batch"], exact_batch_qps) if chosen else None,
        "met": bool(chosen and chosen["speedup_single"] >= 50),
        "hnsw resident MiB during build": round(hnsw_mb),
        "peak MiB": round(peak_rss_mb()),
    }
    report.emit(args.json)
    if args.save:
        from illustrated.recommend.item2vec import Recommender
        from illustrated.word2vec import KeyedVectors

        approx.set_ef(chosen["ef"] if chosen else 64)
        kv = KeyedVectors([str(i) for i in range(args.n)], unit, np.ones(args.n, dtype=np.int64))
        Recommender(kv, index=approx).save(args.save)
        print(f"model with this index saved to {args.save}")


if __name__ == "__main__":
    main()
