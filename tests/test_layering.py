"""Imports point down: text ← word2vec ← recommend; text ← seq2seq; figures import no trainer."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "illustrated"

# package → packages of ours it must not import
FORBIDDEN = {
    "text": {"word2vec", "recommend", "seq2seq", "illustrate", "commands", "cli"},
    "word2vec": {"recommend", "seq2seq", "illustrate", "commands", "cli"},
    "recommend": {"seq2seq", "illustrate", "commands", "cli"},
    "seq2seq": {"recommend", "illustrate", "commands", "cli"},
    "illustrate": {"commands", "cli", "word2vec.trainer", "seq2seq.trainer"},
}


def imported_modules(path: Path) -> set[str]:
    """Absolute dotted names (inside ``illustrated``) imported by one source file."""
    package = path.relative_to(SRC.parent).with_suffix("").parts[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            names.add(mod)
            names.update(f"{mod}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return {n.removeprefix("illustrated.") for n in names if n.startswith("illustrated")}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_down(package):
    bad = []
    for path in (SRC / package).rglob("*.py"):
        for name in imported_modules(path):
            for forbidden in FORBIDDEN[package]:
                if name == forbidden or name.startswith(forbidden + "."):
                    bad.append(f"{path.relative_to(SRC)} imports illustrated.{name}")
    assert not bad, "\n".join(bad)
