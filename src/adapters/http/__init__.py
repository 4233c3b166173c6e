"""The server's HTTP face (Litestar): JSON-RPC over POST and WebSocket, attachments,
and the identity boundary that turns a connection's peer address into a caller."""

from .app import HttpLimits, build_app
from .boundary import IdentityBoundary, OperatorBoundary, OverlayBoundary, PeerRefused
from .metrics import build_metrics_app, metrics_routes

__all__ = [
    "HttpLimits",
    "IdentityBoundary",
    "OperatorBoundary",
    "OverlayBoundary",
    "PeerRefused",
    "build_app",
    "build_metrics_app",
    "metrics_routes",
]
