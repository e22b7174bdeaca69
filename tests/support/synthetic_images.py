"""Small synthetic gray PNG images for the Python end-to-end checks (browser, Label Studio).

Written with zlib only, so the checks need no imaging package. Each image is a smooth blob whose
centre and brightness depend on its index, so embeddings of the images form clusters.
"""
import math
import struct
import zlib
from pathlib import Path


def write_png(path: Path, pixels: list[list[int]]) -> None:
    """Writes 8-bit gray `pixels` (rows of 0..255) as a PNG file."""
    h, w = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" +
                           chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)) +
                           chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def blob_image(i: int, size: int = 48, groups: int = 4) -> list[list[int]]:
    """Image i: a bright disc in one of `groups` positions, slightly moved per image."""
    g = i % groups
    cx = size * (0.25 + 0.5 * (g % 2)) + (i % 3) - 1
    cy = size * (0.25 + 0.5 * (g // 2)) + (i % 5) / 2 - 1
    rad = size * 0.18
    return [[max(0, min(255, int(30 + 200 * math.exp(-((x - cx) ** 2 + (y - cy) ** 2) /
                                                     (2 * rad * rad)))))
             for x in range(size)] for y in range(size)]


def write_pool(folder: Path, names: list[str], size: int = 48) -> list[Path]:
    """Writes one blob image per name (file name as given) into `folder`; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, name in enumerate(names):
        p = folder / name
        write_png(p, blob_image(i, size))
        paths.append(p)
    return paths
