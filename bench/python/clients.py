#!/usr/bin/env python3
"""Python logging clients against the real `sluice serve`: records/s and
emit() latency of sluice-logging versus python-logstash and
python-logstash-async, with the server up and with it down.

    scripts/pyenv.sh && go build -o bin/sluice ./cmd/sluice
    .cache/pyenv/bin/python bench/python/clients.py [--records 50000] [--runs 5] [--bin bin/sluice]

Each case runs in a fresh Python process. "up": sluice runs a tcp
(json_lines) and a beats input into `stdout { codec => dots }`; the harness
counts the dots, so records/s is measured from the first emit() until the
server has the last record (sluice-logging's flush() is not trusted for
it). "down": nothing listens on the port; only emit() latency is measured
(how much a dead server costs the application).

Every case runs --runs times (5 by default), the runs of all cases
interleaved so that a burst of noise from other jobs on the machine hits
them alike. The table gives the median of each figure and its spread (min–
max over the runs); --json gives every run. python-logstash-async delivers
about 1000 records/s, so its cases send --slow-records (10000) records
instead of --records.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO = Path(__file__).resolve().parents[2]

CLIENT = r'''
import json, logging, os, sys, time
sys.path.insert(0, os.path.join(%(repo)r, "clients", "python", "src"))
lib, transport, port, n = %(lib)r, %(transport)r, %(port)d, %(n)d
if lib == "sluice-logging":
    from sluice_logging import SluiceHandler
    h = SluiceHandler("127.0.0.1", port, transport, queue_max_records=max(n, 10000) + 1000,
                      queue_max_bytes=1 << 30, flush_timeout=1)
elif lib == "python-logstash":
    import logstash
    h = logstash.TCPLogstashHandler("127.0.0.1", port, version=1)
else:
    from logstash_async.handler import AsynchronousLogstashHandler
    t = {"tcp": "logstash_async.transport.TcpTransport",
         "beats": "logstash_async.transport.BeatsTransport"}[transport]
    h = AsynchronousLogstashHandler("127.0.0.1", port, database_path=None, transport=t)
log = logging.getLogger("bench")
log.propagate = False
log.setLevel(logging.INFO)
log.addHandler(h)
lat = []
perf = time.perf_counter
print("start", flush=True)
t0 = perf()
for i in range(n):
    a = perf()
    log.info("request handled in %%d ms", i, extra={"user": "u%%d" %% (i %% 100), "path": "/api/items"})
    lat.append(perf() - a)
emit_s = perf() - t0
lat.sort()
print(json.dumps({"emit_s": emit_s, "p50_us": lat[len(lat) // 2] * 1e6,
                  "p99_us": lat[int(len(lat) * 0.99)] * 1e6, "max_us": lat[-1] * 1e6}), flush=True)
if lib == "sluice-logging":
    h.close(60 if %(up)r else 1)
elif lib == "python-logstash-async" and %(up)r:
    h.flush()
    h.close()
'''


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, binary: str, tcp_port: int, beats_port: int) -> None:
        conf = ('input { tcp { host => "127.0.0.1" port => %d codec => json_lines } '
                'beats { host => "127.0.0.1" port => %d } } output { stdout { codec => dots } }'
                % (tcp_port, beats_port))
        self.proc = subprocess.Popen([binary, "serve", "-e", conf], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self.count = 0
        self.lock = threading.Lock()
        started = threading.Event()

        def dots() -> None:
            assert self.proc.stdout is not None
            while True:
                b = self.proc.stdout.read1(65536)  # type: ignore[attr-defined]
                if not b:
                    return
                with self.lock:
                    self.count += b.count(b".")

        def errs() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                if b'msg="pipeline started"' in line:
                    started.set()

        threading.Thread(target=dots, daemon=True).start()
        threading.Thread(target=errs, daemon=True).start()
        if not started.wait(30):
            self.proc.kill()
            raise SystemExit("sluice did not start")

    def wait_count(self, n: int, timeout: float) -> Optional[float]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.count >= n:
                    return time.monotonic()
            time.sleep(0.001)
        return None

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def run_case(server: Optional[Server], lib: str, transport: str, port: int, n: int) -> Dict[str, Any]:
    code = CLIENT % {"repo": str(REPO), "lib": lib, "transport": transport, "port": port, "n": n,
                     "up": server is not None}
    base = server.count if server is not None else 0
    proc = subprocess.Popen([sys.executable, "-W", "ignore", "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "start":
        raise SystemExit("%s %s: %s%s" % (lib, transport, line, proc.stderr.read() if proc.stderr else ""))
    t0 = time.monotonic()
    res = json.loads(proc.stdout.readline() or "{}")
    res.update(lib=lib, transport=transport, server="up" if server else "down", records=n)
    if server is not None:
        done = server.wait_count(base + n, 120)
        res["delivered"] = server.count - base
        res["records_per_s"] = n / (done - t0) if done else None
    t_exit = time.monotonic()
    try:
        proc.wait(120)
    except subprocess.TimeoutExpired:
        proc.kill()
    res["exit_s"] = time.monotonic() - t_exit
    return res


def spread(values: List[float], fmt: str) -> str:
    """The median and, over several runs, the min–max range."""
    if not values:
        return ""
    med = fmt % statistics.median(values)
    if len(values) == 1:
        return med
    return "%s (%s–%s)" % (med, fmt % min(values), fmt % max(values))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(REPO / "bin" / "sluice"))
    ap.add_argument("--records", type=int, default=50000)
    ap.add_argument("--slow-records", type=int, default=10000,
                    help="records for python-logstash-async (about 1000 records/s)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    cases = [("sluice-logging", "beats"), ("sluice-logging", "tcp"), ("python-logstash", "tcp"),
             ("python-logstash-async", "tcp"), ("python-logstash-async", "beats")]

    def records(lib: str, up: bool) -> int:
        n = args.slow_records if lib == "python-logstash-async" else args.records
        return n if up else min(n, 20000)

    tcp_port, beats_port = free_port(), free_port()
    results: List[Dict[str, Any]] = []
    server = Server(args.bin, tcp_port, beats_port)
    try:
        for run in range(args.runs):
            for lib, transport in cases:
                port = beats_port if transport == "beats" else tcp_port
                results.append(dict(run_case(server, lib, transport, port, records(lib, True)), run=run))
                print("up   run %d %-22s %-5s done" % (run + 1, lib, transport), file=sys.stderr)
    finally:
        server.stop()
    for run in range(args.runs):
        for lib, transport in cases:
            results.append(dict(run_case(None, lib, transport, free_port(), records(lib, False)), run=run))
            print("down run %d %-22s %-5s done" % (run + 1, lib, transport), file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print("Median of %d runs, (min–max) over the runs." % args.runs)
    print()
    print("| client | transport | server | records | records/s (delivered) | emit() p50 µs | p99 µs | max µs | exit s |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for server_state in ("up", "down"):
        for lib, transport in cases:
            rs = [r for r in results if (r["lib"], r["transport"], r["server"]) == (lib, transport, server_state)]
            if server_state == "down":
                deliv = ""
            else:
                rates = [r["records_per_s"] for r in rs if r.get("records_per_s")]
                deliv = spread(rates, "%.0f")
                if len(rates) < len(rs):
                    deliv += " %d of %d runs incomplete" % (len(rs) - len(rates), len(rs))
            print("| %s | %s | %s | %d | %s | %s | %s | %s | %s |" % (
                lib, transport, server_state, rs[0]["records"], deliv,
                spread([r.get("p50_us", 0) for r in rs], "%.1f"), spread([r.get("p99_us", 0) for r in rs], "%.1f"),
                spread([r.get("max_us", 0) for r in rs], "%.0f"), spread([r["exit_s"] for r in rs], "%.1f")))


if __name__ == "__main__":
    main()
