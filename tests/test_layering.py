"""Imports point down: cli → commands → illustrate | recommend | seq2seq → word2vec → text, and no
module of a package imports one that imports it back.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``); these tests run them on the
source tree, and on a copy with a planted violation to show the contracts can fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "illustrated"
LINT = Path(sys.executable).with_name("lint-imports")


def lint(source_root: Path) -> subprocess.CompletedProcess:
    """Run ``lint-imports`` with the project's contracts on the ``illustrated`` under ``source_root``."""
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=source_root, env=env, capture_output=True, text=True, timeout=300)


def test_import_contracts_are_kept():
    assert LINT.exists(), "import-linter is part of the test extras: pip install -e '.[test]'"
    result = lint(SRC.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("module, line, contract", [
    ("text/vocab.py", "from ..word2vec import vectors", "Layers"),
    ("illustrate/common.py", "from ..recommend import service", "Layers"),
    ("word2vec/vectors.py", "def _cycle():\n    from .trainer import Word2Vec", "No cycles"),
    ("seq2seq/folder.py", "def _train():\n    from .pipeline import train_translator", "Loading a translator"),
])
def test_a_planted_violation_breaks_a_contract(tmp_path, module, line, contract):
    shutil.copytree(SRC, tmp_path / "illustrated", ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "illustrated" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n\n{line}\n", encoding="utf-8")
    result = lint(tmp_path)
    assert result.returncode != 0, result.stdout
    broken = [ln for ln in result.stdout.splitlines() if ln.endswith("BROKEN")]
    assert any(ln.startswith(contract) for ln in broken), result.stdout
