#!/usr/bin/env python3
"""A real SMTP server as a process that saves every message it accepts (tests only).

``python smtp_sink.py --listen 127.0.0.1:0 --maildir DIR`` runs aiosmtpd (plain SMTP,
no authentication) and, for each message, writes ``DIR/NNNN.eml`` (the bytes as
received) and ``DIR/NNNN.json`` (the envelope: ``mail_from``, ``rcpt_tos``) before it
answers ``250``; both appear atomically, the ``.json`` last. Once the address is bound
it prints one JSON line, ``{"smtp": "HOST:PORT"}``. SIGTERM or SIGINT stops it.

:class:`Maildir` reads that directory back for the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

SINK = Path(__file__).resolve()


@dataclass(frozen=True)
class SavedMail:
    """One accepted message."""

    number: int
    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    def message(self) -> EmailMessage:
        """The message parsed the way a mail client parses it."""
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass(frozen=True)
class Maildir:
    """The directory a sink saves into."""

    path: Path

    def messages(self) -> list[SavedMail]:
        """Every message saved so far, in the order they were accepted."""
        found = []
        for envelope_file in sorted(self.path.glob("*.json")):
            envelope = json.loads(envelope_file.read_text(encoding="utf-8"))
            found.append(SavedMail(
                number=int(envelope_file.stem), mail_from=str(envelope["mail_from"]),
                rcpt_tos=tuple(envelope["rcpt_tos"]),
                data=envelope_file.with_suffix(".eml").read_bytes()))
        return found

    def to(self, address: str) -> list[SavedMail]:
        """Messages whose envelope names ``address`` as a recipient."""
        return [mail for mail in self.messages() if address in mail.rcpt_tos]

    def wait_for(self, address: str, count: int, timeout: float = 10.0) -> list[SavedMail]:
        """Once ``address`` has ``count`` messages, all of them; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while len(found := self.to(address)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} message(s) to {address} within "
                                     f"{timeout} s, expected {count}")
            time.sleep(0.02)
        return found


class _Saver:
    """aiosmtpd handler: every message to the directory, numbered in arrival order."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, _server: Any, _session: Any,  # noqa: N802 - aiosmtpd hook
                          envelope: Any) -> str:
        self.count += 1
        stem = self.directory / f"{self.count:04d}"
        _write(stem.with_suffix(".eml"), envelope.original_content or b"")
        _write(stem.with_suffix(".json"), json.dumps({
            "mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}).encode())
        return "250 OK"


def _write(path: Path, data: bytes) -> None:
    temp = path.with_suffix(path.suffix + ".tmp")
    temp.write_bytes(data)
    temp.replace(path)


async def run(listen: str, directory: Path) -> None:
    """Serve until SIGTERM or SIGINT, saving into ``directory`` (which exists)."""
    from aiosmtpd.smtp import SMTP  # noqa: PLC0415 - a test dependency, imported in the child only

    host, _, port = listen.rpartition(":")
    saver = _Saver(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(saver, hostname="mail.test"),
                                      host.strip("[]"), int(port))
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    bound = server.sockets[0].getsockname()
    print(json.dumps({"smtp": f"{bound[0]}:{bound[1]}"}), flush=True)  # noqa: T201 - readiness
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the script."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (0: any port)")
    parser.add_argument("--maildir", type=Path, required=True, help="where messages go")
    args = parser.parse_args(argv)
    args.maildir.mkdir(parents=True, exist_ok=True)
    asyncio.run(run(args.listen, args.maildir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
