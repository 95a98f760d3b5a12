"""The word2vec benchmark gives both systems the same settings: each shared setting appears, with the
same value, in our command and in gensim's, and gensim's driver hands each one to gensim's Word2Vec.

The parity test reads each side from the side itself: ours from the options the real ``word2vec
train`` command parses out of the benchmark's command line, gensim's from the attributes of the
``Word2Vec`` its driver constructs from its command line."""

import ast
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import word2vec_vs_gensim as bench  # noqa: E402

SETTINGS = dict(dim=64, window=7, negative=11, sample=2e-4, min_count=3, epochs=4, alpha=0.03,
                min_alpha=0.002, threads=2, seed=9)
# our flag → gensim driver flag (the names differ only where the tools name them differently)
SAME = {"dim": "dim", "window": "window", "negative": "negative", "sample": "sample",
        "min-count": "min-count", "epochs": "epochs", "alpha": "alpha", "min-alpha": "min-alpha",
        "threads": "threads",
        "seed": "seed"}


def flags(command: list[str]) -> dict[str, str]:
    out, i = {}, 0
    while i < len(command):
        if command[i].startswith("--"):
            name = command[i][2:]
            if i + 1 < len(command) and not command[i + 1].startswith("--"):
                out[name] = command[i + 1]
                i += 2
                continue
            out[name] = "true"
        i += 1
    return out


@pytest.mark.parametrize("sg", [True, False])
def test_both_commands_carry_every_shared_setting(sg):
    corpus, out = Path("/c.txt"), Path("/m")
    ours = flags(bench.our_command(corpus, out, Path("/log"), sg, SETTINGS))
    theirs = flags(bench.gensim_command(corpus, out, "corpus_file", sg, SETTINGS))
    for mine, their in SAME.items():
        assert float(ours[mine]) == float(theirs[their]), mine
    # the one deliberate difference: unless fixed for both, gensim ends at its own (and best) rate
    default = flags(bench.gensim_command(corpus, out, "corpus_file", sg,
                                         bench.anchor_settings(SETTINGS, False)))
    assert float(default["min-alpha"]) == bench.GENSIM_MIN_ALPHA == 0.0001
    assert {k: v for k, v in default.items() if k != "min-alpha"} == \
        {k: v for k, v in theirs.items() if k != "min-alpha"}
    assert ("sg" if sg else "cbow") in ours and theirs["sg"] == str(int(sg))
    assert theirs["input"] == "corpus_file"


def test_the_gensim_driver_passes_each_setting_to_gensim():
    """Every keyword of the driver's ``Word2Vec(...)`` call reads the parsed argument of that name."""
    tree = ast.parse((BENCH / "gensim_word2vec_driver.py").read_text())
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call)
                and getattr(n.func, "id", None) == "Word2Vec")
    given = {k.arg: ast.unparse(k.value) for k in call.keywords}
    assert given == {"sg": "a.sg", "vector_size": "a.dim", "window": "a.window",
                     "negative": "a.negative", "hs": "0", "sample": "a.sample",
                     "min_count": "a.min_count", "epochs": "a.epochs", "alpha": "a.alpha",
                     "min_alpha": "a.min_alpha",
                     "workers": "a.threads", "seed": "a.seed"}


def test_our_command_trains_with_our_defaults_elsewhere():
    """Nothing else is set on our side: what the command does not name is our config's default."""
    ours = flags(bench.our_command(Path("/c"), Path("/m"), Path("/l"), True, SETTINGS))
    assert set(ours) == set(SAME) | {"sg", "log"}


# our config's field → gensim Word2Vec's attribute of the same meaning
RESOLVED = {"sg": "sg", "dim": "vector_size", "window": "window", "shrink_windows": "shrink_windows",
            "negative": "negative", "ns_exponent": "ns_exponent", "hs": "hs", "sample": "sample",
            "min_count": "min_count", "max_vocab": "max_vocab_size", "epochs": "epochs", "alpha": "alpha",
            "threads": "workers", "seed": "seed"}


def our_resolved(command: list[str]):
    """The ``Word2VecConfig`` the real ``word2vec train`` command builds from ``command``."""
    import typer.main

    from illustrated.commands import word2vec as cli
    from illustrated.word2vec import Word2VecConfig

    argv = command[command.index("train") + 1:]
    params = typer.main.get_command(cli.app).commands["train"].make_context("train", argv).params
    fields = set(Word2VecConfig.__dataclass_fields__)
    return Word2VecConfig(**{k: v for k, v in params.items() if k in fields and v is not None})


def gensim_resolved(command: list[str]):
    """gensim's ``Word2Vec`` as the driver constructs it from ``command`` (nothing trained)."""
    pytest.importorskip("gensim")
    import gensim_word2vec_driver as driver

    return driver.build(driver.parser().parse_args(command[2:]))


@pytest.mark.parametrize("sg", [True, False])
@pytest.mark.parametrize("fixed", [True, False])
def test_both_trainers_resolve_every_shared_setting_alike(sg, fixed):
    corpus, out = Path("/c.txt"), Path("/m")
    p = {**SETTINGS, "min_alpha": SETTINGS["min_alpha"] if fixed else None}
    mode = "sg" if sg else "cbow"
    rates = our_resolved(["train", "/c", "-o", "/m", f"--{mode}", "--alpha", str(p["alpha"])]
                         + (["--min-alpha", str(p["min_alpha"])] if fixed else []))
    p = {**p, "min_alpha": rates.min_alpha}
    ours = our_resolved(bench.our_command(corpus, out, Path("/log"), sg, p))
    theirs = gensim_resolved(bench.gensim_command(corpus, out, "corpus_file", sg, bench.anchor_settings(p, fixed)))
    for mine, their in RESOLVED.items():
        a, b = getattr(ours, mine), getattr(theirs, their)
        assert (a == b) if not isinstance(a, float) else a == pytest.approx(b), f"{mine}: ours {a!r}, gensim {b!r}"
    assert theirs.cbow_mean == 1                      # CBOW averages the context on both sides
    # the listed differences, read from both sides
    if fixed:
        assert ours.min_alpha == theirs.min_alpha == SETTINGS["min_alpha"]
    else:
        assert theirs.min_alpha == bench.GENSIM_MIN_ALPHA and ours.min_alpha == rates.min_alpha
    assert ours.cbow_noise_share == 2 and ours.context_budget > 2 * ours.window   # never active here
    assert set(bench.DIFFERENCES) == {"final learning rate", "skip-gram noise words", "CBOW noise words",
                                      "context budget", "random numbers"}
