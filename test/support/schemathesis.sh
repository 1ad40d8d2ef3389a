#!/usr/bin/env bash
# Installs Schemathesis (PyPI) into .cache/schemathesis-venv and prints the path of its `st`
# command on the last line of stdout. Pinned, so every machine runs the same checks; does
# nothing but one version check when that version is already there. Without a Python 3 that
# can make a venv it says what to install and fails: the OpenAPI conformance test must not
# pass by skipping itself.
set -euo pipefail

VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.cache/schemathesis-venv"
st="$venv/bin/st"

installed() {
  [ -x "$st" ] && [ "$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" = "$VERSION" ]
}

if installed; then
  echo "$st"
  exit 0
fi

python=""
for candidate in python3 /root/.pyenv/shims/python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "import venv, ensurepip" >/dev/null 2>&1; then
    python="$candidate"
    break
  fi
done
if [ -z "$python" ]; then
  echo "Schemathesis needs Python 3 with the venv module (Debian/Ubuntu: apt-get install python3-venv;" >&2
  echo "test/support/ensure-system-deps.sh installs them when run as root)." >&2
  exit 1
fi

# Another test process may be installing at the same moment: one at a time.
mkdir -p "$root/.cache"
exec 9>"$root/.cache/schemathesis-install.lock"
flock 9
if ! installed; then
  echo "installing schemathesis==$VERSION into $venv" >&2
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
fi
installed || { echo "schemathesis==$VERSION did not install into $venv" >&2; exit 1; }
echo "$st"
