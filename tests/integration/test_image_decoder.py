"""The Pillow decoder against real Pillow: what it accepts, refuses, costs and queues.

``decode_cost`` is what the decode queue admits by, so it is checked against what
Pillow really allocates (VmHWM of this process around one decode). The JPEG shortcut
(``draft``: libjpeg decodes at 1/8 scale) is checked to refuse exactly what a full
decode refuses.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from PIL import Image

from hero_assistance.adapters.images import PillowDecoder, decode_cost
from hero_assistance.adapters.images._memory import release_freed_memory
from hero_assistance.adapters.images.pillow import DEFAULT_MEMORY
from hero_assistance.domain.attachments import ImageInfo, inspect_image
from hero_assistance.domain.errors import InvalidInput, TooLarge, Unavailable
from hero_assistance.domain.image_privacy import strip_private_data

from ..unit.image_strategies import damaged
from ..unit.images import (
    gif_image,
    jpeg_image,
    jpeg_layout,
    png_image,
    webp_extended_image,
    webp_lossless_image,
    webp_lossy_image,
)
from ..unit.photos import gif_photo, jpeg_photo, picture, png_chunk, png_photo, webp_photo

pytestmark = pytest.mark.anyio
MIB = 2**20

GOOD: dict[str, Callable[[], bytes]] = {
    "png": lambda: png_image(3, 2), "gif": gif_image, "jpeg": lambda: jpeg_image(17, 9),
    "webp-lossy": webp_lossy_image, "webp-lossless": webp_lossless_image,
    "webp-extended": webp_extended_image,
    "png-photo": png_photo, "apng": lambda: png_photo(frames=3), "gif-photo": gif_photo,
    "jpeg-photo": jpeg_photo, "jpeg-progressive": lambda: jpeg_photo(progressive=True),
    "jpeg-cmyk": lambda: jpeg_photo(mode="CMYK"), "webp-photo": webp_photo,
    "webp-animated": lambda: webp_photo(frames=2),
}


def stored(data: bytes) -> tuple[bytes, ImageInfo]:
    """What the upload hands the decoder: the stripped bytes and the header's facts."""
    info = inspect_image(data)
    return strip_private_data(data, info.mime), info


@pytest.mark.parametrize("name", sorted(GOOD))
async def test_real_images_decode(name: str) -> None:
    await PillowDecoder().verify(*stored(GOOD[name]()))


def _png_with_bad_pixels() -> bytes:
    # Valid chunks and checksums around a zlib stream that is not one.
    png = png_image(4, 4)
    ihdr_end = 33
    return png[:ihdr_end] + png_chunk(b"IDAT", b"\x78\x9c not deflate") + png[-12:]


async def test_an_image_whose_pixels_do_not_decode_is_refused() -> None:
    data = _png_with_bad_pixels()
    with pytest.raises(InvalidInput, match="failed to decode"):
        await PillowDecoder().verify(data, inspect_image(data))


async def test_an_image_unlike_its_header_is_refused() -> None:
    data, _ = stored(png_image(3, 2))
    lying = ImageInfo(mime="image/png", width=2, height=3, bytes_per_pixel=3)
    with pytest.raises(InvalidInput, match="different image than its header"):
        await PillowDecoder().verify(data, lying)
    as_gif = ImageInfo(mime="image/gif", width=3, height=2, bytes_per_pixel=4)
    with pytest.raises(InvalidInput, match="different image"):
        await PillowDecoder().verify(data, as_gif)


def _decodes(data: bytes, *, draft: bool) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if draft:
                image.draft(image.mode, (image.width // 8, image.height // 8))
            image.load()
    except (OSError, SyntaxError, ValueError):
        return False
    return True


@pytest.mark.parametrize("progressive", [False, True])
async def test_the_jpeg_shortcut_refuses_what_a_full_decode_refuses(progressive: bool) -> None:
    buffer = io.BytesIO()
    picture((160, 96)).save(buffer, "JPEG", quality=90, progressive=progressive)
    original = buffer.getvalue()
    scan = original.index(b"\xff\xda") + 20
    rng = random.Random(12)
    refused = 0
    for attempt in range(120):
        damaged = bytearray(original)
        if attempt % 2:
            del damaged[rng.randrange(scan, len(damaged) - 2):-2]  # scan data cut short
        else:
            for _ in range(4):
                damaged[rng.randrange(scan, len(damaged) - 2)] = rng.randrange(256)
        data = bytes(damaged)
        full = _decodes(data, draft=False)
        try:
            await PillowDecoder().verify(data, inspect_image(data))
        except InvalidInput:
            assert not full, "the shortcut refused what a full decode accepts"
            refused += 1
        else:
            assert full, "the shortcut accepted what a full decode refuses"
    assert refused > 20  # the damage was real


@pytest.mark.parametrize(("data", "cost"), [
    (png_image(100, 50), 100 * 50 * 4),
    (gif_image(), 4),
    (webp_lossy_image(), 16),
    (jpeg_layout(800, 640, scan=1), 100 * 80 * 4),  # 1/8 scale, streamed
    (jpeg_layout(800, 640, sof=0xC2, scan=1), 100 * 80 * 4 + 100 * 80 * 128),
])
def test_decode_cost_follows_what_pillow_allocates(data: bytes, cost: int) -> None:
    assert decode_cost(inspect_image(data)) == cost


def _peak_of(decode: Callable[[], None]) -> int:
    """How far one call raises this process's resident peak above its current size."""
    clear_refs = Path("/proc/self/clear_refs")
    release_freed_memory()
    try:
        clear_refs.write_text("5")  # resets VmHWM to the current RSS
    except OSError:
        pytest.skip("this kernel does not let a process reset its VmHWM")
    before = _status("VmRSS")
    decode()
    return _status("VmHWM") - before


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise AssertionError(key)


def _saved(kind: str, mode: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (2000, 2000), "red").save(buffer, kind, **options)
    return buffer.getvalue()


@pytest.mark.parametrize(("kind", "mode", "options"), [
    ("PNG", "RGB", {}), ("PNG", "RGBA", {}), ("PNG", "P", {}), ("GIF", "P", {}),
    ("JPEG", "RGB", {}), ("JPEG", "RGB", {"progressive": True, "subsampling": 0}),
    ("WEBP", "RGB", {}), ("WEBP", "RGBA", {"lossless": True}),
])
async def test_a_decode_allocates_no_more_than_its_cost(kind: str, mode: str,
                                                        options: dict[str, object]) -> None:
    data = _saved(kind, mode, **options)
    info = inspect_image(data)
    decoder = PillowDecoder()

    def decode() -> None:
        anyio.from_thread.run(decoder.verify, data, info)

    peak = await anyio.to_thread.run_sync(_peak_of, decode)
    assert peak <= decode_cost(info) + 8 * MIB, f"{peak / MIB:.0f} MiB"


async def test_an_image_costlier_than_the_whole_budget_is_refused_as_too_large() -> None:
    # 4,096 x 4,096 WebP: 16 MP, fine for the header caps, 256 MiB for Pillow.
    data = webp_lossy_image()[:26] + (4096).to_bytes(2, "little") + (4096).to_bytes(2, "little")
    info = inspect_image(data)
    assert info.pixels == 4096 * 4096
    with pytest.raises(TooLarge, match=r"268\.4 MB to decode; this server decodes images "
                                       r"within 134\.2 MB"):
        await PillowDecoder(memory=128 * MIB).verify(data, info)
    assert decode_cost(info) == DEFAULT_MEMORY  # exactly what the default budget holds


async def test_with_the_queue_full_an_upload_is_refused_as_unavailable() -> None:
    decoder = PillowDecoder(parallel=1, waiting=1)
    data, info = stored(png_image(2, 2))
    release = anyio.Event()

    async def hold() -> None:
        async with decoder.queue.turn(1, 1):
            await release.wait()

    async with anyio.create_task_group() as group:
        group.start_soon(hold)  # decoding
        group.start_soon(hold)  # waiting
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(Unavailable, match="busy"):
            await decoder.verify(data, info)
        release.set()
    await decoder.verify(data, info)  # once the queue drains, it is served


def test_freed_memory_can_be_given_back_here() -> None:
    assert release_freed_memory() is True  # glibc: malloc_trim exists


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_uploads_are_refused_as_bad_input_never_a_crash(case: tuple[bytes, str]
                                                                ) -> None:
    # The whole path of an upload: header, stripping, decoding; any failure is InvalidInput.
    data, _ = case
    try:
        info = inspect_image(data)
        anyio.run(PillowDecoder().verify, strip_private_data(data, info.mime), info)
    except InvalidInput as refused:
        assert refused.field == "file"  # noqa: PT017 - hypothesis needs no pytest.raises
