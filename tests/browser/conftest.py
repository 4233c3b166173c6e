"""A real headless Chromium (Debian's /usr/bin/chromium) driving real Support tabs.

The session starts one project server, two devices (a customer and an agent: two
``hero-assistance-client ui`` processes on their own loopback addresses and ports)
and a static site for the host page; Playwright opens one browser context per device.
Without Playwright or Chromium every test here is skipped with the reason;
``scripts/test.sh`` installs both when it runs as root.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ._processes import ProjectServer, StaticSite, SupportTab, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
EXAMPLES = ROOT / "examples"
PROJECT = "acme"
CUSTOMER = ("carla@example.com", "Carla Customer")
AGENT = ("adam@example.com", "Adam Agent")
SECOND_AGENT = ("bea@example.com", "Bea Agent")


def _why_no_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401, PLC0415 - only to know it is there
    except ImportError:
        return "Playwright is not installed (pip install -e '.[browser]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@dataclass
class Stack:
    """Everything the browser tests drive."""

    server: ProjectServer
    customer: SupportTab
    agent: SupportTab
    second_agent: SupportTab
    site: StaticSite
    foreign_site: StaticSite


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The project server, two signed-up devices with their tabs, the host page's sites."""
    reason = _why_no_browser()
    if reason is not None:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("browser")
    site = StaticSite(EXAMPLES, free_port())
    foreign_site = StaticSite(EXAMPLES, free_port())
    server = ProjectServer(root / "project", "127.0.86.1", free_port("127.0.86.1"))
    customer = SupportTab("customer", root / "customer", "127.0.86.2", free_port(),
                          embed_origins=(site.origin,))
    agent = SupportTab("agent", root / "agent", "127.0.86.3", free_port())
    second_agent = SupportTab("second-agent", root / "second-agent", "127.0.86.4", free_port())
    running: list[Any] = []
    try:
        server.start("Acme Support")
        running.append(server)
        tabs = (customer, agent, second_agent)
        for tab in tabs:
            tab.root.mkdir()
        # Independent programs, run side by side to keep the suite short.
        _together(lambda: server.enroll(CUSTOMER[0], "customer", CUSTOMER[1]),
                  lambda: server.enroll(AGENT[0], "agent", AGENT[1]),
                  lambda: server.enroll(SECOND_AGENT[0], "agent", SECOND_AGENT[1]),
                  *[lambda tab=tab: tab.client("follow", server.url, "--label", PROJECT)
                    for tab in tabs])
        running += tabs
        _together(*[tab.start for tab in tabs])
        agent.sign_in(server, PROJECT, AGENT[0])
        second_agent.sign_in(server, PROJECT, SECOND_AGENT[0])
        for s in (site, foreign_site):
            s.start()
            running.append(s)
        yield Stack(server, customer, agent, second_agent, site, foreign_site)
    finally:
        codes = {}
        for thing in reversed(running):
            code = thing.stop()
            if code is not None:
                codes[type(thing).__name__ + getattr(thing, "name", "")] = code
        assert all(c == 0 for c in codes.values()), f"unclean stops: {codes}"


def _together(*steps: Callable[[], object]) -> None:
    """Run ``steps`` in threads; re-raise the first failure."""
    with ThreadPoolExecutor(len(steps)) as pool:
        for future in [pool.submit(step) for step in steps]:
            future.result()


@pytest.fixture(scope="session")
def browser(stack: Stack) -> Iterator[Any]:
    """Headless Chromium, closed at the end of the session."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional dependency

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where screenshots go (git-ignored); emptied at the start of a run."""
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def axe_script() -> str:
    """axe-core's browser build (npm axe-core, installed by ``nox -s browser`` into
    ``.cache/axe``); a missing copy fails the accessibility tests instead of skipping."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: npm install --prefix .cache/axe axe-core@4.14.1 "
                    "(nox -s browser does it)")
    return AXE.read_text()
