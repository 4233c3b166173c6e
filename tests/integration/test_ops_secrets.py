"""What operating the server shows (issue 19, points 4 and 7) gives nothing away: no
email, name, device address, sign-in code, ticket text or password in the metrics or
in the log of a server that served sign-ins and tickets, and no SMTP password in what
``doctor`` prints, even from a mail server that echoes what it was sent."""

from __future__ import annotations

import base64
import contextlib
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest

from hero_assistance.apps.server.config import MailConfig, ServerConfig, write_config

from .server_harness import (
    RpcClient,
    ServerProcess,
    free_port,
    newest_code,
    run_cli_in_process,
    start_server,
)

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

PASSWORD = "s3cret-Pa55word"  # noqa: S105 - the secret the tests look for
AGENT, STRANGER = "127.0.0.93", "127.0.0.94"
AGENT_EMAIL, UNKNOWN_EMAIL = "quiet.agent@private.test", "someone.else@private.test"
AGENT_NAME = "Agent Quietname"
SUBJECT = "Invoice 4711 of Zebulon Quux"


@pytest.fixture(scope="module")
def busy_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, int]]:
    port = free_port()
    # The SMTP password sits in server.json (outbox mail: it is never used to send).
    server = start_server(tmp_path_factory.mktemp("secrets"), metrics_port=port,
                          mail=msgspec.to_builtins(MailConfig(smtp_password=PASSWORD)))
    try:
        yield server, port
    finally:
        server.stop()


async def test_metrics_and_logs_name_no_person_device_code_or_secret(
        busy_server: tuple[ServerProcess, int]) -> None:
    server, port = busy_server
    agent = server.person("agent", AGENT, name=AGENT_NAME)
    assert agent.email  # signed in through request_link and confirm, codes by email
    sign_in_codes = [newest_code(server.outbox, agent.email)]
    async with RpcClient(server, AGENT) as device:
        await device.call("ticket.create", {"subject": SUBJECT, "body": SUBJECT})
    async with RpcClient(server, STRANGER) as stranger:
        await stranger.call("auth.request_link", {"email": UNKNOWN_EMAIL,
                                                  "device_label": "a stranger's laptop"})
        await stranger.error("auth.confirm", {"code": "ZZZZ-ZZZZ"})
        await stranger.request("ticket.create", {"subject": SUBJECT, "bogus": AGENT_EMAIL})
    async with httpx.AsyncClient(timeout=10) as local:
        metrics = (await local.get(f"http://127.0.0.1:{port}/metrics")).text
    async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(
            uds=str(server.admin_socket)), base_url="http://admin", timeout=10) as admin:
        metrics += (await admin.get("/metrics")).text
    assert "hero_assistance_sign_in_attempts_total" in metrics  # the figures are there
    log = server.log()
    assert "serving the loopback overlay" in log
    secrets = [PASSWORD, agent.email, AGENT_EMAIL, UNKNOWN_EMAIL, AGENT_NAME, AGENT,
               STRANGER, SUBJECT, "a stranger's laptop", *sign_in_codes]
    for secret in secrets:
        assert secret not in metrics, secret
        assert secret not in log, secret


class _EchoingSmtp(socketserver.StreamRequestHandler):
    """A mail server that offers AUTH and quotes back whatever it is sent."""

    def handle(self) -> None:
        self.wfile.write(b"220 mail.test ESMTP\r\n")
        while line := self.rfile.readline(4096):
            command = line.strip().upper()
            if command.startswith((b"EHLO", b"HELO")):
                self.wfile.write(b"250-mail.test\r\n250 AUTH PLAIN LOGIN\r\n")
            elif command.startswith(b"QUIT"):
                self.wfile.write(b"221 bye\r\n")
                return
            elif command.startswith(b"AUTH LOGIN"):  # the user name; ask for the password
                self.wfile.write(b"334 UGFzc3dvcmQ6\r\n")
            else:
                self.wfile.write(b"535 5.7.8 not accepted: " + line.strip()[:400] + b"\r\n")


@contextlib.contextmanager
def _echoing_smtp() -> Iterator[int]:
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _EchoingSmtp) as smtp:
        smtp.daemon_threads = True
        thread = threading.Thread(target=smtp.serve_forever, daemon=True)
        thread.start()
        try:
            yield smtp.server_address[1]
        finally:
            smtp.shutdown()
            thread.join(10)


def test_doctor_never_prints_the_smtp_password(tmp_path: Path) -> None:
    with _echoing_smtp() as port:
        data = tmp_path / "data"
        write_config(data, msgspec.convert({
            "project_name": "Doctor", "overlay": "loopback",
            "mail": msgspec.to_builtins(MailConfig(
                kind="smtp", smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                smtp_username="mailer", smtp_password=PASSWORD, smtp_timeout_seconds=5.0)),
        }, ServerConfig))
        code, out, err = run_cli_in_process(data, "doctor")
    assert code == 1
    assert "FAIL mail: the SMTP server does not answer as configured" in out
    assert "535" in out  # the server's answer is shown ...
    shown = out + err
    for form in (PASSWORD, base64.b64encode(PASSWORD.encode()).decode(),
                 base64.b64encode(f"\0mailer\0{PASSWORD}".encode()).decode()):
        assert form not in shown, form  # ... but never the password, in any encoding
