"""Commands about the followed projects: follow, projects, enroll, devices (and revoke),
inbox, watch."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from typing import Any

from rich.text import Text

from ....adapters.terminal import printable
from ..service import EVENT_NOTIFICATION, STATE_NOTIFICATION
from ._output import PHASE_STYLES, STATUS_STYLES, styled, when
from ._run import EXIT_OK, EXIT_UNREACHABLE, Run, UsageError


def describe(state: dict[str, Any]) -> str:
    """A project's state in words."""
    user = state.get("user")
    if state["phase"] == "unreachable":
        return f"unreachable ({state.get('last_error') or 'no answer'})"
    if state["phase"] != "online":
        return str(state["phase"])
    if user is None:
        return "online, this device is not signed in"
    return f"online, signed in as {user['email']} ({user['role']})"


async def follow(run: Run) -> int:
    """Follow a server and say how it answered."""
    params = {"address": run.args.address}
    if run.args.label:
        params["label"] = run.args.label
    followed = await run.call("client.follow", params)
    state = next((s for s in await run.states(settle=True)
                  if s["label"] == followed["label"]), followed)
    if run.out.as_json:
        run.out.data(state)
        return EXIT_OK
    name = f" ({state['project_name']})" if state.get("project_name") else ""
    run.out.line(f"following {state['label']}{name} at {state['server']}: {describe(state)}")
    if state["phase"] == "online" and not state["bound"]:
        run.out.note(f"sign in: hero-assistance-client enroll EMAIL --project {state['label']}")
    return EXIT_OK


async def unfollow(run: Run) -> int:
    """Stop following a project."""
    await run.call("client.unfollow", {"label": run.args.label})
    if run.out.as_json:
        run.out.data({"unfollowed": run.args.label})
    else:
        run.out.line(f"no longer following {run.args.label}")
    return EXIT_OK


async def projects(run: Run) -> int:
    """The state of every followed project."""
    states = await run.states(settle=True)
    if run.out.as_json:
        run.out.data(states)
        return EXIT_OK
    rows = []
    for state in states:
        user = state.get("user")
        rows.append([
            state["label"], state.get("project_name") or "", state["server"],
            styled(state["phase"], PHASE_STYLES),
            f"{user['email']} ({user['role']})" if user else "not signed in",
            "live" if state["streaming"] else "",
            state.get("last_error") or "",
        ])
    run.out.table(["LABEL", "PROJECT", "SERVER", "STATE", "SIGNED IN AS", "EVENTS", "PROBLEM"],
                  rows)
    return EXIT_OK


async def enroll(run: Run) -> int:
    """Ask for a sign-in code (unless one is given), then confirm it."""
    label = await run.project()
    request = None
    code: str | None = run.args.code
    if code is None:
        device_label = run.args.device_label or default_device_label()
        request = await run.call("client.enroll", {"project": label, "email": run.args.email,
                                                   "device_label": device_label})
        run.out.note(f"{request['message']} (valid {request['expires_in_seconds'] // 60} min)")
        code = await _read_code()
        if not code:
            if run.out.as_json:
                run.out.data({"project": label, "request": request, "state": None})
            run.out.note(f"when the email arrives: hero-assistance-client enroll "
                         f"{run.args.email} --project {label} --code CODE")
            return EXIT_OK
    state = await run.call("client.confirm", {"project": label, "code": code})
    if run.out.as_json:
        run.out.data({"project": label, "request": request, "state": state})
    else:
        run.out.line(f"{label}: {describe(state)}")
    return EXIT_OK


async def _read_code() -> str:
    if sys.stdin is None or sys.stdin.closed:
        return ""
    if sys.stdin.isatty():
        sys.stderr.write("code from the email: ")
        sys.stderr.flush()
    line: str = await asyncio.to_thread(sys.stdin.readline)
    return line.strip()


def default_device_label() -> str:
    """How this device is listed on the server unless told: its host name."""
    return f"{socket.gethostname()} (command line)"[:60]


async def devices(run: Run) -> int:
    """This person's devices on each project this device is signed in to (or, with
    ``revoke``, unbind one of them)."""
    if getattr(run.args, "devices_action", None) == "revoke":
        return await revoke_device(run)
    states = await run.states(settle=not run.args.project)
    if run.args.project:
        chosen = [s for s in states if s["label"] == run.args.project] or [
            {"label": run.args.project, "device_addr": None}]
    else:
        chosen = [s for s in states if s["bound"]]
        for state in states:
            if not state["bound"]:
                run.out.note(f"{state['label']}: {describe(state)}")
    found = []
    for state in chosen:
        for device in await run.call("device.list", {"project": state["label"]}):
            found.append({"project": state["label"], "device": device,
                          "this_device": device["address"] == state.get("device_addr")})
    if run.out.as_json:
        run.out.data(found)
        return EXIT_OK
    run.out.table(["PROJECT", "ADDRESS", "LABEL", "BOUND", "LAST SEEN", ""], [
        [item["project"], item["device"]["address"], item["device"]["label"],
         when(item["device"]["bound_at"]), when(item["device"]["last_seen"]),
         "this device" if item["this_device"] else ""]
        for item in found])
    return EXIT_OK


async def revoke_device(run: Run) -> int:
    """Unbind one of this person's devices; the server refuses it from then on."""
    label = await run.project()
    device = await run.call("device.revoke", {"project": label, "address": run.args.address})
    if run.out.as_json:
        run.out.data({"project": label, "revoked": device})
    else:
        run.out.line(f"{label}: revoked {device['address']} ({device['label']}); it must "
                     "sign in again to be served")
    return EXIT_OK


async def inbox(run: Run) -> int:
    """Open tickets across projects with their unread replies."""
    await run.states(settle=True)
    box = await run.call("client.inbox")
    if run.out.as_json:
        run.out.data(box)
        return EXIT_OK
    for label, problem in box["problems"].items():
        run.out.note(f"{label}: {problem}")
    run.out.table(["PROJECT", "ID", "UNREAD", "STATUS", "SUBJECT", "UPDATED", "ALSO HERE"], [
        [item["project"], str(item["ticket"]["id"]),
         Text(str(item["unread"]), style="bold" if item["unread"] else "dim"),
         styled(item["ticket"]["status"], STATUS_STYLES), item["ticket"]["subject"],
         when(item["ticket"]["updated_at"]),
         ", ".join(w["display_name"] for w in item["watchers"])]
        for item in box["items"]])
    return EXIT_OK


async def watch(run: Run) -> int:
    """Print events as they arrive until SIGINT or SIGTERM (exit 0), or until the service
    it watches through stops (exit 5)."""
    labels: list[str] | None = run.args.project
    states = await run.states(settle=True)
    known = {s["label"] for s in states}
    for label in labels or ():
        if label not in known:
            raise UsageError(f"no followed project is labelled {label!r}")
    params: dict[str, Any] = {"states": True}
    if labels:
        params["projects"] = labels
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):  # before the banner: Ctrl-C from then on
        loop.add_signal_handler(signum, stop.set)
    try:
        await run.call("events.subscribe", params)
        watched = [s for s in states if not labels or s["label"] in labels]
        run.out.note(f"watching {len(watched)} project(s); Ctrl-C to stop")
        for state in watched:
            run.out.note(f"{state['label']}: {describe(state)}")
        ended = await _print_until(run, stop)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
    if ended:
        run.out.error("the client service stopped")
        return EXIT_UNREACHABLE
    return EXIT_OK


async def _print_until(run: Run, stop: asyncio.Event) -> bool:
    """Print notifications until ``stop``; ``True`` if the service went away instead."""
    stopped = asyncio.create_task(stop.wait())
    try:
        while True:
            arrival = asyncio.create_task(run.backend.next_notification())
            await asyncio.wait({arrival, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not arrival.done():
                arrival.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await arrival
                return False
            notification = arrival.result()
            if notification is None:
                return True
            _print_notification(run, *notification)
    finally:
        stopped.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stopped


def _print_notification(run: Run, method: str, params: Any) -> None:
    if method not in (EVENT_NOTIFICATION, STATE_NOTIFICATION):
        return
    if run.out.as_json:
        run.out.json_line({"method": method, "params": params})
        return
    if method == STATE_NOTIFICATION:
        state = params["state"]
        run.out.line(Text(f"{state['label']}: {describe(state)}",
                          style=PHASE_STYLES.get(state["phase"], "")))
    else:
        run.out.line(event_line(params["project"], params["event"]))
    sys.stdout.flush()


def event_line(project: str, event: dict[str, Any]) -> Text:
    """One event, in a line: time, project, kind, ticket, what changed."""
    data = event.get("data") or {}
    ticket = f"#{event['ticket_id']}" if event.get("ticket_id") is not None else ""
    detail = ""
    if isinstance(data.get("ticket"), dict):
        detail = f"{data['ticket'].get('subject', '')} [{data['ticket'].get('status', '')}]"
    if isinstance(data.get("message"), dict):
        body = " ".join(str(data["message"].get("body", "")).split())
        detail = body if len(body) <= 80 else body[:77] + "..."
    line = Text(f"{when(event['occurred_at'])} ", style="dim")
    line += Text(f"{project} ", style="bold")
    line += Text(f"{event['kind']} {ticket} ", style="cyan")
    line += Text(printable(detail))  # before Text, which would drop some codes unseen
    return line
