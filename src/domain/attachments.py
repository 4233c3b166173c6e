"""Image attachments: recognised by content, capped, content-addressed.

The header readers below look only at the first bytes of a file, so an image that
claims more pixels -- or more decoded memory -- than its caps is refused before
anything tries to decode it.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import datetime

from .errors import InvalidInput, TooLarge

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_DECODED_BYTES = 4 * MAX_PIXELS
"""The memory an image may take once decoded: an 8-bit RGBA image at the pixel cap."""
ALLOWED_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageInfo:
    """What the header of an image says about it.

    ``bytes_per_pixel`` is the decoded mode's: channels times bytes per sample (an RGBA
    16-bit PNG holds 8 bytes a pixel, a palette is expanded to RGBA). ``scan_buffer_bytes``
    is what a JPEG in several scans (progressive, or one component per scan) costs on top:
    every DCT coefficient of the image, 2 bytes each, held until the last scan arrives.
    """

    mime: str
    width: int
    height: int
    bytes_per_pixel: int
    scan_buffer_bytes: int = 0

    @property
    def pixels(self) -> int:
        """Width times height."""
        return self.width * self.height

    @property
    def decoded_bytes(self) -> int:
        """The memory a decoder needs to hold the whole decoded image."""
        return self.pixels * self.bytes_per_pixel + self.scan_buffer_bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """Metadata of one stored image; its bytes live in the blob store under ``sha256``.

    ``sha256`` and ``size`` describe the stored bytes: the upload with its metadata and
    anything after the image's end removed (:mod:`.image_privacy`).
    """

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
                  max_pixels: int = MAX_PIXELS,
                  max_decoded_bytes: int = MAX_DECODED_BYTES) -> ImageInfo:
    """Recognise an allowed image by its bytes and check the caps, or raise.

    Three caps, all checked from the header alone: the file's size, its pixels, and the
    memory its decoded pixels would take (pixels times the decoded mode's bytes, plus a
    multi-scan JPEG's coefficients) -- a small file can declare a costly image.
    """
    if not data:
        raise InvalidInput("file", "is empty")
    if len(data) > max_bytes:
        raise TooLarge("file", f"is {len(data)} bytes; the limit is {max_bytes}")
    info = _read_header(data)
    if info is None:
        raise InvalidInput("file", "is not a PNG, JPEG, GIF or WebP image")
    if info.width <= 0 or info.height <= 0:
        raise InvalidInput("file", "declares an empty image")
    if info.pixels > max_pixels:
        raise TooLarge(
            "file", f"is {info.width}x{info.height} pixels; the limit is {max_pixels} pixels"
        )
    if info.decoded_bytes > max_decoded_bytes:
        raise TooLarge(
            "file", f"would take {_mb(info.decoded_bytes)} to decode ({info.width}x"
            f"{info.height} pixels of {info.bytes_per_pixel} bytes"
            + (f", and {_mb(info.scan_buffer_bytes)} of JPEG coefficients"
               if info.scan_buffer_bytes else "")
            + f"); the limit is {_mb(max_decoded_bytes)}"
        )
    return info


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _damaged(kind: str, problem: str) -> InvalidInput:
    return InvalidInput("file", f"is a damaged {kind} image: {problem}")


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


# Channels of each PNG colour type once decoded (a palette becomes RGBA), and the bit
# depths the PNG specification allows for it.
_PNG_CHANNELS = {0: 1, 2: 3, 3: 4, 4: 2, 6: 4}
_PNG_DEPTHS = {0: {1, 2, 4, 8, 16}, 2: {8, 16}, 3: {1, 2, 4, 8}, 4: {8, 16}, 6: {8, 16}}


def _png(data: bytes) -> ImageInfo | None:
    if len(data) < 26 or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    depth, colour = data[24], data[25]
    if depth not in _PNG_DEPTHS.get(colour, set()):
        raise _damaged("PNG", f"colour type {colour} with bit depth {depth} does not exist")
    sample = 1 if colour == 3 else (2 if depth == 16 else 1)  # palette entries are 8-bit
    return ImageInfo(mime="image/png", width=width, height=height,
                     bytes_per_pixel=_PNG_CHANNELS[colour] * sample)


def _gif(data: bytes) -> ImageInfo | None:
    if len(data) < 10:
        return None
    width, height = struct.unpack("<HH", data[6:10])
    # Frames are drawn onto an RGBA canvas, whatever their palettes.
    return ImageInfo(mime="image/gif", width=width, height=height, bytes_per_pixel=4)


_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_PROGRESSIVE_SOF = frozenset({0xC2, 0xC6, 0xCA, 0xCE})
_SOS = 0xDA


@dataclass(frozen=True, slots=True)
class _Frame:
    marker: int
    precision: int
    height: int
    width: int
    sampling: tuple[tuple[int, int], ...]  # (horizontal, vertical) per component


def _jpeg(data: bytes) -> ImageInfo | None:
    frame: _Frame | None = None
    pos = 2
    end = len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return None if frame is None else _jpeg_info(frame, scan_components=None)
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # standalone markers carry no length
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if frame is None and marker in _SOF_MARKERS:
            frame = _jpeg_frame(data, pos, marker)
            if frame is None:
                return None
        elif frame is not None and marker == _SOS:
            scan = data[pos + 4] if pos + 4 < end else None
            return _jpeg_info(frame, scan_components=scan)
        if length < 2:
            return None if frame is None else _jpeg_info(frame, scan_components=None)
        pos += 2 + length
    return None if frame is None else _jpeg_info(frame, scan_components=None)


def _jpeg_frame(data: bytes, pos: int, marker: int) -> _Frame | None:
    if pos + 10 > len(data):
        return None
    precision, height, width, count = struct.unpack(">BHHB", data[pos + 4 : pos + 10])
    if count == 0:
        raise _damaged("JPEG", "its frame has no colour components")
    sampling = []
    for index in range(count):
        at = pos + 10 + 3 * index + 1
        if at >= len(data):  # a header cut short: the size is known, assume 1x1 sampling
            sampling.append((1, 1))
            continue
        factors = data[at]
        horizontal, vertical = factors >> 4, factors & 0x0F
        if not (1 <= horizontal <= 4 and 1 <= vertical <= 4):
            raise _damaged("JPEG", "a component has impossible sampling factors")
        sampling.append((horizontal, vertical))
    return _Frame(marker, precision, height, width, tuple(sampling))


def _jpeg_info(frame: _Frame, *, scan_components: int | None) -> ImageInfo:
    """Size and cost of a JPEG frame; ``scan_components`` of its first scan, if seen.

    A decoder streams a JPEG whose one scan carries every component; any other layout
    (progressive, or components in separate scans) makes it keep every coefficient until
    the last scan. Without the first scan in sight the costlier layout is assumed.
    """
    sample = 2 if frame.precision > 8 else 1
    components = len(frame.sampling)
    several_scans = (frame.marker in _PROGRESSIVE_SOF or scan_components is None
                     or scan_components < components)
    buffer = _coefficient_bytes(frame) if several_scans else 0
    return ImageInfo(mime="image/jpeg", width=frame.width, height=frame.height,
                     bytes_per_pixel=components * sample, scan_buffer_bytes=buffer)


def _coefficient_bytes(frame: _Frame) -> int:
    """Every 8x8 block of every component (padded to whole MCUs), 64 coefficients of 2 bytes."""
    max_h = max(h for h, _ in frame.sampling)
    max_v = max(v for _, v in frame.sampling)
    total = 0
    for h, v in frame.sampling:
        blocks_wide = -(-frame.width * h // (8 * max_h))
        blocks_high = -(-frame.height * v // (8 * max_v))
        blocks_wide += -blocks_wide % h
        blocks_high += -blocks_high % v
        total += blocks_wide * blocks_high * 64 * 2
    return total


_VP8X_ALPHA = 0x10
_VP8X_ANIMATION = 0x02


def _webp(data: bytes) -> ImageInfo | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        if int.from_bytes(data[16:20], "little") != 10:  # flags, reserved, width, height
            raise _damaged("WebP", "its VP8X header is not 10 bytes")
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        rgba = bool(data[20] & (_VP8X_ALPHA | _VP8X_ANIMATION))  # animation: an RGBA canvas
        return ImageInfo(mime="image/webp", width=width, height=height,
                         bytes_per_pixel=4 if rgba else 3)
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo(mime="image/webp", width=width & 0x3FFF, height=height & 0x3FFF,
                         bytes_per_pixel=3)
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return ImageInfo(
            mime="image/webp", width=(bits & 0x3FFF) + 1, height=((bits >> 14) & 0x3FFF) + 1,
            bytes_per_pixel=4,
        )
    return None
