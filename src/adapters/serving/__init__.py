"""Listening sockets and an embeddable uvicorn server, shared by every app that serves."""

from .sockets import listening_tcp, listening_unix
from .uvicorn_server import ManagedServer

__all__ = ["ManagedServer", "listening_tcp", "listening_unix"]
