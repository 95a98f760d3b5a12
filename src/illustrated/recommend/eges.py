"""item2vec with side information: attributes (EGES), conversions and markets, and cold items.

:func:`train_eges` trains an :class:`~illustrated.word2vec.eges.EgesWord2Vec` on the sessions:
every item's input vector mixes its own row with its attribute rows by learned weights, the items
a session converted to are trained as contexts of all its items, and a share of the negatives
comes from each item's market. :func:`with_cold_items` then builds the catalogue: the learned
items with their mixed vectors, and every item of the attribute file without events to learn
from — absent from the log, below ``min_count``, or never in a session with another item — as a
*cold* item whose vector comes from its attributes (:class:`~.cold.ColdStart`).
:func:`~.item2vec.train_item2vec` calls both (:func:`train_with_side`) when it is given
attributes, conversions or markets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..errors import ConfigError
from .attributes import ItemAttributes
from .cold import ColdStart
from .config import Item2VecConfig
from .side import ALONE, BELOW_MIN_COUNT, NO_EVENTS, ItemSide

__all__ = ["train_with_side", "train_eges", "with_cold_items"]


def train_with_side(sessions: Sequence[list[str]], config: Item2VecConfig,
                    attributes: ItemAttributes | None, goals: Sequence[Sequence[str]] | None,
                    market_col: str | None, progress: bool = False, log_path=None,
                    checkpoint=None, resume: bool = False, world=None):
    """``(vectors, popularity, side, left_out)`` of a catalogue trained with side information:
    :func:`train_eges`, the items that never shared a session set aside, then
    :func:`with_cold_items`."""
    from .lone import without_lone_items

    model, mixed = train_eges(sessions, config, attributes, goals, market_col, progress, log_path,
                              checkpoint, resume, world)
    wv, alone = without_lone_items(mixed, sessions)
    return with_cold_items(model, wv, alone, attributes, sessions, config, market_col)


def train_eges(sessions: Sequence[list[str]], config: Item2VecConfig,
               attributes: ItemAttributes | None, goals: Sequence[Sequence[str]] | None,
               market_col: str | None, progress: bool = False, log_path=None, checkpoint=None,
               resume: bool = False, world=None):
    """The trained :class:`~illustrated.word2vec.eges.EgesWord2Vec` and its mixed vectors (a
    :class:`~illustrated.word2vec.KeyedVectors`); ``goals`` is parallel to ``sessions``. With
    ``checkpoint`` the training state is rewritten there after every epoch, and ``resume``
    continues from it (:mod:`.checkpoint`); under ``torchrun`` (``world``) each process trains
    its share of the sessions, the weights averaged (:mod:`illustrated.word2vec.averaging`)."""
    from ..word2vec import KeyedVectors
    from ..word2vec.eges import SideInfo
    from .checkpoint import training_model

    if market_col is not None and attributes is None:
        raise ConfigError("--market-col names an attribute column: give the attributes file "
                          "(--attributes) too")
    markets = attributes.field_of(market_col) if market_col is not None else {}
    side = SideInfo(attributes.items if attributes is not None else {}, markets,
                    config.market_share)
    model = training_model(sessions, config, max(len(s) for s in sessions), checkpoint, resume,
                           side, goals)
    if model.wv is None or model.epochs_done < model.config.epochs:
        model.train(sessions, progress=progress, log_path=log_path, checkpoint=checkpoint,
                    goals=goals, world=world)
    return model, KeyedVectors(model.wv.keys, model.mixed_vectors(), model.wv.counts)


def with_cold_items(model, wv, alone: list[str], attributes: ItemAttributes | None,
                    sessions: Sequence[list[str]], config: Item2VecConfig, market_col: str | None):
    """``(vectors, popularity, side, left_out)`` of the whole catalogue.

    ``wv`` holds the learned items (the mixed vectors of ``model``'s items that shared a session
    with another; ``alone`` those that did not). Attribute values no learned item carries were
    never trained and are dropped. Every item of ``attributes`` that was not learned becomes a
    cold item at the end of the catalogue; ``left_out`` lists the items of the log that are
    neither (no events with another item, no attributes).
    """
    from ..word2vec import KeyedVectors

    counts = Counter(i for s in sessions for i in s)
    rows = np.array([model.wv.key_to_index[k] for k in wv.keys], dtype=np.int64)
    starts, ends = model.indptr[rows], model.indptr[rows + 1]
    slots = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)] or [np.zeros(0, int)])
    trained = np.unique(model.indices[slots])
    renumber = np.full(len(model.values), -1, np.int64)
    renumber[trained] = np.arange(len(trained))
    values = [model.values[i] for i in trained]
    indptr = np.concatenate([[0], np.cumsum(ends - starts)]).astype(np.int64)
    indices = renumber[model.indices[slots]].astype(np.int32)
    schema = attributes.schema if attributes is not None else None
    warm = ItemSide(schema, values, model.attr_vectors[trained], indptr, indices,
                    model.val_logit[slots], model.id_logit[rows], model.wv.vectors[rows],
                    np.zeros(len(rows), np.uint8), market_col)
    popularity = np.array([counts.get(k, 0) for k in wv.keys], dtype=np.int64)
    if attributes is None:
        return wv, popularity, warm, alone
    known = set(wv.keys)
    alone_set = set(alone)
    cold_keys = [k for k in attributes.items if k not in known]
    start = ColdStart(warm, np.arange(len(rows)))
    unit = np.ascontiguousarray(wv.unit, dtype=np.float32)
    cold_vectors, cold_values, codes, memo = [], [], [], {}
    for k in cold_keys:
        ids = tuple(sorted({warm.value_index[v] for v in attributes.items[k] if v in warm.value_index}))
        if ids not in memo:   # items with the same known values get the same vector
            memo[ids] = start.vector(ids, unit, popularity, config.cold_neighbours)
        cold_vectors.append(memo[ids])
        cold_values.append(ids)
        codes.append(ALONE if k in alone_set else BELOW_MIN_COUNT if counts.get(k) else NO_EVENTS)
    dim = wv.vectors.shape[1]
    lengths = np.array([len(v) for v in cold_values], dtype=np.int64)
    side = ItemSide(schema, values, warm.value_vectors,
                    np.concatenate([indptr, indptr[-1] + np.cumsum(lengths)]).astype(np.int64),
                    np.concatenate([indices, np.fromiter((j for v in cold_values for j in v),
                                                         np.int32, int(lengths.sum()))]),
                    np.concatenate([warm.logits, np.zeros(int(lengths.sum()), np.float32)]),
                    np.concatenate([warm.id_logits, np.zeros(len(cold_keys), np.float32)]),
                    np.vstack([warm.id_vectors, np.zeros((len(cold_keys), dim), np.float32)]),
                    np.concatenate([warm.cold, np.asarray(codes, np.uint8)]), market_col)
    vectors = np.vstack([wv.vectors, np.asarray(cold_vectors, np.float32).reshape(-1, dim)])
    every = KeyedVectors(list(wv.keys) + cold_keys, vectors,
                         np.concatenate([wv.counts, [counts.get(k, 0) for k in cold_keys]]))
    popularity = np.concatenate([popularity, [counts.get(k, 0) for k in cold_keys]]).astype(np.int64)
    left_out = sorted(k for k in alone if k not in attributes.items)
    return every, popularity, side, left_out
