#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, then runs pytest.
# Usage: bash tests/run.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

system_packages() {
    local need=()
    command -v git >/dev/null || need+=(git)
    command -v tmux >/dev/null || need+=(tmux)
    command -v wrk >/dev/null || need+=(wrk)
    command -v openssl >/dev/null || need+=(openssl)
    command -v unshare >/dev/null || need+=(util-linux)
    [ -x /usr/bin/chromium ] || need+=(chromium fonts-dejavu-core)
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
    command -v redis-server >/dev/null || need+=(redis-server)
    command -v node >/dev/null || need+=(nodejs)
    command -v npm >/dev/null || need+=(npm)
    [ ${#need[@]} -eq 0 ] && return 0
    echo "installing system packages: ${need[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

python_packages() {
    command -v uv >/dev/null || python3 -m pip install --quiet --disable-pip-version-check uv
    [ -x .venv/bin/python ] || uv venv --quiet --python python3 .venv
    uv pip install --quiet --python .venv/bin/python -e ".[test]"
}

# The test OpenID provider (tests/support/oidc/): exactly the locked npm packages.
node_packages() {
    local dir=tests/support/oidc
    [ -d "$dir/node_modules/oidc-provider" ] && return 0
    echo "installing the test OpenID provider's npm packages"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

system_packages
python_packages
node_packages
# Generated projects install their own dependencies with pip, as their README says.
export PIP_DISABLE_PIP_VERSION_CHECK=1
exec .venv/bin/python -m pytest "$@"
