"""Admin: editing forms made from the schema (a Decap CMS configuration, which Sveltia CMS also reads),
published at /admin/ when site.yaml asks for it, and the local editing API `serve --edit` speaks.

The forms come from schema.py's declarations, field by field: what the build requires the form requires,
the build's patterns and limits are the form's validation, with the build's own words. Nothing here lists
a field by hand.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ..content.types import STANDARD_TYPES
from ..content.schema import (
    NO_ALT_TEXT,
    PUBLISHED_REQUIRED,
    SCHEMAS,
    SLUG_PATTERN,
    Choice,
    ContentPath,
    Count,
    Day,
    Email,
    Field,
    Fields,
    Flag,
    Kind,
    Link,
    ListOf,
    Moment,
    Slug,
    Text,
    too_long,
)

# The CMS script, pinned: its version on npm and the SRI hash of that version's dist/decap-cms.js
# (tests/test_admin.py recomputes it from the npm package).
DECAP_VERSION = "3.16.3"
DECAP_INTEGRITY = "sha384-A/Gdn928CNLufmnGWGs9RM4Q9o8bSNLeJERqBFrBjwzL7FRpoLT3MPF8Tl0+Wd2p"
DECAP_CDN = "https://unpkg.com"
DECAP_URL = f"{DECAP_CDN}/decap-cms@{DECAP_VERSION}/dist/decap-cms.js"

# Run before the CMS script, from the page itself, then the CMS is started:
# - the build's messages are whole clauses ("is longer than 300 characters (expected at most 300)"), so a pattern's
#   message is shown after the field's label as the build shows it after the field's name, not inside Decap's
#   "didn't match the pattern: ...";
# - Decap checks the fields inside an object but never the object's own pattern (IMAGE_HAS_ALT): the object
#   control's check of its fields becomes its isValid, so Decap checks the object as it checks any field.
ADMIN_SCRIPT = """window.CMS_MANUAL_INIT = true;
addEventListener("DOMContentLoaded", function () {
  CMS.getLocale("en").editor.editorControlPane.widget.regexPattern = "%{fieldLabel}: %{pattern}";
  var object = CMS.getWidget("object");
  object.control = class extends object.control {
    constructor(props) {
      super(props);
      var checkFields = this.validate;
      delete this.validate;
      this.isValid = function () { checkFields(); return true; };
    }
  };
  CMS.init();
});"""
ADMIN_SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(ADMIN_SCRIPT.encode()).digest()).decode()

# The admin page's own policy: the CMS compiles validators with eval, injects styles, loads its chunks and talks to
# GitHub's API; nothing here applies to the public pages, whose policy is render.py's.
ADMIN_CSP = "; ".join(
    (
        "default-src 'self'",
        f"script-src 'self' '{ADMIN_SCRIPT_HASH}' 'unsafe-eval' {DECAP_CDN}",  # the CMS compiles its config schema (ajv)
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https:",
        "font-src 'self' data:",
        "connect-src 'self' https://api.github.com https://github.com",
        "frame-src 'self' https://github.com",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self' https://github.com",
    )
)

# Which collection a field's slug names, as the types declare it (types.ContentType.references): the event's
# `series` and `cluster`.
REFERENCES = {(t.folder, name): folder for t in STANDARD_TYPES for name, folder, _ in t.references}
LABELS = {
    "events": "Events",
    "series": "Series",
    "clusters": "Learning clusters",
    "offers": "Offers",
    "stories": "Stories",
    "resources": "Resources",
    "pages": "Pages",
}

# An image object's pattern: alt text (or `decorative: true`) whenever a file is given, as the build asks. Decap
# (with ADMIN_SCRIPT) tests an object's pattern against the text of its value, `Map { "src": "media/x.jpg",
# "alt": "..." }`, and never when no image was given; an alt of spaces is none, as in the build.
_QUOTED_CHAR = r'(?:[^"\\]|\\.)'
IMAGE_HAS_ALT = (
    rf'^(?![\s\S]*"src": "{_QUOTED_CHAR}+")|"alt": "(?:\s|\\[nrt])*(?:[^"\\\s]|\\[^nrt])'
    r'|"decorative": true'
)

DATE_FORMAT = "YYYY-MM-DD"  # what schema.parse_date reads
TIME_FORMAT = "HH:mm"  # with the date, what schema.parse_datetime reads: local to the site's time zone


def label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def widget(kind: Kind, name: str, type_name: str, parent: Fields | None = None) -> dict[str, Any]:
    """The Decap field options for one schema kind (without name, label and required)."""
    collection = REFERENCES.get((type_name, name))
    if collection is not None:
        return {
            "widget": "relation",
            "collection": collection,
            "value_field": "{{slug}}",
            "search_fields": ["title"],
            "display_fields": ["title"],
        }
    if isinstance(kind, Choice):
        return {"widget": "select", "options": list(kind.choices)}
    if isinstance(kind, Flag):
        return {"widget": "boolean"}
    if isinstance(kind, Count):
        return {"widget": "number", "value_type": "int", "min": 1, "pattern": ["^[1-9][0-9]{0,8}$", kind.is_not()]}
    if isinstance(kind, Day):
        return {"widget": "datetime", "format": DATE_FORMAT, "date_format": DATE_FORMAT, "time_format": False}
    if isinstance(kind, Moment):
        return {
            "widget": "datetime",
            "format": f"{DATE_FORMAT} {TIME_FORMAT}",
            "date_format": DATE_FORMAT,
            "time_format": TIME_FORMAT,
        }
    if isinstance(kind, ContentPath):
        image = parent is not None and "alt" in parent.fields
        return {"widget": "image" if image else "file", "choose_url": False}
    if isinstance(kind, ListOf):
        item = kind.item
        if isinstance(item, Fields):
            return {"widget": "list", "fields": fields(item.fields.values(), type_name, item)}
        return {"widget": "list", "field": {"name": "item", "label": label(name), **widget(item, "item", type_name)}}
    if isinstance(kind, Fields):
        options: dict[str, Any] = {
            "widget": "object",
            "collapsed": False,
            "fields": fields(kind.fields.values(), type_name, kind),
        }
        if {"src", "alt", "decorative"} <= set(kind.fields):
            options["pattern"] = [IMAGE_HAS_ALT, NO_ALT_TEXT]
        return options
    options = {"widget": "string"}
    if isinstance(kind, Slug):
        options["pattern"] = [f"^{SLUG_PATTERN.pattern}$", kind.is_not()]
    elif isinstance(kind, Link):
        schemes = "|".join(kind.schemes)
        options["pattern"] = [f"^({schemes}):\\S+$", kind.is_not()]
    elif isinstance(kind, Email):
        options["pattern"] = ["^(mailto:)?[^@\\s<>\"']+@[^@\\s<>\"']+\\.[^@\\s<>\"']+$", kind.is_not()]
    elif isinstance(kind, Text) and kind.max_length:
        if kind.max_length >= 300:  # a summary: a few lines of room
            options["widget"] = "text"
        # Counted as the build counts: characters, not UTF-16 units, without the spaces around the text.
        character = "(?:[\\uD800-\\uDBFF][\\uDC00-\\uDFFF]|[\\s\\S])"
        options["pattern"] = [f"^\\s*{character}{{0,{kind.max_length}}}\\s*$", too_long(kind.max_length)]
    return options


def fields(declared: Any, type_name: str, parent: Fields | None = None, enforce: bool = True) -> list[dict[str, Any]]:
    """The form's fields. Decap checks the required fields inside an object even when the object itself is
    left empty, so inside an optional object (`enforce` false) nothing is marked required; an image's alt
    text is asked for by the image's own pattern, whenever a file is given (see IMAGE_HAS_ALT)."""
    made = []
    for field in declared:
        required = enforce and (
            field.required or (field.name == "published" and type_name in PUBLISHED_REQUIRED and parent is None)
        )
        options = widget(field.kind, field.name, type_name, parent)
        if isinstance(field.kind, Fields):
            options["fields"] = fields(field.kind.fields.values(), type_name, field.kind, enforce and field.required)
        made.append(
            {"name": field.name, "label": label(field.name), "hint": field.doc, "required": required, **options}
        )
    return made


def collection(type_name: str, folder: str) -> dict[str, Any]:
    """One content type as a folder collection: content/TYPE/SLUG.md, front matter then body."""
    declared: dict[str, Field] = SCHEMAS[type_name]
    return {
        "name": type_name,
        "label": LABELS.get(type_name, label(type_name)),
        "folder": f"{folder}/{type_name}",
        "create": True,
        "slug": "{{slug}}",
        "extension": "md",
        "format": "frontmatter",
        "identifier_field": "title",
        "summary": "{{title}}",
        "fields": [
            *fields(declared.values(), type_name),
            {"name": "body", "label": "Body", "widget": "markdown", "required": False},
        ],
    }


def cms_config(
    folder: str = "content", repo: str = "", branch: str = "main", local_backend: str | None = None
) -> dict[str, Any]:
    """The whole Decap configuration: a Git backend for the published site, or the local one."""
    config: dict[str, Any] = {
        "backend": {"name": "github", "repo": repo, "branch": branch},
        "media_folder": f"{folder}/media",
        "public_folder": "media",  # the build reads image paths as media/... inside the content folder
        "slug": {"encoding": "ascii", "clean_accents": True, "sanitize_replacement": "-"},
        "publish_mode": "simple",
        "collections": [collection(name, folder) for name in SCHEMAS],
    }
    if local_backend is not None:
        config["backend"] = {"name": "proxy", "proxy_url": local_backend, "branch": branch}
        config["local_backend"] = {"url": local_backend}
    return config


def config_yaml(config: dict[str, Any]) -> bytes:
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=120).encode()


def admin_page(script_url: str = DECAP_URL) -> bytes:
    """/admin/index.html: the CMS script, pinned and checked, under the admin policy."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{ADMIN_CSP}">
<meta name="robots" content="noindex">
<title>Edit the site</title>
<link href="config.yml" type="text/yaml" rel="cms-config-url">
</head>
<body>
<script>{ADMIN_SCRIPT}</script>
<script src="{script_url}" integrity="{DECAP_INTEGRITY}" crossorigin="anonymous"></script>
</body>
</html>
""".encode()


# /admin/'s policy is its page's <meta> (ADMIN_CSP), within the site-wide header's (render.headers_file).
ADMIN_HEADERS = """/admin/*
  X-Robots-Tag: noindex
"""


def admin_files(settings: tuple[tuple[str, str], ...] | None) -> dict[str, bytes]:
    """The files /admin/ publishes when site.yaml has `cms:`; none otherwise."""
    if not settings:
        return {}
    cms = dict(settings)
    config = cms_config(cms.get("folder", "content"), cms["repo"], cms.get("branch", "main"))
    return {"admin/index.html": admin_page(), "admin/config.yml": config_yaml(config)}


# -- the local editing API (Decap's local backend protocol, as decap-server's local_fs speaks it) -----


class Refused(Exception):
    """A request the local API will not carry out; the message says why."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.status = status


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class LocalRepository:
    """The content folder, seen as Decap sees a repository: paths like content/events/x.md.
    Only .md files in the content types' folders, and files in media/, can be read or written."""

    def __init__(self, content_dir: Path, prefix: str = "content"):
        self.root = content_dir.resolve()
        self.prefix = prefix

    def target(self, path: Any, media: bool | None = None) -> Path:
        """The file a request's path names, or Refused."""
        if not isinstance(path, str) or not path or "\\" in path or "\x00" in path:
            raise Refused(f"not a path: {path!r}", 400)
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or pure.parts[:1] != (self.prefix,) or len(pure.parts) < 3:
            raise Refused(f"{path!r} is outside the content folder")
        inner = pure.parts[1:]
        is_media = inner[0] == "media"
        if not is_media and (inner[0] not in SCHEMAS or len(inner) != 2 or pure.suffix != ".md"):
            raise Refused(f"{path!r} is not a content file (expected TYPE/NAME.md or media/...)")
        if media is True and not is_media or media is False and is_media:
            raise Refused(f"{path!r} is not where this action reads or writes")
        if any(part.startswith(".") for part in inner):
            raise Refused(f"{path!r} is a hidden file")
        target = self.root.joinpath(*inner)
        # Every existing step must stay inside, symlinks followed.
        resolved = target.resolve()
        if not resolved.is_relative_to(self.root):
            raise Refused(f"{path!r} leads outside the content folder")
        return target

    def folder(self, folder: Any) -> Path:
        if not isinstance(folder, str):
            raise Refused(f"not a folder: {folder!r}", 400)
        pure = PurePosixPath(folder.rstrip("/"))
        if (
            pure.is_absolute()
            or ".." in pure.parts
            or pure.parts[:1] != (self.prefix,)
            or len(pure.parts) < 2
            or not (pure.parts[1] in SCHEMAS or pure.parts[1] == "media")
        ):
            raise Refused(f"{folder!r} is outside the content folder")
        target = self.root.joinpath(*pure.parts[1:])
        if not target.resolve().is_relative_to(self.root):
            raise Refused(f"{folder!r} leads outside the content folder")
        return target

    def shown(self, target: Path) -> str:
        return f"{self.prefix}/{target.relative_to(self.root).as_posix()}"

    def entry(self, path: Any) -> dict[str, Any]:  # a request's path, which target() checks
        target = self.target(path, media=False)
        try:
            data = target.read_bytes() if target.is_file() else None
        except OSError:
            data = None
        return {
            "data": data.decode("utf-8", "replace") if data is not None else None,
            "file": {"path": path, "id": _sha256(data) if data is not None else None},
        }

    def media_file(self, target: Path) -> dict[str, Any]:
        data = target.read_bytes()
        return {
            "id": _sha256(data),
            "content": base64.b64encode(data).decode(),
            "encoding": "base64",
            "path": self.shown(target),
            "name": target.name,
        }

    def write(self, target: Path, data: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.parent.resolve().is_relative_to(self.root) or target.is_symlink():
            raise Refused(f"{self.shown(target)!r} leads outside the content folder")
        temporary = target.with_name(f".{target.name}.saving")
        temporary.write_bytes(data)
        temporary.replace(target)  # a watcher sees one whole file, never half of one

    def handle(self, body: Any) -> Any:
        """One API request's JSON body to its JSON answer, or Refused."""
        if not isinstance(body, dict) or not isinstance(body.get("action"), str):
            raise Refused("expected a JSON object with an action", 400)
        action, params = body["action"], body.get("params") or {}
        if not isinstance(params, dict):
            raise Refused("params must be an object", 400)
        if action == "info":
            return {"repo": self.root.name, "publish_modes": ["simple"], "type": "local_fs"}
        if action == "entriesByFolder":
            folder = self.folder(params.get("folder"))
            extension = str(params.get("extension") or "md").lstrip(".")
            files = sorted(p for p in folder.glob(f"*.{extension}") if p.is_file() and not p.name.startswith("."))
            return [self.entry(self.shown(p)) for p in files if p.resolve().is_relative_to(self.root)]
        if action == "entriesByFiles":
            named = params.get("files")
            if not isinstance(named, list):
                raise Refused("files must be a list", 400)
            return [self.entry(f.get("path") if isinstance(f, dict) else f) for f in named]
        if action == "getEntry":
            return self.entry(params.get("path"))
        if action == "persistEntry":
            entries = params.get("dataFiles") or [params.get("entry")]
            assets = params.get("assets") or []
            checked = [
                (self.target(e.get("path"), media=False), str(e.get("raw", ""))) for e in entries if isinstance(e, dict)
            ]
            moves = [
                (self.target(e.get("path"), media=False), self.target(e["newPath"], media=False))
                for e in entries
                if isinstance(e, dict) and e.get("newPath")
            ]
            media = [
                (self.target(a.get("path"), media=True), base64.b64decode(a.get("content", "")))
                for a in assets
                if isinstance(a, dict)
            ]
            for target, raw in checked:
                self.write(target, raw.encode())
            for target, data in media:
                self.write(target, data)
            for old, new in moves:
                old.replace(new)
            return {"message": "entry persisted"}
        if action == "getMedia":
            folder = self.folder(params.get("mediaFolder"))
            files = (
                sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
                if folder.is_dir()
                else []
            )
            return [self.media_file(p) for p in files if p.resolve().is_relative_to(self.root)]
        if action == "getMediaFile":
            return self.media_file(self.target(params.get("path"), media=True))
        if action == "persistMedia":
            asset = params.get("asset") or {}
            target = self.target(asset.get("path"), media=True)
            self.write(target, base64.b64decode(asset.get("content", "")))
            return self.media_file(target)
        if action in ("deleteFile", "deleteFiles"):
            paths = params.get("paths") if action == "deleteFiles" else [params.get("path")]
            targets = [self.target(p) for p in paths or []]
            for target in targets:
                target.unlink(missing_ok=True)
            return {"message": "deleted"}
        if action == "getDeployPreview":
            return None
        raise Refused(f"unknown action {action!r}", 422)


def api_answer(repository: LocalRepository, raw: bytes) -> tuple[int, bytes]:
    """The HTTP status and JSON body for one POST to the local API."""
    try:
        body = json.loads(raw)
        return 200, json.dumps(repository.handle(body)).encode()
    except Refused as exc:
        return exc.status, json.dumps({"error": str(exc)}).encode()
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return 400, json.dumps({"error": f"bad request: {exc}"}).encode()
    except FileNotFoundError as exc:  # as Decap asks for an image it expects beside the others in media/
        return 404, json.dumps({"error": f"there is no file {Path(exc.filename or '').name!r}"}).encode()
    except OSError as exc:
        return 500, json.dumps({"error": f"could not read or write: {exc.strerror or exc}"}).encode()
