"""Image attachments: recognised by content, size- and pixel-capped, content-addressed.

The header readers below look only at the first bytes of a file, so an image that
claims more pixels than the cap is refused before anything tries to decode it.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import datetime

from .errors import InvalidInput, TooLarge

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
ALLOWED_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageInfo:
    """What the header of an image says about it."""

    mime: str
    width: int
    height: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """Metadata of one stored image; its bytes live in the blob store under ``sha256``."""

    sha256: str
    mime: str
    size: int
    width: int
    height: int
    created_at: datetime


def content_address(data: bytes) -> str:
    """The SHA-256 hex digest that names an attachment."""
    return hashlib.sha256(data).hexdigest()


def inspect_image(data: bytes, *, max_bytes: int = MAX_ATTACHMENT_BYTES,
                  max_pixels: int = MAX_PIXELS) -> ImageInfo:
    """Recognise an allowed image by its bytes and check the caps, or raise."""
    if not data:
        raise InvalidInput("file", "is empty")
    if len(data) > max_bytes:
        raise TooLarge("file", f"is {len(data)} bytes; the limit is {max_bytes}")
    info = _read_header(data)
    if info is None:
        raise InvalidInput("file", "is not a PNG, JPEG, GIF or WebP image")
    if info.width <= 0 or info.height <= 0:
        raise InvalidInput("file", "declares an empty image")
    if info.width * info.height > max_pixels:
        raise TooLarge(
            "file", f"is {info.width}x{info.height} pixels; the limit is {max_pixels} pixels"
        )
    return info


def _read_header(data: bytes) -> ImageInfo | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _png(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return _gif(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    return None


def _png(data: bytes) -> ImageInfo | None:
    if len(data) < 24 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return ImageInfo(mime="image/png", width=width, height=height)


def _gif(data: bytes) -> ImageInfo | None:
    if len(data) < 10:
        return None
    width, height = struct.unpack("<HH", data[6:10])
    return ImageInfo(mime="image/gif", width=width, height=height)


_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg(data: bytes) -> ImageInfo | None:
    pos = 2
    end = len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # standalone markers carry no length
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _SOF_MARKERS:
            if pos + 9 > end:
                return None
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return ImageInfo(mime="image/jpeg", width=width, height=height)
        if length < 2:
            return None
        pos += 2 + length
    return None


def _webp(data: bytes) -> ImageInfo | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return ImageInfo(mime="image/webp", width=width, height=height)
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo(mime="image/webp", width=width & 0x3FFF, height=height & 0x3FFF)
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return ImageInfo(
            mime="image/webp", width=(bits & 0x3FFF) + 1, height=((bits >> 14) & 0x3FFF) + 1
        )
    return None
