"""The cache is input: damaged, cut short or planted, it never changes the site, jams a build or runs code.

Each case damages the cache a build left, builds again into the same output, and
demands exactly the site a build from nothing makes, with exit status 0, and a
cache that the build after reads whole again.
"""

from __future__ import annotations

import os
import pickle
import random
import shutil
from pathlib import Path

import pytest

from site_builder.speed.cache import SourceCache, decode, encode
from tests.conftest import SITES, run_main

TODAY = "2027-01-15"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


class Planted:
    """A pickle that, if it were ever unpickled, would leave a file behind to say so."""

    def __init__(self, flag: Path):
        self.flag = flag

    def __reduce__(self):
        return (open, (str(self.flag), "w"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes], bytes]:
    """The small site, its build from nothing, and the cache a build leaves."""
    root = tmp_path_factory.mktemp("damage")
    content = root / "content"
    shutil.copytree(SITES / "small", content)
    run = run_main("build", "--content", str(content), "--output", str(root / "fresh"), "--today", TODAY, "--no-cache")
    assert run.code == 0, run.err
    run = run_main("build", "--content", str(content), "--output", str(root / "output"), "--today", TODAY)
    assert run.code == 0, run.err
    return content, snapshot(root / "fresh"), (root / ".output.cache" / SourceCache.NAME).read_bytes()


def rebuild(tmp_path: Path, content: Path, damage) -> tuple[int, str, dict[str, bytes]]:
    """Build once, damage the cache that build left, build again: the exit status, errors and site."""
    out = tmp_path / "output"
    assert run_main("build", "--content", str(content), "--output", str(out), "--today", TODAY).code == 0
    damage(tmp_path / ".output.cache" / SourceCache.NAME)
    run = run_main("build", "--content", str(content), "--output", str(out), "--today", TODAY)
    return run.code, run.err, snapshot(out)


def offsets(length: int) -> list[int]:
    """The header, the first entry's key, digest and length, and a spread over the rest."""
    chosen = set(range(0, 24)) | set(range(24, 24 + 136, 7))
    chosen |= set(random.Random(20270115).sample(range(length), 40))
    return sorted(n for n in chosen if n < length)


def test_every_flipped_byte_is_caught_and_the_site_is_exactly_a_build_from_nothing(site, tmp_path: Path) -> None:
    content, fresh, cache = site
    for at in offsets(len(cache)):

        def flip(path: Path) -> None:
            data = bytearray(path.read_bytes())
            data[at] ^= 0x20
            path.write_bytes(bytes(data))

        shutil.rmtree(tmp_path / "output", ignore_errors=True)
        code, err, built = rebuild(tmp_path, content, flip)
        assert code == 0, (at, err)
        assert built == fresh, f"a byte flipped at {at} changed the site"


@pytest.mark.parametrize("cut", [0, 1, 10, 21, 22, 100, 157, 158, 1000, -1, -64])
def test_a_cache_cut_short_anywhere_is_read_as_far_as_it_verifies(site, tmp_path: Path, cut: int) -> None:
    content, fresh, _ = site
    code, err, built = rebuild(tmp_path, content, lambda path: path.write_bytes(path.read_bytes()[:cut]))
    assert (code, built == fresh) == (0, True), err


def test_a_planted_pickle_is_never_run(site, tmp_path: Path) -> None:
    content, fresh, _ = site
    flag = tmp_path / "ran"
    planted = pickle.dumps(Planted(flag))
    for store in (SourceCache.NAME, "sources.pickle", "pages.pickle"):  # this version's file, and the last's

        def plant(path: Path) -> None:
            (path.parent / store).write_bytes(planted)

        code, err, built = rebuild(tmp_path, content, plant)
        assert (code, built == fresh) == (0, True), err
        assert not flag.exists(), f"a pickle planted as {store} was run"
    assert not (tmp_path / ".output.cache" / "pages.pickle").exists()  # earlier versions' files are removed


def test_a_planted_entry_that_is_not_a_record_is_ignored(site, tmp_path: Path) -> None:
    """Entries whose digest is right but whose contents are not what a build writes: read as missing."""
    content, fresh, _ = site

    def forge(path: Path) -> None:
        cache = SourceCache(path.parent, b"")
        entries = cache.load()
        for n, key in enumerate(entries):
            entries[key] = [
                b'{"$eval":"os.system(1)"}',
                b"[1,2]",
                b'{"$record":[1]}',
                b"\xff",
                b'{"$tuple":[{"$record":["events"]},[]]}',
                b"[" * 100000 + b"]" * 100000,
                b'{"$datetime":["2027-01-01T00:00",0,"../../etc/passwd"]}',
            ][n % 7]
        cache.save(entries)

    code, err, built = rebuild(tmp_path, content, forge)
    assert (code, built == fresh) == (0, True), err


@pytest.mark.parametrize("kind", ["garbage", "empty", "folder", "link to a file outside"])
def test_anything_else_where_the_cache_file_goes_never_jams_a_build(site, tmp_path: Path, kind: str) -> None:
    content, fresh, _ = site
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"someone else's file")

    def replace(path: Path) -> None:
        path.unlink()
        if kind == "garbage":
            path.write_bytes(os.urandom(5000))
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "folder":
            path.mkdir()
        else:
            path.symlink_to(outside)

    code, err, built = rebuild(tmp_path, content, replace)
    assert (code, built == fresh) == (0, True), err
    assert outside.read_bytes() == b"someone else's file"  # never read as a cache, never written through
    # And the build after that is warm again: its cache is whole.
    run = run_main("build", "--content", str(content), "--output", str(tmp_path / "output"), "--today", TODAY)
    assert run.code == 0 and snapshot(tmp_path / "output") == fresh
    assert (tmp_path / ".output.cache" / SourceCache.NAME).read_bytes() == site[2]


def test_entries_round_trip_exactly(site) -> None:
    """What the cache keeps of a reading is the reading: dates, times in zones, tuples, "$" keys."""
    from datetime import date, datetime, timedelta, timezone
    from zoneinfo import ZoneInfo

    from site_builder.errors import error
    from site_builder.content.validate import Record

    london = ZoneInfo("Europe/London")
    record = Record(
        "events",
        "a",
        "events/a.md",
        {
            "start": datetime(2027, 10, 31, 1, 30, fold=1, tzinfo=london),
            "day": date(2027, 1, 2),
            "utc": datetime(2027, 1, 1, tzinfo=timezone.utc),
            "fixed": datetime(2027, 1, 1, 9, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
            "$tuple": ["not", "a", "tag"],
            "nested": {"list": [1, "two", None, True]},
        },
        {"start": 3},
        "<p>x</p>",
        ("/events/",),
        (5,),
        "f" * 64,
    )
    value = (record, [error("events/a.md", 3, "start", "is wrong")])
    back = decode(encode(value))
    assert back == value
    assert back[0].data["start"].tzinfo is london and back[0].data["start"].fold == 1
    assert back[0].data["utc"].tzinfo is timezone.utc
