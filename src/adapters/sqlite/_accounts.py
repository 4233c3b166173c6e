"""Repositories of who may call: users, device bindings, magic links, the project row."""

# SQL text here is assembled from constant fragments only; every value is a ? parameter.
# ruff: noqa: S608

from __future__ import annotations

import sqlite3

from ...domain.identity import DeviceBinding, Role, User, UserStatus
from ...domain.magic_links import MagicLink
from ...domain.project import ProjectSettings
from ._fts import fold
from ._times import to_key, to_key_or_none, to_time, to_time_or_none
from .errors import MissingRow, execute_checked

_USER = "id, email, display_name, role, status, created_at"
_USER_GET = f"SELECT {_USER} FROM users WHERE id = ?"
_USER_BY_EMAIL = f"SELECT {_USER} FROM users WHERE email = ?"
_USER_ADD = f"INSERT INTO users ({_USER}) VALUES (?, ?, ?, ?, ?, ?)"
_USER_UPDATE = (
    "UPDATE users SET email = ?, display_name = ?, role = ?, status = ?, created_at = ? "
    "WHERE id = ?"
)
# search_fold (the FTS folding: case, compatibility forms, accents) on both sides, as
# the in-memory adapter compares; a users table is small enough to scan.
_USER_SEARCH = (
    f"SELECT {_USER} FROM users WHERE role = ?1 AND (instr(search_fold(display_name), ?2) > 0 "
    "OR instr(search_fold(email), ?2) > 0) ORDER BY search_fold(display_name), id LIMIT ?3"
)
_USER_LIST = (
    f"SELECT {_USER} FROM users WHERE (?1 IS NULL OR role = ?1) AND (?2 IS NULL OR status = ?2) "
    "ORDER BY id"
)


def _user(row: tuple[int, str, str, str, str, int]) -> User:
    return User(
        id=row[0], email=row[1], display_name=row[2], role=Role(row[3]),
        status=UserStatus(row[4]), created_at=to_time(row[5]),
    )


class SqliteUsers:
    """Accounts, one per email."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def next_id(self) -> int:
        """One more than the highest id (safe: there is one writer)."""
        return int(self._c.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM users").fetchone()[0])

    def get(self, user_id: int) -> User | None:
        """The user, or ``None``."""
        row = self._c.execute(_USER_GET, (user_id,)).fetchone()
        return None if row is None else _user(row)

    def by_email(self, email: str) -> User | None:
        """The user with exactly this (normalized) email, or ``None``."""
        row = self._c.execute(_USER_BY_EMAIL, (email,)).fetchone()
        return None if row is None else _user(row)

    def add(self, user: User) -> None:
        """Store a new user; a taken id or email raises ``DuplicateKey``."""
        execute_checked(self._c, _USER_ADD, (
            user.id, user.email, user.display_name, user.role.value, user.status.value,
            to_key(user.created_at),
        ))

    def update(self, user: User) -> None:
        """Replace a stored user; an unknown id raises ``MissingRow``."""
        cur = execute_checked(self._c, _USER_UPDATE, (
            user.email, user.display_name, user.role.value, user.status.value,
            to_key(user.created_at), user.id,
        ))
        if cur.rowcount == 0:
            raise MissingRow(f"user {user.id!r} does not exist")

    def search(self, text: str, *, role: Role, limit: int) -> list[User]:
        """Users of a role whose name or email contains ``text``, by name."""
        rows = self._c.execute(_USER_SEARCH, (role.value, fold(text), limit))
        return [_user(row) for row in rows]

    def list(self, *, role: Role | None = None, status: UserStatus | None = None) -> list[User]:
        """Users by id, optionally of one role and/or status."""
        params = (None if role is None else role.value, None if status is None else status.value)
        return [_user(row) for row in self._c.execute(_USER_LIST, params)]


_DEVICE = "mycelium_addr, user_id, device_label, bound_at, last_seen"
_DEVICE_GET = f"SELECT {_DEVICE} FROM device_bindings WHERE mycelium_addr = ?"
_DEVICE_FOR_USER = (
    f"SELECT {_DEVICE} FROM device_bindings WHERE user_id = ? ORDER BY bound_at, mycelium_addr"
)
_DEVICE_ALL = f"SELECT {_DEVICE} FROM device_bindings ORDER BY user_id, bound_at, mycelium_addr"
_DEVICE_ADD = f"INSERT INTO device_bindings ({_DEVICE}) VALUES (?, ?, ?, ?, ?)"
_DEVICE_UPDATE = (
    "UPDATE device_bindings SET user_id = ?, device_label = ?, bound_at = ?, last_seen = ? "
    "WHERE mycelium_addr = ?"
)
_DEVICE_REMOVE = "DELETE FROM device_bindings WHERE mycelium_addr = ?"


def _device(row: tuple[str, int, str, int, int]) -> DeviceBinding:
    return DeviceBinding(
        address=row[0], user_id=row[1], label=row[2], bound_at=to_time(row[3]),
        last_seen=to_time(row[4]),
    )


class SqliteDevices:
    """Device bindings: overlay address -> user."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def get(self, address: str) -> DeviceBinding | None:
        """The binding of an address, or ``None``."""
        row = self._c.execute(_DEVICE_GET, (address,)).fetchone()
        return None if row is None else _device(row)

    def for_user(self, user_id: int) -> list[DeviceBinding]:
        """A user's devices, oldest binding first."""
        return [_device(row) for row in self._c.execute(_DEVICE_FOR_USER, (user_id,))]

    def all(self) -> list[DeviceBinding]:
        """Every binding, by user then age."""
        return [_device(row) for row in self._c.execute(_DEVICE_ALL)]

    def add(self, binding: DeviceBinding) -> None:
        """Bind an address; a bound address raises ``DuplicateKey``, an unknown user
        ``MissingRow``."""
        execute_checked(self._c, _DEVICE_ADD, (
            binding.address, binding.user_id, binding.label, to_key(binding.bound_at),
            to_key(binding.last_seen),
        ))

    def update(self, binding: DeviceBinding) -> None:
        """Replace a binding; an unbound address raises ``MissingRow``."""
        cur = execute_checked(self._c, _DEVICE_UPDATE, (
            binding.user_id, binding.label, to_key(binding.bound_at), to_key(binding.last_seen),
            binding.address,
        ))
        if cur.rowcount == 0:
            raise MissingRow(f"device {binding.address!r} does not exist")

    def remove(self, address: str) -> None:
        """Unbind an address (nothing happens if it is not bound)."""
        self._c.execute(_DEVICE_REMOVE, (address,))


_LINK = (
    "id, user_id, device_addr, device_label, token_hash, code_hash, created_at, expires_at, "
    "attempts, consumed_at, revoked"
)
_LINK_GET = f"SELECT {_LINK} FROM magic_links WHERE id = ?"
_LINK_BY_TOKEN = f"SELECT {_LINK} FROM magic_links WHERE token_hash = ?"
_LINK_FOR_DEVICE = f"SELECT {_LINK} FROM magic_links WHERE device_addr = ? ORDER BY id"
_LINK_FOR_USER = f"SELECT {_LINK} FROM magic_links WHERE user_id = ? ORDER BY id"
_LINK_ALL = f"SELECT {_LINK} FROM magic_links ORDER BY id"
_LINK_ADD = f"INSERT INTO magic_links ({_LINK}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_LINK_UPDATE = (
    "UPDATE magic_links SET user_id = ?, device_addr = ?, device_label = ?, token_hash = ?, "
    "code_hash = ?, created_at = ?, expires_at = ?, attempts = ?, consumed_at = ?, revoked = ? "
    "WHERE id = ?"
)

_LinkRow = tuple[int, int, str, str, str, str, int, int, int, int | None, int]


def _link(row: _LinkRow) -> MagicLink:
    return MagicLink(
        id=row[0], user_id=row[1], device_addr=row[2], device_label=row[3],
        token_hash=row[4], code_hash=row[5], created_at=to_time(row[6]),
        expires_at=to_time(row[7]), attempts=row[8], consumed_at=to_time_or_none(row[9]),
        revoked=bool(row[10]),
    )


def _link_values(link: MagicLink) -> tuple[object, ...]:
    return (
        link.user_id, link.device_addr, link.device_label, link.token_hash, link.code_hash,
        to_key(link.created_at), to_key(link.expires_at), link.attempts,
        to_key_or_none(link.consumed_at), int(link.revoked),
    )


class SqliteMagicLinks:
    """Pending and spent sign-in links (hashes only)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def next_id(self) -> int:
        """One more than the highest id (safe: there is one writer)."""
        sql = "SELECT COALESCE(MAX(id), 0) + 1 FROM magic_links"
        return int(self._c.execute(sql).fetchone()[0])

    def get(self, link_id: int) -> MagicLink | None:
        """The link, or ``None``."""
        row = self._c.execute(_LINK_GET, (link_id,)).fetchone()
        return None if row is None else _link(row)

    def by_token_hash(self, token_hash: str) -> MagicLink | None:
        """The link whose token hashes to this, or ``None``."""
        row = self._c.execute(_LINK_BY_TOKEN, (token_hash,)).fetchone()
        return None if row is None else _link(row)

    def for_device(self, device_addr: str) -> list[MagicLink]:
        """Links asked for by one device, oldest first."""
        return [_link(row) for row in self._c.execute(_LINK_FOR_DEVICE, (device_addr,))]

    def for_user(self, user_id: int) -> list[MagicLink]:
        """Links issued for one user, oldest first."""
        return [_link(row) for row in self._c.execute(_LINK_FOR_USER, (user_id,))]

    def all(self) -> list[MagicLink]:
        """Every link, oldest first."""
        return [_link(row) for row in self._c.execute(_LINK_ALL)]

    def add(self, link: MagicLink) -> None:
        """Store a new link; a taken id or token hash raises ``DuplicateKey``."""
        execute_checked(self._c, _LINK_ADD, (link.id, *_link_values(link)))

    def update(self, link: MagicLink) -> None:
        """Replace a stored link; an unknown id raises ``MissingRow``."""
        cur = execute_checked(self._c, _LINK_UPDATE, (*_link_values(link), link.id))
        if cur.rowcount == 0:
            raise MissingRow(f"magic link {link.id!r} does not exist")


_PROJECT_GET = "SELECT name, customers_see_all_tickets FROM project WHERE id = 1"
_PROJECT_SAVE = (
    "INSERT INTO project (id, name, customers_see_all_tickets) VALUES (1, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
    "customers_see_all_tickets = excluded.customers_see_all_tickets"
)


class SqliteProject:
    """The project's settings (one row)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._c = conn

    def settings(self) -> ProjectSettings:
        """The stored settings."""
        row = self._c.execute(_PROJECT_GET).fetchone()
        if row is None:
            raise MissingRow("the project row is missing; was the store started?")
        return ProjectSettings(name=row[0], customers_see_all_tickets=bool(row[1]))

    def save(self, settings: ProjectSettings) -> None:
        """Replace the settings."""
        self._c.execute(_PROJECT_SAVE, (settings.name, int(settings.customers_see_all_tickets)))
