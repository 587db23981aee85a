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

# The compatibility matrix's other versions (OpenSearch 1.3 and 3.8, Java
# 21+ for 3.x) run beside the rest of the suite in one background job that
# starts them, runs TestCompat against them and stops them at once; its
# result is checked after the main go test. TestCompat covers OpenSearch
# 2.19 and Elasticsearch 7.10.2 in the main go test (SLUICE_COMPAT_NODES).
compat_flavors=(opensearch1 opensearch3)
compat_log=.cache/searchnode/compat.log
rm -f .cache/searchnode/compat.cancel
compat_job() {
  set +e
  local pids=() f nodes="" rc=0 t0=$SECONDS
  # On a cold Maven cache searchnode.sh downloads one flavor at a time:
  # the jars of the main suite's two nodes come first.
  for _ in $(seq 1 900); do
    [ -e .cache/searchnode/compat.cancel ] && break
    ls .cache/searchnode/lib-opensearch-*/.complete .cache/searchnode/lib-elasticsearch-*/.complete >/dev/null 2>&1 && break
    sleep 1
  done
  for f in "${compat_flavors[@]}"; do
    SEARCHNODE_HEAP=384m scripts/searchnode.sh start "$f" >".cache/searchnode/$f.url" 2>".cache/searchnode/$f.start.log" &
    pids+=("$!")
  done
  for i in "${!pids[@]}"; do
    f=${compat_flavors[$i]}
    if wait "${pids[$i]}"; then
      nodes+="$f=$(cat ".cache/searchnode/$f.url") "
    else
      cat ".cache/searchnode/$f.start.log"; echo "could not start $f"; rc=1
    fi
  done
  if [ "$rc" = 0 ] && [ ! -e .cache/searchnode/compat.cancel ]; then
    echo "TestCompat against $nodes"
    # -v for the per-version results; the output's own logs (a 409
    # line per conflict) only when something failed.
    SLUICE_COMPAT_NODES=$nodes go test -race -count=1 -timeout 5m -run '^TestCompat$' -v \
      ./plugins/outputs/elasticsearch/ >.cache/searchnode/compat.full.log 2>&1
    rc=$?
    if [ "$rc" = 0 ]; then
      grep -E '^\s*(--- |ok |PASS)|_test\.go:[0-9]+:' .cache/searchnode/compat.full.log
    else
      tail -150 .cache/searchnode/compat.full.log
    fi
  fi
  for f in "${compat_flavors[@]}"; do
    # The CPU the node used (start-up and test), for the CI budget.
    [ -f ".cache/searchnode/$f/pid" ] && echo "$f: $(ps -o cputime= -p "$(cat ".cache/searchnode/$f/pid")" 2>/dev/null) of CPU"
    scripts/searchnode.sh stop "$f" >/dev/null 2>&1
  done
  echo "compatibility job: $((SECONDS - t0))s from the start of its nodes to their stop, exit code $rc"
  return "$rc"
}
compat_job >"$compat_log" 2>&1 &
compat_pid=$!

stop_searchnodes() {
  # A start still under way (the suite failed early) launches its node
  # after this trap ran: let it finish, then stop what it started. The
  # compatibility job skips its test when told to and stops its nodes.
  touch .cache/searchnode/compat.cancel
  wait "$compat_pid" 2>/dev/null || true
  for fp in "${searchnode_pids[@]}"; do wait "${fp#*:}" 2>/dev/null || true; done
  for n in opensearch elasticsearch opensearch-restart "${compat_flavors[@]}"; do
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
SLUICE_COMPAT_NODES="opensearch=$SLUICE_OPENSEARCH_URL elasticsearch=$SLUICE_ELASTICSEARCH_URL"
export SLUICE_OPENSEARCH_URL SLUICE_ELASTICSEARCH_URL SLUICE_COMPAT_NODES SLUICE_REQUIRE_SEARCHNODES=1
echo "OpenSearch $SLUICE_OPENSEARCH_URL, Elasticsearch $SLUICE_ELASTICSEARCH_URL"

step "go test -race (unit, integration and end-to-end)"
go test -race -count=1 -timeout 20m ./...

step "compatibility matrix: OpenSearch 1.3 and 3.8 (TestCompat, run in the background)"
compat_rc=0
wait "$compat_pid" || compat_rc=$?
cat "$compat_log"
[ "$compat_rc" = 0 ] || { echo "TestCompat against ${compat_flavors[*]} failed"; exit 1; }
# The fuzzing below needs no search node: free their memory and CPU now.
stop_searchnodes

step "fuzz targets, briefly"
scripts/fuzz.sh "${FUZZTIME:-8s}"
