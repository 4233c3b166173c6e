"""Overlay addresses: the 400::/7 range and the address a public key owns."""

from __future__ import annotations

import ipaddress

from blake3 import blake3

OVERLAY_NETWORK = ipaddress.IPv6Network("400::/7")
PUBLIC_KEY_BYTES = 32


def is_overlay_address(address: str) -> bool:
    """Whether ``address`` is an IPv6 address inside 400::/7."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return isinstance(ip, ipaddress.IPv6Address) and ip in OVERLAY_NETWORK


def derive_node_address(public_key: bytes) -> ipaddress.IPv6Address:
    """The node address mycelium (0.5 on) derives from a 32-byte public key.

    The first 16 bytes of the BLAKE3 XOF of the key, with the first byte replaced by
    ``0x04 | (popcount(first byte) % 2)``, which puts every address in 400::/7.
    """
    if len(public_key) != PUBLIC_KEY_BYTES:
        raise ValueError(f"a mycelium public key has {PUBLIC_KEY_BYTES} bytes, "
                         f"not {len(public_key)}")
    raw = bytearray(blake3(public_key).digest(length=16))
    raw[0] = 0x04 | (raw[0].bit_count() % 2)
    return ipaddress.IPv6Address(bytes(raw))
