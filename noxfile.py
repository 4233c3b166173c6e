"""Nox sessions: lint, typecheck, tests.

The sessions run the tools of the environment nox itself runs in (``scripts/test.sh``
creates it and installs the project with its dev extras), so a run does not build
one virtual environment per session.
"""

from __future__ import annotations

import importlib.util
import sys

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.default_venv_backend = "none"
nox.options.error_on_missing_interpreters = True

LINTED = ["src", "tests", "scripts", "noxfile.py"]


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff over the code, the tests and the scripts."""
    session.run("ruff", "check", *LINTED)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    session.run("mypy", "--strict", "src")


@nox.session
def tests(session: nox.Session) -> None:
    """Unit, contract, integration and end-to-end tests.

    The end-to-end tests make Linux network namespaces: they need root and iproute2
    (``scripts/test.sh`` installs it when missing) and skip, saying why, without them.
    They run in the same pytest call so that ``-k`` selects across every suite.

    pytest exits with 5 when it collects nothing; that is left as a failure on
    purpose, since an empty run means the suite was lost, not that all is well.
    """
    session.run(
        "pytest", "tests/unit", "tests/contract", "tests/integration", "tests/e2e",
        *session.posargs,
    )


@nox.session
def e2e(session: nox.Session) -> None:
    """Only the end-to-end tests (``tests`` runs them too): real processes on network
    namespaces. Not a default session, so a full run does not run them twice."""
    session.run("pytest", "tests/e2e", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """The benchmark, each figure next to a ceiling of the same run (``scripts/bench.py``).

    Not a default session: the full run takes minutes and writes BENCHMARKS.md (with
    .json and .png) at the repository root. ``nox -s bench -- --quick`` is the small
    run ``scripts/test.sh`` makes after the tests; it fails only if a figure is missing.
    The chart needs the ``bench`` extra (matplotlib), installed here when it is absent.
    """
    # nox's own interpreter: the environment the project is installed in.
    if importlib.util.find_spec("matplotlib") is None:
        session.run(sys.executable, "-m", "pip", "install", "--quiet", "-e", ".[bench]")
    session.run(sys.executable, "scripts/bench.py", *session.posargs)
