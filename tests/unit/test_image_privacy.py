"""Stored images lose what a user does not mean to share, and keep every pixel.

The images come from Pillow (``photos``) or are built byte by byte (``images``); Pillow
then decodes the original and the stripped file, and they must show the same frames.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable

import pytest
from PIL import Image, ImageOps

from hero_assistance.domain.attachments import inspect_image
from hero_assistance.domain.errors import InvalidInput
from hero_assistance.domain.image_privacy import strip_private_data
from hero_assistance.domain.image_privacy._exif import orientation, orientation_only

from .images import (
    gif_image,
    jpeg_image,
    png_image,
    webp_extended_image,
    webp_lossless_image,
    webp_lossy_image,
)
from .photos import (
    GPS_IFD,
    HTML,
    ORIENTATION,
    SECRETS,
    SRGB_PROFILE,
    exif_of,
    frames_of,
    gif_photo,
    info_of,
    jpeg_photo,
    picture,
    png_chunk,
    png_photo,
    webp_photo,
    zip_archive,
)

PHOTOS: dict[str, Callable[..., bytes]] = {
    "jpeg": jpeg_photo,
    "jpeg-progressive": lambda **kw: jpeg_photo(progressive=True, **kw),
    "jpeg-cmyk": lambda **kw: jpeg_photo(mode="CMYK", **kw),
    "png": png_photo,
    "png-rgba": lambda **kw: png_photo(mode="RGBA", **kw),
    "png-palette": lambda **kw: png_photo(mode="P", **kw),
    "png-animated": lambda **kw: png_photo(frames=3, **kw),
    "gif-animated": lambda **kw: gif_photo(**{k: v for k, v in kw.items() if k == "trailing"}),
    "webp-lossy": webp_photo,
    "webp-lossless": lambda **kw: webp_photo(lossless=True, **kw),
    "webp-alpha": lambda **kw: webp_photo(mode="RGBA", **kw),
    "webp-animated": lambda **kw: webp_photo(frames=3, **kw),
}
WITH_EXIF = sorted(name for name in PHOTOS if not name.startswith("gif"))


def strip(data: bytes) -> bytes:
    """Strip as the upload does: the type is the one the header shows."""
    return strip_private_data(data, inspect_image(data).mime)


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_metadata_goes_and_every_frame_stays(name: str) -> None:
    original = PHOTOS[name]()
    assert [s for s in SECRETS if s in original], "the builder carries no secret"
    stored = strip(original)
    assert [s for s in SECRETS if s in stored] == []
    assert frames_of(stored) == frames_of(original)
    assert inspect_image(stored) == inspect_image(original)
    assert strip(stored) == stored  # idempotent


@pytest.mark.parametrize("name", WITH_EXIF)
def test_gps_goes_and_the_orientation_stays_as_the_only_tag(name: str) -> None:
    original = PHOTOS[name]()
    assert exif_of(original)[GPS_IFD << 16 | 2] == (52.0, 22.0, 7.5)
    stored = strip(original)
    assert exif_of(stored) == {ORIENTATION: 6}
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(stored)) as after:
        upright_before = ImageOps.exif_transpose(before)
        upright_after = ImageOps.exif_transpose(after)
        assert upright_after.size == upright_before.size == (30, 40)  # turned by 90 degrees
        assert upright_after.tobytes() == upright_before.tobytes()


@pytest.mark.parametrize("name", WITH_EXIF)
@pytest.mark.parametrize("turned", [None, 1])
def test_without_a_turn_no_exif_is_left_at_all(name: str, turned: int | None) -> None:
    stored = strip(PHOTOS[name](orientation=turned))
    assert exif_of(stored) == {}
    assert b"Exif" not in stored
    assert b"eXIf" not in stored


@pytest.mark.parametrize("name", sorted(PHOTOS))
@pytest.mark.parametrize("appended", [zip_archive(), HTML, b"\x00" * 100, b"garbage"])
def test_bytes_after_the_end_of_the_image_are_removed(name: str, appended: bytes) -> None:
    clean = strip(PHOTOS[name]())
    stored = strip(PHOTOS[name](trailing=appended))
    assert stored == clean
    assert appended not in stored
    mime = inspect_image(stored).mime
    if mime == "image/png":
        assert stored.endswith(png_chunk(b"IEND", b""))
    elif mime == "image/jpeg":
        assert stored.endswith(b"\xff\xd9")
    elif mime == "image/gif":
        assert stored.endswith(b";")
    else:
        assert struct.unpack("<I", stored[4:8])[0] == len(stored) - 8


@pytest.mark.parametrize("name", ["jpeg", "png", "gif-animated", "webp-lossy"])
def test_a_polyglot_is_no_longer_an_archive_or_a_page(name: str) -> None:
    polyglot = PHOTOS[name](trailing=zip_archive() + HTML)
    assert zipfile.is_zipfile(io.BytesIO(polyglot[:-len(HTML)]))
    stored = strip(polyglot)
    assert not zipfile.is_zipfile(io.BytesIO(stored))
    assert b"PK\x03\x04" not in stored
    assert b"<script" not in stored


def test_html_hidden_in_a_text_chunk_or_a_comment_is_removed() -> None:
    page = b"<html><script>alert(1)</script></html>"
    png = png_image(2, 2)
    hidden = png[:33] + png_chunk(b"tEXt", b"Comment\x00" + page) + png[33:]
    assert strip(hidden) == png
    jpeg = jpeg_image(8, 8)
    with_comment = jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(page) + 2) + page + jpeg[2:]
    assert strip(with_comment) == jpeg


@pytest.mark.parametrize("name", ["jpeg", "png", "webp-lossy"])
def test_the_colour_profile_stays(name: str) -> None:
    assert info_of(strip(PHOTOS[name]()))["icc_profile"] == SRGB_PROFILE


def test_a_cmyk_jpeg_keeps_its_adobe_colour_transform() -> None:
    stored = strip(jpeg_photo(mode="CMYK"))
    assert info_of(stored)["adobe"]
    assert frames_of(stored) == frames_of(jpeg_photo(mode="CMYK"))


def test_animation_timing_and_looping_stay() -> None:
    for original in (gif_photo(frames=3), png_photo(frames=3), webp_photo(frames=3)):
        stored = strip(original)
        before, after = info_of(original), info_of(stored)
        assert (after.get("loop"), after.get("duration")) == (before.get("loop"),
                                                               before.get("duration"))
        assert len(frames_of(stored)) == 3


def test_the_jfif_thumbnail_and_jfxx_extension_go_but_the_density_stays() -> None:
    original = jpeg_photo()
    stored = strip(original)
    assert info_of(stored)["jfif_density"] == info_of(original)["jfif_density"]
    assert b"JFXX" not in stored
    assert stored[2:20] == b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def test_multi_picture_segments_and_the_pictures_after_the_end_go() -> None:
    # A phone's MPF segment points at a second JPEG appended after the first one's EOI.
    base = jpeg_image(8, 8)
    mpf = b"\xff\xe2" + struct.pack(">H", 14) + b"MPF\x00II*\x00\x08\x00\x00\x00"
    phone = base[:2] + mpf + base[2:] + jpeg_image(16, 16)
    assert strip(phone) == base


@pytest.mark.parametrize("data", [
    png_image(3, 2), gif_image(), jpeg_image(17, 9), webp_lossy_image(),
    webp_lossless_image(), webp_extended_image(),
], ids=["png", "gif", "jpeg", "webp-lossy", "webp-lossless", "webp-extended"])
def test_a_file_with_nothing_to_remove_comes_back_unchanged(data: bytes) -> None:
    assert strip(data) == data


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "GIF", "WEBP"])
def test_what_pillow_writes_without_metadata_comes_back_unchanged(kind: str) -> None:
    buffer = io.BytesIO()
    image = picture()
    (image.convert("P") if kind == "GIF" else image).save(buffer, kind)
    assert strip(buffer.getvalue()) == buffer.getvalue()


def _png_with_bad_idat_crc() -> bytes:
    data = bytearray(png_image(2, 2))
    data[-13] ^= 0xFF  # the last byte of IDAT's CRC (IEND is the final 12 bytes)
    return bytes(data)


def _riff(body: bytes, declared: int | None = None) -> bytes:
    return b"RIFF" + struct.pack("<I", declared or 4 + len(body)) + b"WEBP" + body


DAMAGED = [
    (png_image(2, 2)[:-12], "ends before its IEND"),
    (png_image(2, 2)[:50], "runs past the end"),
    (_png_with_bad_idat_crc(), "IDAT fails its checksum"),
    (png_image(1, 1)[:8] + png_chunk(b"IDAT", b"") + png_image(1, 1)[8:], "start with an IHDR"),
    (png_image(1, 1)[:33] + png_chunk(b"t3Xt", b"") + png_image(1, 1)[33:], "not four letters"),
    (jpeg_image(8, 8)[:-2], "ends inside its image data"),
    (jpeg_image(8, 8)[:30], "runs past the end"),
    (jpeg_image(8, 8)[:2] + b"\xff\x02\x00\x02" + jpeg_image(8, 8)[2:], "has no place"),
    (jpeg_image(8, 8)[:2] + b"\xff\xd8" + jpeg_image(8, 8)[2:], "has no place"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
     "ends before its end-of-image"),
    (gif_image()[:13 + 6] + b";", "has no frame"),
    (gif_image()[:-4], "ends inside a block"),
    (gif_image()[:-1] + b"\x99", "block type 0x99"),
    (webp_lossy_image()[:-2], "shorter than its RIFF header"),
    (_riff(b"VP8L" + struct.pack("<I", 99) + b"\x2f"), "runs past the end"),
    (_riff(b"ICCP" + struct.pack("<I", 0)), "holds no image"),
    (_riff(b"VP8X" + struct.pack("<I", 0) + webp_lossless_image()[12:]), "VP8X header is 0"),
    (_riff(b"VP8\x00" + struct.pack("<I", 99)), "chunk 56503800 runs past"),
    (png_image(1, 1)[:33] + bytes(4) + b"t\xffXt" + bytes(4) + png_image(1, 1)[33:],
     "chunk type 74ff5874 is not"),
]


@pytest.mark.parametrize(("data", "problem"), DAMAGED,
                         ids=[f"{n}-{problem}" for n, (_, problem) in enumerate(DAMAGED)])
def test_a_damaged_container_is_refused_with_what_is_wrong(data: bytes, problem: str) -> None:
    mime = "image/png" if data.startswith(b"\x89PNG") else (
        "image/jpeg" if data.startswith(b"\xff\xd8") else (
            "image/gif" if data.startswith(b"GIF") else "image/webp"))
    with pytest.raises(InvalidInput, match=problem) as refused:
        strip_private_data(data, mime)
    assert refused.value.field == "file"
    assert refused.value.problem.startswith("is a damaged ")


def test_a_dropped_chunk_may_be_broken_a_kept_one_may_not() -> None:
    png = png_image(2, 2)
    broken_text = struct.pack(">I", 4) + b"tEXt" + b"a\x00bc" + b"\x00\x00\x00\x00"
    assert strip(png[:33] + broken_text + png[33:]) == png
    broken_gamma = struct.pack(">I", 4) + b"gAMA" + struct.pack(">I", 45455) + bytes(4)
    with pytest.raises(InvalidInput, match="gAMA fails its checksum"):
        strip(png[:33] + broken_gamma + png[33:])


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not a PNG, JPEG, GIF or WebP"):
        strip_private_data(png_image(), "image/bmp")


def test_a_gif_cut_after_a_whole_frame_gets_its_trailer_back() -> None:
    assert strip(gif_image()[:-1]) == gif_image()


def test_webp_header_flags_follow_the_chunks_that_remain() -> None:
    original = webp_photo()
    assert original[20] & 0x0C == 0x0C  # EXIF and XMP flags set
    assert strip(original)[20] & 0x0C == 0x08  # XMP gone, the orientation's EXIF kept
    assert strip(webp_photo(orientation=None))[20] & 0x0C == 0


@pytest.mark.parametrize("name", sorted(PHOTOS))
def test_every_truncation_is_stripped_or_refused_cleanly(name: str) -> None:
    original = PHOTOS[name](trailing=HTML)
    mime = inspect_image(original).mime
    for end in range(1, len(original)):
        try:
            stored = strip_private_data(original[:end], mime)
        except InvalidInput:
            continue
        assert strip_private_data(stored, mime) == stored


# -- EXIF orientation -------------------------------------------------------------

def _tiff(order: str, entries: list[tuple[int, int, int, bytes]]) -> bytes:
    mark = b"II\x2a\x00" if order == "<" else b"MM\x00\x2a"
    body = struct.pack(order + "IH", 8, len(entries))
    for tag, kind, count, value in entries:
        body += struct.pack(order + "HHI", tag, kind, count) + value.ljust(4, b"\x00")
    return mark + body + struct.pack(order + "I", 0)


@pytest.mark.parametrize("order", ["<", ">"])
def test_the_orientation_is_read_in_either_byte_order(order: str) -> None:
    block = _tiff(order, [(0x010F, 2, 4, b"abc\x00"), (0x0112, 3, 1, struct.pack(order + "H", 8))])
    assert orientation(block) == 8
    assert orientation(b"Exif\x00\x00" + block) == 8


@pytest.mark.parametrize("block", [
    b"", b"II*\x00", b"XX\x2a\x00\x08\x00\x00\x00", b"MM\x00\x2a\x00\x00\x00\x02",
    b"MM\x00\x2a\x00\x00\xff\xff",
    _tiff(">", [(0x0112, 4, 1, struct.pack(">I", 6))]),  # a LONG, not a SHORT
    _tiff(">", [(0x0112, 3, 2, struct.pack(">HH", 6, 6))]),
    _tiff(">", [(0x0112, 3, 1, struct.pack(">H", 1))]),  # upright already
    _tiff(">", [(0x0112, 3, 1, struct.pack(">H", 9))]),  # no such orientation
    _tiff(">", [(0x010F, 2, 4, b"abc\x00")]),
    _tiff(">", [(0x0112, 3, 1, b"\x00\x06")])[:20],  # the directory is cut short
])
def test_a_malformed_or_upright_block_has_no_orientation_to_keep(block: bytes) -> None:
    assert orientation(block) is None


@pytest.mark.parametrize("value", range(2, 9))
def test_the_orientation_only_block_reads_back_in_pillow(value: int) -> None:
    block = orientation_only(value)
    assert orientation(block) == value
    exif = Image.Exif()
    exif.load(block)
    assert dict(exif) == {ORIENTATION: value}


def test_png_orientation_chunk_is_a_valid_exif_chunk() -> None:
    stored = strip(png_photo(orientation=3))
    pos = stored.index(b"eXIf") - 4
    length = struct.unpack(">I", stored[pos:pos + 4])[0]
    payload = stored[pos + 8:pos + 8 + length]
    assert payload == orientation_only(3)
    crc = struct.unpack(">I", stored[pos + 8 + length:pos + 12 + length])[0]
    assert zlib.crc32(b"eXIf" + payload) & 0xFFFFFFFF == crc
