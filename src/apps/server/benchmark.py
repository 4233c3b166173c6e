"""``serve --benchmark``: add the probes ``scripts/bench.py`` measures ceilings with.

Benchmark mode exists for the benchmark harness alone. It needs the loopback overlay
(the probes have no identity boundary in front of them) and says so loudly in the log.
"""

from __future__ import annotations

import logging

from ...adapters.bench import (
    BroadcastSinks,
    build_probe_registry,
    probe_routes,
    register_listen,
)
from .config import ConfigError, ServerConfig
from .containers import ServerContainer

_log = logging.getLogger("hero_assistance.server")
WARNING = (
    "BENCHMARK MODE: the bench.* probe methods are served (POST /bench/rpc, bench.listen). "
    "They exist for scripts/bench.py only; never serve real users in this mode."
)


def install_probes(container: ServerContainer, config: ServerConfig) -> None:
    """Register ``bench.listen`` and route ``/bench/rpc`` on the overlay listener.

    Call before the overlay app is first built.
    """
    if config.overlay != "loopback":
        raise ConfigError("--benchmark works only with the loopback overlay")
    _log.warning(WARNING)
    sinks = BroadcastSinks()
    register_listen(container.overlay_registry(), sinks)
    container.overlay_app.add_kwargs(extra_routes=probe_routes(build_probe_registry(sinks)))
