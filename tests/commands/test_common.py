"""What the command modules share: the address a server prints, IPv6 included."""

import socket
import sys

import numpy as np
import pytest

from illustrated.commands.common import address


def test_an_ipv6_address_is_written_in_brackets():
    assert address("::1", 8000) == "[::1]:8000"
    assert address("fe80::1%eth0", 80) == "[fe80::1%eth0]:80"
    assert address("127.0.0.1", 8000) == "127.0.0.1:8000"
    assert address("localhost", 1) == "localhost:1"


def _free_ipv6_port() -> int:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
            return s.getsockname()[1]
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")


@pytest.mark.parametrize("command", ["serve", "recommend serve"])
def test_both_servers_print_an_ipv6_url_a_browser_opens(command, tmp_path, monkeypatch, capsys):
    import uvicorn

    from illustrated.cli import main
    from illustrated.recommend import Recommender
    from illustrated.word2vec import KeyedVectors

    kv = KeyedVectors([f"w{i}" for i in range(5)], np.eye(5, 3, dtype=np.float32) + 0.1)
    if command == "serve":
        kv.save(tmp_path / "v.txt")
        model = ["--word2vec", str(tmp_path / "v.txt")]
    else:
        Recommender(kv).save(tmp_path / "r.npz")
        model = [str(tmp_path / "r.npz")]
    from illustrated.recommend import serving

    port = _free_ipv6_port()
    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(kw))
    monkeypatch.setattr(serving, "run_server", lambda app, settings, *a, **kw: served.append(
        dict(host=settings.host, port=settings.port)))
    monkeypatch.setattr(sys, "argv", ["illustrated", *command.split(), *model, "--host", "::1",
                                      "--port", str(port)])
    with pytest.raises(SystemExit) as e:
        main()
    assert not e.value.code
    assert f"http://[::1]:{port}/" in capsys.readouterr().out
    assert len(served) == 1 and (served[0]["host"], served[0]["port"]) == ("::1", port)
