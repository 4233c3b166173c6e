"""Errors of the mycelium adapter; one root, so callers can translate them in one place."""

from __future__ import annotations


class MyceliumError(Exception):
    """Something about the mycelium daemon or its API stops the overlay from working."""


class InvalidEndpoint(MyceliumError):
    """The configured API address is neither an http(s) URL nor a Unix socket path."""


class DaemonUnreachable(MyceliumError):
    """No daemon answered at the API address (refused, timed out, socket missing)."""


class DaemonAnswerInvalid(MyceliumError):
    """Something answered, but not as the mycelium API does (garbage, wrong shape)."""


class DaemonRefused(MyceliumError):
    """The daemon answered a call with a JSON-RPC error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"the mycelium daemon answered error {code}: {message}")
        self.code = code
        self.message = message


class NodeAddressInvalid(MyceliumError):
    """The daemon reports an address outside 400::/7 or outside its own subnet."""


class NodeAddressChanged(MyceliumError):
    """The daemon now has another address (restarted with another key)."""

    def __init__(self, bound: str, current: str) -> None:
        super().__init__(
            f"the mycelium node address changed from {bound} to {current} (the daemon "
            f"restarted with another key); the server stops serving on the dead address "
            "- restart it to serve on the new one"
        )
        self.bound = bound
        self.current = current


class MyceliumNotInstalled(MyceliumError):
    """No daemon answers and no ``mycelium`` program is on PATH to start one."""


class DaemonStartFailed(MyceliumError):
    """A ``mycelium`` child process was started but never answered, or exited."""
