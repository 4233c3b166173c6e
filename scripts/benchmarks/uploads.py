"""Image uploads: many costly PNGs in flight at once, and the server's memory meanwhile.

A 6,324 x 6,324 PNG of one colour is ~130 KB on the wire and 160 MB in Pillow once
decoded (RGB is held as RGBX). The run sends ``profile.uploads`` of them (each of
another colour: the server decodes an image once) at the same moment, each from its
own device of one customer, to ``POST /attachments`` of a fresh
server; a thread samples the server's VmRSS every 10 ms, and VmHWM (the kernel's own
peak) is read when every upload has been answered. Then the server is left idle until
its RSS stops falling, and RSS is read again: memory the decodes freed but the
allocator kept would show there.

Alone: ``cd scripts && ../.venv/bin/python -m benchmarks.uploads [--uploads 16]``.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import tempfile
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hero_assistance.domain.identity import Role

from . import machine
from .seed import Group, seed
from .server import HOST, ServerProcess, free_port, init_data_dir, server_command

SIDE = 6324
UPLOADERS = 30  # second octet of the uploading devices
TARGET_PEAK_BYTES = 400 * 10**6
SAMPLE_EVERY = 0.01
IDLE_STEP = 1.0  # RSS is "idle" once it falls by less than IDLE_SLACK over this long
IDLE_SLACK = 2**20
IDLE_LIMIT = 30.0
ANSWER_TIMEOUT = 300.0


def costly_png(side: int = SIDE, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A square PNG of one colour: tiny on the wire, ``side``² x 4 bytes in Pillow.

    Built row by row (every row after the first is filter "Up" with nothing to add),
    so this process never holds the pixels either.
    """
    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return len(payload).to_bytes(4, "big") + kind + payload + crc.to_bytes(4, "big")

    compressor = zlib.compressobj(9)
    parts = [compressor.compress(b"\x00" + bytes(rgb) * side)]
    same_as_above = b"\x02" + bytes(3 * side)
    parts += [compressor.compress(same_as_above) for _ in range(side - 1)]
    parts.append(compressor.flush())
    header = side.to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


class _Sampler:
    """The highest VmRSS of a process seen while running (a thread, every 10 ms)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.highest = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="rss-sampler")

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.highest = max(self.highest, machine.rss_bytes(self.pid))
            self._stop.wait(SAMPLE_EVERY)


def _upload(port: int, source: str, body: bytes) -> tuple[int, float]:
    """POST one image from device ``source``: the status and how long the answer took."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=ANSWER_TIMEOUT,
                                            source_address=(source, 0))
    try:
        connection.request("POST", "/attachments", body=body,
                           headers={"Content-Type": "application/octet-stream"})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def _idle_rss(pid: int) -> tuple[int, float]:
    """RSS once it stops falling, and how long that took."""
    started = time.monotonic()
    last = machine.rss_bytes(pid)
    while time.monotonic() - started < IDLE_LIMIT:
        time.sleep(IDLE_STEP)
        now = machine.rss_bytes(pid)
        if last - now < IDLE_SLACK:
            return now, time.monotonic() - started
        last = now
    return machine.rss_bytes(pid), time.monotonic() - started


def run_uploads(work: Path, uploads: int, command: list[str] | None = None, *,
                synchronous: str = "FULL") -> dict[str, Any]:
    """``uploads`` costly PNGs at once to a fresh server; its memory before, at peak, after."""
    data_dir = work / "uploads"
    init_data_dir(data_dir, name="Uploads", port=free_port(), synchronous=synchronous)
    uploader = Group(name="uploader", role=Role.CUSTOMER, users=1, devices_per_user=uploads,
                     block=UPLOADERS)
    seed(data_dir / "project.sqlite3", [uploader])
    # Different files: the server decodes an image once, a second copy costs nothing.
    images = [costly_png(rgb=(n % 256, 30, 200)) for n in range(uploads)]
    sources = uploader.addresses()
    with ServerProcess(data_dir, free_port(), command) as server:
        time.sleep(0.5)
        before = server.rss_bytes()
        with _Sampler(server.pid) as sampler, ThreadPoolExecutor(uploads) as pool:
            started = time.perf_counter()
            answers = list(pool.map(lambda n: _upload(server.port, sources[n], images[n]),
                                    range(uploads)))
            wall = time.perf_counter() - started
        peak = _peak_rss(server.pid)
        idle, settled = _idle_rss(server.pid)
    statuses: dict[str, int] = {}
    for status, _ in answers:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    seconds = [elapsed for _, elapsed in answers]
    figures = {
        "uploads": uploads, "side": SIDE, "file_bytes": len(images[0]),
        "statuses": statuses, "answered": statuses.get("201", 0),
        "rss_bytes_before": before, "peak_rss_bytes": peak,
        "sampled_peak_rss_bytes": sampler.highest, "idle_rss_bytes": idle,
        "idle_after_seconds": round(settled, 1), "wall_seconds": round(wall, 2),
        "answer_seconds_p50": round(statistics.median(seconds), 2),
        "answer_seconds_max": round(max(seconds), 2),
    }
    mib = 2**20
    print(f"  {uploads} uploads of a {SIDE:,}² PNG ({len(images[0]) / 1000:.0f} KB): "
          f"{figures['answered']}/{uploads} stored in {wall:.1f} s; server RSS "
          f"{before / mib:.0f} MiB before, peak {peak / mib:.0f} MiB (VmHWM; sampled "
          f"{sampler.highest / mib:.0f}), {idle / mib:.0f} MiB idle after", flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    """This phase alone, printing its figures; exit 1 if the peak misses the target."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.uploads",
                                     description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--uploads", type=int, default=16)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hero-bench-uploads-") as work:
        figures = run_uploads(Path(work), options.uploads, server_command())
    met = figures["peak_rss_bytes"] <= TARGET_PEAK_BYTES
    print(f"  {'met   ' if met else 'MISSED'} peak RSS ≤ 400 MB: "
          f"{figures['peak_rss_bytes'] / 1e6:.0f} MB")
    return 0 if met and figures["answered"] == options.uploads else 1


if __name__ == "__main__":
    raise SystemExit(main())
