#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

step() { printf '\n== %s\n' "$*"; }

step "go mod download"
go mod download

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "python environment for the end-to-end tests (scripts/pyenv.sh)"
scripts/pyenv.sh
export SLUICE_PYTHON="${SLUICE_PYTHON:-$PWD/.cache/pyenv/bin/python}"

step "python client sluice-logging: pytest (clients/python/tests; builds sluice itself)"
# Exit code 5 means pytest collected nothing: the suite went missing.
rc=0
PYTHONPATH=clients/python/src "$SLUICE_PYTHON" -m pytest clients/python/tests -q -p no:cacheprovider || rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests in clients/python/tests"; exit 1
elif [ "$rc" -ne 0 ]; then
  exit "$rc"
fi

step "rsyslog for the syslog input's interoperability test (scripts/rsyslog.sh)"
scripts/rsyslog.sh

step "go test -race (unit, integration and end-to-end)"
go test -race -count=1 -timeout 20m ./...

step "fuzz targets, briefly"
scripts/fuzz.sh "${FUZZTIME:-8s}"
