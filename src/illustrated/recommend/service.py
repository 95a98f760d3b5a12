"""An HTTP service for a :class:`~illustrated.recommend.item2vec.Recommender` (FastAPI).

``create_app(model)`` returns an app that answers from one loaded model and its index (load once,
answer many), so it can be served by uvicorn, mounted inside another app, or tested in-process
with ``fastapi.testclient.TestClient``. ``model`` is a Recommender, or a :class:`~.live.LiveModel`
when the model may be replaced while serving (``recommend serve`` reloads its file on SIGHUP):
each request reads the model once and answers from it.

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
* ``GET /metrics`` — Prometheus' text format (:mod:`.telemetry`): requests, latency, errors,
  requests in flight, the model's items, reloads.

Every answer carries ``items``, ``names`` (parallel to ``items``; null where the model has no
name), ``scores``, ``fallback``, ``reason``, ``unknown`` and ``used``; an answer is never an
empty list while the catalogue has items to offer. Bad requests are refused before any work:
``k`` outside ``[1, max_k]`` and wrong types are 422 (FastAPI's validation), malformed JSON is 422,
a body over ``max_body_bytes`` is 413 (checked against Content-Length first, and counted while
reading for chunked bodies); ids joined by whitespace into one string are 422 (whitespace around
an id is not part of it). Every answer carries an ``X-Request-ID`` header (the request's own when
it sent a sane one) and is written as one JSON line to the ``illustrated.access`` logger.
"""


import json

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import IllustratedError
from ..json_api import Text, invalid_request
from .item2vec import Recommender
from .live import LiveModel
from .telemetry import Metrics, Observed

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


async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    """422 with FastAPI's list of errors, always valid JSON (a NaN, 1e400 or lone surrogate in the
    body would otherwise make the error itself fail to render, a 500), with hints for numeric item
    ids and bodies sent without a JSON content type."""
    return invalid_request(request, exc, _hint)


def _hint(e: dict) -> None:
    loc = e.get("loc", [])
    number = isinstance(e.get("input"), (int, float)) and not isinstance(e.get("input"), bool)
    if number and e.get("type") == "string_type" and loc[:2] == ["body", "items"]:
        e["msg"] += ' (item ids are JSON strings: "42", not 42)'
    if e.get("type") == "model_attributes_type" and loc == ["body"] \
            and isinstance(e.get("input"), str):  # a body not sent as JSON arrives as text
        e["msg"] += " (send a JSON object with the header Content-Type: application/json)"


async def _refused(request: Request, exc: IllustratedError) -> Response:
    """422 with the library's one-line reason for a request it refuses (such as ids joined by
    whitespace into one string)."""
    return JSONResponse({"detail": str(exc)}, status_code=422)


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


def create_app(model: Recommender | LiveModel, max_k: int = 1000,
               max_body_bytes: int = 64 * 1024, metrics: Metrics | None = None,
               access_log: bool = True) -> FastAPI:
    """A FastAPI app answering from ``model`` (already loaded, with its index); ``metrics``
    defaults to a registry of the app's own, ``access_log`` writes a line per request."""
    live = model if isinstance(model, LiveModel) else LiveModel(model)
    metrics = metrics or Metrics()
    metrics.model(len(live.current), live.loaded_at)
    live.on_reload(metrics.reloaded)
    max_context = live.current.max_context

    class RecommendRequest(BaseModel):
        model_config = ConfigDict(extra="forbid")
        items: list[Text] = Field(description=(
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
    app.state.live, app.state.metrics, app.state.draining = live, metrics, False
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.add_middleware(Observed, metrics=metrics, routes=app.router.routes, log_requests=access_log,
                       closing=lambda: app.state.draining)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(IllustratedError, _refused)

    @app.get("/health")
    async def get_health() -> dict:
        """Liveness and what is loaded."""
        rec = live.current
        return {"status": "ok", "items": len(rec), "index": rec.index.kind,
                "dim": int(rec.unit.shape[1]), "max_context": rec.max_context,
                "names": rec.names is not None}

    @app.get("/items/{item_id:path}/similar", responses={200: {"model": Answer}})
    async def similar(item_id: str, k: int = Query(10, ge=1, le=max_k)) -> Response:
        """The ``k`` items nearest to ``item_id`` (also ``item`` and its ``name``)."""
        rec = live.current
        if item_id not in rec:
            raise HTTPException(404, f"unknown item {item_id!r}")
        answer = rec.similar(item_id, k)
        return _json({"item": item_id, "name": rec.name(item_id), **answer.to_dict()})

    @app.post("/recommend", responses={200: {"model": Answer}})
    async def recommend(request: RecommendRequest) -> Response:
        """Next items for a session of any length, never one already in it; the latest
        ``max_context`` known items are mixed into the query."""
        rec = live.current.recommend(request.items, request.k)
        if rec.fallback and not request.fallback:
            raise HTTPException(404, f"no known item in the session (unknown: {rec.unknown[:10]})")
        return _json(rec.to_dict())

    @app.get("/metrics", include_in_schema=False)
    async def get_metrics() -> Response:
        """Prometheus' text format."""
        from prometheus_client import CONTENT_TYPE_LATEST

        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return app


def _json(content: dict) -> Response:
    # Built directly: the payload is plain lists and floats, so FastAPI's encoder is not needed.
    return Response(json.dumps(content, ensure_ascii=False, allow_nan=False).encode(),
                    media_type="application/json")
