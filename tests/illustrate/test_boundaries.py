"""``illustrate`` draws from arrays: it imports no trainer, no model package and no PyTorch."""

import ast
from pathlib import Path

import illustrated.illustrate as package

FORBIDDEN = ("torch", "numba", "illustrated.word2vec", "illustrated.seq2seq", "illustrated.recommend",
             "illustrated.commands", "illustrated.cli", "matplotlib.pyplot")


def imported_modules(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against illustrated.illustrate
                base = ["illustrated", "illustrate"][: 3 - node.level]
                yield ".".join(base + ([node.module] if node.module else []))
            else:
                yield node.module


def test_no_trainer_or_model_imports():
    files = sorted(Path(package.__file__).parent.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        for name in imported_modules(path):
            assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), f"{path.name} imports {name}"
