"""The ``illustrated`` command line: one typer app assembling the command groups.

Errors caused by input are printed as one line (``error: …``) with exit code 1; nothing else
imports this module.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from .commands import draw, recommend, serve, text, translate, vocab, word2vec
from .commands.common import echo
from .errors import IllustratedError
from .files import atomic_write

app = typer.Typer(help="Embeddings and attention, made real, fast and drawable.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
app.add_typer(vocab.app, name="vocab")
app.add_typer(word2vec.app, name="word2vec")
app.add_typer(recommend.app, name="recommend")
app.add_typer(translate.app, name="translate")
app.add_typer(draw.app, name="draw")
app.command("serve")(serve.serve)

# The parts of the demo, in order: (title, module with a demo(out, echo) function).
DEMO_PARTS = [("text → arrays", text), ("word2vec", word2vec), ("item2vec recommendations", recommend),
              ("translation with attention", translate), ("illustrations", draw)]


@app.command("demo")
def demo(
    out: Annotated[Path, typer.Option("-o", "--out", help="Folder for the demo's files.")] = Path("demo-output"),
) -> None:
    """Run every capability on small data the project generates itself."""
    out.mkdir(parents=True, exist_ok=True)
    summary = {}
    for title, module in DEMO_PARTS:
        echo(f"\n== {title} ==")
        start = time.perf_counter()
        summary[title] = module.demo(out, echo)
        echo(f"({time.perf_counter() - start:.1f} s)")
    with atomic_write(out / "summary.json", "w") as f:
        f.write(json.dumps(summary, indent=2, default=str) + "\n")
    echo(f"\ndemo finished; files in {out}/")


def main() -> None:
    """Entry point: run the app, turning input errors into one line on stderr."""
    try:
        app()
    except IllustratedError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
