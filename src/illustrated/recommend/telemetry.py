"""What a running service tells its operators: Prometheus metrics, request ids, access lines.

:class:`Metrics` holds the service's Prometheus metrics (``prometheus-client``) in a registry of
its own — requests by route and status, a latency histogram by route, errors by status, requests
in flight, the served model's items, reloads by outcome — and renders them in Prometheus' text
format for ``GET /metrics``. With several worker processes (``recommend serve --workers N``) each
worker writes its values to files in a shared folder and any worker's ``/metrics`` adds them all
up (prometheus-client's multiprocess mode).

:class:`Observed` is the ASGI middleware around every request: it takes the request id from an
``X-Request-ID`` header (or makes one), returns it in the answer's ``X-Request-ID`` header, times
the request, counts it, and writes one JSON line to the ``illustrated.access`` logger::

    {"time": "2026-01-02T03:04:05.678Z", "request_id": "…", "method": "GET",
     "path": "/items/42/similar?k=5", "route": "/items/{item_id:path}/similar", "status": 200,
     "ms": 0.84, "bytes": 412, "client": "127.0.0.1", "pid": 4242}
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from datetime import datetime, timezone

__all__ = ["Metrics", "Observed", "JsonLines", "REQUEST_ID_HEADER"]

REQUEST_ID_HEADER = "X-Request-ID"
_GOOD_ID = re.compile(rb"[A-Za-z0-9._:/+=-]{1,128}")
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)
access_log = logging.getLogger("illustrated.access")
log = logging.getLogger("illustrated.service")


class Metrics:
    """The service's metrics. ``multiprocess_dir``: the folder shared by worker processes (each
    process then writes its values there; see prometheus-client's multiprocess mode)."""

    def __init__(self, multiprocess_dir: str | os.PathLike | None = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values

        self.multiprocess_dir = None if multiprocess_dir is None else str(multiprocess_dir)
        if self.multiprocess_dir is not None:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = self.multiprocess_dir
            if values.ValueClass is values.MutexValue:  # chosen when prometheus_client was imported
                values.ValueClass = values.MultiProcessValue()
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("illustrated_http_requests", "HTTP requests answered.",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("illustrated_http_request_duration_seconds",
                                 "Time from a request's arrival to the end of its answer.",
                                 ["route"], buckets=LATENCY_BUCKETS, registry=r)
        self.errors = Counter("illustrated_http_errors", "Answers with a status of 400 or more.",
                              ["status"], registry=r)
        self.in_flight = Gauge("illustrated_http_requests_in_flight", "Requests being answered.",
                               registry=r, multiprocess_mode="livesum")
        self.items = Gauge("illustrated_model_items", "Items of the served model.", registry=r,
                           multiprocess_mode="livemostrecent")
        self.loaded = Gauge("illustrated_model_loaded_timestamp_seconds",
                            "When the served model was read (Unix time).", registry=r,
                            multiprocess_mode="livemostrecent")
        self.reloads = Counter("illustrated_model_reloads", "Model reloads by outcome.",
                               ["outcome"], registry=r)
        if self.multiprocess_dir is None:
            from prometheus_client import ProcessCollector

            ProcessCollector(registry=r)

    def model(self, items: int, loaded_at: float) -> None:
        self.items.set(items)
        self.loaded.set(loaded_at)

    def reloaded(self, outcome) -> None:
        """Listener for :meth:`~.live.LiveModel.on_reload`."""
        self.reloads.labels("ok" if outcome.ok else "refused").inc()
        if outcome.ok:
            self.model(outcome.items, time.time())

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)
        if status >= 400:
            self.errors.labels(str(status)).inc()

    def render(self) -> bytes:
        """Every metric in Prometheus' text format (all workers' together in multiprocess mode)."""
        from prometheus_client import CollectorRegistry, generate_latest

        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.multiprocess_dir)
        return generate_latest(registry)


def request_id(headers) -> str:
    """The incoming ``X-Request-ID`` when it is a sane token (1–128 of ``A-Za-z0-9._:/+=-``),
    else a new random one: a client's id is never trusted to be printable or short."""
    for name, value in headers:
        if name == b"x-request-id" and _GOOD_ID.fullmatch(value):
            return value.decode("ascii")
    return uuid.uuid4().hex


class Observed:
    """ASGI middleware: request id in and out, timing, metrics and one access line a request.

    ``routes`` (the app's routes) name the route of requests refused before routing (a 413 from
    the body limit); an exception escaping the app is answered 500 here, with the request id,
    and logged with its traceback. While ``closing()`` holds (the server is shutting down) every
    answer says ``Connection: close``.
    """

    def __init__(self, app, metrics: Metrics, routes=(), log_requests: bool = True,
                 closing=lambda: False) -> None:
        self.app, self.metrics, self.routes = app, metrics, routes
        self.log_requests, self.closing = log_requests, closing

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        rid = request_id(scope.get("headers", ()))
        answer = {"status": 500, "bytes": 0, "started": False}

        async def observed_send(message) -> None:
            if message["type"] == "http.response.start":
                answer["status"], answer["started"] = message["status"], True
                headers = [*message.get("headers", ()), (b"x-request-id", rid.encode("ascii"))]
                if self.closing():   # shutting down: the client should reconnect elsewhere
                    headers.append((b"connection", b"close"))
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body":
                answer["bytes"] += len(message.get("body", b""))
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, observed_send)
        except Exception:
            log.exception(f"request {rid} failed")
            answer["status"] = 500
            if not answer["started"]:
                body = json.dumps({"detail": "internal error", "request_id": rid}).encode()
                await observed_send({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]})
                await observed_send({"type": "http.response.body", "body": body})
        finally:
            self.metrics.in_flight.dec()
            seconds = time.perf_counter() - start
            route = self._route(scope)
            self.metrics.observe(scope["method"], route, answer["status"], seconds)
            if self.log_requests and access_log.isEnabledFor(logging.INFO):
                access_log.info(_access_line(scope, rid, route, answer, seconds))

    def _route(self, scope) -> str:
        route = scope.get("route")
        if route is None:
            from starlette.routing import Match

            route = next((r for r in self.routes if r.matches(scope)[0] is Match.FULL), None)
        return getattr(route, "path", None) or "unmatched"


def _access_line(scope, rid: str, route: str, answer: dict, seconds: float) -> str:
    path = scope.get("path", "")
    if scope.get("query_string"):
        path += "?" + scope["query_string"].decode("latin-1")
    client = scope.get("client") or ("", 0)
    return json.dumps({"time": _now(), "request_id": rid, "method": scope.get("method"),
                       "path": path[:512], "route": route, "status": answer["status"],
                       "ms": round(seconds * 1000, 3), "bytes": answer["bytes"],
                       "client": client[0], "pid": os.getpid()})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonLines(logging.Formatter):
    """One JSON object a line: an access line as it is, any other record as
    ``{"time", "level", "logger", "message", "pid"}`` (a traceback folded into ``"error"``)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name == access_log.name:
            return message
        doc = {"time": _now(), "level": record.levelname.lower(), "logger": record.name,
               "message": message, "pid": os.getpid()}
        if record.exc_info:
            doc["error"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)
