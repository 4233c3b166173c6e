# Sourced by scripts/test.sh and scripts/start.sh: create (or reuse) the project's
# virtual environment and install hero_assistance with the given extras whenever
# pyproject.toml or the extras changed. Needs only python3.
hero_env() {
    local extras="$1"
    venv="${HERO_ASSISTANCE_VENV:-.venv}"
    if [ ! -x "$venv/bin/python" ]; then
        echo "== creating virtual environment in $venv"
        python3 -m venv "$venv"
    fi
    local stamp="$venv/.hero-assistance-installed"
    local want
    want="$(sha256sum pyproject.toml | cut -d' ' -f1) $extras"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        echo "== installing hero_assistance [$extras]"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
        echo "$want" > "$stamp"
    fi
    export PATH="$PWD/$venv/bin:$PATH"
    export VIRTUAL_ENV="$PWD/$venv"
}
