"""A save that cannot complete — a full disk, a file size limit, a read-only folder — is one line
naming the file, leaves the previous model as it was, and leaves no temporary file.

The size limit (``RLIMIT_FSIZE``, what ``ulimit -f`` sets) works everywhere, root included. A real
full or read-only file system is a 256 KiB tmpfs mounted in a user namespace (``unshare``), where
the system allows it; elsewhere those tests are skipped.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from illustrated.files import TEMP_SUFFIX

from .crash import command
from .savers import SAVERS

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 64 * 1024


def _limited(limit: int):
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def save(kind: str, path: Path, rows: int, limit: int | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tests.savers", kind, str(path), str(rows)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          preexec_fn=_limited(limit) if limit else None)


def _one_line_error(r: subprocess.CompletedProcess, path: Path, why: str) -> None:
    assert r.returncode == 1, r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert errors == [f"error: {path}: cannot write: {why}; the previous file is left as it was"], r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("kind", sorted(SAVERS))
def test_a_save_over_the_file_size_limit_keeps_the_old_model(tmp_path, kind):
    path = tmp_path / kind
    assert save(kind, path, 4).returncode == 0
    before = path.read_bytes()
    r = save(kind, path, 20_000, limit=LIMIT)
    _one_line_error(r, path, "File too large (over the file size limit, ulimit -f)")
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [kind]


def test_training_that_cannot_write_its_checkpoint_stops_in_one_line(tmp_path):
    from illustrated.word2vec import Word2Vec
    from illustrated.word2vec.planted import planted_corpus

    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in planted_corpus(500, seed=1)) + "\n")
    model = tmp_path / "m.npz"
    small = ("--min-count", "1", "--sample", "0", "--epochs", "2", "--threads", "1")
    r = subprocess.run(command("word2vec", "train", corpus, "-o", model, "--dim", "4", *small),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    before = model.read_bytes()
    r = subprocess.run(command("word2vec", "train", corpus, "-o", model, "--dim", "200", *small),
                       capture_output=True, text=True, preexec_fn=_limited(LIMIT))
    _one_line_error(r, model, "File too large (over the file size limit, ulimit -f)")
    assert model.read_bytes() == before and Word2Vec.load(model).config.dim == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt", "m.npz"]


def _namespace_works() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    r = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                        "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d && umount $d"],
                       capture_output=True)
    return r.returncode == 0


needs_namespace = pytest.mark.skipif(not _namespace_works(),
                                     reason="no unprivileged user namespace to mount a small tmpfs")

# Runs inside the namespace: a tiny tmpfs, an old model that fits, a new one that does not; then
# the same file system made read-only. Prints what it found as JSON.
_SCENARIO = r"""
import json, os, subprocess, sys
kind, folder = sys.argv[1], sys.argv[2]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", folder], check=True)
path = os.path.join(folder, kind)
def save(rows):
    return subprocess.run([sys.executable, "-m", "tests.savers", kind, path, str(rows)],
                          capture_output=True, text=True)
def read():
    with open(path, "rb") as f:
        return f.read()
out = {"old": save(4).returncode}
before = read()
full = save(20_000)
out["full"] = [full.returncode, full.stderr, read() == before, sorted(os.listdir(folder))]
subprocess.run(["mount", "-o", "remount,ro", folder], check=True)
ro = save(5)
out["read_only"] = [ro.returncode, ro.stderr, read() == before, sorted(os.listdir(folder))]
print(json.dumps(out))
"""


@needs_namespace
@pytest.mark.parametrize("kind", ["word2vec.npz", "checkpoint.pt", "vocab.txt.gz"])
def test_a_full_or_read_only_file_system_keeps_the_old_model(tmp_path, kind):
    folder = tmp_path / "disk"
    folder.mkdir()
    r = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", sys.executable, "-c",
                        _SCENARIO, kind, str(folder)], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    assert found["old"] == 0
    path = folder / kind
    for case, why in (("full", "No space left on device"), ("read_only", "Read-only file system")):
        rc, stderr, kept, names = found[case]
        _one_line_error(subprocess.CompletedProcess([], rc, "", stderr), path, why)
        assert kept and names == [kind], (case, names)
    assert not any(p.name.endswith(TEMP_SUFFIX) for p in folder.iterdir())
