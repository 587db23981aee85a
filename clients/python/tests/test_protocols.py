"""The transports against scripted in-process servers: beats ACK handling
(keep-alives, partial ACKs, resending after a reconnect), http retries and
basic auth, udp truncation on the wire."""

import base64
import json
import logging
import socket
import struct
import threading
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Callable, Dict, List, Tuple

import pytest

from conftest import wait_for
from sluice_logging import SluiceHandler
from sluice_logging._transports import BeatsTransport, HttpTransport, TransportError


def recv_exact(conn: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed")
        buf += chunk
    return buf


def read_window(conn: socket.socket) -> List[Dict[str, Any]]:
    head = recv_exact(conn, 6)
    assert head[:2] == b"2W"
    (n,) = struct.unpack(">I", head[2:])
    c = recv_exact(conn, 6)
    assert c[:2] == b"2C"
    (ln,) = struct.unpack(">I", c[2:])
    payload = zlib.decompress(recv_exact(conn, ln))
    docs, off = [], 0
    for _ in range(n):
        seq, size = struct.unpack(">II", payload[off + 2:off + 10])
        docs.append(json.loads(payload[off + 10:off + 10 + size]))
        off += 10 + size
    return docs


def ack(conn: socket.socket, seq: int) -> None:
    conn.sendall(b"2A" + struct.pack(">I", seq))


class ScriptedServer:
    """Accepts connections one after another and runs ``script(conn, i)``
    on the i-th one."""

    def __init__(self, script: Callable[[socket.socket, int], None]) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.errors: List[BaseException] = []
        self.thread = threading.Thread(target=self._serve, args=(script,), daemon=True)
        self.thread.start()

    def _serve(self, script: Callable[[socket.socket, int], None]) -> None:
        i = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                with conn:
                    script(conn, i)
            except ConnectionError:
                pass
            except BaseException as err:  # reported by the test
                self.errors.append(err)
            i += 1

    def close(self) -> None:
        self.sock.close()


def test_beats_keepalive_acks_and_partial_acks() -> None:
    def script(conn: socket.socket, i: int) -> None:
        docs = read_window(conn)
        assert [d["n"] for d in docs] == list(range(10))
        for _ in range(3):
            ack(conn, 0)  # busy server: keep-alive
        ack(conn, 4)
        ack(conn, 0)
        ack(conn, 10)
        recv_exact(conn, 1)  # until the client closes

    srv = ScriptedServer(script)
    t = BeatsTransport("127.0.0.1", srv.port, timeout=5, ack_timeout=5)
    t.send([json.dumps({"n": n}).encode() for n in range(10)])
    t.close()
    srv.close()
    assert not srv.errors, srv.errors


def test_beats_resends_the_unacknowledged_rest_after_a_reconnect() -> None:
    windows: List[List[int]] = []

    def script(conn: socket.socket, i: int) -> None:
        docs = read_window(conn)
        windows.append([d["n"] for d in docs])
        if i == 0:
            ack(conn, 6)
            return  # connection closed with 4 records unacknowledged
        ack(conn, len(docs))
        while True:
            docs = read_window(conn)
            windows.append([d["n"] for d in docs])
            ack(conn, len(docs))

    srv = ScriptedServer(script)
    h = SluiceHandler("127.0.0.1", srv.port, "beats", batch_size=10, backoff_initial=0.01, backoff_max=0.05,
                      formatter=logging.Formatter('{"n": %(message)s}'))
    log = logging.getLogger("beats.resend")
    log.propagate = False
    log.addHandler(h)
    for n in range(10):
        log.warning("%d", n)
    assert h.flush(10), h.stats()
    h.close()
    srv.close()
    assert windows[0] == list(range(10))
    assert windows[1][:4] == [6, 7, 8, 9]  # only the unacknowledged ones again
    assert sorted(n for w in windows[1:] for n in w) == [6, 7, 8, 9]
    st = h.stats()
    assert st["sent"] == 10 and st["retries"] == 1 and st["connects"] == 2, st


def test_beats_ack_timeout_and_bad_frames_break_the_connection() -> None:
    def script(conn: socket.socket, i: int) -> None:
        read_window(conn)
        if i == 0:
            conn.sendall(b"2X\x00\x00\x00\x01")  # not an ACK
            recv_exact(conn, 1)
        elif i == 1:
            ack(conn, 99)  # beyond the window
            recv_exact(conn, 1)
        else:
            recv_exact(conn, 1)  # never acknowledges

    srv = ScriptedServer(script)
    t = BeatsTransport("127.0.0.1", srv.port, timeout=5, ack_timeout=0.3)
    for want in ("unexpected frame", "beyond the window", "timed out"):
        with pytest.raises(TransportError, match=want) as info:
            t.send([b"{}", b"{}"])
        assert info.value.done == 0 and info.value.retry
    srv.close()


class _Http(BaseHTTPRequestHandler):
    answers: List[Tuple[int, Dict[str, str]]] = []
    bodies: List[Tuple[str, str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Http.bodies.append((self.headers.get("Authorization", ""), self.headers["Content-Type"], body))
        status, headers = _Http.answers.pop(0) if _Http.answers else (200, {})
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def http_server():
    _Http.answers, _Http.bodies = [], []
    srv = HTTPServer(("127.0.0.1", 0), _Http)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_http_retries_429_and_5xx_with_basic_auth(http_server) -> None:
    _Http.answers = [(503, {}), (429, {"Retry-After": "0"}), (200, {})]
    port = http_server.server_address[1]
    h = SluiceHandler(transport="http", url="http://127.0.0.1:%d/logs" % port, username="app",
                      password="pä:ss", backoff_initial=0.01, backoff_max=0.05)
    log = logging.getLogger("http.retry")
    log.propagate = False
    log.addHandler(h)
    log.warning("one")
    log.warning("two")
    assert h.flush(10), h.stats()
    h.close()
    assert len(_Http.bodies) == 3
    auth, ctype, body = _Http.bodies[-1]
    assert auth == "Basic " + base64.b64encode("app:pä:ss".encode()).decode()
    assert ctype == "application/x-ndjson"
    assert [json.loads(line)["message"] for line in body.decode().splitlines()] == ["one", "two"]
    st = h.stats()
    assert st["retries"] == 2 and st["sent"] == 2 and st["failed"] == 0, st


def test_http_4xx_rejects_and_counts(http_server) -> None:
    _Http.answers = [(400, {})]
    port = http_server.server_address[1]
    t = HttpTransport("http://127.0.0.1:%d/" % port)
    with pytest.raises(TransportError, match="rejected") as info:
        t.send([b"{}"])
    assert not info.value.retry
    t.send([b"{}"])  # the next batch goes through (keep-alive or reconnect)
    t.close()


def test_udp_oversized_record_is_truncated_on_the_wire() -> None:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    rx.settimeout(10)
    h = SluiceHandler("127.0.0.1", rx.getsockname()[1], "udp", max_datagram_size=2000)
    log = logging.getLogger("udp.trunc")
    log.propagate = False
    log.addHandler(h)
    log.warning("big %s", "é" * 5000)
    log.warning("small")
    assert h.flush(5)
    big = json.loads(rx.recv(65536))
    small = json.loads(rx.recv(65536))
    h.close()
    rx.close()
    assert big["sluice_logging_truncated"] > 2000 and big["message"].startswith("big éé")
    assert big["message"].endswith("[truncated]")
    assert small["message"] == "small" and "sluice_logging_truncated" not in small
    assert h.stats()["truncated"] == 1
