#!/usr/bin/env python3
"""mklayered.py - OpenRaster and Krita files for the extract tests.

  mklayered.py ora OUT W H [LAYER...] [--member NAME=FILE] [--bomb NAME]
                           [--stack-xml FILE] [--merged FILE]
  mklayered.py kra OUT W H [LAYER...] [same options]

LAYER is PATH=FILE[@X,Y] for ORA (PATH "Group 1/Ink" nests the layer in
a stack named "Group 1"; FILE a PNG) and PATH=FILE[:NODETYPE] for Krita
(FILE: any bytes, stored as IMAGE/layers/layerN, with a .defaultpixel
beside it; NODETYPE paintlayer by default, also adjustmentlayer,
clonelayer, filelayer). Groups come first-seen, layers top first as
given. --member adds a raw member (a hostile name such as ../../x),
--bomb a 100 MiB member of zeros, --stack-xml uses FILE as stack.xml /
maindoc.xml instead of the generated one, --merged FILE is the
mergedimage.png (default: the first layer's file for ORA, a 1x1 PNG for
Krita). Made with python3's zipfile: mimetype first and stored.
"""
import struct
import sys
import zipfile
import zlib
from xml.sax.saxutils import quoteattr


def tiny_png():
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(b"\0\0\0\0\0")) + chunk(b"IEND", b""))


def tree_add(tree, parts, leaf):
    if len(parts) == 1:
        tree.append(("leaf", parts[0], leaf))
        return
    for kind, name, sub in tree:
        if kind == "group" and name == parts[0]:
            tree_add(sub, parts[1:], leaf)
            return
    sub = []
    tree.append(("group", parts[0], sub))
    tree_add(sub, parts[1:], leaf)


def main(argv):
    fmt, out, w, h = argv[0], argv[1], int(argv[2]), int(argv[3])
    layers, members, bombs = [], [], []
    stack_xml = merged = None
    i = 4
    while i < len(argv):
        a = argv[i]
        if a == "--member":
            name, _, f = argv[i + 1].partition("=")
            members.append((name, open(f, "rb").read()))
            i += 2
        elif a == "--bomb":
            bombs.append(argv[i + 1])
            i += 2
        elif a == "--stack-xml":
            stack_xml = open(argv[i + 1], "rb").read()
            i += 2
        elif a == "--merged":
            merged = open(argv[i + 1], "rb").read()
            i += 2
        else:
            layers.append(a)
            i += 1
    tree, files = [], []
    for n, spec in enumerate(layers):
        path, _, rest = spec.partition("=")
        if fmt == "ora":
            f, _, pos = rest.partition("@")
            x, y = (pos.split(",") if pos else ("0", "0"))
            src = "data/layer%d.png" % n
            files.append((src, open(f, "rb").read()))
            leaf = {"src": src, "x": x, "y": y}
        else:
            f, _, nodetype = rest.partition(":")
            fn = "layer%d" % (n + 2)
            files.append((fn, open(f, "rb").read()))
            leaf = {"filename": fn, "nodetype": nodetype or "paintlayer"}
        tree_add(tree, path.split("/"), leaf)

    def ora_xml(t, ind):
        s = ""
        for kind, name, sub in t:
            if kind == "group":
                s += '%s<stack name=%s>\n%s%s</stack>\n' % (
                    ind, quoteattr(name), ora_xml(sub, ind + " "), ind)
            else:
                s += '%s<layer name=%s src="%s" x="%s" y="%s" opacity="1.0" visibility="visible"/>\n' % (
                    ind, quoteattr(name), sub["src"], sub["x"], sub["y"])
        return s

    counter = [100]

    def kra_xml(t, ind):
        s = ""
        for kind, name, sub in t:
            if kind == "group":
                counter[0] += 1
                s += ('%s<layer name=%s nodetype="grouplayer" filename="layer%d" '
                      'visible="1" opacity="255" x="0" y="0" '
                      'uuid="{00000000-0000-4000-8000-%012d}">\n%s <layers>\n%s%s </layers>\n%s</layer>\n') % (
                    ind, quoteattr(name), counter[0], counter[0], ind,
                    kra_xml(sub, ind + "  "), ind, ind)
            else:
                extra = ""
                if sub["nodetype"] == "adjustmentlayer":
                    extra = ' filtername="levels"'
                elif sub["nodetype"] == "clonelayer":
                    extra = ' clonefrom="Missing source" clonetype="0"'
                elif sub["nodetype"] == "filelayer":
                    extra = ' source="reference.png" scale="true"'
                counter[0] += 1
                s += ('%s<layer name=%s nodetype="%s" filename="%s" visible="1" '
                      'opacity="255" x="0" y="0" colorspacename="RGBA" '
                      'uuid="{00000000-0000-4000-8000-%012d}"%s/>\n') % (
                    ind, quoteattr(name), sub["nodetype"], sub["filename"],
                    counter[0], extra)
        return s

    z = zipfile.ZipFile(out, "w")
    if fmt == "ora":
        z.writestr(zipfile.ZipInfo("mimetype"), "image/openraster",
                   compress_type=zipfile.ZIP_STORED)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<image version="0.0.5" w="%d" h="%d">\n <stack>\n%s </stack>\n</image>\n'
               % (w, h, ora_xml(tree, "  "))).encode()
        z.writestr("stack.xml", stack_xml or xml, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in files:
            z.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("mergedimage.png", merged or (files[0][1] if files else tiny_png()),
                   compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("Thumbnails/thumbnail.png", tiny_png())
    else:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/x-krita",
                   compress_type=zipfile.ZIP_STORED)
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               "<!DOCTYPE DOC PUBLIC '-//KDE//DTD krita 2.0//EN' "
               "'http://www.calligra.org/DTDs/krita-2.0.dtd'>\n"
               '<DOC xmlns="http://www.calligra.org/DTD/krita" syntaxVersion="2" kritaVersion="5.2.2">\n'
               ' <IMAGE name="Picture" width="%d" height="%d" mime="application/x-kra" colorspacename="RGBA">\n'
               '  <layers>\n%s  </layers>\n </IMAGE>\n</DOC>\n'
               % (w, h, kra_xml(tree, "   "))).encode()
        z.writestr("maindoc.xml", stack_xml or xml, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("documentinfo.xml", b"<document-info/>\n")
        for name, data in files:
            z.writestr("Picture/layers/" + name, data, compress_type=zipfile.ZIP_DEFLATED)
            z.writestr("Picture/layers/" + name + ".defaultpixel", b"\0\0\0\0")
        z.writestr("Picture/annotations/icc", b"fake profile")
        z.writestr("mergedimage.png", merged or tiny_png())
        z.writestr("preview.png", tiny_png())
    for name, data in members:
        z.writestr(zipfile.ZipInfo(name), data)
    for name in bombs:
        z.writestr(name, b"\0" * (100 << 20), compress_type=zipfile.ZIP_DEFLATED)
    z.close()


if __name__ == "__main__":
    main(sys.argv[1:])
