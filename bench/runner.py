"""A small shared runner for the benchmarks: isolated measurements, a JSON line and a table.

Each contestant runs in a fresh interpreter (``spawn``) so that its peak memory (``VmHWM``) is its
own, and its wall time is measured there. A benchmark collects rows with :meth:`Report.add` and
ends with :meth:`Report.emit`, which prints one JSON line (machine-readable) followed by a
readable table, and can also write the JSON to a file.

    report = Report("word2vec_vs_gensim", anchor="gensim 4.4")
    result = isolated(train_ours, corpus)          # -> Measured(value, seconds, peak_mb)
    report.add(system="ours", mode="sg", words_per_s=..., peak_mb=result.peak_mb)
    report.emit()
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import platform
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

__all__ = ["Measured", "isolated", "Report", "peak_rss_mb", "shared_data", "ratio", "MULTI30K_SPLITS",
           "multi30k_lines", "add_random_model_options", "run_measured", "stamp"]


def shared_data(*parts: str) -> Path:
    """Path into the shared data folder (:func:`illustrated.data_paths.shared_data_dir`); exits
    cleanly if absent."""
    from illustrated.data_paths import ENV, shared_data_dir

    root = shared_data_dir()
    if root is None:
        raise SystemExit(f"benchmark data not found: no shared/data folder (set {ENV})")
    path = root.joinpath(*parts)
    if not path.exists():
        raise SystemExit(f"benchmark data not found: {path} (set {ENV})")
    return path


# Multi30k German-English (WMT16 multimodal task 1): our split name -> the shared files' stem
MULTI30K_SPLITS = {"train": "train", "val": "val", "test": "test_2016_flickr"}


def multi30k_lines(split: str, lang: str, limit: int | None = None) -> list[str]:
    """The stripped lines of a Multi30k split (a key of :data:`MULTI30K_SPLITS`) in ``lang``
    (``de`` or ``en``); with ``limit``, the training split's first ``limit`` lines only."""
    import gzip

    path = shared_data("multi30k") / f"{MULTI30K_SPLITS[split]}.{lang}.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        lines = [line.strip() for line in f]
    return lines[:limit] if limit and split == "train" else lines


def add_random_model_options(parser) -> None:
    """The options of the 1M-item random model shared by the recommender service and load
    benchmarks (``--model``, ``--n``, ``--M``, ``--ef-construction``), with the same defaults, so
    that both build and read the same file."""
    parser.add_argument("--model", default="/tmp/illustrated-random1m.npz")
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--M", type=int, default=32)
    parser.add_argument("--ef-construction", type=int, default=200)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MiB (Linux ``VmHWM``).

    Not ``ru_maxrss``: after a spawn (fork, then exec) that also counts the forked parent's
    pages. psutil has no peak figure on Linux.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Measured:
    """What :func:`isolated` returns: the function's value, its wall seconds and peak MiB."""

    value: Any
    seconds: float
    peak_mb: float


def _child(conn, fn, args, kwargs) -> None:
    try:
        start = time.perf_counter()
        value = fn(*args, **kwargs)
        seconds = time.perf_counter() - start
        conn.send(("ok", Measured(value, seconds, peak_rss_mb())))
    except BaseException:  # report any failure to the parent
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def isolated(fn: Callable, *args, **kwargs) -> Measured:
    """Run ``fn(*args, **kwargs)`` in a fresh interpreter; ``fn`` must be importable."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args, kwargs))
    proc.start()
    child.close()
    status, payload = parent.recv()
    proc.join()
    if status != "ok":
        raise RuntimeError(f"{getattr(fn, '__name__', fn)} failed in its process:\n{payload}")
    return payload


# A small interpreter that starts the command, waits for it with wait4 and prints what it used.
# The command is started from this small process, not from the benchmark's own: a child started
# by a large process (fork or vfork, then exec) inherits that process's resident high-water mark
# in ru_maxrss, so a benchmark that has imported torch would add its own ~400 MB to every figure.
_LAUNCHER = r"""
import json, os, subprocess, sys, time
out, cmd = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
proc = subprocess.Popen(cmd)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
with open(out, "w") as f:
    json.dump({"code": os.waitstatus_to_exitcode(status), "wall_s": wall,
               "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}, f)
"""


def run_measured(cmd: list[str], log: Path, env: dict | None = None, what: str | None = None) -> dict:
    """Run ``cmd`` to completion, its output into ``log``; return ``wall_s`` (launch to exit),
    ``cpu_s`` (user + system of the command and every descendant it waited for) and ``peak_mb``
    (``wait4``'s ``ru_maxrss``: the largest resident set of the command's process tree — the
    command itself or any of its waited-for descendants, such as torchrun's workers).

    Every benchmark measures ours and the anchor through this one function, so the figures are of
    the same kind on both sides. A non-zero exit stops the benchmark with the log's last lines.
    """
    import subprocess
    import tempfile

    log = Path(log)
    fd, stats = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        with open(log, "w", encoding="utf-8") as f:
            proc = subprocess.run([sys.executable, "-c", _LAUNCHER, stats, *cmd], stdout=f,
                                  stderr=subprocess.STDOUT, env={**os.environ, "TQDM_DISABLE": "1", **(env or {})})
        result = json.loads(Path(stats).read_text()) if proc.returncode == 0 else {"code": proc.returncode}
    finally:
        os.unlink(stats)
    if result["code"] != 0:
        tail = "".join(log.read_text(encoding="utf-8", errors="replace").splitlines(True)[-30:])
        raise SystemExit(f"{what or ' '.join(map(str, cmd[:4]))} failed (exit {result['code']}); "
                         f"end of {log}:\n{tail}")
    return {k: result[k] for k in ("wall_s", "cpu_s", "peak_mb")}


def stamp() -> dict:
    """When and where a benchmark ran: its date and time, host, cores, processor, load average at
    the start (a timing taken beside other work is not a figure to publish), Python."""
    import datetime
    import socket

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu)
    except OSError:
        pass
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "host": socket.gethostname(), "cpus": os.cpu_count(), "cpu": cpu,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "platform": platform.platform(),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])}


def ratio(a: float, b: float) -> float | None:
    """``a / b`` rounded to 3 places, or None when ``b`` is zero."""
    return round(a / b, 3) if b else None


class Report:
    """Rows of figures for one benchmark, printed as a JSON line and a table."""

    def __init__(self, name: str, anchor: str, **settings: Any) -> None:
        self.machine = stamp()
        self.name = name
        self.anchor = anchor
        self.settings = settings
        self.rows: list[dict[str, Any]] = []
        self.summary: dict[str, Any] = {}

    def add(self, **row: Any) -> dict[str, Any]:
        self.rows.append(row)
        return row

    def as_dict(self) -> dict[str, Any]:
        return {"benchmark": self.name, "anchor": self.anchor, "settings": self.settings,
                "machine": self.machine,
                "rows": self.rows, "summary": self.summary}

    def table(self) -> str:
        cols: list[str] = []
        for row in self.rows:
            cols += [k for k in row if k not in cols]
        cells = [[_fmt(r.get(c)) for c in cols] for r in self.rows]
        widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in cells]
        if self.summary:
            lines.append("")
            lines += [f"{k}: {_fmt(v)}" for k, v in self.summary.items()]
        return "\n".join(lines)

    def emit(self, json_path: str | os.PathLike | None = None) -> None:
        """Print the JSON line, then the table; optionally also write the JSON to a file."""
        data = self.as_dict()
        print(json.dumps(data, default=str))
        print()
        m = self.machine
        print(f"{self.name} (anchor: {self.anchor})")
        print(f"run {m['date']} on {m['host']}: {m['cpus']} cores, {m['cpu']}, load average at start "
              f"{m['load_average'][0]}; command: {m['command']}")
        print("settings: " + "; ".join(f"{k} {_fmt(v)}" for k, v in self.settings.items()))
        print(self.table())
        if json_path:
            Path(json_path).parent.mkdir(parents=True, exist_ok=True)
            Path(json_path).write_text(json.dumps(data, indent=2, default=str) + "\n")


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
