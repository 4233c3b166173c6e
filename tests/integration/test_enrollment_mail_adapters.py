"""The mail adapters against real counterparts: an SMTP server in-process, a real folder."""

from __future__ import annotations

import threading
from email import message_from_bytes, policy
from pathlib import Path

import msgspec
import pytest

from hero_assistance.adapters.mail import OutboxMailer
from hero_assistance.adapters.mail.smtp import SmtpMailer, SmtpSettings
from hero_assistance.apps.server.config import ConfigError, ServerConfig
from hero_assistance.apps.server.runtime import make_mailer
from hero_assistance.domain.errors import MailRejected, Unavailable
from hero_assistance.domain.ports import OutgoingMail
from hero_assistance.domain.sign_in_mail import compose_sign_in_mail
from tests.support.sign_in_mail import read_sign_in_mail

from ._enrollment_support import (
    PERMANENT_REFUSAL,
    SMTP_PASSWORD,
    SMTP_USER,
    TEMPORARY_REFUSAL,
    Security,
    ThrowawayCertificate,
    free_port,
    make_certificate,
    smtp_mail_config,
    smtp_server,
)

pytestmark = pytest.mark.anyio

SENDER = "support@acme.test"
LINK = "http://127.0.0.1:7330/auth/link/q1W2e3R4t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x1C"
CODE = "ABCD2345"


def _mail(to: str = "carol@acme.test", label: str = "Carol's <laptop>") -> OutgoingMail:
    return compose_sign_in_mail(to=to, project_name="Acme & Co", link_url=LINK, code=CODE,
                                device_label=label, device_addr="127.0.0.9", minutes=15)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayCertificate:
    """A throwaway self-signed certificate for 127.0.0.1."""
    return make_certificate(tmp_path_factory.mktemp("cert"))


def _settings(port: int, security: Security, **extra: object) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security=security, sender=SENDER,
                        timeout_seconds=5.0, **extra)  # type: ignore[arg-type]


# -- SMTP: delivery ----------------------------------------------------------------------


@pytest.mark.parametrize("security", ["none", "starttls", "tls"])
async def test_smtp_delivers_one_message_with_text_and_html_parts(
    certificate: ThrowawayCertificate, security: Security,
) -> None:
    with smtp_server(security=security, certificate=certificate) as (catcher, port):
        mailer = SmtpMailer(_settings(port, security, tls_context=certificate.client_context()))
        await mailer.send(_mail())
    [received] = catcher.received
    assert received.mail_from == SENDER
    assert received.rcpt_tos == ("carol@acme.test",)
    assert received.tls is (security != "none")
    mail = read_sign_in_mail(received.data)
    assert mail.message["From"] == SENDER
    assert mail.message["To"] == "carol@acme.test"
    assert mail.message["Subject"] == "Sign in to Acme & Co support"
    assert mail.message["Message-ID"].endswith("@acme.test>")
    assert mail.link == LINK
    assert mail.code == "ABCD-2345"
    # Escaped in HTML, verbatim in text: the label comes from the unbound device.
    assert "Carol's <laptop>" in mail.text
    assert "<laptop>" not in mail.html
    assert "&lt;laptop&gt;" in mail.html


async def test_smtp_logs_in_over_starttls_when_the_server_demands_it(
    certificate: ThrowawayCertificate,
) -> None:
    with smtp_server(security="starttls", certificate=certificate,
                     require_auth=True) as (catcher, port):
        mailer = SmtpMailer(_settings(port, "starttls", username=SMTP_USER,
                                      password=SMTP_PASSWORD,
                                      tls_context=certificate.client_context()))
        await mailer.send(_mail())
    [received] = catcher.received
    assert received.authenticated_as == SMTP_USER
    assert received.tls


# -- SMTP: failures are retryable Unavailable ----------------------------------------


async def test_a_mail_server_that_is_down_is_unavailable() -> None:
    mailer = SmtpMailer(_settings(free_port(), "none"))
    with pytest.raises(Unavailable,
                       match=r"did not accept the email \(SMTPConnectError\); try again later"):
        await mailer.send(_mail())


async def test_a_temporary_refusal_is_unavailable_and_a_permanent_one_rejected() -> None:
    with smtp_server() as (catcher, port):
        mailer = SmtpMailer(_settings(port, "none"))
        catcher.refuse = TEMPORARY_REFUSAL
        with pytest.raises(Unavailable, match="451"):
            await mailer.send(_mail())
        catcher.refuse = PERMANENT_REFUSAL
        with pytest.raises(MailRejected, match="554"):
            await mailer.send(_mail())
        catcher.refuse = ""
        catcher.unknown.add("nobody@acme.test")
        with pytest.raises(MailRejected, match="550"):
            await mailer.send(_mail("nobody@acme.test"))
        await mailer.send(_mail("carol@acme.test"))  # the same server still takes others
    assert [m.rcpt_tos for m in catcher.received] == [("carol@acme.test",)]


async def test_a_queued_mail_keeps_its_message_id_and_extra_headers_on_every_attempt() -> None:
    mail = OutgoingMail(to="carol@acme.test", subject="Re: printer", text="t", html="<p>h</p>",
                        message_key="ticket.7.abc",
                        headers=(("In-Reply-To", "<ticket-7@acme.test>"),))
    with smtp_server() as (catcher, port):
        mailer = SmtpMailer(_settings(port, "none"))
        await mailer.send(mail)
        await mailer.send(mail)  # a retry after an unclear answer
    ids = [message_from_bytes(m.data, policy=policy.default)["Message-ID"]
           for m in catcher.received]
    assert ids == ["<ticket.7.abc@acme.test>"] * 2
    parsed = message_from_bytes(catcher.received[0].data, policy=policy.default)
    assert parsed["In-Reply-To"] == "<ticket-7@acme.test>"


@pytest.mark.parametrize("headers", [
    (("Subject", "replaced"),), (("X-Note", "line\r\nBcc: eve@evil.test"),),
], ids=["own-header", "line-break"])
async def test_a_mail_that_cannot_be_built_is_rejected_never_half_sent(
    headers: tuple[tuple[str, str], ...],
) -> None:
    mail = OutgoingMail(to="carol@acme.test", subject="s", text="t", html="h", headers=headers)
    with (smtp_server() as (catcher, port),
          pytest.raises(MailRejected, match="cannot be built")):
        await SmtpMailer(_settings(port, "none")).send(mail)
    assert catcher.received == []


@pytest.mark.parametrize(("username", "password"), [
    (SMTP_USER, "wrong password"), ("", ""),
], ids=["wrong-password", "no-credentials"])
async def test_failed_or_missing_login_is_unavailable_and_does_not_leak_the_password(
    certificate: ThrowawayCertificate, username: str, password: str,
) -> None:
    with smtp_server(security="starttls", certificate=certificate,
                     require_auth=True) as (catcher, port):
        mailer = SmtpMailer(_settings(port, "starttls", username=username, password=password,
                                      tls_context=certificate.client_context()))
        with pytest.raises(Unavailable) as refused:
            await mailer.send(_mail())
    assert catcher.received == []
    assert "wrong password" not in refused.value.message


async def test_a_certificate_nobody_vouches_for_is_unavailable(
    certificate: ThrowawayCertificate,
) -> None:
    # Without the test CA the client must refuse the server's certificate, not send.
    with (smtp_server(security="tls", certificate=certificate) as (catcher, port),
          pytest.raises(Unavailable)):
        await SmtpMailer(_settings(port, "tls")).send(_mail())
    assert catcher.received == []


async def test_plain_smtp_to_a_server_that_requires_starttls_is_unavailable(
    certificate: ThrowawayCertificate,
) -> None:
    with (smtp_server(security="starttls", certificate=certificate) as (catcher, port),
          pytest.raises(Unavailable)):
        await SmtpMailer(_settings(port, "none")).send(_mail())
    assert catcher.received == []


def test_an_smtp_mailer_needs_a_host() -> None:
    with pytest.raises(ValueError, match="needs a host"):
        SmtpMailer(SmtpSettings(host="", sender=SENDER))


# -- the server's configuration picks and sets up the mailer ----------------------------


async def test_make_mailer_trusts_the_ca_file_named_in_server_json(
    certificate: ThrowawayCertificate, tmp_path: Path,
) -> None:
    (tmp_path / "mail-ca.pem").write_bytes(certificate.cert.read_bytes())
    with smtp_server(security="starttls", certificate=certificate,
                     require_auth=True) as (catcher, port):
        config = ServerConfig(project_name="Acme", mail=smtp_mail_config(
            port, security="starttls", ca_file="mail-ca.pem",  # relative to the data dir
            username=SMTP_USER, password=SMTP_PASSWORD))
        mailer = make_mailer(config, tmp_path)
        assert isinstance(mailer, SmtpMailer)
        await mailer.send(_mail())
    assert [m.authenticated_as for m in catcher.received] == [SMTP_USER]


def test_make_mailer_refuses_a_missing_ca_file_or_host(tmp_path: Path) -> None:
    missing = ServerConfig(project_name="Acme", mail=smtp_mail_config(
        25, security="starttls", ca_file="nowhere.pem"))
    with pytest.raises(ConfigError, match="smtp_ca_file"):
        make_mailer(missing, tmp_path)
    no_host = ServerConfig(project_name="Acme", mail=msgspec.structs.replace(
        smtp_mail_config(25), smtp_host=""))
    with pytest.raises(ConfigError, match="smtp_host is empty"):
        make_mailer(no_host, tmp_path)


def test_make_mailer_defaults_to_the_outbox_in_the_data_dir(tmp_path: Path) -> None:
    mailer = make_mailer(ServerConfig(project_name="Acme"), tmp_path)
    assert isinstance(mailer, OutboxMailer)
    assert mailer.outbox == tmp_path / "outbox"


# -- the outbox ------------------------------------------------------------------------


async def test_the_outbox_writes_one_parseable_eml_file_per_message(tmp_path: Path) -> None:
    outbox = tmp_path / "data" / "outbox"
    mailer = OutboxMailer(outbox, sender=SENDER)
    await mailer.send(_mail("carol@acme.test"))
    await mailer.send(_mail("dave@acme.test"))
    files = sorted(outbox.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]
    assert {f.stat().st_mode & 0o777 for f in files} == {0o600}
    assert outbox.stat().st_mode & 0o777 == 0o700
    mails = [read_sign_in_mail(f.read_bytes()) for f in files]
    assert sorted(m.message["To"] for m in mails) == ["carol@acme.test", "dave@acme.test"]
    assert {m.link for m in mails} == {LINK}
    assert {m.message["From"] for m in mails} == {SENDER}


async def test_a_reader_of_the_outbox_never_sees_a_half_written_message(
    tmp_path: Path,
) -> None:
    # The file appears under its .eml name only once complete (write, fsync, rename).
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    mailer = OutboxMailer(outbox, sender=SENDER)
    big = OutgoingMail(to="carol@acme.test", subject="big", text="x" * 200_000,
                       html="<p>" + "y" * 200_000 + "</p>")
    done = threading.Event()
    torn: list[str] = []

    def watch() -> None:
        while not done.is_set():
            for path in outbox.glob("*.eml"):
                message = message_from_bytes(path.read_bytes(), policy=policy.default)
                if not message.is_multipart() or len(message.get_payload()) != 2:
                    torn.append(path.name)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(15):
            await mailer.send(big)
    finally:
        done.set()
        watcher.join()
    assert torn == []
    assert len(list(outbox.glob("*.eml"))) == 15
    assert list(outbox.glob("*.tmp")) == []


async def test_an_outbox_that_cannot_be_written_is_unavailable(tmp_path: Path) -> None:
    # A regular file where the folder should be: fails even for root, unlike chmod.
    blocked = tmp_path / "outbox"
    blocked.write_text("not a folder")
    with pytest.raises(Unavailable, match="could not write the email to the outbox"):
        await OutboxMailer(blocked, sender=SENDER).send(_mail())
    with pytest.raises(Unavailable):
        await OutboxMailer(blocked / "inside", sender=SENDER).send(_mail())
