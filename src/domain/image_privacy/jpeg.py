"""JPEG: keep the segments that make the picture, drop the rest and whatever follows EOI.

A JPEG is a list of marker segments, and after each start-of-scan the entropy-coded
data runs up to the next marker that is neither a stuffed ``FF 00`` nor a restart
marker. The scans are copied byte for byte: nothing is decoded or re-encoded.
"""

from __future__ import annotations

import struct

from . import _exif
from ._common import damaged

_SOI, _EOI = b"\xff\xd8", b"\xff\xd9"
_SOS, _APP0, _APP1, _APP2, _APP14, _JPG = 0xDA, 0xE0, 0xE1, 0xE2, 0xEE, 0xC8
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and restart markers: no length

# Frames, tables and scans: everything a decoder reads to make the pixels.
_IMAGE_MARKERS = frozenset({
    *range(0xC0, 0xD0),  # SOFn, DHT (C4), DAC (CC); C8 is refused below
    0xDB, 0xDC, 0xDD, 0xDE, 0xDF,  # DQT, DNL, DRI, DHP, EXP
    _SOS,
}) - {_JPG}
_JFIF = b"JFIF\x00"
_JFIF_FIXED = 12  # identifier, version, units, densities: then the thumbnail's size
_ICC = b"ICC_PROFILE\x00"
_ADOBE = b"Adobe"  # APP14: the colour transform of RGB/CMYK files, needed to decode them


def strip_jpeg(data: bytes) -> bytes:
    """The JPEG rewritten without metadata: no EXIF (but its orientation), XMP, IPTC,
    comments, thumbnails, vendor segments or bytes after the end-of-image marker."""
    if not data.startswith(_SOI):
        raise damaged("JPEG", "it does not start with a start-of-image marker")
    kept = [_SOI]
    pos = len(_SOI)
    exif_seen = False
    while True:
        pos = _next_marker(data, pos)
        marker = data[pos + 1]
        if marker == 0xD9:
            kept.append(_EOI)
            return b"".join(kept)
        if marker in _STANDALONE:
            pos += 2
            continue
        after = _segment_end(data, pos, marker)
        if marker in _IMAGE_MARKERS:
            kept.append(data[pos:after])
        else:
            payload = data[pos + 4 : after]
            first_exif = marker == _APP1 and payload.startswith(_exif.EXIF_PREFIX) \
                and not exif_seen
            exif_seen = exif_seen or first_exif
            kept.append(_cleaned_metadata(marker, payload, first_exif=first_exif))
        pos = after
        if marker == _SOS:
            scan_end = _scan_end(data, pos)
            kept.append(data[pos:scan_end])
            pos = scan_end


def _segment_end(data: bytes, pos: int, marker: int) -> int:
    """Just past the segment of ``marker`` at ``pos``, checked to lie inside the file."""
    if marker == 0xD8 or marker < 0xC0 or marker == _JPG:
        raise damaged("JPEG", f"marker FF{marker:02X} has no place in an image")
    if pos + 4 > len(data):
        raise damaged("JPEG", "it ends inside a segment")
    length = int.from_bytes(data[pos + 2 : pos + 4], "big")
    after = pos + 2 + length
    if length < 2 or after > len(data):
        raise damaged("JPEG", f"segment FF{marker:02X} runs past the end of the file")
    return after


def _cleaned_metadata(marker: int, payload: bytes, *, first_exif: bool) -> bytes:
    """What stays of an application or comment segment (often nothing)."""
    if marker == _APP0 and payload.startswith(_JFIF) and len(payload) >= _JFIF_FIXED:
        return _segment(_APP0, payload[:_JFIF_FIXED] + b"\x00\x00")  # without its thumbnail
    if first_exif:
        turned = _exif.orientation(payload)
        if turned is not None:
            return _segment(_APP1, _exif.EXIF_PREFIX + _exif.orientation_only(turned))
        return b""
    if ((marker == _APP2 and payload.startswith(_ICC))
            or (marker == _APP14 and payload.startswith(_ADOBE))):
        return _segment(marker, payload)
    return b""


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _next_marker(data: bytes, pos: int) -> int:
    """Where the next marker starts, skipping fill bytes and stray bytes between segments."""
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= len(data):
            raise damaged("JPEG", "it ends before its end-of-image marker")
        if data[found + 1] != 0xFF:
            return found
        pos = found + 1


def _scan_end(data: bytes, pos: int) -> int:
    """The end of the entropy-coded data that starts at ``pos``."""
    while True:
        found = data.find(b"\xff", pos)
        if found < 0 or found + 1 >= len(data):
            raise damaged("JPEG", "it ends inside its image data")
        following = data[found + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            pos = found + 2  # a stuffed FF or a restart marker: still the scan
        elif following == 0xFF:
            pos = found + 1  # a fill byte before the next marker
        else:
            return found
