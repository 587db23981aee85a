#!/usr/bin/env bash
# Runs every `func FuzzXxx` in the module for a short time each
# (default 8s; `scripts/fuzz.sh 60s` for longer). New crashers are written to
# the package's testdata/fuzz/ by `go test`; commit them as regression cases.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-8s}"
status=0
while IFS= read -r file; do
  pkg="./$(dirname "$file")"
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
    echo "-- $pkg $target ($fuzztime)"
    if ! go test -run='^$' -fuzz="^${target}\$" -fuzztime="$fuzztime" "$pkg" >/tmp/sluice-fuzz.log 2>&1; then
      cat /tmp/sluice-fuzz.log
      status=1
    fi
  done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | sort)
exit $status
