#!/usr/bin/env bash
# The test command: lint, typecheck and the test suites, then the benchmark's quick
# mode, on a machine that has only python3. Creates (or reuses) .venv, installs the
# project with its dev and bench extras when pyproject.toml changed, then runs the nox
# sessions. Exits non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
venv="${HERO_ASSISTANCE_VENV:-.venv}"

if [ ! -x "$venv/bin/python" ]; then
    echo "== creating virtual environment in $venv"
    python3 -m venv "$venv"
fi

stamp="$venv/.hero-assistance-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "== installing hero_assistance and its development tools"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
    echo "$want" > "$stamp"
fi

# nox runs its sessions without virtualenvs of their own (noxfile.py): the tools are
# the ones installed in this environment, so it must come first on PATH.
export PATH="$PWD/$venv/bin:$PATH"
export VIRTUAL_ENV="$PWD/$venv"

# The end-to-end tests make network namespaces with `ip`; as root, install it if missing.
if ! command -v ip >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing iproute2 for the end-to-end tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null
fi

echo "== nox: lint, typecheck, tests"
"$venv/bin/nox" --no-venv -s lint typecheck tests -- "$@"

# The benchmark's quick mode keeps its machinery working: it fails only when a figure
# is missing, never on a number (those are for `nox -s bench` on a quiet machine).
echo "== nox: bench --quick"
"$venv/bin/nox" --no-venv -s bench -- --quick

# The Support tab's browser tests drive Debian's Chromium through Playwright (the
# `browser` extra; Playwright never downloads a browser here). As root, install
# Chromium when it is missing; elsewhere `nox -s browser` skips and says why.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! "$venv/bin/python" -c 'import playwright' >/dev/null 2>&1; then
    echo "== installing the browser extra (Playwright)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[browser]'
fi
echo "== nox: browser"
exec "$venv/bin/nox" --no-venv -s browser
