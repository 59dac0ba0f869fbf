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
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO, Callable, Collection, TextIO

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from ..output.admin import LocalRepository, admin_page, api_answer, cms_config, config_yaml
from ..errors import ContentErrors, Problem, SiteError, print_problems
from ..site.model import Site
from ..pipeline import Loaded, Options, build
from .preview import preview_page
from .patch import page_changes
from .quick import quick_pages
from ..output.render import headers_file
from ..output.write import replace_live

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
  function frame(doc) {
    return Array.prototype.slice.call(doc.head.querySelectorAll("link[rel~=stylesheet], script[src], base"));
  }
  function sameFrame(a, b) {
    return a.length === b.length && a.every(function (node, i) { return node.isEqualNode(b[i]); });
  }
  // A copy of a body without this script and whatever follows it (its problem box, the last line break).
  function shown(body) {
    var copy = body.cloneNode(true), me = copy.querySelector("script[src='/__live-reload.js']");
    while (me && me.parentNode === copy && me.nextSibling) me.nextSibling.remove();
    if (me) me.remove();
    return copy;
  }
  // The body as it was served, taken before the page's own scripts run (they are deferred; this one is at
  // the end of the body): the new version of the page is compared with it, not with what scripts made.
  var served = shown(document.body), texts = null, elements = null;
  // What differs between two bodies when only texts and attributes do: a list of changes, each with the
  // node's path (child indexes from the body) and the value it had; null when their shapes differ.
  function differences(a, b, path, found) {
    if (a.nodeType !== b.nodeType || a.nodeName !== b.nodeName) return null;
    if (a.nodeType === Node.TEXT_NODE || a.nodeType === Node.COMMENT_NODE) {
      if (a.data !== b.data) found.push({path: path, was: a.data, data: b.data});
      return found;
    }
    if (a.nodeType !== Node.ELEMENT_NODE) return a.isEqualNode(b) ? found : null;
    var names = {}, i;
    for (i = 0; i < a.attributes.length; i++) names[a.attributes[i].name] = true;
    for (i = 0; i < b.attributes.length; i++) names[b.attributes[i].name] = true;
    Object.keys(names).forEach(function (name) {
      var was = a.getAttribute(name), value = b.getAttribute(name);
      if (was !== value) found.push({path: path, name: name, was: was, value: value});
    });
    var from = a.childNodes, to = b.childNodes;
    if (from.length !== to.length) return null;
    for (i = 0; i < from.length; i++) {
      if (!from[i].isEqualNode(to[i]) && differences(from[i], to[i], path.concat(i), found) === null) return null;
    }
    return found;
  }
  function nodeAt(path) {
    var node = document.body;
    for (var i = 0; node && i < path.length; i++) node = node.childNodes[path[i]];
    return node;
  }
  // Put the changes in the open page, node by node, so every element (and what its scripts hold of it) stays;
  // false, changing nothing, unless every node to change still holds what was served.
  function patch(changes) {
    var nodes = changes.map(function (change) { return nodeAt(change.path); });
    var intact = changes.every(function (change, i) {
      var node = nodes[i];
      if (!node) return false;
      if (change.name === undefined) return node.nodeType !== Node.ELEMENT_NODE && node.data === change.was;
      return node.nodeType === Node.ELEMENT_NODE && node.getAttribute(change.name) === change.was;
    });
    if (!intact) return false;
    changes.forEach(function (change, i) {
      if (change.name === undefined) nodes[i].data = change.data;
      else if (change.value === null) nodes[i].removeAttribute(change.name);
      else nodes[i].setAttribute(change.name, change.value);
    });
    return true;
  }
  // The text nodes and elements of the body as served, in document order: where the server's changes are.
  function index() {
    var walker = document.createTreeWalker(served, NodeFilter.SHOW_TEXT), node;
    texts = [];
    while ((node = walker.nextNode())) texts.push(node);
    elements = served.getElementsByTagName("*");
  }
  function pathTo(node) {
    var path = [];
    for (; node !== served; node = node.parentNode) {
      if (!node.parentNode) return null;
      path.unshift(Array.prototype.indexOf.call(node.parentNode.childNodes, node));
    }
    return path;
  }
  // The changes the server sent (patch.py: the n-th text node or element of the body, what it held and
  // holds now), each found in the body as served and checked there (the texts beside it too), then in the
  // open page; all are made, in both, or none (false), and then the page is fetched instead.
  function place(sent) {
    if (!texts) index();
    var changes = [];
    var found = sent.texts.every(function (t) {
      var node = texts[t[0]], path = node && pathTo(node);
      if (!path) return false;
      var before = t[0] > 0 ? texts[t[0] - 1].data : "", after = t[0] + 1 < texts.length ? texts[t[0] + 1].data : "";
      changes.push({path: path, was: t[1], data: t[2], node: node});
      return node.data === t[1] && before === t[3] && after === t[4];
    }) && sent.attributes.every(function (a) {
      var node = elements[a[0]], path = node && pathTo(node);
      changes.push({path: path, name: a[2], was: a[3], value: a[4], node: node});
      return path && node.localName === a[1] && node.getAttribute(a[2]) === a[3];
    });
    if (!found || !patch(changes)) return false;
    changes.forEach(function (change) {
      if (change.name === undefined) change.node.data = change.data;
      else if (change.value === null) change.node.removeAttribute(change.name);
      else change.node.setAttribute(change.name, change.value);
    });
    if (sent.title !== null) document.title = sent.title;
    return true;
  }
  // A new version of this page: when only texts and attributes changed, they are changed in place; else,
  // when its styles and scripts are as they were, its <body> is swapped in (no reload: scroll and focus
  // kept); a page that runs scripts of its own, or whose styles changed, is reloaded. (The head's metadata,
  // such as an event's JSON-LD, is for machines, not the editor: it stays as it was, but for the <title>.)
  var asked = 0;
  function update(next) {
    var mine = ++asked;
    fetch(location.href, {cache: "no-store", credentials: "same-origin"}).then(function (response) {
      if (!response.ok || response.redirected) throw new Error(String(response.status));
      return response.text();
    }).then(function (text) {
      if (mine !== asked) return;  // a newer version of the page is on its way
      var doc = new DOMParser().parseFromString(text, "text/html");
      clear();
      if (!sameFrame(frame(doc), frame(document))) { location.reload(); return; }
      var fresh = shown(doc.body), changes = differences(served, fresh, [], []);
      if (changes === null || !patch(changes)) {
        if (document.querySelectorAll("script[src]").length > 1) { location.reload(); return; }
        var focused = document.activeElement && document.activeElement.id, x = scrollX, y = scrollY;
        document.body.replaceWith(document.importNode(doc.body, true));  // its scripts never run again
        var again = focused && document.getElementById(focused);
        if (again) again.focus({preventScroll: true});
        scrollTo(x, y);
      }
      served = fresh;
      texts = null;
      if (document.title !== doc.title) document.title = doc.title;
      version = next || version;
    }).catch(function () { location.reload(); });
  }
  function server(of) { return String(of).split("-")[0]; }
  var events = new EventSource("/__events?page=" + encodeURIComponent(location.pathname));
  events.addEventListener("ok", function (e) {
    clear();
    if (version && server(e.data) !== server(version)) location.reload();  // a new server, maybe a new script
    else if (version && e.data !== version) update(e.data);  // the stream was cut, and the site changed
  });
  events.addEventListener("reload", function (e) { update(e.data); });  // the site was rebuilt
  events.addEventListener("page", function (e) {  // this page was made ahead of the site
    var sent = JSON.parse(e.data), placed = false;
    try { placed = Boolean(sent.changes) && place(sent.changes); } catch (error) { placed = false; }
    if (placed) { ++asked; clear(); version = sent.version; }
    else update(sent.version);
  });
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
# Opening and reading a file (as every build does) is not a change. "closed" is a file closed after
# writing: its save is whole, so its page can be made at once, with no wait.
CHANGE_EVENTS = frozenset({"created", "deleted", "modified", "moved", "closed"})


# -- live state: what every open page is told -------------------------------------------------


class LiveState:
    """The site's state for the open pages (a version, or the problems), and their event queues, each with
    the address of the page that opened it (its own path, as the page's script sends it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._instance = secrets.token_hex(4)  # a restarted server has new versions, so pages reload
        self._generation = 0
        self._problem_lines: list[str] | None = None
        self._subscribers: list[tuple[queue.Queue[tuple[str, str] | None], str]] = []

    @property
    def version(self) -> str:
        """Which build the files on disk are: changes on every successful build and every page made alone."""
        with self._lock:
            return f"{self._instance}-{self._generation}"

    def subscribe(self, page: str = "") -> queue.Queue[tuple[str, str] | None]:
        """A queue of (event, data) for the page at this path, starting with the current state."""
        events: queue.Queue[tuple[str, str] | None] = queue.Queue()
        with self._lock:
            if self._problem_lines is None:
                events.put(("ok", f"{self._instance}-{self._generation}"))
            else:
                events.put(("error", json.dumps(self._problem_lines)))
            self._subscribers.append((events, page))
        return events

    def unsubscribe(self, events: queue.Queue[tuple[str, str] | None]) -> None:
        with self._lock:
            self._subscribers = [(queue_, page) for queue_, page in self._subscribers if queue_ is not events]

    def open_pages(self) -> set[str]:
        """The paths of the pages open now."""
        with self._lock:
            return {page for _, page in self._subscribers if page}

    def pages_made(self, pages: dict[str, dict[str, Any] | None]) -> None:
        """These pages were made ahead of the rest of the site: the open ones put in place the changes given
        for them (patch.page_changes), or fetch themselves again."""
        with self._lock:
            self._generation += 1
            version = f"{self._instance}-{self._generation}"
            for events, page in self._subscribers:
                if page in pages:
                    events.put(("page", json.dumps({"version": version, "changes": pages[page]})))

    def built(self, unchanged: Collection[str] = ()) -> None:
        """A build succeeded: every open page updates (in place, or by a reload), but for those at the
        `unchanged` paths (their files are the ones they were served), unless they show problems."""
        with self._lock:
            self._generation += 1
            showing = self._problem_lines is not None
            self._problem_lines = None
            item = ("reload", f"{self._instance}-{self._generation}")
            for events, page in self._subscribers:
                if showing or page not in unchanged:
                    events.put(item)

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

    def _publish(self, item: tuple[str, str] | None, pages: set[str] | None = None) -> None:
        for events, page in self._subscribers:
            if pages is None or page in pages:
                events.put(item)


def format_event(name: str, data: str) -> bytes:
    """One server-sent event (HTML Living Standard, 9.2 Server-sent events)."""
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"event: {name}\n{lines}\n".encode()


# -- HTTP: only files inside the output folder -------------------------------------------------


def open_page(query: str) -> str:
    """The path of the page that opened an event stream, from its query (`?page=/events/`); "" if none."""
    page = (urllib.parse.parse_qs(query).get("page") or [""])[0]
    return page if page.startswith("/") and len(page) <= 2000 else ""


def page_file(root: Path, page: str) -> Path | None:
    """The file the server sends for a page's path (a folder's index.html), if it is one inside root."""
    target = resolve_request_path(root, page)
    if target is not None and page.endswith("/"):
        target = target / "index.html"
    return target if target is not None and target.is_file() else None


def output_rel(page: str) -> str:
    """The path in the output folder of the file a page's path names: /events/ -> events/index.html."""
    path = urllib.parse.unquote(page.split("?", 1)[0].split("#", 1)[0]).lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path


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
        path, _, query = self.path.partition("?")
        if path == EVENTS_URL:
            self._send_events(open_page(query))
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

    def _send_events(self, page: str) -> None:
        live = self.server.live
        events = live.subscribe(page)
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
    """Tells the rebuilder about changes that can change the site, and which of them are whole saves."""

    def __init__(self, roots: tuple[Path, ...], output_dir: Path, changed: Callable[[Path, bool], None]):
        self._roots = roots
        self._output_dir = output_dir
        self._changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGE_EVENTS:
            return
        if event.is_directory and event.event_type == "modified":
            return  # a file in it changed, and has its own event (or is a swap file)
        source, dest = os.fsdecode(event.src_path), os.fsdecode(getattr(event, "dest_path", "") or "")
        # An atomic save renames a temp file over the real one: the destination is what matters, and it is
        # whole, as a file closed after writing is.
        for path, whole in ((source, event.event_type == "closed"), (dest, True)):
            if path and is_relevant(path, self._roots, self._output_dir):
                self._changed(Path(path), whole)


class Rebuilder:
    """One background thread: a build ~30 ms after the last change; changes during a build make one more.
    The build is told which paths changed since the last one.

    `quick(path)` runs first when one file alone has changed: at once when its save is known to be whole (the
    file closed after writing, or renamed into place), with no wait at all, else just before the build."""

    def __init__(
        self,
        rebuild: Callable[[frozenset[Path]], None],
        delay: float = DEBOUNCE_SECONDS,
        quick: Callable[[Path], None] | None = None,
    ):
        self._rebuild = rebuild
        self._quick = quick
        self._delay = delay
        self._paths: set[Path] = set()
        self._ready: Path | None = None  # the one changed file, saved whole, not yet given to quick
        self._last = 0.0  # when the last change came (time.monotonic)
        self._stopping = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="rebuilder", daemon=True)

    def changed(self, path: Path, whole: bool = False) -> None:
        """Something changed at this path (called from the watcher's thread); whole: its save is complete."""
        with self._wake:
            self._paths.add(path)
            self._last = time.monotonic()
            if len(self._paths) > 1:
                self._ready = None
            elif whole:
                self._ready = path
            self._wake.notify()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop, after the build in progress (if any) finishes."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._paths and not self._stopping:
                    self._wake.wait()
            settled = self._settle()
            if settled is None:
                return
            paths, quickened = settled
            if self._quick is not None and len(paths) == 1 and not paths <= quickened:
                self._quick(next(iter(paths)))  # no close event came (another system's watcher)
            self._rebuild(paths)

    def _settle(self) -> tuple[frozenset[Path], set[Path]] | None:
        """Give whole saves to quick as they come, until no change has come for the delay; then the paths
        changed and those given to quick. None when stopping."""
        started = time.monotonic()
        quickened: set[Path] = set()
        while True:
            with self._wake:
                if self._stopping:
                    return None
                ready, self._ready = self._ready, None
                if ready is None:
                    now = time.monotonic()
                    quiet = now - self._last
                    if quiet >= self._delay or now - started > MAX_DEBOUNCE_SECONDS:
                        paths, self._paths = frozenset(self._paths), set()
                        return paths, quickened
                    self._wake.wait(self._delay - quiet)
                    continue
            if self._quick is not None:
                self._quick(ready)
                quickened.add(ready)


def start_watching(roots: tuple[Path, ...], handler: FileSystemEventHandler) -> BaseObserver:
    """Watch each folder (that exists) and everything under it."""
    observer = Observer()
    for root in roots:
        if root.is_dir():
            observer.schedule(handler, str(root), recursive=True)
    observer.start()
    return observer


# -- the preview server ------------------------------------------------------------------------


@dataclass(frozen=True)
class Changed:
    """A page put in place ahead of the build: what changed in it, or None when only a fetch can say."""

    changes: dict[str, Any] | None


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
        self.loaded: Loaded | None = None  # what the last good build read and resolved, for quick pages
        self._served: dict[str, tuple[int, int] | None] = {}  # the open pages' files when the build began
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
        rebuilder = Rebuilder(lambda paths: self.build_once("Rebuilt", changed=paths), quick=self._quick)
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
        """Build into the output folder and tell the open pages; on problems keep the last good site. The
        open pages are made first, from the content as the build read it, and shown before the rest is made
        (`_open_pages_first`); once the build is done, only the pages whose files it changed are told."""
        self._served = self._open_files()
        try:
            result = build(self.options, first=None if first else self._open_pages_first)
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
        self.site, self.loaded = result.site, result.loaded
        if self.httpd is not None:
            # The published site's headers; `serve --edit` serves /admin/ whatever site.yaml says, so it
            # sends the policy a site with cms: publishes.
            self.httpd.headers_text = headers_file(cms=self.edit or bool(result.site.config.cms))
        if result.problems:
            self.err.write("\n".join(self._problem_lines(result.problems)) + "\n")
            self.err.flush()
        now, served = self._open_files(), self._served
        self.live.built(unchanged={page for page, file in served.items() if file is not None and now.get(page) == file})
        self._say(f"{verb} in {result.seconds:.2f}s")

    def _open_files(self, pages: set[str] | None = None) -> dict[str, tuple[int, int] | None]:
        """Which file each open page is now (device and inode: a build links a file it leaves unchanged, and
        writes a changed one anew), None where it is no file."""
        files: dict[str, tuple[int, int] | None] = {}
        for page in self.live.open_pages() if pages is None else pages:
            found = page_file(self.output_dir, page)
            try:
                info = os.stat(found, follow_symlinks=False) if found is not None else None
            except OSError:
                info = None
            files[page] = (info.st_dev, info.st_ino) if info is not None else None
        return files

    def _quick(self, path: Path) -> None:
        """A saved file's pages, ahead of the rebuild: every open page that shows it when the save changed only
        what it says (quick.py), else its own page when that alone shows the change (preview.py)."""
        started = time.perf_counter()
        open_at: dict[str, set[str]] = {}
        for page in self.live.open_pages():
            open_at.setdefault(output_rel(page), set()).add(page)
        try:
            made = quick_pages(self.options, self.loaded, path, set(open_at)) if self.loaded is not None else None
            if made is None and self.site is not None:
                shown = preview_page(self.options, self.site, path)
                if shown is not None:
                    self.live.pages_made(dict.fromkeys(open_at.get(output_rel(shown.url), ())))
                    self._say(f"Previewed {shown.url} in {time.perf_counter() - started:.2f}s; rebuilding the rest")
                return
        except Exception as exc:  # the full build that follows reports any real problem
            if self.debug:
                traceback.print_exc(file=self.err)
                self._say(f"(no preview: {type(exc).__name__}: {exc})")
            return
        if made is None:
            return
        told: dict[str, dict[str, Any] | None] = {}
        for rel, data in made.pages.items():
            if (changed := self._put_live(rel, data)) is not None:
                told.update(dict.fromkeys(open_at.get(rel, ()), changed.changes))
        self.live.pages_made(told)
        also = sorted(page for page in told if output_rel(page) != output_rel(made.url))
        self._say(
            f"Previewed {made.url}{' and ' + ', '.join(also) if also else ''} in "
            f"{time.perf_counter() - started:.2f}s; rebuilding the rest"
        )

    def _put_live(self, rel: str, data: bytes) -> Changed | None:
        """Put one page in place in the live site if its bytes are new: what changed, for the open pages."""
        try:
            old: bytes | None = (self.output_dir / rel).read_bytes()
        except OSError:
            old = None
        if old == data or replace_live(self.output_dir, rel, data) is None:
            return None
        return Changed(page_changes(old, data) if old is not None else None)

    def _open_pages_first(self, loaded: Loaded) -> None:
        """The pages open now, made from the build's own site map and put in place at once (write.replace_live),
        before the build makes the rest and the search index: each is the page the build then writes, byte for
        byte. Only those whose bytes change are written, and only their pages told."""
        if loaded.plan is None:
            return
        started = time.perf_counter()
        planned = {entry.path: entry for entry in loaded.plan.made if entry.template is not None}
        made: dict[str, dict[str, Any] | None] = {}
        for page in sorted(self.live.open_pages()):
            rel = output_rel(page)
            entry = planned.get(rel)
            if entry is None or page_file(self.output_dir, page) is None:
                continue
            if (changed := self._put_live(rel, entry.make())) is not None:
                made[page] = changed.changes
                self._served.update(self._open_files({page}))  # told now: told again only if the build changes it
        if made:
            self.live.pages_made(made)
            shown = ", ".join(sorted(made))
            self._say(f"Showed {shown} in {time.perf_counter() - started:.2f}s; rebuilding the rest")

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
