"""Transports: how a batch of encoded records reaches the server.

Each transport's ``send(batch)`` either sends the whole batch or raises
``TransportError`` saying how many records at the front of the batch are
known to be delivered (``done``) and whether the rest may be retried. They
are used by one sender thread only.
"""

import base64
import errno
import http.client
import json
import select
import socket
import ssl
import struct
import urllib.parse
import zlib
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["TransportError", "Transport", "TcpTransport", "UdpTransport", "BeatsTransport",
           "HttpTransport", "make_ssl_context", "truncate_document"]


class TransportError(Exception):
    """A batch was not (completely) sent."""

    def __init__(self, message: str, done: int = 0, retry: bool = True,
                 retry_after: Optional[float] = None) -> None:
        super().__init__(message)
        self.done = done
        self.retry = retry
        self.retry_after = retry_after


def make_ssl_context(cafile: Optional[str] = None, certfile: Optional[str] = None,
                     keyfile: Optional[str] = None, key_password: Optional[str] = None,
                     verify: bool = True) -> ssl.SSLContext:
    """A client TLS context: the system's CAs (or ``cafile``), an optional
    client certificate, certificate and host name verification on unless
    ``verify`` is False."""
    ctx = ssl.create_default_context(cafile=cafile)
    if certfile:
        ctx.load_cert_chain(certfile, keyfile, key_password)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Transport:
    """Base class: a connection that is opened on demand."""

    name = "?"
    confirms = False  # True when a successful send means the server has the records

    def __init__(self, host: str, port: int, timeout: float = 5.0,
                 ssl_context: Optional[ssl.SSLContext] = None) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.ssl_context = ssl_context
        self.sock: Optional[socket.socket] = None
        self.connects = 0

    def _connect_stream(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.connects += 1
        return sock

    def send(self, batch: List[bytes]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Closes the connection; also unblocks a send in another thread."""
        sock, self.sock = self.sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass

    def discard(self) -> None:
        """Forgets the connection after fork(): closes this process's copy of
        the descriptor without shutting the parent's connection down."""
        sock, self.sock = self.sock, None
        if sock is not None:
            try:
                socket.socket.close(sock)
            except OSError:
                pass


def _peer_closed(sock: socket.socket) -> bool:
    """Whether an idle connection was closed by the server (checked before
    writing, so that a batch is not written into a dead connection)."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    if not readable:
        return False
    old = sock.gettimeout()
    try:
        sock.settimeout(0)
        data = sock.recv(4096)
        return data == b""  # data from a server that should send nothing: ignored
    except (ssl.SSLWantReadError, BlockingIOError):
        return False
    except OSError:
        return True
    finally:
        try:
            sock.settimeout(old)
        except OSError:
            pass


class TcpTransport(Transport):
    """Newline-delimited JSON on one kept-alive TCP (or TLS) connection:
    Sluice's and Logstash's ``tcp`` input with ``codec => json_lines``.

    TCP does not tell which records the server read: a batch whose write
    fails is sent again after reconnecting, but records already handed to a
    connection the server then dropped are lost unseen (use ``beats``)."""

    name = "tcp"

    def send(self, batch: List[bytes]) -> None:
        if self.sock is not None and _peer_closed(self.sock):
            self.close()
        try:
            if self.sock is None:
                self.sock = self._connect_stream()
            self.sock.sendall(b"\n".join(batch) + b"\n")
        except (OSError, ValueError) as err:
            self.close()
            raise TransportError("tcp %s:%d: %s" % (self.host, self.port, err)) from err


def _shrink_longest(node: Any, excess: int) -> bool:
    """Cuts the longest string in ``node`` by about ``excess`` bytes."""
    best: Optional[Tuple[int, Any, Any]] = None
    stack = [node]
    while stack:
        cur = stack.pop()
        items = cur.items() if isinstance(cur, dict) else enumerate(cur)
        for k, v in items:
            if isinstance(v, str):
                if best is None or len(v) > best[0]:
                    best = (len(v), cur, k)
            elif isinstance(v, (dict, list)):
                stack.append(v)
    if best is None or best[0] == 0:
        return False
    _, parent, key = best
    raw = parent[key].encode("utf-8")
    keep = max(0, len(raw) - excess - len(" [truncated]"))
    parent[key] = raw[:keep].decode("utf-8", "ignore") + " [truncated]"
    return True


def truncate_document(doc: bytes, limit: int) -> bytes:
    """Shrinks a JSON document to at most ``limit`` bytes by cutting its
    longest strings, and marks it with ``sluice_logging_truncated`` (the
    original size in bytes)."""
    if len(doc) <= limit:
        return doc
    try:
        obj = json.loads(doc.decode("utf-8"))
        if not isinstance(obj, dict):
            raise ValueError("not an object")
    except ValueError:
        obj = {"message": doc.decode("utf-8", "replace")}
    obj["sluice_logging_truncated"] = len(doc)
    for _ in range(8):
        out = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if len(out) <= limit:
            return out
        if not _shrink_longest(obj, len(out) - limit):
            break
    # Still too large (many fields): keep what identifies the record.
    small = {k: obj[k] for k in ("@timestamp", "level", "log.level", "logger_name") if k in obj}
    small["message"] = "[record of %d bytes dropped: too large for one datagram]" % len(doc)
    small["sluice_logging_truncated"] = len(doc)
    return json.dumps(small, ensure_ascii=False, separators=(",", ":")).encode("utf-8")[:limit]


class UdpTransport(Transport):
    """One JSON document per datagram: the ``udp`` input with ``codec => json``.
    Records larger than ``max_datagram_size`` are truncated to fit and marked
    (``sluice_logging_truncated``). UDP confirms nothing."""

    name = "udp"

    def __init__(self, host: str, port: int, timeout: float = 5.0, max_datagram_size: int = 65000) -> None:
        super().__init__(host, port, timeout)
        self.max_datagram_size = max_datagram_size
        self.truncated = 0
        self._addr: Optional[Any] = None

    def send(self, batch: List[bytes]) -> None:
        for i, doc in enumerate(batch):
            if len(doc) > self.max_datagram_size:
                doc = truncate_document(doc, self.max_datagram_size)
                self.truncated += 1
            try:
                if self.sock is None:
                    info = socket.getaddrinfo(self.host, self.port, 0, socket.SOCK_DGRAM)[0]
                    self.sock = socket.socket(info[0], socket.SOCK_DGRAM)
                    self.sock.settimeout(self.timeout)
                    self._addr = info[4]
                    self.connects += 1
                self.sock.sendto(doc, self._addr)
            except OSError as err:
                self.close()
                # ECONNREFUSED reports an earlier datagram's ICMP error: this
                # one may be sent again; others are lost.
                raise TransportError("udp %s:%d: %s" % (self.host, self.port, err), done=i,
                                     retry=err.errno in (errno.ECONNREFUSED, errno.ENOBUFS, errno.EAGAIN)) from err


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by the server")
        buf += chunk
    return buf


class BeatsTransport(Transport):
    """Lumberjack protocol v2 (the Beats protocol): each batch is a window
    ('W') of JSON frames ('J') inside one zlib frame ('C'); the server's
    cumulative ACK ('A') of the window's last sequence number means it has
    every record. Empty ACKs (sequence 0) are keep-alives of a busy server.
    On a broken connection the unacknowledged rest of the window is sent again
    (at-least-once)."""

    name = "beats"
    confirms = True

    def __init__(self, host: str, port: int, timeout: float = 5.0,
                 ssl_context: Optional[ssl.SSLContext] = None, ack_timeout: float = 30.0,
                 compression_level: int = 3) -> None:
        super().__init__(host, port, timeout, ssl_context)
        self.ack_timeout = ack_timeout
        self.compression_level = compression_level

    @staticmethod
    def encode_window(batch: List[bytes], level: int = 3) -> bytes:
        """The bytes of one window: 'W' frame then a 'C' frame of 'J' frames."""
        parts = []
        for seq, doc in enumerate(batch, 1):
            parts.append(b"2J" + struct.pack(">II", seq, len(doc)))
            parts.append(doc)
        compressed = zlib.compress(b"".join(parts), level)
        return b"2W" + struct.pack(">I", len(batch)) + b"2C" + struct.pack(">I", len(compressed)) + compressed

    def send(self, batch: List[bytes]) -> None:
        acked = 0
        try:
            if self.sock is not None and _peer_closed(self.sock):
                self.close()
            if self.sock is None:
                self.sock = self._connect_stream()
            self.sock.sendall(self.encode_window(batch, self.compression_level))
            self.sock.settimeout(self.ack_timeout)
            try:
                while acked < len(batch):
                    frame = _recv_exact(self.sock, 6)
                    if frame[1:2] != b"A" or frame[0:1] not in (b"2", b"1"):
                        raise ConnectionError("unexpected frame %r from the server" % frame[:2])
                    seq = struct.unpack(">I", frame[2:])[0]
                    if seq > len(batch):
                        raise ConnectionError("ACK %d beyond the window of %d" % (seq, len(batch)))
                    if seq > acked:  # 0 is a keep-alive: the timeout starts over
                        acked = seq
            finally:
                if self.sock is not None:
                    self.sock.settimeout(self.timeout)
        except (OSError, ValueError, ConnectionError) as err:
            self.close()
            raise TransportError("beats %s:%d: %s (%d of %d records acknowledged)"
                                 % (self.host, self.port, err, acked, len(batch)), done=acked) from err


class HttpTransport(Transport):
    """HTTP POSTs of newline-delimited JSON (``application/x-ndjson``), the
    ``http`` input's ``json_lines`` decoding, on a kept-alive connection.
    A 2xx answer confirms the batch; 408, 429 and 5xx are retried with
    backoff (``Retry-After`` honoured); other answers reject the batch."""

    name = "http"
    confirms = True

    def __init__(self, url: str, timeout: float = 5.0, ssl_context: Optional[ssl.SSLContext] = None,
                 username: Optional[str] = None, password: Optional[str] = None,
                 headers: Optional[Dict[str, str]] = None) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("url must be http://host[:port]/path or https://..., not %r" % url)
        https = parts.scheme == "https"
        super().__init__(parts.hostname, parts.port or (443 if https else 80), timeout,
                         (ssl_context or make_ssl_context()) if https else None)
        self.path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        self.headers = {"Content-Type": "application/x-ndjson", "User-Agent": "sluice-logging"}
        user = username if username is not None else (urllib.parse.unquote(parts.username) if parts.username else None)
        pw = password if password is not None else (urllib.parse.unquote(parts.password) if parts.password else "")
        if user is not None:
            token = base64.b64encode(("%s:%s" % (user, pw or "")).encode("utf-8")).decode("ascii")
            self.headers["Authorization"] = "Basic " + token
        self.headers.update(headers or {})
        self.conn: Optional[http.client.HTTPConnection] = None

    def send(self, batch: List[bytes]) -> None:
        body = b"\n".join(batch) + b"\n"
        try:
            if self.conn is None:
                if self.ssl_context is not None:
                    self.conn = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout,
                                                            context=self.ssl_context)
                else:
                    self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self.connects += 1
            self.conn.request("POST", self.path, body=body, headers=self.headers)
            self.sock = self.conn.sock
            resp = self.conn.getresponse()
            resp.read()
            status = resp.status
            retry_after = resp.getheader("Retry-After")
            if resp.will_close:
                self.close()
        except (OSError, http.client.HTTPException, ValueError) as err:
            self.close()
            raise TransportError("http %s:%d: %s" % (self.host, self.port, err)) from err
        if 200 <= status < 300:
            return
        wait: Optional[float] = None
        if retry_after:
            try:
                wait = max(0.0, float(retry_after))
            except ValueError:
                wait = None
        if status in (408, 429) or status >= 500:
            raise TransportError("http %s:%d: answered %d" % (self.host, self.port, status), retry_after=wait)
        raise TransportError("http %s:%d: answered %d, the batch was rejected" % (self.host, self.port, status),
                             retry=False)

    def close(self) -> None:
        conn, self.conn = self.conn, None
        super().close()
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass

    def discard(self) -> None:
        self.conn = None
        super().discard()
