"""systemd's service notification protocol (sd_notify): readiness, watchdog, stopping."""

from .notify import ServiceNotifier

__all__ = ["ServiceNotifier"]
