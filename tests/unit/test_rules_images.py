"""Recognising images by their first bytes, and refusing what does not fit."""

from __future__ import annotations

import io
import random
import struct
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from hero_assistance.domain.attachments import (
    ALLOWED_TYPES,
    MAX_ATTACHMENT_BYTES,
    MAX_DECODED_BYTES,
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
    jpeg_layout,
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


def test_a_webp_whose_vp8x_header_is_not_ten_bytes_is_refused() -> None:
    header = bytearray(webp_header(b"VP8X", 5, 5))
    header[16:20] = (0).to_bytes(4, "little")
    with pytest.raises(InvalidInput, match="VP8X header is not 10 bytes"):
        inspect_image(bytes(header) + bytes(20))


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


# -- decoded size: pixels times the decoded mode's bytes --------------------------

@pytest.mark.parametrize(("colour", "depth", "per_pixel"), [
    (0, 1, 1), (0, 8, 1), (0, 16, 2),  # greyscale
    (2, 8, 3), (2, 16, 6),  # RGB
    (3, 1, 4), (3, 8, 4),  # palette: expanded to RGBA, whatever the index depth
    (4, 8, 2), (4, 16, 4),  # greyscale and alpha
    (6, 8, 4), (6, 16, 8),  # RGBA
])
def test_a_png_costs_its_channels_times_its_sample_bytes(colour: int, depth: int,
                                                         per_pixel: int) -> None:
    info = inspect_image(png_header(100, 50, depth=depth, colour=colour))
    assert info.bytes_per_pixel == per_pixel
    assert info.decoded_bytes == 100 * 50 * per_pixel


@pytest.mark.parametrize(("colour", "depth"), [(2, 4), (3, 16), (6, 1), (5, 8), (0, 3)])
def test_a_png_colour_type_and_depth_that_do_not_exist_are_refused(colour: int,
                                                                   depth: int) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        inspect_image(png_header(10, 10, depth=depth, colour=colour))


def test_the_issue_png_is_accepted_and_a_deep_one_of_its_size_refused() -> None:
    # 6,324 x 6,324 is under the 40 MP cap: as RGB it decodes to 120 MB, under 160 MB.
    assert inspect_image(png_header(6324, 6324)).decoded_bytes == 6324 * 6324 * 3
    with pytest.raises(TooLarge) as refused:
        inspect_image(png_header(6324, 6324, depth=16, colour=6))
    assert refused.value.problem == (
        "would take 319.9 MB to decode (6324x6324 pixels of 8 bytes); the limit is 160.0 MB")
    assert MAX_DECODED_BYTES == 4 * MAX_PIXELS


def test_the_decoded_size_cap_is_inclusive_and_configurable() -> None:
    exact = 100 * 100 * 3
    assert inspect_image(png_header(100, 100), max_decoded_bytes=exact).width == 100
    with pytest.raises(TooLarge, match=r"the limit is 0\.0 MB"):
        inspect_image(png_header(100, 100), max_decoded_bytes=exact - 1)


@pytest.mark.parametrize(("data", "per_pixel"), [
    (gif_header(100, 10), 4),  # frames are drawn onto an RGBA canvas
    (webp_header(b"VP8 ", 100, 10), 3),
    (webp_header(b"VP8L", 100, 10), 4),
    (webp_header(b"VP8X", 100, 10), 3),
    (webp_header(b"VP8X", 100, 10, flags=0x10), 4),  # alpha
    (webp_header(b"VP8X", 100, 10, flags=0x02), 4),  # animation
])
def test_gif_and_webp_cost_what_their_decoded_mode_holds(data: bytes, per_pixel: int) -> None:
    assert inspect_image(data).decoded_bytes == 100 * 10 * per_pixel


def test_a_jpeg_in_one_interleaved_scan_costs_its_pixels_only() -> None:
    ycc = ((2, 2), (1, 1), (1, 1))
    info = inspect_image(jpeg_layout(64, 32, sampling=ycc, scan=3))
    assert (info.bytes_per_pixel, info.scan_buffer_bytes) == (3, 0)
    assert inspect_image(jpeg_layout(64, 32, precision=12, scan=1)).bytes_per_pixel == 2


@pytest.mark.parametrize("layout", [
    {"sof": 0xC2, "scan": 3},  # progressive
    {"sof": 0xC0, "scan": 1},  # sequential, one component per scan
    {"sof": 0xC0, "scan": None},  # cut before its first scan: assume the worst
])
def test_a_jpeg_in_several_scans_also_costs_every_coefficient(layout: dict[str, Any]) -> None:
    # 4:2:0 at 64 x 32: luma 8 x 4 blocks, each chroma 4 x 2 blocks; 64 coefficients of
    # 2 bytes per block.
    ycc = ((2, 2), (1, 1), (1, 1))
    info = inspect_image(jpeg_layout(64, 32, sampling=ycc, **layout))
    assert info.scan_buffer_bytes == (32 + 8 + 8) * 128
    assert info.decoded_bytes == 64 * 32 * 3 + (32 + 8 + 8) * 128


def test_coefficients_are_counted_in_whole_mcus() -> None:
    # 17 x 9 at 2x2 luma: 3 x 2 blocks of luma padded to 4 x 2, chroma 2 x 1 each.
    ycc = ((2, 2), (1, 1), (1, 1))
    assert inspect_image(jpeg_layout(17, 9, sof=0xC2, sampling=ycc, scan=1)
                         ).scan_buffer_bytes == (8 + 2 + 2) * 128


def test_a_progressive_jpeg_past_the_decoded_cap_is_refused() -> None:
    # 6,000 x 6,000 with full-resolution chroma: 108 MB of pixels and 216 MB of
    # coefficients, from a file of a few hundred bytes.
    full = ((1, 1), (1, 1), (1, 1))
    with pytest.raises(TooLarge, match=r"216\.0 MB of JPEG coefficients"):
        inspect_image(jpeg_layout(6000, 6000, sof=0xC2, sampling=full, scan=3))


@pytest.mark.parametrize(("sampling", "problem"), [
    ((), "no colour components"), (((0, 1),), "impossible sampling"),
    (((5, 1),), "impossible sampling"),
])
def test_a_jpeg_frame_that_cannot_exist_is_refused(sampling: tuple[tuple[int, int], ...],
                                                   problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        inspect_image(jpeg_layout(8, 8, sampling=sampling, scan=1))


@pytest.mark.parametrize(("progressive", "buffered"), [(False, False), (True, True)])
def test_jpegs_as_pillow_writes_them(progressive: bool, buffered: bool) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), "blue").save(buffer, "JPEG", progressive=progressive)
    info = inspect_image(buffer.getvalue())
    assert (info.bytes_per_pixel, bool(info.scan_buffer_bytes)) == (3, buffered)


SIGNATURES = [b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", b"\xff\xd8\xff", b"GIF89a",
              b"RIFF\x00\x00\x00\x00WEBPVP8X", b"RIFF\x00\x00\x00\x00WEBPVP8 ",
              b"RIFF\x00\x00\x00\x00WEBPVP8L"]


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(SIGNATURES), st.binary(max_size=80))
def test_any_bytes_behind_a_signature_are_read_or_refused_within_the_caps(
    signature: bytes, rest: bytes
) -> None:
    try:
        info = inspect_image(signature + rest)
    except InvalidInput as refused:
        assert refused.field == "file"  # noqa: PT017 - hypothesis needs no pytest.raises
        return
    assert info.mime in ALLOWED_TYPES
    assert 0 < info.pixels <= MAX_PIXELS
    assert 0 < info.decoded_bytes <= MAX_DECODED_BYTES
