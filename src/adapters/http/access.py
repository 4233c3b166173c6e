"""The method gate: unbound devices reach only public methods; writes are rate-limited."""

from __future__ import annotations

from datetime import timedelta

from ...domain.errors import Forbidden
from ...domain.identity import CallerIdentity
from ...domain.policy import require_bound
from ...domain.ports import Clock
from ...domain.ratelimit import Limit, SlidingWindow
from ..jsonrpc import MethodSpec
from ..support_rpc.context import RequestContext
from .boundary import OperatorBoundary

WRITES_PER_DEVICE = Limit(240, timedelta(minutes=1))
WRITE_TAG = "writes"
OPERATOR_TAG = "operator"


class MethodGate:
    """``authorize`` hook of both server registries (overlay and admin socket)."""

    def __init__(self, clock: Clock, writes: Limit = WRITES_PER_DEVICE) -> None:
        self._clock = clock
        self._writes = SlidingWindow(writes, "changes from this device")

    def __call__(self, ctx: RequestContext, spec: MethodSpec) -> None:
        """Refuse unbound devices outside the public methods; count writes per device."""
        if spec.public:
            return
        who: CallerIdentity = require_bound(ctx.caller)
        # The overlay registry holds no operator method (D-14): this refusal is the second
        # line, should one ever be registered where a device could reach it.
        if OPERATOR_TAG in spec.tags and who != OperatorBoundary.OPERATOR:
            raise Forbidden(f"{spec.name} works only on the server's admin socket")
        if WRITE_TAG in spec.tags and spec.weight is None:
            self._writes.hit(who.device_addr, self._clock.now())

    def meter(self, ctx: RequestContext, spec: MethodSpec, weight: int) -> None:
        """Count a write that stands for ``weight`` changes (a bulk change), all or none.

        Counted here, once its params are read, instead of in :meth:`__call__`: a bulk
        change of 100 tickets uses the budget of 100 single changes, so a flood of them
        (or a batch of them) is bounded like a flood of ``ticket.update`` (issue 14), and
        a refused one spends nothing.
        """
        if WRITE_TAG in spec.tags:
            who: CallerIdentity = require_bound(ctx.caller)
            self._writes.hit(who.device_addr, self._clock.now(), weight)
