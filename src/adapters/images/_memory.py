"""Give freed heap memory back to the operating system (glibc), after a large decode.

Pillow allocates a decoded image in 16 MiB blocks. glibc serves the first ones with
``mmap`` and returns them on free, but then raises its mmap threshold, so later blocks
come from the heap arenas of the decoding threads and stay resident after they are
freed: eight decodes of a 6,324 x 6,324 PNG left the server at 1 GB for good.
``malloc_trim(0)`` releases the free pages of every arena. Elsewhere (musl, macOS) it
does not exist and nothing is done.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


def release_freed_memory() -> bool:
    """Return free heap pages to the system; whether this C library can."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
