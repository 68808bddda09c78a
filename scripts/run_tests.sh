#!/usr/bin/env bash
# Install what the tests need and run every test. This is the README's test command and what
# CI runs (.ci/run). Extra arguments go to pytest (e.g. `scripts/run_tests.sh tests/core -x`).
#
# Browser tests use Debian's Chromium (never a downloaded browser). Under CI=true it is
# installed with apt-get when missing and the browser tests must run; elsewhere they skip with
# a reason unless Chromium is present (INSTALL_CHROMIUM=1 installs it here too).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

if ! command -v chromium >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ] || [ "${INSTALL_CHROMIUM:-}" = "1" ]; then
    echo "Installing Debian's chromium (and a font, so text has a size) for the browser tests..."
    sudo=""
    if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-liberation
  else
    echo "note: chromium is not installed; the browser tests (tests/e2e) will be skipped."
    echo "      Install it with 'apt-get install chromium' or run with INSTALL_CHROMIUM=1."
  fi
fi

# Spark tests (@pytest.mark.spark) need Java 17: installed under CI=true when missing.
if ! command -v java >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then
    echo "Installing Debian's openjdk-17-jre-headless for the Spark tests..."
    sudo=""
    if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless
  else
    echo "note: java is not installed; the Spark tests (-m spark) will be skipped."
  fi
fi

# The deployment tests put nginx in front of the app (docs/deployment.md's recipe): installed
# from Debian under CI=true when missing; elsewhere those tests skip without it.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ] && [ "${CI:-}" = "true" ]; then
  echo "Installing Debian's nginx for the reverse-proxy tests..."
  sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx-light
fi

# Sign-in tests (tests/e2e/test_sign_in.py) run a real OpenID Connect provider, npm's
# oidc-provider, on Node.js: its exact versions come from tests/idp/package-lock.json
# (npm ci: the npm registry only, nothing else is downloaded). Node.js is installed from
# Debian under CI=true when missing; elsewhere the sign-in tests skip without it.
if ! command -v node >/dev/null 2>&1 && [ "${CI:-}" = "true" ]; then
  echo "Installing Debian's nodejs and npm for the sign-in tests..."
  sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm
fi
if command -v npm >/dev/null 2>&1; then
  if [ ! -d tests/idp/node_modules/oidc-provider ] || [ tests/idp/package-lock.json -nt tests/idp/node_modules ]; then
    npm ci --prefix tests/idp --no-audit --no-fund --loglevel=error
  fi
else
  echo "note: npm is not installed; the sign-in browser tests will be skipped."
fi

# Lint first: a lint error fails the run before any test starts (config in pyproject.toml).
python3 -m ruff check .

# Four workers on two cores, with work stealing so no worker idles at the end: a browser test
# waits on a server and a browser, so more workers overlap the waits. Measured in a fresh clone
# under CI=true on the idle 2-core machine: 2 workers 17 min 11 s (2,927 tests), 4 workers
# 15 min 47 s (2,995 tests). The slowest tests are listed at the end of every run, so a slow
# one is seen where it lands.
exec python3 -m pytest -n 4 --dist worksteal --durations=25 "$@"
