"""Teams: admins define them and their members; staff route tickets to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..errors import Conflict, InvalidInput, NotFound
from ..identity import Caller, UserStatus
from ..policy import require_admin, require_staff
from ..ports import Clock, Repositories, Storage
from ..teams import MAX_TEAMS, Team, clean_members, clean_team_name


class TeamRoster:
    """Use cases on teams."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage = storage
        self._clock = clock

    async def list_teams(self, caller: Caller) -> list[Team]:
        """Every team with its members (staff: customers never see teams)."""
        require_staff(caller)
        return await self._storage.read(lambda r: r.teams.all())

    async def create(self, caller: Caller, *, name: str, members: Sequence[int] = ()) -> Team:
        """A new team (admins)."""
        require_admin(caller)
        clean = clean_team_name(name)
        chosen = clean_members(members)
        now = self._clock.now()

        def add(repos: Repositories) -> Team:
            if repos.teams.by_name(clean) is not None:
                raise Conflict(f"a team named {clean!r} exists already")
            if len(repos.teams.all()) >= MAX_TEAMS:
                raise Conflict(f"a project has at most {MAX_TEAMS} teams")
            _ensure_staff(repos, chosen)
            team = Team(id=repos.teams.next_id(), name=clean, members=chosen, created_at=now)
            repos.teams.add(team)
            return team

        return await self._storage.write(add)

    async def update(self, caller: Caller, team_id: int, *, name: str | None = None,
                     members: Sequence[int] | None = None) -> Team:
        """Rename a team or replace its members (admins)."""
        require_admin(caller)
        clean = clean_team_name(name) if name is not None else None
        chosen = clean_members(members) if members is not None else None

        def change(repos: Repositories) -> Team:
            team = _existing(repos, team_id)
            if clean is not None:
                same = repos.teams.by_name(clean)
                if same is not None and same.id != team_id:
                    raise Conflict(f"a team named {clean!r} exists already")
            if chosen is not None:
                _ensure_staff(repos, chosen)
            updated = replace(team, name=team.name if clean is None else clean,
                              members=team.members if chosen is None else chosen)
            if updated != team:
                repos.teams.update(updated)
            return updated

        return await self._storage.write(change)

    async def delete(self, caller: Caller, team_id: int) -> int:
        """Remove a team (admins); its tickets stay, without a team. Returns how many."""
        require_admin(caller)

        def remove(repos: Repositories) -> int:
            _existing(repos, team_id)
            cleared = repos.tickets.clear_team(team_id)
            repos.teams.remove(team_id)
            return cleared

        return await self._storage.write(remove)


def _existing(repos: Repositories, team_id: int) -> Team:
    team = repos.teams.get(team_id)
    if team is None:
        raise NotFound(f"team {team_id} does not exist")
    return team


def _ensure_staff(repos: Repositories, members: tuple[int, ...]) -> None:
    for user_id in members:
        user = repos.users.get(user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        if not user.role.is_staff or user.status is UserStatus.DISABLED:
            raise InvalidInput("members", f"{user.display_name} is not an active agent")
