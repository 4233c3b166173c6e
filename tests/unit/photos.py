"""Images as cameras, phones and editors write them: full of what a user may not mean to share.

Each builder makes a real file with Pillow and then adds, byte by byte where Pillow has
no option for it, the metadata found in the wild: EXIF with a GPS position, the camera's
serial number and a maker note; XMP; IPTC; comments and PNG text chunks; a JFIF
thumbnail; private chunks; and, when asked, bytes after the image's end. Every piece
carries a marker from :data:`SECRETS`, so a test can check that none survives.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image, ImageCms, ImageSequence, PngImagePlugin

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
ORIENTATION = 0x0112
SECRETS = (b"GPS-SECRET", b"SERIAL-0042", b"MAKERNOTE-SECRET", b"XMP-SECRET", b"IPTC-SECRET",
           b"COMMENT-SECRET", b"TEXT-SECRET", b"THUMBNAIL-SECRET", b"PRIVATE-SECRET",
           b"Camera Maker Inc")
SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
       b'creator="XMP-SECRET"/></rdf:RDF></x:xmpmeta>')


def picture(size: tuple[int, int] = (40, 30), mode: str = "RGB") -> Image.Image:
    """An image with detail in it (a gradient and a block), so pixels can be compared."""
    image = Image.linear_gradient("L").resize(size).convert(mode)
    image.paste(Image.new(mode, (size[0] // 3 or 1, size[1] // 3 or 1), "white"), (1, 1))
    return image


def exif_block(orientation: int | None = 6) -> Image.Exif:
    """EXIF with a GPS position, a camera, a serial number, a maker note and an orientation."""
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker Inc"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    details = exif.get_ifd(EXIF_IFD)
    details[0xA431] = "SERIAL-0042"  # BodySerialNumber
    details[0x927C] = b"MAKERNOTE-SECRET THUMBNAIL-SECRET"  # MakerNote
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (52.0, 22.0, 7.5)
    gps[3], gps[4] = "E", (4.0, 53.0, 12.25)
    gps[27] = b"ASCII\x00\x00\x00GPS-SECRET"  # GPSProcessingMethod
    return exif


def zip_archive() -> bytes:
    """A small ZIP file: what a polyglot appends to an image."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.txt", "run me")
    return buffer.getvalue()


HTML = b"<html><script>alert('polyglot')</script></html>"


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _iptc() -> bytes:
    record = b"\x1c\x02\x50" + struct.pack(">H", 11) + b"IPTC-SECRET"  # 2:80 By-line
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(record))
    return _jpeg_segment(0xED, b"Photoshop 3.0\x00" + resource + record + b"\x00")


def jpeg_photo(*, orientation: int | None = 6, trailing: bytes = b"", mode: str = "RGB",
               progressive: bool = False) -> bytes:
    """A JPEG as a phone writes it, plus IPTC, a comment, a JFIF thumbnail, MPF and a
    vendor segment."""
    buffer = io.BytesIO()
    extra = (_iptc() + _jpeg_segment(0xE2, b"FPXR\x00\x00PRIVATE-SECRET")
             + _jpeg_segment(0xEC, b"Ducky\x00PRIVATE-SECRET"))
    picture(mode=mode).save(buffer, "JPEG", exif=exif_block(orientation), xmp=XMP,
                            comment=b"COMMENT-SECRET", icc_profile=SRGB_PROFILE, extra=extra,
                            progressive=progressive, quality=90)
    return with_jfif_thumbnail(buffer.getvalue()) + trailing


def with_jfif_thumbnail(jpeg: bytes) -> bytes:
    """The JPEG with its JFIF segment carrying a 4x1 thumbnail (and a JFXX one after it).

    A JPEG without JFIF (Pillow writes none for CMYK) comes back as it was.
    """
    if jpeg[2:4] != b"\xff\xe0" or jpeg[6:11] != b"JFIF\x00":
        return jpeg
    length = struct.unpack(">H", jpeg[4:6])[0]
    jfif = jpeg[6:6 + 12] + bytes([4, 1]) + b"THUMBNAIL-SECRET"[:12]
    jfxx = b"JFXX\x00\x13" + bytes([1, 1]) + b"THUMBNAIL-SECRET"[:3]
    return (jpeg[:2] + _jpeg_segment(0xE0, jfif) + _jpeg_segment(0xE0, jfxx)
            + jpeg[4 + length:])


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    """One PNG chunk with its CRC."""
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_photo(*, orientation: int | None = 6, trailing: bytes = b"", mode: str = "RGB",
              frames: int = 1) -> bytes:
    """A PNG as editors write it: tEXt, zTXt, iTXt (XMP), eXIf, tIME, a private chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "TEXT-SECRET")
    info.add_text("Comment", "COMMENT-SECRET", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode(), zip=False)
    info.add(b"tIME", struct.pack(">HBBBBB", 2024, 5, 17, 9, 30, 0))
    info.add(b"prVt", b"PRIVATE-SECRET")
    buffer = io.BytesIO()
    first = picture(mode=mode)
    more = [picture(mode=mode).rotate(90 * n) for n in range(1, frames)]
    first.save(buffer, "PNG", pnginfo=info, exif=exif_block(orientation),
               icc_profile=SRGB_PROFILE if mode in ("RGB", "RGBA") else None,
               save_all=frames > 1, append_images=more)
    return buffer.getvalue() + trailing


def gif_photo(*, trailing: bytes = b"", frames: int = 2) -> bytes:
    """An animated GIF with a comment, an XMP application block and a plain-text block."""
    images = [picture().rotate(90 * n).convert("P") for n in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=frames > 1, append_images=images[1:], loop=0,
                   duration=80, comment=b"COMMENT-SECRET")
    data = buffer.getvalue()
    assert data.endswith(b";")
    xmp = b"\x21\xff\x0bXMP DataXMP" + _sub_blocks(XMP) + b"\x00"
    text = b"\x21\x01\x0c" + bytes(12) + _sub_blocks(b"TEXT-SECRET") + b"\x00"
    return data[:-1] + xmp + text + b";" + trailing


def _sub_blocks(payload: bytes) -> bytes:
    return b"".join(bytes([len(payload[i:i + 255])]) + payload[i:i + 255]
                    for i in range(0, len(payload), 255))


def webp_photo(*, orientation: int | None = 6, trailing: bytes = b"", lossless: bool = False,
               frames: int = 1, mode: str = "RGB") -> bytes:
    """A WebP with EXIF, XMP, an ICC profile and an unknown chunk inside the RIFF."""
    buffer = io.BytesIO()
    first = picture(mode=mode)
    more = [picture(mode=mode).rotate(90 * n) for n in range(1, frames)]
    first.save(buffer, "WEBP", exif=exif_block(orientation).tobytes(), xmp=XMP,
               icc_profile=SRGB_PROFILE, lossless=lossless, save_all=frames > 1,
               append_images=more, quality=90)
    data = buffer.getvalue()
    unknown = b"PRVT" + struct.pack("<I", 14) + b"PRIVATE-SECRET"
    body = data[12:] + unknown
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body + trailing


def frames_of(data: bytes) -> list[tuple[str, tuple[int, int], bytes]]:
    """Every frame's mode, size and pixels (as RGBA), as Pillow decodes the file."""
    with Image.open(io.BytesIO(data)) as image:
        return [(frame.mode, frame.size, frame.convert("RGBA").tobytes())
                for frame in ImageSequence.Iterator(image)]


def exif_of(data: bytes) -> dict[int, object]:
    """The EXIF tags Pillow reads from the file, GPS and Exif directories included."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        found: dict[int, object] = dict(exif)
        for ifd in (GPS_IFD, EXIF_IFD):
            found.update({(ifd << 16) | tag: value for tag, value in exif.get_ifd(ifd).items()})
        return found


def info_of(data: bytes) -> dict[str, object]:
    """What Pillow reports about the file besides its pixels."""
    with Image.open(io.BytesIO(data)) as image:
        return dict(image.info)
