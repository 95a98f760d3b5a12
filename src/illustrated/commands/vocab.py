"""``illustrated vocab``: build and show vocabularies."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import IllustratedError
from ..files import check_writable
from ..text import SPECIALS, Corpus, Tokenizer, Vocab
from .common import echo, group

app = group("Build and inspect vocabularies.")


@app.command("build")
def build(
    corpus: Annotated[Path, typer.Argument(help="Text file, one sentence a line (.gz/.bz2/.xz ok).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Vocabulary file to write.")],
    min_count: Annotated[int, typer.Option(help="Drop tokens seen fewer times.")] = 1,
    max_size: Annotated[int | None, typer.Option(help="Keep at most this many tokens.")] = None,
    lowercase: Annotated[bool, typer.Option(help="Lowercase before counting.")] = Tokenizer.lowercase,
    tokenizer: Annotated[str, typer.Option(help="'whitespace' or 'words' (Unicode rules).")] = Tokenizer.kind,
    specials: Annotated[bool, typer.Option(help="Put <pad> <unk> <s> </s> first.")] = True,
    max_sentence_length: Annotated[int, typer.Option(help="Cut longer lines.")] = 10_000,
) -> None:
    """Count the tokens of CORPUS and write a vocabulary (token<TAB>count, one a line)."""
    stream = Corpus(corpus, tokenize=Tokenizer(tokenizer, lowercase),
                    max_sentence_length=max_sentence_length)
    check_writable(output, "vocabulary file")
    if output.exists() and output.samefile(stream.path):
        raise IllustratedError(f"{output}: -o/--output is the corpus itself; it would be overwritten")
    vocab = Vocab.build(stream.sentences(progress=True), min_count=min_count, max_size=max_size,
                        specials=SPECIALS if specials else ())
    vocab.save(output)
    echo(f"wrote {output}: {len(vocab)} tokens ({len(vocab.specials)} special), "
         f"{int(vocab.counts.sum())} running tokens covered")


@app.command("show")
def show(
    vocab_file: Annotated[Path, typer.Argument(help="A vocabulary file.")],
    top: Annotated[int, typer.Option(help="How many tokens to list.")] = 20,
) -> None:
    """Print the size of a vocabulary and its first tokens with ids and counts."""
    if top < 0:
        raise IllustratedError(f"--top must be 0 or more, got {top}")
    vocab = Vocab.load(vocab_file)
    echo(f"{vocab_file}: {len(vocab)} tokens, specials: {' '.join(vocab.specials) or '(none)'}")
    echo(f"{'id':>6}  {'count':>10}  token")
    for i, (tok, c) in enumerate(zip(vocab.itos[:top], vocab.counts[:top].tolist())):
        echo(f"{i:>6}  {c:>10}  {tok}")
