"""Full image decoding with Pillow, behind the ``ImageDecoder`` port."""

from .pillow import PillowDecoder

__all__ = ["PillowDecoder"]
