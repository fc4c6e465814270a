#!/usr/bin/env python3
"""make-blend.py - write a small but real .blend file for the asset tests.

The file has what Blender writes: the header, a REND block, ID blocks
(Image, Library, VFont, bSound, MovieClip, CacheFile, Volume) laid out as
the DNA1 block at the end describes them, some DATA blocks, and ENDB. The
struct and field names are Blender's own (DNA_image_types.h, ...); the
structs carry a subset of Blender's fields, which is all a reader that
goes by the DNA may assume.

usage: make-blend.py [--ptr 4|8] [--big] [--large] [--old-names]
                     [--zstd | --gzip] [--lie WHAT] OUT

  --ptr 4|8    pointer size (header '_' or '-'); default 8
  --big        big-endian ('V'); default little-endian
  --large      Blender 5's header "BLENDER17-01v0500" and LargeBHead8
  --old-names  Blender 2.7x names: Image.name[1024], Library.name[1024]
               (stored path) next to Library.filepath (absolute, runtime)
  --zstd       compress as Blender 3+ does: several zstd frames and a
               skippable seek-table frame (needs the zstd command)
  --gzip       compress with gzip, as Blender 2.x did
  --lie WHAT   make the file lie: block-length (a block claims more than
               the file holds), dna-index (a field names a type past the
               type table), dna-count (the NAME table claims 2^31-1
               entries), sdna (an Image block names struct 999),
               count (an Image block claims 2^31-1 structs), struct-size
               (TLEN of Image disagrees with its fields), truncate (cut
               the file in the middle of the DNA), no-endb, no-dna,
               bomb (zstd only: a block of 3 GiB of zeros)

The references written, and what a reader must report, are listed in
EXPECTED below (printed with --expected).
"""
import gzip
import os
import struct
import subprocess
import sys
import tempfile

# (kind, target): what a reader reports, in file order
EXPECTED = [
    ("image", "textures/wood.png"),
    ("image", "textures/skin.<UDIM>.png"),
    ("image", "/home/artist/refs/sky.exr"),
    ("image", "textures/win/bark.png"),
    ("library", "lib/props.blend"),
    ("font", "fonts/Title.ttf"),
    ("sound", "audio/step.wav"),
    ("movieclip", "footage/plate.mov"),
    ("cache", "cache/sim.abc"),
    ("volume", "vdb/smoke.vdb"),
]

IMA_SRC_FILE, IMA_SRC_GENERATED, IMA_SRC_TILED = 1, 4, 6


def structs(old_names):
    """Blender's struct definitions (a subset of each struct's fields)."""
    idf = [("void", "*next"), ("void", "*prev"), ("ID", "*newid"),
           ("Library", "*lib"), ("char", "name[66]"), ("short", "flag"),
           ("int", "tag"), ("int", "us"), ("int", "icon_id"),
           ("int", "recalc")]
    path = "name[1024]" if old_names else "filepath[1024]"
    if old_names:
        lib = [("ID", "id"), ("FileData", "*filedata"),
               ("char", "name[1024]"), ("char", "filepath[1024]"),
               ("Library", "*parent"), ("PackedFile", "*packedfile")]
    else:
        lib = [("ID", "id"), ("FileData", "*filedata"),
               ("char", "filepath[1024]"), ("char", "filepath_abs[1024]"),
               ("Library", "*parent"), ("PackedFile", "*packedfile")]
    return [
        ("ID", idf),
        ("ListBase", [("void", "*first"), ("void", "*last")]),
        ("PackedFile", [("int", "size"), ("int", "seek"),
                        ("void", "*data")]),
        ("Library", lib),
        ("Image", [("ID", "id"), ("char", path),
                   ("MovieCache", "*cache"), ("GPUTexture", "*gputexture[3][2]"),
                   ("PackedFile", "*packedfile"), ("ListBase", "packedfiles"),
                   ("short", "source"), ("short", "type"),
                   ("int", "lastframe"), ("float", "gen_color[4]")]),
        ("VFont", [("ID", "id"), ("char", path), ("VFontData", "*data"),
                   ("PackedFile", "*packedfile"),
                   ("PackedFile", "*temp_pf")]),
        ("bSound", [("ID", "id"), ("char", path),
                    ("PackedFile", "*packedfile"),
                    ("PackedFile", "*newpackedfile"), ("float", "volume"),
                    ("int", "flags")]),
        ("MovieClip", [("ID", "id"), ("AnimData", "*adt"),
                       ("char", path), ("int", "source"),
                       ("int", "lastframe")]),
        ("CacheFile", [("ID", "id"), ("AnimData", "*adt"),
                       ("ListBase", "object_paths"),
                       ("char", "filepath[1024]"), ("char", "is_sequence"),
                       ("char", "forward_axis"), ("char", "up_axis"),
                       ("char", "override_frame"), ("float", "scale")]),
        ("Volume", [("ID", "id"), ("AnimData", "*adt"),
                    ("char", "filepath[1024]"),
                    ("PackedFile", "*packedfile"), ("char", "is_sequence"),
                    ("char", "sequence_mode"), ("char", "_pad1[2]"),
                    ("int", "frame_start")]),
    ]


BASIC = {"char": 1, "uchar": 1, "short": 2, "int": 4, "float": 4,
         "void": 0}


class Writer:
    def __init__(self, ptr, big, old_names, lie):
        self.ptr = ptr
        self.e = ">" if big else "<"
        self.lie = lie
        self.defs = structs(old_names)
        self.types = list(BASIC)
        for name, fields in self.defs:
            if name not in self.types:
                self.types.append(name)
            for t, _ in fields:
                if t not in self.types:
                    self.types.append(t)
        self.names = []
        for _, fields in self.defs:
            for _, n in fields:
                if n not in self.names:
                    self.names.append(n)
        self.size = {}
        self.layout = {}
        for name, fields in self.defs:
            off = 0
            lay = {}
            for t, n in fields:
                sz = self.field_size(t, n)
                lay[n.lstrip("*").split("[")[0]] = (off, sz, t, n)
                off += sz
            self.size[name] = off
            self.layout[name] = lay
        self.sdna = {name: i for i, (name, _) in enumerate(self.defs)}

    def field_size(self, t, n):
        count = 1
        for part in n.split("[")[1:]:
            count *= int(part.rstrip("]"))
        if n.startswith("*") or n.startswith("("):
            return self.ptr * count
        if t in BASIC:
            return BASIC[t] * count
        return self.size[t] * count

    def pack_ptr(self, v):
        if self.ptr == 4:
            v &= 0xffffffff
        return struct.pack(self.e + ("I" if self.ptr == 4 else "Q"), v)

    def struct_bytes(self, sname, values):
        buf = bytearray(self.size[sname])
        lay = self.layout[sname]
        for key, v in values.items():
            off, sz, t, n = lay[key]
            if isinstance(v, bytes):
                buf[off:off + len(v)] = v
            elif n.startswith("*"):
                buf[off:off + self.ptr] = self.pack_ptr(v)
            elif t == "short":
                buf[off:off + 2] = struct.pack(self.e + "h", v)
            elif t == "int":
                buf[off:off + 4] = struct.pack(self.e + "i", v)
            elif t == "ListBase":
                buf[off:off + self.ptr] = self.pack_ptr(v)
        return bytes(buf)

    def id_block(self, sname, name, fields):
        idv = self.struct_bytes("ID", {"name": name.encode()})
        lay = self.layout[sname]
        data = bytearray(self.struct_bytes(sname, fields))
        data[lay["id"][0]:lay["id"][0] + len(idv)] = idv
        return bytes(data)

    def dna(self):
        e = self.e
        out = bytearray(b"SDNA")

        def align():
            while len(out) % 4:
                out.append(0)
        nnames = len(self.names)
        if self.lie == "dna-count":
            nnames = 0x7fffffff
        out += b"NAME" + struct.pack(e + "i", nnames)
        for n in self.names:
            out += n.encode() + b"\0"
        align()
        out += b"TYPE" + struct.pack(e + "i", len(self.types))
        for t in self.types:
            out += t.encode() + b"\0"
        align()
        out += b"TLEN"
        for t in self.types:
            size = BASIC.get(t, self.size.get(t, 0))
            if self.lie == "struct-size" and t == "Image":
                size += 8
            out += struct.pack(e + "h", size)
        align()
        out += b"STRC" + struct.pack(e + "i", len(self.defs))
        for name, fields in self.defs:
            out += struct.pack(e + "hh", self.types.index(name), len(fields))
            for t, n in fields:
                ti = self.types.index(t)
                if self.lie == "dna-index" and name == "Image" and \
                        n == "source":
                    ti = len(self.types) + 40
                out += struct.pack(e + "hh", ti, self.names.index(n))
        return bytes(out)


def build(args):
    ptr, big, large = args["ptr"], args["big"], args["large"]
    lie = args["lie"]
    if large:
        ptr, big = 8, False
    w = Writer(ptr, big, args["old_names"], lie)
    e = w.e
    addr = [0x7f3a10000000]

    def bhead(code, length, sdna, nr):
        addr[0] += 0x1000
        code = code.encode().ljust(4, b"\0")
        if large:
            return code + struct.pack(e + "iQqq", sdna, addr[0], length, nr)
        return code + struct.pack(e + "i", length) + w.pack_ptr(addr[0]) + \
            struct.pack(e + "ii", sdna, nr)

    blocks = []

    def block(code, data, sname=None, nr=1):
        sdna = w.sdna[sname] if sname else 0
        blocks.append(bhead(code, len(data), sdna, nr) + data)

    if large:
        out = bytearray(b"BLENDER17-01v0500")
    else:
        out = bytearray(b"BLENDER" + (b"_" if ptr == 4 else b"-") +
                        (b"V" if big else b"v") + b"304")
    block("REND", b"\0" * 8 + b"Scene".ljust(64, b"\0"))
    images = [
        ("IMwood.png", b"//textures/wood.png", IMA_SRC_FILE, 0),
        ("IMskin", b"//textures/skin.1001.png", IMA_SRC_TILED, 0),
        ("IMpacked.png", b"//textures/packed.png", IMA_SRC_FILE, 1),
        ("IMUntitled", b"", IMA_SRC_GENERATED, 0),
        ("IMnofile", b"", IMA_SRC_FILE, 0),
        ("IMslashes", b"//", IMA_SRC_FILE, 0),
        ("IMsky.exr", b"/home/artist/refs/sky.exr", IMA_SRC_FILE, 0),
        ("IMbark.png", b"//textures\\win\\bark.png", IMA_SRC_FILE, 0),
        ("IMpacked2.png", b"//textures/packed2.png", IMA_SRC_FILE, 2),
    ]
    path = "name" if args["old_names"] else "filepath"
    for name, fp, src, packed in images:
        f = {path: fp, "source": src}
        if packed == 1:
            f["packedfile"] = 0x7f3a20000010
        if packed == 2:
            f["packedfiles"] = 0x7f3a20000020
        block("IM", w.id_block("Image", name, f), "Image")
        block("DATA", b"\x01" * 24)
    if args["old_names"]:
        lib = {"name": b"//lib/props.blend",
               "filepath": b"/home/artist/proj/lib/props.blend"}
    else:
        lib = {"filepath": b"//lib/props.blend",
               "filepath_abs": b"/home/artist/proj/lib/props.blend"}
    block("LI", w.id_block("Library", "LIprops.blend", lib), "Library")
    block("VF", w.id_block("VFont", "VFBfont", {path: b"<builtin>"}),
          "VFont")
    block("VF", w.id_block("VFont", "VFTitle", {path: b"//fonts/Title.ttf"}),
          "VFont")
    block("SO", w.id_block("bSound", "SOstep", {path: b"//audio/step.wav"}),
          "bSound")
    block("MC", w.id_block("MovieClip", "MCplate",
                           {path: b"//footage/plate.mov"}), "MovieClip")
    block("CF", w.id_block("CacheFile", "CFsim",
                           {"filepath": b"//cache/sim.abc"}), "CacheFile")
    block("VO", w.id_block("Volume", "VOsmoke",
                           {"filepath": b"//vdb/smoke.vdb"}), "Volume")
    if lie == "sdna":
        blocks.append(bhead("IM", w.size["Image"], 999, 1) +
                      w.id_block("Image", "IMx", {path: b"//x.png"}))
    if lie == "count":
        blocks.append(bhead("IM", w.size["Image"], w.sdna["Image"],
                            0x7fffffff) +
                      w.id_block("Image", "IMx", {path: b"//x.png"}))
    for b in blocks:
        out += b
    if lie == "block-length":
        out += bhead("DATA", 0x7ffffff0, 0, 1) + b"\0" * 64
    if lie == "bomb":
        # two blocks of 1.5 GiB of zeros: streamed, never held in memory
        bomb = [bytes(out), bhead("DATA", 3 << 29, 0, 1), 3 << 29,
                bhead("DATA", 3 << 29, 0, 1), 3 << 29]
        return bomb, w
    if lie != "no-dna":
        dna = w.dna()
        out += bhead("DNA1", len(dna), 0, 1) + dna
    if lie == "truncate":
        return [bytes(out[:len(out) - 300])], w
    if lie != "no-endb":
        out += bhead("ENDB", 0, 0, 0)
    return [bytes(out)], w


def zstd_frames(pieces, out):
    """Compress each piece as zstd frames (bytes: in three frames; an
    int: that many zero bytes), then add a skippable frame as Blender's
    seek table does."""
    with open(out, "wb") as f:
        for p in pieces:
            f.flush()
            if isinstance(p, int):
                # zeros: one frame of 64 MiB, repeated (frames concatenate)
                unit = 64 << 20
                frame = subprocess.run(["zstd", "-q", "-1", "-c"],
                                       input=bytes(unit), check=True,
                                       stdout=subprocess.PIPE).stdout
                for _ in range(p // unit):
                    f.write(frame)
                if p % unit:
                    f.write(subprocess.run(["zstd", "-q", "-c"],
                                           input=bytes(p % unit), check=True,
                                           stdout=subprocess.PIPE).stdout)
                continue
            third = max(1, len(p) // 3)
            for i in range(0, len(p), third):
                f.write(subprocess.run(["zstd", "-q", "-c"],
                                       input=p[i:i + third], check=True,
                                       stdout=subprocess.PIPE).stdout)
        f.write(struct.pack("<II", 0x184D2A5E, 9) + b"\0" * 5 +
                struct.pack("<I", 0x8F92EAB1))


def main(argv):
    args = {"ptr": 8, "big": False, "large": False, "old_names": False,
            "zstd": False, "gzip": False, "lie": None}
    out = None
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--ptr":
            i += 1
            args["ptr"] = int(argv[i])
        elif a == "--big":
            args["big"] = True
        elif a == "--large":
            args["large"] = True
        elif a == "--old-names":
            args["old_names"] = True
        elif a == "--zstd":
            args["zstd"] = True
        elif a == "--gzip":
            args["gzip"] = True
        elif a == "--lie":
            i += 1
            args["lie"] = argv[i]
        elif a == "--expected":
            for kind, target in EXPECTED:
                print(kind, target)
            return 0
        elif a.startswith("-"):
            sys.exit(__doc__)
        else:
            out = a
        i += 1
    if not out or args["ptr"] not in (4, 8):
        sys.exit(__doc__)
    pieces, _ = build(args)
    if args["lie"] == "bomb" and not args["zstd"]:
        sys.exit("make-blend.py: --lie bomb needs --zstd")
    if args["zstd"]:
        zstd_frames(pieces, out)
        return 0
    data = b"".join(pieces)
    if args["gzip"]:
        data = gzip.compress(data)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(out) or ".")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
