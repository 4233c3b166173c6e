"""Nox sessions: lint, typecheck, tests.

The sessions run the tools of the environment nox itself runs in (``scripts/test.sh``
creates it and installs the project with its dev extras), so a run does not build
one virtual environment per session.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

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
    """Unit, contract, integration, the bounded fuzzing run and end-to-end tests.

    The end-to-end tests make Linux network namespaces: they need root and iproute2
    (``scripts/test.sh`` installs it when missing) and skip, saying why, without them.
    They run in the same pytest call so that ``-k`` selects across every suite.

    pytest exits with 5 when it collects nothing; that is left as a failure on
    purpose, since an empty run means the suite was lost, not that all is well.
    """
    session.run(
        "pytest", "tests/unit", "tests/contract", "tests/integration", "tests/fuzz",
        "tests/e2e", *session.posargs,
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


@nox.session
def fuzz(session: nox.Session) -> None:
    """The adversarial suite with a large budget against a fresh server (``tests/fuzz``).

    Not a default session (``tests`` runs a bounded number of examples). Generates
    requests from the server's own ``rpc.discover`` document, sends them over HTTP and
    WebSocket as four kinds of caller, and prints what it tried and what it found.
    ``nox -s fuzz -- --requests 50000``; or ``HERO_FUZZ_REQUESTS``; ``HERO_FUZZ_SEED``
    replays a run. Fails if any request got a 5xx or -32603, a socket was torn down,
    the log shows a traceback, or the server stopped answering.
    """
    session.run(sys.executable, "-m", "tests.fuzz", *session.posargs)


CHROMIUM = Path("/usr/bin/chromium")
AXE_VERSION = "4.14.1"
AXE = Path(__file__).parent / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


@nox.session
def browser(session: nox.Session) -> None:
    """The Support tab in a real headless Chromium (``tests/browser``).

    Not a default session: it drives Debian's ``/usr/bin/chromium`` through Playwright
    (the ``browser`` extra, installed here when it is absent; Playwright's own browser
    downloads are never used). As root, Chromium is installed with apt when missing;
    without it the session is skipped with the reason. Screenshots of the main screens
    go to ``test-artifacts/browser/``.
    """
    if importlib.util.find_spec("playwright") is None:
        session.run(sys.executable, "-m", "pip", "install", "--quiet", "-e", ".[browser]")
    if not CHROMIUM.exists() and _can_apt_install():
        session.run("apt-get", "update", "-qq", external=True)
        session.run("apt-get", "install", "-y", "-qq", "chromium", external=True,
                    env={"DEBIAN_FRONTEND": "noninteractive"})
    if not CHROMIUM.exists():
        session.skip(f"{CHROMIUM} is missing and cannot be installed here (needs root and "
                     "apt-get): apt-get install chromium")
    if not AXE.exists():
        # axe-core checks the tab's accessibility inside the page (the browser tests
        # fail without it, they do not skip).
        if shutil.which("npm") is None and _can_apt_install():
            session.run("apt-get", "update", "-qq", external=True)
            session.run("apt-get", "install", "-y", "-qq", "npm", external=True,
                        env={"DEBIAN_FRONTEND": "noninteractive"})
        session.run("npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix",
                    str(AXE.parents[2]), f"axe-core@{AXE_VERSION}", external=True)
    session.run("pytest", "tests/browser", *session.posargs)


def _can_apt_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None
