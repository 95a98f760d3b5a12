"""An HTTP service for a :class:`~illustrated.recommend.item2vec.Recommender` (FastAPI).

``create_app(recommender)`` returns an app that holds one loaded model and its index for its whole
life (load once, answer many), so it can be served by uvicorn, mounted inside another app, or
tested in-process with ``fastapi.testclient.TestClient``.

Endpoints:

* ``GET /health`` — status, number of items, index kind, vector size, ``max_context``, whether
  the model carries item names.
* ``GET /items/{id}/similar?k=10`` — nearest items; an unknown id is a 404 with a message.
* ``POST /recommend`` with ``{"items": [...], "k": 10}`` — next items for a session of any length
  that fits the body limit. The latest ``max_context`` known items are mixed into the query
  (``used`` says how many, ``reason`` says so when the session was longer); every session item is
  excluded from the answer. Unknown items are ignored and listed in ``unknown``; when none is
  known the most popular items come back with ``"fallback": true``, or a 404 if the request says
  ``"fallback": false``.

Every answer carries ``items``, ``names`` (parallel to ``items``; null where the model has no
name), ``scores``, ``fallback``, ``reason``, ``unknown`` and ``used``; an answer is never an
empty list while the catalogue has items to offer. Bad requests are refused before any work:
``k`` outside ``[1, max_k]`` and wrong types are 422 (FastAPI's validation), malformed JSON is 422,
a body over ``max_body_bytes`` is 413 (checked against Content-Length first, and counted while
reading for chunked bodies).
"""


import json
import math

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

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


def _json_safe(value):
    """``value`` with NaN and infinities written as strings (JSON has no such numbers)."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    """422 with FastAPI's list of errors, always valid JSON (a NaN or 1e400 in the body would
    otherwise make the error itself fail to render, a 500), with hints for numeric item ids and
    bodies sent without a JSON content type."""
    errors = _json_safe(jsonable_encoder(exc.errors()))
    for e in errors:
        loc = e.get("loc", [])
        number = isinstance(e.get("input"), (int, float)) and not isinstance(e.get("input"), bool)
        if number and e.get("type") == "string_type" and loc[:2] == ["body", "items"]:
            e["msg"] += ' (item ids are JSON strings: "42", not 42)'
        if e.get("type") == "model_attributes_type" and loc == ["body"] \
                and isinstance(e.get("input"), str):  # a body not sent as JSON arrives as text
            e["msg"] += " (send a JSON object with the header Content-Type: application/json)"
    return JSONResponse({"detail": errors}, status_code=422)


def _too_large(limit: int) -> Response:
    return JSONResponse({"detail": f"request body larger than {limit} bytes"}, status_code=413)


class Answer(BaseModel):
    """What every answer holds (documentation of the JSON the endpoints write)."""

    items: list[str] = Field(description="Item ids, best first; never empty while the catalogue "
                                         "has items to offer.")
    names: list[str | None] = Field(description="Item names parallel to `items` (null: none).")
    scores: list[float] = Field(description="Cosine scores (popularity in [0, 1] on fallback).")
    fallback: bool = Field(description="True when the most popular items were returned.")
    reason: str = Field(description="How the answer was reached, including how many session "
                                    "items were used and any completion by exact search.")
    unknown: list[str] = Field(description="Query items the model has never seen.")
    used: int = Field(description="How many query items the answer was computed from: the "
                                  "latest `max_context` known items of a session at most.")
    cold: bool = Field(description="True when a query item is cold: in the catalogue without "
                                   "events to learn from, its vector made from its attributes "
                                   "(`reason` says why).")


def create_app(recommender: Recommender, max_k: int = 1000,
               max_body_bytes: int = 64 * 1024) -> FastAPI:
    """A FastAPI app answering from ``recommender`` (already loaded, with its index)."""
    max_context = recommender.max_context

    class RecommendRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        items: list[str] = Field(description=(
            f"The session, oldest first, of any length within the {max_body_bytes:,}-byte body "
            f"limit. The latest {max_context} known items are mixed into the query (`used` in "
            "the answer says how many); every session item is left out of the answer."))
        k: int = Field(10, ge=1, le=max_k, description="How many items to return.")
        fallback: bool = Field(True, description="Most popular items when no item is known.")

        @field_validator("k", mode="before")
        @classmethod
        def _k_not_bool(cls, v):
            if isinstance(v, bool):  # JSON true would otherwise count as k = 1
                raise ValueError("k must be a number, not true or false")
            return v

    app = FastAPI(title="illustrated recommendations",
                  description=("item2vec: similar items and next items for a session. Sessions "
                               f"of any length fit within the {max_body_bytes:,}-byte body limit; "
                               f"the latest {max_context} known items of a session are used."))
    app.state.recommender = recommender
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    health = {"status": "ok", "items": len(recommender), "index": recommender.index.kind,
              "dim": int(recommender.unit.shape[1]), "max_context": max_context,
              "names": recommender.names is not None}

    @app.get("/health")
    async def get_health() -> dict:
        """Liveness and what is loaded."""
        return health

    @app.get("/items/{item_id:path}/similar", responses={200: {"model": Answer}})
    async def similar(item_id: str, k: int = Query(10, ge=1, le=max_k)) -> Response:
        """The ``k`` items nearest to ``item_id`` (also ``item`` and its ``name``)."""
        if item_id not in recommender:
            raise HTTPException(404, f"unknown item {item_id!r}")
        rec = recommender.similar(item_id, k)
        return _json({"item": item_id, "name": recommender.name(item_id), **rec.to_dict()})

    @app.post("/recommend", responses={200: {"model": Answer}})
    async def recommend(request: RecommendRequest) -> Response:
        """Next items for a session of any length, never one already in it; the latest
        ``max_context`` known items are mixed into the query."""
        rec = recommender.recommend(request.items, request.k)
        if rec.fallback and not request.fallback:
            raise HTTPException(404, f"no known item in the session (unknown: {rec.unknown[:10]})")
        return _json(rec.to_dict())

    return app


def _json(content: dict) -> Response:
    # Built directly: the payload is plain lists and floats, so FastAPI's encoder is not needed.
    return Response(json.dumps(content, ensure_ascii=False, allow_nan=False).encode(),
                    media_type="application/json")
