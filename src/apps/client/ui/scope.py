"""``ui --project LABEL``: the local service narrowed to one followed project.

The service's registry speaks for every followed project; a tab embedded in one
project's UI must show that project only. :class:`ProjectScope` sits between the
transport and the registry and rewrites JSON-RPC messages: calls naming another
project are refused, aggregated calls are pointed at the one project, and answers
that list projects keep only it. Without a scope messages pass untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from ....adapters.jsonrpc import (
    FORBIDDEN,
    INVALID_PARAMS,
    NOT_FOUND,
    JsonRpcError,
    encode_error,
)
from ....adapters.jsonrpc.protocol import DECODER_FAILURES

Handle = Callable[[bytes], Awaitable[bytes | None]]
"""Answers one JSON-RPC message (the registry with its context bound)."""

_REFUSED_METHODS = frozenset({"client.follow", "client.unfollow"})
_AGGREGATED = frozenset({"ticket.list"})
_NARROWED = frozenset({"client.projects", "client.inbox", "client.queues"})
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


class ProjectScope:
    """Confines JSON-RPC messages to the followed project ``label``."""

    def __init__(self, label: str) -> None:
        self.label = label

    def allows(self, project: str) -> bool:
        """Whether ``project`` may be used through this tab."""
        return project == self.label

    async def handle(self, message: bytes, answer: Handle) -> bytes | None:
        """Rewrite ``message``, have ``answer`` answer it, narrow the answer."""
        try:
            decoded = _decode(message)
        except DECODER_FAILURES:  # not JSON this decoder reads: nested too deep, 1e400…
            return await answer(message)  # the registry says what is wrong with it
        batch = isinstance(decoded, list)
        entries = decoded if batch else [decoded]
        refusals: list[bytes] = []
        passed: list[Any] = []
        narrow: dict[Any, str] = {}
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("method"), str):
                passed.append(entry)
                continue
            error = self._rewrite(entry)
            if error is not None:
                if "id" in entry:
                    refusals.append(encode_error(entry["id"], error))
                continue
            if entry["method"] in _NARROWED and isinstance(
                    entry.get("id"), str | int):  # other ids are refused by the registry
                narrow[entry["id"]] = entry["method"]
            passed.append(entry)
        responses: list[Any] = [_decode(r) for r in refusals]
        if passed:
            raw = await answer(_encode(passed if batch else passed[0]))
            if raw is not None:
                answered = _decode(raw)
                for response in answered if isinstance(answered, list) else [answered]:
                    responses.append(self._narrow(response, narrow))
        if not responses:
            return None
        return _encode(responses if batch else responses[0])

    def _rewrite(self, entry: dict[str, Any]) -> JsonRpcError | None:
        method = entry["method"]
        params = entry.get("params")
        if method in _REFUSED_METHODS:
            return JsonRpcError(FORBIDDEN, f"this Support tab serves only the project "
                                f"{self.label!r}; follow projects with the client's CLI")
        if isinstance(params, list):
            # Positional params would name the project where this scope does not look.
            return JsonRpcError(INVALID_PARAMS, "params: this Support tab takes params by "
                                "name", {"field": "params", "problem": "give params by name"})
        if params is None and "params" not in entry and (
                method in _AGGREGATED or method == "events.subscribe"):
            entry["params"] = params = {}
        if not isinstance(params, dict):
            return None  # absent, or not params at all: the registry answers for itself
        project = params.get("project")
        if isinstance(project, str) and not self.allows(project):
            return JsonRpcError(NOT_FOUND, f"this Support tab serves only the project "
                                f"{self.label!r}", {"field": "project"})
        if method in _AGGREGATED and project is None:
            params["project"] = self.label
            cursors = params.pop("cursors", None)
            if isinstance(cursors, dict) and isinstance(cursors.get(self.label), str):
                params["cursor"] = cursors[self.label]
        if method == "events.subscribe":
            wanted = params.get("projects")
            params["projects"] = ([self.label] if not isinstance(wanted, list)
                                  else [p for p in wanted if p == self.label])
        return None

    def _narrow(self, response: Any, narrow: dict[Any, str]) -> Any:
        if not isinstance(response, dict) or not isinstance(response.get("id"), str | int) \
                or response["id"] not in narrow:
            return response
        result = response.get("result")
        if narrow[response["id"]] == "client.projects" and isinstance(result, list):
            response["result"] = [s for s in result
                                  if isinstance(s, dict) and s.get("label") == self.label]
        elif isinstance(result, dict):  # client.inbox, client.queues
            items = [i for i in result.get("items", [])
                     if isinstance(i, dict) and i.get("project") == self.label]
            result["items"] = items
            if narrow[response["id"]] == "client.queues":
                result["unread"] = sum(int(i.get("counts", {}).get("unread", 0)) for i in items)
            else:
                result["unread"] = sum(int(i.get("unread", 0)) for i in items)
            problems = result.get("problems")
            if isinstance(problems, dict):
                result["problems"] = {k: v for k, v in problems.items() if k == self.label}
        return response
