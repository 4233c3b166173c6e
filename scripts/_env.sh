# Sourced by scripts/test.sh and scripts/start.sh. Needs only python3 (and, as root,
# apt-get for the system packages some tests use).

HERO_EXTRAS="dev,bench,browser"  # one set for every script, so they share one install

# Create (or reuse) the virtual environment and install hero_assistance with its
# extras whenever pyproject.toml changed; put the environment first on PATH.
hero_env() {
    venv="${HERO_ASSISTANCE_VENV:-.venv}"
    if [ ! -x "$venv/bin/python" ]; then
        echo "== creating virtual environment in $venv"
        python3 -m venv "$venv"
    fi
    local stamp="$venv/.hero-assistance-installed"
    local want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1) $HERO_EXTRAS"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "== installing hero_assistance [$HERO_EXTRAS]"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            -e ".[$HERO_EXTRAS]"
        echo "$want" > "$stamp"
    fi
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
