"""What a mycelium daemon says about itself, checked before anything binds to it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import msgspec

from .address import OVERLAY_NETWORK, PUBLIC_KEY_BYTES, derive_node_address
from .errors import DaemonAnswerInvalid, NodeAddressInvalid


class InfoWire(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The ``Info`` object of ``getInfo`` / ``GET /api/v1/admin``.

    Unknown fields are accepted on purpose: this is a foreign API whose newer daemons
    add fields (``nodeStartTime`` arrived in 0.7.8), and refusing them would break the
    server on a daemon upgrade.
    """

    node_subnet: str
    node_pubkey: str
    node_ip: str | None = None
    node_start_time: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeInfo:
    """A daemon's identity on the overlay, validated.

    ``derived`` says the daemon did not report ``nodeIp`` (0.5-0.7.7) and the address
    was derived from the public key.
    """

    address: ipaddress.IPv6Address
    subnet: ipaddress.IPv6Network
    public_key: str
    start_time: int | None = None
    derived: bool = False


def public_key_bytes(text: str) -> bytes:
    """A public key from its 64 hex characters; ``DaemonAnswerInvalid`` otherwise."""
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise DaemonAnswerInvalid(f"the public key {text[:80]!r} is not hex") from None
    if len(key) != PUBLIC_KEY_BYTES:
        raise DaemonAnswerInvalid(f"the public key {text[:80]!r} is not {PUBLIC_KEY_BYTES} "
                                  "bytes of hex")
    return key


def node_info(wire: InfoWire) -> NodeInfo:
    """Check what the daemon reported and derive the address when it is missing."""
    key = public_key_bytes(wire.node_pubkey)
    try:
        subnet = ipaddress.IPv6Network(wire.node_subnet, strict=True)
    except ValueError:
        raise DaemonAnswerInvalid(
            f"nodeSubnet {wire.node_subnet[:80]!r} is not an IPv6 network") from None
    if wire.node_ip is None:
        address, derived = derive_node_address(key), True
    else:
        try:
            address, derived = ipaddress.IPv6Address(wire.node_ip), False
        except ValueError:
            raise DaemonAnswerInvalid(
                f"nodeIp {wire.node_ip[:80]!r} is not an IPv6 address") from None
    if address not in OVERLAY_NETWORK:
        raise NodeAddressInvalid(f"the daemon's address {address} is outside the mycelium "
                                 f"range {OVERLAY_NETWORK}; refusing to serve on it")
    if not subnet.subnet_of(OVERLAY_NETWORK):
        raise NodeAddressInvalid(f"the daemon's subnet {subnet} is outside the mycelium "
                                 f"range {OVERLAY_NETWORK}")
    if address not in subnet:
        raise NodeAddressInvalid(f"the daemon's address {address} is not inside its own "
                                 f"subnet {subnet}")
    return NodeInfo(address=address, subnet=subnet, public_key=key.hex(),
                    start_time=wire.node_start_time, derived=derived)
