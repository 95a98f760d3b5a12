"""Small pieces shared by the command modules: output conventions and checks before serving."""

from __future__ import annotations

import typer

from ..errors import ConfigError

__all__ = ["echo", "group", "check_listen", "address"]


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
