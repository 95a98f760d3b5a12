"""``illustrated serve``: the live local page for any of the models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import ConfigError
from .common import address, check_listen, echo
from .models import load_recommender, load_translator, load_word2vec


def serve(
    word2vec: Annotated[Optional[Path], typer.Option("--word2vec", help="word2vec vectors (.npz, .bin, .txt).")] = None,
    translator: Annotated[Optional[Path], typer.Option("--translator", help="Translator folder.")] = None,
    recommender: Annotated[Optional[Path], typer.Option("--recommender", help="Recommender model.")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
) -> None:
    """Serve a local web page that draws the models live: neighbours, analogies, attention, recommendations."""
    if word2vec is None and translator is None and recommender is None:
        raise ConfigError("nothing to serve: give at least one model with --word2vec, --translator "
                          "or --recommender")
    check_listen(host, port)
    import uvicorn

    from ..illustrate.web import create_app

    app = create_app(word2vec=load_word2vec(word2vec) if word2vec else None,
                     translator=load_translator(translator) if translator else None,
                     recommender=load_recommender(recommender) if recommender else None)
    echo(f"serving on http://{address(host, port)}/  (Ctrl+C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")
