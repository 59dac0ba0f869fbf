"""Images: every picture the site shows, in sizes and formats that suit where it is shown, and safe to publish.

Editors upload what their phones take: 4000 x 3000 photos, turned by an EXIF flag, carrying the GPS position
where they were taken and the phone's model. For each image a page shows (an `image:` field, a picture in a
body), this stage publishes

- the sizes that fit where it is shown (WIDTHS, never larger than the original), in AVIF (where the installed
  Pillow has it) and WebP, with a JPEG fallback for photos or a PNG one for graphics (screenshots, diagrams:
  few colours or transparency), which keep every pixel: lossless WebP, no chroma subsampling;
- for an `image:` field, a 1200 x 630 crop for og:image, so a link shared in a chat shows a picture;
- the full-size picture only when the editor asks for it (`download: true`, or a body link to the file).

Every file is decoded, turned upright (ImageOps.exif_transpose), converted to sRGB when it has a colour
profile, and encoded afresh from the pixels alone: no EXIF, GPS, XMP, ICC profile or comment survives, resized
or not. The original is never published.

Work is done once: what an original makes is kept in the build's cache folder, under a key made of the
original's bytes and the settings (key_settings), and a later build with the same original only checks what is
kept (each derived file is stored under its sha256 and read back against it; the index is JSON, never a
pickle) and copies it. Originals are handled in parallel (parallel.run_all), one task each.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import io
import json
import os
import re
import stat
import warnings
from struct import error as struct_error
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable, cast

from ..speed.cache import replace_file
from ..content.config import Config
from ..errors import Problem, display_path, error, warning
from ..site.model import Body, Bodies, Image, Item, Picture, Site
from ..speed.parallel import run_all

if TYPE_CHECKING:
    from PIL import Image as PILImage

# The widths published, never more than the original's: a phone's screen at twice its density wants
# 640-960, a desktop's column up to 1280 (the layout widths are in SIZES).
WIDTHS = (320, 640, 960, 1280)
SOCIAL_SIZE = (1200, 630)  # what Facebook, WhatsApp, LinkedIn and X show full width

# Where each kind of image is shown (static/site.css): an item's image spans the page's column (.wrap: 62rem
# less 2rem padding each side from 40.0625em up, 1rem each side below); a picture in a body spans the prose
# column (.prose img, capped at 42rem).
SIZES = {
    "item": "(min-width: 62rem) 58rem, (min-width: 40.0625em) calc(100vw - 4rem), calc(100vw - 2rem)",
    "body": "(min-width: 46rem) 42rem, (min-width: 40.0625em) calc(100vw - 4rem), calc(100vw - 2rem)",
}
SHOWN_WIDTH = {"item": 928, "body": 672}  # the CSS pixels of each column at its widest

# Editors' feedback (content contract, "Images").
LARGE_BYTES = 20 * 1024 * 1024
LARGE_SIDE = 8000

# The files an editor may show as pictures, by name, and the format each name promises.
# (".avif" too where the installed Pillow can read it: `_formats`.)
FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP", ".gif": "GIF"}
FORMAT_NAMES = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF", "AVIF": "AVIF", "MPO": "JPEG"}
# Phones' own formats that Pillow cannot read: named, so the editor is told what to do.
UNREADABLE = {".heic": "HEIC", ".heif": "HEIF"}
MIME = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg", "png": "image/png", "gif": "image/gif"}

# Encoder settings. Pillow's encoders give the same bytes for the same pixels and settings (the tests build
# twice and compare); AVIF on one thread, since the originals already run in parallel.
PHOTO: dict[str, dict[str, Any]] = {
    "avif": dict(quality=55, speed=9, max_threads=1, subsampling="4:2:0"),
    "webp": dict(quality=76, method=4),
    "jpg": dict(quality=80, optimize=True, progressive=True, subsampling="4:2:0"),
}
GRAPHIC: dict[str, dict[str, Any]] = {"webp": dict(lossless=True, quality=80, method=4), "png": dict(optimize=True)}
SOCIAL: dict[str, Any] = dict(quality=82, optimize=True, progressive=True, subsampling="4:2:0")
# Unique colours up to which a lossless original is a graphic (a screenshot, a diagram); a photo has more.
GRAPHIC_COLOURS = 32768

STAGE_VERSION = "images 1"
# What a published file's name is made from: the original and what was asked of the encoders. The cache's key
# adds the libraries' versions, whose files may differ by a few bytes, though not so a visitor would see.
NAMING = json.dumps(
    [STAGE_VERSION, WIDTHS, SOCIAL_SIZE, PHOTO, GRAPHIC, SOCIAL, GRAPHIC_COLOURS], sort_keys=True, default=str
).encode()


# Pillow is imported the first time a picture is looked at, not with the builder: most builds and every
# `check` of a site without pictures never need it, and it was a tenth of the builder's start-up.
@lru_cache(maxsize=None)
def avif() -> bool:
    """Whether the installed Pillow reads and writes AVIF."""
    from PIL import features

    return bool(features.check("avif"))


@lru_cache(maxsize=None)
def key_settings() -> bytes:
    """What the cache's key adds to NAMING: the libraries' versions."""
    import PIL
    from PIL import features

    return (
        NAMING
        + json.dumps(
            [
                PIL.__version__,
                features.version("webp"),
                features.version("avif") if avif() else None,
                features.version("jpg"),
            ],
            default=str,
        ).encode()
    )


def _formats() -> dict[str, str]:
    return {**FORMATS, ".avif": "AVIF"} if avif() else FORMATS


def __getattr__(name: str) -> Any:
    """`AVIF` and `SETTINGS` as the module once had them (the tests and benchmarks/images.py read them)."""
    if name == "AVIF":
        return avif()
    if name == "SETTINGS":
        return key_settings()
    if name == "PIL":
        import PIL

        return PIL
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


PRODUCTS = ("display", "social", "full")


def is_image(rel: str) -> bool:
    """Whether a media file is a raster image this stage publishes (or refuses, for HEIC)."""
    suffix = os.path.splitext(rel)[1].lower()
    return suffix in FORMATS or suffix in UNREADABLE or (suffix == ".avif" and avif())


# ---------------------------------------------------------------- what the site shows


@dataclass
class Use:
    """Where the site shows an image, and what of it that needs."""

    rel: str  # the original, relative to the content folder: media/images/hall.jpg
    products: set[str] = field(default_factory=set)
    shown: list[tuple[str, int, str, str]] = field(default_factory=list)  # (file, line, field, role)


def find_uses(records: Iterable[Any], config: Config) -> dict[str, Use]:
    """Every image a page shows or links to, from each record's `image` field, its body and its `file`, and
    the site's default image; by the original's path."""
    uses: dict[str, Use] = {}

    def use(rel: str, products: Iterable[str], shown: tuple[str, int, str, str] | None = None) -> None:
        if not is_image(rel):
            return
        entry = uses.setdefault(rel, Use(rel))
        entry.products.update(products)
        if shown is not None:
            entry.shown.append(shown)

    if config.image:  # site.yaml's `image`, root-relative
        use(config.image.lstrip("/"), ("social",), ("site.yaml", 0, "image", "social"))
    for record in records:
        image = record.data.get("image")
        if image:
            wanted = ("display", "social", "full") if image.get("download") else ("display", "social")
            use(image["src"], wanted, (record.shown, record.line("image"), "image.src", "item"))
        if isinstance(record.data.get("file"), str):
            use(record.data["file"], ("full",))
        for tag in _body_tags(record.body_html):
            if tag.name == "img" and tag.media:
                use(tag.media, ("display",), (record.shown, 0, "body", "body"))
            elif tag.name == "a" and tag.media:
                use(tag.media, ("full",))
    return uses


@dataclass(frozen=True)
class _Tag:
    name: str
    attrs: dict[str, str]
    start: int
    end: int

    @property
    def media(self) -> str | None:
        """The media file a body's image or link points to (markup.py makes them root-relative)."""
        url = self.attrs.get("src" if self.name == "img" else "href", "")
        path = url.split("#")[0].split("?")[0]
        return path[1:] if path.startswith("/media/") else None


_BODY_TAG = re.compile(r"<(img|a)\s[^>]*>")


class _Attributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = {name: value or "" for name, value in attrs}

    handle_startendtag = handle_starttag


def _body_tags(body_html: str) -> list[_Tag]:
    if "/media/" not in body_html:
        return []
    tags = []
    for match in _BODY_TAG.finditer(body_html):
        parser = _Attributes()
        parser.feed(match.group(0))
        tags.append(_Tag(match.group(1), parser.attrs, match.start(), match.end()))
    return tags


# ---------------------------------------------------------------- one original


@dataclass(frozen=True)
class Variant:
    """One derived file: the product it belongs to, its format (a MIME key) and size, and its bytes' sha256."""

    product: str
    ext: str
    width: int
    height: int
    sha256: str


@dataclass(frozen=True)
class Info:
    """What the stage knows of an original once it has read it."""

    format: str  # Pillow's name: JPEG, PNG, WEBP, GIF, AVIF
    width: int  # upright (after EXIF orientation)
    height: int
    kind: str  # "photo" or "graphic"
    frames: int


@dataclass
class Prepared:
    """What one original made: its info, its files (kept in the cache, or as bytes without one), its problems,
    and how many files were encoded (none, when everything was in the cache)."""

    rel: str
    key: str  # the cache's: the original's bytes, the settings and the libraries' versions
    tag: str  # in the published files' names: the original's bytes and the settings
    size: int = 0
    info: Info | None = None
    variants: list[Variant] = field(default_factory=list)
    data: dict[str, bytes] = field(default_factory=dict)  # sha256 -> bytes of the files made afresh
    index: tuple[Info, list[Variant]] | None = None  # what the cache is to say of this original, when it changed
    problems: list[tuple[str, str]] = field(default_factory=list)  # (severity, message) about the file
    encoded: int = 0


def prepare(path: Path, rel: str, products: frozenset[str], cache: Path | None, encode: bool) -> Prepared:
    """Read one original, check it, and (when `encode`) make the products asked for: from the cache when it
    holds them, verified, else from the pixels."""
    with open(path, "rb") as handle:
        original = handle.read()
    content = hashlib.sha256(original).digest()
    key = hashlib.sha256(key_settings() + b"\0" + content).hexdigest()
    done = Prepared(rel, key, hashlib.sha256(NAMING + b"\0" + content).hexdigest()[:10], len(original))
    suffix = os.path.splitext(rel)[1].lower()
    if suffix in UNREADABLE:
        done.problems.append(
            (
                "error",
                f"this is a {UNREADABLE[suffix]} photo, which web browsers cannot show "
                "(expected JPEG: export it as JPEG, or on an iPhone choose Settings > Camera > "
                "Formats > Most Compatible)",
            )
        )
        return done
    if len(original) > LARGE_BYTES:
        done.problems.append(
            (
                "warning",
                f"the file is {len(original) / 1048576:.0f} MB (expected at most "
                f"{LARGE_BYTES // 1048576} MB: the site publishes smaller copies, but so large an "
                "upload slows every build that has to read it afresh; export it at a smaller size)",
            )
        )
    stored = _load_manifest(cache, key) if cache is not None and usable(cache) else None
    if stored is not None:
        info, variants = stored
        have = {v.product for v in variants}
        if not encode or products <= have:
            done.info = info
            done.variants = [v for v in variants if v.product in products]
            _judge(done, suffix)
            return done
    try:
        picture, info = _open(original, encode, products)
    except _Refused as refused:
        done.problems.append(("error", str(refused)))
        return done
    done.info = info
    _judge(done, suffix)
    if not encode or any(severity == "error" for severity, _ in done.problems):
        return done
    previous = stored[1] if stored is not None else []
    have = {v.product for v in previous}
    new: list[Variant] = []
    for product in PRODUCTS:
        if product in products and product not in have:
            for variant, data in _make(product, picture, info):
                new.append(variant)
                done.encoded += 1
                done.data[variant.sha256] = data  # kept in the cache only once the build has succeeded
    done.variants = [v for v in previous if v.product in products] + new
    if new:
        done.index = (info, previous + new)
    return done


class _Refused(Exception):
    """An original that cannot be published; the message says why and what to do."""


def _open(original: bytes, full: bool, products: frozenset[str]) -> tuple[PILImage.Image, Info]:
    """Decode an original, upright, in RGB or RGBA and sRGB, with nothing but its pixels. With `full` False,
    only enough to check it and know its size and kind (a JPEG at an eighth of its size)."""
    from PIL import Image as PILImage, UnidentifiedImageError

    with warnings.catch_warnings():
        # A decompression bomb: an image whose pixels would take more memory than any photo (Pillow's limit).
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            image: PILImage.Image = PILImage.open(io.BytesIO(original))
            image_format = image.format or ""
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
            orientation = image.getexif().get(0x0112, 1)
            if orientation in (5, 6, 7, 8):
                width, height = height, width
            if image_format in ("JPEG", "MPO"):
                wanted = (max(WIDTHS[0], width // 8), 1) if not full else _largest_needed(width, height, products)
                if orientation in (5, 6, 7, 8):
                    wanted = (wanted[1], wanted[0])
                image.draft("RGB", wanted)  # the JPEG decoder scales down by 2, 4 or 8 as it reads
            image.load()
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
            raise _Refused(
                "the image has more pixels than any photo (over "
                f"{(PILImage.MAX_IMAGE_PIXELS or 0) // 1_000_000} million): it may be built to exhaust the "
                "machine that opens it (expected a photo or picture exported at a normal size)"
            ) from None
        except UnidentifiedImageError:
            raise _Refused(
                "this file is not an image its name says it is, or not one the site can read "
                "(expected a JPEG, PNG, WebP or GIF file)"
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError, struct_error, MemoryError):
            raise _Refused(
                "the image is damaged or cut short and cannot be read (expected the whole file: "
                "export or upload it again)"
            ) from None
    image = _upright(image)
    try:
        image = _srgb(image)
        alpha = _has_alpha(image)
        image = image.convert("RGBA" if alpha else "RGB")
    except (ValueError, OSError):
        raise _Refused(
            f"the image's colours are stored as '{image.mode}', which the site cannot convert "
            "(expected an ordinary RGB picture: export it again as JPEG or PNG)"
        ) from None
    kind = "photo"
    if image_format not in ("JPEG", "MPO") and (alpha or image.getcolors(GRAPHIC_COLOURS) is not None):
        kind = "graphic"
    # Only the pixels go on: a new image has no EXIF, XMP, ICC profile, comment or text of the original's.
    clean = PILImage.new(image.mode, image.size)
    clean.paste(image)
    return clean, Info(FORMAT_NAMES.get(image_format, image_format), width, height, kind, frames)


def _largest_needed(width: int, height: int, products: frozenset[str]) -> tuple[int, int]:
    """The smallest size a JPEG may be decoded at and still make every product asked for."""
    if "full" in products:
        return width, height
    need = min(width, WIDTHS[-1])
    need_height = height * need // max(width, 1)
    if "social" in products:
        scale = max(SOCIAL_SIZE[0] / width, SOCIAL_SIZE[1] / height)
        need, need_height = max(need, int(width * scale) + 1), max(need_height, int(height * scale) + 1)
    return need, need_height


def _upright(image: PILImage.Image) -> PILImage.Image:
    """The EXIF orientation applied to the pixels, as a phone meant it (ImageOps.exif_transpose)."""
    from PIL import ImageOps

    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # a malformed orientation tag: the pixels as stored
        return image


def _srgb(image: PILImage.Image) -> PILImage.Image:
    """Pixels converted from the original's colour profile to sRGB, which the published files assume."""
    from PIL import ImageCms

    profile = image.info.get("icc_profile")
    mode = "RGBA" if _has_alpha(image) else "RGB"
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            if image.mode not in ("RGB", "RGBA", "CMYK", "L", "LA"):
                image = image.convert(mode)
            if image.mode == "LA":
                image = image.convert("RGBA")
            converted = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode="RGBA" if image.mode == "RGBA" else "RGB"
            )
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a profile that cannot be read: the pixels as they are
    return image


def _has_alpha(image: PILImage.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        try:
            alpha = image.convert("RGBA").getchannel("A")
        except (ValueError, OSError):
            return False
        lowest, _ = cast("tuple[int, int]", alpha.getextrema())  # one band: its (lowest, highest)
        return lowest < 255
    return False


def _judge(done: Prepared, suffix: str) -> None:
    """Problems with an original the stage could read: a name that lies about its format, a size no page needs."""
    info = done.info
    assert info is not None
    promised = _formats().get(suffix)
    if promised and FORMAT_NAMES.get(promised) != info.format:
        done.problems.append(
            (
                "error",
                f"this file is a {info.format} image, but its name says "
                f"{FORMAT_NAMES[promised]} (expected a name ending in "
                f"{_suffix_of(info.format)}: rename the file and what links to it)",
            )
        )
    if max(info.width, info.height) > LARGE_SIDE:
        done.problems.append(
            (
                "warning",
                f"the image is {info.width} x {info.height} pixels (expected at most "
                f"{LARGE_SIDE} on a side: pages show it at most {WIDTHS[-1]} wide; export it "
                "smaller)",
            )
        )
    if info.frames > 1:
        done.problems.append(
            (
                "warning",
                "the image is animated; the site shows its first frame only (expected "
                "a still picture, or a video linked from the page)",
            )
        )


def _suffix_of(image_format: str) -> str:
    return {"JPEG": ".jpg", "PNG": ".png", "WebP": ".webp", "GIF": ".gif", "AVIF": ".avif"}.get(image_format, ".jpg")


def display_widths(width: int) -> list[int]:
    """The widths an image is published at: WIDTHS below its own, and its own (at most the largest)."""
    largest = min(width, WIDTHS[-1])
    return [w for w in WIDTHS if w < largest * 0.9] + [largest]


def _make(product: str, image: PILImage.Image, info: Info) -> list[tuple[Variant, bytes]]:
    """Encode one product of an upright, clean image: every width and format, the social crop, or full size."""
    from PIL import Image as PILImage, ImageOps

    made = []
    if product == "display":
        formats = GRAPHIC if info.kind == "graphic" else {k: v for k, v in PHOTO.items() if avif() or k != "avif"}
        for width in display_widths(info.width):
            height = max(1, round(info.height * width / info.width))
            sized = (
                image
                if image.size == (width, height)
                else image.resize((width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0)
            )
            for ext, settings in formats.items():
                made.append(_encode(product, sized, ext, settings))
    elif product == "social":
        flat = _flatten(image)
        crop = ImageOps.fit(flat, SOCIAL_SIZE, PILImage.Resampling.LANCZOS, centering=(0.5, 0.5))
        made.append(_encode(product, crop, "jpg", SOCIAL))
    else:  # full size, in the format its name promises (so the link's name tells the truth)
        ext = {"JPEG": "jpg", "PNG": "png", "WebP": "webp", "GIF": "gif", "AVIF": "avif"}[info.format]
        settings = {
            "jpg": PHOTO["jpg"],
            "png": GRAPHIC["png"],
            "gif": {},
            "webp": GRAPHIC["webp"] if info.kind == "graphic" else PHOTO["webp"],
            "avif": PHOTO["avif"],
        }[ext]
        made.append(_encode(product, image if ext not in ("jpg",) else _flatten(image), ext, settings))
    return made


def _flatten(image: PILImage.Image) -> PILImage.Image:
    """A transparent image on white, for formats without transparency."""
    from PIL import Image as PILImage

    if image.mode != "RGBA":
        return image
    white = PILImage.new("RGB", image.size, (255, 255, 255))
    white.paste(image, mask=image.getchannel("A"))
    return white


def _encode(product: str, image: PILImage.Image, ext: str, options: dict[str, Any]) -> tuple[Variant, bytes]:
    out = io.BytesIO()
    pillow_format = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "avif": "AVIF", "gif": "GIF"}[ext]
    source = _flatten(image) if pillow_format == "JPEG" else image
    source.save(out, pillow_format, **options)
    data = out.getvalue()
    return Variant(product, ext, image.width, image.height, hashlib.sha256(data).hexdigest()), data


# ---------------------------------------------------------------- the cache (input: verified, never unpickled)

_HEX = re.compile(r"[0-9a-f]{64}")


def _objects(cache: Path) -> Path:
    return cache / "images" / "objects"


def _store_object(cache: Path, sha256: str, data: bytes) -> None:
    folder = _objects(cache)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / sha256
        if not _verified(cache, sha256):  # a link or another file there is replaced, never written through
            replace_file(target, lambda handle: handle.write(data), 0o644)
    except OSError:
        pass  # a cache that cannot be written only makes the next build slower


def object_path(cache: Path, sha256: str) -> Path:
    return _objects(cache) / sha256


def _verified(cache: Path, sha256: str) -> bool:
    """Whether the cache holds this derived file, and its bytes are the ones whose hash names it."""
    try:
        return hashlib.sha256(_read_plain(object_path(cache, sha256))).hexdigest() == sha256
    except OSError:
        return False


def _read_plain(path: Path) -> bytes:
    """A plain file's bytes, never through a link."""
    handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(handle, "rb") as reading:
        if not stat.S_ISREG(os.fstat(reading.fileno()).st_mode):
            raise OSError("not a plain file")
        return reading.read()


def usable(cache: Path) -> bool:
    """Whether the cache folder and its images/ and images/objects/ are plain folders (or not there yet):
    the image cache is never read or written through a link."""
    for folder in (cache, cache / "images", _objects(cache)):
        try:
            if not stat.S_ISDIR(os.lstat(folder).st_mode):
                return False
        except FileNotFoundError:
            return not folder.is_symlink()
        except OSError:
            return False
    return True


def _load_manifest(cache: Path, key: str) -> tuple[Info, list[Variant]] | None:
    """What the cache says an original made, if every part of it checks out; None to make it again."""
    try:
        saved = json.loads(_read_plain(cache / "images" / f"{key}.json"))
        if saved.get("settings") != STAGE_VERSION or saved.get("key") != key:
            return None
        raw = saved["info"]
        info = Info(str(raw["format"]), int(raw["width"]), int(raw["height"]), str(raw["kind"]), int(raw["frames"]))
        if (
            info.kind not in ("photo", "graphic")
            or info.format not in FORMAT_NAMES.values()
            or not (0 < info.width <= 10**6 and 0 < info.height <= 10**6)
        ):
            return None
        variants = []
        for entry in saved["variants"]:
            variant = Variant(
                str(entry["product"]),
                str(entry["ext"]),
                int(entry["width"]),
                int(entry["height"]),
                str(entry["sha256"]),
            )
            if (
                variant.product not in PRODUCTS
                or variant.ext not in MIME
                or not _HEX.fullmatch(variant.sha256)
                or not (0 < variant.width <= info.width or variant.product == "social")
                or not _verified(cache, variant.sha256)
            ):
                return None
            variants.append(variant)
        return info, variants
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _save_manifest(cache: Path, key: str, info: Info, variants: list[Variant]) -> None:
    data = json.dumps(
        {"settings": STAGE_VERSION, "key": key, "info": info.__dict__, "variants": [v.__dict__ for v in variants]},
        sort_keys=True,
    ).encode()
    try:
        (cache / "images").mkdir(parents=True, exist_ok=True)
        replace_file(cache / "images" / f"{key}.json", lambda handle: handle.write(data), 0o644)
    except OSError:
        pass


def _prune(cache: Path, keys: set[str], objects: set[str]) -> None:
    """Forget what no image of this site uses any more, so the cache never grows past the site."""
    try:
        for entry in (cache / "images").iterdir():
            if entry.suffix == ".json" and _HEX.fullmatch(entry.stem) and entry.stem not in keys:
                entry.unlink(missing_ok=True)
        for entry in _objects(cache).iterdir():
            if _HEX.fullmatch(entry.name) and entry.name not in objects:
                entry.unlink(missing_ok=True)
    except OSError:
        pass


# ---------------------------------------------------------------- the stage


@dataclass
class Images:
    """What the image stage made: a Picture per original the site shows, the files to publish, problems, and
    how many files it encoded (none, on a rebuild whose images are all in the cache)."""

    pictures: dict[str, Picture] = field(default_factory=dict)  # by the original's path, media/...
    copies: dict[str, Path] = field(default_factory=dict)  # output path -> a verified file in the cache
    files: dict[str, bytes] = field(default_factory=dict)  # output path -> bytes of a file made afresh
    originals: set[str] = field(default_factory=set)  # the originals this stage handled: none is copied
    downloads: set[str] = field(default_factory=set)  # the originals published at their own path, full size
    problems: list[Problem] = field(default_factory=list)
    made: list[Prepared] = field(default_factory=list)  # what to keep in the cache once the build succeeds
    fresh: dict[str, str] = field(default_factory=dict)  # output path -> sha256 of the files made afresh
    encoded: int = 0

    def rewrite_bodies(self, bodies: Bodies, first_screen: dict[str, bool]) -> Bodies:
        """Each body with its pictures as <picture>: the first picture of a page loads at once unless the page
        already shows its item's image (`first_screen[url]` False), the others as they are scrolled to."""
        changed = dict(bodies)
        for url, body in bodies.items():
            if "<img" in body.html and "/media/" in body.html:
                # The original is no longer a link of the body (it is not published); what replaced it is.
                kept = [
                    n
                    for n, link in enumerate(body.links)
                    if link[1:] not in self.pictures or link[1:] in self.downloads
                ]
                lines = tuple(body.link_lines[n] for n in kept) if len(body.link_lines) == len(body.links) else ()
                changed[url] = Body(
                    self._rewrite(body.html, first_screen.get(url, True)), tuple(body.links[n] for n in kept), lines
                )
        return changed

    def _rewrite(self, body_html: str, eager: bool) -> str:
        parts, at = [], 0
        for tag in _body_tags(body_html):
            picture = self.pictures.get(tag.media or "") if tag.name == "img" else None
            if picture is None:
                continue
            parts.append(body_html[at : tag.start])
            extra = {"title": tag.attrs["title"]} if tag.attrs.get("title") else {}
            parts.append(picture_html(picture, tag.attrs.get("alt", ""), "body", eager, **extra))
            eager, at = False, tag.end
        parts.append(body_html[at:])
        return "".join(parts)


def prepare_images(
    records: Iterable[Any],
    config: Config,
    media: Iterable[Any],
    base: Path,
    cache: Path | None,
    encode: bool,
    workers: int,
) -> Images:
    """The image stage: every image the records and settings show, checked and (with `encode`) made."""
    records = list(records)
    uses = find_uses(records, config)
    paths = {file.rel: file.path for file in media}
    out = Images(originals={rel for rel in paths if is_image(rel)})
    wanted = sorted(rel for rel in uses if rel in paths)
    tasks = [partial(prepare, paths[rel], rel, frozenset(uses[rel].products), cache, encode) for rel in wanted]
    results: list[Prepared] = run_all(tasks, workers, min_parallel=2)
    for done in results:
        use = uses[done.rel]
        shown = display_path(paths[done.rel], base)
        for severity, message in done.problems:
            out.problems.append((error if severity == "error" else warning)(shown, 0, "", message))
        out.encoded += done.encoded
        if done.info is None or any(severity == "error" for severity, _ in done.problems):
            continue
        for where, line, name, role in use.shown:
            slot = SHOWN_WIDTH.get(role)
            if slot and done.info.width < slot / 2:
                out.problems.append(
                    warning(
                        where,
                        line,
                        name,
                        f"'{done.rel}' is {done.info.width} pixels wide but "
                        f"is shown up to {slot} wide, so it will look blurred (expected a "
                        f"picture at least {slot} pixels wide)",
                    )
                )
        out.pictures[done.rel] = _picture(done, use.products)
        if "full" in use.products:
            out.downloads.add(done.rel)
        for variant in done.variants:
            target = output_name(done.rel, done.tag, variant)
            if variant.sha256 in done.data:
                out.files[target] = done.data[variant.sha256]
                out.fresh[target] = variant.sha256
            elif cache is not None:
                out.copies[target] = object_path(cache, variant.sha256)
    out.made = results if encode else []
    return out


def save_images(images: Images, cache: Path, output_dir: Path) -> None:
    """Keep what this build made in the cache, and forget what no image of the site uses any more. Called
    once the new site is in place, like the content files' cache: a build that fails or waits writes nothing.
    Each file kept takes the time of the published file with its bytes, so the next build, copying it from
    the cache, finds the live file the same (write.Staging links it rather than copying it again)."""
    if not images.made or not usable(cache):
        return
    for done in images.made:
        for sha256, data in done.data.items():
            _store_object(cache, sha256, data)
        if done.index is not None:
            _save_manifest(cache, done.key, *done.index)
    for target, sha256 in images.fresh.items():
        try:
            live = os.stat(output_dir / target, follow_symlinks=False)
            kept = object_path(cache, sha256)
            if stat.S_ISREG(live.st_mode) and os.lstat(kept).st_size == live.st_size:
                os.utime(kept, ns=(live.st_atime_ns, live.st_mtime_ns), follow_symlinks=False)
        except OSError:
            pass
    _prune(cache, {done.key for done in images.made}, {v.sha256 for done in images.made for v in done.variants})


def output_name(rel: str, tag: str, variant: Variant) -> str:
    """Where a derived file is published: beside its original, named by the original's tag (Prepared.tag) and
    its size (media/images/hall.3f2a1b9c0d-640.webp); the full size under the original's own name."""
    if variant.product == "full":
        return rel
    stem = os.path.splitext(rel)[0]
    size = "social" if variant.product == "social" else str(variant.width)
    return f"{stem}.{tag}-{size}.{variant.ext}"


def _picture(done: Prepared, products: set[str]) -> Picture:
    """The Picture templates show, from the original's info: its sizes are known before they are made, so
    `check` (which encodes nothing) renders the same pages as `build`."""
    info = done.info
    assert info is not None
    widths = display_widths(info.width)

    def url(product: str, ext: str, width: int = 0) -> str:
        return "/" + output_name(done.rel, done.tag, Variant(product, ext, width, 0, ""))

    def srcset(ext: str) -> str:
        return ", ".join(f"{url('display', ext, w)} {w}w" for w in widths)

    better: tuple[str, ...]
    if info.kind == "graphic":
        better, fallback = ("webp",), "png"
    else:
        better, fallback = (("avif",) if avif() else ()) + ("webp",), "jpg"
    largest = widths[-1]
    return Picture(
        width=largest,
        height=max(1, round(info.height * largest / info.width)),
        src=url("display", fallback, largest),
        srcset=srcset(fallback),
        type=MIME[fallback],
        sources=tuple((MIME[ext], srcset(ext)) for ext in better),
        social=url("social", "jpg") if "social" in products else None,
        download="/" + done.rel if "full" in products else None,
    )


def picture_html(picture: Picture, alt: str, role: str, eager: bool, css_class: str = "", **extra: str) -> str:
    """<picture> with a <source> per better format and the fallback <img>, its width, height and sizes."""
    sizes = SIZES[role]
    attrs = [
        ("src", picture.src),
        ("srcset", picture.srcset),
        ("sizes", sizes),
        ("width", str(picture.width)),
        ("height", str(picture.height)),
        ("alt", alt),
        *extra.items(),
    ]
    if css_class:
        attrs.insert(0, ("class", css_class))
    if not eager:
        attrs += [("loading", "lazy"), ("decoding", "async")]
    sources = "".join(
        f'<source type="{kind}" srcset="{html.escape(srcset)}" sizes="{sizes}">' for kind, srcset in picture.sources
    )
    img = "<img " + " ".join(f'{name}="{html.escape(value)}"' for name, value in attrs) + ">"
    return f"<picture>{sources}{img}</picture>"


def social_image(item: Item | None, site: Site) -> str | None:
    """The absolute URL of the picture shown when a link to this item (or, with None, to any other page) is
    shared: its own image's 1200 x 630 crop, else the site's default image's, else None. For og:image, and
    for JSON-LD's `image`."""
    for image in ((item.image if item is not None else None), site.default_image):
        if image is not None and image.picture is not None and image.picture.social:
            return site.config.absolute(image.picture.social)
    return None


def image_of(image: dict[str, Any] | None, pictures: dict[str, Picture]) -> Image | None:
    """A validated `image` field as the model's Image, with its Picture when the stage made one."""
    if not image:
        return None
    picture = pictures.get(image["src"])
    if picture is not None and picture.download and not image.get("download"):
        picture = dataclasses.replace(picture, download=None)  # another page asked for it, not this one
    return Image("/" + image["src"], image.get("alt", ""), picture)
