"""What every command works with, and the exit codes it ends with."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from ....adapters.jsonrpc import (
    DEVICE_NOT_BOUND,
    FORBIDDEN,
    INVALID_PARAMS,
    LINK_REJECTED,
)
from ..service import PROJECT_UNREACHABLE
from ._backend import Backend
from ._output import Output

EXIT_OK = 0
EXIT_REFUSED = 1
"""Not found, conflict, illegal move, or any other refusal."""
EXIT_USAGE = 2
"""A wrong command line (argparse's own code too) or an invalid value."""
EXIT_AUTH = 4
"""This device is not signed in, may not do this, or the sign-in code was refused."""
EXIT_UNREACHABLE = 5
"""The project's server (or this device's overlay) cannot be reached."""

SETTLE_SECONDS = 6.0
"""How long a command waits for projects still connecting (a connect timeout and a bit)."""

_AUTH_CODES = frozenset({DEVICE_NOT_BOUND.code, FORBIDDEN.code, LINK_REJECTED.code})


def exit_code_for(rpc_code: int) -> int:
    """The exit code for a JSON-RPC error code of the service."""
    if rpc_code in _AUTH_CODES:
        return EXIT_AUTH
    if rpc_code == PROJECT_UNREACHABLE.code:
        return EXIT_UNREACHABLE
    if rpc_code == INVALID_PARAMS.code:
        return EXIT_USAGE
    return EXIT_REFUSED


class UsageError(Exception):
    """The command line cannot be carried out as given (exit code 2)."""


@dataclass
class Run:
    """One command: its arguments, where calls go, where output goes."""

    backend: Backend
    args: argparse.Namespace
    out: Output

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """A service method's result (``ServiceCallError`` if refused)."""
        return await self.backend.call(method, params)

    async def states(self, *, settle: bool = False) -> list[dict[str, Any]]:
        """Every followed project's state (after their first attempt, if ``settle``)."""
        params = {"wait": SETTLE_SECONDS} if settle else None
        states: list[dict[str, Any]] = await self.call("client.projects", params)
        return states

    async def project(self) -> str:
        """``--project``, or the only followed project."""
        label: str | None = getattr(self.args, "project", None)
        if label:
            return label
        labels = [state["label"] for state in await self.states()]
        if len(labels) == 1:
            return str(labels[0])
        if not labels:
            raise UsageError("no project is followed yet: hero-assistance-client follow ADDRESS")
        raise UsageError(f"several projects are followed; say which with --project "
                         f"({', '.join(labels)})")

    async def state_of(self, label: str) -> dict[str, Any]:
        """One project's state."""
        for state in await self.states():
            if state["label"] == label:
                return state
        raise UsageError(f"no followed project is labelled {label!r}")
