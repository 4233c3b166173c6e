"""A real SMTP server in-process, the real server as a subprocess, devices on loopback.

The enrollment tests need three real things: an SMTP server that receives what the
project server sends (aiosmtpd, in a thread of the test process), the project server
itself (``hero-assistance-server serve`` as a subprocess on the loopback overlay) and
devices, each an httpx client bound to its own ``127.x.y.z`` source address.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import anyio
import httpx
import msgspec
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from hero_assistance.apps.server.config import (
    ADMIN_SOCKET,
    DATABASE_FILE,
    MailConfig,
    ServerConfig,
    write_config,
)

SERVER_START_SECONDS = 20.0
SMTP_USER, SMTP_PASSWORD = "hero-mailer", "s3cret-for-tests"
Security = Literal["starttls", "tls", "none"]

# Device addresses come from one block of 127/8 no other test suite uses, one per call.
_addresses = itertools.count(2)


def next_device_address() -> str:
    """A loopback address no other device of this test run has used."""
    n = next(_addresses)
    return f"127.73.{n // 250}.{n % 250 + 2}"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


# -- a throwaway certificate ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThrowawayCertificate:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        """What the SMTP server presents."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts this certificate and nothing else."""
        return ssl.create_default_context(cafile=str(self.cert))


def make_certificate(directory: Path) -> ThrowawayCertificate:
    """Generate the certificate with ``cryptography`` if installed, else ``openssl``."""
    cert, key = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    try:
        _make_with_cryptography(cert, key)
    except ImportError:
        subprocess.run(  # noqa: S603 - fixed arguments, no shell
            ["openssl", "req", "-x509", "-newkey", "ec",  # noqa: S607 - openssl from PATH
             "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True,
        )
    return ThrowawayCertificate(cert=cert, key=key)


def _make_with_cryptography(cert_path: Path, key_path: Path) -> None:
    # Imported here: cryptography is optional, openssl is the fallback.
    import datetime as dt  # noqa: PLC0415
    import ipaddress  # noqa: PLC0415

    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


# -- the SMTP server ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Received:
    """One message as the SMTP server got it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    authenticated_as: str | None
    tls: bool


TEMPORARY_REFUSAL = "451 4.3.0 mailbox busy, try again later"
PERMANENT_REFUSAL = "554 5.3.0 message refused"


@dataclass
class MailCatcher:
    """aiosmtpd handler: keeps every message.

    ``refuse`` (an SMTP reply such as :data:`TEMPORARY_REFUSAL`) is answered to DATA
    instead of accepting; recipients in ``unknown`` are refused with 550 at RCPT.
    ``attempts`` counts every DATA, accepted or not.
    """

    received: list[Received] = field(default_factory=list)
    refuse: str = ""
    unknown: set[str] = field(default_factory=set)
    attempts: int = 0

    async def handle_RCPT(self, _server: SMTP, _session: Session,  # noqa: N802 - aiosmtpd hook
                          envelope: Envelope, address: str, _options: list[str]) -> str:
        """Refuse recipients that do not exist, accept the others."""
        if address in self.unknown:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session,  # noqa: N802 - aiosmtpd hook
                          envelope: Envelope) -> str:
        """Keep the message, or refuse it like a mail server that is having a bad day."""
        self.attempts += 1
        if self.refuse:
            return self.refuse
        data = envelope.original_content or b""
        self.received.append(Received(
            mail_from=str(envelope.mail_from), rcpt_tos=tuple(envelope.rcpt_tos), data=data,
            authenticated_as=_login_name(session.auth_data),
            tls=server.transport is not None
            and server.transport.get_extra_info("ssl_object") is not None,
        ))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        """Messages addressed to ``address``."""
        return [m for m in self.received if address in m.rcpt_tos]


def _login_name(auth_data: Any) -> str | None:
    if isinstance(auth_data, LoginPassword):
        return auth_data.login.decode()
    return None


def _check_login(_server: SMTP, _session: Session, _envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:
    ok = (mechanism in {"LOGIN", "PLAIN"} and isinstance(auth_data, LoginPassword)
          and auth_data.login == SMTP_USER.encode()
          and auth_data.password == SMTP_PASSWORD.encode())
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@contextlib.contextmanager
def smtp_server(*, security: Security = "none", certificate: ThrowawayCertificate | None = None,
                require_auth: bool = False, port: int | None = None,
                catcher: MailCatcher | None = None) -> Iterator[tuple[MailCatcher, int]]:
    """A real SMTP server on 127.0.0.1 and a free port (or ``port``); stopped on exit.

    ``security``: ``none`` (plain), ``starttls`` (STARTTLS required before MAIL) or
    ``tls`` (implicit TLS). With ``require_auth`` the server demands LOGIN/PLAIN over TLS.
    A ``catcher`` from an earlier run keeps collecting into the same list.
    """
    catcher = catcher or MailCatcher()
    port = port or free_port()
    kwargs: dict[str, Any] = {}
    if security == "starttls":
        assert certificate is not None
        kwargs.update(tls_context=certificate.server_context(), require_starttls=True)
    elif security == "tls":
        assert certificate is not None
        kwargs.update(ssl_context=certificate.server_context())
    if require_auth:
        # TLS stays required for AUTH (aiosmtpd's default): plain-text passwords are refused.
        kwargs.update(authenticator=_check_login, auth_required=True)
    controller = Controller(catcher, hostname="127.0.0.1", port=port,
                            server_hostname="mail.test", ready_timeout=10, **kwargs)
    controller.start()
    try:
        yield catcher, port
    finally:
        controller.stop()


# -- the project server as a subprocess -------------------------------------------------


def smtp_mail_config(port: int, *, security: Security = "none", ca_file: str = "",
                     username: str = "", password: str = "",
                     retry_first_seconds: float = 0.2,
                     retry_longest_seconds: float = 1.0) -> MailConfig:
    """``mail`` of server.json pointing at the in-process SMTP server (quick retries)."""
    return MailConfig(kind="smtp", sender="support@acme.test", smtp_host="127.0.0.1",
                      smtp_port=port, smtp_security=security,
                      smtp_username=username, smtp_password=password,
                      smtp_timeout_seconds=5.0, smtp_ca_file=ca_file,
                      retry_first_seconds=retry_first_seconds,
                      retry_longest_seconds=retry_longest_seconds)


def server_command(data_dir: Path, *args: str) -> list[str]:
    """``hero-assistance-server --data-dir DIR ARGS`` run by this interpreter."""
    return [sys.executable, "-m", "hero_assistance.apps.server.cli", "--data-dir",
            str(data_dir), *args]


class ServerProcess:
    """``hero-assistance-server serve`` on the loopback overlay, stopped with SIGTERM."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.log_path = data_dir / "server.log"
        config = msgspec.json.decode((data_dir / "server.json").read_bytes(), type=ServerConfig)
        self.host, self.port = config.loopback_address, config.port
        self.base_url = f"http://{self.host}:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def database(self) -> Path:
        """The project's SQLite file."""
        return self.data_dir / DATABASE_FILE

    def start(self) -> None:
        """Start and wait until both the overlay port and the admin socket answer."""
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own CLI
                server_command(self.data_dir, "serve"), stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        deadline = time.monotonic() + SERVER_START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.log()}")
            if (self.data_dir / ADMIN_SOCKET).exists() and self._port_open():
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the server did not start in time:\n{self.log()}")

    def _port_open(self) -> bool:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            return probe.connect_ex((self.host, self.port)) == 0

    def stop(self) -> int | None:
        """SIGTERM, then wait; returns the exit code."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def kill(self) -> int | None:
        """SIGKILL, no grace: the worst moment is whenever this is called."""
        process, self._process = self._process, None
        if process is None:
            return None
        process.kill()
        return process.wait()

    def log(self) -> str:
        """What the server wrote so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def make_server_dir(data_dir: Path, *, mail: MailConfig, link_lifetime_minutes: int = 15,
                    project_name: str = "Acme") -> Path:
    """A data directory with a server.json for the loopback overlay on a free port."""
    write_config(data_dir, ServerConfig(
        project_name=project_name, overlay="loopback", port=free_port(),
        loopback_address="127.0.0.1", link_lifetime_minutes=link_lifetime_minutes, mail=mail,
    ))
    return data_dir


# -- JSON-RPC clients ---------------------------------------------------------------------


class RpcError(Exception):
    """A JSON-RPC error answer."""

    def __init__(self, code: int, message: str, data: Any) -> None:
        super().__init__(f"{code} {message} {data!r}")
        self.code = code
        self.message = message
        self.data = data


class _RpcClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client
        self._ids = itertools.count(1)

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """Call ``method``; return its result or raise ``RpcError``."""
        request: dict[str, Any] = {"jsonrpc": "2.0", "id": next(self._ids), "method": method}
        if params is not None:
            request["params"] = params
        response = await self.http.post("/rpc", json=request)
        assert response.status_code == 200, response.text
        answer = response.json()
        if "error" in answer:
            error = answer["error"]
            raise RpcError(error["code"], error["message"], error.get("data"))
        return answer["result"]

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()


class Device(_RpcClient):
    """One device: every request leaves from its own loopback address."""

    def __init__(self, server: ServerProcess, address: str | None = None) -> None:
        self.address = address or next_device_address()
        super().__init__(httpx.AsyncClient(
            base_url=server.base_url, timeout=15,
            transport=httpx.AsyncHTTPTransport(local_address=self.address),
        ))

    async def whoami(self) -> dict[str, Any]:
        """``auth.whoami`` from this device."""
        result: dict[str, Any] = await self.call("auth.whoami")
        return result


class Operator(_RpcClient):
    """The admin socket, as the server's CLI reaches it."""

    def __init__(self, server: ServerProcess) -> None:
        super().__init__(httpx.AsyncClient(
            base_url="http://admin", timeout=15,
            transport=httpx.AsyncHTTPTransport(uds=str(server.data_dir / ADMIN_SOCKET)),
        ))

    async def enroll(self, email: str, role: str = "customer") -> dict[str, Any]:
        """Pre-enroll a person."""
        user: dict[str, Any] = await self.call("user.enroll", {
            "email": email, "role": role, "display_name": email.split("@", 1)[0]})
        return user

    async def pending_links(self, email: str | None = None) -> list[dict[str, Any]]:
        """``admin.links``, optionally only those of ``email``."""
        links: list[dict[str, Any]] = await self.call("admin.links")
        return [link for link in links if email is None or link["email"] == email]

    async def mail_queue(self, status: str | None = None) -> dict[str, Any]:
        """``admin.mail``: the counts per status and the newest mails."""
        params: dict[str, Any] = {} if status is None else {"status": status}
        queue: dict[str, Any] = await self.call("admin.mail", params)
        return queue

    async def mail_to(self, email: str, status: str, *, attempts: int = 0,
                      within: float = 10.0) -> dict[str, Any]:
        """The newest queued mail to ``email`` once it has ``status`` and at least
        ``attempts`` delivery attempts (polled: the worker acts after the answer)."""
        with anyio.fail_after(within):
            while True:
                mails = (await self.mail_queue(status))["mails"]
                for mail in mails:
                    if mail["recipient"] == email and mail["attempts"] >= attempts:
                        found: dict[str, Any] = mail
                        return found
                await anyio.sleep(0.02)

    async def mail_settled(self, within: float = 10.0) -> dict[str, Any]:
        """Once the server's mail worker has handled every sign-in request and has no
        mail pending, the queue (polled: the state lives in another process)."""
        with anyio.fail_after(within):
            while True:
                requests = await self.call("admin.sign_in_requests", {"limit": 50})
                queue = await self.mail_queue()
                if not queue["pending"] and all(r["outcome"] != "received"
                                                for r in requests):
                    return queue
                await anyio.sleep(0.02)


_email_numbers = itertools.count(1)


def new_email(who: str = "person") -> str:
    """An email address no other test of this run uses (rate limits count per email)."""
    return f"{who}{next(_email_numbers)}-{os.getpid()}@acme.test"
