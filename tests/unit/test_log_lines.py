"""One log mechanism (adapters.serving.logs): one line per record as text or JSON,
untrusted text escaped in both, and each record written once."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hero_assistance.adapters.serving import configure_logging
from hero_assistance.adapters.serving.logs import QUIET_BELOW_WARNING

HOSTILE = "peer said \x1b[2J\x1b]0;owned\x07 and\u2028\u202e\rFAKE 00:00 ERROR forged"


@pytest.fixture
def configure() -> Iterator[Callable[..., None]]:
    """``configure_logging`` as a fresh process calls it: on a root logger without
    handlers (pytest's capture handler, added for the test's call, is taken off)."""
    root = logging.getLogger()
    level = root.level
    ours: list[logging.Handler] = []

    def call(*args: Any, **kwargs: Any) -> None:
        if not ours:
            for handler in list(root.handlers):
                root.removeHandler(handler)
        configure_logging(*args, **kwargs)
        ours.extend(h for h in root.handlers if h not in ours)

    yield call
    for handler in ours:
        root.removeHandler(handler)
    root.setLevel(level)
    for name in QUIET_BELOW_WARNING:
        logging.getLogger(name).setLevel(logging.NOTSET)


def _log_a_traceback(name: str) -> None:
    log = logging.getLogger(name)
    log.info("first line\nsecond line")
    try:
        int("boom")
    except ValueError:
        log.exception("it failed")


def test_text_keeps_a_traceback_and_line_breaks_on_the_record_line(
        configure: Callable[..., None]) -> None:
    out = io.StringIO()
    configure("INFO", out)
    _log_a_traceback("hero_assistance.test")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert lines[0].endswith("INFO hero_assistance.test: first line\\nsecond line")
    assert "it failed\\nTraceback" in lines[1]
    assert "ValueError: invalid literal" in lines[1]


def test_json_is_one_object_per_record(configure: Callable[..., None]) -> None:
    out = io.StringIO()
    configure("INFO", out, log_format="json")
    _log_a_traceback("hero_assistance.test")
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["message"] for r in records] == ["first line\nsecond line", "it failed"]
    assert records[0]["level"] == "INFO"
    assert records[0]["logger"] == "hero_assistance.test"
    assert "ValueError: invalid literal" in records[1]["exception"]
    assert records[0]["time"].endswith("+00:00")


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_untrusted_text_cannot_forge_a_line_or_reach_the_terminal(
        configure: Callable[..., None], log_format: str) -> None:
    out = io.StringIO()
    configure("INFO", out, log_format=log_format)
    logging.getLogger("hero_assistance.test").warning("%s", HOSTILE)
    written = out.getvalue()
    assert written.count("\n") == 1
    assert written.endswith("\n")
    for raw in ("\x1b", "\x07", "\r", "\u2028", "\u202e"):
        assert raw not in written
    if log_format == "json":  # escaped, and still decodes to the exact text
        assert json.loads(written)["message"] == HOSTILE


def test_configuring_twice_still_writes_each_record_once(configure: Callable[..., None]) -> None:
    first, second = io.StringIO(), io.StringIO()
    configure("INFO", first)
    configure("INFO", second, log_format="json")
    logging.getLogger("hero_assistance.test").info("once")
    assert first.getvalue().count("once") + second.getvalue().count("once") == 1
    assert len(logging.getLogger().handlers) == 1


def test_uvicorn_lifecycle_lines_are_left_to_the_programs_own(
        configure: Callable[..., None]) -> None:
    out = io.StringIO()
    configure("INFO", out)
    logging.getLogger("uvicorn.error").info("Started server process [1]")
    logging.getLogger("uvicorn.error").warning("something worth saying")
    assert "Started server process" not in out.getvalue()
    assert "something worth saying" in out.getvalue()
