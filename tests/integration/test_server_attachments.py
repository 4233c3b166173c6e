"""Through the real server: an uploaded photo is stored and served without what it hid.

A customer uploads a phone photo (EXIF with GPS, a serial number, XMP, IPTC, a comment,
a thumbnail) with a ZIP appended, and a PNG with text chunks and an HTML page after
IEND. What the agent downloads carries none of it and nothing after the image's end,
shows the same pixels the right way up, and its SHA-256 is the id the upload answered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest

from hero_assistance.domain.image_privacy import strip_private_data

from ..unit.photos import (
    GPS_IFD,
    HTML,
    ORIENTATION,
    SECRETS,
    exif_of,
    frames_of,
    jpeg_photo,
    png_photo,
    webp_photo,
    zip_archive,
)
from .server_harness import Person, ServerProcess, rpc_clients, start_server

pytestmark = pytest.mark.anyio

CUSTOMER, AGENT = "127.0.90.1", "127.0.90.2"
UNAVAILABLE = -32009


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module: its enrollments do not count against the shared
    server's operator write limit, which other modules rely on."""
    running = start_server(tmp_path_factory.mktemp("attachments"))
    try:
        yield running
    finally:
        code = running.stop()
    assert code == 0, f"the server did not stop cleanly ({code}):\n{running.log()}"


@pytest.fixture(scope="module")
def people(server: ServerProcess) -> tuple[Person, Person]:
    """A customer and an agent of this module."""
    return server.person("customer", CUSTOMER), server.person("agent", AGENT)


@pytest.mark.parametrize(("sent", "mime", "end"), [
    (jpeg_photo(trailing=zip_archive()), "image/jpeg", b"\xff\xd9"),
    (png_photo(trailing=HTML), "image/png", b"IEND\xae\x42\x60\x82"),
    (webp_photo(trailing=zip_archive()), "image/webp", None),
], ids=["jpeg-gps-zip", "png-text-html", "webp-exif-zip"])
async def test_an_uploaded_photo_is_served_without_gps_or_trailing_data(
    server: ServerProcess, people: tuple[Person, Person], sent: bytes, mime: str,
    end: bytes | None,
) -> None:
    assert exif_of(sent)[GPS_IFD << 16 | 2] == (52.0, 22.0, 7.5)
    async with rpc_clients(server, CUSTOMER, AGENT) as (customer, agent):
        uploaded = await customer.upload(sent)
        assert uploaded.status_code == 201, uploaded.text
        view: dict[str, Any] = uploaded.json()
        sha = view["sha256"]
        assert sha != hashlib.sha256(sent).hexdigest()
        ticket = await customer.call("ticket.create", {"subject": "The error on screen"})
        await customer.call("message.post", {"ticket_id": ticket["id"], "body": "see",
                                             "attachments": [sha]})
        for who in (customer, agent):
            downloaded = await who.download(sha)
            assert downloaded.status_code == 200
            assert downloaded.headers["content-type"] == mime
            data = downloaded.content
            assert hashlib.sha256(data).hexdigest() == sha
            assert (view["size"], view["mime"]) == (len(data), mime)
            assert exif_of(data) == {ORIENTATION: 6}  # no GPS, only the orientation
            assert [secret for secret in SECRETS if secret in data] == []
            assert strip_private_data(data, mime) == data  # nothing after the end
            if end is not None:
                assert data.endswith(end)
            assert frames_of(data) == frames_of(sent)
        meta = await agent.call("attachment.get", {"sha256": sha})
        assert meta == view


async def test_the_api_document_says_the_id_is_the_hash_of_what_is_stored(
    server: ServerProcess, people: tuple[Person, Person],
) -> None:
    async with rpc_clients(server, CUSTOMER) as (customer,):
        document = await customer.call("rpc.discover")
    method = next(m for m in document["methods"] if m["name"] == "attachment.get")
    assert "SHA-256 of the stored bytes" in method["description"]
    assert "EXIF" in method["description"]
    view = document["components"]["schemas"]["AttachmentView"]
    assert "stored bytes" in view["properties"]["sha256"]["description"]
    # A busy decoder answers a documented, retryable error.
    assert f"error {UNAVAILABLE}" in method["description"]
    assert document["components"]["errors"]["Unavailable"]["code"] == UNAVAILABLE
