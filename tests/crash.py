"""Killing a command with SIGKILL at a chosen moment, and looking at what it left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from illustrated.files import TEMP_SUFFIX


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "illustrated.cli", *map(str, args)]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=600)


def temporaries(folder: Path) -> list[str]:
    """The temporary files of unfinished writes anywhere under ``folder``."""
    return sorted(os.path.join(d, n) for d, _, names in os.walk(folder) for n in names
                  if n.endswith(TEMP_SUFFIX))


def kill_when(trigger: Callable[[], bool], *args: str, timeout: float = 300) -> bool:
    """Run the command and SIGKILL it the moment ``trigger()`` holds (polled without pause).

    Returns True when it was killed, False when it finished first (successfully: a failure is
    an assertion error with its stderr).
    """
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(command(*args), stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.monotonic() + timeout
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                if trigger():
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    return True
            assert proc.poll() is not None, "the command did not finish in time"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    assert proc.returncode == 0, stderr
    return False


def while_saving(folder: Path, over: Path | None = None) -> Callable[[], bool]:
    """True while some file under ``folder`` is being written (its temporary file exists); with
    ``over``, only once that file exists (so the write replaces a previous version)."""
    return lambda: (over is None or over.exists()) and bool(temporaries(folder))


def after_change(path: Path, delay: float) -> Callable[[], bool]:
    """True ``delay`` seconds after ``path`` was first seen to be (re)written since this call."""
    before = path.stat().st_mtime_ns if path.exists() else None
    seen: list[float] = []

    def trigger() -> bool:
        if not seen:
            try:
                changed = path.stat().st_mtime_ns != before
            except FileNotFoundError:
                changed = False
            if changed:
                seen.append(time.monotonic())
            return False
        return time.monotonic() - seen[0] >= delay

    return trigger
