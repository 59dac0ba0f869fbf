"""Every page passes the Nu Html Checker (vnu.jar, from npm, run on the machine's Java)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PROJECT

VNU = PROJECT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def run_vnu(root: Path) -> list[dict]:
    java = shutil.which("java")
    assert java and VNU.is_file(), "the Nu Html Checker needs Java and `npm ci` (bin/test installs both)"
    done = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--skip-non-html", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    return json.loads(done.stderr)["messages"]


@pytest.mark.parametrize("site", ["small_site", "real_site"])
def test_every_page_passes_the_nu_html_checker(site: str, request: pytest.FixtureRequest) -> None:
    root: Path = request.getfixturevalue(site)
    pages = list(root.rglob("*.html"))
    assert len(pages) > 30
    messages = run_vnu(root)
    errors = [
        f"{m.get('url', '').split(str(root))[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] in ("error", "non-document-error")
    ]
    assert errors == []
