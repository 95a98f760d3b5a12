"""Several server processes sharing one read-only copy of the model (``serve --workers N``).

The supervising process reads and checks the model file once, binds the listening socket, and
forks the workers. A forked worker shares every page of the parent's memory until one of them
writes to it (copy-on-write): the model's arrays — vectors, unit vectors, the hnsw graph, the
rules — are only ever read while serving, so the N workers hold one copy of them between them,
not N. Python objects (item ids, names) are shared the same way until a worker touches them
(a reference count is a write), and the cyclic garbage collector is kept off them
(``gc.freeze()``) so that it never does.

Signals to the supervisor:

* **SIGHUP**: re-read and check the model file in the supervisor (a refused file is one log line;
  the workers keep serving the previous model); fork a new generation of workers on it, wait
  until they accept connections, then retire the old ones gracefully. The listening socket is
  shared by all of them and never closed, so a connection is accepted by an old worker or a new
  one, and every accepted request is answered: none is dropped. From the moment the old workers
  stop accepting, every request is answered by the new model.
* **SIGTERM/SIGINT**: every worker stops accepting and finishes its requests in flight; then the
  supervisor exits 0.

A worker that dies is replaced. Metrics are collected across workers in a temporary folder
(prometheus-client's multiprocess mode); any worker's ``/metrics`` reports them all.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import select
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from ..errors import IllustratedError
from .live import LiveModel
from .serving import (ServeSettings, announce, configure_logging, make_app, run_server,
                      uvicorn_config)
from .telemetry import Metrics

__all__ = ["Supervisor"]

log = logging.getLogger("illustrated.service")
READY_TIMEOUT_S = 120.0


class Supervisor:
    """Runs ``settings.workers`` forked server processes on the model file at ``path``."""

    def __init__(self, path: Path, settings: ServeSettings, echo=print) -> None:
        self.path, self.settings, self.echo = path, settings, echo
        self.workers: dict[int, int] = {}   # pid -> generation
        self.generation = 0
        self.signals: list[int] = []

    def run(self) -> None:
        """Serve until SIGTERM or SIGINT; returns once every worker has finished."""
        import fastapi  # noqa: F401  (imported before the fork: shared, not loaded N times)
        import prometheus_client  # noqa: F401
        import uvicorn  # noqa: F401

        configure_logging()
        signal.signal(signal.SIGHUP, signal.SIG_IGN)    # no reload before the model is loaded
        self.live = LiveModel.load(self.path)
        self.socket = uvicorn_config(None, self.settings).bind_socket()
        self.metrics_dir = tempfile.mkdtemp(prefix="illustrated-metrics-")
        # one app for every worker, built before they fork (so shared too); the metrics write
        # to one file per process, the supervisor's own counting the reloads
        self.app = make_app(self.live, self.settings, Metrics(self.metrics_dir))
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_r, False)
        os.set_blocking(wake_w, False)
        self.wake = wake_r
        previous = signal.set_wakeup_fd(wake_w)
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(sig, lambda s, _: self.signals.append(s))
        try:
            announce(self.echo, self.path, self.live, self.settings)
            if not self._start_generation():
                raise IllustratedError("the workers did not start (see the log above)")
            self._loop()
        finally:
            signal.set_wakeup_fd(previous)
            self._stop(list(self.workers))
            shutil.rmtree(self.metrics_dir, ignore_errors=True)
            self.socket.close()
            os.close(wake_r)
            os.close(wake_w)

    # ---- the supervisor's loop --------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            select.select([self.wake], [], [], 1.0)
            with contextlib.suppress(BlockingIOError, InterruptedError):
                os.read(self.wake, 512)
            pending, self.signals[:] = list(self.signals), []
            self._reap()
            if signal.SIGTERM in pending or signal.SIGINT in pending:
                log.info(f"stopping {len(self.workers)} worker(s): finishing the requests in flight")
                self.socket.close()   # once the workers close theirs, connections are refused
                return
            if signal.SIGHUP in pending:
                self._reload()
            missing = self.settings.workers - sum(g == self.generation for g in self.workers.values())
            for _ in range(missing):
                time.sleep(0.5)   # a worker that keeps dying is not restarted in a tight loop
                os.close(self._fork()[1])

    def _reap(self) -> None:
        """Collect exited workers; one of the current generation that died is reported."""
        from prometheus_client.multiprocess import mark_process_dead

        while self.workers:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            generation = self.workers.pop(pid, None)
            mark_process_dead(pid, self.metrics_dir)
            if generation == self.generation:
                log.error(f"worker {pid} exited ({_status(status)}); starting another")

    def _reload(self) -> None:
        outcome = self.live.reload()     # re-read and checked; refused: one log line
        if not outcome.ok:
            return
        old = [pid for pid, g in self.workers.items() if g == self.generation]
        if self._start_generation():
            self._stop(old)
            log.info(f"generation {self.generation}: {self.settings.workers} worker(s) serve "
                     f"{outcome.items:,} items; the previous ones have finished")

    # ---- workers ----------------------------------------------------------------------------
    def _start_generation(self) -> bool:
        """Fork a full generation on the current model; True once all of them accept
        connections (else they are stopped and the previous generation stays)."""
        gc.collect()
        gc.freeze()   # the collector never writes to the objects shared with the workers
        self.generation += 1
        pipes = [self._fork() for _ in range(self.settings.workers)]
        deadline = time.monotonic() + READY_TIMEOUT_S
        waiting = {r: pid for pid, r in pipes}
        while waiting and time.monotonic() < deadline:
            ready, _, _ = select.select(list(waiting), [], [], 0.5)
            for r in ready:
                if os.read(r, 1):
                    os.close(r)
                    waiting.pop(r)
            self._reap()
            if any(pid not in self.workers for pid in waiting.values()):
                break
        for r in waiting:
            os.close(r)
        if waiting:
            log.error(f"generation {self.generation} did not start; keeping the previous workers")
            self._stop([pid for pid, g in self.workers.items() if g == self.generation])
            self.generation -= 1
            return False
        return True

    def _fork(self) -> tuple[int, int]:
        """Start one worker of the current generation; returns its pid and its ready pipe."""
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:   # the worker
            os.close(r)
            code = 0
            try:
                self._work(w)
            except BaseException:
                log.exception("worker failed")
                code = 1
            finally:
                logging.shutdown()
                os._exit(code)
        os.close(w)
        self.workers[pid] = self.generation
        return pid, r

    def _work(self, ready_fd: int) -> None:
        signal.set_wakeup_fd(-1)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)   # the supervisor reloads
        os.close(self.wake)
        _die_with_parent()

        def ready() -> None:
            with contextlib.suppress(OSError):   # a replacement worker: nobody waits for it
                os.write(ready_fd, b"1")
            os.close(ready_fd)

        run_server(self.app, self.settings, sockets=[self.socket], ready=ready)

    def _stop(self, pids: list[int], timeout: float | None = None) -> None:
        """SIGTERM ``pids`` and wait for them (each finishes its requests in flight)."""
        timeout = self.settings.shutdown_timeout + 10 if timeout is None else timeout
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for pid in pids:
            while pid in self.workers:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    self.workers.pop(pid, None)
                    from prometheus_client.multiprocess import mark_process_dead

                    mark_process_dead(pid, self.metrics_dir)
                elif time.monotonic() > deadline:
                    log.error(f"worker {pid} did not stop in {timeout:.0f} s; killing it")
                    os.kill(pid, signal.SIGKILL)
                    deadline = float("inf")
                else:
                    time.sleep(0.05)


def _status(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.WEXITSTATUS(status)}"


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM this worker if the supervisor dies (even by kill -9)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


