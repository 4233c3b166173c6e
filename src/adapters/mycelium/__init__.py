"""The mycelium overlay: the daemon's API client, the server's overlay, daemon supervision."""

from .address import OVERLAY_NETWORK, derive_node_address, is_overlay_address
from .api import DEFAULT_API, MyceliumApi
from .errors import (
    DaemonAnswerInvalid,
    DaemonRefused,
    DaemonStartFailed,
    DaemonUnreachable,
    InvalidEndpoint,
    MyceliumError,
    MyceliumNotInstalled,
    NodeAddressChanged,
    NodeAddressInvalid,
)
from .node import NodeInfo
from .overlay import MyceliumOverlay
from .supervisor import DaemonOptions, MyceliumNode, supervised_node

__all__ = [
    "DEFAULT_API",
    "OVERLAY_NETWORK",
    "DaemonAnswerInvalid",
    "DaemonOptions",
    "DaemonRefused",
    "DaemonStartFailed",
    "DaemonUnreachable",
    "InvalidEndpoint",
    "MyceliumApi",
    "MyceliumError",
    "MyceliumNode",
    "MyceliumNotInstalled",
    "MyceliumOverlay",
    "NodeAddressChanged",
    "NodeAddressInvalid",
    "NodeInfo",
    "derive_node_address",
    "is_overlay_address",
    "supervised_node",
]
