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

# click's exceptions, or the copy of them that newer typer releases carry
_CLICK = sys.modules[typer.BadParameter.__module__]

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
    """Entry point: run the app, turning input errors into one line on stderr: ``error: …`` and
    exit code 1, or 2 for a command line that does not parse (a missing argument, an unknown
    option, ``-k abc``), which click would otherwise frame in a many-line box."""
    try:
        code = app(standalone_mode=False)
    except IllustratedError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(1)
    except _CLICK.UsageError as e:
        if type(e).__name__ == "NoArgsIsHelpError":    # a group called alone: its help
            e.show()
            sys.exit(e.exit_code)
        typer.echo(f"error: {_usage_line(e)}", err=True)
        sys.exit(e.exit_code)
    except _CLICK.ClickException as e:
        typer.echo(f"error: {' '.join(e.format_message().split())}", err=True)
        sys.exit(e.exit_code)
    except (KeyboardInterrupt, typer.Abort, getattr(_CLICK, "Abort", typer.Abort)):
        typer.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def _usage_line(e: Exception) -> str:
    """click's message on one line, naming the command and where to read its usage."""
    message = " ".join(e.format_message().split()).rstrip(".")
    ctx = getattr(e, "ctx", None)
    if ctx is None:
        return message
    path = " ".join(["illustrated", ctx.command_path[len(ctx.find_root().info_name or ""):].strip()]).strip()
    return f"{path}: {message[:1].lower()}{message[1:]} (see '{path} --help')"


if __name__ == "__main__":
    main()
