"""Decode uploads with Pillow, a few at a time and within a memory budget.

What one decode costs here, measured with Pillow 13 on its own (VmHWM per pixel):
PNG and GIF at most 4 bytes a pixel (RGB is held as RGBX, 16-bit samples are narrowed),
a baseline JPEG almost nothing once ``draft`` lets libjpeg decode at 1/8 scale (every
coefficient is still entropy-decoded, so damage is still found), a JPEG in several scans
its whole coefficient buffer, and WebP 16 bytes a pixel (libwebp's canvas and previous
canvas, the frame copied out, then Pillow's image). The queue admits decodes by that
cost; ``decisions/D-16-clean-stored-images.md`` has the figures.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

import anyio.to_thread
from PIL import Image, UnidentifiedImageError

from ...domain.attachments import ImageInfo
from ...domain.errors import InvalidInput, TooLarge
from ._memory import release_freed_memory
from .queue import DecodeQueue

_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
_BYTES_PER_PIXEL = {"image/png": 4, "image/gif": 4, "image/webp": 16}
_JPEG_DRAFT_SCALE = 8
MIB = 2**20
DEFAULT_PARALLEL = 2
DEFAULT_MEMORY = 256 * MIB
DEFAULT_WAITING = 32
DEFAULT_WAITING_BYTES = 64 * MIB
_TRIM_AFTER = 8 * MIB  # smaller decodes leave too little behind to be worth a trim


def decode_cost(info: ImageInfo) -> int:
    """The bytes Pillow allocates to decode an image with this header (see the module)."""
    if info.mime == "image/jpeg":
        scale = _JPEG_DRAFT_SCALE
        reduced = -(-info.width // scale) * -(-info.height // scale)
        return info.scan_buffer_bytes + reduced * 4
    return info.pixels * _BYTES_PER_PIXEL[info.mime]


class PillowDecoder:
    """Proves an upload decodes, and that the decoded image is what its header said.

    The domain's header check already refused oversized dimensions and decoded sizes,
    so Pillow never starts on a decompression bomb; Pillow's own bomb guard stays on as
    a second line. At most ``parallel`` decodes run at once, within ``memory`` bytes
    between them; the rest wait their turn in a bounded queue (:class:`DecodeQueue`).
    After a large decode the freed memory goes back to the system.
    """

    def __init__(self, *, parallel: int = DEFAULT_PARALLEL, memory: int = DEFAULT_MEMORY,
                 waiting: int = DEFAULT_WAITING,
                 waiting_bytes: int = DEFAULT_WAITING_BYTES) -> None:
        self.queue = DecodeQueue(parallel=parallel, memory=memory, waiting=waiting,
                                 waiting_bytes=waiting_bytes)
        self._threads: anyio.CapacityLimiter | None = None

    async def verify(self, data: bytes, expected: ImageInfo) -> None:
        """Decode in a worker thread (CPU work must not stall the event loop), in turn."""
        cost = decode_cost(expected)
        if cost > self.queue.memory:
            raise TooLarge("file", f"would take {cost / 1e6:.1f} MB to decode; this server "
                           f"decodes images within {self.queue.memory / 1e6:.1f} MB")
        if self._threads is None:  # made on first use: it belongs to the running loop
            self._threads = anyio.CapacityLimiter(self.queue.parallel)
        async with self.queue.turn(cost, len(data)):
            decode = functools.partial(_verify, data, expected, trim=cost >= _TRIM_AFTER)
            await anyio.to_thread.run_sync(decode, limiter=self._threads)


def _verify(data: bytes, expected: ImageInfo, *, trim: bool) -> None:
    try:
        _decode(data, expected)
    finally:
        if trim:
            release_freed_memory()


def _decode(data: bytes, expected: ImageInfo) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            mime = _FORMATS.get(image.format or "")
            size = image.size
            if mime == "image/jpeg":
                image.draft(image.mode, (max(1, size[0] // _JPEG_DRAFT_SCALE),
                                         max(1, size[1] // _JPEG_DRAFT_SCALE)))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError,
            struct.error, zlib.error, Image.DecompressionBombError) as exc:
        # Every way Pillow's readers report bytes they cannot make sense of: the
        # sender's mistake, answered as bad input (a fuzz test hunts for others).
        raise InvalidInput("file", "is not a readable image (it failed to decode)") from exc
    if mime != expected.mime or size != (expected.width, expected.height):
        raise InvalidInput("file", "decodes to a different image than its header declares")
