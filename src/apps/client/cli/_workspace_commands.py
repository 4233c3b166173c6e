"""Commands of the agent's workspace: queues, unread, teams and canned replies."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ._output import STATUS_STYLES, styled, when
from ._run import EXIT_OK, Run, UsageError


async def queues(run: Run) -> int:
    """Every queue of every signed-in project with its live count."""
    await run.states(settle=True)
    found = await run.call("client.queues")
    if run.args.project:
        found["items"] = [i for i in found["items"] if i["project"] == run.args.project]
    if run.out.as_json:
        run.out.data(found)
        return EXIT_OK
    for label, problem in found["problems"].items():
        run.out.note(f"{label}: {problem['message']}")
    rows = []
    for item in found["items"]:
        for view in item["counts"]["views"]:
            unread = view["unread"]
            rows.append([item["project"], view["label"], view["view"] + (
                f" {view['team_id']}" if view["team_id"] else ""), str(view["count"]),
                "" if unread is None else _capped(unread)])
    run.out.table(["PROJECT", "QUEUE", "VIEW", "TICKETS", "UNREAD"], rows)
    return EXIT_OK


async def unread(run: Run) -> int:
    """How many tickets of my queues have news, and which (My open; customers: theirs)."""
    await run.states(settle=True)
    found = await run.call("client.queues")
    params: dict[str, Any] = {"status": ["new", "open", "pending"], "limit": 200}
    if run.args.project:
        params["project"] = run.args.project
        found["items"] = [i for i in found["items"] if i["project"] == run.args.project]
    states = {s["label"]: s for s in await run.states()}
    tickets = []
    for item in found["items"]:
        role = (states.get(item["project"], {}).get("user") or {}).get("role")
        page_params = {**params, "project": item["project"]}
        if role in ("agent", "admin"):
            page_params["view"] = "my_open"
            del page_params["status"]
        page = await run.call("ticket.list", page_params)
        tickets += [i for i in page["items"] if i["unread"]]
    total = sum(i["counts"]["unread"] for i in found["items"])
    if run.out.as_json:
        run.out.data({"unread": total, "items": tickets, "problems": found["problems"]})
        return EXIT_OK
    run.out.line(Text(f"{_capped(total)} unread", style="bold" if total else "dim"))
    run.out.table(["PROJECT", "ID", "STATUS", "SUBJECT", "UPDATED"], [
        [i["project"], str(i["ticket"]["id"]), styled(i["ticket"]["status"], STATUS_STYLES),
         i["ticket"]["subject"], when(i["ticket"]["updated_at"])] for i in tickets])
    return EXIT_OK


async def teams(run: Run) -> int:
    """A project's teams and their members (staff)."""
    label = await run.project()
    found = await run.call("team.list", {"project": label})
    if run.out.as_json:
        run.out.data(found)
        return EXIT_OK
    people = await run.call("user.people", {
        "project": label, "ids": sorted({m for t in found for m in t["members"]})[:200]})
    names = {p["id"]: p["display_name"] for p in people}
    run.out.table(["ID", "TEAM", "MEMBERS"], [
        [str(t["id"]), t["name"], ", ".join(names.get(m, f"user {m}") for m in t["members"])]
        for t in found])
    return EXIT_OK


async def canned(run: Run) -> int:
    """A project's canned replies (staff): the shared ones and yours; ``--ticket`` fills one."""
    label = await run.project()
    if run.args.canned_id is not None:
        if run.args.ticket is None:
            raise UsageError("--ticket: which ticket to fill the reply in for")
        text = await run.call("canned.render", {"project": label,
                                                "canned_id": run.args.canned_id,
                                                "ticket_id": run.args.ticket})
        if run.out.as_json:
            run.out.data(text)
        else:
            run.out.line(text["text"])
        return EXIT_OK
    found = await run.call("canned.list", {"project": label})
    if run.out.as_json:
        run.out.data(found)
        return EXIT_OK
    run.out.table(["ID", "TITLE", "SHARED", "FIRST LINE"], [
        [str(c["id"]), c["title"], "yes" if c["shared"] else "no",
         c["body"].splitlines()[0][:60] if c["body"] else ""] for c in found])
    return EXIT_OK


def _capped(count: int) -> str:
    return "99+" if count >= 100 else str(count)
