"""Nearest-neighbour search over unit vectors: exact (NumPy) and approximate (hnswlib).

Both answer :meth:`Index.search` the same way — for queries ``[m, dim]`` the ids ``[m, k]`` (int64,
positions in the indexed matrix) and cosine scores ``[m, k]`` (float32), best first, optionally
leaving out given ids per query — so callers never care which one they hold.

* :class:`ExactIndex` scores every row (a matrix product in blocks): always right, linear in the
  catalogue size.
* :class:`HnswIndex` (Malkov & Yashunin, HNSW) answers in roughly logarithmic time; ``ef`` trades
  speed for recall, measured against the exact index by :func:`recall_at_k`.
* :class:`ShardedIndex` spreads a catalogue over several indexes (one per machine or process in a
  larger deployment) and merges their top-k lists; the shards may be exact or approximate.

Indexes serialise to plain arrays (``to_arrays``/``from_arrays``) so they live inside a model's
``.npz`` file; hnswlib's own binary format is stored as bytes, never pickled.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from ..errors import ConfigError, FormatError
from ..files import scratch_path

__all__ = ["Index", "ExactIndex", "HnswIndex", "ShardedIndex", "build_index", "index_from_arrays",
           "recall_at_k", "normalise"]


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero); float32 ``[n, dim]``."""
    v = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return (v / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


class Index(Protocol):
    """What every index offers."""

    kind: str

    def __len__(self) -> int: ...

    def search(self, queries: np.ndarray, k: int,
               exclude: list[set[int]] | None = None) -> tuple[np.ndarray, np.ndarray]: ...

    def to_arrays(self) -> dict[str, np.ndarray]: ...


def _as_queries(queries: np.ndarray, dim: int) -> np.ndarray:
    q = np.asarray(queries, dtype=np.float32)
    if q.ndim == 1:
        q = q[None, :]
    if q.ndim != 2 or q.shape[1] != dim:
        raise ConfigError(f"queries must have shape [m, {dim}], got {list(q.shape)}")
    return np.ascontiguousarray(q)


def _check_k(k: int) -> None:
    if k < 1:
        raise ConfigError(f"k must be at least 1, got {k}")


class ExactIndex:
    """Brute-force cosine search over unit vectors ``[n, dim]`` float32."""

    kind = "exact"

    def __init__(self, unit: np.ndarray, block: int = 262_144) -> None:
        self.unit = np.ascontiguousarray(unit, dtype=np.float32)
        self.block = block

    def __len__(self) -> int:
        return len(self.unit)

    @property
    def dim(self) -> int:
        return self.unit.shape[1]

    def scores(self, queries: np.ndarray) -> np.ndarray:
        """Cosine of every query against every row: float32 ``[m, n]``."""
        return _as_queries(queries, self.dim) @ self.unit.T

    def search(self, queries: np.ndarray, k: int,
               exclude: list[set[int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` ids and scores per query, leaving out ``exclude[i]`` for query ``i``."""
        _check_k(k)
        q = _as_queries(queries, self.dim)
        m, n = len(q), len(self.unit)
        k_eff = min(k, n)
        best_ids = np.full((m, 0), -1, dtype=np.int64)
        best_sc = np.full((m, 0), -np.inf, dtype=np.float32)
        # Blocks keep the [m, block] score matrix small (~16M floats) for large catalogues.
        block = max(1024, min(self.block, (1 << 24) // m))
        for start in range(0, n, block):
            sc = q @ self.unit[start:start + block].T
            if exclude is not None:
                for row, ex in enumerate(exclude):
                    local = [j - start for j in ex if start <= j < start + sc.shape[1]]
                    if local:
                        sc[row, local] = -np.inf
            kk = min(k_eff, sc.shape[1])
            part = np.argpartition(-sc, kk - 1, axis=1)[:, :kk] if kk < sc.shape[1] else \
                np.tile(np.arange(sc.shape[1]), (m, 1))
            best_ids = np.concatenate([best_ids, part + start], axis=1)
            best_sc = np.concatenate([best_sc, np.take_along_axis(sc, part, axis=1)], axis=1)
            if best_ids.shape[1] > k_eff:
                keep = np.argpartition(-best_sc, k_eff - 1, axis=1)[:, :k_eff]
                best_ids = np.take_along_axis(best_ids, keep, axis=1)
                best_sc = np.take_along_axis(best_sc, keep, axis=1)
        order = np.argsort(-best_sc, axis=1, kind="stable")
        ids = np.take_along_axis(best_ids, order, axis=1)
        sc = np.take_along_axis(best_sc, order, axis=1)
        ids[~np.isfinite(sc)] = -1
        return ids, sc

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {}

    @classmethod
    def from_arrays(cls, unit: np.ndarray, arrays: dict[str, np.ndarray]) -> "ExactIndex":
        return cls(unit)


class HnswIndex:
    """Approximate cosine search with hnswlib over unit vectors ``[n, dim]`` float32.

    Args:
        M: links per node (memory and recall grow with it).
        ef_construction: breadth of the search while building (build time and quality).
        ef: breadth of each query; raised to at least ``k`` (+ excluded ids) per search.
        threads: threads for building and batched queries (-1: all cores).
    """

    kind = "hnsw"

    def __init__(self, unit: np.ndarray, M: int = 16, ef_construction: int = 200, ef: int = 64,
                 threads: int = -1, seed: int = 100, _index=None) -> None:
        import hnswlib

        self.unit = np.ascontiguousarray(unit, dtype=np.float32)
        self.M, self.ef_construction, self.ef, self.threads = M, ef_construction, ef, threads
        if _index is not None:
            self._index = _index
        else:
            n, dim = self.unit.shape
            self._index = hnswlib.Index(space="ip", dim=dim)
            self._index.init_index(max_elements=max(n, 1), ef_construction=ef_construction, M=M,
                                   random_seed=seed)
            if n:
                self._index.add_items(self.unit, np.arange(n), num_threads=threads)
        self._index.set_ef(ef)

    def __len__(self) -> int:
        return len(self.unit)

    @property
    def dim(self) -> int:
        return self.unit.shape[1]

    def set_ef(self, ef: int) -> None:
        self.ef = ef
        self._index.set_ef(ef)

    def search(self, queries: np.ndarray, k: int,
               exclude: list[set[int]] | None = None, threads: int | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` ids and scores per query, leaving out ``exclude[i]`` for query ``i``.

        Where the graph yields fewer than ``k`` items (hnswlib then refuses the whole batch) the
        rows are ``-1`` with score ``-inf``, like any missing result; a Recommender completes them
        by exact search.
        """
        _check_k(k)
        q = _as_queries(queries, self.dim)
        n = len(self.unit)
        extra = max((len(e) for e in exclude), default=0) if exclude else 0
        kk = min(k + extra, n)
        if kk == 0:
            return np.full((len(q), k), -1, np.int64), np.full((len(q), k), -np.inf, np.float32)
        if kk > self.ef:
            self._index.set_ef(kk)
        try:
            if threads is None:  # one query: no thread pool to start
                threads = 1 if len(q) == 1 else self.threads
            labels, dist = self._index.knn_query(q, k=kk, num_threads=threads)
        except RuntimeError:  # hnswlib found fewer than kk items: report none, callers complete
            return np.full((len(q), k), -1, np.int64), np.full((len(q), k), -np.inf, np.float32)
        finally:
            if kk > self.ef:
                self._index.set_ef(self.ef)
        labels = labels.astype(np.int64)
        scores = (1.0 - dist).astype(np.float32)
        if exclude:
            for row, ex in enumerate(exclude):
                if ex:
                    drop = np.fromiter((int(x) in ex for x in labels[row]), bool, kk)
                    scores[row, drop] = -np.inf
            order = np.argsort(-scores, axis=1, kind="stable")
            labels = np.take_along_axis(labels, order, axis=1)
            scores = np.take_along_axis(scores, order, axis=1)
        labels, scores = labels[:, :k], scores[:, :k]
        labels[~np.isfinite(scores)] = -1
        return labels, scores

    def to_arrays(self) -> dict[str, np.ndarray]:
        """hnswlib's saved index as bytes (uint8), plus its settings."""
        with scratch_path() as tmp:
            self._index.save_index(tmp)
            data = np.fromfile(tmp, dtype=np.uint8)
        return {"hnsw_bytes": data,
                "hnsw_settings": np.array([self.M, self.ef_construction, self.ef], dtype=np.int64)}

    @classmethod
    def from_arrays(cls, unit: np.ndarray, arrays: dict[str, np.ndarray],
                    threads: int = -1) -> "HnswIndex":
        """The stored graph, after :func:`~.hnsw_file.check_hnsw_bytes` has verified every byte
        hnswlib will trust against ``unit`` (float32 ``[n, dim]``, the model's unit vectors)."""
        import hnswlib

        from .hnsw_file import check_hnsw_bytes

        if "hnsw_bytes" not in arrays or "hnsw_settings" not in arrays:
            raise FormatError("model file has no hnsw index arrays")
        settings, raw = arrays["hnsw_settings"], arrays["hnsw_bytes"]
        if settings.shape != (3,) or settings.dtype.kind not in "iu" or raw.dtype != np.uint8 \
                or raw.ndim != 1:
            raise FormatError("stored hnsw index is damaged: settings or bytes of the wrong kind")
        M, efc, ef = (int(x) for x in settings)
        if not (2 <= M <= 4096 and 1 <= efc <= 1_000_000 and 1 <= ef <= 1_000_000):
            raise FormatError(f"stored hnsw settings out of range: M {M}, ef_construction {efc}, "
                              f"ef {ef}")
        check_hnsw_bytes(raw, unit, M)
        with scratch_path() as tmp:
            with open(tmp, "wb") as f:
                f.write(memoryview(np.ascontiguousarray(raw)))
            index = hnswlib.Index(space="ip", dim=unit.shape[1])
            try:
                index.load_index(tmp, max_elements=len(unit))
            except RuntimeError as e:
                raise FormatError(f"stored hnsw index is damaged ({e})") from None
        if index.get_current_count() != len(unit):
            raise FormatError(f"stored hnsw index holds {index.get_current_count()} items, "
                              f"vectors hold {len(unit)}")
        return cls(unit, M=M, ef_construction=efc, ef=ef, threads=threads, _index=index)


class ShardedIndex:
    """Several indexes over consecutive slices of one catalogue, searched together.

    Each shard answers its own top-k; the merged list is the best ``k`` of those. Ids are global
    (shard ``s`` covers ``offsets[s] : offsets[s] + len(shard)``). In a deployment the shards can
    live in separate processes or machines; here they are searched in turn.
    """

    kind = "sharded"

    def __init__(self, shards: list) -> None:
        if not shards:
            raise ConfigError("a sharded index needs at least one shard")
        self.shards = shards
        self.offsets = np.cumsum([0] + [len(s) for s in shards])[:-1]

    def __len__(self) -> int:
        return int(sum(len(s) for s in self.shards))

    def search(self, queries: np.ndarray, k: int,
               exclude: list[set[int]] | None = None) -> tuple[np.ndarray, np.ndarray]:
        ids, scores = [], []
        for off, shard in zip(self.offsets, self.shards):
            ex = None
            if exclude is not None:
                ex = [{j - off for j in e if off <= j < off + len(shard)} for e in exclude]
            i, s = shard.search(queries, k, ex)
            ids.append(np.where(i >= 0, i + off, -1))
            scores.append(s)
        all_ids, all_sc = np.concatenate(ids, axis=1), np.concatenate(scores, axis=1)
        order = np.argsort(-all_sc, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(all_ids, order, axis=1), np.take_along_axis(all_sc, order, axis=1)

    def to_arrays(self) -> dict[str, np.ndarray]:
        raise FormatError("a sharded index is saved shard by shard")


def build_index(unit: np.ndarray, kind: str = "auto", **options) -> ExactIndex | HnswIndex:
    """An index of ``kind`` 'exact', 'hnsw', or 'auto' (exact below 50,000 items)."""
    if kind == "auto":
        kind = "exact" if len(unit) < 50_000 else "hnsw"
    if kind == "exact":
        return ExactIndex(unit)
    if kind == "hnsw":
        return HnswIndex(unit, **options)
    raise ConfigError(f"index kind must be 'exact', 'hnsw' or 'auto', got {kind!r}")


def index_from_arrays(kind: str, unit: np.ndarray, arrays: dict[str, np.ndarray]):
    """Rebuild an index saved with ``to_arrays`` (the inverse of saving it in a model file)."""
    if kind == "exact":
        return ExactIndex.from_arrays(unit, arrays)
    if kind == "hnsw":
        return HnswIndex.from_arrays(unit, arrays)
    raise FormatError(f"unknown index kind {kind!r} in model file")


def recall_at_k(approx, exact: ExactIndex, queries: np.ndarray, k: int = 10) -> float:
    """Mean fraction of the exact top-``k`` that the approximate index also returns."""
    a, _ = approx.search(queries, k)
    e, _ = exact.search(queries, k)
    hits = sum(len(set(x.tolist()) & set(y.tolist())) for x, y in zip(a, e))
    return hits / float(e.size)
