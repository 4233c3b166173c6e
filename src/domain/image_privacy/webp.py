"""WebP: keep the image, alpha, colour profile and animation chunks inside the declared
RIFF size; drop EXIF (but its orientation), XMP, unknown chunks and everything after."""

from __future__ import annotations

import struct

from . import _exif
from ._common import damaged, fourcc

_RIFF_HEADER = 12  # "RIFF", size, "WEBP"
_CHUNK_HEADER = 8
_ANMF_HEADER = 16  # position, size, duration and flags of one frame
_VP8X, _ANMF, _EXIF = b"VP8X", b"ANMF", b"EXIF"
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04
_VP8X_SIZE = 10  # flags, reserved, canvas width and height

KEPT_CHUNKS = frozenset({b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ICCP", b"ANIM", b"ANMF"})
_FRAME_CHUNKS = frozenset({b"VP8 ", b"VP8L", b"ALPH"})  # what an animation frame holds
_IMAGE_CHUNKS = frozenset({b"VP8 ", b"VP8L", b"ANMF"})


def strip_webp(data: bytes) -> bytes:
    """The WebP rewritten with :data:`KEPT_CHUNKS` only, its header flags to match."""
    if len(data) < _RIFF_HEADER or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise damaged("WebP", "it does not start with a RIFF WEBP header")
    (declared,) = struct.unpack("<I", data[4:8])
    end = 8 + declared
    if declared < 4 or end > len(data):
        raise damaged("WebP", "it is shorter than its RIFF header declares")
    kept: list[bytes] = []
    exif_seen = has_exif = False
    for kind, payload in _chunks(data, _RIFF_HEADER, end):
        if kind == _VP8X and len(payload) != _VP8X_SIZE:
            raise damaged("WebP", f"its VP8X header is {len(payload)} bytes, not 10")
        if kind == _ANMF:
            kept.append(_chunk(_ANMF, _clean_frame(payload)))
        elif kind in KEPT_CHUNKS:
            kept.append(_chunk(kind, payload))
        elif kind == _EXIF and not exif_seen:
            exif_seen = True
            turned = _exif.orientation(payload)
            if turned is not None:
                kept.append(_chunk(_EXIF, _exif.orientation_only(turned)))
                has_exif = True
    if not any(chunk[:4] in _IMAGE_CHUNKS for chunk in kept):
        raise damaged("WebP", "it holds no image")
    if kept[0][:4] == _VP8X:
        flags = kept[0][8] & ~(_VP8X_EXIF | _VP8X_XMP) | (_VP8X_EXIF if has_exif else 0)
        kept[0] = kept[0][:8] + bytes([flags]) + kept[0][9:]
    body = b"WEBP" + b"".join(kept)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _chunks(data: bytes, pos: int, end: int) -> list[tuple[bytes, bytes]]:
    """The (type, payload) of each chunk between ``pos`` and ``end``."""
    found = []
    while pos < end:
        if pos + _CHUNK_HEADER > end:
            raise damaged("WebP", "it ends inside a chunk header")
        kind = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        start = pos + _CHUNK_HEADER
        if start + size > end:
            raise damaged("WebP", f"chunk {fourcc(kind)} runs past the end of the file")
        found.append((kind, data[start : start + size]))
        pos = start + size + (size & 1)  # chunks are padded to an even length
    return found


def _clean_frame(payload: bytes) -> bytes:
    """An animation frame's header and its image chunks, without anything else."""
    if len(payload) < _ANMF_HEADER:
        raise damaged("WebP", "an animation frame is cut short")
    frame = [_chunk(kind, body) for kind, body in _chunks(payload, _ANMF_HEADER, len(payload))
             if kind in _FRAME_CHUNKS]
    return payload[:_ANMF_HEADER] + b"".join(frame)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + (b"\x00" if len(payload) & 1 else b"")
