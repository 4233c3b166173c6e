"""Recognising images by their first bytes, and refusing what does not fit."""

from __future__ import annotations

import random
import struct

import pytest

from hero_assistance.domain.attachments import (
    ALLOWED_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_PIXELS,
    ImageInfo,
    content_address,
    inspect_image,
)
from hero_assistance.domain.errors import InvalidInput, TooLarge

from .images import (
    gif_header,
    gif_image,
    jpeg_header,
    jpeg_image,
    png_header,
    png_image,
    webp_extended_image,
    webp_header,
    webp_lossless_image,
    webp_lossy_image,
)

REAL = {
    "png": (png_image(3, 2), ImageInfo(mime="image/png", width=3, height=2, bytes_per_pixel=3)),
    "gif": (gif_image(), ImageInfo(mime="image/gif", width=1, height=1, bytes_per_pixel=4)),
    "jpeg": (jpeg_image(17, 9),
             ImageInfo(mime="image/jpeg", width=17, height=9, bytes_per_pixel=1)),
    "webp-lossy": (webp_lossy_image(),
                   ImageInfo(mime="image/webp", width=1, height=1, bytes_per_pixel=3)),
    "webp-lossless": (webp_lossless_image(),
                      ImageInfo(mime="image/webp", width=1, height=1, bytes_per_pixel=4)),
    "webp-extended": (webp_extended_image(),
                      ImageInfo(mime="image/webp", width=1, height=1, bytes_per_pixel=3)),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_images_are_recognised_with_their_size(name: str) -> None:
    data, expected = REAL[name]
    assert inspect_image(data) == expected
    assert expected.mime in ALLOWED_TYPES


@pytest.mark.parametrize("name", sorted(REAL))
def test_the_name_of_a_file_plays_no_part_only_its_bytes(name: str) -> None:
    data, expected = REAL[name]
    # A PNG with a JPEG's extension is still a PNG: there is no name to pass at all,
    # and trailing junk after a valid header does not change what it is.
    assert inspect_image(data + b"trailing junk").mime == expected.mime


@pytest.mark.parametrize(("data", "size"), [
    (png_header(1920, 1080), (1920, 1080)),
    (gif_header(640, 480), (640, 480)),
    (jpeg_header(4000, 3000), (4000, 3000)),
    (jpeg_header(800, 600, sof=0xC2), (800, 600)),  # progressive
    (webp_header(b"VP8X", 5000, 4000), (5000, 4000)),
    (webp_header(b"VP8 ", 16383, 2), (16383, 2)),
    (webp_header(b"VP8L", 16384, 1), (16384, 1)),
])
def test_headers_alone_give_the_declared_size(data: bytes, size: tuple[int, int]) -> None:
    info = inspect_image(data)
    assert (info.width, info.height) == size


@pytest.mark.parametrize("data", [
    png_header(100_000, 100_000),
    png_header(2**31, 2**31),
    gif_header(65535, 65535),
    jpeg_header(65535, 65535),
    webp_header(b"VP8X", 2**24, 2**24),
    webp_header(b"VP8L", 16384, 16384),
])
def test_declared_sizes_past_the_pixel_cap_are_refused_from_the_header(data: bytes) -> None:
    # These are headers only: nothing could be decoded, so a refusal proves that the
    # size was checked before any decoding.
    with pytest.raises(TooLarge) as refused:
        inspect_image(data)
    assert refused.value.field == "file"
    assert f"the limit is {MAX_PIXELS} pixels" in refused.value.problem


def test_the_pixel_cap_is_inclusive_and_configurable() -> None:
    assert inspect_image(png_header(100, 100), max_pixels=10_000).width == 100
    with pytest.raises(TooLarge, match="100x101 pixels"):
        inspect_image(png_header(100, 101), max_pixels=10_000)


def test_the_byte_cap_is_checked_first_and_is_inclusive() -> None:
    data = png_image()
    assert inspect_image(data, max_bytes=len(data)).mime == "image/png"
    with pytest.raises(TooLarge) as refused:
        inspect_image(data, max_bytes=len(data) - 1)
    assert refused.value.field == "file"
    assert f"is {len(data)} bytes" in refused.value.problem
    assert MAX_ATTACHMENT_BYTES == 10 * 1024 * 1024


@pytest.mark.parametrize("data", [
    png_header(0, 10), png_header(10, 0), gif_header(0, 0), jpeg_header(0, 5),
])
def test_images_declaring_no_pixels_are_refused(data: bytes) -> None:
    with pytest.raises(InvalidInput, match="declares an empty image") as refused:
        inspect_image(data)
    assert not isinstance(refused.value, TooLarge)


@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n", b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"BM" + bytes(60),
    b"\x00\x00\x01\x00", b"PK\x03\x04zip", b"II*\x00tiff", b"hello world",
    b"RIFF\x10\x00\x00\x00WAVEfmt ", b"\x89PNX\r\n\x1a\n" + bytes(30),
])
def test_other_formats_are_refused_as_not_an_allowed_image(data: bytes) -> None:
    with pytest.raises(InvalidInput) as refused:
        inspect_image(data)
    assert refused.value.field == "file"
    assert refused.value.problem == "is not a PNG, JPEG, GIF or WebP image"


def test_empty_files_are_refused() -> None:
    with pytest.raises(InvalidInput, match="is empty"):
        inspect_image(b"")


@pytest.mark.parametrize("name", sorted(REAL))
def test_every_truncation_is_either_recognised_or_refused_cleanly(name: str) -> None:
    data, expected = REAL[name]
    for end in range(1, len(data)):
        try:
            info = inspect_image(data[:end])
        except InvalidInput:
            continue
        # Enough of the header survived: the same image, never declared cheaper to decode
        # than the whole file (a JPEG cut before its first scan is assumed multi-scan).
        assert (info.mime, info.width, info.height) == (
            expected.mime, expected.width, expected.height)
        assert info.decoded_bytes >= expected.decoded_bytes


def test_truncated_headers_are_not_an_image() -> None:
    for cut in (png_image()[:20], gif_image()[:8], jpeg_image()[:20],
                webp_lossless_image()[:22], webp_lossy_image()[:25],
                webp_header(b"VP8X", 9, 9)[:28]):
        with pytest.raises(InvalidInput, match="not a PNG, JPEG, GIF or WebP"):
            inspect_image(cut)


def test_random_garbage_behind_each_signature_never_crashes_the_readers() -> None:
    rng = random.Random(4242)
    signatures = [b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"GIF87a",
                  b"RIFF\x00\x00\x00\x00WEBPVP8X", b"RIFF\x00\x00\x00\x00WEBPVP8 ",
                  b"RIFF\x00\x00\x00\x00WEBPVP8L"]
    for _ in range(3000):
        data = rng.choice(signatures) + rng.randbytes(rng.randrange(0, 40))
        try:
            info = inspect_image(data)
        except InvalidInput:
            continue
        assert info.mime in ALLOWED_TYPES
        assert info.width > 0
        assert info.height > 0


def test_jpeg_reader_skips_fill_bytes_standalone_markers_and_tables() -> None:
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 48, 64, 1) + b"\x01\x11\x00"
    dht = b"\xff\xc4" + struct.pack(">H", 4) + b"\x00\x00"  # 0xC4 is not a frame
    data = b"\xff\xd8" + b"\xff\xff\xff" + b"\xff\xd0" + dht + sof
    # No scan in sight: the costlier layout is assumed, 8 x 6 blocks of 128 bytes.
    assert inspect_image(data) == ImageInfo(mime="image/jpeg", width=64, height=48,
                                            bytes_per_pixel=1, scan_buffer_bytes=6144)


def test_jpeg_with_a_broken_segment_length_is_refused() -> None:
    data = b"\xff\xd8\xff\xe0\x00\x01" + bytes(20)  # a length below 2 is impossible
    with pytest.raises(InvalidInput):
        inspect_image(data)
    no_marker = b"\xff\xd8\xff\xe0\x00\x04\x00\x00\x12\x34" + bytes(10)
    with pytest.raises(InvalidInput):
        inspect_image(no_marker)


def test_content_address_is_the_sha256_hex_of_the_bytes() -> None:
    assert content_address(b"") == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert content_address(png_image()) != content_address(png_image(rgb=(0, 0, 255)))
