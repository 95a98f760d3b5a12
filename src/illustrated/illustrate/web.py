"""The live local page: a FastAPI app serving a plain HTML/CSS/JS page and a small JSON API.

The page (``static/``) draws everything itself with SVG; the API only returns numbers:
neighbours and vectors of a word, an analogy, a translation with its attention matrices (for a
Transformer every layer and head of its three kinds of attention, which the page picks from),
recommendations for picked items. Any model may be absent; its part of the page then says how to
start the server with it. Models are passed in already loaded (see ``illustrated serve``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from ..errors import IllustratedError
from ..json_api import Text, invalid_request

__all__ = ["STATIC", "create_app"]

STATIC = Path(__file__).with_name("static")
_MAX_TOPN = 50


class TranslateRequest(BaseModel):
    sentence: Text = Field(min_length=1, max_length=2000)
    beam: int | None = Field(default=None, ge=1, le=20)


class PickedItemsRequest(BaseModel):
    """The items picked on the page (the recommendation service has its own, richer request)."""

    items: list[Text] = Field(min_length=1, max_length=200)
    k: int = Field(default=10, ge=1, le=_MAX_TOPN)


def _round(values) -> list:
    """A vector or matrix as nested lists of floats with 4 decimals (smaller JSON)."""
    return np.round(np.asarray(values, dtype=np.float64), 4).tolist()


def _require(model, name: str, option: str):
    if model is None:
        raise HTTPException(404, f"no {name} loaded; start the server with {option}")
    return model


def _lookup(kv, word: str) -> str:
    """The key for ``word`` as typed, or lower-cased; 404 when neither is known."""
    word = word.strip()
    for candidate in (word, word.lower()):
        if candidate in kv:
            return candidate
    raise HTTPException(404, f"{word!r} is not in the vocabulary")


def _examples(kv, n: int = 12) -> list[str]:
    """A few frequent keys to suggest, preferring real words over punctuation and stop words."""
    keys = [str(k) for k in list(kv.keys)[:500]]
    words = [k for k in keys[20:] if len(k) >= 3 and k.isalpha()] or keys
    return words[:n]


def _translation_json(t) -> dict:
    """The translation, its heatmap matrix, and every attention map it carries
    (``maps[kind]`` ``[layers][heads][query][key]``, with the query and key tokens of each kind)."""
    from .heads import MAP_KINDS, translation_maps

    maps = {}
    for kind in MAP_KINDS:
        try:
            matrices, queries, keys = translation_maps(t, kind)
        except IllustratedError:
            continue
        maps[kind] = {"attention": _round(matrices), "queries": queries, "keys": keys}
    return {"source": list(t.source), "target": list(t.target), "text": t.text,
            "attention": _round(t.attention), "score": float(t.score), "maps": maps}


def _word_routes(app: FastAPI, word2vec) -> None:
    @app.get("/api/neighbours")
    def neighbours(word: str, topn: int = Query(8, ge=1, le=_MAX_TOPN)) -> dict:
        kv = _require(word2vec, "word2vec model", "--word2vec MODEL")
        key = _lookup(kv, word)
        found = kv.most_similar([key], topn=topn)
        return {"word": key, "vector": _round(kv.vector(key)),
                "neighbours": [{"word": w, "score": round(float(s), 4), "vector": _round(kv.vector(w))}
                               for w, s in found]}

    @app.get("/api/analogy")
    def analogy(a: str, b: str, c: str, topn: int = Query(5, ge=1, le=_MAX_TOPN)) -> dict:
        kv = _require(word2vec, "word2vec model", "--word2vec MODEL")
        a, b, c = (_lookup(kv, w) for w in (a, b, c))
        found = kv.analogy(a, b, c, topn=topn)
        if not found:
            raise HTTPException(404, f"no answer for {a} − {b} + {c}")
        units = [np.asarray(kv.vector(w), np.float64) for w in (a, b, c, found[0][0])]
        units = [v / (np.linalg.norm(v) or 1.0) for v in units]
        result = units[0] - units[1] + units[2]
        cosine = float(result @ units[3] / (np.linalg.norm(result) or 1.0))
        return {"words": [a, b, c, found[0][0]], "vectors": _round(np.stack(units)),
                "result": _round(result), "cosine": round(cosine, 4),
                "candidates": [{"word": w, "score": round(float(s), 4)} for w, s in found]}


def _translate_routes(app: FastAPI, translator) -> None:
    lock = threading.Lock()  # one translation at a time: the model is shared across requests

    @app.post("/api/translate")
    def translate(request: TranslateRequest) -> dict:
        model = _require(translator, "translator", "--translator DIR")
        sentence = request.sentence.strip()
        if not sentence:
            raise HTTPException(400, "the sentence is empty")
        with lock:
            (t,) = model.translate([sentence], beam=request.beam)
        return _translation_json(t)


def _recommend_routes(app: FastAPI, recommender) -> None:
    @app.get("/api/items")
    def items(q: str = "", limit: int = Query(20, ge=1, le=200)) -> dict:
        """Items whose id or name contains ``q`` (any case); whole matches first."""
        rec = _require(recommender, "recommender", "--recommender MODEL")
        q = q.strip().lower()
        keys = [str(k) for k in rec.vectors.keys]
        names = rec.names or [""] * len(keys)
        if q:
            hits = [i for i, (k, n) in enumerate(zip(keys, names)) if q in k.lower() or q in n.lower()]
            hits.sort(key=lambda i: (keys[i].lower() != q and names[i].lower() != q))
        else:
            hits = range(len(keys))
        hits = hits[:limit]
        return {"items": [keys[i] for i in hits], "names": [names[i] or None for i in hits],
                "total": len(keys)}

    @app.post("/api/recommend")
    def recommend(request: PickedItemsRequest) -> dict:
        rec = _require(recommender, "recommender", "--recommender MODEL")
        r = rec.recommend(request.items, k=request.k)
        return {"items": [str(i) for i in r.items], "names": [rec.name(i) for i in r.items],
                "scores": [round(float(s), 4) for s in r.scores],
                "fallback": bool(r.fallback), "reason": r.reason,
                "unknown": [str(i) for i in r.unknown]}


def create_app(word2vec=None, translator=None, recommender=None) -> FastAPI:
    """The page and its API for whichever models are given (KeyedVectors, Translator, Recommender)."""
    app = FastAPI(title="illustrated", docs_url=None, redoc_url=None)
    app.add_exception_handler(RequestValidationError, invalid_request)   # 422, valid JSON whatever came in

    @app.exception_handler(IllustratedError)
    def input_error(request: Request, exc: IllustratedError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    @app.get("/api/info")
    def info() -> dict:
        return {
            "word2vec": None if word2vec is None else {
                "words": len(word2vec.keys), "dim": int(np.asarray(word2vec.vectors).shape[1]),
                "examples": _examples(word2vec)},
            "translator": None if translator is None else {"loaded": True},
            "recommender": None if recommender is None else {
                "items": len(recommender.vectors.keys), "examples": _examples(recommender.vectors),
                "names": recommender.names is not None},
        }

    _word_routes(app, word2vec)
    _translate_routes(app, translator)
    _recommend_routes(app, recommender)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
