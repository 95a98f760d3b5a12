"""item2vec recommendations: sessions → item vectors → similar and next items, served over HTTP.

    from illustrated.recommend import Recommender
    rec = Recommender.load("recommender.npz")
    rec.similar("t0042", k=10)          # Recommendation(items, scores, fallback, reason, …, names, used)
    rec.recommend(["t0042", "t0007"])   # next items for a session, never one already in it

    attrs = read_attributes("items.csv")               # side information (EGES): cold items too
    rec = train_item2vec(sessions, attributes=attrs)
    rec.add_item("new", "A new item", {"genre": "jazz"})  # placed by its attributes, answerable at once
"""

from . import evaluate as evaluate_module
from .baselines import (CooccurrenceScorer, PopularityScorer, SequentialRulesScorer,
                        SessionKNNScorer)
from .attributes import ItemAttributes, read_attributes
from .cold import AddedItem, ItemParts
from .evaluate import VectorScorer, evaluate
from .index import ExactIndex, HnswIndex, ShardedIndex, build_index, recall_at_k
from .events import EventColumns, read_events
from .config import Item2VecConfig, QuerySettings
from .item2vec import Recommendation, Recommender, train_item2vec
from .names import read_names
from .sessions import Case, History, Split, leave_last_out, load_histories, read_sessions, time_split
from .synthetic import genre_sessions

__all__ = ["Recommender", "Recommendation", "Item2VecConfig", "QuerySettings", "train_item2vec", "ExactIndex",
           "HnswIndex", "ShardedIndex", "build_index", "recall_at_k", "evaluate",
           "PopularityScorer", "CooccurrenceScorer", "SequentialRulesScorer", "SessionKNNScorer",
           "VectorScorer", "Case", "History", "Split", "leave_last_out", "time_split",
           "load_histories", "read_sessions", "genre_sessions", "EventColumns", "read_events",
           "read_names", "ItemAttributes", "read_attributes", "AddedItem", "ItemParts"]
