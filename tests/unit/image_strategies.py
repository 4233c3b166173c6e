"""Hypothesis strategies for image files: as programs write them, and damaged.

Shared by the stripping properties (``test_image_privacy_properties``) and the decoder's
fuzz test (``tests/integration/test_image_decoder``).
"""

from __future__ import annotations

import io
from typing import Any

from hypothesis import strategies as st
from PIL import Image, PngImagePlugin

from .photos import ORIENTATION, SRGB_PROFILE, XMP

MODES = {
    "PNG": ["RGB", "RGBA", "L", "LA", "P", "I;16", "1"],
    "JPEG": ["RGB", "L", "CMYK"],
    "GIF": ["P", "L"],
    "WEBP": ["RGB", "RGBA"],
}
ANIMATED = {"PNG", "GIF", "WEBP"}
MIME = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


@st.composite
def uploads(draw: st.DrawFn) -> tuple[bytes, str, int | None]:
    """An image file as some program wrote it: (bytes, mime, EXIF orientation or None)."""
    kind = draw(st.sampled_from(sorted(MODES)))
    mode = draw(st.sampled_from(MODES[kind]))
    size = (draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    # Pillow cannot read back every animated greyscale GIF it writes ("no packer found
    # from P to L"): those stay single frames, so the oracle itself holds.
    animated = kind in ANIMATED and not (kind == "GIF" and mode == "L")
    count = draw(st.integers(1, 3)) if animated else 1
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


EXTREMES = [0, 1, 2, 7, 8, 9, 10, 12, 255, 256, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF]


@st.composite
def damaged(draw: st.DrawFn) -> tuple[bytes, str]:
    """An upload cut, overwritten, grown or shrunk at random places -- or with a length
    or size field (1, 2 or 4 bytes, either byte order) set to an extreme value."""
    data, mime, _ = draw(uploads())
    damage = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(damage)))
        action = draw(st.sampled_from(["cut", "flip", "insert", "delete", "field"]))
        if action == "cut":
            del damage[at:]
        elif action == "flip" and at < len(damage):
            damage[at] ^= draw(st.integers(1, 255))
        elif action == "insert":
            damage[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del damage[at:at + draw(st.integers(1, 8))]
        else:
            width = draw(st.sampled_from([1, 2, 4]))
            value = draw(st.sampled_from(EXTREMES)) % 256 ** width
            order = draw(st.sampled_from(["big", "little"]))
            damage[at:at + width] = value.to_bytes(width, order)
    return bytes(damage), mime
