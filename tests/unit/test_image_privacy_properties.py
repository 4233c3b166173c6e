"""Properties of stripping, over images hypothesis makes with Pillow and then damages.

For any image of an allowed type -- any mode Pillow writes, one frame or several, with
or without EXIF, text, comments, XMP, a colour profile and trailing bytes -- stripping
is idempotent, keeps every pixel of every frame and the header's facts, leaves no
metadata but the orientation, and removes whatever follows the image. For any bytes
at all, it either returns a file it would return unchanged or refuses with
``InvalidInput``: never another exception.
"""

from __future__ import annotations

import io
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageSequence, PngImagePlugin

from hero_assistance.domain.attachments import inspect_image
from hero_assistance.domain.errors import InvalidInput
from hero_assistance.domain.image_privacy import strip_private_data

from .photos import ORIENTATION, SRGB_PROFILE, XMP, exif_of

MODES = {
    "PNG": ["RGB", "RGBA", "L", "LA", "P", "I;16", "1"],
    "JPEG": ["RGB", "L", "CMYK"],
    "GIF": ["P", "L"],
    "WEBP": ["RGB", "RGBA"],
}
ANIMATED = {"PNG", "GIF", "WEBP"}
MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
EXAMPLES = int(os.environ.get("HERO_IMAGE_EXAMPLES", "150"))  # more: a longer hunt
PROPERTY = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def uploads(draw: st.DrawFn) -> tuple[bytes, str, int | None]:
    """An image file as some program wrote it: (bytes, mime, EXIF orientation or None)."""
    kind = draw(st.sampled_from(sorted(MODES)))
    mode = draw(st.sampled_from(MODES[kind]))
    size = (draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    count = draw(st.integers(1, 3)) if kind in ANIMATED else 1
    rng = draw(st.randoms(use_true_random=False))
    frames = [Image.frombytes(mode, size, rng.randbytes(len(Image.new(mode, size).tobytes())))
              for _ in range(count)]
    turned = draw(st.one_of(st.none(), st.integers(1, 8)))
    options: dict[str, Any] = {}
    if turned is not None:
        exif = Image.Exif()
        exif[ORIENTATION] = turned
        exif.get_ifd(0x8825)[2] = (1.0, 2.0, 3.0)  # and a GPS position
        options["exif"] = exif.tobytes() if kind == "WEBP" else exif
    if kind != "GIF" and mode in ("RGB", "RGBA") and draw(st.booleans()):
        options["icc_profile"] = SRGB_PROFILE
    if kind in ("JPEG", "WEBP") and draw(st.booleans()):
        options["xmp"] = XMP
    if kind in ("JPEG", "GIF") and draw(st.booleans()):
        options["comment"] = draw(st.binary(min_size=1, max_size=40))
    if kind == "PNG":
        info = PngImagePlugin.PngInfo()
        for key in draw(st.lists(st.sampled_from(["Author", "Comment", "Software"]),
                                 max_size=3, unique=True)):
            info.add_itxt(key, draw(st.text(max_size=20)), zip=draw(st.booleans()))
        options["pnginfo"] = info
    if kind == "JPEG":
        options["progressive"] = draw(st.booleans())
        options["quality"] = draw(st.integers(30, 95))
    if kind == "WEBP":
        options["lossless"] = draw(st.booleans())
    if count > 1:
        options.update(save_all=True, append_images=frames[1:], duration=40)
    buffer = io.BytesIO()
    frames[0].save(buffer, kind, **options)
    trailing = draw(st.binary(max_size=64))
    return buffer.getvalue() + trailing, MIME[kind], turned


def frames(data: bytes) -> list[tuple[str, tuple[int, int], bytes]]:
    """Each frame as Pillow decodes it, in its own mode."""
    with Image.open(io.BytesIO(data)) as image:
        return [(frame.mode, frame.size, frame.tobytes())
                for frame in ImageSequence.Iterator(image)]


@PROPERTY
@given(uploads())
def test_stripping_is_idempotent_and_keeps_every_pixel(upload: tuple[bytes, str, int | None]
                                                       ) -> None:
    data, mime, _ = upload
    stored = strip_private_data(data, mime)
    assert strip_private_data(stored, mime) == stored
    assert frames(stored) == frames(data)
    assert inspect_image(stored) == inspect_image(data)


@PROPERTY
@given(uploads(), st.binary(min_size=1, max_size=64))
def test_nothing_but_the_orientation_is_left_and_nothing_after_the_end(
    upload: tuple[bytes, str, int | None], appended: bytes
) -> None:
    data, mime, turned = upload
    stored = strip_private_data(data, mime)
    assert strip_private_data(stored + appended, mime) == stored
    kept = turned is not None and turned > 1 and mime != "image/gif"  # GIF has no EXIF
    assert exif_of(stored) == ({ORIENTATION: turned} if kept else {})
    with Image.open(io.BytesIO(stored)) as image:
        assert not {"comment", "xmp", "XML:com.adobe.xmp", "Author", "Comment",
                    "Software"} & set(image.info)


@st.composite
def damaged(draw: st.DrawFn) -> tuple[bytes, str]:
    """An upload cut, overwritten, grown or shrunk at random places."""
    data, mime, _ = draw(uploads())
    damage = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(damage)))
        action = draw(st.sampled_from(["cut", "flip", "insert", "delete"]))
        if action == "cut":
            del damage[at:]
        elif action == "flip" and at < len(damage):
            damage[at] ^= draw(st.integers(1, 255))
        elif action == "insert":
            damage[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del damage[at:at + draw(st.integers(1, 8))]
    return bytes(damage), mime


@PROPERTY
@given(damaged())
def test_damaged_files_are_stripped_or_refused_never_crash(case: tuple[bytes, str]) -> None:
    data, mime = case
    try:
        stored = strip_private_data(data, mime)
    except InvalidInput as exc:
        refused: InvalidInput | None = exc
    else:
        refused = None
        assert strip_private_data(stored, mime) == stored
    assert refused is None or refused.field == "file"


@PROPERTY
@given(st.sampled_from(sorted(MIME.values())), st.binary(max_size=200))
def test_arbitrary_bytes_are_refused_cleanly(mime: str, data: bytes) -> None:
    try:
        stored = strip_private_data(data, mime)
    except InvalidInput:
        return
    assert strip_private_data(stored, mime) == stored
