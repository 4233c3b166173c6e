"""The domain is pure: it imports only the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import hero_assistance.domain

DOMAIN = Path(hero_assistance.domain.__file__).parent
# Modules that would let the domain do I/O or read the clock or randomness itself.
IMPURE = {"asyncio", "os", "random", "secrets", "socket", "sqlite3", "subprocess", "time",
          "urllib", "http", "smtplib", "pathlib", "io", "logging", "threading"}


def _imports() -> list[tuple[str, str]]:
    found = []
    for path in sorted(DOMAIN.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.extend((path.name, alias.name) for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((path.name, node.module))
    return found


def test_the_domain_imports_only_the_standard_library() -> None:
    imports = _imports()
    assert imports, "no imports found: the scan is broken"
    foreign = [(f, m) for f, m in imports
               if m.split(".")[0] not in sys.stdlib_module_names | {"__future__"}]
    assert foreign == []


def test_the_domain_reaches_the_outside_world_only_through_ports() -> None:
    impure = [(f, m) for f, m in _imports() if m.split(".")[0] in IMPURE]
    assert impure == []
