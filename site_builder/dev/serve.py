"""Serve: build, serve the output folder on 127.0.0.1, rebuild on every save, update the open page.

The served pages carry a small live-reload script; the built files never do.
A save that breaks the content leaves the last good site in place (write is
the only stage that touches the output folder) and shows the problems in the
terminal and as an overlay on the page.
"""

from __future__ import annotations

import errno
import hmac
import http.cookies
import io
import ipaddress
import json
import mimetypes
import os
import queue
import secrets
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO, Callable, TextIO

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from ..output.admin import LocalRepository, admin_page, api_answer, cms_config, config_yaml
from ..errors import ContentErrors, Problem, SiteError, print_problems
from ..site.model import Site
from ..pipeline import Options, build
from .preview import preview_page
from ..output.render import headers_file

EVENTS_URL = "/__events"
SCRIPT_URL = "/__live-reload.js"
# A save is one burst of file events a few milliseconds long (an editor writes a temporary file and renames it):
# the build starts once they have stopped this long. Every millisecond here is one the editor waits.
DEBOUNCE_SECONDS = 0.03
# Saves that never stop (a tool rewriting files in a loop) still get a build this often.
MAX_DEBOUNCE_SECONDS = 2.0
KEEP_ALIVE_SECONDS = 15.0
# A request (its line, headers and body) must arrive within this, however slowly it trickles; an idle
# kept-alive connection is closed after it too.
REQUEST_SECONDS = 20.0
# Connections served at once (open pages' event streams included); the next ones are refused with 503.
MAX_CONNECTIONS = 64
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# `serve --edit`: the local editing API, the cookie that carries the session's token, the largest upload.
API_URL = "/api/v1"
TOKEN_COOKIE = "site_edit_token"
MAX_API_BYTES = 32 * 1024 * 1024

# Loaded from the page's own origin: the pages' Content-Security-Policy allows
# `script-src 'self'` and no inline script. Styles go through the CSSOM, which
# `style-src 'self'` allows; problem lines go in as text, never as HTML.
LIVE_RELOAD_JS = b"""\
(function () {
  var version = document.currentScript && document.currentScript.dataset.version, box = null;
  function clear() { if (box) { box.remove(); box = null; } }
  function show(lines) {
    clear();
    box = document.createElement("div");
    box.setAttribute("role", "alert");
    Object.assign(box.style, {position: "fixed", left: "1rem", right: "1rem", bottom: "1rem",
      zIndex: "2147483647", maxHeight: "60vh", overflow: "auto", padding: "1rem", background: "#fff",
      color: "#000", border: "4px solid #b00020", font: "16px/1.4 sans-serif"});
    var title = document.createElement("strong"), pre = document.createElement("pre");
    title.textContent = "The site could not be rebuilt. This is the last good version.";
    pre.textContent = lines.join("\\n");
    pre.style.whiteSpace = "pre-wrap";
    box.append(title, pre);
    document.body.append(box);
  }
  // When a new build leaves a page's styles and scripts as they were, its <body> and <title> are swapped in
  // place: no reload, so no flash, no refetch of styles, the scroll position and the focused element kept.
  // A page that runs scripts of its own (the events filter, search), or whose styles changed, is reloaded.
  // (The head's metadata, such as an event's JSON-LD, is for machines, not the editor: it stays as it was.)
  function frame(doc) {
    return Array.prototype.slice.call(doc.head.querySelectorAll("link[rel~=stylesheet], script[src], base"));
  }
  function sameFrame(a, b) {
    return a.length === b.length && a.every(function (node, i) { return node.isEqualNode(b[i]); });
  }
  function shown(body) {
    var copy = body.cloneNode(true);
    copy.querySelectorAll("script[src='/__live-reload.js']").forEach(function (node) { node.remove(); });
    return copy;
  }
  var asked = 0;
  function update(next) {
    if (document.querySelectorAll("script[src]").length > 1) { location.reload(); return; }
    var mine = ++asked;
    fetch(location.href, {cache: "no-store", credentials: "same-origin"}).then(function (response) {
      if (!response.ok || response.redirected) throw new Error(String(response.status));
      return response.text();
    }).then(function (text) {
      if (mine !== asked) return;  // a newer build's page is on its way
      var doc = new DOMParser().parseFromString(text, "text/html");
      clear();
      if (!sameFrame(frame(doc), frame(document))) { location.reload(); return; }
      if (!shown(doc.body).isEqualNode(shown(document.body))) {
        var focused = document.activeElement && document.activeElement.id, x = scrollX, y = scrollY;
        document.body.replaceWith(document.importNode(doc.body, true));  // its scripts never run again
        var again = focused && document.getElementById(focused);
        if (again) again.focus({preventScroll: true});
        scrollTo(x, y);
      }
      if (document.title !== doc.title) document.title = doc.title;
      version = next || version;
    }).catch(function () { location.reload(); });
  }
  var events = new EventSource("/__events");
  events.addEventListener("ok", function (e) { if (version && e.data !== version) location.reload(); else clear(); });
  events.addEventListener("reload", function (e) { update(e.data); });
  events.addEventListener("error", function (e) { if (e.data) show(JSON.parse(e.data)); });
})();
"""

NOT_BUILT_HTML = b"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Not found</title></head>
<body>
<main><h1>Not found</h1>
<p>There is no page here, or the site has not been built yet: see the terminal for problems to fix.</p></main>
</body>
</html>
"""

# Editors' scratch files: vim (.x.swp, x~, 4913), emacs (.#x, #x#), JetBrains, macOS Finder.
SCRATCH_SUFFIXES = ("~", ".swp", ".swx", ".tmp", "___jb_tmp___", "___jb_old___")
SCRATCH_NAMES = ("4913", ".DS_Store")
# Opening and reading a file (as every build does) is not a change.
CHANGE_EVENTS = frozenset({"created", "deleted", "modified", "moved"})


# -- live state: what every open page is told -------------------------------------------------


class LiveState:
    """The site's state for the open pages (a version, or the problems), and their event queues."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._instance = secrets.token_hex(4)  # a restarted server has new versions, so pages reload
        self._generation = 0
        self._problem_lines: list[str] | None = None
        self._subscribers: list[queue.Queue[tuple[str, str] | None]] = []

    @property
    def version(self) -> str:
        """Which build the files on disk are: changes on every successful build."""
        with self._lock:
            return f"{self._instance}-{self._generation}"

    def subscribe(self) -> queue.Queue[tuple[str, str] | None]:
        """A queue of (event, data), starting with the current state."""
        events: queue.Queue[tuple[str, str] | None] = queue.Queue()
        with self._lock:
            if self._problem_lines is None:
                events.put(("ok", f"{self._instance}-{self._generation}"))
            else:
                events.put(("error", json.dumps(self._problem_lines)))
            self._subscribers.append(events)
        return events

    def unsubscribe(self, events: queue.Queue[tuple[str, str] | None]) -> None:
        with self._lock:
            if events in self._subscribers:
                self._subscribers.remove(events)

    def built(self) -> None:
        """A build succeeded: every open page updates (its <main> and <title> in place, or a reload)."""
        with self._lock:
            self._generation += 1
            self._problem_lines = None
            self._publish(("reload", f"{self._instance}-{self._generation}"))

    def failed(self, lines: list[str]) -> None:
        """A build failed: every open page shows the problems over the last good site."""
        with self._lock:
            self._problem_lines = list(lines)
            self._publish(("error", json.dumps(self._problem_lines)))

    def close(self) -> None:
        """End every open event stream."""
        with self._lock:
            self._publish(None)
            self._subscribers.clear()

    def _publish(self, item: tuple[str, str] | None) -> None:
        for events in self._subscribers:
            events.put(item)


def format_event(name: str, data: str) -> bytes:
    """One server-sent event (HTML Living Standard, 9.2 Server-sent events)."""
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"event: {name}\n{lines}\n".encode()


# -- HTTP: only files inside the output folder -------------------------------------------------


def resolve_request_path(root: Path, request_path: str) -> Path | None:
    """The file or folder under root that a request path names; None if it would leave root."""
    path = request_path.split("?", 1)[0].split("#", 1)[0]
    decoded = urllib.parse.unquote(path)  # %2e%2e and %2f become '..' and '/' here, before the check
    try:
        root = root.resolve()
        target = (root / decoded.lstrip("/")).resolve()  # follows symlinks, so their targets are checked
    except (OSError, ValueError, RuntimeError):  # a NUL byte, a symlink loop
        return None
    if target != root and not target.is_relative_to(root):
        return None
    return target


def headers_for(path: str, text: str = headers_file(cms=False)) -> tuple[tuple[str, str], ...]:
    """The headers a static host sends for this path from a _headers file: each block whose pattern
    matches, in order, a later block's header replacing an earlier one's; `! Name` drops one."""
    headers: dict[str, str] = {}
    matches = False
    for line in text.splitlines():
        if line and not line[0].isspace():
            pattern = line.strip()
            matches = path == pattern or pattern.endswith("*") and path.startswith(pattern[:-1])
        elif matches and line.strip().startswith("!"):
            headers.pop(line.strip()[1:].strip(), None)
        elif matches and ":" in line:
            name, value = line.strip().split(":", 1)
            headers[name.strip()] = value.strip()
    return tuple(headers.items())


SECURITY_HEADERS = headers_for("/")


def is_loopback(host: str) -> bool:
    """Whether an address to serve on is reachable only from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def network_warning(host: str) -> str | None:
    """What serve says before binding beyond loopback; None on loopback."""
    if is_loopback(host):
        return None
    return (
        f"warning: serving on {host}: anyone who can reach this computer over the network can read the "
        "preview, drafts included. Serve on 127.0.0.1 (the default) unless that is what you want."
    )


def host_names(host: str) -> frozenset[str]:
    """The Host header names the server answers to: loopback, and the address it was told to serve on."""
    named = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return frozenset(name.lower() for name in (*LOOPBACK_NAMES, named))


def allowed_host(header: str | None, names: frozenset[str], port: int) -> bool:
    """Whether a request's Host names this server. A page on any other name that reaches it (DNS
    rebinding: evil.example resolving to 127.0.0.1) sends its own name, and is refused."""
    if not header:
        return False
    header = header.strip().lower()
    end = header.find("]") + 1 if header.startswith("[") else len(header.partition(":")[0])
    name, rest = header[:end], header[end:]
    return name in names and (rest == "" or rest == f":{port}")


def inject_script(html: bytes, version: str) -> bytes:
    """The page with the live-reload script just before its last </body> (or at the end)."""
    tag = f'<script src="{SCRIPT_URL}" data-version="{version}"></script>\n'.encode()
    at = html.lower().rfind(b"</body>")
    if at < 0:
        return html + tag
    return html[:at] + tag + html[at:]


class PreviewHTTPServer(ThreadingHTTPServer):
    """The HTTP server, holding what its handlers need: the live state."""

    daemon_threads = True  # open event streams must not keep the process alive

    def __init__(
        self,
        address: tuple[str, int],
        handler: Callable[..., SimpleHTTPRequestHandler],
        live: LiveState,
        max_connections: int = MAX_CONNECTIONS,
        request_seconds: float = REQUEST_SECONDS,
    ):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.live = live
        self.editing: LocalRepository | None = None  # set by `serve --edit`
        self.token = ""
        self.headers_text = headers_file(cms=False)  # the _headers the site publishes (PreviewServer sets it)
        self.request_seconds = request_seconds
        self.host_names = host_names(address[0])
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    # A TCP server's request is its socket; the stubs' type covers a UDP server's (bytes, socket) too.
    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        # One thread per connection, up to the cap: a crowd of slow clients cannot take every thread.
        if not self._slots.acquire(blocking=False):
            refuse_busy(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    # A socket, as for process_request.
    def process_request_thread(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: socket.socket | tuple[bytes, socket.socket], client_address: object) -> None:
        # A browser that closes a tab mid-response is ordinary, not an error to print; anything else is a
        # fault in the preview and still goes to stderr.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def refuse_busy(request: socket.socket) -> None:
    """Answer 503 on a connection over the cap, without reading it or giving it a thread."""
    lines = [
        "HTTP/1.1 503 Service Unavailable",
        "Retry-After: 1",
        "Content-Length: 0",
        "Connection: close",
        *(f"{name}: {value}" for name, value in SECURITY_HEADERS),
    ]
    try:
        request.settimeout(1.0)
        request.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    except OSError:
        pass


class DeadlineReader(io.RawIOBase):
    """A connection's incoming bytes, which stop at the handler's deadline however they trickle in."""

    def __init__(self, sock: socket.socket, handler: PreviewHandler):
        self._sock = sock
        self._handler = handler

    def readable(self) -> bool:
        return True

    # BufferedReader passes a memoryview; the stubs' Buffer (collections.abc.Buffer) is Python 3.12's.
    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        left = self._handler.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request did not arrive in time")
        self._sock.settimeout(left)
        try:
            return self._sock.recv_into(buffer)
        finally:
            self._sock.settimeout(self._handler.server.request_seconds)


class PreviewHandler(SimpleHTTPRequestHandler):
    """Serves the output folder and nothing outside it, with the live-reload script in HTML pages."""

    server: PreviewHTTPServer
    deadline = 0.0

    def setup(self) -> None:
        # Every send and receive on the socket. The stubs call `timeout` a ClassVar; StreamRequestHandler reads
        # it from the instance, which is where this server's limit belongs.
        self.timeout = self.server.request_seconds  # type: ignore[misc]
        super().setup()
        self.rfile.close()  # the base class's reader; left open, it would keep the socket from closing
        self.rfile = io.BufferedReader(DeadlineReader(self.connection, self))

    def handle_one_request(self) -> None:
        self.deadline = time.monotonic() + self.server.request_seconds
        try:
            super().handle_one_request()
        except TimeoutError:  # idle, or too slow: the connection is closed, the thread goes back
            self.close_connection = True

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if not allowed_host(self.headers.get("Host"), self.server.host_names, self.server.port):
            self.send_error(
                HTTPStatus.MISDIRECTED_REQUEST,
                "Not this server",
                "The preview answers only to its own address, such as http://127.0.0.1:PORT/.",
            )
            return False
        return True

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == EVENTS_URL:
            self._send_events()
            return
        if self.server.editing is not None and path in ("/admin/", "/admin/index.html", "/admin/config.yml"):
            self._send_admin(path)
            return
        super().do_GET()

    def do_POST(self) -> None:
        if self.server.editing is None or self.path.split("?", 1)[0] != API_URL:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found", "Only `serve --edit` takes requests here.")
            return
        origin = self.headers.get("Origin", "")
        scheme, _, origin_host = origin.partition("://")
        if scheme != "http" or not allowed_host(origin_host, self.server.host_names, self.server.port):
            self._send_json(HTTPStatus.FORBIDDEN, {"error": f"requests from {origin or 'no origin'} are refused"})
            return
        if not self._has_token():
            self._send_json(
                HTTPStatus.FORBIDDEN,
                {"error": "no editing token: open the address the terminal printed when serve --edit started"},
            )
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_API_BYTES:
            self._send_json(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > 0 else HTTPStatus.LENGTH_REQUIRED,
                {"error": f"expected a JSON body of at most {MAX_API_BYTES} bytes"},
            )
            return
        status, answer = api_answer(self.server.editing, self.rfile.read(length))
        self._send_bytes_now(status, "application/json; charset=utf-8", answer)

    def _has_token(self) -> bool:
        cookies = http.cookies.SimpleCookie()
        try:
            cookies.load(self.headers.get("Cookie", ""))
        except http.cookies.CookieError:
            return False
        given = cookies[TOKEN_COOKIE].value if TOKEN_COOKIE in cookies else ""
        return hmac.compare_digest(given.encode(), self.server.token.encode())

    def _send_admin(self, path: str) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        offered = (query.get("token") or [""])[0]
        if offered and hmac.compare_digest(offered.encode(), self.server.token.encode()):
            # The token moves from the address the terminal printed into a cookie only this origin sends.
            self.send_response(HTTPStatus.SEE_OTHER)
            self.send_header("Set-Cookie", f"{TOKEN_COOKIE}={self.server.token}; Path=/; HttpOnly; SameSite=Strict")
            self.send_header("Location", "/admin/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not self._has_token():
            self._send_bytes_now(
                HTTPStatus.FORBIDDEN,
                "text/plain; charset=utf-8",
                b"Open the address `serve --edit` printed in the terminal (it carries this session's token).\n",
            )
            return
        if path == "/admin/config.yml":
            host = self.headers.get("Host", f"127.0.0.1:{self.server.port}")
            config = cms_config("content", local_backend=f"http://{host}{API_URL}")
            self._send_bytes_now(HTTPStatus.OK, "text/yaml; charset=utf-8", config_yaml(config))
        else:
            self._send_bytes_now(HTTPStatus.OK, "text/html; charset=utf-8", admin_page())

    def _send_json(self, status: HTTPStatus, value: object) -> None:
        self._send_bytes_now(status, "application/json; charset=utf-8", json.dumps(value).encode())

    def _send_bytes_now(self, status: int, content_type: str, data: bytes) -> None:
        self._send_bytes(HTTPStatus(status), content_type, data)
        self.wfile.write(data)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload must show the new build
        path = self.path.split("?", 1)[0] if self.path.startswith("/") else "/"
        for name, value in headers_for(path, self.server.headers_text):  # as a static host sends _headers
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # one line per request would bury the build's problems in the terminal

    def send_head(self) -> BinaryIO | None:
        if self.path.split("?", 1)[0] == SCRIPT_URL:
            return self._send_bytes(HTTPStatus.OK, "text/javascript; charset=utf-8", LIVE_RELOAD_JS)
        root = Path(self.directory)
        target = resolve_request_path(root, self.path)
        if target is not None and target.is_dir():
            path = self.path.split("?", 1)[0]
            if not path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", "/" + path.lstrip("/") + "/")  # never //host/
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            target = resolve_request_path(root, path + "index.html")
        if target is None or not target.is_file():
            return self._send_not_found(root)
        return self._send_file(HTTPStatus.OK, target) or self._send_not_found(root)

    def _send_not_found(self, root: Path) -> BinaryIO | None:
        page = resolve_request_path(root, "/404.html")
        if page is not None and page.is_file():
            sent = self._send_file(HTTPStatus.NOT_FOUND, page)
            if sent is not None:
                return sent
        version = self.server.live.version
        return self._send_bytes(
            HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", inject_script(NOT_BUILT_HTML, version)
        )

    def _send_file(self, status: HTTPStatus, path: Path) -> BinaryIO | None:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        version = self.server.live.version  # read before the file, so a race only costs one more reload
        try:
            if content_type == "text/html":
                return self._send_bytes(status, "text/html; charset=utf-8", inject_script(path.read_bytes(), version))
            handle = open(path, "rb")  # noqa: SIM115 - the base class's do_GET copies and closes it
            size = os.fstat(handle.fileno()).st_size
        except OSError:  # gone in a rebuild's swap, or unreadable
            return None
        if content_type.startswith("text/") or content_type in ("application/xml", "application/json"):
            content_type += "; charset=utf-8"
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        return handle

    def _send_bytes(self, status: HTTPStatus, content_type: str, data: bytes) -> BinaryIO:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)

    def _send_events(self) -> None:
        live = self.server.live
        events = live.subscribe()
        self.close_connection = True
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n")
            while True:
                try:
                    item = events.get(timeout=KEEP_ALIVE_SECONDS)
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")  # finds closed tabs, so their queues go
                    continue
                if item is None:
                    return
                self.wfile.write(format_event(*item))
        except OSError:  # the page was closed or reloaded
            return
        finally:
            live.unsubscribe(events)


def open_server(
    host: str,
    port: int,
    output_dir: Path,
    live: LiveState,
    max_connections: int = MAX_CONNECTIONS,
    request_seconds: float = REQUEST_SECONDS,
) -> PreviewHTTPServer:
    """Bind the server now, so a taken port is reported before anything is built."""
    if not 0 <= port <= 65535:
        raise SiteError(f"--port must be between 0 and 65535, got {port}", 2)
    handler = partial(PreviewHandler, directory=str(output_dir.absolute()))
    try:
        return PreviewHTTPServer((host, port), handler, live, max_connections, request_seconds)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise SiteError(
                f"port {port} on {host} is already in use; stop what is using it, or choose "
                "another port with --port N (--port 0 picks a free one)",
                2,
            ) from None
        if exc.errno == errno.EACCES:
            raise SiteError(
                f"not allowed to use port {port} on {host}; choose a port above 1023 with --port N", 2
            ) from None
        raise SiteError(f"cannot serve on {host} port {port}: {exc.strerror or exc}", 2) from None


# -- watching and rebuilding -------------------------------------------------------------------


def is_scratch_name(name: str) -> bool:
    """Editors' temp, swap, backup and lock files, and hidden files (never content)."""
    return (
        name.startswith(".")
        or name in SCRATCH_NAMES
        or name.endswith(SCRATCH_SUFFIXES)
        or (name.startswith("#") and name.endswith("#"))
    )


def is_relevant(path: str, roots: tuple[Path, ...], output_dir: Path) -> bool:
    """Whether a change at this path can change the site."""
    changed = Path(path)
    if changed == output_dir or changed.is_relative_to(output_dir):
        return False
    for root in roots:
        if changed == root or changed.is_relative_to(root):
            parts = changed.relative_to(root).parts
            break
    else:
        parts = (changed.name,)
    return not any(is_scratch_name(part) for part in parts)


class ChangeHandler(FileSystemEventHandler):
    """Tells the rebuilder about changes that can change the site."""

    def __init__(self, roots: tuple[Path, ...], output_dir: Path, changed: Callable[[Path], None]):
        self._roots = roots
        self._output_dir = output_dir
        self._changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGE_EVENTS:
            return
        if event.is_directory and event.event_type == "modified":
            return  # a file in it changed, and has its own event (or is a swap file)
        paths = [os.fsdecode(event.src_path), os.fsdecode(getattr(event, "dest_path", "") or "")]
        # An atomic save renames a temp file over the real one: the destination is what matters.
        for path in paths:
            if path and is_relevant(path, self._roots, self._output_dir):
                self._changed(Path(path))


class Rebuilder:
    """One background thread: a build ~30 ms after the last change; changes during a build make one more.
    The build is told which paths changed since the last one."""

    def __init__(self, rebuild: Callable[[frozenset[Path]], None], delay: float = DEBOUNCE_SECONDS):
        self._rebuild = rebuild
        self._delay = delay
        self._paths: set[Path] = set()
        self._lock = threading.Lock()
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rebuilder", daemon=True)

    def changed(self, path: Path) -> None:
        """Something changed at this path (called from the watcher's thread)."""
        with self._lock:
            self._paths.add(path)
        self._changed.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop, after the build in progress (if any) finishes."""
        self._stopping.set()
        self._changed.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while True:
            self._changed.wait()
            if not self._settle():
                return
            with self._lock:
                paths, self._paths = frozenset(self._paths), set()
            self._rebuild(paths)

    def _settle(self) -> bool:
        """Wait until no change has come for the delay; False when stopping."""
        started = time.monotonic()
        while True:
            self._changed.clear()
            if self._stopping.wait(self._delay):
                return False
            if not self._changed.is_set() or time.monotonic() - started > MAX_DEBOUNCE_SECONDS:
                return True


def start_watching(roots: tuple[Path, ...], handler: FileSystemEventHandler) -> BaseObserver:
    """Watch each folder (that exists) and everything under it."""
    observer = Observer()
    for root in roots:
        if root.is_dir():
            observer.schedule(handler, str(root), recursive=True)
    observer.start()
    return observer


# -- the preview server ------------------------------------------------------------------------


class PreviewServer:
    """Everything `serve` runs: the first build, the watcher, the rebuilder and the HTTP server."""

    def __init__(
        self, options: Options, host: str, port: int, out: TextIO, err: TextIO, debug: bool = False, edit: bool = False
    ):
        if options.output_dir is None:
            raise SiteError("serve needs an output folder", 2)
        if edit and not is_loopback(host):
            raise SiteError(
                f"serve --edit writes files, so it serves on this computer only: leave out --host {host}", 2
            )
        self.edit = edit
        self.options = options
        self.output_dir = options.output_dir.absolute()
        self.host = host
        self.port = port
        self.out = out
        self.err = err
        self.debug = debug
        self.live = LiveState()
        self.site: Site | None = None  # the last good build's, for previews
        self.httpd: PreviewHTTPServer | None = None
        self.watched = tuple(
            path.resolve() for path in (options.content_dir, options.templates_dir, options.static_dir)
        )

    def run(self) -> int:
        """Serve until Ctrl-C; return the exit status."""
        if (warning := network_warning(self.host)) is not None:
            self.err.write(warning + "\n")
            self.err.flush()
        httpd = open_server(self.host, self.port, self.output_dir, self.live)
        self.httpd = httpd
        if self.edit:
            httpd.editing = LocalRepository(self.options.content_dir)
            httpd.token = secrets.token_urlsafe(24)
        rebuilder = Rebuilder(lambda paths: self.build_once("Rebuilt", changed=paths))
        observer: BaseObserver | None = None
        server_thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="http", daemon=True
        )
        try:
            # Watch before the first build, so a save during it is not missed.
            observer = start_watching(
                self.watched, ChangeHandler(self.watched, self.output_dir.resolve(), rebuilder.changed)
            )
            self.build_once("Built", first=True)
            rebuilder.start()
            server_thread.start()
            self._say(f"Serving {self.url(httpd)} (Ctrl-C to stop)")
            if self.edit:
                self._say(f"Edit the content at {self.url(httpd)}admin/?token={httpd.token}")
            forever = threading.Event()
            while not forever.wait(1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self._stop(httpd, server_thread, observer, rebuilder)
        self._say("Stopped.")
        return 0

    def url(self, httpd: PreviewHTTPServer) -> str:
        host = str(httpd.server_address[0])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{httpd.port}/"

    def build_once(self, verb: str, first: bool = False, changed: frozenset[Path] = frozenset()) -> None:
        """Build into the output folder and tell the open pages; on problems keep the last good site.
        When one content file changed, its own page is previewed first (see preview.py)."""
        if len(changed) == 1 and self.site is not None:
            self._preview(self.site, next(iter(changed)))
        try:
            result = build(self.options)
        except ContentErrors as exc:
            self._failed(
                self._problem_lines(exc.problems),
                "Nothing was built; fix the problems and save."
                if first
                else "The last good site is still being served; fix the problems and save.",
            )
            return
        except SiteError as exc:
            if first:
                raise  # the output folder cannot be used: nothing to serve
            self._failed([f"error: {exc}"], "The last good site is still being served.")
            return
        except Exception as exc:  # a fault in the builder: report it and keep serving
            if first:
                raise
            if self.debug:
                traceback.print_exc(file=self.err)
            self._failed(
                [f"internal error: {type(exc).__name__}: {exc}"],
                "This is a fault in the site builder, not in your content; the last good site is still being served.",
            )
            return
        self.site = result.site
        if self.httpd is not None:
            # The published site's headers; `serve --edit` serves /admin/ whatever site.yaml says, so it
            # sends the policy a site with cms: publishes.
            self.httpd.headers_text = headers_file(cms=self.edit or bool(result.site.config.cms))
        if result.problems:
            self.err.write("\n".join(self._problem_lines(result.problems)) + "\n")
            self.err.flush()
        self.live.built()
        self._say(f"{verb} in {result.seconds:.2f}s")

    def _preview(self, site: Site, path: Path) -> None:
        started = time.perf_counter()
        try:
            shown = preview_page(self.options, site, path)
        except Exception as exc:  # the full build that follows reports any real problem
            if self.debug:
                traceback.print_exc(file=self.err)
                self._say(f"(no preview: {type(exc).__name__}: {exc})")
            return
        if shown is not None:
            self.live.built()
            self._say(f"Previewed {shown.url} in {time.perf_counter() - started:.2f}s; rebuilding the rest")

    def _problem_lines(self, problems: list[Problem]) -> list[str]:
        """The lines `build` prints for these problems, count included."""
        printed = io.StringIO()
        print_problems(problems, printed)
        return printed.getvalue().splitlines()

    def _failed(self, lines: list[str], note: str) -> None:
        self.err.write("\n".join([*lines, note]) + "\n")
        self.err.flush()
        self.live.failed(lines)

    def _say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def _stop(
        self,
        httpd: PreviewHTTPServer,
        server_thread: threading.Thread,
        observer: BaseObserver | None,
        rebuilder: Rebuilder,
    ) -> None:
        if observer is not None:
            observer.stop()
        rebuilder.stop()
        self.live.close()
        if server_thread.is_alive():
            httpd.shutdown()
            server_thread.join()
        httpd.server_close()
        if observer is not None:
            observer.join()


def serve(
    options: Options, host: str, port: int, out: TextIO, err: TextIO, debug: bool = False, edit: bool = False
) -> int:
    """Build, serve the output folder, rebuild on every change, until Ctrl-C; with edit, the forms too."""
    return PreviewServer(options, host, port, out, err, debug, edit).run()
