"""``illustrated word2vec``: train word2vec embeddings and query them.

A model path's extension picks its format everywhere: ``.bin`` word2vec binary, ``.txt``/``.vec``
word2vec text, ``.npz`` native (resumable).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Callable

import typer

from ..data_paths import ENV as DATA_ENV
from ..data_paths import shared_data_dir
from ..errors import IllustratedError
from ..files import atomic_write, check_writable, remove_stale_temporaries
from ..text import Corpora, Corpus, Tokenizer
from ..word2vec import KeyedVectors, UnknownKeyError, Word2Vec, Word2VecConfig
from ..word2vec.evaluate import RESTRICT_VOCAB
from ..word2vec.formats import check_output
from .common import check_everywhere, echo, group, join_processes

app = group("Train word2vec embeddings and query them.")

_AT_RESUME = ("threads", "sync_words", "sync_rows", "sync_merge")   # may change when a run is resumed
_MODEL_HELP = "Model file: .npz (native, resumable), .bin (word2vec binary), .txt/.vec (text)."


@app.command("train")
def train(
    corpus: Annotated[list[Path], typer.Argument(help="Text file, one sentence a line (.gz/.bz2/.xz "
                                                      "ok); or several, or a folder of them.")],
    output: Annotated[Path, typer.Option("-o", "--output", help=_MODEL_HELP)],
    sg: Annotated[bool | None, typer.Option("--sg/--cbow", help="Skip-gram or CBOW.")] = None,
    dim: Annotated[int | None, typer.Option(help="Vector size.")] = None,
    window: Annotated[int | None, typer.Option(help="Largest context distance.")] = None,
    negative: Annotated[int | None, typer.Option(help="Negative samples (0: off; at most 100).")] = None,
    ns_exponent: Annotated[float | None, typer.Option(help="Noise distribution exponent.")] = None,
    hs: Annotated[bool | None, typer.Option("--hs/--no-hs", help="Hierarchical softmax.")] = None,
    sample: Annotated[float | None, typer.Option(help="Subsampling threshold (0: off).")] = None,
    min_count: Annotated[int | None, typer.Option(help="Drop rarer words.")] = None,
    max_vocab: Annotated[int | None, typer.Option(help="Keep the most frequent N words.")] = None,
    epochs: Annotated[int | None, typer.Option(help="Passes over the corpus.")] = None,
    alpha: Annotated[float | None, typer.Option(help="Initial learning rate.")] = None,
    min_alpha: Annotated[float | None, typer.Option(help="Final learning rate.")] = None,
    threads: Annotated[int | None, typer.Option(help="Worker threads (default: all cores).")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.")] = None,
    tokenizer: Annotated[str, typer.Option(help="'whitespace' or 'words' (Unicode rules).")] = Tokenizer.kind,
    lowercase: Annotated[bool, typer.Option(help="Lowercase the text.")] = Tokenizer.lowercase,
    resume: Annotated[bool, typer.Option(help="Continue the interrupted training of the .npz model at --output (a finished one is left as it is).")] = False,
    log: Annotated[Path | None, typer.Option(
        "--log", "--log-file", help="Append JSON lines of training progress here (under torchrun "
                                    "write --log-file: torchrun reads --log as its --log-dir).")] = None,
    sync_words: Annotated[int | None, typer.Option(help="Under torchrun: each process's words "
                                                        "between two averagings of the weights.")] = None,
    sync_rows: Annotated[int | None, typer.Option(help="Under torchrun: rows of the most frequent "
                                                       "words averaged at every sync (more, less often).")] = None,
    sync_merge: Annotated[str | None, typer.Option(help="Under torchrun: how the processes' "
                                                        "changes combine at a sync: 'sum' or "
                                                        "'average'.")] = None,
) -> None:
    """Train word2vec on CORPUS and write the model (its extension picks the format).

    Under torchrun every process trains its share of the corpus and rank 0 writes the model."""
    _train(corpus, output, join_processes(), resume, log, Tokenizer(tokenizer, lowercase), dict(
        sg=sg, dim=dim, window=window, negative=negative, ns_exponent=ns_exponent, hs=hs,
        sample=sample, min_count=min_count, max_vocab=max_vocab, epochs=epochs, alpha=alpha,
        min_alpha=min_alpha, threads=threads, seed=seed, sync_words=sync_words,
        sync_rows=sync_rows, sync_merge=sync_merge))


def _train(paths: list[Path], output: Path, world, resume: bool, log: Path | None,
           tokenizer: Tokenizer, options: dict) -> None:
    kind = check_output(output, "model file")   # before the corpus is read, not after training
    if world.main:
        remove_stale_temporaries(output.parent)   # of a run killed while saving
    for path, what in ((output, "-o/--output"), (log, "--log")):
        for corpus in paths:
            if path is not None and path.exists() and corpus.exists() and path.samefile(corpus):
                raise IllustratedError(f"{path}: {what} is the corpus itself; it would be overwritten")
    if resume and kind != "npz":
        raise IllustratedError(f"{output}: --resume needs a .npz model")
    stream = _corpus(paths, tokenizer)
    say = echo if world.main else (lambda _: None)
    overrides = {k: v for k, v in options.items() if v is not None}
    if resume:
        check_everywhere(output, world)
    if resume and output.exists():
        model = Word2Vec.load(output)
        _check_resume(output, model, overrides, stream)
        for name in _AT_RESUME:
            if name in overrides:
                setattr(model.config, name, overrides[name])
        model.config.validate()
        if model.epochs_done >= model.config.epochs:
            say(f"{output} has finished all its {model.config.epochs} epochs: nothing to resume")
            return
        say(f"resuming {output}: {model!r}")
    else:
        if resume:
            say(f"{output} does not exist yet: training a new model (nothing to resume)")
        model = Word2Vec(Word2VecConfig(**overrides))
    if world.size > 1:
        from ..word2vec.shards import accuracy_warning, describe

        say(describe(stream, world))
        if accuracy_warning(world.size):
            say(accuracy_warning(world.size))
    start = time.perf_counter()
    model.train(stream, progress=True, log_path=log,
                checkpoint=output if kind == "npz" else None, world=world)
    seconds = time.perf_counter() - start
    if not world.main:
        return
    if kind != "npz":   # a .npz is the checkpoint written after the last epoch
        model.wv.save(output)
    loss = "n/a" if model.last_loss is None else f"{model.last_loss:.4f}"   # no pair trained
    echo(f"wrote {output}: {len(model.wv)} words × {model.config.dim}, "
         f"{model.corpus_words:,} corpus tokens, loss {loss}, {seconds:.1f} s")


def _corpus(paths: list[Path], tokenizer: Tokenizer) -> Corpus | Corpora:
    """One file, or several files (given, or every file of one folder) read one after another."""
    if len(paths) == 1 and paths[0].is_dir():
        return Corpora.folder(paths[0], tokenize=tokenizer)
    for p in paths:
        if p.is_dir():
            raise IllustratedError(f"{p}: is a folder; give one folder, or files")
    if len(paths) == 1:
        return Corpus(paths[0], tokenize=tokenizer)
    return Corpora(paths, tokenize=tokenizer)


def _check_resume(output: Path, model: Word2Vec, overrides: dict, stream: Corpus | Corpora) -> None:
    """Refuse to resume with options or a corpus other than the checkpoint's: training would
    silently go on with the saved settings and the saved vocabulary."""
    differ = [f"--{k.replace('_', '-')} {v!r} (saved: {getattr(model.config, k)!r})"
              for k, v in overrides.items() if k not in _AT_RESUME and getattr(model.config, k) != v]
    if differ:
        raise IllustratedError(f"{output}: --resume continues with the saved settings, but "
                               f"{', '.join(differ)} differ; drop them, or train a new model")
    saved = model.corpus_source or {}
    tok = stream.tokenize
    for key, now in (("tokenizer", tok.kind), ("lowercase", tok.lowercase)):
        if key in saved and saved[key] != now:
            raise IllustratedError(f"{output}: --resume with --tokenizer {tok.kind} "
                                   f"--{'' if tok.lowercase else 'no-'}lowercase, but the model "
                                   f"was trained with {key} {saved[key]!r}; pass the same options")
    model.check_corpus(stream)     # the check Word2Vec.train makes, before "nothing to resume"


def _vectors(path: Path) -> KeyedVectors:
    return KeyedVectors.load(path)


@app.command("similar")
def similar(
    model: Annotated[Path, typer.Argument(help=_MODEL_HELP)],
    words: Annotated[list[str], typer.Argument(help="Words to find neighbours of.")],
    topn: Annotated[int, typer.Option("-n", "--topn", help="Neighbours per word.")] = 10,
    restrict_vocab: Annotated[int | None, typer.Option(help="Search only the N most frequent.")] = None,
) -> None:
    """Print the nearest neighbours (cosine) of each WORD."""
    wv = _vectors(model)
    with _naming(model):
        answers = [(word, wv.most_similar(word, topn=topn, restrict_vocab=restrict_vocab))
                   for word in words]   # every word checked before anything is printed
    for word, near in answers:
        _check_answered(model, wv, near, topn, f"no neighbours of {word!r}")
    for word, near in answers:
        echo(f"{word}:")
        for other, score in near:
            echo(f"  {score:.4f}  {other}")


@contextlib.contextmanager
def _naming(model: Path) -> Iterator[None]:
    """Prefix an unknown-word error with the model file it is unknown to."""
    try:
        yield
    except UnknownKeyError as e:
        raise IllustratedError(f"{model}: {e}") from None


def _check_answered(model: Path, wv: KeyedVectors, answer: list, topn: int, what: str) -> None:
    """An error when a query that asked for neighbours got none (too few keys to search)."""
    if topn > 0 and not answer:
        raise IllustratedError(f"{model}: {what}: the vectors hold {len(wv)} key(s) and the "
                               "query words themselves are left out")


@app.command("analogy")
def analogy(
    model: Annotated[Path, typer.Argument(help=_MODEL_HELP)],
    a: Annotated[str, typer.Argument(help="a in a − b + c (king).")],
    b: Annotated[str, typer.Argument(help="b in a − b + c (man).")],
    c: Annotated[str, typer.Argument(help="c in a − b + c (woman).")],
    topn: Annotated[int, typer.Option("-n", "--topn")] = 5,
    method: Annotated[str, typer.Option(help="'add' (3CosAdd) or 'mul' (3CosMul).")] = "add",
) -> None:
    """Print the words nearest to a − b + c (king − man + woman ≈ queen)."""
    wv = _vectors(model)
    with _naming(model):
        answer = wv.analogy(a, b, c, topn=topn, method=method)
    _check_answered(model, wv, answer, topn, f"no answer to {a} − {b} + {c}")
    echo(f"{a} − {b} + {c} ≈")
    for word, score in answer:
        echo(f"  {score:.4f}  {word}")


@app.command("evaluate")
def evaluate(
    model: Annotated[Path, typer.Argument(help=_MODEL_HELP)],
    eval_dir: Annotated[Path | None, typer.Option(help="Folder with questions-words.txt, "
                                                  "wordsim353.tsv, simlex999.txt, MEN, RW.")] = None,
    restrict_vocab: Annotated[int, typer.Option(help="Analogies among the N most frequent words.")] = RESTRICT_VOCAB,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the scores as JSON.")] = None,
) -> None:
    """Score analogies (per section and total) and word-pair similarity (Spearman)."""
    from ..word2vec.evaluate import evaluate_all

    if json_out is not None:
        check_writable(json_out, "scores file")
    wv = _vectors(model)
    root = eval_dir or _default_eval_dir()
    scores = evaluate_all(wv, root, restrict_vocab)
    _print_scores(scores)
    if json_out:
        with atomic_write(json_out, "w") as f:
            f.write(json.dumps(scores, indent=2, allow_nan=False) + "\n")
    empty = [key for key, s in scores.items() if s.get("answered", s.get("pairs")) == 0]
    if empty:
        raise IllustratedError(f"{root}: nothing was evaluated for {', '.join(empty)}: every "
                               "question or pair has a word outside the vectors' vocabulary")


def _print_scores(scores: dict) -> None:
    """The table of :func:`evaluate`; ``n/a`` where nothing could be scored."""
    def pct(x: float | None) -> str:
        return "     n/a" if x is None else f"{100 * x:>7.2f}%"

    if "analogy" in scores:
        an = scores["analogy"]
        echo(f"{'analogy section':<32} {'accuracy':>8} {'answered':>8} {'oov':>6}")
        for name, s in an["sections"].items():
            echo(f"{name:<32} {pct(s['accuracy'])} {s['answered']:>8} {s['oov']:>6}")
        echo(f"{'total':<32} {pct(an['accuracy'])} {an['answered']:>8} {an['oov']:>6}")
    for key in ("ws353", "simlex", "men", "rw"):
        if key in scores:
            s = scores[key]
            rho = "n/a" if s["spearman"] is None else f"{s['spearman']:.4f}"
            echo(f"{key:<8} spearman {rho}  pairs {s['pairs']}  oov {s['oov']}")


def _default_eval_dir() -> Path:
    root = shared_data_dir()
    if root is None:
        raise IllustratedError(f"no evaluation folder: use --eval-dir, or set ${DATA_ENV} to the "
                               "shared data folder that holds eval/")
    return root / "eval"


@app.command("convert")
def convert(
    source: Annotated[Path, typer.Argument(help=_MODEL_HELP)],
    target: Annotated[Path, typer.Argument(help="Output file; its extension picks the format.")],
) -> None:
    """Convert vectors between the .bin, .txt/.vec and .npz formats."""
    check_output(target)
    wv = _vectors(source)
    wv.save(target)
    echo(f"wrote {target}: {len(wv)} vectors of dim {wv.dim}")


def demo(out: Path, echo: Callable[[str], None]) -> dict:
    """Train on a generated corpus with planted relations and find them again."""
    from ..word2vec.planted import ANALOGIES, PAIRS, planted_corpus

    sentences = planted_corpus(6000, seed=0)
    config = Word2VecConfig(dim=32, epochs=8, min_count=1, sample=0, threads=2, seed=1)
    echo(f"corpus: {len(sentences)} generated sentences, e.g. {' '.join(sentences[0])!r}")
    model = Word2Vec(config)
    log = out / "word2vec.jsonl"
    log.unlink(missing_ok=True)
    start = time.perf_counter()
    model.train(sentences, progress=False, log_path=log)
    echo(f"skip-gram, negative sampling: {len(model.wv)} words × {config.dim}, "
         f"{model.corpus_words * config.epochs / (time.perf_counter() - start):,.0f} words/s "
         f"(first run includes compiling), loss {model.last_loss:.3f}")
    wv = model.wv
    nouns = {w for a, b, _, _ in PAIRS for w in (a, b)}
    found = 0
    for a, b, _, _ in PAIRS[:4]:
        near = [w for w, _ in wv.most_similar(a, topn=8)]
        echo(f"  nearest to {a:<8} {', '.join(near[:6])}")
    for a, b, _, _ in PAIRS:
        near_noun = next(w for w, _ in wv.most_similar(a, topn=len(wv)) if w in nouns)
        found += near_noun == b
    echo(f"planted partner is the nearest noun for {found}/{len(PAIRS)} nouns")
    solved = []
    for a, b, c, d in ANALOGIES:
        got = wv.analogy(a, b, c, topn=1)[0][0]
        solved.append(got == d)
        echo(f"  {a} − {b} + {c} ≈ {got}  {'✓' if got == d else '✗ (' + d + ')'}")
    path = out / "word2vec.npz"
    model.save(path)
    echo(f"saved {path}")
    return {"words": len(wv), "partners_found": found, "pairs": len(PAIRS),
            "analogies_solved": sum(solved), "analogies": len(ANALOGIES), "model": str(path)}
