"""The package as a release ships it: a wheel built with ``python -m build``, installed
into an empty virtual environment, runs both programs (issue 19, point 2).

Offline on purpose: the wheel is built without build isolation (the test environment
holds the backend) and installed with ``--no-deps --no-index``; its dependencies come
from the test environment through one ``.pth`` line, which adds a directory to
``sys.path`` without running that directory's own ``.pth`` files, so the editable
install of the working tree stays invisible to the new environment.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.integration.server_harness import free_port
from tests.support.processes import Child, start

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 30.0


def _version_in_pyproject() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False,  # noqa: S603
                          timeout=300, **kwargs)  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the tree (the working tree gets no build/ litter)."""
    work = tmp_path_factory.mktemp("wheel-build")
    source = work / "source"
    source.mkdir()
    shutil.copy2(ROOT / "pyproject.toml", source)
    shutil.copy2(ROOT / "README.md", source)
    shutil.copytree(ROOT / "src", source / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    done = _run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                 "--outdir", str(work / "dist"), str(source)])
    assert done.returncode == 0, done.stdout + done.stderr
    [built] = (work / "dist").glob("hero_assistance-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty virtual environment with only the wheel installed (deps borrowed)."""
    env = tmp_path_factory.mktemp("wheel-venv") / "venv"
    done = _run([sys.executable, "-m", "venv", "--without-pip", str(env)])
    assert done.returncode == 0, done.stderr
    python = env / "bin" / "python"
    done = _run([sys.executable, "-m", "pip", "--python", str(python), "install",
                 "--no-deps", "--no-index", "--disable-pip-version-check", str(wheel)])
    assert done.returncode == 0, done.stdout + done.stderr
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
    borrowed = Path(sysconfig.get_path("purelib"))
    (Path(site.stdout.strip()) / "_borrowed_dependencies.pth").write_text(f"{borrowed}\n")
    return env


def test_the_wheel_holds_both_programs_the_tab_assets_and_the_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "hero_assistance/adapters/sqlite/migrations/0001_initial.sql" in names
    for asset in ("index.html", "tab.js", "tab.css", "embed.js"):
        assert f"hero_assistance/apps/client/ui/static/{asset}" in names
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    scripts = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "hero-assistance-server = hero_assistance.apps.server.cli:main" in scripts
    assert "hero-assistance-client = hero_assistance.apps.client.cli:main" in scripts
    assert wheel.name.startswith(f"hero_assistance-{_version_in_pyproject()}-")


def test_both_programs_say_the_version_of_pyproject(venv: Path) -> None:
    for program in ("hero-assistance-server", "hero-assistance-client"):
        done = _run([str(venv / "bin" / program), "--version"])
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"{program} {_version_in_pyproject()}"


def test_the_installed_package_is_the_wheel_not_the_working_tree(venv: Path) -> None:
    done = _run([str(venv / "bin" / "python"), "-c",
                 "import hero_assistance; print(hero_assistance.__file__)"], cwd="/")
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).is_relative_to(venv), done.stdout


def _wait_http(child: Child, probe: str, *,
               post: dict[str, object] | None = None) -> httpx.Response:
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            answer = (httpx.post(probe, json=post, timeout=2) if post is not None
                      else httpx.get(probe, timeout=2))
            if answer.status_code == 200:
                return answer
        except httpx.HTTPError:
            pass
        if child.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{probe} did not answer:\n{child.output()}")
        time.sleep(0.1)


def test_init_serve_and_ui_run_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    server_bin, client_bin = venv / "bin" / "hero-assistance-server", venv / "bin" / \
        "hero-assistance-client"
    data, port = tmp_path / "data", free_port()
    done = _run([str(server_bin), "--data-dir", str(data), "init", "Wheel project",
                 "--overlay", "loopback", "--port", str(port)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    server = start([str(server_bin), "--data-dir", str(data), "serve"], tmp_path / "server.log")
    try:
        info = _wait_http(server, f"http://127.0.0.1:{port}/rpc",
                          post={"jsonrpc": "2.0", "id": 1, "method": "project.info"}).json()
        assert info["result"]["name"] == "Wheel project"  # the migrations ran: the DB answers
        assert info["result"]["server_version"] == _version_in_pyproject()
        tab_port = free_port()
        tab = start([str(client_bin), "--config-dir", str(tmp_path / "client"), "--overlay",
                     "loopback", "--device", "127.0.0.9", "--no-service", "ui", "--port",
                     str(tab_port)], tmp_path / "ui.log")
        try:
            page = _wait_http(tab, f"http://127.0.0.1:{tab_port}/")
            assert "<script" in page.text  # the tab's page, from the wheel's assets
            script = httpx.get(f"http://127.0.0.1:{tab_port}/static/tab.js", timeout=5)
            assert script.status_code == 200
            assert script.text
        finally:
            assert tab.stop() == 0, tab.output()
    finally:
        assert server.stop() == 0, server.output()
