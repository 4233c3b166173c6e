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

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageSequence

from hero_assistance.domain.attachments import inspect_image
from hero_assistance.domain.errors import InvalidInput
from hero_assistance.domain.image_privacy import strip_private_data

from .image_strategies import MIME, damaged, uploads
from .photos import ORIENTATION, exif_of

EXAMPLES = int(os.environ.get("HERO_IMAGE_EXAMPLES", "150"))  # more: a longer hunt
PROPERTY = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


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
