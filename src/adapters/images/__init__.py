"""Full image decoding with Pillow, behind the ``ImageDecoder`` port."""

from .pillow import PillowDecoder, decode_cost
from .queue import DecodeQueue

__all__ = ["DecodeQueue", "PillowDecoder", "decode_cost"]
