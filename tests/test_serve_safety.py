"""The preview server survives what the network can throw at it on loopback: malformed requests,
many clients at once, and clients that hang up mid-response. Every loop is bounded in count and time."""

from __future__ import annotations

import re
import socket
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from tests.test_serve import ServeProcess, server  # noqa: F401 - the fixture, used by name


def raw(port: int, data: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(chunks)


def still_serving(serve: ServeProcess) -> bool:
    status, body = serve.get("/")
    return status == 200 and "<h1>" in body


def test_it_is_bound_to_loopback_only(server: ServeProcess) -> None:  # noqa: F811
    assert server.url.startswith("http://127.0.0.1:")
    others = [addr for addr in {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None)}
              if not addr.startswith("127.") and addr != "::1"]
    for address in others[:2]:
        with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as sock:
            sock.settimeout(2)
            assert sock.connect_ex((address, server.port)) != 0


def test_malformed_requests_get_an_error_and_the_server_goes_on(server: ServeProcess) -> None:  # noqa: F811
    for request in (b"\x00\xff\xfe garbage\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                    b"BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
                    b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"b" * 70000 + b"\r\n\r\n",
                    b"GET /%ff%fe%00 HTTP/1.1\r\nHost: x\r\n\r\n", b"\r\n\r\n\r\n"):
        reply = raw(server.port, request)
        # An HTTP error status, or for a request too broken to have a version, http.server's bare error page.
        assert reply == b"" or re.match(rb"HTTP/1\.[01] [45]\d\d ", reply) or re.search(rb"Error code: [45]\d\d", reply), reply[:80]
    assert still_serving(server)


def test_many_clients_at_once_are_all_answered(server: ServeProcess) -> None:  # noqa: F811
    pages = ["/", "/events/", "/events/grants-clinic/", "/stories/", "/feed.xml", "/events.ics",
             "/static/site.css", "/topics/"]

    def fetch(n: int) -> int:
        with urllib.request.urlopen(server.url + pages[n % len(pages)].lstrip("/"), timeout=60) as response:
            response.read()
            return response.status

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(fetch, range(320)))
    assert statuses == [200] * 320
    assert time.monotonic() - started < 120
    assert still_serving(server)


def test_clients_that_hang_up_mid_response_do_not_hurt_it(server: ServeProcess) -> None:  # noqa: F811
    for _ in range(30):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(b"GET /events.ics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            sock.recv(10)  # a few bytes, then gone
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    # A slow client holding a connection open does not block the others.
    slow = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    slow.sendall(b"GET / HTTP/1.1\r\n")
    try:
        assert still_serving(server)
    finally:
        slow.close()
    assert not any("Traceback" in line for line in server.err_lines), server.err_lines
