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
    order = _BYTE_ORDERS.get(tiff[:4])
    if order is None or len(tiff) < 8:
        return None
    (first,) = struct.unpack(order + "I", tiff[4:8])
    if first < 8 or first + 2 > len(tiff):
        return None
    (count,) = struct.unpack(order + "H", tiff[first : first + 2])
    for index in range(count):
        at = first + 2 + index * _ENTRY
        if at + _ENTRY > len(tiff):
            break
        tag, kind, values, value = struct.unpack(order + "HHIH", tiff[at : at + 10])
        if tag == ORIENTATION_TAG:
            turned = kind == _SHORT and values == 1 and 2 <= value <= 8
            return int(value) if turned else None
    return None


_BYTE_ORDERS = {b"II\x2a\x00": "<", b"MM\x00\x2a": ">"}


def orientation_only(value: int) -> bytes:
    """A big-endian TIFF structure whose one directory holds one tag: Orientation."""
    return (b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1)
            + struct.pack(">HHIH2x", ORIENTATION_TAG, _SHORT, 1, value)
            + struct.pack(">I", 0))
