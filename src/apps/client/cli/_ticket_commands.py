"""Commands on tickets: list, show, new, reply, and status or assignee changes."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import sys
from pathlib import Path
from typing import Any

from rich.text import Text

from ....adapters.terminal import printable
from ..service import PROGRESS_NOTIFICATION
from ..service.remote import ServiceCallError
from ._output import PRIORITY_STYLES, STATUS_STYLES, styled, when
from ._parser import PRIORITIES, STATUSES
from ._run import EXIT_OK, Run, UsageError, exit_code_for

_uploads = itertools.count(1)


def _listed(values: list[str], allowed: list[str], option: str) -> list[str]:
    found = [v.strip() for value in values for v in value.split(",") if v.strip()]
    for value in found:
        if value not in allowed:
            raise UsageError(f"{option}: {value!r} is not one of {', '.join(allowed)}")
    return found


async def tickets(run: Run) -> int:
    """Tickets of every project (or one), filtered."""
    params = _list_params(run)
    if run.args.project:
        params["project"] = run.args.project
    else:
        await run.states(settle=True)
    page = await run.call("ticket.list", params)
    problems: dict[str, Any] = page["problems"]
    if run.out.as_json:
        run.out.data(page)
    else:
        for label, problem in problems.items():
            run.out.note(f"{label}: {problem['message']}")
        run.out.table(["", "PROJECT", "ID", "STATUS", "PRIORITY", "SUBJECT", "UPDATED",
                       "ASSIGNEE"], [
            [Text("●", style="bold cyan") if item.get("unread") else "",
             item["project"], str(item["ticket"]["id"]),
             styled(item["ticket"]["status"], STATUS_STYLES),
             styled(item["ticket"]["priority"], PRIORITY_STYLES), item["ticket"]["subject"],
             when(item["ticket"]["updated_at"]),
             "" if item["ticket"]["assignee_id"] is None else str(item["ticket"]["assignee_id"])]
            for item in page["items"]])
    if problems and not page["items"] and not page["next_cursors"]:
        # Nothing could be listed at all: say why with the first project's refusal.
        return exit_code_for(next(iter(problems.values()))["code"])
    return EXIT_OK


def _list_params(run: Run) -> dict[str, Any]:
    """``ticket.list`` params from the ``tickets`` options."""
    args = run.args
    params: dict[str, Any] = {
        "status": _listed(args.status, STATUSES, "--status"),
        "priority": _listed(args.priority, PRIORITIES, "--priority"),
        "query": args.query,
    }
    optional = {"limit": args.limit, "tag": args.tag or None, "order": args.order}
    params.update({k: v for k, v in optional.items() if v is not None})
    if args.view is not None:
        params["view"] = "my_open" if args.view == "mine" else args.view
    if args.team is not None:
        if not args.project:
            raise UsageError("--team: a team belongs to one project; give --project")
        params["view"] = "team"
        params["team_id"] = args.team
    assignee = args.assignee
    if assignee == "me":
        params["assigned_to_me"] = True
    elif assignee == "none":
        params["unassigned"] = True
    elif assignee is not None:
        params["assignee_id"] = _user_id(assignee, "--assignee")
    return params


async def show(run: Run) -> int:
    """A ticket, its messages and who wrote them; marks it read."""
    label = await run.project()
    ref = {"project": label, "ticket_id": run.args.ticket_id}
    ticket = await run.call("ticket.get", ref)
    messages = await run.call("message.list", ref)
    ids = {ticket["requester_id"], *(m["author_id"] for m in messages)}
    if ticket["assignee_id"] is not None:
        ids.add(ticket["assignee_id"])
    people = await run.call("user.people", {"project": label, "ids": sorted(ids)})
    if messages:
        with contextlib.suppress(ServiceCallError):
            await run.call("client.mark_read", {**ref, "message_id": messages[-1]["id"]})
    with contextlib.suppress(ServiceCallError):  # the server's unread state, all devices
        await run.call("ticket.mark_read", ref)
    if run.out.as_json:
        run.out.data({"project": label, "ticket": ticket, "messages": messages,
                      "people": people})
        return EXIT_OK
    names = {p["id"]: f"{p['display_name']} ({p['role']})" for p in people}
    _print_ticket(run, label, ticket, names)
    for message in messages:
        author = printable(str(names.get(message["author_id"], message["author_id"])))
        head = Text(f"\n#{message['id']} {author}"
                    f" · {when(message['created_at'])}", style="bold")
        if message["parent_id"] is not None:
            head += Text(f" · in reply to #{message['parent_id']}", style="dim")
        if message["visibility"] == "internal":
            head += Text(" · internal note", style="magenta")
        if message["edited_at"] is not None:
            head += Text(" · edited", style="dim")
        run.out.line(head)
        if message["body"]:
            run.out.line(message["body"])
        for sha in message["attachments"]:
            run.out.line(f"[attachment {sha[:12]}]", style="cyan")
    return EXIT_OK


def _print_ticket(run: Run, label: str, ticket: dict[str, Any], names: dict[int, str]) -> None:
    title = Text(f"#{ticket['id']} {printable(ticket['subject'])}", style="bold")
    run.out.line(title)
    facts = Text(f"{label} · ")
    facts += styled(ticket["status"], STATUS_STYLES)
    facts += Text(" · ")
    facts += styled(ticket["priority"], PRIORITY_STYLES)
    run.out.line(facts)
    assignee = ticket["assignee_id"]
    run.out.line(f"requester: {names.get(ticket['requester_id'], ticket['requester_id'])}; "
                 f"assignee: {'nobody' if assignee is None else names.get(assignee, assignee)}")
    run.out.line(f"created {when(ticket['created_at'])}, updated {when(ticket['updated_at'])}"
                 + (f"; tags: {', '.join(ticket['tags'])}" if ticket["tags"] else ""))
    if ticket["body"]:
        run.out.line("")
        run.out.line(ticket["body"])


async def new(run: Run) -> int:
    """File a ticket; attachments go in a first message."""
    label = await run.project()
    files = _attachments(run.args.attach)
    body = await _body(run.args.body)
    shas = [await upload(run, label, path) for path in files]
    ticket = await run.call("ticket.create", {"project": label, "subject": run.args.subject,
                                              "body": body, "priority": run.args.priority})
    message = None
    if shas:
        message = await run.call("message.post", {"project": label, "ticket_id": ticket["id"],
                                                  "attachments": shas})
    if run.out.as_json:
        run.out.data({"project": label, "ticket": ticket, "message": message,
                      "attachments": shas})
    else:
        run.out.line(f"created ticket #{ticket['id']} on {label}: {ticket['subject']}"
                     + (f" ({len(shas)} attachment(s))" if shas else ""))
    return EXIT_OK


async def reply(run: Run) -> int:
    """Post a reply (or an internal note) with attachments."""
    label = await run.project()
    files = _attachments(run.args.attach)
    body = await _body(run.args.body)
    if not body and not files:
        raise UsageError("a reply needs --body or --attach")
    shas = [await upload(run, label, path) for path in files]
    params: dict[str, Any] = {"project": label, "ticket_id": run.args.ticket_id, "body": body,
                              "attachments": shas}
    if run.args.internal:
        params["visibility"] = "internal"
    message = await run.call("message.post", params)
    if run.out.as_json:
        run.out.data({"project": label, "message": message})
    else:
        kind = "note" if run.args.internal else "reply"
        run.out.line(f"posted {kind} #{message['id']} on ticket #{run.args.ticket_id} ({label})")
    return EXIT_OK


async def change(run: Run) -> int:
    """close, reopen, status and assign."""
    label = await run.project()
    params: dict[str, Any] = {"project": label, "ticket_id": run.args.ticket_id}
    command = run.args.command
    if command == "close":
        params["status"] = "closed"
    elif command == "reopen":
        params["status"] = "open"
    elif command == "status":
        params["status"] = run.args.status
    else:
        if run.args.to is None and run.args.team is None:
            raise UsageError("assign: say --to (an agent) and/or --team")
        if run.args.to is not None:
            params["assignee_id"] = await _assignee(run, label, run.args.to)
        if run.args.team is not None:
            params["team_id"] = (None if run.args.team == "none"
                                 else _user_id(run.args.team, "--team"))
    ticket = await run.call("ticket.update", params)
    if run.out.as_json:
        run.out.data({"project": label, "ticket": ticket})
    elif command == "assign":
        who = "nobody" if ticket["assignee_id"] is None else f"user {ticket['assignee_id']}"
        team = ticket.get("team_id")
        run.out.line(f"ticket #{ticket['id']} ({label}) is assigned to {who}"
                     + ("" if run.args.team is None else
                        f", {'no team' if team is None else f'team {team}'}"))
    else:
        run.out.line(f"ticket #{ticket['id']} ({label}) is now {ticket['status']}")
    return EXIT_OK


async def _assignee(run: Run, label: str, value: str) -> int | None:
    if value == "none":
        return None
    if value == "me":
        user = (await run.state_of(label)).get("user")
        if user is None:
            me = await run.call("auth.whoami", {"project": label})
            user = me.get("user")
        if user is None:
            raise UsageError(f"this device is not signed in to {label}")
        return int(user["id"])
    return _user_id(value, "--to")


def _user_id(value: str, option: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"{option}: give an id, 'me' or 'none', not {value!r}")
    return int(value)


def _attachments(paths: list[Path]) -> list[Path]:
    for path in paths:
        if not path.is_file():
            raise UsageError(f"--attach: no such file: {path}")
    return paths


async def _body(value: str) -> str:
    return await asyncio.to_thread(sys.stdin.read) if value == "-" else value


async def upload(run: Run, label: str, path: Path) -> str:
    """Upload one image with a progress bar; its sha256."""
    data = await asyncio.to_thread(path.read_bytes)
    token = f"upload-{next(_uploads)}"
    with run.out.progress(path.name, len(data)) as update:
        follower = asyncio.create_task(_follow_progress(run, token, update))
        try:
            attachment = await run.call("attachment.upload", {
                "project": label, "data_base64": base64.b64encode(data).decode(),
                "progress_token": token})
        finally:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await follower
    if not run.out.as_json:
        run.out.note(f"uploaded {path.name} ({attachment['mime']}, "
                     f"{attachment['width']}x{attachment['height']})")
    return str(attachment["sha256"])


async def _follow_progress(run: Run, token: str, update: Any) -> None:
    while (notification := await run.backend.next_notification()) is not None:
        method, params = notification
        if method == PROGRESS_NOTIFICATION and params.get("token") == token:
            update(params["done"], params.get("total"))
