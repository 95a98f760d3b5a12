"""Small pieces shared by the command modules: output conventions, checks before serving, and
joining the processes ``torchrun`` started."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import ConfigError, IllustratedError

__all__ = ["echo", "group", "check_listen", "address", "join_processes", "check_everywhere"]


def echo(message: str = "") -> None:
    """Print a line of normal output (stdout)."""
    typer.echo(message)


def group(help_text: str) -> typer.Typer:
    """A typer command group with the project's settings."""
    return typer.Typer(help=help_text, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False)


def address(host: str, port: int) -> str:
    """``host:port`` as a URL writes it: an IPv6 address in brackets (``[::1]:8000``)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def check_listen(host: str, port: int) -> None:
    """Refuse, before loading a model, an address the server could not listen on (a port in use,
    out of range, or a host that does not resolve), as uvicorn would only after start-up."""
    import errno
    import socket

    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {port}: expected a port from 1 to 65535")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as e:
        raise ConfigError(f"--host {host!r}: not an address this machine can listen on ({e})") from None
    for family, kind, proto, _, sockaddr in dict.fromkeys(infos):  # every address, as asyncio binds
        with socket.socket(family, kind, proto) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                s.bind(sockaddr)
            except OSError as e:
                if e.errno == errno.EADDRINUSE:
                    raise ConfigError(f"cannot listen on {address(host, port)}: port {port} is already in "
                                      "use (another server?); choose another with --port") from None
                raise ConfigError(f"cannot listen on {address(host, port)}: {e.strerror or e}") from None


def join_processes():
    """Join the group of processes ``torchrun`` started (gloo: the trainers' arrays live in the
    CPU's memory), left again when the process exits; one process without ``torchrun``."""
    import atexit

    from ..distributed import setup, teardown

    world = setup("gloo")
    if world.size > 1:
        atexit.register(teardown)
    return world


def check_everywhere(output: Path, world) -> None:
    """Every process resumes from the checkpoint, or none does: it must be where all can read it."""
    seen = world.gather(output.exists())
    if any(seen) and not all(seen):
        missing = ", ".join(str(r) for r, s in enumerate(seen) if not s)
        raise IllustratedError(f"{output}: --resume reads the checkpoint in every process, but "
                               f"process(es) {missing} cannot see it: keep -o on storage the "
                               "machines share, or copy it to the same path on each")
