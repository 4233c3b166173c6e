# Sourced by scripts/test.sh and scripts/start.sh. Needs only python3 (and, as root,
# apt-get for the system packages some tests use).

# The extras test.sh needs on top of what the demo runs (start.sh installs none).
HERO_TEST_EXTRAS="dev,bench,browser"

# hero_env [EXTRAS]: create (or reuse) the virtual environment and install
# hero_assistance (editable) with EXTRAS (comma-separated; without an argument the
# developer's set, HERO_TEST_EXTRAS; "" for the runtime alone, as start.sh does)
# whenever pyproject.toml changed or an extra is missing; put the environment first on
# PATH.
# Extras installed by an earlier call are kept, so start.sh after test.sh installs
# nothing and test.sh after start.sh adds only the extras.
hero_env() {
    venv="${HERO_ASSISTANCE_VENV:-.venv}"
    local wanted="$HERO_TEST_EXTRAS"
    [ "$#" -gt 0 ] && wanted="$1"
    local stamp="$venv/.hero-assistance-installed"
    local digest
    digest="$(sha256sum pyproject.toml | cut -d' ' -f1)"
    local had="" have_digest=""
    if [ -f "$stamp" ]; then
        read -r have_digest had < "$stamp" || true
    fi
    # The union of what is there and what is wanted, sorted, without empties.
    local extras
    extras="$(printf '%s\n' "${had//,/$'\n'}" "${wanted//,/$'\n'}" | sed '/^$/d' | sort -u \
        | paste -sd, -)"
    if [ -x "$venv/bin/python" ] && [ "$have_digest" = "$digest" ] && [ "$had" = "$extras" ]; then
        export PATH="$PWD/$venv/bin:$PATH"
        export VIRTUAL_ENV="$PWD/$venv"
        return 0
    fi
    if [ ! -x "$venv/bin/python" ]; then
        echo "== creating virtual environment in $venv"
        python3 -m venv "$venv"
    fi
    local target="."
    [ -n "$extras" ] && target=".[$extras]"
    echo "== installing hero_assistance${extras:+ [$extras]} (first time: a minute or so)"
    # pip's own output, one short line per package, so a slow download shows progress.
    # --no-compile: modules are byte-compiled when first imported, not all at install
    # (the dependencies bring large packages the programs never import).
    # (In an `if`, so that set -e leaves the failure to us; pipefail reports pip's.)
    if ! "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off \
            --no-compile -e "$target" 2>&1 | sed -un \
            -e 's/^Collecting \([^ ]*\).*/   collecting \1/p' \
            -e 's/^Installing collected packages: .*/   installing/p' \
            -e 's/^Successfully installed .*/   done/p' \
            -e '/^ERROR/p'; then
        echo "error: pip could not install hero_assistance; the full output:" \
             "$venv/bin/python -m pip install -e '$target'" >&2
        return 1
    fi
    echo "$digest $extras" > "$stamp"
    export PATH="$PWD/$venv/bin:$PATH"
    export VIRTUAL_ENV="$PWD/$venv"
}

# hero_apt_install COMMAND PACKAGE WHY: install PACKAGE from Debian when COMMAND is
# missing and we are root with apt-get; otherwise the tests that need it skip and say so.
hero_apt_install() {
    local command="$1" package="$2" why="$3"
    if command -v "$command" >/dev/null 2>&1; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing $package for $why"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
    fi
}
