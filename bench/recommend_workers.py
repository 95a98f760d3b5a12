"""The HTTP service with 1 and 2 worker processes: requests/s, latency, memory, and a reload under load.

Starts ``illustrated recommend serve MODEL --workers W`` for each W of ``--workers`` on the service
benchmark's model (1,000,000 random unit vectors of dim 64 with an hnsw index, built when the file
does not exist yet) and, for each:

* drives ``GET /items/{id}/similar?k=10`` for random items with ``wrk`` (Debian package) for
  ``--duration`` seconds after a warm-up: requests/s, p50/p90/p99, errors (non-2xx and socket);
* measures the memory of the supervisor and its workers with psutil: the summed PSS (each shared
  page divided among the processes sharing it: the machine's real cost), each process's USS (its
  private pages) and the summed RSS (what N unshared copies would cost);
* runs the load once more and sends SIGHUP in its middle (the model file re-read, checked and
  put in place while requests keep coming): the errors of that run must be 0. ``reload_done_s``
  is when the reload had finished (with workers: the new generation serving, the old one gone),
  in seconds after the signal, from the server's log; ``within_load`` says whether that was
  before the load ended (else lengthen ``--duration``); the memory of that row is measured after.

    python bench/recommend_workers.py [--workers 1,2] [--duration 15] [--connections 8]
    python bench/recommend_workers.py --model /tmp/small.npz --n 20000 --duration 3   # a quick check
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from recommend_service import build_model, free_port, run_wrk  # noqa: E402
from runner import Report, add_random_model_options  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def start(model: Path, port: int, workers: int, log, access_log: bool) -> subprocess.Popen:
    import httpx

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cmd = [sys.executable, "-m", "illustrated.cli", "recommend", "serve", str(model), "--port",
           str(port), "--max-k", "100", "--workers", str(workers)]
    proc = subprocess.Popen(cmd + ([] if access_log else ["--no-access-log"]), env=env,
                            stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 600
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
    raise SystemExit("server did not come up in 600 s")


def memory(pid: int) -> dict:
    """PSS, USS and RSS in MiB of a server process and its children (its workers)."""
    import psutil

    procs = [psutil.Process(pid), *psutil.Process(pid).children()]
    infos = [p.memory_full_info() for p in procs]
    mib = 2 ** 20
    return {"processes": len(procs), "pss_mb": round(sum(i.pss for i in infos) / mib, 1),
            "uss_mb_each": [round(i.uss / mib, 1) for i in infos],
            "rss_mb": round(sum(i.rss for i in infos) / mib, 1)}


def events(log_path: Path) -> list[dict]:
    """The server's own log lines (reloads, generations), not the access lines."""
    found = []
    for line in log_path.read_text().splitlines():
        if line.startswith("{") and '"logger": "illustrated.service"' in line:
            found.append(json.loads(line))
    return found


def wait_for_reload(log_path: Path, workers: int, timeout: float = 900) -> list[dict]:
    """The reload's log lines, once it has finished (with workers: once the new generation
    serves and the old one has gone)."""
    done = "generation 2" if workers > 1 else "reload"
    deadline = time.time() + timeout
    while time.time() < deadline:
        lines = [e for e in events(log_path) if "reload" in e["message"] or "generation" in e["message"]]
        if any(done in e["message"] for e in lines) or any("refused" in e["message"] for e in lines):
            return lines
        time.sleep(0.5)
    raise SystemExit(f"the reload did not finish in {timeout:.0f} s")


def one(model: Path, n: int, workers: int, args) -> list[dict]:
    port = free_port()
    log_path = Path(tempfile.mkstemp(suffix=".log")[1])
    rows = []
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        server = start(model, port, workers, log, args.access_log)
        startup_s = round(time.perf_counter() - started, 1)
        try:
            run_wrk(port, n, 3, args.connections)  # warm-up
            steady = run_wrk(port, n, args.duration, args.connections)
            rows.append({"workers": workers, "load": "steady", "startup_s": startup_s, **steady,
                         **memory(server.pid)})
            timer = threading.Timer(args.duration / 2, server.send_signal, (signal.SIGHUP,))
            timer.start()
            load_start = time.time()
            reloading = run_wrk(port, n, args.duration, args.connections)
            load_end = time.time()
            timer.join()
            lines = wait_for_reload(log_path, workers)
            finished = datetime.fromisoformat(lines[-1]["time"].replace("Z", "+00:00")).timestamp()
            rows.append({"workers": workers, "load": "SIGHUP in the middle", "startup_s": startup_s,
                         **reloading, **memory(server.pid),
                         "reload_done_s": round(finished - load_start - args.duration / 2, 1),
                         "within_load": "yes" if finished <= load_end else "no",
                         "reload": [e["message"] for e in lines]})
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=120)
    log_path.unlink()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_random_model_options(parser)
    parser.add_argument("--ef", type=int, default=64)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--access-log", action=argparse.BooleanOptionalAction, default=True,
                        help="the server's JSON line per request (its default: on)")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    model = Path(args.model)
    if not model.exists():
        build_model(model, args.n, 64, args.M, args.ef_construction, args.ef)
    from illustrated.recommend.item2vec import Recommender

    rec = Recommender.load(model)
    n, dim = rec.unit.shape
    report = Report("recommend_workers", anchor="1 worker", items=n, dim=dim,
                    index=rec.index.kind, endpoint="GET /items/{id}/similar?k=10",
                    client="wrk -t1", connections=args.connections, duration_s=args.duration,
                    access_log=args.access_log)
    del rec
    rows = [row for w in (int(x) for x in args.workers.split(",")) for row in one(model, n, w, args)]
    for row in rows:
        report.add(**{k: v for k, v in row.items() if k not in ("uss_mb_each", "reload")},
                   uss_mb_max=max(row["uss_mb_each"][1:] or row["uss_mb_each"]))
    steady = {r["workers"]: r for r in rows if r["load"] == "steady"}
    base = steady.get(1)
    report.summary = {
        "req/s vs 1 worker": {w: round(r["req_per_s"] / base["req_per_s"], 2)
                              for w, r in steady.items()} if base else None,
        "PSS vs 1 worker (N unshared copies would be about N+1 x)":
            {w: round(r["pss_mb"] / base["pss_mb"], 2) for w, r in steady.items()} if base else None,
        "errors with a reload in the middle": {r["workers"]: r["errors"] for r in rows
                                               if r["load"] != "steady"},
        "reload log": {r["workers"]: r["reload"] for r in rows if r["load"] != "steady"},
        "one copy of the model's vectors (vectors + unit vectors, float32)":
            f"{n:,} items x {dim} dim x 4 B x 2 = {2 * n * dim * 4 / 2**20:,.0f} MiB",
    }
    report.emit(args.json)


if __name__ == "__main__":
    main()
