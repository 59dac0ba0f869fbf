"""Speed never changes the result: the same bytes with one worker or many."""

from __future__ import annotations

from pathlib import Path

from site_builder.cache import SourceCache
from tests.conftest import PROJECT, run_main


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_one_worker_and_many_give_byte_identical_sites(tmp_path: Path) -> None:
    outputs = []
    for jobs in ("1", "3"):
        out = tmp_path / f"jobs-{jobs}"
        run = run_main("build", "--content", str(PROJECT / "content"), "--output", str(out), "--today", "2026-11-23",
                       "--jobs", jobs)
        assert run.code == 0, run.err
        outputs.append(snapshot(out))
    assert len(outputs[0]) > 100  # enough pages and calendars that the work is shared out
    assert outputs[0] == outputs[1]


def test_the_cache_never_changes_the_result(tmp_path: Path) -> None:
    content = tmp_path / "content"
    import shutil
    shutil.copytree(PROJECT / "content", content)
    out, fresh = tmp_path / "output", tmp_path / "fresh"

    def build(output: Path, *extra: str) -> dict[str, bytes]:
        run = run_main("build", "--content", str(content), "--output", str(output), "--today", "2026-11-23", *extra)
        assert run.code == 0, run.err
        return snapshot(output)

    cold = build(out)
    cache = tmp_path / ".output.cache" / "sources.json"
    assert len(SourceCache(cache.parent, b"").load()) == len(list(content.rglob("*.md")))
    assert build(out) == cold  # warm: every file from the cache
    assert build(fresh, "--no-cache") == cold
    assert not (tmp_path / ".fresh.cache").exists()

    # An edited file gets a new entry; the old one is pruned; the result matches a cache-free build.
    story = next((content / "stories").glob("*.md"))
    story.write_text(story.read_text().replace("---\n\n", "---\n\nA new first line.\n\n", 1))
    warm = build(out)
    assert warm == build(fresh, "--no-cache")
    assert len(SourceCache(cache.parent, b"").load()) == len(list(content.rglob("*.md")))

    # An edited event changes its calendar entries.
    event = content / "events" / "coastal-communities-2026-09.md"
    event.write_text(event.read_text().replace('title: "', 'title: "Changed ', 1))
    warm = build(out)
    assert warm == build(fresh, "--no-cache")
    assert any(b"SUMMARY:Changed " in data for path, data in warm.items() if path.endswith(".ics"))

    # A damaged cache is read as empty, not trusted.
    cache.write_bytes(b"not a cache")
    assert build(out) == warm
    cache.write_bytes(cache.read_bytes()[:100])
    assert build(out) == warm
