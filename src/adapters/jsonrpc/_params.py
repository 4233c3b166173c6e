"""Decoding a method's ``params`` into its Struct: by name, by position, or absent."""

from __future__ import annotations

import msgspec
from msgspec import Raw

from .protocol import DECODER_FAILURES, invalid_params, params_error, parse_error

_EMPTY_OBJECT = b"{}"
_JSON_WHITESPACE = b" \t\n\r"
_EMPTY_PARAMS = frozenset({b"{}", b"[]"})
_DECODE_POSITIONS = msgspec.json.Decoder(list[Raw]).decode


class ParamsDecoder:
    """Turns the raw ``params`` of a request into the method's params Struct.

    Built once per method. An object is decoded straight into the Struct; an array
    is mapped onto the Struct's fields in declaration order first; absent params are
    decoded as ``{}``. Failures raise a -32602 ``JsonRpcError`` naming the field, or a
    -32700 one for text the decoder cannot read (too deeply nested, say): never anything
    else, whatever the bytes.
    """

    __slots__ = ("_decode", "_names")

    def __init__(self, params: type[msgspec.Struct]) -> None:
        self._decode = msgspec.json.Decoder(params).decode
        self._names = tuple(
            msgspec.json.encode(field.encode_name) for field in msgspec.structs.fields(params)
        )

    def __call__(self, raw: Raw) -> msgspec.Struct:
        """Decode ``raw`` (possibly empty, meaning absent) into the Struct."""
        source: bytes | Raw = raw if len(raw) else _EMPTY_OBJECT
        try:
            return self._decode(source)
        except msgspec.ValidationError as exc:
            if not bytes(raw).lstrip(_JSON_WHITESPACE).startswith(b"["):
                raise invalid_params(exc) from None
        except DECODER_FAILURES as exc:
            raise parse_error(exc) from None
        try:
            return self._by_position(raw)
        except DECODER_FAILURES as exc:
            raise parse_error(exc) from None

    def _by_position(self, raw: Raw) -> msgspec.Struct:
        values = _DECODE_POSITIONS(raw)
        if len(values) > len(self._names):
            expected = len(self._names)
            raise params_error(
                "params", f"expected at most {expected} positional params, got {len(values)}"
            )
        # Rebuild the object form so that decoding, defaults and error paths are exactly
        # those of a by-name call.
        members = b",".join(
            name + b":" + bytes(value) for name, value in zip(self._names, values, strict=False)
        )
        try:
            return self._decode(b"{" + members + b"}")
        except msgspec.ValidationError as exc:
            raise invalid_params(exc) from None


def decode_no_params(raw: Raw) -> None:
    """Accept only absent, ``{}`` or ``[]`` params for a method that takes none.

    Read without decoding: whatever else the params hold (numbers out of range, deep
    nesting) is refused the same way, as params this method does not take.
    """
    text = bytes(raw)
    if text and text[:1] + text[1:-1].strip(_JSON_WHITESPACE) + text[-1:] not in _EMPTY_PARAMS:
        raise params_error("params", "this method takes no params")

