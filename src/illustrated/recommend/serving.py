"""Running the recommendation service under operation: signals, logs, the server itself.

:func:`serve_one` runs :func:`~.service.create_app` with uvicorn on a model file in one process
(:class:`.prefork.Supervisor` runs several, each through :func:`run_server`):

* **SIGTERM** (or Ctrl+C) shuts down gracefully: the server stops accepting connections, the
  requests in flight are answered, then the process exits 0 (after ``shutdown_timeout`` seconds
  the remaining ones are cancelled).
* **SIGHUP** re-reads the model file (the same path) and checks it; the new model answers every
  request that arrives after it is in place, and no request is dropped or fails meanwhile. A file
  that fails its checks is refused with one log line and the previous model goes on serving
  (:mod:`.live`).
* Logs go to stderr as JSON lines: one per request (:mod:`.telemetry`), and the service's own
  events (start, reloads, shutdown).

With several workers a supervising process loads the model once and forks them; they share its
memory (:mod:`.prefork`). With one, the single process serves and reloads in place.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .live import LiveModel
from .telemetry import JsonLines, Metrics

__all__ = ["ServeSettings", "serve_one", "make_app", "run_server", "configure_logging", "announce"]

log = logging.getLogger("illustrated.service")
DRAIN_S = 1.0   # after SIGTERM: how long open keep-alive connections are asked to close


@dataclass
class ServeSettings:
    """How to serve a model file (the ``recommend serve`` options; each checked here).

    Args:
        host, port: the address to listen on.
        workers: server processes (1 to 256); more than one share the model (:mod:`.prefork`).
        max_k: the largest ``k`` a request may ask for.
        access_log: a JSON line on stderr for every request.
        shutdown_timeout: seconds (0 to 3600) the requests in flight get after SIGTERM.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    max_k: int = 1000
    access_log: bool = True
    shutdown_timeout: float = 30.0

    def __post_init__(self) -> None:
        if not self.max_k >= 1:
            raise ConfigError(f"--max-k must be at least 1, got {self.max_k}")
        if not 1 <= self.workers <= 256:
            raise ConfigError(f"--workers must be from 1 to 256, got {self.workers}")
        if not 0 <= self.shutdown_timeout <= 3600:
            raise ConfigError(f"--shutdown-timeout must be from 0 to 3600 seconds, got "
                              f"{self.shutdown_timeout:g}")


def configure_logging() -> None:
    """JSON lines on stderr for the ``illustrated`` loggers (access lines and service events)."""
    logger = logging.getLogger("illustrated")
    if not any(getattr(h, "_illustrated", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonLines())
        handler._illustrated = True
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def uvicorn_config(app, settings: ServeSettings):
    """uvicorn's configuration for ``app``: its own access log off (ours has request ids), its
    messages at warning level, the graceful shutdown bounded."""
    import uvicorn

    return uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                          access_log=False, timeout_graceful_shutdown=settings.shutdown_timeout)


def serve_one(path: str | os.PathLike, settings: ServeSettings, echo=print) -> None:
    """Serve the model file at ``path`` in this process until SIGTERM or SIGINT, reloading it on
    SIGHUP; ``echo`` reports the start. (Several workers: :class:`.prefork.Supervisor`.)"""
    configure_logging()
    signal.signal(signal.SIGHUP, signal.SIG_IGN)    # no reload before the model is loaded
    live = LiveModel.load(path)
    announce(echo, path, live, settings)
    signal.signal(signal.SIGHUP, lambda *_: threading.Thread(
        target=live.reload, name="reload", daemon=True).start())
    run_server(make_app(live, settings, Metrics()), settings)


def make_app(live: LiveModel, settings: ServeSettings, metrics: Metrics):
    """The service's app on ``live`` with the settings' limits and logs."""
    from .service import create_app

    return create_app(live, max_k=settings.max_k, metrics=metrics, access_log=settings.access_log)


def announce(echo, path, live: LiveModel, settings: ServeSettings) -> None:
    """Say what is served, where, and which signals do what."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    workers = f", {settings.workers} workers" if settings.workers > 1 else ""
    echo(f"loaded {path}: {len(live.current)} items, {live.current.index.kind} index{workers}; "
         f"http://{host}:{settings.port}/docs (SIGHUP reloads the file, SIGTERM stops)")


def run_server(app, settings: ServeSettings, sockets=None, ready=None) -> None:
    """Serve ``app`` (from :func:`make_app`) in this process until SIGTERM/SIGINT, then return
    once the requests in flight are answered. ``sockets``: listening sockets to serve on (a
    worker's); ``ready``: called once the server accepts connections."""
    server = _server(uvicorn_config(app, settings), app, ready)
    # uvicorn re-raises the signal that stopped it once it has shut down; by then there is
    # nothing left to do but return
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: None)
    server.run(sockets=sockets)
    log.info(f"stopped after answering {server.answered} request(s)")


def _server(config, app, ready):
    """uvicorn's server, calling ``ready`` once it accepts connections, and shutting down in two
    steps: first it stops accepting and, for up to :data:`DRAIN_S` seconds, answers the requests
    still arriving on open keep-alive connections with ``Connection: close`` (so clients move to
    another server instead of racing a close); then uvicorn's own graceful shutdown."""
    import asyncio

    import uvicorn

    class Server(uvicorn.Server):
        answered = 0

        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if self.started and ready is not None:
                ready()

        async def shutdown(self, sockets=None):
            log.info("shutting down: no new connections; finishing the requests in flight")
            for server in self.servers:
                server.close()
            app.state.draining = True
            limit = self.config.timeout_graceful_shutdown
            deadline = time.monotonic() + (DRAIN_S if limit is None else min(DRAIN_S, limit))
            while self.server_state.connections and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            await super().shutdown(sockets=sockets)
            self.answered = self.server_state.total_requests

    return Server(config)
