#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

step() { printf '\n== %s\n' "$*"; }

step "go mod download"
go mod download

step "OpenSearch and Elasticsearch nodes for the elasticsearch output (scripts/searchnode.sh), starting in the background"
# The nodes start while vet and the Python tests run; the Go tests get
# their URLs and fail (not skip) without them. They are stopped at exit.
mkdir -p .cache/searchnode
searchnode_pids=()
for flavor in opensearch elasticsearch; do
  scripts/searchnode.sh start "$flavor" >".cache/searchnode/$flavor.url" 2>".cache/searchnode/$flavor.start.log" &
  searchnode_pids+=("$flavor:$!")
done
stop_searchnodes() {
  # A start still under way (the suite failed early) launches its node
  # after this trap ran: let it finish, then stop what it started.
  for fp in "${searchnode_pids[@]}"; do wait "${fp#*:}" 2>/dev/null || true; done
  for n in opensearch elasticsearch opensearch-restart; do
    scripts/searchnode.sh stop "${n%-restart}" "$n" >/dev/null 2>&1 || true
  done
}
trap stop_searchnodes EXIT

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

step "waiting for the search nodes"
for fp in "${searchnode_pids[@]}"; do
  flavor=${fp%%:*}
  if ! wait "${fp#*:}"; then
    cat ".cache/searchnode/$flavor.start.log"; echo "could not start $flavor"; exit 1
  fi
done
SLUICE_OPENSEARCH_URL=$(cat .cache/searchnode/opensearch.url)
SLUICE_ELASTICSEARCH_URL=$(cat .cache/searchnode/elasticsearch.url)
export SLUICE_OPENSEARCH_URL SLUICE_ELASTICSEARCH_URL SLUICE_REQUIRE_SEARCHNODES=1
echo "OpenSearch $SLUICE_OPENSEARCH_URL, Elasticsearch $SLUICE_ELASTICSEARCH_URL"

step "go test -race (unit, integration and end-to-end)"
go test -race -count=1 -timeout 20m ./...
# The fuzzing below needs no search node: free their memory and CPU now.
stop_searchnodes

step "fuzz targets, briefly"
scripts/fuzz.sh "${FUZZTIME:-8s}"
