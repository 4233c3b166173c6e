#!/usr/bin/env bash
# The test command: lint, typecheck and the test suites (unit, contract, integration,
# the cross-host end-to-end run), the benchmark's quick mode and the Support tab's
# browser tests, on a machine that has only python3. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/_env.sh
source scripts/_env.sh
hero_env "$HERO_TEST_EXTRAS"   # the demo's runtime plus the test, benchmark and browser tools
# nox runs its sessions in this environment (noxfile.py), not in venvs of their own.

# The end-to-end tests make network namespaces with `ip`; the browser tests drive
# Debian's Chromium through Playwright (which never downloads a browser here).
hero_apt_install ip iproute2 "the end-to-end tests"
hero_apt_install /usr/bin/chromium chromium "the browser tests"
hero_apt_install npm npm "axe-core (the browser tests' accessibility checks)"
hero_apt_install systemd-analyze systemd "the systemd unit checks"

echo "== nox: lint, typecheck, tests"
nox --no-venv -s lint typecheck tests -- "$@"

# The benchmark's quick mode keeps its machinery working: it fails only when a figure
# is missing, never on a number (those are for `nox -s bench` on a quiet machine).
echo "== nox: bench --quick"
nox --no-venv -s bench -- --quick

echo "== nox: browser"
exec nox --no-venv -s browser
