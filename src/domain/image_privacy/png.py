"""PNG: keep the chunks that make the picture, drop the rest and whatever follows IEND."""

from __future__ import annotations

import struct
import zlib

from . import _exif
from ._common import damaged, fourcc

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_LENGTH = 2**31 - 1
_IHDR, _IEND, _EXIF = b"IHDR", b"IEND", b"eXIf"

KEPT_CHUNKS = frozenset({
    b"IHDR", b"PLTE", b"IDAT", b"IEND",  # the image itself
    b"tRNS", b"bKGD",  # transparency, background
    b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",  # colour (D-16: profiles stay)
    b"cICP", b"mDCV", b"cLLI", b"mDCv", b"cLLi",  # HDR colour (final and draft names)
    b"pHYs",  # pixel density (how large a 2x screenshot is meant to look)
    b"acTL", b"fcTL", b"fdAT",  # APNG animation
})
"""Every other chunk goes: tEXt, zTXt, iTXt, tIME, eXIf (but its orientation), private
chunks such as Apple's iDOT (whose offsets would point wrong after a rewrite anyway)."""


def chunk(kind: bytes, payload: bytes) -> bytes:
    """One PNG chunk: length, type, payload, CRC."""
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def strip_png(data: bytes) -> bytes:
    """The PNG rewritten with only :data:`KEPT_CHUNKS` (and the EXIF orientation)."""
    if not data.startswith(SIGNATURE):
        raise damaged("PNG", "it does not start with the PNG signature")
    kept = [SIGNATURE]
    pos = len(SIGNATURE)
    exif_seen = False
    while True:
        if pos + 12 > len(data):
            raise damaged("PNG", "it ends before its IEND chunk")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if not kind.isalpha() or not kind.isascii():
            raise damaged("PNG", f"chunk type {fourcc(kind)} is not four letters")
        if length > _MAX_LENGTH or end > len(data):
            raise damaged("PNG", f"chunk {kind.decode('ascii')} runs past the end of the file")
        if pos == len(SIGNATURE) and kind != _IHDR:
            raise damaged("PNG", "it does not start with an IHDR chunk")
        if kind in KEPT_CHUNKS:
            _check_crc(data, pos, end, kind)
            kept.append(data[pos:end])
        elif kind == _EXIF and not exif_seen:
            exif_seen = True
            turned = _exif.orientation(data[pos + 8 : end - 4])
            if turned is not None:
                kept.append(chunk(_EXIF, _exif.orientation_only(turned)))
        if kind == _IEND:
            return b"".join(kept)
        pos = end


def _check_crc(data: bytes, pos: int, end: int, kind: bytes) -> None:
    (stated,) = struct.unpack(">I", data[end - 4 : end])
    if zlib.crc32(data[pos + 4 : end - 4]) & 0xFFFFFFFF != stated:
        raise damaged("PNG", f"chunk {kind.decode('ascii')} fails its checksum")
