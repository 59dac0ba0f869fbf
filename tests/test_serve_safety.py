"""The preview server survives what the network can throw at it on loopback: malformed requests,
many clients at once, and clients that hang up mid-response. Every loop is bounded in count and time."""

from __future__ import annotations

import http.client
import re
import select
import socket
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from site_builder.dev.serve import LiveState, PreviewHTTPServer, network_warning, open_server
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
    others = [
        addr
        for addr in {a[4][0] for a in socket.getaddrinfo(socket.gethostname(), None)}
        if not addr.startswith("127.") and addr != "::1"
    ]
    for address in others[:2]:
        with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as sock:
            sock.settimeout(2)
            assert sock.connect_ex((address, server.port)) != 0


def test_malformed_requests_get_an_error_and_the_server_goes_on(server: ServeProcess) -> None:  # noqa: F811
    for request in (
        b"\x00\xff\xfe garbage\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"b" * 70000 + b"\r\n\r\n",
        b"GET /%ff%fe%00 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\r\n\r\n\r\n",
    ):
        reply = raw(server.port, request)
        # An HTTP error status, or for a request too broken to have a version, http.server's bare error page.
        assert (
            reply == b"" or re.match(rb"HTTP/1\.[01] [45]\d\d ", reply) or re.search(rb"Error code: [45]\d\d", reply)
        ), reply[:80]
    assert still_serving(server)


def test_many_clients_at_once_are_all_answered(server: ServeProcess) -> None:  # noqa: F811
    pages = [
        "/",
        "/events/",
        "/events/grants-clinic/",
        "/stories/",
        "/feed.xml",
        "/events.ics",
        "/static/site.css",
        "/topics/",
    ]

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


# -- who may ask: only this machine's own names (DNS rebinding) ---------------------------------


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


def test_only_loopback_host_names_are_answered(server: ServeProcess) -> None:  # noqa: F811
    # A page on evil.example whose name is made to resolve to 127.0.0.1 reaches the port, but its requests
    # carry its own name: they are refused, so it cannot read the preview (drafts included).
    for host in (
        f"evil.example:{server.port}",
        f"127.0.0.1.nip.io:{server.port}",
        "127.0.0.1:1",
        f"localhost.:{server.port}",
        f"[::2]:{server.port}",
        f"127.0.0.1:{server.port}@evil.example",
    ):
        reply = raw(server.port, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        assert status_of(reply) == 421, (host, reply[:200])
        assert b"<h1>" not in reply.split(b"\r\n\r\n", 1)[1] or b"Not this server" in reply
    no_host = raw(server.port, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert status_of(no_host) == 421
    for host in (
        f"127.0.0.1:{server.port}",
        f"localhost:{server.port}",
        f"LOCALHOST:{server.port}",
        f"[::1]:{server.port}",
        "127.0.0.1",
    ):
        reply = raw(server.port, f"GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        assert status_of(reply) == 200, (host, reply[:200])


def headers_block(text: str) -> dict[str, str]:
    """The `/*` block of a _headers file, as a static host reads it."""
    block, headers = False, {}
    for line in text.splitlines():
        if line and not line[0].isspace():
            block = line.strip() == "/*"
        elif block and line.strip():
            name, value = line.strip().split(": ", 1)
            headers[name] = value
    return headers


def test_every_response_carries_the_security_headers_of_the_published_site(server: ServeProcess) -> None:  # noqa: F811
    published = headers_block((server.output / "_headers").read_text())
    assert "Content-Security-Policy" in published and "X-Content-Type-Options" in published
    requests = [
        ("/", 200),
        ("/events/", 200),
        ("/no-such-page/", 404),
        ("/static/site.css", 200),
        ("/__live-reload.js", 200),
        ("/events", 301),
        ("/feed.xml", 200),
    ]
    for path, status in requests:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == status, path
        for name, value in published.items():
            assert response.getheader(name) == value, (path, name)
        connection.close()
    refused = raw(server.port, b"GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert all(f"{name}: {value}".encode() in refused for name, value in published.items())
    events = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    events.request("GET", "/__events")
    stream = events.getresponse()
    assert stream.status == 200 and stream.getheader("Content-Security-Policy") == published["Content-Security-Policy"]
    events.close()


def test_serving_beyond_loopback_is_warned_about() -> None:
    for host in ("0.0.0.0", "::", "192.168.1.20", "my-laptop.local"):
        warning = network_warning(host)
        assert warning is not None and warning.startswith(f"warning: serving on {host}: ")
        assert "drafts included" in warning
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert network_warning(host) is None


# -- slow, idle and too many clients: an in-process server with small limits ---------------------


@pytest.fixture
def small_server(tmp_path: Path) -> Iterator[PreviewHTTPServer]:
    out = tmp_path / "output"
    out.mkdir()
    (out / "index.html").write_text("<!DOCTYPE html><title>t</title><h1>Home</h1>\n")
    httpd = open_server("127.0.0.1", 0, out, LiveState(), max_connections=4, request_seconds=1.0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


def closed_by_server(sock: socket.socket, wait: float) -> bool:
    """Whether the server has closed the connection (or answered and closed) within `wait` seconds."""
    readable, _, _ = select.select([sock], [], [], wait)
    if not readable:
        return False
    try:
        while sock.recv(65536):
            pass
    except (ConnectionResetError, socket.timeout):
        pass
    return True


def get_home(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        reply = sock.recv(65536)
    return status_of(reply)


def test_a_request_trickled_a_byte_at_a_time_is_cut_off(small_server: PreviewHTTPServer) -> None:
    port = small_server.port
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        # Each byte comes well within the socket's timeout; the request as a whole never finishes.
        sent, cut = 0, False
        while sent < 200 and not cut:
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                cut = True
                break
            sent += 1
            cut = closed_by_server(sock, 0.1)
        assert cut, f"still reading after {sent} trickled bytes"
        assert sent > 2  # it was the deadline that cut it, not the first bytes
    assert get_home(port) == 200


def test_an_idle_connection_is_closed(small_server: PreviewHTTPServer) -> None:
    with socket.create_connection(("127.0.0.1", small_server.port), timeout=10) as sock:
        assert closed_by_server(sock, 10)


def test_connections_over_the_cap_are_refused_and_the_server_recovers(small_server: PreviewHTTPServer) -> None:
    port = small_server.port
    held = []
    try:
        for _ in range(4):  # every slot taken by a client that never finishes its request
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET / HTTP/1.1\r\n")
            held.append(sock)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as extra:
            extra.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            reply = extra.recv(65536)
        assert reply.startswith(b"HTTP/1.1 503 ") and b"Retry-After: 1" in reply
        assert b"Content-Security-Policy: " in reply
        # The slow ones are cut off at their deadline, and an ordinary request is answered again.
        for sock in held:
            assert closed_by_server(sock, 10)
        assert get_home(port) == 200
    finally:
        for sock in held:
            sock.close()
