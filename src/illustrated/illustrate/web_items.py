"""The live page's recommendation routes: finding items, recommendations, an item's parts and a
2-D map of the catalogue.

Every answer comes from the recommender's own methods (``find_items``, ``resolve``,
``similar``, ``recommend``, ``item_parts``: see :mod:`illustrated.recommend`) and carries what
they return (``Recommendation.to_dict()``), so the page, the command line and the service say
the same things; this module only adds the map's projection (:func:`.maps.project_2d`).
"""

from __future__ import annotations

import numpy as np
from fastapi import FastAPI, HTTPException, Query
from pydantic import BaseModel, Field

from ..json_api import Text
from .maps import project_2d
from .web_common import MAX_TOPN, require, rounded

__all__ = ["item_routes", "map_rows", "MAP_LIMIT"]

#: The most items one map may show (PCA over them, and SVG points on the page).
MAP_LIMIT = 2000
#: Neighbours of each cold item put on the map beside it.
MAP_NEIGHBOURS = 5


class PickedItemsRequest(BaseModel):
    """The items picked on the page (the recommendation service has its own, richer request)."""

    items: list[Text] = Field(min_length=1, max_length=200)
    k: int = Field(default=10, ge=1, le=MAX_TOPN)


def _cold_flags(rec) -> np.ndarray:
    side = getattr(rec, "side", None)
    return np.zeros(len(rec), bool) if side is None else np.asarray(side.cold) > 0


def map_rows(rec, limit: int) -> list[int]:
    """The catalogue rows a map of at most ``limit`` items shows: cold items (up to a quarter of
    it) each with its nearest items, so that a cold item is seen beside its neighbours, then the
    most popular items. Items without a vector (nothing to place) are left out."""
    keys, k2i = rec.vectors.keys, rec.vectors.key_to_index
    placed = np.einsum("ij,ij->i", rec.unit, rec.unit) > 0.5
    cold = np.flatnonzero(_cold_flags(rec) & placed)
    rows: dict[int, None] = {}
    for i in cold[:max(limit // (4 * (1 + MAP_NEIGHBOURS)), 1) if limit >= 2 else 0]:
        rows[int(i)] = None
        for neighbour in rec.similar(keys[i], MAP_NEIGHBOURS).items:
            if placed[k2i[neighbour]]:
                rows[k2i[neighbour]] = None
    for i in np.argsort(-np.asarray(rec.popularity), kind="stable"):
        if len(rows) >= limit:
            break
        if placed[i]:
            rows.setdefault(int(i), None)
    return list(rows)[:limit]


def _parts_json(rec, item: str) -> dict:
    parts = rec.item_parts(item)
    return {"item": item, "name": rec.name(item), "cold": bool(parts.cold), "reason": parts.reason,
            "vector": rounded(parts.vector),
            "id_vector": None if parts.id_vector is None else rounded(parts.id_vector),
            "attributes": list(parts.attributes),
            "attribute_vectors": rounded(parts.attribute_vectors)
                                 if len(parts.attributes) else [],
            "weights": rounded(parts.weights)}


def item_routes(app: FastAPI, recommender) -> None:
    """Add the recommendation routes for ``recommender`` (None: each says how to load one)."""

    def model():
        return require(recommender, "recommender", "--recommender MODEL")

    def known(rec, text: str) -> str:
        """The id ``text`` names (an id or a name, without the whitespace around it); 404 when
        it names none."""
        item = rec.resolve(text.strip(), strict=False, where="the model")
        if item not in rec.vectors.key_to_index:
            raise HTTPException(404, f"unknown item {text.strip()!r}")
        return item

    @app.get("/api/items")
    def items(q: str = "", limit: int = Query(20, ge=1, le=200)) -> dict:
        """Items whose id or name contains ``q`` (any case); whole matches first."""
        rec = model()
        found = rec.find_items(q, limit)
        return {"items": found, "names": [rec.name(i) for i in found], "total": len(rec)}

    @app.get("/api/resolve")
    def resolve(q: Text) -> dict:
        """The item a person means by ``q``: an id, a whole name, or the one name containing it
        (``item`` null when none; several names containing it are a 400 naming some)."""
        rec = model()
        item = rec.resolve(q.strip(), strict=False, where="the model")
        found = item in rec.vectors.key_to_index
        return {"item": item if found else None, "name": rec.name(item) if found else None}

    @app.post("/api/recommend")
    def recommend(request: PickedItemsRequest) -> dict:
        return model().recommend(request.items, k=request.k).to_dict()

    @app.get("/api/similar")
    def similar(item: Text, k: int = Query(10, ge=1, le=MAX_TOPN)) -> dict:
        """The items nearest to ``item`` (an id or a name), as the recommender answers."""
        rec = model()
        item = known(rec, item)
        return {"item": item, "name": rec.name(item), **rec.similar(item, k).to_dict()}

    @app.get("/api/item")
    def parts(item: Text) -> dict:
        """An item's vector and what it is made of: its own row, its attribute rows and the
        learned weight of each (a cold item: its attribute rows alone)."""
        rec = model()
        return _parts_json(rec, known(rec, item))

    @app.get("/api/map")
    def item_map(limit: int = Query(300, ge=2, le=MAP_LIMIT)) -> dict:
        """The items of :func:`map_rows` projected to 2-D by PCA of their unit vectors."""
        rec = model()
        rows = map_rows(rec, limit)
        xy = project_2d(rec.unit[rows]) if len(rows) >= 2 else np.zeros((len(rows), 2))
        cold = _cold_flags(rec)
        keys = rec.vectors.keys
        return {"method": "pca", "total": len(rec),
                "points": [{"item": keys[i], "name": rec.name(keys[i]), "cold": bool(cold[i]),
                            "x": round(float(x), 4), "y": round(float(y), 4)}
                           for i, (x, y) in zip(rows, xy)]}
