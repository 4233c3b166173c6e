"""Tiny real images, built byte by byte, and headers that lie about their size.

Each ``*_image`` function returns a complete file a real decoder accepts (checked once
with libpng, libjpeg, giflib and libwebp when these builders were written); the
``*_header`` functions return only what the header readers look at, with whatever
dimensions a test wants to claim.
"""

from __future__ import annotations

import struct
import zlib


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_image(width: int = 1, height: int = 1, rgb: tuple[int, int, int] = (255, 0, 0)
              ) -> bytes:
    """A valid truecolour PNG of one colour."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the pixels
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(row * height))
        + _png_chunk(b"IEND", b"")
    )


def large_png(side: int, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A square truecolour PNG of one colour that is tiny on disk and costly to decode.

    The IDAT stream is compressed row by row, so building a 6,324 x 6,324 image (120 MB
    of pixels, ~130 KB of file) never holds its pixels in this process.
    """
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(b"\x00" + bytes(rgb) * side)]
    same_as_above = b"\x02" + bytes(3 * side)  # filter "Up" with nothing to add
    parts += [compressor.compress(same_as_above) for _ in range(side - 1)]
    parts.append(compressor.flush())
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", b"".join(parts)) + _png_chunk(b"IEND", b""))


def png_header(width: int, height: int, *, depth: int = 8, colour: int = 2) -> bytes:
    """Signature and IHDR only, declaring any size (a decompression bomb's face)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)


def gif_image() -> bytes:
    """A valid 1x1 GIF89a: a two-colour palette and one LZW-coded pixel."""
    # LZW min code size 2, so 3-bit codes: clear (4), literal 0, end (5) = 0x44 0x01.
    lzw = bytes([0x02, 0x02, 0x44, 0x01, 0x00])  # min size, one 2-byte block, terminator
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", 1, 1, 0x80, 0, 0)  # global palette of 2 colours
        + b"\x00\x00\x00\xff\xff\xff"
        + b"\x2c" + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + lzw
        + b"\x3b"
    )


def gif_header(width: int, height: int) -> bytes:
    """A GIF logical screen descriptor declaring any size."""
    return b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0)


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg_image(width: int = 1, height: int = 1) -> bytes:
    """A valid baseline greyscale JPEG whose every block is flat mid-grey.

    One Huffman code per table is enough: DC difference category 0 and AC end-of-block,
    each coded as the single bit ``0``; padding bits are ones.
    """
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    bits = "00" * blocks
    bits += "1" * (-len(bits) % 8)
    scan = bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))
    scan = scan.replace(b"\xff", b"\xff\x00")
    one_code = bytes([1] + [0] * 15)  # one code of length 1
    return (
        b"\xff\xd8"
        + _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _jpeg_segment(0xDB, b"\x00" + bytes([1] * 64))
        + _jpeg_segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
        + _jpeg_segment(0xC4, b"\x00" + one_code + b"\x00")  # DC table 0: symbol 0
        + _jpeg_segment(0xC4, b"\x10" + one_code + b"\x00")  # AC table 0: EOB
        + _jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
        + scan
        + b"\xff\xd9"
    )


def jpeg_header(width: int, height: int, *, sof: int = 0xC0) -> bytes:
    """SOI, an APP0 and a start-of-frame declaring any size."""
    return (
        b"\xff\xd8"
        + _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
        + _jpeg_segment(sof, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
    )


def jpeg_layout(width: int, height: int, *, sof: int = 0xC0, precision: int = 8,
                sampling: tuple[tuple[int, int], ...] = ((1, 1),),
                scan: int | None = None) -> bytes:
    """SOI, a start-of-frame with a component per ``sampling`` entry, and -- when ``scan``
    is given -- the header of a first scan carrying that many components."""
    components = b"".join(bytes([n + 1, h << 4 | v, 0]) for n, (h, v) in enumerate(sampling))
    frame = struct.pack(">BHHB", precision, height, width, len(sampling)) + components
    data = b"\xff\xd8" + _jpeg_segment(sof, frame)
    if scan is not None:
        selectors = b"".join(bytes([n + 1, 0]) for n in range(scan))
        data += _jpeg_segment(0xDA, bytes([scan]) + selectors + b"\x00\x3f\x00")
    return data


def _riff(chunks: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + chunks


def _webp_chunk(kind: bytes, payload: bytes) -> bytes:
    pad = b"\x00" if len(payload) % 2 else b""
    return kind + struct.pack("<I", len(payload)) + payload + pad


# A 1x1 lossless bitstream (signature 0x2f, 14-bit width-1 and height-1 = 0, alpha
# hint, version 0) followed by its single entropy-coded pixel.
_VP8L_1X1 = bytes.fromhex("2f00000010071011118888fe07")


def webp_lossless_image() -> bytes:
    """A valid 1x1 lossless WebP (simple format, one VP8L chunk)."""
    return _riff(_webp_chunk(b"VP8L", _VP8L_1X1))


def webp_extended_image() -> bytes:
    """A valid 1x1 WebP in the extended format: a VP8X canvas, then the VP8L image."""
    vp8x = struct.pack("<I", 0) + (0).to_bytes(3, "little") + (0).to_bytes(3, "little")
    return _riff(_webp_chunk(b"VP8X", vp8x) + _webp_chunk(b"VP8L", _VP8L_1X1))


# A 1x1 lossy key frame as cwebp writes it: frame tag, start code 9d 01 2a, 14-bit
# width and height, then the compressed partition.
_VP8_1X1 = bytes.fromhex(
    "9001009d012a0100010002c04c25a00274ba00039800feee431fee6c738b7057"
    "ff6d0fff5a1ffeb43fe94000"
)


def webp_lossy_image() -> bytes:
    """A valid 1x1 lossy WebP (simple format, one VP8 chunk)."""
    return _riff(_webp_chunk(b"VP8 ", _VP8_1X1))


def webp_header(kind: bytes, width: int, height: int, *, flags: int = 0) -> bytes:
    """A WebP whose first chunk (``VP8X``, ``VP8 `` or ``VP8L``) declares any size."""
    if kind == b"VP8X":
        payload = (struct.pack("<I", flags) + (width - 1).to_bytes(3, "little")
                   + (height - 1).to_bytes(3, "little"))
    elif kind == b"VP8 ":
        payload = b"\x10\x02\x00\x9d\x01\x2a" + struct.pack("<HH", width, height)
    elif kind == b"VP8L":
        bits = (width - 1) | ((height - 1) << 14)
        payload = b"\x2f" + struct.pack("<I", bits)
    else:
        raise ValueError(kind)
    return _riff(_webp_chunk(kind, payload))
