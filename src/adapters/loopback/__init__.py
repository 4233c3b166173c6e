"""The loopback overlay: each local device is its own 127.0.0.0/8 address (demos only)."""

from .overlay import LOOPBACK_NETWORK, LoopbackOverlay

__all__ = ["LOOPBACK_NETWORK", "LoopbackOverlay"]
