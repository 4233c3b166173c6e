"""The tab server tells its own user's connections from other users' (Linux /proc)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from hero_assistance.apps.client.ui.peer import owner_uid, proc_endpoint, same_user

NOBODY = 65534
# Everything is imported before giving up root: the interpreter's files may be root's.
CONNECT = ("import encodings.idna, os, socket, sys; os.setgid({uid}); os.setuid({uid}); "
           "s = socket.create_connection(('{host}', {port})); print(s.getsockname()[1], "
           "flush=True); sys.stdin.read()")


def test_proc_spelling_of_endpoints() -> None:
    assert proc_endpoint("127.0.0.1", 8080) == "0100007F:1F90"
    assert proc_endpoint("::1", 80) == "00000000000000000000000001000000:0050"
    table = ("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt  uid\n"
             "   0: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000 1000 0\n")
    assert owner_uid(table, "0100007F:1F90", "0100007F:D431") == 1000
    assert owner_uid(table, "0100007F:1F90", "0100007F:D432") is None


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net/tcp")
def test_a_connection_of_this_process_is_this_users() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server, \
            socket.create_connection(server.getsockname()) as client:
        accepted, peer = server.accept()
        with accepted:
            assert same_user(peer, accepted.getsockname()) is True
            assert client.getsockname() == peer


@pytest.mark.skipif(not Path("/proc/net/tcp").exists() or os.geteuid() != 0,
                    reason="needs Linux /proc/net/tcp and root (to connect as another user)")
def test_a_connection_of_another_user_is_told_apart() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(10)
        host, port = server.getsockname()
        other = subprocess.Popen(  # noqa: S603 - our own interpreter
            [sys.executable, "-c", CONNECT.format(uid=NOBODY, host=host, port=port)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            accepted, peer = server.accept()
            with accepted:
                assert same_user(peer, accepted.getsockname()) is False
        finally:
            assert other.stdin is not None
            other.stdin.close()
            other.wait(10)
            assert other.stdout is not None
            other.stdout.close()
