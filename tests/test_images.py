"""The image stage, on what editors upload: a phone photo with GPS and an Orientation flag, a screenshot in
bodies, a WebP. Nothing published carries where or with what a picture was taken; photos show upright; every
<img> has width, height and alt; every srcset candidate exists at the width it claims; the original is never
published unless asked for; a rebuild with the same images encodes nothing; two builds give the same bytes."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from site_builder.output import images
from site_builder.pipeline import Options, build, cache_folder
from tests.conftest import Scratch, examples
from tests.image_fixtures import BOTTOM, SECRETS, TOP, UPRIGHT, screenshot, write_image_site

PUBLISHED_IMAGE = (".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif")


@pytest.fixture(scope="module")
def image_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = tmp_path_factory.mktemp("image-site") / "content"
    write_image_site(content)
    return content


def _build(content: Path, output: Path, cache: bool = True, workers: int = 2) -> int:
    """Build as `build` does; the number of image files encoded."""
    from datetime import date

    options = Options(
        content_dir=content,
        output_dir=output,
        today=date(2027, 1, 15),
        base=content.parent,
        workers=workers,
        cache_dir=cache_folder(output) if cache else None,
    )
    return build(options).images_encoded


@pytest.fixture(scope="module")
def image_site(image_content: Path) -> Path:
    output = image_content.parent / "output"
    assert _build(image_content, output) > 0
    return output


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: Path, *names: str) -> list[dict[str, str | None]]:
    parser = _Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    return [attrs for tag, attrs in parser.tags if tag in names]


def _published_images(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in PUBLISHED_IMAGE and p.is_file())


# ---------------------------------------------------------------- safe to publish


@pytest.mark.slow  # builds the phone-photo site
def test_no_published_image_carries_gps_camera_xmp_or_any_other_metadata(image_site: Path) -> None:
    published = _published_images(image_site)
    assert len(published) > 20
    for path in published:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret not in data, (path, secret)
        with Image.open(path) as image:
            exif = image.getexif()
            assert len(exif) == 0 and not exif.get_ifd(0x8825), path  # no EXIF at all, so no GPS
            for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Author"):
                assert key not in image.info, (path, key)
            if isinstance(image, PngImagePlugin.PngImageFile):
                assert not image.text, path


@pytest.mark.slow  # builds the phone-photo site
def test_the_originals_are_not_published_unless_the_editor_asked(image_content: Path, image_site: Path) -> None:
    originals = {hashlib.sha256(p.read_bytes()).digest() for p in (image_content / "media").rglob("*.*")}
    for path in image_site.rglob("*"):
        if path.is_file():
            assert hashlib.sha256(path.read_bytes()).digest() not in originals, path
    # Only the photo with `download: true` is at its own address: re-encoded, full size, upright.
    assert not (image_site / "media/screens/booking.png").exists()
    assert not (image_site / "media/photos/garden.webp").exists()
    with Image.open(image_site / "media/photos/hall.jpg") as full:
        assert full.size == UPRIGHT and len(full.getexif()) == 0
    page = (image_site / "events/open-evening/index.html").read_text()
    assert '<a href="/media/photos/hall.jpg" download>Download this picture at full size</a>' in page


@pytest.mark.slow  # builds the phone-photo site
def test_the_phone_photo_shows_upright(image_site: Path) -> None:
    shown = sorted((image_site / "media/photos").glob("hall.*-*.*"))
    assert shown
    for path in shown:
        if path.name.endswith("-social.jpg"):
            continue
        with Image.open(path) as image:
            image = image.convert("RGB")
            width, height = image.size
            assert height > width, path  # taken upright, shown upright
            top, bottom = image.getpixel((width // 2, height // 20)), image.getpixel((width // 2, height * 19 // 20))
            assert all(abs(a - b) < 40 for a, b in zip(top, TOP)), (path, top)
            assert all(abs(a - b) < 40 for a, b in zip(bottom, BOTTOM)), (path, bottom)


def test_a_colour_profile_is_applied_then_removed(scratch: Scratch) -> None:
    """The pixels are converted to sRGB through the photo's profile (so its colours stay as they were), and
    the profile is not published."""
    colour = (180, 90, 40)
    photo = io.BytesIO()
    Image.new("RGB", (900, 600), colour).save(
        photo, "JPEG", quality=95, icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    )
    scratch.write_bytes("media/p.jpg", photo.getvalue())
    scratch.write(
        "pages/about.md", "---\ntitle: About\nsummary: Who we are.\nimage: {src: media/p.jpg, alt: A wall}\n---\n"
    )
    assert scratch.build().code == 0
    published = _published_images(scratch.root / "output")
    assert published
    for path in published:
        with Image.open(path) as image:
            assert "icc_profile" not in image.info, path
            pixel = image.convert("RGB").getpixel((10, 10))
            assert all(abs(a - b) < 10 for a, b in zip(pixel, colour)), (path, pixel)


# ---------------------------------------------------------------- the markup


@pytest.mark.slow  # builds the phone-photo site
def test_every_img_has_width_height_and_alt_and_lazy_below_the_first(image_site: Path) -> None:
    seen = 0
    for page in image_site.rglob("*.html"):
        imgs = _tags(page, "img")
        for n, img in enumerate(imgs):
            seen += 1
            assert img.get("width") and img.get("height") and "alt" in img, (page, img)
            if n > 0:
                assert img.get("loading") == "lazy" and img.get("decoding") == "async", (page, img)
        if imgs:
            assert imgs[0].get("loading") is None, page  # the first picture of a page loads at once
    assert seen >= 4


@pytest.mark.slow  # builds the phone-photo site
def test_every_srcset_candidate_exists_at_the_width_it_claims(image_site: Path) -> None:
    checked = 0
    for page in image_site.rglob("*.html"):
        for tag in _tags(page, "img", "source"):
            if not tag.get("srcset"):
                continue
            assert tag.get("sizes"), (page, tag)
            for candidate in str(tag["srcset"]).split(", "):
                url, width = candidate.rsplit(" ", 1)
                with Image.open(image_site / url.lstrip("/")) as image:
                    assert f"{image.width}w" == width, (page, candidate)
                    if tag.get("type"):
                        assert Image.MIME[image.format] == tag["type"], (page, candidate)
                checked += 1
            if "width" in tag:  # the <img>'s own size is its largest candidate's, same shape
                with Image.open(image_site / str(tag["src"]).lstrip("/")) as image:
                    assert (str(image.width), str(image.height)) == (tag["width"], tag["height"])
    assert checked > 30


@pytest.mark.slow  # builds the phone-photo site
def test_screenshots_stay_lossless_and_photos_get_avif_where_pillow_has_it(image_site: Path) -> None:
    page = image_site / "stories/community-garden/index.html"
    types = [tag.get("type") for tag in _tags(page, "source")]
    assert types[:1] == (["image/avif"] if images.AVIF else ["image/webp"])
    with Image.open(next((image_site / "media/screens").glob("booking.*-1280.png"))) as png:
        assert png.format == "PNG"
        # The original's pixels as resized, exactly: no lossy step, no chroma blur on its one-pixel detail.
        original = Image.open(io.BytesIO(screenshot()))
        scaled = original.convert("RGB").resize((1280, 800), Image.LANCZOS, reducing_gap=3.0)
        assert png.convert("RGB").tobytes() == scaled.tobytes()
    webp = next((image_site / "media/screens").glob("booking.*-1280.webp"))
    with Image.open(webp) as lossless:
        assert lossless.convert("RGB").tobytes() == scaled.tobytes()


@pytest.mark.slow  # builds the phone-photo site
def test_og_image_and_twitter_card_come_from_the_image_or_the_site_default(image_site: Path) -> None:
    event = (image_site / "events/open-evening/index.html").read_text()
    og = re.search(r'<meta property="og:image" content="https://images\.example\.org/([^"]+)">', event)
    assert og and og.group(1).startswith("media/photos/hall.") and og.group(1).endswith("-social.jpg")
    with Image.open(image_site / og.group(1)) as social:
        assert social.size == (1200, 630) and social.format == "JPEG"
    assert '<meta name="twitter:card" content="summary_large_image">' in event
    assert '<meta property="og:image:alt" content="Volunteers setting out chairs in the hall">' in event
    # A page without an image of its own shares the site's default (site.yaml `image`).
    about = (image_site / "how-to-book/index.html").read_text()
    default = re.search(r'<meta property="og:image" content="https://images\.example\.org/([^"]+)">', about)
    assert default and default.group(1).startswith("media/photos/garden.")
    assert (image_site / default.group(1)).is_file()


@pytest.mark.slow  # builds the phone-photo site
def test_social_image_gives_the_absolute_url_for_structured_data(image_content: Path) -> None:
    from site_builder.pipeline import load_site

    loaded = load_site(Options(content_dir=image_content, base=image_content.parent))
    assert loaded.site is not None
    event = loaded.site.events[0]
    assert images.social_image(event, loaded.site) == "https://images.example.org/" + event.image.picture.social.lstrip(
        "/"
    )  # type: ignore[union-attr]
    page = loaded.site.pages[0]
    assert images.social_image(page, loaded.site) == images.social_image(None, loaded.site)
    assert str(images.social_image(None, loaded.site)).startswith("https://images.example.org/media/photos/garden.")


@pytest.mark.slow  # builds the phone-photo site
def test_bodies_may_name_media_from_the_content_folder_or_from_the_file(image_site: Path) -> None:
    for url in ("stories/community-garden", "how-to-book", "events/open-evening"):
        page = (image_site / url / "index.html").read_text()
        assert "/media/screens/booking." in page and 'src="/media/screens/booking.png"' not in page, url


# ---------------------------------------------------------------- work done once, the same bytes every time


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.slow  # builds the phone-photo site
def test_a_warm_rebuild_encodes_nothing_and_changes_nothing(image_content: Path, image_site: Path) -> None:
    before = _files(image_site)
    assert _build(image_content, image_site) == 0
    assert _files(image_site) == before


@pytest.mark.slow  # builds the phone-photo site
def test_two_builds_from_cold_give_the_same_bytes(image_content: Path, image_site: Path, tmp_path: Path) -> None:
    """One on two workers with a cache, one on one without: Pillow's encoders give the same bytes."""
    again = tmp_path / "output"
    _build(image_content, again, cache=False, workers=1)
    assert _files(again) == _files(image_site)


def test_a_changed_image_is_made_again_and_its_pages_show_it(scratch: Scratch) -> None:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (10, 120, 30)).save(out, "PNG")
    scratch.write_bytes("media/plan.png", out.getvalue())
    scratch.write("pages/plan.md", "---\ntitle: Plan\nsummary: The plan.\n---\n\n![The plan](media/plan.png)\n")
    assert scratch.build().code == 0
    old = (scratch.root / "output/plan/index.html").read_text()
    out = io.BytesIO()
    Image.new("RGB", (1000, 700), (10, 30, 120)).save(out, "PNG")
    scratch.write_bytes("media/plan.png", out.getvalue())
    assert scratch.build().code == 0
    new = (scratch.root / "output/plan/index.html").read_text()
    assert new != old and 'width="1000" height="700"' in new
    for src in re.findall(r'(?:src|srcset)="(/media/[^" ]+)', new):
        with Image.open(scratch.root / "output" / src.lstrip("/")) as image:
            assert image.convert("RGB").getpixel((0, 0)) == (10, 30, 120)


@pytest.mark.slow  # builds the phone-photo site
def test_a_damaged_or_planted_cache_is_not_trusted(image_content: Path, image_site: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    shutil.copytree(image_site, output)
    shutil.copytree(cache_folder(image_site) / "images", cache_folder(output) / "images")
    assert _build(image_content, output) == 0  # the copied cache is whole: nothing to make
    cache = cache_folder(output) / "images"
    objects = sorted((cache / "objects").iterdir())
    objects[0].write_bytes(b"damaged")  # a derived file that no longer matches its hash
    manifest = sorted(cache.glob("*.json"))[-1]
    manifest.write_bytes(b"\x80\x04\x95 not JSON: a pickle would run code here")
    assert _build(image_content, output) > 0
    assert _files(output) == _files(image_site)


# ---------------------------------------------------------------- editors' feedback


def _jpeg(size: tuple[int, int], colour: tuple[int, int, int] = (90, 120, 150)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def _page_with(scratch: Scratch, src: str) -> None:
    scratch.write(
        "pages/about.md", f"---\ntitle: About\nsummary: Who we are.\nimage:\n  src: {src}\n  alt: The team\n---\n"
    )


def test_a_file_that_is_not_an_image_is_an_error(scratch: Scratch) -> None:
    scratch.write_bytes("media/team.jpg", b"<html>not a picture</html>")
    _page_with(scratch, "media/team.jpg")
    run = scratch.check()
    assert run.code == 1
    # The media policy (media_policy.py) reads the file's first bytes before the image stage does.
    assert "content/media/team.jpg: this file is named as a JPEG image but it is a web page" in run.err


def test_a_png_named_as_a_jpeg_is_an_error(scratch: Scratch) -> None:
    out = io.BytesIO()
    Image.new("RGB", (800, 600)).save(out, "PNG")
    scratch.write_bytes("media/team.jpg", out.getvalue())
    _page_with(scratch, "media/team.jpg")
    run = scratch.build()
    assert run.code == 1
    assert "content/media/team.jpg: this file is named as a JPEG image but it is a PNG image" in run.err


def test_a_damaged_image_is_an_error(scratch: Scratch) -> None:
    scratch.write_bytes("media/team.jpg", _jpeg((800, 600))[:400])
    _page_with(scratch, "media/team.jpg")
    run = scratch.check()
    assert run.code == 1 and "content/media/team.jpg: the image is damaged or cut short" in run.err


def test_a_decompression_bomb_is_an_error(scratch: Scratch) -> None:
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, "PNG")  # 100 million pixels in a few kilobytes
    assert len(out.getvalue()) < 100_000
    scratch.write_bytes("media/bomb.png", out.getvalue())
    _page_with(scratch, "media/bomb.png")
    run = scratch.build()
    assert run.code == 1 and "content/media/bomb.png: the image has more pixels than any photo" in run.err


def test_a_heic_photo_is_an_error_that_says_what_to_do(scratch: Scratch) -> None:
    scratch.write_bytes("media/team.heic", b"\x00\x00\x00\x18ftypheic")
    _page_with(scratch, "media/team.heic")
    run = scratch.check()
    assert run.code == 1 and "content/media/team.heic: '.heic' files are not published from media/" in run.err


def test_very_large_and_far_too_small_images_are_warnings(scratch: Scratch) -> None:
    big = _jpeg((8200, 300))
    scratch.write_bytes("media/wide.jpg", big + b"\0" * (21 * 1024 * 1024))  # past its end: still a JPEG
    scratch.write_bytes("media/tiny.jpg", _jpeg((200, 150)))
    _page_with(scratch, "media/wide.jpg")
    scratch.write(
        "stories/s.md",
        "---\ntitle: S\nsummary: A story.\npublished: 2027-01-01\nimage:\n  src: media/tiny.jpg\n  alt: A hall\n---\n",
    )
    run = scratch.build()
    assert run.code == 0, run.err
    assert "content/media/wide.jpg: warning: the file is 21 MB (expected at most 20 MB" in run.err
    assert "content/media/wide.jpg: warning: the image is 8200 x 300 pixels (expected at most 8000" in run.err
    assert (
        "content/stories/s.md:5: warning: image.src: 'media/tiny.jpg' is 200 pixels wide but is shown up to 928 wide"
    ) in run.err


def test_check_reports_what_build_does_and_writes_nothing(scratch: Scratch) -> None:
    scratch.write_bytes("media/tiny.jpg", _jpeg((200, 150)))
    _page_with(scratch, "media/tiny.jpg")
    check = scratch.check()
    assert not (scratch.root / "output").exists() and not (scratch.root / ".output.cache").exists()
    built = scratch.build()
    assert check.code == built.code == 0
    assert "is 200 pixels wide" in check.err
    assert [line for line in check.err_lines if "warning" in line] == [
        line for line in built.err_lines if "warning" in line
    ]


@pytest.mark.slow  # builds the phone-photo site
def test_the_cache_index_is_plain_json(image_site: Path) -> None:
    cache = cache_folder(image_site) / "images"
    manifests = list(cache.glob("*.json"))
    assert manifests
    for manifest in manifests:
        saved = json.loads(manifest.read_text())
        for variant in saved["variants"]:
            data = (cache / "objects" / variant["sha256"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == variant["sha256"]


def test_a_changed_field_image_remakes_the_pages_that_show_it_and_only_those(scratch: Scratch) -> None:
    """An item's picture comes from the image's bytes, not its front matter: a page that shows it is made
    again when the bytes change, with the same file name, and the other pages are kept."""
    scratch.write_bytes("media/hall.jpg", _jpeg((1000, 700)))
    _page_with(scratch, "media/hall.jpg")
    scratch.write("pages/other.md", "---\ntitle: Other\nsummary: Another page.\n---\n")
    assert scratch.build().code == 0
    old = (scratch.root / "output/about/index.html").read_text()
    other = (scratch.root / "output/other/index.html").stat().st_ino
    scratch.write_bytes("media/hall.jpg", _jpeg((1200, 600), (200, 10, 10)))
    assert scratch.build().code == 0
    new = (scratch.root / "output/about/index.html").read_text()
    assert new != old and 'width="1200" height="600"' in new
    assert (scratch.root / "output/other/index.html").stat().st_ino == other


def test_a_download_is_offered_only_where_the_editor_asked(scratch: Scratch) -> None:
    scratch.write_bytes("media/hall.jpg", _jpeg((1000, 700)))
    _page_with(scratch, "media/hall.jpg")
    scratch.write(
        "pages/poster.md",
        "---\ntitle: Poster\nsummary: The poster.\nimage:\n  src: media/hall.jpg\n"
        "  alt: The poster\n  download: true\n---\n",
    )
    assert scratch.build().code == 0
    assert "download>Download this picture" in (scratch.root / "output/poster/index.html").read_text()
    assert "Download this picture" not in (scratch.root / "output/about/index.html").read_text()
    with Image.open(scratch.root / "output/media/hall.jpg") as full:
        assert full.size == (1000, 700) and len(full.getexif()) == 0


@pytest.mark.slow  # builds the phone-photo site
def test_feeds_carry_pictures_with_absolute_addresses(image_site: Path) -> None:
    import feedparser

    feed = feedparser.parse((image_site / "feed.xml").read_bytes())
    story = next(entry for entry in feed.entries if entry.title == "The community garden")
    content = story.content[0].value
    assert "https://images.example.org/media/screens/booking." in content
    raw = (image_site / "feed.xml").read_text()
    srcsets = re.findall(r'srcset="([^"]*)"', raw)
    assert srcsets
    for srcset in srcsets:
        for candidate in srcset.split(", "):
            assert candidate.startswith("https://images.example.org/media/"), candidate


def _valid(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(out, kind)
    return out.getvalue()


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["PNG", "JPEG", "WEBP", "GIF"]),
    cuts=st.lists(st.tuples(st.integers(0, 400), st.binary(max_size=16)), max_size=4),
    tail=st.integers(0, 400),
    noise=st.binary(max_size=300),
)
def test_any_damage_to_an_image_is_reported_never_raised(
    tmp_path: Path, kind: str, cuts: list[tuple[int, bytes]], tail: int, noise: bytes
) -> None:
    """Valid files with bytes overwritten, cut short, or replaced by noise: the stage either makes the picture
    or names the problem; it never raises, and what it makes carries no more than pixels."""
    data = bytearray(_valid(kind) if noise[:1] != b"\0" else noise)
    for at, patch in cuts:
        data[at : at + len(patch)] = patch
    data = data[: max(1, len(data) - tail)]
    path = tmp_path / f"x.{kind.lower().replace('jpeg', 'jpg')}"
    path.write_bytes(bytes(data))
    done = images.prepare(path, "media/" + path.name, frozenset({"display", "social"}), None, True)
    assert done.info is not None or any(severity == "error" for severity, _ in done.problems)
    for sha, blob in done.data.items():
        assert hashlib.sha256(blob).hexdigest() == sha
        with Image.open(io.BytesIO(blob)) as made:
            assert len(made.getexif()) == 0 and "icc_profile" not in made.info


def test_the_image_cache_is_never_read_or_written_through_a_link(scratch: Scratch, tmp_path: Path) -> None:
    scratch.write_bytes("media/hall.jpg", _jpeg((1000, 700)))
    _page_with(scratch, "media/hall.jpg")
    assert scratch.build().code == 0
    images_dir = scratch.root / ".output.cache" / "images"
    elsewhere = tmp_path / "elsewhere"
    shutil.move(images_dir, elsewhere)
    images_dir.symlink_to(elsewhere, target_is_directory=True)
    before = {p.relative_to(elsewhere): p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()}
    scratch.write_bytes("media/hall.jpg", _jpeg((1200, 600)))
    assert scratch.build().code == 0
    assert 'width="1200" height="600"' in (scratch.root / "output/about/index.html").read_text()
    assert {p.relative_to(elsewhere): p.read_bytes() for p in elsewhere.rglob("*") if p.is_file()} == before
