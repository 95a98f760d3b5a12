"""item2vec: word2vec over sessions, and a :class:`Recommender` that answers from its vectors.

A session (or a user's history, or a playlist) is a sentence and each item a word; items used in
the same sessions end up near each other (Barkan & Koenigstein 2016, "Item2Vec"). The settings,
and the findings their defaults start from, are in :class:`~.config.Item2VecConfig`.

Next items for a session add what followed its latest items in the training sessions (sequential
rules, :mod:`.rules`) to the vectors' cosine: the vectors generalise to items that never followed
one another, the rules keep the order that the vectors blur.

Training runs through :class:`illustrated.word2vec.Word2Vec`; only the vectors object
(:class:`~illustrated.word2vec.KeyedVectors`) crosses into the recommender. The model file is
:mod:`.storage`'s.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from ..errors import ConfigError, CorpusError
from ..files import check_finite
from .config import Item2VecConfig
from .index import ExactIndex, build_index
from .rules import rule_scores, session_rules
from .storage import read_model, read_settings, write_model

__all__ = ["Recommendation", "Recommender", "train_item2vec"]


@dataclass
class Recommendation:
    """An answer: items best first with their scores, and how it was reached.

    ``fallback`` is True when the most popular items were returned because nothing in the query
    was known to the model (or had a vector); ``unknown`` lists the query items the model has
    never seen; ``names`` is parallel to ``items`` (None where the model has no name); ``used`` is
    how many query items the answer was computed from (at most ``max_context`` of a session).
    """

    items: list[str]
    scores: list[float]
    fallback: bool
    reason: str
    unknown: list[str] = field(default_factory=list)
    names: list[str | None] = field(default_factory=list)
    used: int = 0

    def to_dict(self) -> dict:
        return {"items": self.items, "names": self.names, "scores": self.scores,
                "fallback": self.fallback, "reason": self.reason, "unknown": self.unknown,
                "used": self.used}


class Recommender:
    """Similar items and next items from item vectors, an index over them and item popularity.

    Args:
        vectors: a :class:`~illustrated.word2vec.KeyedVectors` (keys are item ids).
        popularity: int64 ``[n]`` interaction counts aligned with ``vectors.keys`` (defaults to
            ``vectors.counts``); used for the fallback.
        index: 'exact', 'hnsw', 'auto' (exact below 50,000 items), or a built index.
        decay, max_context: recency weighting of a session (see :class:`Item2VecConfig`).
        names: item names, a dict id → name or a list aligned with ``vectors.keys`` ("" or None
            for none); shown beside the ids in every answer.
        rules: float32 CSR ``[n, n]`` sequential rules over the item indices (:mod:`.rules`), or
            None; with ``rules_weight > 0`` they add "what followed" to the session scores.
        rules_weight, rules_last: how they count (see :class:`Item2VecConfig`).

    Vectors with NaN or infinity are refused (a model that went wrong is never served). Answers
    hold ``k`` items whenever the catalogue has that many to offer: when the index finds fewer
    (an approximate index, many excluded session items) exact search completes the list, and
    items whose vectors are zero fall back to popularity; the ``reason`` says which.
    """

    def __init__(self, vectors, popularity: np.ndarray | None = None, index="auto",
                 decay: float = 0.8, max_context: int = 50, config: Item2VecConfig | None = None,
                 names=None, rules: sparse.csr_matrix | None = None, rules_weight: float = 0.0,
                 rules_last: int = 5, **index_options) -> None:
        self.vectors = vectors
        n = len(vectors.keys)
        if n == 0:
            raise ConfigError("a recommender needs at least one item vector")
        check_finite(vectors.vectors, "recommender", "item vectors", "serve", vectors.keys)
        pop = vectors.counts if popularity is None else popularity
        self.popularity = np.asarray(pop, dtype=np.int64)
        if self.popularity.shape != (n,):
            raise ConfigError(f"popularity must have shape [{n}], got {list(self.popularity.shape)}")
        self.decay, self.max_context = float(decay), int(max_context)
        self.config = config
        self.unit = np.ascontiguousarray(vectors.unit, dtype=np.float32)
        # rows whose vector is zero (or vanishing) carry no direction to search with
        self._has_vector = np.einsum("ij,ij->i", self.unit, self.unit) > 0.5
        self.index = build_index(self.unit, index, **index_options) if isinstance(index, str) else index
        self._popular = np.argsort(-self.popularity, kind="stable")
        self._exact: ExactIndex | None = None
        self.rules = None if rules is None else sparse.csr_matrix(rules, dtype=np.float32)
        if self.rules is not None:
            if self.rules.shape != (n, n):
                raise ConfigError(f"rules must have shape [{n}, {n}], got {list(self.rules.shape)}")
            check_finite(self.rules.data, "recommender", "rule weights", "serve")
        self.rules_weight, self.rules_last = float(rules_weight), int(rules_last)
        self.names: list[str] | None = None
        self.left_out: list[str] = []  # items training left out (see train_item2vec)
        if names is not None:
            self.set_names(names)

    def __len__(self) -> int:
        return len(self.vectors.keys)

    def __contains__(self, item: str) -> bool:
        return self._index(item, strict=False) is not None

    def _index(self, item: str, strict: bool = True) -> int | None:
        """The row of ``item``: as given, or without the whitespace around it (no reader keeps any
        in an id). With ``strict``, an unknown id that is known ids joined by whitespace (a
        session sent as one string) is a :class:`ConfigError` rather than an unknown item
        answered by popularity."""
        k2i = self.vectors.key_to_index
        idx = k2i.get(item)
        if idx is not None or not isinstance(item, str):
            return idx
        idx = k2i.get(item.strip())
        parts = item.split()
        if strict and idx is None and len(parts) > 1 and all(p in k2i for p in parts):
            raise ConfigError(f"item id {item[:200]!r} is not an item but ids joined by whitespace; send "
                              "each id as its own string")
        return idx

    # ---- names ---------------------------------------------------------------------------------
    def set_names(self, names) -> int:
        """Attach item names (dict id → name, or a list aligned with the keys); returns how many
        items have a name. Names of ids the model does not hold are ignored."""
        keys = self.vectors.keys
        if isinstance(names, dict):
            aligned = [str(names.get(k) or "") for k in keys]
        else:
            aligned = ["" if x is None else str(x) for x in names]
            if len(aligned) != len(keys):
                raise ConfigError(f"names must be one per item ({len(keys)}), got {len(aligned)}")
        self.names = aligned if any(aligned) else None
        return sum(1 for x in aligned if x)

    def name(self, item: str) -> str | None:
        """The name of ``item``, or None when it has none (or is unknown)."""
        idx = self.vectors.key_to_index.get(item)
        return self.names[idx] or None if self.names is not None and idx is not None else None

    def label(self, item: str) -> str:
        """``name (id)`` for an item with a name, else the id: for people reading a list."""
        name = self.name(item)
        return f"{name} ({item})" if name else item

    # ---- queries -------------------------------------------------------------------------------
    def _result(self, ids: list[int], scores: list[float], fallback: bool, reason: str,
                unknown: list[str], used: int) -> Recommendation:
        keys = self.vectors.keys
        names = [self.names[i] or None for i in ids] if self.names is not None else [None] * len(ids)
        return Recommendation([keys[i] for i in ids], scores, fallback, reason, unknown, names, used)

    def _popular_ids(self, k: int, exclude: set[int]) -> list[int]:
        return [int(i) for i in self._popular[:k + len(exclude)] if int(i) not in exclude][:k]

    def _popular_answer(self, k: int, exclude: set[int], reason: str, unknown: list[str]) -> Recommendation:
        top = self.popularity.max() or 1
        chosen = self._popular_ids(k, exclude)
        return self._result(chosen, [float(self.popularity[i] / top) for i in chosen], True, reason,
                            unknown, 0)

    def _answer(self, query: np.ndarray, k: int, exclude: set[int]) -> tuple[list[int], list[float], str]:
        """Ids and scores of the best ``k`` items for a unit ``query`` (float32 ``[dim]``), never
        one of ``exclude``, and a note for the reason when the index alone fell short."""
        want = min(k, len(self) - len(exclude))
        ids, scores = self.index.search(query[None, :], k, [exclude])
        keep = ids[0] >= 0
        ids, scores, note = ids[0][keep], scores[0][keep], ""
        if len(ids) < want and self.index.kind != "exact":
            if self._exact is None:
                self._exact = ExactIndex(self.unit)
            note = f"; the {self.index.kind} index found {len(ids)} of {want}, exact search the rest"
            ids, scores = self._exact.search(query[None, :], k, [exclude])
            keep = ids[0] >= 0
            ids, scores = ids[0][keep], scores[0][keep]
        out, sc = [int(i) for i in ids], [round(float(s), 6) for s in scores]
        if len(out) < want:  # only if scores were not finite: complete by popularity
            more = self._popular_ids(want - len(out), exclude | set(out))
            note += f"; {len(more)} most popular item(s) added"
            out, sc = out + more, sc + [0.0] * len(more)
        return out, sc, note

    def similar(self, item: str, k: int = 10) -> Recommendation:
        """The ``k`` items nearest to ``item`` (cosine), or the most popular ones if it is unknown
        or its vector is zero."""
        _check_k(k)
        idx = self._index(item)
        if idx is None:
            return self._popular_answer(k, set(), f"unknown item {item!r}: most popular items instead",
                                        [item])
        item = self.vectors.keys[idx]
        if not self._has_vector[idx]:
            return self._popular_answer(k, {idx}, f"item {item!r} has a zero vector (nothing "
                                        "learned about it): most popular items instead", [])
        ids, scores, note = self._answer(self.unit[idx], k, {idx})
        return self._result(ids, scores, False, f"nearest items to {item!r} by cosine{note}", [], 1)

    def session_vector(self, items: Sequence[str]) -> tuple[np.ndarray | None, list[int], list[str]]:
        """Recency-weighted mean of the latest ``max_context`` known items' unit vectors (latest
        weighs most; items with a zero vector are skipped).

        Returns the unit query vector ``[dim]`` float32 (None when no known item has a vector, or
        their directions cancel out), the indices of all known items, and the unknown items (each
        once, in the order first seen).
        """
        rows = [self._index(i) for i in items]
        known = [r for r in rows if r is not None]
        unknown = list(dict.fromkeys(i for i, r in zip(items, rows) if r is None))  # each once, in order
        recent = [i for i in known if self._has_vector[i]][-self.max_context:]
        if not recent:
            return None, known, unknown
        weights = self.decay ** np.arange(len(recent) - 1, -1, -1, dtype=np.float32)
        q = weights @ self.unit[recent]
        norm = float(np.linalg.norm(q))
        if not norm > 1e-6:  # the items' directions cancel out: nothing to search with
            return None, known, unknown
        return (q / norm).astype(np.float32), known, unknown

    def recommend(self, items: Sequence[str], k: int = 10) -> Recommendation:
        """Next items for a session, never one already in it; popularity when none is known."""
        _check_k(k)
        query, known, unknown = self.session_vector(list(items))
        exclude = set(known)
        if query is None:
            what = ("empty session" if not items else "no item of the session is known" if not known
                    else "no session item has a usable vector")
            return self._popular_answer(k, exclude, f"{what}: most popular items instead", unknown)
        out, scores, note = self._answer(query, k, exclude)
        followers = self._followers(known)
        if followers is not None:
            out, scores = self._with_rules(query, out, followers, k, exclude)
        with_vector = sum(1 for i in known if self._has_vector[i])
        used = min(with_vector, self.max_context)
        reason = f"recency-weighted mix of {used} session item(s)"
        if with_vector > used:
            reason += f" (the latest {used} of {with_vector}; max_context {self.max_context})"
        if followers is not None:
            reason += f", and what followed the latest {min(len(known), self.rules_last)}"
        if unknown:
            reason += f"; {len(unknown)} unknown item(s) ignored"
        if not out:
            reason += "; every item of the catalogue is in the session, so none is left to offer"
        return self._result(out, scores, False, reason + note, unknown, used)

    def score_all(self, items: Sequence[str]) -> np.ndarray:
        """Cosine of the session's query against every item, float32 ``[n]``; session items -inf.

        Falls back to popularity (scaled into [0, 1]) when no item is known: the same ranking that
        :meth:`recommend` returns, over the whole catalogue, for evaluation.
        """
        query, known, _ = self.session_vector(list(items))
        if query is None:
            scores = (self.popularity / max(int(self.popularity.max()), 1)).astype(np.float32)
        else:
            scores = self.unit @ query
            followers = self._followers(known)
            if followers is not None:
                scores[followers[0]] += (self.rules_weight * followers[1]).astype(np.float32)
        scores[known] = -np.inf
        return scores

    def score_batch(self, sessions: Sequence[Sequence[str]]) -> np.ndarray:
        """:meth:`score_all` for many sessions at once, float32 ``[len(sessions), n]``: the same
        scores (up to float rounding) through three matrix products instead of one loop a
        session, which is what evaluating and tuning on thousands of cases need."""
        k2i, m, n = self.vectors.key_to_index, len(sessions), len(self)
        known = [[k2i[i] for i in s if i in k2i] for s in sessions]
        mix_rows, mix_cols, mix_vals, rule_rows, rule_cols, rule_vals = [], [], [], [], [], []
        for r, ids in enumerate(known):
            recent = [i for i in ids if self._has_vector[i]][-self.max_context:]
            mix_rows += [r] * len(recent)
            mix_cols += recent
            mix_vals += list(self.decay ** np.arange(len(recent) - 1, -1, -1, dtype=np.float64))
            latest = ids[-self.rules_last:][::-1]
            rule_rows += [r] * len(latest)
            rule_cols += latest
            rule_vals += list(1.0 / np.arange(1, len(latest) + 1))
        mix = sparse.csr_matrix((np.asarray(mix_vals, np.float32), (mix_rows, mix_cols)), shape=(m, n))
        queries = np.asarray(mix @ self.unit, dtype=np.float32)
        norms = np.linalg.norm(queries, axis=1)
        usable = norms > 1e-6
        queries[usable] /= norms[usable, None]
        scores = queries @ self.unit.T
        scores[~usable] = (self.popularity / max(int(self.popularity.max()), 1)).astype(np.float32)
        if self.rules is not None and self.rules_weight > 0:
            votes = (sparse.csr_matrix((rule_vals, (rule_rows, rule_cols)), shape=(m, n))
                     @ self.rules).toarray()
            best = votes.max(axis=1, initial=0.0)
            votes *= (np.where(best > 0, self.rules_weight / np.maximum(best, 1e-300), 0.0))[:, None]
            scores[usable] += votes[usable].astype(np.float32)
        for r, ids in enumerate(known):
            scores[r, ids] = -np.inf
        return scores

    def _followers(self, known: list[int]) -> tuple[np.ndarray, np.ndarray] | None:
        """Items that followed the session's latest known items, with their rule scores scaled
        so that the best is 1 (None without rules, or when no rule applies)."""
        if self.rules is None or not self.rules_weight > 0 or not known:
            return None
        items, values = rule_scores(self.rules, known, self.rules_last)
        if len(items) == 0:
            return None
        return items, values / values.max()

    def _with_rules(self, query: np.ndarray, ids: list[int], followers: tuple[np.ndarray, np.ndarray],
                    k: int, exclude: set[int]) -> tuple[list[int], list[float]]:
        """The best ``k`` by ``cosine + rules_weight · rule`` among the index's answer and the
        followers. Exact whenever the index's answer is the top ``k`` by cosine: any other item
        has no rule and a cosine below all ``k`` of them."""
        items, values = followers
        mine = ~np.isin(items, np.fromiter(exclude, np.int64, len(exclude)))
        cand = np.union1d(np.asarray(ids, np.int64), items[mine])
        bonus = np.zeros(len(cand))
        bonus[np.searchsorted(cand, items[mine])] = values[mine]
        total = self.unit[cand] @ query + self.rules_weight * bonus
        best = np.argsort(-total, kind="stable")[:k]
        return [int(i) for i in cand[best]], [round(float(t), 6) for t in total[best]]

    # ---- files ---------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> Path:
        """Write the model to one ``.npz`` (:mod:`.storage`) atomically; the same model always gives
        the same bytes. Vectors with NaN or infinity are refused with a :class:`FormatError`."""
        settings = {"decay": self.decay, "max_context": self.max_context,
                    "rules_weight": self.rules_weight, "rules_last": self.rules_last,
                    "config": asdict(self.config) if self.config is not None else None}
        return write_model(path, self.vectors, self.popularity, self.index, self.names, self.rules,
                           settings)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Recommender":
        """Read a model written by :meth:`save`; loading never runs code and trusts nothing (a
        damaged or foreign file is a :class:`FormatError` naming it, see :mod:`.storage`)."""
        stored = read_model(path)
        values, config = read_settings(stored.settings, path)
        return cls(stored.vectors, stored.popularity, index=stored.index, config=config,
                   names=stored.names, rules=stored.rules, **values)


def _check_k(k: int) -> None:
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError(f"k must be a positive integer, got {k!r}")


def train_item2vec(sessions: Sequence[list[str]], config: Item2VecConfig | None = None,
                   index: str = "auto", progress: bool = False, log_path=None,
                   checkpoint: str | os.PathLike | None = None, resume: bool = False) -> Recommender:
    """Train item vectors on ``sessions`` (lists of item ids) and wrap them in a Recommender.

    Items that never share a session with another item learn nothing and are left out of the
    model; the recommender's ``left_out`` lists them. Sessions that all hold a single item are a
    :class:`CorpusError` (nothing to learn). With ``checkpoint`` (a ``.npz`` path) the training
    state is rewritten there after every epoch, and with ``resume`` training continues from it
    (see :mod:`.checkpoint`); the caller removes it once the model is saved.
    """
    from .checkpoint import training_model

    config = config or Item2VecConfig()
    sessions = [list(s) for s in sessions if len(s) > 0]
    if not sessions:
        raise ConfigError("no sessions to train on")
    if not any(len(set(s)) > 1 for s in sessions):
        raise CorpusError(f"every one of the {len(sessions):,} training sessions holds a single "
                          "item: item2vec learns from items used together, so there is nothing to "
                          "learn (is the user or session column the right one? do the histories "
                          "hold more items than are held out?)")
    longest = max(len(s) for s in sessions)
    model = training_model(sessions, config, longest, checkpoint, resume)
    if model.epochs_done < model.config.epochs:   # a finished checkpoint has nothing left to do
        model.train(sessions, progress=progress, log_path=log_path, checkpoint=checkpoint)
    wv, alone = _without_lone_items(model.wv, sessions)
    counts = Counter(i for s in sessions for i in s)
    popularity = np.array([counts.get(k, 0) for k in wv.keys], dtype=np.int64)
    rules = session_rules(sessions, wv.key_to_index, config.rules_steps, config.rules_top)
    rec = Recommender(wv, popularity, index=index, decay=config.decay,
                      max_context=config.max_context, config=config, rules=rules,
                      rules_weight=config.rules_weight, rules_last=config.rules_last)
    rec.left_out = alone
    return rec


def _without_lone_items(wv, sessions: Sequence[list[str]]):
    """``wv`` without the items that never shared a session with another kept item, and those
    items (sorted).

    Such an item is never a context of anything, so its vector stays at its random start: served,
    it would be a random neighbour. Left out, it is an unknown item (popularity answers for it).
    """
    from ..word2vec import KeyedVectors

    k2i, together = wv.key_to_index, set()
    for s in sessions:
        kept = {i for i in s if i in k2i}
        if len(kept) > 1:
            together.update(kept)
    if len(together) == len(wv.keys):
        return wv, []
    if not together:
        raise CorpusError("no two items kept for training (min_count) share a session: "
                          "nothing to learn")
    rows = [i for i, k in enumerate(wv.keys) if k in together]
    alone = sorted(k for k in wv.keys if k not in together)
    return KeyedVectors([wv.keys[i] for i in rows], wv.vectors[rows], wv.counts[rows]), alone
