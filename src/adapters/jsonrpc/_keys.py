"""The ``request_key`` param every write method takes (D-18): its wire type and digest."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, UnsetType

from ...domain.request_keys import KEEP_KEYS, KEY_PATTERN, MAX_KEY_LENGTH, MIN_KEY_LENGTH

KEY_FIELD = "request_key"

_HOURS = int(KEEP_KEYS.total_seconds() // 3600)
RULE = (
    f"Takes an optional `{KEY_FIELD}` ({MIN_KEY_LENGTH}-{MAX_KEY_LENGTH} characters of "
    "A-Z a-z 0-9 - _ . ~, chosen by the client, e.g. a random UUID): a repeat of this "
    "call by the same user with the same key and the same params returns the first "
    f"call's result and changes nothing (no second write, no second event) for at least "
    f"{_HOURS} h; the same key with other params is refused with RequestKeyReused "
    "(-32012). A call that fails stores nothing, so a corrected retry may keep its key."
)

RequestKey = Annotated[str, Meta(
    min_length=MIN_KEY_LENGTH, max_length=MAX_KEY_LENGTH, pattern=KEY_PATTERN,
    description="Names this write so that a repeat of it is answered, not redone "
    f"(at least {_HOURS} h). Optional; one per write, never reused for another.",
)]

_ENCODE = msgspec.json.Encoder().encode


def keyed_params(params: type[msgspec.Struct]) -> type[msgspec.Struct]:
    """``params`` with the optional ``request_key`` field added (a subclass, so the
    method's handler receives what it always did)."""
    names = {f.encode_name for f in msgspec.structs.fields(params)}
    if KEY_FIELD in names:
        raise ValueError(f"{params.__name__} already has a field {KEY_FIELD!r}")
    config = params.__struct_config__
    keyed = msgspec.defstruct(
        f"Keyed{params.__name__}", [(KEY_FIELD, RequestKey | UnsetType, UNSET)],
        bases=(params,), module=params.__module__, kw_only=True, frozen=config.frozen,
        forbid_unknown_fields=config.forbid_unknown_fields,
        omit_defaults=config.omit_defaults,
    )
    keyed.__doc__ = params.__doc__
    return keyed


def key_of(params: Any) -> str | None:
    """The call's request key, or ``None`` if it was sent without one."""
    key = getattr(params, KEY_FIELD, UNSET)
    return None if key is UNSET else str(key)


def params_digest(method: str, params: msgspec.Struct) -> str:
    """A digest of what the call asks for: the method and its params without the key.

    Params decode into one Struct whatever form they came in (by name, by position, in
    any member order), and the Struct encodes its fields in one order, so the same
    request gets the same digest however it was written.
    """
    unkeyed = msgspec.structs.replace(params, **{KEY_FIELD: UNSET})
    body = _ENCODE(unkeyed)
    return hashlib.sha256(method.encode() + b"\0" + body).hexdigest()
