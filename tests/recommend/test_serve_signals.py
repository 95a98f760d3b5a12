"""`recommend serve` as an operator runs it: a real process (one, or a supervisor with two
workers), real signals, real HTTP. A reload in the middle of a load loses no request; SIGTERM
lets the request in flight finish; workers share the model's memory."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from illustrated.files import atomic_write

from .test_live import with_new_items


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``illustrated recommend serve MODEL`` in a process of its own, its stderr in a file."""

    def __init__(self, model: Path, workers: int, log: Path) -> None:
        self.port, self.log = free_port(), log
        self.err = open(log, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "illustrated.cli", "recommend", "serve", str(model), "--port",
             str(self.port), "--workers", str(workers), "--shutdown-timeout", "20"],
            stdout=subprocess.DEVNULL, stderr=self.err)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, log.read_text()
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError("the server did not start")

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.startswith("{")]

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text():
            assert time.monotonic() < deadline, f"no {text!r} in the log:\n{self.log.read_text()}"
            time.sleep(0.05)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self.err.close()


class Load:
    """Threads sending requests back to back, each with its own id, until stopped."""

    def __init__(self, url: str, items: list[str], threads: int = 4) -> None:
        self.url, self.items, self.stop_flag = url, items, threading.Event()
        self.sent: list[tuple[str, int | str]] = []   # (request id, status or error)
        self.threads = [threading.Thread(target=self._run, args=(t,)) for t in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self, t: int) -> None:
        rng = np.random.default_rng(t)
        with httpx.Client(base_url=self.url, timeout=30) as client:
            n = 0
            while not self.stop_flag.is_set():
                rid, n = f"load-{t}-{n}", n + 1
                item = self.items[rng.integers(len(self.items))]
                try:
                    if n % 2:
                        r = client.get(f"/items/{item}/similar", params={"k": 5}, headers={"X-Request-ID": rid})
                    else:
                        r = client.post("/recommend", json={"items": [item], "k": 5}, headers={"X-Request-ID": rid})
                    self.sent.append((rid, r.status_code))
                except httpx.HTTPError as e:
                    self.sent.append((rid, f"{type(e).__name__}: {e}"))

    def stop(self) -> list[tuple[str, int | str]]:
        self.stop_flag.set()
        for t in self.threads:
            t.join()
        return self.sent


@pytest.mark.parametrize("workers", [1, 2])
def test_a_reload_in_the_middle_of_a_load_loses_no_request(model, tmp_path, workers):
    path = tmp_path / "m.npz"
    model.save(path)
    server = Server(path, workers, tmp_path / "serve.log")
    load = Load(server.url, list(model.vectors.keys))
    try:
        time.sleep(1.0)
        with_new_items(model, 5).save(path)               # written atomically, then announced
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while httpx.get(server.url + "/items/new4/similar").status_code != 200:
            assert time.monotonic() < deadline, "the new items never answered"
            time.sleep(0.05)
        before = len(load.sent)
        time.sleep(0.5)
        assert len(load.sent) > before                    # still answering after the swap
        with atomic_write(path) as f:                     # a damaged file: refused
            f.write(b"not a model")
        server.proc.send_signal(signal.SIGHUP)
        server.wait_for("reload refused")
        assert httpx.get(server.url + "/items/new4/similar").status_code == 200
        time.sleep(0.5)
        scraped = httpx.get(server.url + "/metrics").text
    finally:
        sent = load.stop()
        code = server.stop()
    assert code == 0, server.log.read_text()[-3000:]
    failed = [(rid, what) for rid, what in sent if what != 200]
    assert not failed and len(sent) > 100, (len(sent), failed[:5])
    logged = [x["request_id"] for x in server.lines() if x.get("request_id", "").startswith("load-")]
    assert sorted(logged) == sorted(rid for rid, _ in sent)   # each answered and logged once
    refused = [x for x in server.lines() if "reload refused" in x.get("message", "")]
    assert len(refused) == 1 and refused[0]["level"] == "error"
    assert 'illustrated_model_reloads_total{outcome="ok"} 1.0' in scraped
    assert f"illustrated_model_items {len(model) + 5}.0" in scraped


@pytest.mark.parametrize("workers", [1, 2])
def test_sigterm_lets_the_request_in_flight_finish(model, tmp_path, workers):
    path = tmp_path / "m.npz"
    model.save(path)
    server = Server(path, workers, tmp_path / "serve.log")
    body = json.dumps({"items": list(model.vectors.keys[:3]), "k": 4}).encode()
    head = (f"POST /recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Request-ID: in-flight\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", server.port)) as conn:
        conn.sendall(head + body[:10])                    # the request has begun, not ended
        time.sleep(0.5)
        server.proc.send_signal(signal.SIGTERM)
        server.wait_for("shutting down")
        time.sleep(0.5)
        with pytest.raises(OSError):                      # no new connection is taken
            with socket.create_connection(("127.0.0.1", server.port), timeout=2) as c:
                c.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                if not c.recv(100):
                    raise ConnectionResetError("closed without an answer")
        assert server.proc.poll() is None                 # still waiting for the request
        conn.sendall(body[10:])
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, payload = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"x-request-id: in-flight" in head.lower()
    assert len(json.loads(payload)["items"]) == 4
    assert server.proc.wait(timeout=60) == 0
    server.err.close()


def _memory(pids: list[int]) -> tuple[float, list[float]]:
    """Summed PSS and each process's USS, MiB (psutil, from /proc/PID/smaps)."""
    psutil = pytest.importorskip("psutil")
    infos = [psutil.Process(p).memory_full_info() for p in pids]
    return sum(i.pss for i in infos) / 2**20, [i.uss / 2**20 for i in infos]


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="PSS needs Linux's /proc")
def test_workers_share_one_copy_of_the_model(tmp_path):
    from illustrated.recommend import Recommender
    from illustrated.word2vec import KeyedVectors

    n, dim = 200_000, 64                                   # 2 × 49 MiB of float32 vectors
    rng = np.random.default_rng(0)
    kv = KeyedVectors([str(i) for i in range(n)], rng.normal(size=(n, dim)).astype(np.float32),
                      np.ones(n, np.int64))
    path = tmp_path / "big.npz"
    Recommender(kv, index="exact").save(path)
    psutil = pytest.importorskip("psutil")
    totals, worker_uss = {}, []

    def measure(server: Server, workers: int) -> float:
        with httpx.Client(base_url=server.url) as client:
            for i in range(200):   # the workers answer requests (and touch what they touch)
                assert client.get(f"/items/{i * 500}/similar").status_code == 200
        kids = [c.pid for c in psutil.Process(server.proc.pid).children()]
        assert len(kids) == (workers if workers > 1 else 0)
        total, uss = _memory([server.proc.pid, *kids])
        worker_uss.extend(uss[1:])
        return total

    for workers in (1, 3):
        server = Server(path, workers, tmp_path / f"serve{workers}.log")
        try:
            totals[workers] = measure(server, workers)
            if workers > 1:   # a reload starts new workers on a new copy, shared again
                server.proc.send_signal(signal.SIGHUP)
                server.wait_for("generation 2")
                totals["reloaded"] = measure(server, workers)
        finally:
            assert server.stop() == 0
    model_mib = 2 * n * dim * 4 / 2**20   # vectors and unit vectors
    # each worker adds far less than a copy of the model: they share the supervisor's
    for total in (totals[3], totals["reloaded"]):
        assert (total - totals[1]) / 3 < 0.3 * model_mib, (totals, model_mib)
    assert max(worker_uss) < 0.4 * model_mib, (worker_uss, model_mib)
