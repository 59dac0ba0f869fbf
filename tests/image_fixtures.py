"""Images as editors upload them, made with Pillow: a phone photo with GPS, camera and XMP data turned by an
EXIF Orientation flag, a screenshot, a WebP, and a site that shows them (in fields and in bodies)."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from PIL import Image, ImageCms, ImageDraw, PngImagePlugin

# What must never be published: where the photo was taken, with what, by whom.
CAMERA_MAKE = "Apple"
CAMERA_MODEL = "iPhone 15 Pro"
ARTIST = "Jane Resident"
GPS = {1: "N", 2: (53.0, 48.0, 3.51), 3: "W", 4: (1.0, 32.0, 55.2), 5: 0, 6: 42.0}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Jane Resident</dc:creator>'
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)
SECRETS = (CAMERA_MODEL.encode(), ARTIST.encode(), b"xmpmeta", b"Exif\x00\x00", b"Hill Street")

UPRIGHT = (3024, 4032)  # the phone held upright: taller than wide
TOP, BOTTOM = (200, 40, 40), (40, 60, 200)  # the photo's top is red, its bottom blue


def _texture(size: tuple[int, int]) -> Image.Image:
    """Detail at several scales, as leaves, brick and fabric give a photo: noise at 1/64, 1/16, 1/4 and full
    size, blended."""
    width, height = size
    texture = None
    for octave, weight in ((64, 0.35), (16, 0.3), (4, 0.2), (1, 0.15)):
        layer = Image.effect_noise((max(1, width // octave), max(1, height // octave)), 60).resize(
            size, Image.Resampling.BICUBIC
        )
        texture = layer if texture is None else Image.blend(texture, layer, weight / (weight + 0.5))
    assert texture is not None
    return texture


def _photo_pixels(size: tuple[int, int]) -> Image.Image:
    """Something like a photo: light and shade across the frame, and detail at every scale (a flat test card
    would compress to nothing and prove nothing). A 12-megapixel one saves as a JPEG of about 4 MB at quality
    92, as phones' photos are."""
    light = Image.linear_gradient("L").resize(size)
    shade = Image.radial_gradient("L").resize(size)
    detail = _texture(size)
    return Image.merge(
        "RGB",
        (
            Image.blend(light, detail, 0.55),
            Image.blend(shade, detail.transpose(Image.Transpose.FLIP_LEFT_RIGHT), 0.55),
            Image.blend(light, detail.transpose(Image.Transpose.FLIP_TOP_BOTTOM), 0.45),
        ),
    )


def phone_photo() -> bytes:
    """A 12-megapixel phone JPEG, stored on its side with Orientation 6 (turn 90 degrees clockwise to show),
    carrying GPS, camera, artist, XMP, an ICC profile and a comment."""
    upright = _photo_pixels(UPRIGHT)
    draw = ImageDraw.Draw(upright)
    draw.rectangle((0, 0, UPRIGHT[0], UPRIGHT[1] // 6), fill=TOP)
    draw.rectangle((0, UPRIGHT[1] * 5 // 6, UPRIGHT[0], UPRIGHT[1]), fill=BOTTOM)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as the sensor saw it; Orientation 6 undoes this
    exif = Image.Exif()
    exif[0x010F] = CAMERA_MAKE
    exif[0x0110] = CAMERA_MODEL
    exif[0x013B] = ARTIST
    exif[0x0112] = 6
    exif.get_ifd(0x8825).update(GPS)
    out = io.BytesIO()
    stored.save(
        out,
        "JPEG",
        quality=92,
        exif=exif.tobytes(),
        xmp=XMP,
        comment=b"Taken at 12 Hill Street",
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    return out.getvalue()


def screenshot() -> bytes:
    """A screenshot: flat colours, hard edges, lettering-like bars, with a text chunk naming its author."""
    image = Image.new("RGB", (1440, 900), (246, 246, 246))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1440, 72), fill=(17, 60, 120))
    for row in range(14):
        y = 120 + row * 52
        draw.rectangle((80, y, 80 + 300 + (row * 97) % 700, y + 18), fill=(30, 30, 30))
        draw.rectangle((80, y + 26, 1100, y + 30), fill=(200, 200, 200))
    draw.rectangle((1140, 140, 1360, 200), fill=(0, 112, 60))
    for x in range(0, 1440, 4):  # one-pixel detail that lossy chroma would smear
        draw.point((x, 80), fill=(255, 0, 0))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", ARTIST)
    info.add_text("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, exif=_camera_exif().tobytes())
    return out.getvalue()


def webp_photo() -> bytes:
    """A WebP photo with EXIF (camera and GPS) and XMP."""
    out = io.BytesIO()
    _photo_pixels((1600, 1000)).save(out, "WEBP", quality=90, exif=_camera_exif().tobytes(), xmp=XMP)
    return out.getvalue()


def _camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = CAMERA_MAKE
    exif[0x0110] = CAMERA_MODEL
    exif.get_ifd(0x8825).update(GPS)
    return exif


def write_image_site(content: Path) -> None:
    """A site with the three images: the phone photo as an event's image (offered for download), the
    screenshot in a story's body (written as GitHub's editor writes it, from the file) and in a page's (from
    the content folder), the WebP as a story's image; a site default picture for the pages without one."""

    def write(rel: str, text: str) -> None:
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def write_bytes(rel: str, data: bytes) -> None:
        path = content / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    write_bytes("media/photos/hall.jpg", phone_photo())
    write_bytes("media/screens/booking.png", screenshot())
    write_bytes("media/photos/garden.webp", webp_photo())
    write(
        "site.yaml",
        """
        title: Image site
        base_url: https://images.example.org/
        image: media/photos/garden.webp
        """,
    )
    write(
        "events/open-evening.md",
        """
        ---
        title: Open evening at the hall
        summary: Come and see the hall, meet the volunteers and hear what is planned for the year.
        start: 2027-03-04 18:00
        end: 2027-03-04 20:00
        format: in-person
        published: 2027-01-05
        venue:
          name: Hillside Community Centre
          address: 1 Hill Street, Leeds
          postcode: LS1 1AA
        image:
          src: media/photos/hall.jpg
          alt: Volunteers setting out chairs in the hall
          download: true
        ---

        ## What happens

        Tea, a tour of the hall, and a chance to sign up. Book with the form:

        ![The booking form, with the name and email fields filled in](media/screens/booking.png)
        """,
    )
    write(
        "stories/community-garden.md",
        """
        ---
        title: The community garden
        summary: How residents turned a car park into a garden that feeds forty families.
        published: 2027-01-10
        image:
          src: media/photos/garden.webp
          alt: Raised beds of vegetables between two blocks of flats
        ---

        The garden began with a survey. Residents booked their plots online:

        ![The plot booking page](../media/screens/booking.png)

        And the first harvest came in August.
        """,
    )
    write(
        "pages/how-to-book.md",
        """
        ---
        title: How to book
        summary: Booking a place at an event, step by step.
        ---

        Fill in the form on the event's page:

        ![The booking form](media/screens/booking.png)

        We send a confirmation by email.
        """,
    )
