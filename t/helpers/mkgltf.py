#!/usr/bin/env python3
"""mkgltf.py - glTF 2.0 models for the extract tests, and their checks.

  mkgltf.py make OUT.gltf|OUT.glb [--scale S] [--bad-accessor]
      A scene Root -> CubeNode (mesh Cube: 8 positions, normals, 36
      uint16 indices, material Red with a texture from red.png) and
      TriNode (mesh Tri: 3 positions, material Blue). Positions are
      multiplied by S. A .gltf writes its buffer to OUT.bin.
      --bad-accessor makes Cube's POSITION accessor run past its view.
  mkgltf.py check FILE
      The Khronos validator's rules vault promises: every index in
      range, bufferViews inside their buffer, accessors inside their
      bufferView and aligned, min/max on POSITION, the buffer's bytes
      all there. Prints "valid" or the first problem (exit 1).
  mkgltf.py positions FILE MESH
      The POSITION floats of every primitive of MESH, one vertex a line.
  mkgltf.py unchanged OLD NEW MESH...
      What a replace of MESH... may change and nothing else: NEW's JSON
      is OLD's but for those meshes' primitives (and weights), buffer
      byteLengths and items appended to accessors, bufferViews,
      materials, textures, images and samplers; every buffer of OLD is
      a prefix of NEW's. Prints "unchanged" or the first difference.
"""
import json
import os
import struct
import sys

COMP = {5120: ("b", 1), 5121: ("B", 1), 5122: ("h", 2), 5123: ("H", 2),
        5125: ("I", 4), 5126: ("f", 4)}
NCOMP = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4,
         "MAT3": 9, "MAT4": 16}


def make(out, scale, bad):
    cube = [(x, y, z) for x in (0, 1) for y in (0, 1) for z in (0, 1)]
    cube = [tuple(c * scale for c in v) for v in cube]
    normals = [(0.0, 0.0, 1.0)] * 8
    faces = [0, 1, 3, 0, 3, 2, 4, 6, 7, 4, 7, 5, 0, 4, 5, 0, 5, 1,
             2, 3, 7, 2, 7, 6, 0, 2, 6, 0, 6, 4, 1, 5, 7, 1, 7, 3]
    tri = [(0.0, 0.0, 2.0 * scale), (1.0, 0.0, 2.0), (0.0, 1.0, 2.0)]
    blob = bytearray()
    views = []

    def add(data, target=None):
        while len(blob) % 4:
            blob.append(0)
        v = {"buffer": 0, "byteOffset": len(blob), "byteLength": len(data)}
        if target:
            v["target"] = target
        blob.extend(data)
        views.append(v)
        return len(views) - 1

    def fl(vs):
        return b"".join(struct.pack("<3f", *v) for v in vs)

    vpos = add(fl(cube), 34962)
    vnor = add(fl(normals), 34962)
    vind = add(struct.pack("<%dH" % len(faces), *faces), 34963)
    vtri = add(fl(tri), 34962)

    def bounds(vs):
        return ([min(v[i] for v in vs) for i in range(3)],
                [max(v[i] for v in vs) for i in range(3)])
    cmin, cmax = bounds(cube)
    tmin, tmax = bounds(tri)
    acc = [
        {"bufferView": vpos, "componentType": 5126, "count": 9 if bad else 8,
         "type": "VEC3", "min": cmin, "max": cmax},
        {"bufferView": vnor, "componentType": 5126, "count": 8, "type": "VEC3"},
        {"bufferView": vind, "componentType": 5123, "count": len(faces),
         "type": "SCALAR"},
        {"bufferView": vtri, "componentType": 5126, "count": 3, "type": "VEC3",
         "min": tmin, "max": tmax},
    ]
    doc = {
        "asset": {"version": "2.0", "generator": "mkgltf.py"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [
            {"name": "Root", "children": [1, 2]},
            {"name": "CubeNode", "mesh": 0, "translation": [1, 2, 3]},
            {"name": "TriNode", "mesh": 1},
        ],
        "meshes": [
            {"name": "Cube", "primitives": [{"attributes": {"POSITION": 0, "NORMAL": 1},
                                             "indices": 2, "material": 0}]},
            {"name": "Tri", "primitives": [{"attributes": {"POSITION": 3},
                                            "material": 1}]},
        ],
        "materials": [
            {"name": "Red", "pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}},
            {"name": "Blue", "pbrMetallicRoughness": {"baseColorFactor": [0, 0, 1, 1]}},
        ],
        "textures": [{"source": 0, "sampler": 0}],
        "images": [{"uri": "red.png"}],
        "samplers": [{"magFilter": 9729}],
        "accessors": acc,
        "bufferViews": views,
        "buffers": [{"byteLength": len(blob)}],
    }
    if out.endswith(".glb"):
        js = json.dumps(doc).encode()
        js += b" " * (-len(js) % 4)
        blob += b"\0" * (-len(blob) % 4)
        body = (struct.pack("<II", len(js), 0x4E4F534A) + js +
                struct.pack("<II", len(blob), 0x004E4942) + bytes(blob))
        with open(out, "wb") as f:
            f.write(struct.pack("<III", 0x46546C67, 2, 12 + len(body)) + body)
    else:
        binname = os.path.splitext(os.path.basename(out))[0] + ".bin"
        doc["buffers"][0]["uri"] = binname
        with open(os.path.join(os.path.dirname(out) or ".", binname), "wb") as f:
            f.write(blob)
        with open(out, "w") as f:
            json.dump(doc, f, indent=1)


def load(path):
    data = open(path, "rb").read()
    bins = []
    if data[:4] == b"glTF":
        magic, version, total = struct.unpack_from("<III", data, 0)
        assert version == 2 and total == len(data), "GLB header length"
        jl, jt = struct.unpack_from("<II", data, 12)
        assert jt == 0x4E4F534A and jl % 4 == 0, "GLB JSON chunk"
        doc = json.loads(data[20:20 + jl])
        off = 20 + jl
        if off < total:
            bl, bt = struct.unpack_from("<II", data, off)
            assert bt == 0x004E4942 and off + 8 + bl == total, "GLB BIN chunk"
            bins.append(data[off + 8:off + 8 + bl])
        for b in doc.get("buffers", [])[len(bins):]:
            bins.append(open(os.path.join(os.path.dirname(path), b["uri"]), "rb").read())
    else:
        doc = json.loads(data)
        for b in doc.get("buffers", []):
            bins.append(open(os.path.join(os.path.dirname(path) or ".", b["uri"]), "rb").read())
    return doc, bins


def check(path):
    doc, bins = load(path)
    n = {k: len(doc.get(k, [])) for k in
         ("nodes", "meshes", "accessors", "bufferViews", "buffers",
          "materials", "textures", "images", "samplers", "scenes")}

    def idx(kind, i, where):
        assert isinstance(i, int) and 0 <= i < n[kind], "%s: %s index %r out of range" % (where, kind, i)

    for s in doc.get("scenes", []):
        for i in s.get("nodes", []):
            idx("nodes", i, "scene")
    for k, nd in enumerate(doc.get("nodes", [])):
        for c in nd.get("children", []):
            idx("nodes", c, "node %d" % k)
        if "mesh" in nd:
            idx("meshes", nd["mesh"], "node %d" % k)
    for b, buf in enumerate(doc.get("buffers", [])):
        assert len(bins[b]) >= buf["byteLength"], "buffer %d: bytes missing" % b
    for v, view in enumerate(doc.get("bufferViews", [])):
        idx("buffers", view["buffer"], "bufferView %d" % v)
        off = view.get("byteOffset", 0)
        assert off + view["byteLength"] <= doc["buffers"][view["buffer"]]["byteLength"], \
            "bufferView %d runs past its buffer" % v
    positions = set()
    for m, mesh in enumerate(doc.get("meshes", [])):
        for p in mesh["primitives"]:
            for a in p["attributes"].values():
                idx("accessors", a, "mesh %d" % m)
            positions.add(p["attributes"]["POSITION"])
            if "indices" in p:
                idx("accessors", p["indices"], "mesh %d" % m)
            if "material" in p:
                idx("materials", p["material"], "mesh %d" % m)
    for a, acc in enumerate(doc.get("accessors", [])):
        fmt, size = COMP[acc["componentType"]]
        elem = size * NCOMP[acc["type"]]
        if "bufferView" not in acc:
            continue
        idx("bufferViews", acc["bufferView"], "accessor %d" % a)
        view = doc["bufferViews"][acc["bufferView"]]
        stride = view.get("byteStride", elem)
        off = acc.get("byteOffset", 0)
        assert off % size == 0 and (view.get("byteOffset", 0) + off) % size == 0, \
            "accessor %d misaligned" % a
        assert off + stride * (acc["count"] - 1) + elem <= view["byteLength"], \
            "accessor %d runs past its bufferView" % a
        if a in positions:
            assert "min" in acc and "max" in acc, "POSITION accessor %d without min/max" % a
    for mat in doc.get("materials", []):
        t = mat.get("pbrMetallicRoughness", {}).get("baseColorTexture")
        if t:
            idx("textures", t["index"], "material")
    for t in doc.get("textures", []):
        if "source" in t:
            idx("images", t["source"], "texture")
        if "sampler" in t:
            idx("samplers", t["sampler"], "texture")
    print("valid")


def positions(path, name):
    doc, bins = load(path)
    for mesh in doc["meshes"]:
        if mesh.get("name") != name:
            continue
        for p in mesh["primitives"]:
            acc = doc["accessors"][p["attributes"]["POSITION"]]
            view = doc["bufferViews"][acc["bufferView"]]
            data = bins[view["buffer"]]
            off = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
            stride = view.get("byteStride", 12)
            for i in range(acc["count"]):
                print("%g %g %g" % struct.unpack_from("<3f", data, off + i * stride))


def unchanged(old, new, names):
    a, abins = load(old)
    b, bbins = load(new)
    appended = ("accessors", "bufferViews", "materials", "textures",
                "images", "samplers")
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k), b.get(k)
        if k in appended:
            x = x or []
            assert y[:len(x)] == x, "%s: an item before the new ones changed" % k
        elif k == "meshes":
            assert len(x) == len(y), "meshes: a mesh was added or removed"
            for m, n in zip(x, y):
                if m.get("name") in names:
                    m = {i: v for i, v in m.items() if i not in ("primitives", "weights")}
                    n = {i: v for i, v in n.items() if i not in ("primitives", "weights")}
                assert m == n, "mesh %s changed" % m.get("name")
        elif k == "buffers":
            strip = [{i: v for i, v in o.items() if i != "byteLength"} for o in y]
            assert strip[:len(x)] == [{i: v for i, v in o.items() if i != "byteLength"} for o in x], "buffers changed"
        else:
            assert x == y, "%s changed" % k
    for i, (x, y) in enumerate(zip(abins, bbins)):
        assert y[:len(x)] == x, "buffer %d: its old bytes changed" % i
    print("unchanged")


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "make":
        make(a[1], float(a[a.index("--scale") + 1]) if "--scale" in a else 1.0,
             "--bad-accessor" in a)
    elif a[0] == "check":
        try:
            check(a[1])
        except (AssertionError, KeyError, IndexError, OSError) as e:
            print("invalid: %s" % e)
            sys.exit(1)
    elif a[0] == "unchanged":
        try:
            unchanged(a[1], a[2], a[3:])
        except (AssertionError, KeyError, IndexError, OSError) as e:
            print("changed: %s" % e)
            sys.exit(1)
    elif a[0] == "positions":
        positions(a[1], a[2])
