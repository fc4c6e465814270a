#!/usr/bin/env python3
"""mkasset.py - generate game assets for the asset chunker's tests and bench.

Every file is deterministic (its bytes depend only on the arguments), made
of pseudo-random payloads so that FastCDC finds cut points in it, with
options for the edits the tests compare (an edited region, a grown header,
a retouched mip level, a changed or reordered archive entry, one mesh
changed):

  mkasset.py wav OUT [--seconds S] [--list TEXT] [--edit SECOND]
  mkasset.py png OUT [--width W] [--height H] [--idat N]
  mkasset.py glb OUT [--meshes N] [--change K]
  mkasset.py zip OUT [--entries N] [--size BYTES] [--change K] [--reverse]
  mkasset.py dds OUT [--width W] [--height H] [--retouch LEVEL]
  mkasset.py ktx2 OUT [--width W] [--height H] [--retouch LEVEL]
  mkasset.py obj OUT [--objects N] [--change K]

--seed picks other content. The DDS is DXT1 with a full mip chain; the
KTX2 is R8G8B8A8 (no supercompression) with levels stored smallest first,
as the KTX2 spec recommends.
"""
import argparse
import json
import random
import struct
import wave
import zipfile
import zlib


def payload(seed, name, n):
    return random.Random("%s/%s" % (seed, name)).randbytes(n)


def retouch(data, seed, start, n):
    """Overwrite n bytes at start with other pseudo-random bytes."""
    patch = payload(seed, "retouch%d" % start, n)
    return data[:start] + patch + data[start + n:]


def wav(a):
    rate = 44100
    frames = payload(a.seed, "pcm", int(a.seconds * rate) * 4)
    if a.edit is not None:
        frames = retouch(frames, a.seed, int(a.edit * rate) * 4, 4096)
    with wave.open(a.out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    if a.list:
        # a LIST/INFO chunk before "data", as editors add one
        with open(a.out, "rb") as f:
            d = f.read()
        text = a.list.encode() + b"\0"
        if len(text) % 2:
            text += b"\0"
        info = b"INFO" + b"ICMT" + struct.pack("<I", len(text)) + text
        chunk = b"LIST" + struct.pack("<I", len(info)) + info
        i = d.index(b"data")
        d = d[:i] + chunk + d[i:]
        d = d[:4] + struct.pack("<I", len(d) - 8) + d[8:]
        with open(a.out, "wb") as f:
            f.write(d)


def png_chunk(kind, data):
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))


def png(a):
    # random pixels do not compress: the IDAT stream is about w*h*3 bytes
    raw = b"".join(b"\0" + payload(a.seed, "row%d" % y, a.width * 3)
                   for y in range(a.height))
    z = zlib.compress(raw, 1)
    out = b"\x89PNG\r\n\x1a\n"
    out += png_chunk(b"IHDR", struct.pack(">IIBBBBB", a.width, a.height,
                                          8, 2, 0, 0, 0))
    out += png_chunk(b"tEXt", b"Software\0mkasset.py")
    for i in range(0, len(z), a.idat):
        out += png_chunk(b"IDAT", z[i:i + a.idat])
    out += png_chunk(b"IEND", b"")
    with open(a.out, "wb") as f:
        f.write(out)


def glb(a):
    views, blob = [], b""
    for m in range(a.meshes):
        data = payload(a.seed, "mesh%d" % m, 96 * 1024)
        if a.change == m:
            data = retouch(data, a.seed, 1000, 20000)
        views.append({"buffer": 0, "byteOffset": len(blob),
                      "byteLength": len(data)})
        blob += data
    doc = {"asset": {"version": "2.0", "generator": "mkasset.py"},
           "buffers": [{"byteLength": len(blob)}], "bufferViews": views,
           "meshes": [{"name": "mesh%d" % m} for m in range(a.meshes)]}
    js = json.dumps(doc).encode()
    js += b" " * (-len(js) % 4)
    blob += b"\0" * (-len(blob) % 4)
    out = struct.pack("<4sII", b"glTF", 2, 12 + 8 + len(js) + 8 + len(blob))
    out += struct.pack("<I4s", len(js), b"JSON") + js
    out += struct.pack("<I4s", len(blob), b"BIN\0") + blob
    with open(a.out, "wb") as f:
        f.write(out)


def zipf(a):
    names = ["textures/t%02d.png" % i for i in range(a.entries)]
    order = list(reversed(names)) if a.reverse else names
    with zipfile.ZipFile(a.out, "w", zipfile.ZIP_STORED) as z:
        for n in order:
            data = payload(a.seed, n, a.size)
            if a.change is not None and n == names[a.change]:
                data = retouch(data, a.seed, a.size // 3, 8192)
            info = zipfile.ZipInfo(n, date_time=(2026, 1, 1, 0, 0, 0))
            z.writestr(info, data)


def levels(w, h):
    out = []
    while True:
        out.append((w, h))
        if w == 1 and h == 1:
            return out
        w, h = max(1, w // 2), max(1, h // 2)


def dds(a):
    lv = levels(a.width, a.height)
    hdr = bytearray(128)
    hdr[0:4] = b"DDS "
    struct.pack_into("<IIIIIII", hdr, 4, 124, 0x1 | 0x2 | 0x4 | 0x1000 |
                     0x20000 | 0x80000, a.height, a.width,
                     max(1, (a.width + 3) // 4) * 8, 0, len(lv))
    struct.pack_into("<II4s", hdr, 76, 32, 0x4, b"DXT1")
    struct.pack_into("<I", hdr, 108, 0x1000 | 0x400000 | 0x8)
    out = bytes(hdr)
    for i, (w, h) in enumerate(lv):
        data = payload(a.seed, "mip%d" % i,
                       max(1, (w + 3) // 4) * max(1, (h + 3) // 4) * 8)
        if a.retouch == i:
            data = retouch(data, a.seed, len(data) // 2,
                           min(4096, len(data) // 4))
        out += data
    with open(a.out, "wb") as f:
        f.write(out)


def ktx2(a):
    lv = levels(a.width, a.height)
    n = len(lv)
    dfd = struct.pack("<I", 44) + payload(a.seed, "dfd", 40)
    kvd = b"\x12\0\0\0KTXwriter\0mkasset\0\0\0"
    start = 80 + 24 * n
    dfd_off, kvd_off = start, start + len(dfd)
    pos = kvd_off + len(kvd)
    data, index = {}, [None] * n
    for i in reversed(range(n)):          # smallest level first in the file
        w, h = lv[i]
        d = payload(a.seed, "level%d" % i, w * h * 4)
        if a.retouch == i:
            d = retouch(d, a.seed, len(d) // 2, min(4096, len(d) // 4))
        pos += -pos % 16
        index[i] = (pos, len(d))
        data[pos] = d
        pos += len(d)
    out = bytearray(pos)
    out[0:12] = b"\xabKTX 20\xbb\r\n\x1a\n"
    struct.pack_into("<9I", out, 12, 37, 1, a.width, a.height, 0, 0, 1, n, 0)
    struct.pack_into("<IIIIQQ", out, 48, dfd_off, len(dfd), kvd_off,
                     len(kvd), 0, 0)
    for i, (o, ln) in enumerate(index):
        struct.pack_into("<QQQ", out, 80 + 24 * i, o, ln, ln)
    out[dfd_off:dfd_off + len(dfd)] = dfd
    out[kvd_off:kvd_off + len(kvd)] = kvd
    for o, d in data.items():
        out[o:o + len(d)] = d
    with open(a.out, "wb") as f:
        f.write(bytes(out))


def obj(a):
    rng = random.Random("%s/obj" % a.seed)
    lines = ["# mkasset.py", "mtllib scene.mtl"]
    for k in range(a.objects):
        r = random.Random("%s/o%d/%s" % (a.seed, k, a.change == k))
        lines.append("o Object%d" % k)
        for _ in range(2000):
            lines.append("v %.6f %.6f %.6f" % (r.random(), r.random(),
                                               r.random()))
        for i in range(1, 1999):
            lines.append("f %d %d %d" % (i, i + 1, i + 2))
    rng.random()
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("kind", choices=["wav", "png", "glb", "zip", "dds",
                                    "ktx2", "obj"])
    p.add_argument("out")
    p.add_argument("--seed", default="1")
    p.add_argument("--seconds", type=float, default=4)
    p.add_argument("--list")
    p.add_argument("--edit", type=float)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--height", type=int, default=512)
    p.add_argument("--idat", type=int, default=65536)
    p.add_argument("--meshes", type=int, default=8)
    p.add_argument("--entries", type=int, default=8)
    p.add_argument("--size", type=int, default=200000)
    p.add_argument("--change", type=int)
    p.add_argument("--reverse", action="store_true")
    p.add_argument("--retouch", type=int)
    p.add_argument("--objects", type=int, default=6)
    a = p.parse_args()
    {"wav": wav, "png": png, "glb": glb, "zip": zipf, "dds": dds,
     "ktx2": ktx2, "obj": obj}[a.kind](a)


if __name__ == "__main__":
    main()
