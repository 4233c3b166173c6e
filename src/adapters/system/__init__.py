"""The real clock, the real source of secrets, and the project's key file."""

from .clock import SystemClock
from .key_file import KeyFileError, derive_key, read_or_create_key
from .secrets import SystemSecrets

__all__ = ["KeyFileError", "SystemClock", "SystemSecrets", "derive_key", "read_or_create_key"]
