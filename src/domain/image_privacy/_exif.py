"""EXIF, as far as stripping needs it: read the orientation, write it as the only tag.

An EXIF block is a TIFF structure (byte order mark, the number 42, the offset of the
first directory); JPEG prefixes it with ``Exif\\0\\0`` and some writers do so in PNG and
WebP too. Anything malformed simply has no orientation: the block is dropped whole.
"""

from __future__ import annotations

import struct

EXIF_PREFIX = b"Exif\x00\x00"
ORIENTATION_TAG = 0x0112
_SHORT = 3
_ENTRY = 12


def orientation(block: bytes) -> int | None:
    """The Orientation tag of the first directory when it turns or mirrors (2..8)."""
    tiff = block.removeprefix(EXIF_PREFIX)
    if tiff[:4] == b"II\x2a\x00":
        order = "<"
    elif tiff[:4] == b"MM\x00\x2a":
        order = ">"
    else:
        return None
    (first,) = struct.unpack(order + "I", tiff[4:8])
    if first < 8 or first + 2 > len(tiff):
        return None
    (count,) = struct.unpack(order + "H", tiff[first : first + 2])
    for index in range(count):
        at = first + 2 + index * _ENTRY
        if at + _ENTRY > len(tiff):
            return None
        tag, kind, values = struct.unpack(order + "HHI", tiff[at : at + 8])
        if tag == ORIENTATION_TAG:
            if kind != _SHORT or values != 1:
                return None
            (value,) = struct.unpack(order + "H", tiff[at + 8 : at + 10])
            return value if 2 <= value <= 8 else None
    return None


def orientation_only(value: int) -> bytes:
    """A big-endian TIFF structure whose one directory holds one tag: Orientation."""
    return (b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1)
            + struct.pack(">HHIH2x", ORIENTATION_TAG, _SHORT, 1, value)
            + struct.pack(">I", 0))
