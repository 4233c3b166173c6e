"""A label for a project followed without one: from its name, else from its address."""

from __future__ import annotations

import re
from collections.abc import Collection

from ....adapters.support_rpc.wire import ProjectInfo
from ..client import SupportClient
from ..errors import InvalidServerAddressError, SupportClientError
from ..followed import LABEL_PATTERN
from ..rpc import RpcClient
from ..server_address import ServerAddress
from ..settings import ConnectionSettings

_NOT_LABEL = re.compile(r"[^a-z0-9._-]+")
_MAX = 40
_ASK_WITHIN = 5.0


async def label_for(client: SupportClient, address: ServerAddress) -> str:
    """A free label: the project's name as a slug, or ``host-port`` if it does not answer."""
    if not client.overlay.reaches(address.host):
        raise InvalidServerAddressError(
            f"{address.host} is not an address of the {client.overlay.name} overlay")
    settings = ConnectionSettings(connect_timeout=_ASK_WITHIN, call_timeout=_ASK_WITHIN)
    try:
        async with RpcClient(address, await client.overlay.endpoint(), settings) as rpc:
            name = (await rpc.call("project.info", None, ProjectInfo)).name
    except SupportClientError:
        name = f"{address.host}-{address.port}"
    return free_label(slug(name) or slug(f"{address.host}-{address.port}"),
                      {state.label for state in client.projects()})


def slug(text: str) -> str:
    """``text`` as a label: lower case, runs of other characters as ``-``."""
    return _NOT_LABEL.sub("-", text.lower()).strip("-._")[:_MAX].strip("-._")


def free_label(base: str, taken: Collection[str]) -> str:
    """``base``, or ``base-2``, ``base-3`` … whichever is not taken yet."""
    candidate, number = base, 1
    while candidate in taken or not LABEL_PATTERN.fullmatch(candidate):
        number += 1
        suffix = f"-{number}"
        candidate = (base[:_MAX - len(suffix)] or "project") + suffix
    return candidate
