"""Generated JSON-RPC messages, valid-shaped and broken, from a served OpenRPC document.

:func:`messages` is a hypothesis strategy of :class:`Message`: the bytes to send and
the class of mistake they make (``valid``, ``wrong-type``, ``extreme-number``…), so a
run can say what it tried. Values JSON cannot carry as text (``1e400``, invalid UTF-8,
``\\ud800``, nesting deeper than any decoder reads) are spliced in as raw bytes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec
from hypothesis import strategies as st

from .schemas import MethodShape, method_shapes
from .values import from_schema

if TYPE_CHECKING:
    import random

CLASSES = (
    "valid", "notification", "positional", "wrong-type", "missing-field", "extra-field",
    "huge-string", "extreme-number", "unicode", "deep-nesting", "invalid-utf8",
    "params-shape", "bad-envelope", "garbage", "batch",
)
"""Every class of message the generator makes (a batch mixes the others)."""

HUGE = 60_000  # characters: big, yet a batch of several stays under the 1 MiB cap
EXTREME_NUMBERS = (
    b"9223372036854775807", b"9223372036854775808", b"-9223372036854775808",
    b"-9223372036854775809", b"18446744073709551615", b"18446744073709551616",
    b"-18446744073709551616", b"1" + b"0" * 40, b"1e308", b"-1e308", b"1e400", b"-1e400",
    b"1e-400", b"-0.0", b"0.5", b"1.0", b"1E2", b"0", b"-1", b"4.9e-324",
)
UNICODE_EDGES = (
    "\\ud800", "\\udfff", "\\ud83d", "a\\udc00b", "\\ud83d\\ude00",  # raw JSON escapes
    "\x00", "a\x00b", "\u202etxt.exe", "\u200f\u200e", "e\u0301\u0301\u0301", "\ufeff",
    "\uffff", "\U0010ffff", "\u2028\u2029", "\x1b[2J", "😀" * 50, "Z\u0351\u0352" * 40,
)
INVALID_UTF8 = (b"\xff", b"\xfe\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80",
                b"\xf8\x88\x80\x80\x80", b"\xf4\x90\x80\x80")
DEPTHS = (2, 32, 100, 500, 900, 1_000, 2_000, 10_000)
_JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=3),
    max_leaves=8,
)


_SUBSCRIPTION = re.compile(r"s[0-9]+")


@dataclass(frozen=True)
class Message:
    """One message to send: its bytes, its class and the methods it names."""

    kind: str
    body: bytes
    methods: tuple[str, ...]


@dataclass(frozen=True)
class Protected:
    """Ids and addresses of the fuzzing identities, which generated calls must not hit.

    A valid ``user.update`` that disables the admin, say, is a correct answer that would
    end the run's coverage; such targets are rewritten to a harmless stand-in.
    """

    user_ids: Collection[int] = ()
    addresses: Collection[str] = ()
    stand_in_user: int = 10**12
    stand_in_address: str = "400::dead"


class _Raw:
    """Placeholders for raw bytes, spliced in after encoding."""

    def __init__(self) -> None:
        self.parts: dict[bytes, bytes] = {}
        self._ids = itertools.count()

    def mark(self, raw: bytes) -> str:
        key = f"@@raw{next(self._ids)}@@"
        self.parts[msgspec.json.encode(key)] = raw
        return key

    def encode(self, value: Any) -> bytes:
        body = msgspec.json.encode(value)
        for key, raw in self.parts.items():
            body = body.replace(key, raw)
        return body


def messages(document: Mapping[str, Any], protected: Protected = Protected()
             ) -> st.SearchStrategy[Message]:
    """Messages for every method of ``document`` (an OpenRPC document as served).

    The class of each message, its method, and for batches their size are chosen
    uniformly (hypothesis would favour the first of each list); hypothesis draws the
    values inside, where its taste for edge cases pays.
    """
    return _message(_Methods(document, protected), batch=True)


class _Methods:
    """What the generator needs of a document; short to print in hypothesis' reports."""

    def __init__(self, document: Mapping[str, Any], protected: Protected) -> None:
        self.shapes = {shape.name: shape for shape in method_shapes(dict(document))}
        self.names = sorted(self.shapes)
        self.valid = {name: from_schema(shape.params, shape.params["definitions"])
                      for name, shape in self.shapes.items()}
        self.protected = protected

    def __repr__(self) -> str:
        return f"<the {len(self.names)} methods of the served document>"


def uniform() -> st.SearchStrategy[random.Random]:
    """A ``Random`` seeded by hypothesis: its choices are uniform, and replay with the seed."""
    return st.randoms(use_true_random=True)


_SHAPELESS = frozenset({"wrong-type", "missing-field", "huge-string", "unicode",
                        "invalid-utf8", "positional"})  # need a field to break


@st.composite
def _message(draw: Callable[..., Any], methods: _Methods, *, batch: bool) -> Message:
    rnd = draw(uniform())
    kinds = [k for k in CLASSES if batch or k != "batch"]
    kind = rnd.choice(kinds)
    if kind == "batch":
        size = rnd.choice([0, 1, 2, 3, 5, 8, rnd.randint(51, 60)])
        return _batch([draw(_message(methods, batch=False)) for _ in range(size)])
    if kind == "garbage":
        if rnd.random() < 0.5:
            return Message("garbage", draw(st.binary(max_size=300)), ())
        whole = draw(_message(methods, batch=False))
        return Message("garbage", whole.body[: rnd.randrange(len(whole.body) + 1)],
                       whole.methods)
    shape = methods.shapes[rnd.choice(methods.names)]
    if not shape.fields and kind in _SHAPELESS:
        kind = "extra-field"
    params = _protect(draw(methods.valid[shape.name]), methods.protected)
    return _build(shape, kind, params, draw)


def _protect(params: Any, protected: Protected) -> Any:
    if isinstance(params, dict):
        if params.get("user_id") in protected.user_ids:
            params["user_id"] = protected.stand_in_user
        if params.get("address") in protected.addresses:
            params["address"] = protected.stand_in_address
        if isinstance(params.get("subscription"), str) and _SUBSCRIPTION.fullmatch(
                params["subscription"]):
            params["subscription"] = "not-a-subscription"  # keep the run's own streams
    return params


def _build(shape: MethodShape, kind: str, params: dict[str, Any],
           draw: Callable[..., Any]) -> Message:
    raw = _Raw()
    envelope: dict[str, Any] = {"jsonrpc": "2.0", "id": draw(_ids()), "method": shape.name}
    value: Any = params
    if kind == "notification":
        del envelope["id"]
    elif kind == "positional":
        count = draw(st.integers(0, len(shape.fields)))
        value = [params.get(name) for name in shape.fields[:count]]
    elif kind in ("wrong-type", "huge-string", "extreme-number", "unicode", "deep-nesting",
                  "invalid-utf8", "missing-field") and shape.fields:
        field = draw(st.sampled_from(shape.fields))
        value = dict(params)
        if kind == "missing-field":
            value.pop(draw(st.sampled_from(shape.required)) if shape.required else field, None)
        else:
            value[field] = _broken_value(kind, value.get(field), raw, draw)
    elif kind == "extra-field":
        value = dict(params)
        value[draw(st.text(min_size=1, max_size=12))] = draw(_JSON_VALUES)
    elif kind == "params-shape":
        value = raw.mark(draw(st.sampled_from([b"null", b"0", b"-1", b'"x"', b"true",
                                               b"1e400", b'""'])))
    elif kind == "bad-envelope":
        return Message(kind, _bad_envelope(envelope, params, raw, draw), (shape.name,))
    elif kind in ("deep-nesting", "extreme-number"):  # a method without params
        value = [raw.mark(_nesting(draw))] if kind == "deep-nesting" else {
            "n": raw.mark(draw(st.sampled_from(EXTREME_NUMBERS)))}
    envelope["params"] = value
    return Message(kind, raw.encode(envelope), (shape.name,))


def _ids() -> st.SearchStrategy[Any]:
    return st.one_of(st.integers(-(2**70), 2**70), st.text(max_size=40), st.none())


def _broken_value(  # noqa: PLR0911 - one return per class of broken value
        kind: str, current: Any, raw: _Raw, draw: Callable[..., Any]) -> Any:
    if kind == "wrong-type":
        replacement = draw(_JSON_VALUES)
        return [replacement] if type(replacement) is type(current) else replacement
    if kind == "huge-string":
        return draw(st.sampled_from(["x", "é", "😀", "\u202e"])) * draw(st.integers(1, HUGE))
    if kind == "extreme-number":
        return raw.mark(draw(st.sampled_from(EXTREME_NUMBERS)))
    if kind == "unicode":
        edge = draw(st.sampled_from(UNICODE_EDGES))
        if "\\u" in edge:  # a JSON escape that must reach the decoder as written
            return raw.mark(b'"' + edge.encode() + b'"')
        return edge
    if kind == "deep-nesting":
        return raw.mark(_nesting(draw))
    return raw.mark(b'"ok' + draw(st.sampled_from(INVALID_UTF8)) + b'"')  # invalid-utf8


def _nesting(draw: Callable[..., Any]) -> bytes:
    depth = draw(st.sampled_from(DEPTHS))
    if draw(st.booleans()):
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


def _bad_envelope(envelope: dict[str, Any], params: Any, raw: _Raw,
                  draw: Callable[..., Any]) -> bytes:
    broken = dict(envelope, params=params)
    how = draw(st.sampled_from(["jsonrpc", "method", "id", "drop", "extra", "not-object"]))
    if how == "jsonrpc":
        broken["jsonrpc"] = draw(st.sampled_from(["1.0", "2", 2.0, None, "", "2.0 "]))
    elif how == "method":
        broken["method"] = draw(st.one_of(_JSON_VALUES, st.sampled_from(
            ["", "rpc.", "rpc.discover.x", "x" * 10_000, "admin.backup", "bench.echo"])))
    elif how == "id":
        broken["id"] = raw.mark(draw(st.sampled_from(
            [b"1e400", b"1.5", b"[]", b"{}", b"true", b"18446744073709551616" * 3])))
    elif how == "drop":
        broken.pop(draw(st.sampled_from(["jsonrpc", "method"])))
    elif how == "extra":
        broken[draw(st.text(min_size=1, max_size=10))] = draw(_JSON_VALUES)
    else:
        return raw.encode(draw(_JSON_VALUES))
    return raw.encode(broken)


def _batch(parts: list[Message]) -> Message:
    body = b"[" + b",".join(part.body for part in parts) + b"]"
    return Message("batch", body, tuple(m for part in parts for m in part.methods))
