"""The real clock and the real source of secrets."""

from .clock import SystemClock
from .secrets import SystemSecrets

__all__ = ["SystemClock", "SystemSecrets"]
