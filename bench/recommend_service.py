"""The HTTP service under load on loopback: ``/items/{id}/similar`` over a 1,000,000-item index.

Starts ``illustrated recommend serve`` (one uvicorn worker) on a model of 1M random unit vectors
of dim 64 with an hnsw index, then drives it with ``wrk`` (Debian package; a bounded run: fixed
connections and duration, every request counted) asking for random items. A second run repeats the
load while another client fires bad requests — a 10 MB body, wrong types, k = 10^9, malformed JSON,
unknown ids — which must all be refused with the right status without hurting the good traffic.

    python bench/recommend_service.py [--model /tmp/random1m.npz] [--duration 15] [--connections 8]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from runner import Report, add_random_model_options  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

LUA = """
math.randomseed(42)
request = function()
  return wrk.format("GET", "/items/" .. math.random(0, %d) .. "/similar?k=10")
end
"""


def build_model(path: Path, n: int, dim: int, M: int, efc: int, ef: int) -> None:
    """1M random unit vectors with an hnsw index, saved as a recommender model."""
    from recommend_index import random_unit

    from illustrated.recommend.item2vec import Recommender
    from illustrated.word2vec import KeyedVectors

    unit = random_unit(n, dim, seed=0)
    kv = KeyedVectors([str(i) for i in range(n)], unit, np.ones(n, dtype=np.int64))
    start = time.perf_counter()
    rec = Recommender(kv, index="hnsw", M=M, ef_construction=efc, ef=ef)
    print(f"built hnsw over {n} items in {time.perf_counter() - start:.0f} s", flush=True)
    rec.save(path)


def set_ef(path: Path, ef: int) -> None:
    """Rewrite the model's stored query breadth (a tiny array) without rebuilding the graph."""
    from illustrated.files import read_npz, write_npz

    arrays, meta = read_npz(path)
    settings = arrays["index_hnsw_settings"].copy()
    if settings[2] != ef:
        settings[2] = ef
        arrays["index_hnsw_settings"] = settings
        write_npz(path, arrays, meta)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "illustrated.cli", "recommend", "serve", str(model),
                             "--port", str(port), "--max-k", "100"], env=env)
    import httpx

    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("server exited during start-up")
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("server did not come up in 300 s")


def run_wrk(port: int, n: int, duration: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % (n - 1))
        script = f.name
    try:
        out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
                              "--timeout", "2s", "-s", script, f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, timeout=duration + 60).stdout
    finally:
        os.unlink(script)

    def ms(label: str) -> float | None:
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]

    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"requests": total, "req_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50_ms": ms("50%"), "p90_ms": ms("90%"), "p99_ms": ms("99%"),
            "errors": (int(non2xx.group(1)) if non2xx else 0) +
                      (sum(int(x) for x in sock.groups()) if sock else 0)}


BAD = [  # (what, method, path, body or None, expected status)
    ("10 MB body", "POST", "/recommend", b'{"items": ["' + b"x" * 10_000_000 + b'"]}', 413),
    ("k = 10^9", "GET", "/items/1/similar?k=1000000000", None, 422),
    ("k not a number", "GET", "/items/1/similar?k=ten", None, 422),
    ("items not a list", "POST", "/recommend", b'{"items": "1", "k": 5}', 422),
    ("items of numbers", "POST", "/recommend", b'{"items": [1, 2], "k": 5}', 422),
    ("malformed JSON", "POST", "/recommend", b'{"items": [', 422),
    ("k = 10^9 in body", "POST", "/recommend", b'{"items": ["1"], "k": 1000000000}', 422),
    ("unknown id", "GET", "/items/no-such-item/similar", None, 404),
]


def fire_bad(port: int, stop: threading.Event, tally: dict) -> None:
    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        while not stop.is_set():
            for what, method, path, body, expected in BAD:
                try:
                    r = client.request(method, path, content=body,
                                       headers={"content-type": "application/json"})
                    ok = r.status_code == expected
                except httpx.HTTPError:
                    ok = False
                t = tally.setdefault(what, [0, 0, expected])
                t[0] += 1
                t[1] += ok
                time.sleep(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_random_model_options(parser)
    parser.add_argument("--efs", default="64,400")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    efs = [int(e) for e in args.efs.split(",")]
    model = Path(args.model)
    if not model.exists():
        build_model(model, args.n, 64, args.M, args.ef_construction, efs[0])

    report = Report("recommend_service", anchor="targets: >= 1,000 req/s, p99 <= 10 ms, 0 errors",
                    items=args.n, endpoint="GET /items/{id}/similar?k=10", client="wrk -t1",
                    connections=args.connections, duration_s=args.duration, server="uvicorn, 1 worker")
    bad_rows = {}
    for ef in efs:
        set_ef(model, ef)
        port = free_port()
        start = time.perf_counter()
        server = start_server(model, port)
        load_s = time.perf_counter() - start
        try:
            run_wrk(port, args.n, 3, args.connections)  # warm-up
            clean = run_wrk(port, args.n, args.duration, args.connections)
            report.add(ef=ef, load="good only", startup_s=round(load_s, 1), **clean)
            stop, tally = threading.Event(), {}
            thread = threading.Thread(target=fire_bad, args=(port, stop, tally))
            thread.start()
            mixed = run_wrk(port, args.n, args.duration, args.connections)
            stop.set()
            thread.join()
            report.add(ef=ef, load="good + bad", startup_s=round(load_s, 1), **mixed)
            for what, (sent, ok, expected) in tally.items():
                prev = bad_rows.get(what, [0, 0, expected])
                bad_rows[what] = [prev[0] + sent, prev[1] + ok, expected]
        finally:
            server.terminate()
            server.wait(timeout=30)
    best = max((r for r in report.rows if r["load"] == "good only"), key=lambda r: r["req_per_s"])
    report.summary = {
        "bad requests (sent / answered as expected / expected status)":
            {k: f"{v[0]} / {v[1]} / {v[2]}" for k, v in bad_rows.items()},
        "all bad requests refused correctly": all(v[0] == v[1] for v in bad_rows.values()),
        "met (best ef)": bool(best["req_per_s"] >= 1000 and (best["p99_ms"] or 1e9) <= 10
                              and best["errors"] == 0),
    }
    report.emit(args.json)


if __name__ == "__main__":
    main()
