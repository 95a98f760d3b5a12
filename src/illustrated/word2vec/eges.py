"""word2vec with side information: EGES attributes, global contexts and in-market negatives.

:class:`EgesWord2Vec` is a :class:`~.trainer.Word2Vec` (skip-gram, negative sampling) whose
items may carry

* **attributes** (Wang et al., KDD 2018, EGES): an item's input vector is the softmax-weighted
  mean of its own row and one row per attribute value, the per-item weights learned with the
  vectors (:mod:`.kernels.eges`); an attribute value shared by many items is trained by all of
  them, so an item seen rarely — or never — still gets a meaningful vector from its values;
* **global contexts** (Grbovic & Cheng, KDD 2018): the items a session converted to, trained as
  a positive context of every item of that session, whatever the window;
* **markets**: a share of each centre item's negatives drawn from its own market.

It trains through the same threads, schedule, progress and divergence checks as the plain model
(:mod:`.workers`), with its own compiled driver (:mod:`.kernels.eges_chunk`); the plain kernel is
not involved. Nothing here knows about files of attributes: the caller maps each item to the
names of its attribute values and its market.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError, FormatError, IllustratedError, TrainingError
from . import tables
from .config import Word2VecConfig
from .. import files
from .formats import MAGIC, write_npz
from .trainer import Word2Vec
from .vectors import KeyedVectors

__all__ = ["SideInfo", "EgesWord2Vec"]


@dataclass
class SideInfo:
    """What is known about the items besides the sessions.

    Args:
        attributes: item → the names of its attribute values (e.g. ``"genre=Comedy"``); items
            absent or with none keep their own row alone.
        markets: item → its market (e.g. its city); items absent have none.
        market_share: the share of each centre item's negatives drawn from its market, in [0, 1].
    """

    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    markets: Mapping[str, str] = field(default_factory=dict)
    market_share: float = 0.0

    def __post_init__(self) -> None:
        share = self.market_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ConfigError(f"market_share must be a number in [0, 1], got {share!r}")


class EgesWord2Vec(Word2Vec):
    """Skip-gram with side information; see the module.

    After training: ``wv.vectors`` are the items' own rows, ``attr_vectors`` float32
    ``[n_values, dim]`` the attribute rows named by ``values``, ``indptr`` int64 ``[n + 1]`` /
    ``indices`` int32 ``[nnz]`` each item's attribute rows, ``id_logit`` float32 ``[n]`` and
    ``val_logit`` float32 ``[nnz]`` the logits of its weights, and :meth:`mixed_vectors` the input
    vectors the kernel trained (what a recommender should search).
    """

    def __init__(self, config: Word2VecConfig | None = None, side: SideInfo | None = None) -> None:
        super().__init__(config)
        c = self.config
        if not c.sg or c.hs or c.negative < 1:
            raise ConfigError("side information (attributes, conversions, markets) trains with "
                              "skip-gram and negative sampling: sg on, hs off, negative ≥ 1")
        self.side = side if side is not None else SideInfo()
        self.values: list[str] = []
        self.attr_vectors = np.zeros((0, c.dim), np.float32)
        self.indptr = np.zeros(1, np.int64)
        self.indices = np.zeros(0, np.int32)
        self.id_logit = np.zeros(0, np.float32)
        self.val_logit = np.zeros(0, np.float32)
        self._goals: dict[int, Sequence[str]] | None = None
        self._markets: tuple | None = None

    # ---- side information --------------------------------------------------------------------
    def build_vocab(self, sentences: Iterable[Sequence[str]], world=None) -> None:
        """The items, their weights, and the attribute rows of the values the items carry (the
        same on every process: the vocabulary is merged, the rows drawn from the seed)."""
        super().build_vocab(sentences, world)
        keys, attrs = self.wv.keys, self.side.attributes
        own = [list(dict.fromkeys(attrs.get(k, ()))) for k in keys]   # each value once, in order
        counts = Counter(v for vs in own for v in vs)
        self.values = sorted(counts, key=lambda v: (-counts[v], v))
        row = {v: r for r, v in enumerate(self.values)}
        lengths = np.array([len(vs) for vs in own], dtype=np.int64)
        self.indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self.indices = np.fromiter((row[v] for vs in own for v in vs), np.int32,
                                   int(self.indptr[-1]))
        rng = np.random.default_rng(self.config.seed + 1)
        self.attr_vectors = ((rng.random((len(self.values), self.config.dim), dtype=np.float32)
                              - 0.5) / self.config.dim)
        # an item's own row starts at half its vector, its attribute rows share the other half
        # (MovieLens 100K, 5 seeds: next-item HR@10 0.214 against 0.206 from equal weights)
        self.id_logit = np.log(np.maximum(lengths, 1)).astype(np.float32)
        self.val_logit = np.zeros(len(self.indices), np.float32)
        self._markets = None

    def _market_tables(self) -> tuple:
        """``(market_of, market_ptr, market_items, market_noise, in_market)`` for the kernel."""
        if self._markets is None:
            c, keys, markets = self.config, self.wv.keys, self.side.markets
            in_market = int(round(self.side.market_share * c.negative))
            names = sorted({markets[k] for k in keys if k in markets})
            if in_market == 0 or not names:
                empty = np.zeros(0, np.int32)
                self._markets = (empty, np.zeros(1, np.int64), empty, np.zeros((0, 2), np.uint32), 0)
                return self._markets
            number = {m: i for i, m in enumerate(names)}
            market_of = np.array([number.get(markets.get(k), -1) for k in keys], dtype=np.int32)
            order = np.argsort(market_of, kind="stable")
            order = order[market_of[order] >= 0].astype(np.int32)
            sizes = np.bincount(market_of[order], minlength=len(names))
            ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
            noise = np.zeros((len(order), 2), np.uint32)
            for m in range(len(names)):
                members = order[ptr[m]:ptr[m + 1]]
                p = tables.noise_distribution(self.wv.counts[members], c.ns_exponent)
                noise[ptr[m]:ptr[m + 1]] = tables.alias_pack(*tables.alias_table(p))
            self._markets = (market_of, ptr, order, noise, in_market)
        return self._markets

    # ---- training ----------------------------------------------------------------------------
    def train(self, sentences: Iterable[Sequence[str]], progress: bool = True,
              log_path: str | os.PathLike | None = None, epochs: int | None = None,
              checkpoint: str | os.PathLike | None = None,
              goals: Sequence[Sequence[str]] | None = None, world=None) -> "EgesWord2Vec":
        """Train as :meth:`Word2Vec.train` does; ``goals`` (parallel to ``sentences``) names the
        items each session converted to, trained as contexts of all its items. Under
        ``torchrun`` each process's share of the sessions keeps its own goals."""
        if goals is not None and len(goals) != len(sentences):
            raise ConfigError(f"goals must be one list per session ({len(sentences)}), "
                              f"got {len(goals)}")
        # by the session itself: a process's share is a slice of the same session lists
        self._goals = None if goals is None else {id(s): g for s, g in zip(sentences, goals)}
        try:
            return super().train(sentences, progress=progress, log_path=log_path, epochs=epochs,
                                 checkpoint=checkpoint, world=world)
        finally:
            self._goals = None

    def chunks(self, sentences, chunk_words: int = 50_000):
        """Chunks as :meth:`Word2Vec.chunks` makes them, each session followed by markers of its
        global contexts (:func:`~.kernels.eges_chunk.goal_marker`); ``n`` counts items only."""
        from .kernels.eges_chunk import goal_marker

        if self._goals is None:
            yield from super().chunks(sentences, chunk_words)
            return
        get, limit = self.wv.key_to_index.get, self.config.max_sentence_length
        ids: list[int] = []
        lens: list[int] = []
        n = 0
        for sentence in sentences:
            marks = [goal_marker(get(g)) for g in self._goals.get(id(sentence), ())
                     if get(g) is not None]
            for start in range(0, len(sentence), limit):
                piece = sentence[start:start + limit]
                ids.extend(get(t, -1) for t in piece)
                ids.extend(marks)
                lens.append(len(piece) + len(marks))
                n += len(piece)
            if n >= chunk_words:
                yield _packed(ids, lens, n)
                ids, lens, n = [], [], 0
        if ids:
            yield _packed(ids, lens, n)

    def kernel(self):
        """The :class:`~.kernels.items.ItemKernel` with this model's weights, tables and
        settings (it trains the model's arrays in place)."""
        from .kernels.items import ItemKernel

        c = self.config
        t = self._kernel_tables()
        market_of, ptr, items, noise, in_market = self._market_tables()
        return ItemKernel(syn0=self.wv.vectors, syn1neg=self.syn1neg, attr=self.attr_vectors,
                          indptr=self.indptr, indices=self.indices, id_logit=self.id_logit,
                          val_logit=self.val_logit, keep=t["keep"], noise=t["noise"],
                          market_of=market_of, market_ptr=ptr, market_items=items,
                          market_noise=noise, negative=c.negative, in_market=in_market,
                          window=c.window, shrink=c.shrink_windows, budget=c.context_budget)

    def _check_finite(self, epoch: int, where: str = "") -> None:
        super()._check_finite(epoch, where)
        for name, w in (("attribute vectors", self.attr_vectors), ("weight logits", self.val_logit),
                        ("weight logits", self.id_logit)):
            if not np.isfinite(w).all():
                raise TrainingError(f"training diverged in epoch {epoch + 1}{where}: {name} are not "
                                    f"finite ({self.settings()}); nothing was saved — lower alpha "
                                    "or the window")

    def save(self, path: str | os.PathLike, wait: bool = True) -> files.Pending | None:
        """Write the resumable ``.npz`` (a checkpoint): what :meth:`Word2Vec.save` writes, plus
        the attribute rows, each item's attribute rows and the logits of its weights. The side
        information itself (which values an item has, its market) is the caller's, given again
        to :meth:`load`. ``wait=False``: as :meth:`Word2Vec.save`."""
        if self.wv is None:
            raise IllustratedError("cannot save a model that has no vocabulary yet")
        arrays = {"vectors": self.wv.vectors, "counts": self.wv.counts, "syn1neg": self.syn1neg,
                  "attr_vectors": self.attr_vectors, "attr_indptr": self.indptr,
                  "attr_indices": self.indices, "id_logit": self.id_logit,
                  "val_logit": self.val_logit}
        state = {"corpus_words": self.corpus_words, "epochs_done": self.epochs_done,
                 "epochs_total": self.epochs_total, "last_loss": self.last_loss,
                 "corpus": self.corpus_source}
        return write_npz(path, arrays, {"kind": "side-model", "keys": self.wv.keys,
                                        "values": self.values, "config": self.config.to_dict(),
                                        "state": state}, wait=wait)

    @classmethod
    def load(cls, path: str | os.PathLike, side: SideInfo | None = None) -> "EgesWord2Vec":
        """Read a file of :meth:`save` to continue training it with ``side`` (the same side
        information it was trained with); every array is checked against the others first."""
        arrays, meta = files.read_npz(path, fmt=MAGIC)   # 1-D arrays too: checked below
        if meta.get("kind") != "side-model":
            raise FormatError(f"{path}: not a checkpoint of training with side information")
        need = ("vectors", "counts", "syn1neg", "attr_vectors", "attr_indptr", "attr_indices",
                "id_logit", "val_logit")
        if any(k not in arrays for k in need) or not isinstance(meta.get("config"), dict):
            raise FormatError(f"{path}: corrupted: a checkpoint needs {', '.join(need)} and its config")
        try:
            model = cls(Word2VecConfig.from_dict(meta["config"]), side)
        except (ConfigError, TypeError) as e:
            raise FormatError(f"{path}: corrupted config: {e}") from None
        keys, values = meta.get("keys"), meta.get("values")
        _check_checkpoint(path, arrays, keys, values, model.config.dim)
        model.wv = KeyedVectors(keys, arrays["vectors"], arrays["counts"])
        model.syn1neg = np.ascontiguousarray(arrays["syn1neg"], np.float32)
        model.values = [str(v) for v in values]
        model.attr_vectors = np.ascontiguousarray(arrays["attr_vectors"], np.float32)
        model.indptr = arrays["attr_indptr"].astype(np.int64)
        model.indices = arrays["attr_indices"].astype(np.int32)
        model.id_logit = np.ascontiguousarray(arrays["id_logit"], np.float32)
        model.val_logit = np.ascontiguousarray(arrays["val_logit"], np.float32)
        model._load_state(path, meta.get("state", {}))
        return model

    # ---- results -----------------------------------------------------------------------------
    def weights(self, row: int) -> np.ndarray:
        """The softmax weights of item ``row``'s slots, float32 ``[1 + m]``: its own row first,
        then its ``m`` attribute values in ``indices`` order."""
        a, b = self.indptr[row], self.indptr[row + 1]
        logits = np.concatenate([[self.id_logit[row]], self.val_logit[a:b]]).astype(np.float64)
        w = np.exp(logits - logits.max())
        return (w / w.sum()).astype(np.float32)

    def mixed_vectors(self) -> np.ndarray:
        """Every item's input vector ``H``, float32 ``[n, dim]``: the softmax-weighted mean of
        its own row and its attribute rows (its own row alone when it has none)."""
        return mix_all(self.wv.vectors, self.attr_vectors, self.indptr, self.indices,
                       self.id_logit, self.val_logit)


def mix_all(own: np.ndarray, attr: np.ndarray, indptr: np.ndarray, indices: np.ndarray,
            id_logit: np.ndarray, val_logit: np.ndarray) -> np.ndarray:
    """``H`` for every row of ``own`` (float32 ``[n, dim]``), vectorised over the slots (the
    kernel's :func:`~.kernels.eges.mix` in NumPy)."""
    n = len(own)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    top = id_logit.astype(np.float64)
    np.maximum.at(top, rows, val_logit.astype(np.float64))
    w_id = np.exp(id_logit.astype(np.float64) - top)
    w_val = np.exp(val_logit.astype(np.float64) - top[rows])
    total = w_id + np.bincount(rows, weights=w_val, minlength=n)
    out = own.astype(np.float64) * (w_id / total)[:, None]
    if len(indices):
        np.add.at(out, rows, attr[indices].astype(np.float64) * (w_val / total[rows])[:, None])
    return out.astype(np.float32)


def _packed(ids: list[int], lens: list[int], n: int) -> tuple[np.ndarray, np.ndarray, int]:
    offsets = np.zeros(len(lens) + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    return np.asarray(ids, dtype=np.int32), offsets, n


def _check_checkpoint(path, arrays: dict, keys, values, dim: int) -> None:
    """Every size of a checkpoint against the others, every index in range, every float finite
    (a :class:`FormatError` naming the file)."""
    def names(x) -> bool:
        return isinstance(x, list) and all(isinstance(k, str) and k for k in x) \
            and len(set(x)) == len(x)

    n = len(keys) if names(keys) else -1
    v = len(values) if names(values) else -1
    indptr, indices = arrays["attr_indptr"], arrays["attr_indices"]
    shapes = {"vectors": (n, dim), "counts": (n,), "syn1neg": (n, dim), "attr_vectors": (v, dim),
              "attr_indptr": (n + 1,), "id_logit": (n,), "val_logit": indices.shape}
    bad = [k for k, shape in shapes.items() if arrays[k].shape != shape]
    if n < 0 or v < 0 or bad or indices.ndim != 1 or indptr.dtype.kind not in "iu" \
            or indices.dtype.kind not in "iu" or indptr[0] != 0 or indptr[-1] != len(indices) \
            or np.any(np.diff(indptr) < 0) or (len(indices) and (indices.min() < 0 or indices.max() >= v)):
        raise FormatError(f"{path}: corrupted: the checkpoint's arrays do not fit together"
                          + (f" ({', '.join(bad)})" if bad else ""))
    for k in ("vectors", "syn1neg", "attr_vectors", "id_logit", "val_logit"):
        if arrays[k].dtype.kind != "f" or not np.isfinite(arrays[k]).all():
            raise FormatError(f"{path}: corrupted: {k} are not finite floats")
