"""An HTTP service for a :class:`~illustrated.recommend.item2vec.Recommender` (FastAPI).

``create_app(recommender)`` returns an app that holds one loaded model and its index for its whole
life (load once, answer many), so it can be served by uvicorn, mounted inside another app, or
tested in-process with ``fastapi.testclient.TestClient``.

Endpoints:

* ``GET /health`` — status, number of items, index kind, vector size.
* ``GET /items/{id}/similar?k=10`` — nearest items; an unknown id is a 404 with a message.
* ``POST /recommend`` with ``{"items": [...], "k": 10}`` — next items for a session. Unknown items
  are ignored and listed in ``unknown``; when none is known the most popular items come back with
  ``"fallback": true``, or a 404 if the request says ``"fallback": false``.

Bad requests are refused before any work: ``k`` outside ``[1, max_k]`` and wrong types are 422
(FastAPI's validation), malformed JSON is 422, a body over ``max_body_bytes`` is 413 (checked
against Content-Length first, and counted while reading for chunked bodies).
"""


import json

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from .item2vec import Recommender

__all__ = ["create_app", "BodyLimit"]


class BodyLimit:
    """ASGI middleware refusing request bodies larger than ``limit`` bytes with 413."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    await _too_large(self.limit)(scope, receive, send)
                    return
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # Raised inside the route's body read, so FastAPI turns it into a 413.
                    raise HTTPException(413, f"request body larger than {self.limit} bytes")
            return message

        await self.app(scope, limited_receive, send)


def _too_large(limit: int) -> Response:
    return JSONResponse({"detail": f"request body larger than {limit} bytes"}, status_code=413)


def create_app(recommender: Recommender, max_k: int = 1000, max_items: int = 1000,
               max_body_bytes: int = 64 * 1024) -> FastAPI:
    """A FastAPI app answering from ``recommender`` (already loaded, with its index)."""

    class RecommendRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        items: list[str] = Field(max_length=max_items, description="The session, oldest first.")
        k: int = Field(10, ge=1, le=max_k, description="How many items to return.")
        fallback: bool = Field(True, description="Most popular items when no item is known.")

    app = FastAPI(title="illustrated recommendations",
                  description="item2vec: similar items and next items for a session.")
    app.state.recommender = recommender
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    health = {"status": "ok", "items": len(recommender), "index": recommender.index.kind,
              "dim": int(recommender.unit.shape[1])}

    @app.get("/health")
    async def get_health() -> dict:
        """Liveness and what is loaded."""
        return health

    @app.get("/items/{item_id:path}/similar")
    async def similar(item_id: str, k: int = Query(10, ge=1, le=max_k)) -> Response:
        """The ``k`` items nearest to ``item_id``."""
        if item_id not in recommender:
            raise HTTPException(404, f"unknown item {item_id!r}")
        rec = recommender.similar(item_id, k)
        return _json({"item": item_id, **rec.to_dict()})

    @app.post("/recommend")
    async def recommend(request: RecommendRequest) -> Response:
        """Next items for a session, never one already in it."""
        rec = recommender.recommend(request.items, request.k)
        if rec.fallback and not request.fallback:
            raise HTTPException(404, f"no known item in the session (unknown: {rec.unknown[:10]})")
        return _json(rec.to_dict())

    return app


def _json(content: dict) -> Response:
    # Built directly: the payload is plain lists and floats, so FastAPI's encoder is not needed.
    return Response(json.dumps(content, ensure_ascii=False, allow_nan=False).encode(),
                    media_type="application/json")
