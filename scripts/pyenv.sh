#!/usr/bin/env bash
# Creates the Python virtualenv the end-to-end tests drive real Python
# logging libraries with: .cache/pyenv, holding e2e/python/requirements.txt.
# Idempotent and cached: a stamp file keyed by the requirements' hash and
# the interpreter's version makes a re-run a no-op.
#
#   scripts/pyenv.sh            # then: .cache/pyenv/bin/python
#   PYTHON=python3.12 scripts/pyenv.sh
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
req=e2e/python/requirements.txt
venv=.cache/pyenv
stamp=$venv/.requirements.stamp

hash=$(sha256sum "$req" | cut -d' ' -f1)
# The venv's interpreter, if it still runs, tells its version (cheaper than
# asking $python, which may be a slow shim): a Python upgrade that broke the
# venv makes it rebuild.
if [ -f "$stamp" ] && version=$("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null) &&
  [ "$(cat "$stamp")" = "$hash $version" ]; then
  echo "pyenv.sh: $venv is up to date"
  exit 0
fi

if ! command -v "$python" >/dev/null; then
  echo "pyenv.sh: $python not found (set PYTHON to a Python 3 interpreter)" >&2
  exit 1
fi
echo "pyenv.sh: creating $venv with $req"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input --quiet -r "$req"
"$venv/bin/python" -c 'import logstash, logstash_async, ecs_logging, structlog, flask'
version=$("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])')
echo "$hash $version" >"$stamp"
echo "pyenv.sh: ready ($("$venv/bin/python" --version))"
