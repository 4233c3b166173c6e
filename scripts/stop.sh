#!/usr/bin/env bash
# Stop every process scripts/start.sh started (by their recorded PIDs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=".venv/bin/python"
[ -x "$python" ] || python=python3
exec "$python" scripts/demo.py stop
