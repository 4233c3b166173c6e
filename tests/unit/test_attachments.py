"""AttachmentLibrary: images checked by content, capped, stored once, read by policy."""

from __future__ import annotations

import hashlib

import pytest

from hero_assistance.adapters.memory import MemoryBlobStore
from hero_assistance.domain.attachments import MAX_ATTACHMENT_BYTES, Attachment, ImageInfo
from hero_assistance.domain.errors import DeviceNotBound, InvalidInput, NotFound, TooLarge
from hero_assistance.domain.services import AttachmentLibrary

from .conftest import Cast, Harness, Person
from .images import (
    gif_image,
    jpeg_image,
    jpeg_layout,
    png_header,
    png_image,
    webp_extended_image,
    webp_lossless_image,
    webp_lossy_image,
)
from .photos import (
    SECRETS,
    exif_of,
    frames_of,
    jpeg_photo,
    png_chunk,
    png_photo,
    zip_archive,
)

pytestmark = pytest.mark.anyio


async def _stored(h: Harness) -> tuple[dict[str, bytes], list[Attachment | None]]:
    metadata = await h.read(lambda r: [r.attachments.get(sha) for sha in h.blobs.blobs])
    return dict(h.blobs.blobs), metadata


async def _readable(h: Harness, who: Person, sha: str) -> bool:
    try:
        attachment, data = await h.library.open(who.caller, sha)
    except NotFound:
        with pytest.raises(NotFound):
            await h.library.describe(who.caller, sha)
        return False
    assert attachment == await h.library.describe(who.caller, sha)
    assert hashlib.sha256(data).hexdigest() == sha
    return True


@pytest.mark.parametrize(("data", "mime", "size"), [
    (png_image(4, 3), "image/png", (4, 3)),
    (jpeg_image(9, 17), "image/jpeg", (9, 17)),
    (gif_image(), "image/gif", (1, 1)),
    (webp_lossy_image(), "image/webp", (1, 1)),
    (webp_lossless_image(), "image/webp", (1, 1)),
    (webp_extended_image(), "image/webp", (1, 1)),
])
async def test_images_are_recognised_by_content_and_described(
    harness: Harness, data: bytes, mime: str, size: tuple[int, int]
) -> None:
    alice = await harness.customer()
    attachment = await harness.library.upload(alice.caller, data)
    assert attachment == Attachment(
        sha256=hashlib.sha256(data).hexdigest(), mime=mime, size=len(data), width=size[0],
        height=size[1], created_at=harness.clock.now())
    assert harness.blobs.blobs == {attachment.sha256: data}
    opened, content = await harness.library.open(alice.caller, attachment.sha256.upper())
    assert (opened, content) == (attachment, data)


@pytest.mark.parametrize("data", [
    b"", b"%PDF-1.4 not an image", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>",
    b"\x89PNG\r\n\x1a\n truncated", b"BM\x00\x00bitmap",
])
async def test_anything_else_is_refused_and_nothing_is_stored(harness: Harness,
                                                              data: bytes) -> None:
    alice = await harness.customer()
    with pytest.raises(InvalidInput) as refused:
        await harness.library.upload(alice.caller, data)
    assert refused.value.field == "file"
    assert await _stored(harness) == ({}, [])


async def test_declared_decompression_bombs_are_refused_before_storing(
    harness: Harness,
) -> None:
    alice = await harness.customer()
    with pytest.raises(TooLarge, match="100000x100000 pixels"):
        await harness.library.upload(alice.caller, png_header(100_000, 100_000))
    assert await _stored(harness) == ({}, [])


async def test_the_size_cap_is_ten_mebibytes_by_default(harness: Harness) -> None:
    alice = await harness.customer()
    image = png_image()
    padded = image + b"\x00" * (MAX_ATTACHMENT_BYTES - len(image))
    # The cap is on what is sent; what is stored loses the padding after IEND.
    assert (await harness.library.upload(alice.caller, padded)).size == len(image)
    with pytest.raises(TooLarge) as refused:
        await harness.library.upload(alice.caller, padded + b"\x00")
    assert refused.value.field == "file"
    assert len(harness.blobs.blobs) == 1


async def test_caps_are_configurable(harness: Harness) -> None:
    alice = await harness.customer()
    strict = AttachmentLibrary(harness.storage, harness.blobs, harness.clock, max_bytes=100,
                               max_pixels=16)
    with pytest.raises(TooLarge):
        await strict.upload(alice.caller, png_image() + bytes(100))
    with pytest.raises(TooLarge):
        await strict.upload(alice.caller, png_image(5, 4))
    assert (await strict.upload(alice.caller, png_image(4, 4))).width == 4


async def test_the_same_bytes_are_stored_once_and_every_uploader_reads_them(
    cast: Cast, harness: Harness
) -> None:
    data = png_image(2, 2)
    first = await harness.library.upload(cast.a.caller, data)
    harness.tick(60)
    again = await harness.library.upload(cast.a.caller, data)
    by_bob = await harness.library.upload(cast.b.caller, data)
    assert first == again == by_bob  # the first upload's metadata, time included
    assert list(harness.blobs.blobs) == [first.sha256]
    assert await _readable(harness, cast.a, first.sha256)
    assert await _readable(harness, cast.b, first.sha256)


async def test_an_upload_is_private_until_a_message_shows_it(cast: Cast,
                                                             harness: Harness) -> None:
    ticket = await harness.ticket(cast.a)
    shot = (await harness.library.upload(cast.a.caller, png_image())).sha256
    assert await _readable(harness, cast.a, shot)
    for who in (cast.b, cast.agent, cast.admin):
        assert not await _readable(harness, who, shot)
    await harness.talk.post(cast.a.caller, ticket.id, body="look", attachments=[shot])
    assert await _readable(harness, cast.agent, shot)
    assert await _readable(harness, cast.admin, shot)
    assert not await _readable(harness, cast.b, shot)
    await harness.see_all()
    assert await _readable(harness, cast.b, shot)


async def test_an_image_shown_only_in_an_internal_note_stays_with_staff(
    cast: Cast, harness: Harness
) -> None:
    ticket = await harness.ticket(cast.a)
    shot = (await harness.library.upload(cast.agent.caller, jpeg_image())).sha256
    await harness.note(cast.agent, ticket.id, "their screen, for us", attachments=[shot])
    assert await _readable(harness, cast.agent, shot)
    assert await _readable(harness, cast.admin, shot)
    assert not await _readable(harness, cast.a, shot)  # even on her own ticket
    await harness.see_all()
    assert not await _readable(harness, cast.b, shot)
    # Once a public reply shows it, the requester may read it.
    await harness.talk.post(cast.agent.caller, ticket.id, body="is it this?",
                            attachments=[shot])
    assert await _readable(harness, cast.a, shot)


async def test_unknown_attachments_are_not_found_and_unbound_devices_refused(
    cast: Cast, harness: Harness
) -> None:
    with pytest.raises(NotFound):
        await harness.library.describe(cast.admin.caller, "ab" * 32)
    with pytest.raises(NotFound):
        await harness.library.open(cast.admin.caller, "not-even-a-hash")
    shot = (await harness.library.upload(cast.a.caller, png_image())).sha256
    for call in (harness.library.upload(cast.unbound, png_image()),
                 harness.library.describe(cast.unbound, shot),
                 harness.library.open(cast.unbound, shot)):
        with pytest.raises(DeviceNotBound):
            await call


class _Decoder:
    """An ImageDecoder that accepts only what it was told to, and notes what it saw."""

    def __init__(self, good: set[bytes]) -> None:
        self.good = good
        self.seen: list[ImageInfo] = []

    async def verify(self, data: bytes, expected: ImageInfo) -> None:
        self.seen.append(expected)
        if data not in self.good:
            raise InvalidInput("file", "does not decode as its header says")


async def test_a_decoder_that_refuses_keeps_the_upload_out(harness: Harness) -> None:
    alice = await harness.customer()
    good, bad = png_image(2, 1), png_image(1, 2)
    decoder = _Decoder({good})
    library = AttachmentLibrary(harness.storage, harness.blobs, harness.clock,
                                decoder=decoder)
    with pytest.raises(InvalidInput, match="does not decode"):
        await library.upload(alice.caller, bad)
    assert await _stored(harness) == ({}, [])
    stored = await library.upload(alice.caller, good)
    assert decoder.seen == [ImageInfo(mime="image/png", width=1, height=2, bytes_per_pixel=3),
                            ImageInfo(mime="image/png", width=2, height=1, bytes_per_pixel=3)]
    assert list(harness.blobs.blobs) == [stored.sha256]
    # The decoder never sees what the header check already refused.
    with pytest.raises(TooLarge):
        await library.upload(alice.caller, png_header(100_000, 100_000))
    assert len(decoder.seen) == 2


async def test_an_image_already_stored_is_not_decoded_again(cast: Cast,
                                                             harness: Harness) -> None:
    decoder = _Decoder({png_image(2, 2)})
    library = AttachmentLibrary(harness.storage, harness.blobs, harness.clock,
                                decoder=decoder)
    first = await library.upload(cast.a.caller, png_image(2, 2))
    again = await library.upload(cast.b.caller, png_image(2, 2) + b"trailing")  # same stored
    assert first == again
    assert len(decoder.seen) == 1
    assert await _readable(harness, cast.b, first.sha256)


async def test_metadata_whose_bytes_were_lost_is_not_found(harness: Harness) -> None:
    alice = await harness.customer()
    shot = await harness.library.upload(alice.caller, png_image())
    amnesiac = AttachmentLibrary(harness.storage, MemoryBlobStore(), harness.clock)
    assert await amnesiac.describe(alice.caller, shot.sha256) == shot
    with pytest.raises(NotFound, match="no stored content"):
        await amnesiac.open(alice.caller, shot.sha256)


async def test_an_upload_is_stored_without_its_metadata_and_named_by_what_is_stored(
    harness: Harness,
) -> None:
    alice = await harness.customer()
    sent = jpeg_photo(trailing=zip_archive())
    attachment = await harness.library.upload(alice.caller, sent)
    stored = harness.blobs.blobs[attachment.sha256]
    assert attachment.sha256 == hashlib.sha256(stored).hexdigest()
    assert attachment.sha256 != hashlib.sha256(sent).hexdigest()
    assert attachment.size == len(stored) < len(sent)
    assert [s for s in SECRETS if s in stored] == []
    assert exif_of(stored) == {0x0112: 6}
    assert frames_of(stored) == frames_of(sent)
    _, served = await harness.library.open(alice.caller, attachment.sha256)
    assert served == stored


async def test_the_same_photo_with_other_metadata_is_stored_once(cast: Cast,
                                                                 harness: Harness) -> None:
    # Two different files (another text, bytes appended) that strip to the same bytes.
    photo = png_photo()
    edited = photo[:33] + png_chunk(b"tEXt", b"Location\x00elsewhere") + photo[33:] + b"x" * 99
    assert edited != photo
    from_phone = await harness.library.upload(cast.a.caller, photo)
    from_editor = await harness.library.upload(cast.b.caller, edited)
    assert from_phone == from_editor
    assert list(harness.blobs.blobs) == [from_phone.sha256]
    assert await _readable(harness, cast.a, from_phone.sha256)
    assert await _readable(harness, cast.b, from_phone.sha256)


async def test_a_damaged_container_is_refused_and_nothing_is_stored(harness: Harness) -> None:
    alice = await harness.customer()
    with pytest.raises(InvalidInput, match="is a damaged PNG image"):
        await harness.library.upload(alice.caller, png_image(2, 2)[:-12])  # no IEND
    assert await _stored(harness) == ({}, [])


async def test_the_decoder_checks_the_bytes_that_will_be_stored(harness: Harness) -> None:
    alice = await harness.customer()
    clean = png_image(2, 2)
    decoder = _Decoder({clean})  # accepts only the stripped file
    library = AttachmentLibrary(harness.storage, harness.blobs, harness.clock,
                                decoder=decoder)
    stored = await library.upload(alice.caller, clean + b"<html>after IEND</html>")
    assert harness.blobs.blobs == {stored.sha256: clean}


async def test_the_decoded_size_cap_is_configurable(harness: Harness) -> None:
    alice = await harness.customer()
    strict = AttachmentLibrary(harness.storage, harness.blobs, harness.clock,
                               max_decoded_bytes=64 * 64 * 3 - 1)
    with pytest.raises(TooLarge, match="to decode"):
        await strict.upload(alice.caller, png_image(64, 64))
    # A progressive JPEG's coefficients count too, from its header alone.
    with pytest.raises(TooLarge, match="JPEG coefficients"):
        await harness.library.upload(alice.caller, jpeg_layout(
            6000, 6000, sof=0xC2, sampling=((1, 1), (1, 1), (1, 1)), scan=3))
    assert await _stored(harness) == ({}, [])
