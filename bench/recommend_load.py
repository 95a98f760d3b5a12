"""Loading a 1,000,000-item hnsw model safely: check the stored graph, or rebuild it?

A model file is data from outside, and hnswlib's ``loadIndex`` trusts its bytes (hnswlib issue
#673). Two safe ways to serve one: check every byte hnswlib will use before it reads them
(``illustrated.recommend.hnsw_file``; what ``Recommender.load`` does), or ignore the stored graph
and rebuild it from the stored vectors. This measures both on the service benchmark's model
(1M random unit vectors of dim 64, M = 32, ef_construction = 200): the whole load, its parts
(reading the .npz, checking the bytes, hnswlib's own load) and a full rebuild.

    python bench/recommend_load.py [--model /tmp/illustrated-random1m.npz] [--repeats 3] [--no-rebuild]

When the model file does not exist yet it is built first, and that build is the rebuild figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from recommend_index import random_unit  # noqa: E402
from runner import Report, add_random_model_options, peak_rss_mb  # noqa: E402

from illustrated.files import read_npz  # noqa: E402
from illustrated.recommend.hnsw_file import check_hnsw_bytes  # noqa: E402
from illustrated.recommend.index import HnswIndex  # noqa: E402
from illustrated.recommend.item2vec import Recommender  # noqa: E402
from illustrated.word2vec import KeyedVectors  # noqa: E402


def timed(fn, repeats: int) -> tuple[float, object]:
    """Median seconds of ``repeats`` calls, and the last result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def hnswlib_load(arrays: dict, dim: int, n: int) -> float:
    """Seconds for hnswlib's own load_index of the stored bytes (written to a file first)."""
    import hnswlib

    fd, tmp = tempfile.mkstemp(suffix=".hnsw")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(arrays["index_hnsw_bytes"].tobytes())
        index = hnswlib.Index(space="ip", dim=dim)
        start = time.perf_counter()
        index.load_index(tmp, max_elements=n)
        return time.perf_counter() - start
    finally:
        os.unlink(tmp)


def build(path: Path, n: int, M: int, efc: int) -> float:
    """The service benchmark's model (same vectors and settings); returns the graph's build time,
    which is exactly what a rebuild on load would cost."""
    kv = KeyedVectors([str(i) for i in range(n)], random_unit(n, 64, seed=0), np.ones(n, np.int64))
    start = time.perf_counter()
    rec = Recommender(kv, index="hnsw", M=M, ef_construction=efc, ef=64)
    seconds = time.perf_counter() - start
    rec.save(path)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_random_model_options(parser)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-rebuild", action="store_true", help="skip the (long) rebuild")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    model = Path(args.model)
    report = Report("recommend_load", anchor="rebuilding the graph from the stored vectors",
                    model=str(model), repeats=args.repeats, threads=os.cpu_count())
    rebuild_s = None
    if not model.exists():
        rebuild_s = build(model, args.n, args.M, args.ef_construction)

    read_s, (arrays, _) = timed(lambda: read_npz(model), args.repeats)
    unit = np.ascontiguousarray(arrays["vectors"], dtype=np.float32)
    unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    n, dim = unit.shape
    M, efc, _ = (int(x) for x in arrays["index_hnsw_settings"])
    report.settings.update(items=n, dim=dim, M=M, ef_construction=efc,
                           index_mb=round(arrays["index_hnsw_bytes"].nbytes / 2**20, 1))
    check_s, _ = timed(lambda: check_hnsw_bytes(arrays["index_hnsw_bytes"], unit, M), args.repeats)
    raw_load_s = statistics.median(hnswlib_load(arrays, dim, n) for _ in range(args.repeats))
    load_s, rec = timed(lambda: Recommender.load(model), args.repeats)
    report.add(step="read the .npz", seconds=round(read_s, 3))
    report.add(step="check the hnsw bytes", seconds=round(check_s, 3))
    report.add(step="hnswlib load_index (unchecked)", seconds=round(raw_load_s, 3))
    report.add(step="Recommender.load (all of it, checked)", seconds=round(load_s, 3))
    if rebuild_s is None and not args.no_rebuild:
        start = time.perf_counter()
        HnswIndex(rec.unit, M=M, ef_construction=efc, ef=64)
        rebuild_s = time.perf_counter() - start
    if rebuild_s is not None:
        report.add(step="rebuild the graph from the vectors", seconds=round(rebuild_s, 1))
        report.summary["rebuild / checked load"] = round(rebuild_s / load_s, 1)
    report.summary["check / checked load"] = round(check_s / load_s, 3)
    report.summary["peak RSS (MB)"] = round(peak_rss_mb(), 0)
    report.emit(args.json)


if __name__ == "__main__":
    main()
