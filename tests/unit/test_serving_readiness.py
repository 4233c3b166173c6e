"""Ready files, the fd budget and one-line logs of adapters.serving."""

from __future__ import annotations

import io
import json
import logging
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from hero_assistance.adapters.serving import (
    NotReady,
    connection_budget,
    one_line,
    read_ready,
    remove_ready,
    wait_ready,
    write_ready,
)
from hero_assistance.adapters.serving.logs import OneLineFormatter
from hero_assistance.adapters.serving.readiness import process_start

LINUX = Path("/proc/self/stat").exists()


def test_a_ready_file_is_whole_and_names_this_process(tmp_path: Path) -> None:
    path = tmp_path / "ready.json"
    written = write_ready(path, "http://127.0.0.1:1/rpc", {"overlay": "loopback"})
    assert json.loads(path.read_text())["url"] == "http://127.0.0.1:1/rpc"
    assert [p.name for p in tmp_path.iterdir()] == ["ready.json"]  # no temp file left
    assert path.stat().st_mode & 0o777 == 0o600
    read = read_ready(path)
    assert read == written
    assert read.pid == os.getpid()
    assert read.details == {"overlay": "loopback"}
    remove_ready(path)
    assert not path.exists()
    assert read_ready(path) is None


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _rewrite(path: Path, **fields: object) -> None:
    record = json.loads(path.read_text())
    record.update(fields)
    path.write_text(json.dumps(record))


def test_a_stale_file_of_a_dead_process_is_recognised(tmp_path: Path) -> None:
    path = tmp_path / "ready.json"
    write_ready(path, "http://x/rpc")
    _rewrite(path, pid=_dead_pid())
    assert read_ready(path) is None
    _rewrite(path, pid=os.getpid(), process_start=None)  # no start time: liveness only
    assert read_ready(path) is not None


@pytest.mark.skipif(not LINUX, reason="process start times come from /proc")
def test_a_reused_pid_is_told_apart_by_its_start_time(tmp_path: Path) -> None:
    path = tmp_path / "ready.json"
    write_ready(path, "http://x/rpc")
    start = process_start(os.getpid())
    assert start is not None
    _rewrite(path, process_start=start - 1)  # "this pid, but a process started earlier"
    assert read_ready(path) is None


def test_another_process_s_file_is_not_removed(tmp_path: Path) -> None:
    path = tmp_path / "ready.json"
    write_ready(path, "http://x/rpc")
    _rewrite(path, pid=os.getpid() + 1)
    remove_ready(path)
    assert path.exists()


@pytest.mark.parametrize("content", [b"", b"{", b'{"pid": "x"}', b"\xff\xfe", b"[]"])
def test_a_broken_file_is_not_ready(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "ready.json"
    path.write_bytes(content)
    assert read_ready(path) is None


def test_waiting_ends_when_the_process_exits_or_time_is_up(tmp_path: Path) -> None:
    path = tmp_path / "ready.json"
    with pytest.raises(NotReady, match="exited"):
        wait_ready(path, timeout=5, running=lambda: False)
    with pytest.raises(NotReady, match="within"):
        wait_ready(path, timeout=0.05)
    write_ready(path, "http://x/rpc")
    with pytest.raises(NotReady):
        wait_ready(path, timeout=0.05, pid=os.getpid() + 1)  # someone else's file
    assert wait_ready(path, timeout=1, pid=os.getpid()).url == "http://x/rpc"


def test_the_connection_budget_stays_below_the_fd_limit() -> None:
    assert connection_budget(4096, 1024) == 1024 - 128
    assert connection_budget(4096, 1_048_576) == 4096
    assert connection_budget(100, 1024) == 100
    assert connection_budget(4096, 64) == 8  # never below the minimum


RAISE = ("import resource; from hero_assistance.adapters.serving import raise_fd_limit; "
         "print(raise_fd_limit(), *resource.getrlimit(resource.RLIMIT_NOFILE))")


@pytest.mark.parametrize(("soft", "hard"), [(256, 512), (512, 512)])
def test_the_soft_fd_limit_is_raised_to_the_hard_one(soft: int, hard: int) -> None:
    current = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if current != resource.RLIM_INFINITY and current < hard:
        pytest.skip(f"the hard fd limit here is {current}")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    out = subprocess.run([sys.executable, "-c", RAISE], capture_output=True, text=True,  # noqa: S603
                         check=True, preexec_fn=limit).stdout.split()
    assert out == [str(hard), str(hard), str(hard)]


def test_one_line_escapes_line_breaks_and_controls() -> None:
    assert one_line("a\nb\r\nc\td") == "a\\nb\\x0d\\nc\td"
    assert one_line("\x1b[2J\x00\x7f\x85\u2028\u202e") == (
        "\\x1b[2J\\x00\\x7f\\x85\\u2028\\u202e")
    assert one_line("plain ünïcödé") == "plain ünïcödé"


def test_a_record_with_a_traceback_is_one_line() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(OneLineFormatter("%(levelname)s %(message)s"))
    log = logging.getLogger("test.one_line")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise ValueError("bad\nvalue")  # noqa: TRY301
        except ValueError:
            log.exception("peer said %s", "hi\nFAKE RECORD")
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert text.count("\n") == 1
    assert text.endswith("\n")
    assert "Traceback" in text
    assert "hi\\nFAKE RECORD" in text
