"""Small pieces shared by the command modules: output and progress conventions."""

from __future__ import annotations

import typer

__all__ = ["echo", "group"]


def echo(message: str = "") -> None:
    """Print a line of normal output (stdout)."""
    typer.echo(message)


def group(help_text: str) -> typer.Typer:
    """A typer command group with the project's settings."""
    return typer.Typer(help=help_text, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False)
