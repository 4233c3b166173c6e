"""Decode uploads with Pillow, in a worker thread, after the header checks passed."""

from __future__ import annotations

import io

import anyio.to_thread
from PIL import Image, UnidentifiedImageError

from ...domain.attachments import ImageInfo
from ...domain.errors import InvalidInput

_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


class PillowDecoder:
    """Proves an upload decodes, and that the decoded image is what its header said.

    The domain's header check already refused oversized dimensions, so Pillow never
    starts on a decompression bomb; Pillow's own bomb guard stays on as a second line.
    """

    async def verify(self, data: bytes, expected: ImageInfo) -> None:
        """Decode in a thread (CPU work must not stall the event loop)."""
        await anyio.to_thread.run_sync(_verify, data, expected)


def _verify(data: bytes, expected: ImageInfo) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            mime = _FORMATS.get(image.format or "")
            size = image.size
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as exc:
        raise InvalidInput("file", "is not a readable image (it failed to decode)") from exc
    if mime != expected.mime or size != (expected.width, expected.height):
        raise InvalidInput("file", "decodes to a different image than its header declares")
