"""In-memory implementations of every port: the test harness of the service layer.

They keep the same contracts as the real adapters (the contract suites run against
both), so a use case tested here behaves the same on SQLite.
"""

from .blobs import MemoryBlobStore
from .clock import ManualClock
from .mailer import MemoryMailer
from .overlay import StaticOverlay
from .publisher import RecordingPublisher
from .secrets import CountingSecrets
from .settings_observer import RecordingSettingsObserver
from .storage import MemoryStorage

__all__ = [
    "CountingSecrets",
    "ManualClock",
    "MemoryBlobStore",
    "MemoryMailer",
    "MemoryStorage",
    "RecordingPublisher",
    "RecordingSettingsObserver",
    "StaticOverlay",
]
