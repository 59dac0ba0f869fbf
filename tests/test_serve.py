"""`python build.py serve`: the live preview, run as editors run it (a real process, real HTTP, real files)."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable, Iterator

import pytest

from site_builder.dev.serve import Rebuilder, inject_script, is_relevant, resolve_request_path
from tests.conftest import PROJECT, copy_site

# Generous but bounded: the suite runs on a loaded 2-core machine.
START_SECONDS = 90
CHANGE_SECONDS = 30
# The wording is the validator's (and its tests'); here only the file, line, field and value matter.
BROKEN_PREFIX = "content/events/budget-basics.md:4: start: "


class ServeProcess:
    """`build.py serve` on the small fixture site in tmp_path, with both streams read as they come."""

    def __init__(self, root: Path, prepare: Callable[[Path], None] | None = None, extra: tuple[str, ...] = ()):
        self.root = root
        self.content = copy_site("small", root)
        if prepare is not None:
            prepare(self.content)
        self.output = root / "output"
        command = [
            sys.executable,
            str(PROJECT / "build.py"),
            "serve",
            "--port",
            "0",
            "--content",
            "content",
            "--output",
            "output",
            "--today",
            "2027-01-15",
            *extra,
        ]
        # A shell starts a background job (`bin/test &`) with Ctrl-C ignored, and a child inherits that: the
        # server would then never see the Ctrl-C the tests send it, as no editor's terminal would do. So the
        # server starts with Ctrl-C heeded, and the tests' own handling is left as it was.
        before = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            self.process = subprocess.Popen(
                command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1
            )
        finally:
            signal.signal(signal.SIGINT, before)
        self.out_lines: list[str] = []
        self.err_lines: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(stream, lines), daemon=True)
            for stream, lines in ((self.process.stdout, self.out_lines), (self.process.stderr, self.err_lines))
        ]
        for reader in self._readers:
            reader.start()
        line = self.wait_for(
            lambda: next((l for l in self.out_lines if l.startswith("Serving ")), None),
            START_SECONDS,
            "the Serving line",
        )
        match = re.fullmatch(r"Serving (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C to stop\)", line)
        assert match, line
        self.url, self.port = match.group(1), int(match.group(2))

    @staticmethod
    def _read(stream, lines: list[str]) -> None:
        for line in stream:
            lines.append(line.rstrip("\n"))

    def wait_for(self, found: Callable[[], object], seconds: float, what: str) -> object:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = found()
            if value:
                return value
            if self.process.poll() is not None and not found():
                break
            time.sleep(0.05)
        raise AssertionError(
            f"no {what} within {seconds}s; exit {self.process.poll()}\n"
            f"stdout: {self.out_lines}\nstderr: {self.err_lines}"
        )

    def rebuilds(self) -> int:
        return sum(1 for line in self.out_lines if re.fullmatch(r"Rebuilt in \d+\.\d\ds", line))

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path.lstrip("/"), timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def wait_for_page(self, path: str, text: str) -> str:
        def page() -> str | None:
            status, body = self.get(path)
            return body if status == 200 and text in body else None

        return self.wait_for(page, CHANGE_SECONDS, f"{text!r} on {path}")  # type: ignore[return-value]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        for reader in self._readers:
            reader.join(timeout=10)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServeProcess]:
    running = None
    try:
        running = ServeProcess(tmp_path)
        yield running
    finally:
        if running is not None:
            running.stop()


class EventStream:
    """A connection to /__events, read one server-sent event at a time."""

    def __init__(self, port: int, page: str = ""):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=CHANGE_SECONDS)
        self.connection.request("GET", "/__events" + (f"?page={urllib.parse.quote(page)}" if page else ""))
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type").startswith("text/event-stream")

    def next_event(self) -> tuple[str, str]:
        """The next named event (name, data), skipping comments and the retry field."""
        name, data = "", []
        while True:
            line = self.response.readline().decode()
            if not line:
                raise AssertionError("the event stream ended")
            line = line.rstrip("\n")
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])
            elif line == "" and name:
                return name, "\n".join(data)

    def close(self) -> None:
        self.connection.close()


def names_the_broken_line(lines: list[str]) -> bool:
    """The problem lines name the broken start field and end with build's count of one error."""
    return (
        bool(lines)
        and lines[-1].startswith("1 error")
        and any(line.startswith(BROKEN_PREFIX) and "'soon'" in line for line in lines)
    )


def printed_together(printed: list[str], lines: list[str]) -> bool:
    """The lines appear in this order, one after another, in what was printed."""
    return any(printed[at : at + len(lines)] == lines for at in range(len(printed)))


def raw_request(port: int, target: str) -> tuple[int, bytes]:
    """Send a request line as it is (no client normalises it); return the status and everything after."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"GET {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    status = int(received.split(b" ", 2)[1])
    return status, received


def test_pages_are_served_with_the_reload_script_that_the_built_files_do_not_carry(server: ServeProcess) -> None:
    status, home = server.get("/")
    assert status == 200
    assert '<script src="/__live-reload.js" data-version="' in home
    assert home.index("/__live-reload.js") < home.rindex("</body>")
    on_disk = (server.output / "index.html").read_text()
    assert "__live-reload" not in on_disk and "EventSource" not in on_disk
    assert home.replace(re.search(r'<script src="/__live-reload.js"[^>]*></script>\n', home).group(0), "") == on_disk

    status, script = server.get("/__live-reload.js")
    assert status == 200 and 'new EventSource("/__events?page=" + encodeURIComponent(location.pathname))' in script
    assert "innerHTML" not in script and "textContent" in script

    status, missing = server.get("/no-such-page/")
    assert status == 404
    assert (server.output / "404.html").read_text().split("</body>")[0].split("<main")[1] in missing
    assert "/__live-reload.js" in missing
    assert server.get("/static/site.css")[1] == (server.output / "static" / "site.css").read_text()
    assert not any("Traceback" in line or " error" in line for line in server.err_lines), server.err_lines


def test_a_saved_title_shows_on_the_served_page(server: ServeProcess) -> None:
    about = server.content / "pages" / "about.md"
    about.write_text(about.read_text().replace("title: About this programme", "title: About the new programme"))
    page = server.wait_for_page("/about/", "About the new programme")
    assert "<h1>About the new programme</h1>" in page or "About the new programme</h1>" in page
    assert "About this programme" not in page
    server.wait_for(server.rebuilds, CHANGE_SECONDS, "Rebuilt line")
    # The saved page was shown first, on its own; then the whole site was rebuilt.
    previewed = [n for n, line in enumerate(server.out_lines) if line.startswith("Previewed /about/ in ")]
    rebuilt = [n for n, line in enumerate(server.out_lines) if line.startswith("Rebuilt in ")]
    assert previewed and rebuilt and previewed[0] < rebuilt[0], server.out_lines


def test_open_pages_that_show_a_save_are_made_first_and_only_the_pages_it_changes_are_told(
    server: ServeProcess,
) -> None:
    listing = EventStream(server.port, "/events/")  # lists the event that changes
    about = EventStream(server.port, "/about/")  # shows nothing of it
    every = EventStream(server.port)  # a page that says nothing of where it is: told of every build
    streams = (listing, about, every)
    about_file = server.output / "about" / "index.html"
    before = about_file.stat().st_ino
    clinic = server.content / "events" / "grants-clinic.md"
    try:
        assert all(stream.next_event()[0] == "ok" for stream in streams)

        # A new title: the listing is made with it from the last build at once (quick.py), before the rebuild.
        clinic.write_text(clinic.read_text().replace("title: Grants clinic", "title: Grants clinic for everyone"))
        assert listing.next_event()[0] == "page"
        status, page = server.get("/events/")
        assert status == 200 and "Grants clinic for everyone" in page
        assert every.next_event()[0] == "reload"  # the whole site is built
        server.wait_for(lambda: server.rebuilds() == 1, CHANGE_SECONDS, "the first rebuild")
        assert_before(server.out_lines, "Previewed /events/grants-clinic/ and /events/ in ", "Rebuilt in ")

        # A new date moves the event: the listing is made from the build's own site map as soon as it has
        # read the content, and shown before the build makes the rest and the search index.
        clinic.write_text(clinic.read_text().replace("2027-02-16", "2027-02-15"))
        assert listing.next_event()[0] == "page"
        status, page = server.get("/events/")
        assert status == 200 and "15 February" in page
        assert every.next_event()[0] == "reload"
        server.wait_for(lambda: server.rebuilds() == 2, CHANGE_SECONDS, "the second rebuild")
        first = next(n for n, line in enumerate(server.out_lines) if line.startswith("Rebuilt in "))
        assert_before(server.out_lines[first + 1 :], "Showed /events/ in ", "Rebuilt in ")
        assert about_file.stat().st_ino == before  # the page neither change touches is not replaced

        # The about page was told nothing of those builds: the first it hears of is its own page's change.
        about_md = server.content / "pages" / "about.md"
        about_md.write_text(about_md.read_text().replace("title: About this programme", "title: About us"))
        assert about.next_event()[0] == "page"
        assert "About us" in server.get("/about/")[1]
    finally:
        for stream in streams:
            stream.close()
    assert not any("Traceback" in line for line in server.err_lines), server.err_lines


def assert_before(lines: list[str], first: str, then: str) -> None:
    """A line starting with `first` comes before the first line starting with `then`."""
    at = next((n for n, line in enumerate(lines) if line.startswith(first)), None)
    assert at is not None and at < next(n for n, line in enumerate(lines) if line.startswith(then)), lines


def test_a_broken_save_is_reported_keeps_the_last_good_site_and_fixing_it_reloads(server: ServeProcess) -> None:
    event = server.content / "events" / "budget-basics.md"
    good = event.read_text()
    stream = EventStream(server.port)
    try:
        assert stream.next_event()[0] == "ok"
        event.write_text(good.replace("start: 2026-11-10 12:30", "start: soon"))

        name, data = stream.next_event()
        assert name == "error"
        lines = json.loads(data)
        assert names_the_broken_line(lines), lines
        server.wait_for(lambda: printed_together(server.err_lines, lines), CHANGE_SECONDS, "problems on stderr")
        status, page = server.get("/events/budget-basics/")
        assert status == 200 and "Budget basics" in page  # the last good site

        # A page opened while the site is broken learns of the problems at once.
        late = EventStream(server.port)
        try:
            name, data = late.next_event()
            assert name == "error" and json.loads(data) == lines
        finally:
            late.close()

        event.write_text(good.replace("title: Budget basics", "title: Budget basics, fixed"))
        assert stream.next_event()[0] == "reload"
        server.wait_for_page("/events/budget-basics/", "Budget basics, fixed")
    finally:
        stream.close()
    assert not any("Traceback" in line for line in server.err_lines)


def test_content_broken_from_the_start_is_reported_served_as_an_overlay_then_built(tmp_path: Path) -> None:
    def break_it(content: Path) -> None:
        event = content / "events" / "budget-basics.md"
        event.write_text(event.read_text().replace("start: 2026-11-10 12:30", "start: soon"))

    running = None
    try:
        running = ServeProcess(tmp_path, prepare=break_it)
        running.wait_for(lambda: names_the_broken_line(running.err_lines[:-1]), CHANGE_SECONDS, "problems")
        assert not running.output.exists()
        status, page = running.get("/")
        assert status == 404 and "/__live-reload.js" in page
        stream = EventStream(running.port)
        try:
            name, data = stream.next_event()
            assert name == "error" and names_the_broken_line(json.loads(data))
            assert printed_together(running.err_lines, json.loads(data))
            event = running.content / "events" / "budget-basics.md"
            event.write_text(event.read_text().replace("start: soon", "start: 2026-11-10 12:30"))
            assert stream.next_event()[0] == "reload"
        finally:
            stream.close()
        running.wait_for_page("/events/budget-basics/", "Budget basics")
    finally:
        if running is not None:
            running.stop()


def test_ctrl_c_stops_cleanly_with_status_0(server: ServeProcess) -> None:
    stream = EventStream(server.port)  # an open page must not hold the server up
    try:
        assert stream.next_event()[0] == "ok"
        server.process.send_signal(signal.SIGINT)
        assert server.process.wait(timeout=30) == 0
    finally:
        stream.close()
    server.stop()
    assert server.out_lines[-1] == "Stopped."
    assert not any("Traceback" in line for line in server.err_lines), server.err_lines


def test_only_files_inside_the_output_folder_are_served(server: ServeProcess) -> None:
    secret = "top secret, outside the output folder"
    (server.root / "secret.txt").write_text(secret)
    (server.root / "pyproject.toml").write_text(secret)
    (server.output / "leak.txt").symlink_to(server.root / "secret.txt")
    (server.output / "leaks").symlink_to(server.root, target_is_directory=True)
    deep = "%2e%2e/" * 30
    targets = [
        "/../pyproject.toml",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/events/../../secret.txt",
        "/events/%2e%2e/%2e%2e/secret.txt",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc/passwd",
        f"/{deep}etc/passwd",
        f"/{deep.replace('/', '%2f')}etc/passwd",
        "//etc/passwd",
        "/%2fetc/passwd",
        "/%2f%2fetc%2fpasswd",
        "/leak.txt",
        "/leaks/secret.txt",
        "/leaks/",
        f"/..%2f..%2f{str(server.root / 'secret.txt').lstrip('/')}",
        "/%00",
        "/index.html%00.txt",
    ]
    for target in targets:
        status, response = raw_request(server.port, target)
        assert status in (400, 404), (target, status)
        assert secret.encode() not in response, target
        assert b"root:" not in response, target
    # The server still works after all that.
    assert server.get("/")[0] == 200


def test_a_taken_port_is_a_clear_usage_error(tmp_path: Path) -> None:
    copy_site("small", tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                str(PROJECT / "build.py"),
                "serve",
                "--port",
                str(port),
                "--content",
                "content",
                "--output",
                "output",
                "--today",
                "2027-01-15",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use; stop what is using it, or choose another port "
        "with --port N (--port 0 picks a free one)"
    ]
    assert done.stdout == ""
    assert not (tmp_path / "output").exists()


def test_editors_swap_and_temp_files_do_not_rebuild(server: ServeProcess) -> None:
    pages = server.content / "pages"
    for name in (
        ".about.md.swp",
        ".about.md.swx",
        "about.md~",
        ".#about.md",
        "#about.md#",
        "4913",
        "about.md.tmp",
        ".DS_Store",
    ):
        (pages / name).write_text("scratch")
    (pages / ".about.md.swp").write_text("more scratch")
    time.sleep(2.0)  # twenty times the debounce
    assert server.rebuilds() == 0, server.out_lines

    about = pages / "about.md"
    about.write_text(about.read_text().replace("About this programme", "About, saved"))
    server.wait_for(server.rebuilds, CHANGE_SECONDS, "Rebuilt line")
    time.sleep(1.0)
    assert server.rebuilds() == 1, server.out_lines
    server.wait_for_page("/about/", "About, saved")


# -- the parts, in this process ----------------------------------------------------------------


def test_request_paths_resolve_inside_the_root_or_not_at_all(tmp_path: Path) -> None:
    root = tmp_path / "output"
    (root / "events").mkdir(parents=True)
    (root / "events" / "index.html").write_text("x")
    (tmp_path / "outside.txt").write_text("x")
    (root / "link").symlink_to(tmp_path / "outside.txt")
    assert resolve_request_path(root, "/events/index.html?x=1#top") == (root / "events" / "index.html").resolve()
    assert resolve_request_path(root, "/events/%2e%2e/events/") == (root / "events").resolve()
    assert resolve_request_path(root, "/") == root.resolve()
    for path in (
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/..%2foutside.txt",
        "/link",
        "/a%00b",
        "/events/../../outside.txt",
    ):
        assert resolve_request_path(root, path) is None, path


def test_the_script_goes_before_the_last_closing_body_tag() -> None:
    assert inject_script(b"<p>x</p></BODY></html>", "v-1") == (
        b'<p>x</p><script src="/__live-reload.js" data-version="v-1"></script>\n</BODY></html>'
    )
    assert inject_script(b"<p>no body</p>", "v").endswith(b"</script>\n")


def test_which_changes_rebuild(tmp_path: Path) -> None:
    content, output = tmp_path / "content", tmp_path / "output"
    roots = (content, tmp_path / "templates")
    for path in ("content/events/a.md", "content/site.yaml", "templates/_macros.html", "content/media/x.png"):
        assert is_relevant(str(tmp_path / path), roots, output), path
    for path in (
        "content/events/.a.md.swp",
        "content/events/a.md~",
        "content/.git/index",
        "content/events/4913",
        "output/index.html",
        "content/events/#a.md#",
        "content/events/.#a.md",
    ):
        assert not is_relevant(str(tmp_path / path), roots, output), path


def test_changes_during_a_build_make_exactly_one_more_build() -> None:
    started, release = threading.Semaphore(0), threading.Semaphore(0)
    builds: list[float] = []

    def rebuild(paths: frozenset[Path]) -> None:
        builds.append(time.monotonic())
        started.release()
        assert release.acquire(timeout=30)

    rebuilder = Rebuilder(rebuild, delay=0.05)
    rebuilder.start()
    try:
        for n in range(5):  # a burst of saves: one build
            rebuilder.changed(Path(f"events/{n}.md"))
        assert started.acquire(timeout=30)
        for _ in range(5):  # saves during that build: exactly one more after it
            rebuilder.changed(Path("events/during.md"))
        time.sleep(0.3)
        assert len(builds) == 1
        release.release()
        assert started.acquire(timeout=30)
        release.release()
        time.sleep(0.5)
        assert len(builds) == 2
    finally:
        release.release()
        rebuilder.stop()


def test_a_whole_save_of_one_file_is_made_at_once_and_the_build_follows() -> None:
    calls: list[str] = []
    done = threading.Semaphore(0)

    def rebuild(paths: frozenset[Path]) -> None:
        calls.append("build " + ",".join(sorted(p.name for p in paths)))
        done.release()

    rebuilder = Rebuilder(rebuild, delay=0.05, quick=lambda path: calls.append("quick " + path.name))
    rebuilder.start()
    try:
        rebuilder.changed(Path("events/a.md"), whole=True)  # the file closed after writing
        assert done.acquire(timeout=30)
        rebuilder.changed(Path("events/b.md"))  # no close event (another system's watcher): just before
        assert done.acquire(timeout=30)
        rebuilder.changed(Path("events/c.md"), whole=True)
        rebuilder.changed(Path("events/d.md"), whole=True)  # two files: only the whole build can say
        assert done.acquire(timeout=30)
    finally:
        rebuilder.stop()
    assert calls[:4] == ["quick a.md", "build a.md", "quick b.md", "build b.md"]
    assert calls[-1] == "build c.md,d.md" and calls[4:-1] in (["quick c.md"], []), calls
