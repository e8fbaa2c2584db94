"""check-plot.py PNG WIDTH HEIGHT SVG TEXT: the PNG's signature and size,
that it holds more than a background (some pixels of another colour), and
that the SVG is an SVG that draws TEXT's glyphs or names it."""
import struct
import sys
import zlib

png, width, height, svg, text = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
data = open(png, "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (width, height), f"PNG is {w} x {h}, expected {width} x {height}"
# Concatenate the IDAT chunks and count the distinct bytes of the pixels.
pos, idat = 8, b""
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + length]
    pos += 12 + length
pixels = zlib.decompress(idat)
assert len(set(pixels)) > 20, "the PNG is nearly one colour"
print("png ok", end=", ")
body = open(svg, encoding="utf-8").read()
assert "<svg" in body and "</svg>" in body, "not an SVG"
# cairo writes text as glyph outlines; the title's glyphs are there either way.
assert "<symbol" in body or text in body, f"the SVG has no text"
print("svg ok")
