"""Sends log records with the real graypy handlers to a gelf input.

Usage: graypy_send.py HOST UDP_PORT TCP_PORT
Exits with status 3 when graypy is not installed.
"""

import logging
import sys

try:
    import graypy
except ImportError as exc:  # the Go test skips
    print(exc, file=sys.stderr)
    sys.exit(3)


def main() -> None:
    host, udp_port, tcp_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    log = logging.getLogger("app.payments")
    log.setLevel(logging.DEBUG)
    log.propagate = False

    # Default UDP handler: zlib, chunks of 1420 bytes.
    udp = graypy.GELFUDPHandler(host, udp_port, localname="web-7")
    # Uncompressed, small chunks.
    raw = graypy.GELFUDPHandler(
        host, udp_port, localname="web-7", compress=False,
        gelf_chunker=graypy.handler.GELFWarningChunker(chunk_size=300),
    )
    tcp = graypy.GELFTCPHandler(host, tcp_port, localname="web-7")

    # The long message does not compress well: several chunks even zlibbed.
    noise = "".join(format((i * 2654435761) % 4294967291, "x") for i in range(1200))
    for name, handler in (("udp", udp), ("raw", raw), ("tcp", tcp)):
        log.handlers = [handler]
        log.info("short via %s", name, extra={"order_id": 42, "route": name})
        log.warning("long via %s %s", name, noise, extra={"route": name})
        try:
            1 / 0
        except ZeroDivisionError:
            log.exception("failed via %s", name, extra={"route": name})
        handler.close()


if __name__ == "__main__":
    main()
