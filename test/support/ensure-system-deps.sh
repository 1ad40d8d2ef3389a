#!/usr/bin/env bash
# Installs what the tests need from the system's package manager when it is missing:
# redis-server (real Redis), nginx (the sticky-session balancer), chromium (browser tests),
# Go (to build the embedded FerretDB) and Python 3 with venv (Schemathesis, installed from
# PyPI by test/support/schemathesis.sh). Safe to run repeatedly; does nothing when all
# are present. Without root or apt-get it says what to install and stops.
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# Emoji in the browser tests' screenshots (docs/screenshot-conversation.png); no test depends on it.
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1 || need+=(fonts-noto-color-emoji)
{ command -v python3 >/dev/null 2>&1 && python3 -c "import venv, ensurepip" >/dev/null 2>&1; } || need+=(python3 python3-venv)
command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || [ -x "$(dirname "$0")/../../.cache/bin/ferretdb-embedded" ] || need+=(golang-go)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  echo "installing system packages for the tests: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # Debian starts the services it installs; the tests start their own instances on free ports.
  (command -v systemctl >/dev/null 2>&1 && systemctl stop redis-server nginx) >/dev/null 2>&1 || true
  (service redis-server stop; service nginx stop) >/dev/null 2>&1 || true
else
  echo "The tests need these system packages: ${need[*]}" >&2
  echo "Install them (Debian/Ubuntu: sudo apt-get install ${need[*]}) and run the tests again." >&2
  exit 1
fi
