"""The method registry: what a JSON-RPC service offers, and the dispatch of requests."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, Protocol, TypeVar

import msgspec
from msgspec import UNSET, Raw

from ...domain.errors import DomainError
from ._keys import RULE, key_of, keyed_params, params_digest
from ._params import ParamsDecoder, decode_no_params
from .errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    REQUEST_KEY_REUSED,
    ErrorCode,
    JsonRpcError,
    from_domain_error,
)
from .openrpc import build_document
from .protocol import (
    Rejected,
    Request,
    decode_entry,
    decode_message,
    encode_batch,
    encode_error,
    encode_raw,
    encode_result,
)

logger = logging.getLogger(__name__)

Ctx = TypeVar("Ctx")
"""Whatever the transport passes to every call: the caller's identity and so on."""
Ctx_contra = TypeVar("Ctx_contra", contravariant=True)

Handler = Callable[[Any, Any], Awaitable[Any]]
"""``async def handler(ctx, params) -> result``; ``params`` is ``None`` for a method without."""

H = TypeVar("H", bound=Handler)

RequestObserver = Callable[[str, str, float], None]
"""``observe(method, outcome, seconds)`` after each call: ``outcome`` is ``"ok"`` or the
error's name (``InvalidParams``, ``Forbidden``…); ``method`` is ``"(unknown)"`` for a
method that does not exist, so the names stay the registry's own."""

UNKNOWN_METHOD = "(unknown)"

WRITES_TAG = "writes"
"""The tag a method carries when it changes state: it is rate-limited as a write and,
in a registry with ``keyed`` calls, takes the optional ``request_key`` (D-18)."""


class KeyedCalls(Protocol[Ctx_contra]):
    """Runs a write call that carries a request key: once, answering repeats with the
    first result. ``call`` runs the handler and returns its encoded result."""

    async def __call__(self, ctx: Ctx_contra, key: str, *, method: str, digest: str,
                       call: Callable[[], Awaitable[bytes]]) -> bytes: ...

DISCOVER = "rpc.discover"
_SHOWN_NAME = 100  # characters of an unknown method's name echoed back
_SHOWN_PROBLEM = 200  # characters of a refusal's problem written to the log


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodSpec:
    """One method: its handler, its wire types and what the OpenRPC document says of it.

    ``params`` is the msgspec Struct the params decode into (``None``: no params);
    ``result`` any type msgspec can encode and describe. ``public`` is read by the
    registry's ``authorize`` hook only (e.g. "callable by an unbound device").
    ``weight`` says how many calls one request stands for, from its decoded params (a
    bulk change of 40 tickets: 40); the registry hands it to its ``meter`` hook.
    """

    name: str
    handler: Handler
    params: type[msgspec.Struct] | None
    result: Any
    summary: str
    description: str = ""
    errors: Sequence[ErrorCode] = ()
    tags: Sequence[str] = ()
    public: bool = False
    weight: Callable[[Any], int] | None = None

    @property
    def is_write(self) -> bool:
        """Whether the method changes state (it carries :data:`WRITES_TAG`)."""
        return WRITES_TAG in self.tags


@dataclass(frozen=True, slots=True)
class _Route:
    spec: MethodSpec
    decode_params: Callable[[Raw], Any]
    keyed: bool = False


class MethodRegistry(Generic[Ctx]):
    """The methods of one JSON-RPC service and the dispatcher from request to response.

    Transport-agnostic: :meth:`handle` takes request bytes and returns response bytes
    (``None`` when there is nothing to send back). ``authorize(ctx, spec)`` runs before
    a method's params are decoded and refuses a call by raising a domain error (or a
    :class:`JsonRpcError`). ``meter(ctx, spec, weight)`` runs after decoding for the
    methods with a ``weight`` and may refuse the same way (a rate limit that counts a
    bulk change as the changes it makes). ``rpc.discover`` is registered automatically.
    With ``keyed``, every write method (:attr:`MethodSpec.is_write`) with params takes
    the optional ``request_key`` and a call that carries one runs through ``keyed``.
    """

    def __init__(
        self,
        *,
        title: str,
        version: str,
        description: str = "",
        authorize: Callable[[Ctx, MethodSpec], None] | None = None,
        meter: Callable[[Ctx, MethodSpec, int], None] | None = None,
        max_batch: int = 50,
        extensions: Mapping[str, Any] | None = None,
        observe: RequestObserver | None = None,
        keyed: KeyedCalls[Ctx] | None = None,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._title = title
        self._version = version
        self._description = description
        self._authorize = authorize
        self._meter = meter
        self._observe = observe
        self._keyed = keyed
        self._max_batch = max_batch
        self._extensions = dict(extensions or {})
        self._routes: dict[str, _Route] = {}
        self._document: dict[str, Any] | None = None
        self._encoded_document: Raw | None = None
        self._register(MethodSpec(
            name=DISCOVER,
            handler=self._discover,
            params=None,
            result=dict[str, Any],
            summary="This service's OpenRPC document.",
            description="Returns the OpenRPC document (https://spec.open-rpc.org) that "
            "describes every method of this service, its params, result and errors.",
            tags=("discovery",),
            public=True,
        ))

    def method(
        self,
        name: str,
        *,
        params: type[msgspec.Struct] | None,
        result: Any,
        summary: str,
        description: str = "",
        errors: Sequence[ErrorCode] = (),
        tags: Sequence[str] = (),
        public: bool = False,
        weight: Callable[[Any], int] | None = None,
    ) -> Callable[[H], H]:
        """Decorator form of :meth:`add`: registers ``async def handler(ctx, params)``."""

        def register(handler: H) -> H:
            self.add(MethodSpec(
                name=name, handler=handler, params=params, result=result, summary=summary,
                description=description, errors=tuple(errors), tags=tuple(tags), public=public,
                weight=weight,
            ))
            return handler

        return register

    def add(self, spec: MethodSpec) -> None:
        """Register a method. Names are unique; ``rpc.`` names are reserved."""
        if spec.name.startswith("rpc."):
            raise ValueError(f"method names starting with 'rpc.' are reserved: {spec.name!r}")
        self._register(spec)

    def specs(self) -> Sequence[MethodSpec]:
        """Every registered method, ``rpc.discover`` first, then in registration order."""
        return tuple(route.spec for route in self._routes.values())

    def openrpc_document(self) -> dict[str, Any]:
        """The OpenRPC document of this registry (built on first use, then cached).

        The same dict is returned every time: treat it as read-only.
        """
        if self._document is None:
            self._document = build_document(
                title=self._title, version=self._version, description=self._description,
                methods=self.specs(), extensions=self._extensions,
            )
        return self._document

    async def handle(self, ctx: Ctx, body: bytes) -> bytes | None:
        """Answer one JSON-RPC 2.0 message: a request, a notification or a batch.

        Returns the response body, or ``None`` when JSON-RPC says nothing is sent back
        (a notification, or a batch of notifications only). Batch entries run one after
        another, in order, each answered on its own.
        """
        message = decode_message(body)
        if isinstance(message, Request):
            return await self._call(ctx, message)
        if isinstance(message, Rejected):
            return _refuse(message)
        if not message:
            problem = "a batch must not be empty"
            return _refuse(Rejected(JsonRpcError(INVALID_REQUEST, data={"problem": problem})))
        if len(message) > self._max_batch:
            problem = f"a batch holds at most {self._max_batch} requests"
            return _refuse(Rejected(JsonRpcError(INVALID_REQUEST, data={"problem": problem})))
        responses = []
        for entry in message:
            request = decode_entry(entry)
            if isinstance(request, Rejected):
                responses.append(_refuse(request))
                continue
            response = await self._call(ctx, request)
            if response is not None:
                responses.append(response)
        return encode_batch(responses) if responses else None

    async def _call(self, ctx: Ctx, request: Request) -> bytes | None:
        if self._observe is None:
            return (await self._answer(ctx, request))[0]
        started = time.perf_counter()
        outcome = "cancelled"
        try:
            answer, outcome = await self._answer(ctx, request)
        finally:
            name = request.method if request.method in self._routes else UNKNOWN_METHOD
            self._observe(name, outcome, time.perf_counter() - started)
        return answer

    async def _answer(self, ctx: Ctx, request: Request) -> tuple[bytes | None, str]:
        """The response (``None`` for a notification) and its outcome: ``ok`` or the
        error's name."""
        route = self._routes.get(request.method)
        if route is None:
            name = request.method
            shown = name if len(name) <= _SHOWN_NAME else name[:_SHOWN_NAME] + "…"
            error = JsonRpcError(METHOD_NOT_FOUND, data={"method": shown})
        else:
            try:
                if self._authorize is not None:
                    self._authorize(ctx, route.spec)
                params = route.decode_params(request.params)
                if self._meter is not None and route.spec.weight is not None:
                    self._meter(ctx, route.spec, route.spec.weight(params))
                key = key_of(params) if route.keyed else None
                if key is None:
                    result = await route.spec.handler(ctx, params)
                else:
                    result = await self._keyed_call(ctx, route.spec, params, key)
                if request.id is UNSET:
                    return None, "ok"
                return encode_result(request.id, result), "ok"
            except JsonRpcError as exc:
                error = exc
            except DomainError as exc:
                error = from_domain_error(exc) or _internal(request.method)
            except Exception:  # noqa: BLE001 - anything unexpected is logged, answered -32603
                error = _internal(request.method)
        if request.id is UNSET:
            return None, error.code.name
        try:
            return encode_error(request.id, error), error.code.name
        except Exception:  # noqa: BLE001 - the data a handler attached would not encode
            return encode_error(request.id, _internal(request.method)), INTERNAL_ERROR.name

    async def _keyed_call(self, ctx: Ctx, spec: MethodSpec, params: Any, key: str) -> Raw:
        async def call() -> bytes:
            return bytes(encode_raw(await spec.handler(ctx, params)))

        assert self._keyed is not None  # noqa: S101 - a keyed route exists only with it
        digest = params_digest(spec.name, params)
        return Raw(await self._keyed(ctx, key, method=spec.name, digest=digest, call=call))

    async def _discover(self, _ctx: Ctx, _params: None) -> Raw:
        if self._encoded_document is None:
            self._encoded_document = encode_raw(self.openrpc_document())
        return self._encoded_document

    def _register(self, spec: MethodSpec) -> None:
        if spec.name in self._routes:
            raise ValueError(f"method {spec.name!r} is already registered")
        keyed = self._keyed is not None and spec.is_write and spec.params is not None
        if keyed and spec.params is not None:
            spec = replace(
                spec, params=keyed_params(spec.params),
                description=f"{spec.description} {RULE}".strip(),
                errors=(*spec.errors, REQUEST_KEY_REUSED))
        if spec.params is None:
            decode_params: Callable[[Raw], Any] = decode_no_params
        elif isinstance(spec.params, type) and issubclass(spec.params, msgspec.Struct):
            if spec.params.__struct_config__.array_like:
                raise ValueError(f"{spec.name}: params Struct must not be array_like")
            decode_params = ParamsDecoder(spec.params)
        else:
            raise TypeError(f"{spec.name}: params must be a msgspec Struct type or None")
        msgspec.json.schema(spec.result)  # fails now, not at discovery, if undescribable
        self._routes[spec.name] = _Route(spec, decode_params, keyed)
        self._document = None
        self._encoded_document = None


def _refuse(rejected: Rejected) -> bytes:
    # A sender's mistake, not a fault here: one line at INFO, never a traceback.
    error = rejected.error
    problem = error.data.get("problem", "") if isinstance(error.data, dict) else ""
    # %r: the problem may quote the sender's own text, newlines and escapes included.
    logger.info("refused a JSON-RPC message: %s %s: %r", error.code.code, error.message,
                str(problem)[:_SHOWN_PROBLEM])
    return encode_error(rejected.id, error)


def _internal(method: str) -> JsonRpcError:
    # Called inside an ``except`` block: the traceback goes to the log, and the caller
    # learns nothing but "internal error".
    logger.exception("internal error in JSON-RPC method %s", method)
    return JsonRpcError(INTERNAL_ERROR)
