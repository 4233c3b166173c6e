"""What a stored image keeps: its pixels and what shows them right, nothing else.

An uploaded photo or screenshot may carry what its sender never meant to share: EXIF
(the GPS position, the camera's serial number, a thumbnail of the uncropped picture),
XMP and IPTC records, text that editors write into PNG chunks or JPEG comments, and
bytes after the image's end (a ZIP archive or an HTML page appended: a polyglot).
:func:`strip_private_data` rewrites the file's own container without them. The image
data is copied byte for byte, never re-encoded, so the stored file decodes to exactly
the pixels that were uploaded. Kept is what a viewer needs to show the image as it was
sent: palette and transparency, colour profile and colour space, pixel density,
animation, and the EXIF orientation -- rewritten as the only tag of a fresh EXIF block.
``decisions/D-16-clean-stored-images.md`` says why each part goes or stays.

Pure bytes logic: no decoding, no I/O. Stripping is idempotent, and a file with nothing
to remove comes back unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import InvalidInput
from .gif import strip_gif
from .jpeg import strip_jpeg
from .png import strip_png
from .webp import strip_webp

_BY_TYPE: dict[str, Callable[[bytes], bytes]] = {
    "image/png": strip_png,
    "image/jpeg": strip_jpeg,
    "image/gif": strip_gif,
    "image/webp": strip_webp,
}


def strip_private_data(data: bytes, mime: str) -> bytes:
    """The bytes to store for an image whose header showed type ``mime``.

    Raises ``InvalidInput`` (field ``file``) when the container is broken: cut short,
    a length that points past the end, a checksum that does not match.
    """
    strip = _BY_TYPE.get(mime)
    if strip is None:
        raise InvalidInput("file", "is not a PNG, JPEG, GIF or WebP image")
    return strip(data)


__all__ = ["strip_gif", "strip_jpeg", "strip_png", "strip_private_data", "strip_webp"]
