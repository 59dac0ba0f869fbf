"""Editing forms from the schema (Decap CMS), published at /admin/, and `serve --edit`'s local editing API:
the forms ask what the build asks, and the API writes only content files, only for this session's page."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from site_builder.output.admin import ADMIN_CSP, DECAP_INTEGRITY, DECAP_URL, DECAP_VERSION, REFERENCES, cms_config
from site_builder.output.render import CONTENT_SECURITY_POLICY, SEARCH_CONTENT_SECURITY_POLICY
from site_builder.content.schema import MAX_SUMMARY, SCHEMAS, Choice, Fields, Moment
from tests.conftest import PROJECT, Scratch, copy_site, run_main
from site_builder.dev.serve import API_URL, headers_for
from tests.test_serve import ServeProcess

DIST = PROJECT / "node_modules" / "decap-cms" / "dist"


def by_name(fields: list[dict]) -> dict[str, dict]:
    return {f["name"]: f for f in fields}


# -- the forms are the schema --------------------------------------------------------------------


def test_every_type_is_a_folder_collection_with_every_field_the_schema_declares() -> None:
    config = cms_config()
    collections = {c["name"]: c for c in config["collections"]}
    assert set(collections) == set(SCHEMAS)
    for name, declared in SCHEMAS.items():
        collection = collections[name]
        assert (collection["folder"], collection["extension"], collection["format"]) == (
            f"content/{name}",
            "md",
            "frontmatter",
        )
        form = by_name(collection["fields"])
        assert list(form) == [*declared, "body"]
        for field in declared.values():
            shown = form[field.name]
            assert shown["hint"] == field.doc
            if field.required:
                assert shown["required"] is True, (name, field.name)
            if isinstance(field.kind, Choice):
                assert (shown["widget"], shown["options"]) == ("select", list(field.kind.choices))
            if isinstance(field.kind, Moment):
                assert shown["widget"] == "datetime" and shown["format"] == "YYYY-MM-DD HH:mm"
            if isinstance(field.kind, Fields):
                assert [f["name"] for f in shown["fields"]] == list(field.kind.fields)
    events = by_name(collections["events"]["fields"])
    for (kind, field), target in REFERENCES.items():
        assert events[field]["widget"] == "relation" and events[field]["collection"] == target
    assert events["image"]["fields"][0]["widget"] == "image"
    assert events["accessibility"]["widget"] == "list" and events["venue"]["widget"] == "object"
    assert by_name(collections["stories"]["fields"])["published"]["required"] is True


def test_the_forms_patterns_are_the_builds_limits_in_its_own_words(scratch: Scratch) -> None:
    summary = by_name(cms_config()["collections"][0]["fields"])["summary"]
    pattern, message = summary["pattern"]
    assert re.fullmatch(pattern[1:-1], "x" * MAX_SUMMARY) and not re.fullmatch(pattern[1:-1], "x" * (MAX_SUMMARY + 1))
    scratch.write(
        "events/long.md",
        f"---\ntitle: T\nsummary: {'x' * 301}\nstart: 2027-03-04 18:00\nend: 2027-03-04 19:00\nformat: online\n---\n",
    )
    built = scratch.check()
    assert built.err_lines[0].endswith(f"/events/long.md:3: summary: {message}"), built.err
    slug = by_name(cms_config()["collections"][0]["fields"])["slug"]["pattern"]
    assert re.fullmatch(slug[0][1:-1], "bsl-awareness") and not re.fullmatch(slug[0][1:-1], "BSL awareness")
    # A value of the wrong shape: the form says what the build says after quoting the value.
    scratch.write(
        "events/long.md",
        "---\ntitle: T\nsummary: S.\nslug: BSL awareness\nstart: 2027-03-04 18:00\n"
        "end: 2027-03-04 19:00\nformat: online\nbooking:\n  url: ftp://x.example\n---\n",
    )
    built = scratch.check()
    booking = by_name(by_name(cms_config()["collections"][0]["fields"])["booking"]["fields"])["url"]["pattern"]
    assert [line.split("/events/long.md:", 1)[1] for line in built.err_lines[:2]] == [
        f"4: slug: 'BSL awareness' {slug[1]}",
        f"9: booking.url: 'ftp://x.example' {booking[1]}",
    ], built.err


def test_site_yaml_opts_in_and_admin_is_published_with_its_own_policy(scratch: Scratch) -> None:
    site = (scratch.content / "site.yaml").read_text()
    run = scratch.build()
    assert run.code == 0 and not (scratch.root / "output" / "admin").exists()
    (scratch.content / "site.yaml").write_text(site + "cms:\n  repo: our-programme/site-content\n  branch: live\n")
    run = scratch.build()
    assert run.code == 0, run.err
    admin = scratch.root / "output" / "admin"
    config = yaml.safe_load((admin / "config.yml").read_text())
    assert config["backend"] == {"name": "github", "repo": "our-programme/site-content", "branch": "live"}
    page = (admin / "index.html").read_text()
    assert f'<script src="{DECAP_URL}" integrity="{DECAP_INTEGRITY}" crossorigin="anonymous">' in page
    assert f'content="{ADMIN_CSP}"' in page and f"decap-cms@{DECAP_VERSION}/" in DECAP_URL
    # The one inline script runs by its hash; no other inline script could.
    [inline] = re.findall(r"<script>(.*?)</script>", page, re.S)
    script_src = next(d for d in ADMIN_CSP.split("; ") if d.startswith("script-src "))
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in script_src.split() and "'unsafe-inline'" not in script_src
    headers = (scratch.root / "output" / "_headers").read_text()
    # Each page's <meta> holds its own policy, and the site-wide header allows what any of them needs, so
    # no rule removes or replaces it for /admin/ ("! Name" is Cloudflare's alone; Netlify skips it), and a
    # host that sends every matching rule's policy gives each page the same policy as one that sends one.
    assert "!" not in headers
    rules = dict(re.findall(r"^(/\S*)\n((?:  .*\n?)+)", headers, re.M))
    assert list(rules) == ["/*", "/media/*", "/admin/*"] and "Content-Security-Policy" not in rules["/admin/*"]
    (site_wide,) = [value for name, value in headers_for("/admin/", headers) if name == "Content-Security-Policy"]
    assert site_wide.endswith("; frame-ancestors 'none'")
    allowed = directives(site_wide)
    for own in (ADMIN_CSP, SEARCH_CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY):
        for name, sources in directives(own).items():
            assert sources <= allowed.get(name, allowed["default-src"]), (name, sources)
    assert "'unsafe" not in CONTENT_SECURITY_POLICY + SEARCH_CONTENT_SECURITY_POLICY


def directives(policy: str) -> dict[str, set[str]]:
    return {part.split()[0]: set(part.split()[1:]) for part in policy.split("; ")}


def test_the_pinned_integrity_is_the_npm_packages_file() -> None:
    package = json.loads((DIST.parent / "package.json").read_text())
    assert package["version"] == DECAP_VERSION
    digest = base64.b64encode(hashlib.sha384((DIST / "decap-cms.js").read_bytes()).digest()).decode()
    assert DECAP_INTEGRITY == f"sha384-{digest}"


# -- the local editing API: what it refuses ------------------------------------------------------


class EditServer(ServeProcess):
    def __init__(self, root: Path):
        super().__init__(root, extra=("--edit",))
        line = self.wait_for(
            lambda: next((l for l in self.out_lines if l.startswith("Edit the content at ")), None),
            30,
            "the editing address",
        )
        match = re.fullmatch(rf"Edit the content at {re.escape(self.url)}admin/\?token=([\w-]+)", line)
        assert match, line
        self.token = match.group(1)
        self.origin = self.url.rstrip("/")

    def api(
        self, body: object, origin: str | None = "", host: str | None = None, token: str | None = ""
    ) -> tuple[int, object]:
        headers = {"Content-Type": "application/json"}
        if origin is not None:
            headers["Origin"] = origin or self.origin
        if token is not None:
            headers["Cookie"] = f"site_edit_token={token or self.token}"
        if host is not None:
            headers["Host"] = host
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("POST", "/api/v1", body=json.dumps(body).encode(), headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        try:
            return response.status, json.loads(data)
        except ValueError:
            return response.status, data


@pytest.fixture
def editing(tmp_path: Path) -> Iterator[EditServer]:
    running = None
    try:
        running = EditServer(tmp_path)
        yield running
    finally:
        if running is not None:
            running.stop()


def entry(path: str, raw: str = "---\ntitle: X\n---\n") -> dict:
    return {
        "action": "persistEntry",
        "params": {"entry": {"slug": "x", "path": path, "raw": raw}, "assets": [], "options": {"commitMessage": "x"}},
    }


@pytest.mark.slow  # a real server
def test_the_api_reads_and_writes_content_files(editing: EditServer) -> None:
    status, info = editing.api({"action": "info"})
    assert status == 200 and info["type"] == "local_fs"
    status, series = editing.api(
        {"action": "entriesByFolder", "params": {"folder": "content/series", "extension": "md", "depth": 1}}
    )
    assert status == 200 and {e["file"]["path"] for e in series} == {
        "content/series/listening-well.md",
        "content/series/money-matters.md",
    }
    raw = "---\ntitle: New\nsummary: S.\n---\n"
    assert editing.api(entry("content/pages/new.md", raw))[0] == 200
    assert (editing.content / "pages" / "new.md").read_text() == raw
    status, got = editing.api({"action": "getEntry", "params": {"path": "content/pages/new.md"}})
    assert got["data"] == raw and got["file"]["id"] == hashlib.sha256(raw.encode()).hexdigest()
    picture = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    status, media = editing.api(
        {
            "action": "persistMedia",
            "params": {"asset": {"path": "content/media/dot.png", "content": picture, "encoding": "base64"}},
        }
    )
    assert status == 200 and (editing.content / "media" / "dot.png").read_bytes() == b"\x89PNG\r\n\x1a\n"
    assert editing.api({"action": "getMediaFile", "params": {"path": "content/media/none.png"}}) == (
        404,
        {"error": "there is no file 'none.png'"},
    )


@pytest.mark.slow  # a real server
def test_the_api_refuses_every_path_outside_the_content_files(editing: EditServer, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (editing.content / "events" / "link.md").symlink_to(outside / "x.md")
    (editing.content / "media" / "out").symlink_to(outside)
    before = sorted(p for p in tmp_path.rglob("*") if "output" not in p.parts)
    for path in (
        "content/../x.md",
        "/etc/passwd.md",
        "content/events/../../x.md",
        "content/site.yaml",
        "content/events/x.txt",
        "content/templates/x.md",
        "content/events/sub/x.md",
        "x.md",
        "content/events/link.md",
        "content/media/out/x.png",
        "content/events/.hidden.md",
        "content\\events\\x.md",
        "content/events/x.md\x00.png",
        "output/index.md",
        "../content/events/x.md",
    ):
        status, answer = editing.api(entry(path))
        assert status in (400, 403), (path, status, answer)
        status, answer = editing.api({"action": "getEntry", "params": {"path": path}})
        assert status in (400, 403), (path, status, answer)
    for folder in ("content/..", "content", "/", "content/media/../../", "content/templates"):
        status, _ = editing.api({"action": "entriesByFolder", "params": {"folder": folder, "extension": "md"}})
        assert status in (400, 403), folder
    status, _ = editing.api(
        {
            "action": "persistMedia",
            "params": {"asset": {"path": "content/events/x.md", "content": "", "encoding": "base64"}},
        }
    )
    assert status == 403
    assert editing.api({"action": "deleteFile", "params": {"path": "content/site.yaml"}})[0] == 403
    assert (editing.content / "site.yaml").is_file()
    assert sorted(p for p in tmp_path.rglob("*") if "output" not in p.parts) == before
    assert list(outside.iterdir()) == []


@pytest.mark.slow  # a real server
def test_the_api_refuses_foreign_hosts_origins_and_requests_without_the_token(editing: EditServer) -> None:
    write = entry("content/pages/forged.md")
    for origin in (
        "http://evil.example",
        f"http://evil.example:{editing.port}",
        "null",
        f"https://127.0.0.1:{editing.port}",
        f"http://127.0.0.1:{editing.port + 1}",
        None,
    ):
        assert editing.api(write, origin=origin)[0] == 403, origin
    assert editing.api(write, host=f"evil.example:{editing.port}")[0] == 421
    assert editing.api(write, token=None)[0] == 403
    assert editing.api(write, token="not-the-token")[0] == 403
    assert not (editing.content / "pages" / "forged.md").exists()
    # The admin page and its configuration, without the token, say how to get it; with it, a cookie.
    connection = http.client.HTTPConnection("127.0.0.1", editing.port, timeout=30)
    for path in ("/admin/", "/admin/config.yml"):
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 403 and b"token" in response.read()
    connection.request("GET", f"/admin/?token={editing.token}")
    response = connection.getresponse()
    response.read()
    assert response.status == 303
    assert response.getheader("Set-Cookie") == f"site_edit_token={editing.token}; Path=/; HttpOnly; SameSite=Strict"
    connection.close()


def test_edit_refuses_to_serve_beyond_loopback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_site("small", tmp_path)
    monkeypatch.chdir(tmp_path)
    run = run_main("serve", "--edit", "--host", "0.0.0.0", "--content", "content", "--output", "output")
    assert run.code == 2
    assert "serve --edit writes files, so it serves on this computer only" in run.err


# -- the forms in a browser: Decap CMS from npm, against `serve --edit` ----------------------------


class Admin:
    """Chromium on /admin/ of a `serve --edit` server, with every save the form sent to the local API."""

    def __init__(self, editing: EditServer, browser) -> None:
        self.editing = editing
        self.browser = browser
        self.pages: list = []
        self.page = self.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.saves: list[dict] = []
        self.page.on("request", self._record)
        self.page.goto(f"{editing.url}admin/?token={editing.token}")
        self.page.get_by_role("button", name="Login").click(timeout=60_000)

    def new_page(self):
        page = self.browser.new_page(viewport={"width": 1280, "height": 1000})
        self.pages.append(page)

        def from_npm(route) -> None:  # the pinned CDN address, answered with the npm package's own file
            name = route.request.url.rsplit("/", 1)[1]
            file = DIST / name
            if route.request.url.startswith(DECAP_URL.rsplit("/", 1)[0] + "/") and file.is_file():
                route.fulfill(
                    status=200,
                    body=file.read_bytes(),
                    content_type="text/javascript",
                    headers={"Access-Control-Allow-Origin": "*"},
                )
            else:
                route.abort()

        # No network beyond 127.0.0.1 (routes are tried last first).
        page.route(re.compile(r"^(?!http://127\.0\.0\.1:\d+/).*"), lambda route: route.abort())
        page.route(f"{DECAP_URL.rsplit('/', 3)[0]}/**", from_npm)
        return page

    def _record(self, request) -> None:
        if request.method == "POST" and request.url.endswith(API_URL):
            body = request.post_data_json
            if body.get("action") == "persistEntry":
                self.saves.append(body["params"])

    def open(self, collection: str, slug: str) -> None:
        self.page.goto(f"{self.editing.url}admin/#/collections/{collection}/entries/{slug}")

    def publish(self) -> None:
        self.page.get_by_role("button", name="Publish", exact=True).click()
        self.page.get_by_text("Publish now").click()


@pytest.fixture
def admin(editing: EditServer, browser: Any) -> Iterator[Admin]:
    # The session's browser (conftest.py): a second sync_playwright() while it runs fails, whichever test
    # module started it first.
    shown = Admin(editing, browser)
    yield shown
    for page in shown.pages:
        page.context.close()


def checked_problem(content: Path, tmp_path: Path, edit: Callable[[Path], None], path: str, field: str) -> str:
    """The message `check` gives for `field` of `path` in a copy of the content folder with `edit` made to it."""
    copy = tmp_path / "as-the-form-would-save"
    shutil.copytree(content, copy)
    edit(copy)
    run = run_main("check", "--content", str(copy), "--today", "2027-01-15")
    found = [
        line
        for line in run.err_lines
        if re.match(
            rf"{re.escape(str(copy))}/{re.escape(path)}:\d+: "
            rf"{re.escape(field)}: ",
            line,
        )
    ]
    assert run.code == 1 and len(found) == 1, run.err
    return found[0].split(f": {field}: ", 1)[1]


def replace_in(path: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(content: Path) -> None:
        file = content / path
        text = file.read_text()
        assert old in text
        file.write_text(text.replace(old, new))

    return edit


@pytest.mark.browser
def test_an_event_made_in_the_form_is_a_file_check_accepts_and_the_preview_shows(admin: Admin) -> None:
    editing, page = admin.editing, admin.page
    page.goto(f"{editing.url}admin/#/collections/events/new")
    page.get_by_label("Title", exact=True).fill("Online budgeting workshop")
    page.get_by_label("Summary", exact=True).fill("Plan a budget together, online.")
    page.locator("[id^=start-field]").fill("2027-03-04T18:00")
    page.locator("[id^=end-field]").fill("2027-03-04T19:30")
    page.locator("[id^=format-field]").click()
    page.get_by_text("online", exact=True).click()
    page.locator("[id^=series-field]").click()
    page.get_by_text("Money matters", exact=True).click()
    admin.publish()
    made = editing.content / "events" / "online-budgeting-workshop.md"
    editing.wait_for(made.is_file, 30, "the saved file")
    text = made.read_text()
    for line in (
        "title: Online budgeting workshop",
        "start: 2027-03-04 18:00",
        "end: 2027-03-04 19:30",
        "series: money-matters",
        "format: online",
    ):
        assert line in text.splitlines(), text
    checked = run_main("check", "--content", str(editing.content), "--today", "2027-01-15")
    assert checked.code == 0, checked.err
    # At most the reminder that a date of announcement keeps it in the news feed; no error.
    assert [
        line
        for line in checked.err.splitlines()
        if "online-budgeting-workshop" in line and ": warning: published: " not in line
    ] == []
    editing.wait_for_page("/events/online-budgeting-workshop/", "Online budgeting workshop")
    assert "Online budgeting workshop" in editing.wait_for_page("/series/money-matters/", "Online budgeting")
    assert admin.errors == []


def refusal(page, label: str) -> str:
    """The form's message under a field's label: the text of the error list item that names it."""
    shown = page.get_by_role("listitem").filter(has_text=re.compile(rf"^{re.escape(label)}: "))
    shown.first.wait_for()
    return shown.first.text_content()  # as written: Decap sets it in capitals with CSS


@pytest.mark.browser
def test_a_summary_past_the_limit_is_refused_by_the_form_in_the_builds_words(admin: Admin, tmp_path: Path) -> None:
    editing, page = admin.editing, admin.page  # Decap rejects the refused save with an uncaught `undefined`
    before = (editing.content / "events" / "grants-clinic.md").read_text()
    too_long = "x" * (MAX_SUMMARY + 1)
    admin.open("events", "grants-clinic")
    summary = page.get_by_label("Summary", exact=True)
    summary.wait_for()
    summary.fill(too_long)
    admin.publish()
    built = checked_problem(
        editing.content,
        tmp_path,
        replace_in(
            "events/grants-clinic.md",
            "summary: Cancelled drop-in clinic on writing grant applications.",
            f"summary: {too_long}",
        ),
        "events/grants-clinic.md",
        "summary",
    )
    assert refusal(page, "Summary") == f"Summary: {built}"
    assert admin.saves == []  # refused before anything was sent
    assert (editing.content / "events" / "grants-clinic.md").read_text() == before


@pytest.mark.browser
def test_an_image_needs_its_alt_text_in_the_form_as_in_the_build(admin: Admin, tmp_path: Path) -> None:
    editing, page = admin.editing, admin.page
    story = editing.content / "stories" / "inclusive-workshop.md"
    before = story.read_text()
    admin.open("stories", "inclusive-workshop")
    alt = page.locator("[id^=alt-field]")
    alt.wait_for()
    alt.fill("")
    admin.publish()
    built = checked_problem(
        editing.content,
        tmp_path,
        replace_in("stories/inclusive-workshop.md", "  alt: Two people assembling a window frame at a workbench\n", ""),
        "stories/inclusive-workshop.md",
        "image.alt",
    )
    assert refusal(page, "Image") == f"Image: {built}"
    assert admin.saves == [] and story.read_text() == before
    # Marked decorative, the image needs no words, in the form as in the build.
    page.locator("[id^=decorative-field]").click()
    admin.publish()
    editing.wait_for(lambda: story.read_text() != before, 30, "the saved story")
    assert "  decorative: true" in story.read_text().splitlines()
    checked = run_main("check", "--content", str(editing.content), "--today", "2027-01-15")
    assert checked.code == 0, checked.err


@pytest.mark.browser
def test_a_save_the_build_refuses_shows_in_the_previews_overlay_and_is_kept_as_sent(admin: Admin) -> None:
    editing, page = admin.editing, admin.page
    event = editing.content / "events" / "budget-basics.md"
    preview = admin.new_page()
    preview.goto(f"{editing.url}events/budget-basics/")
    admin.open("events", "budget-basics")
    end = page.locator("[id^=end-field]")
    end.wait_for()
    end.fill("2026-11-10T11:30")  # before the start: only the build knows the two together
    admin.publish()
    editing.wait_for(lambda: "end: 2026-11-10 11:30" in event.read_text(), 30, "the saved event")
    # The content file is exactly what the form sent: the build reads it and never changes it.
    [sent] = admin.saves
    [saved] = sent.get("dataFiles") or [sent["entry"]]
    assert saved["path"] == "content/events/budget-basics.md"
    assert event.read_text() == saved["raw"]
    overlay = preview.get_by_role("alert")
    overlay.wait_for(timeout=30_000)
    checked = run_main("check", "--content", str(editing.content), "--today", "2027-01-15")
    assert checked.code == 1
    # `check` names the folder as it was given; the server was given `content`, as an editor types it.
    problems = [
        line.replace(f"{editing.content}/", "content/", 1)
        for line in checked.err_lines
        if line.startswith(f"{editing.content}/")
    ]
    line = next(n for n, text in enumerate(saved["raw"].splitlines(), start=1) if text.startswith("end: "))
    assert problems == [
        f"content/events/budget-basics.md:{line}: end: 2026-11-10 11:30 is not after "
        "start, 2026-11-10 12:30 (expected an end after the start)"
    ]
    shown = overlay.inner_text()
    assert "The site could not be rebuilt. This is the last good version." in shown
    assert all(problem in shown.splitlines() for problem in problems), shown
    assert event.read_text() == saved["raw"]
    assert editing.get("/events/budget-basics/")[0] == 200  # the last good site is still served
