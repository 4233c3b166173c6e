#!/usr/bin/env bash
# Start the local demo: install what is needed (idempotent), create a demo project in
# .hero_assistance/, enroll a demo agent and customer, start the project server
# (mycelium when a daemon answers, otherwise the loopback overlay), sign in the demo
# devices, serve a Support tab for each, and print the URLs. Running it again reuses
# what is there. Stop everything with scripts/stop.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/_env.sh
source scripts/_env.sh
hero_env ""   # only what the demo runs: no test, benchmark or browser extras
exec "$venv/bin/python" scripts/demo.py start
