"""GIF: keep the screen, palettes, frames and their timing; drop comments, text, XMP
and other application blocks, and whatever follows the trailer."""

from __future__ import annotations

from ._common import damaged

_HEADER = 13  # signature, version, logical screen descriptor
_IMAGE, _EXTENSION, _TRAILER = 0x2C, 0x21, 0x3B
_GRAPHIC_CONTROL, _APPLICATION = 0xF9, 0xFF
_IMAGE_DESCRIPTOR = 10

KEPT_APPLICATIONS = frozenset({
    b"NETSCAPE2.0", b"ANIMEXTS1.0",  # how often an animation loops
    b"ICCRGBG1012",  # an ICC colour profile (D-16: profiles stay)
})
"""Other application extensions go (XMP's ``XMP DataXMP`` among them), as do comment
and plain-text extensions: no browser draws plain text, and it is text a user may not
know is there."""


def strip_gif(data: bytes) -> bytes:
    """The GIF rewritten with its frames and their graphic control, nothing else."""
    if len(data) < _HEADER or data[:6] not in (b"GIF87a", b"GIF89a"):
        raise damaged("GIF", "it does not start with a GIF header")
    pos = _HEADER + _palette_size(data[10])
    if pos > len(data):
        raise damaged("GIF", "it ends inside its colour table")
    kept = [data[:pos]]
    frames = 0
    while pos < len(data) and data[pos] != _TRAILER:
        introducer = data[pos]
        if introducer == _IMAGE:
            if pos + _IMAGE_DESCRIPTOR + 1 > len(data):
                raise damaged("GIF", "it ends inside a frame")
            start = pos + _IMAGE_DESCRIPTOR + _palette_size(data[pos + 9]) + 1  # + LZW size
            end = _sub_blocks_end(data, start)
            kept.append(data[pos:end])
            frames += 1
        elif introducer == _EXTENSION:
            if pos + 2 > len(data):
                raise damaged("GIF", "it ends inside an extension")
            end = _sub_blocks_end(data, pos + 2)
            if _keep_extension(data, pos):
                kept.append(data[pos:end])
        else:
            raise damaged("GIF", f"block type {introducer:#04x} does not exist")
        pos = end
    if frames == 0:
        raise damaged("GIF", "it has no frame")
    # A file that stops right after a whole block only lacks its trailer: add it.
    kept.append(bytes([_TRAILER]))
    return b"".join(kept)


def _palette_size(flags: int) -> int:
    return 3 * 2 ** ((flags & 0x07) + 1) if flags & 0x80 else 0


def _sub_blocks_end(data: bytes, pos: int) -> int:
    """Just past the zero-length block that ends the chain of data sub-blocks at ``pos``."""
    while True:
        if pos >= len(data):
            raise damaged("GIF", "it ends inside a block")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def _keep_extension(data: bytes, pos: int) -> bool:
    label = data[pos + 1]
    if label == _GRAPHIC_CONTROL:
        return True
    if label == _APPLICATION:
        return data[pos + 2] == 11 and bytes(data[pos + 3 : pos + 14]) in KEPT_APPLICATIONS
    return False
