"""Where the shared reference specifications are (../shared/reference beside the repo).

CI lays a copy of shared/ beside the clone; a developer's checkout has it at
/work/shared. ``HERO_ASSISTANCE_REFERENCE`` overrides both.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO = Path(__file__).resolve().parents[1]


def reference_dir() -> Path:
    """The folder holding mycelium-openrpc.json, mycelium-api.yaml and the meta-schema."""
    candidates = [
        Path(os.environ["HERO_ASSISTANCE_REFERENCE"])
        if os.environ.get("HERO_ASSISTANCE_REFERENCE") else None,
        _REPO.parent / "shared" / "reference",
        Path("/work/shared/reference"),
    ]
    for candidate in candidates:
        if candidate is not None and (candidate / "openrpc-meta-schema.json").is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates if c is not None)
    raise FileNotFoundError(f"the shared reference specifications are missing (tried {tried})")


def reference_file(name: str) -> Path:
    """One reference file by name."""
    return reference_dir() / name
