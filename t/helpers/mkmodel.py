#!/usr/bin/env python3
"""mkmodel.py - write small 3D models for the model visual-diff tests.

    mkmodel.py [--binary] SHAPE OUT

SHAPE (all built on the unit cube [0,1]^3 of object "Cube", 8 vertices,
12 triangles; every shape but "cube-alone" also has object "Tri", a
triangle at x 3..4):

    cube          the reference
    cube-moved    corner (1,1,1) moved to (1.25,1,1): max displacement 0.25
    cube-retri    the same surface, quads split on the other diagonal
                  (falls back to Hausdorff, distance 0)
    cube-scaled   cube of side 2 scaled by 1.1 about its centre and
                  re-triangulated, against cube-big: Hausdorff 0.1*sqrt(3)
    cube-big      cube of side 2 (compare with cube-scaled)
    cube-plus     object Tri replaced by object Pyramid (one added, one
                  removed)
    cube-alone    the cube without Tri

The format comes from OUT's extension: .obj, .stl, .ply, .gltf (buffer
in a data: URI), .glb. --binary writes binary STL or PLY. Deterministic:
the same arguments give the same bytes. Unit tests build their own
models in C (t/unit/mesh.c); this is for command-line tests.
"""
import base64
import json
import struct
import sys

QUADS = [(0, 2, 3, 1), (4, 5, 7, 6), (0, 1, 5, 4),
         (2, 6, 7, 3), (0, 4, 6, 2), (1, 3, 7, 5)]


def cube(side=1.0):
    return [[side if i & 1 else 0.0, side if i & 2 else 0.0,
             side if i & 4 else 0.0] for i in range(8)]


def tris(other_diagonal=False):
    out = []
    for a in QUADS:
        k = 1 if other_diagonal else 0
        out.append((a[k], a[k + 1], a[k + 2]))
        out.append((a[k], a[k + 2], a[(k + 3) % 4]))
    return out


TRI = ("Tri", [[3, 0, 0], [4, 0, 0], [3, 1, 0]], [(0, 1, 2)])
PYRAMID = ("Pyramid", [[3, 0, 0], [4, 0, 0], [3.5, 0, 1], [3.5, 1, 0.5]],
           [(0, 1, 2), (0, 1, 3), (1, 2, 3), (2, 0, 3)])


def shape(name):
    """A list of (object name, vertices, triangles)."""
    v, t, extra = cube(), tris(), TRI
    if name == "cube-moved":
        v[7][0] += 0.25
    elif name == "cube-retri":
        t = tris(True)
    elif name == "cube-big":
        v = cube(2.0)
    elif name == "cube-scaled":
        v = [[2.1 if c else -0.1 for c in p] for p in cube(2.0)]
        t = tris(True)
    elif name == "cube-plus":
        extra = PYRAMID
    elif name == "cube-alone":
        extra = None
    elif name != "cube":
        sys.exit("mkmodel: unknown shape %s" % name)
    return [("Cube", v, t)] + ([extra] if extra else [])


def obj(objs):
    out, base = ["# mkmodel\n"], 1
    for name, v, t in objs:
        out.append("o %s\n" % name)
        out += ["v %.9g %.9g %.9g\n" % tuple(p) for p in v]
        out += ["f %d %d %d\n" % tuple(i + base for i in f) for f in t]
        base += len(v)
    return "".join(out).encode()


def flat(objs):
    """All objects as one vertex list and one triangle list."""
    verts, faces = [], []
    for _, v, t in objs:
        faces += [tuple(i + len(verts) for i in f) for f in t]
        verts += v
    return verts, faces


def stl(objs, binary):
    verts, faces = flat(objs)
    if binary:
        out = b"mkmodel binary stl".ljust(80, b" ")
        out += struct.pack("<I", len(faces))
        for f in faces:
            out += struct.pack("<3f", 0, 0, 0)
            for i in f:
                out += struct.pack("<3f", *verts[i])
            out += b"\0\0"
        return out
    out = ["solid mkmodel\n"]
    for f in faces:
        out.append(" facet normal 0 0 0\n  outer loop\n")
        out += ["   vertex %.9g %.9g %.9g\n" % tuple(verts[i]) for i in f]
        out.append("  endloop\n endfacet\n")
    out.append("endsolid mkmodel\n")
    return "".join(out).encode()


def ply(objs, binary):
    verts, faces = flat(objs)
    head = ("ply\nformat %s 1.0\nelement vertex %d\nproperty float x\n"
            "property float y\nproperty float z\nelement face %d\n"
            "property list uchar int vertex_indices\nend_header\n"
            % ("binary_little_endian" if binary else "ascii",
               len(verts), len(faces))).encode()
    if binary:
        body = b"".join(struct.pack("<3f", *p) for p in verts)
        body += b"".join(struct.pack("<B3i", 3, *f) for f in faces)
    else:
        body = "".join("%.9g %.9g %.9g\n" % tuple(p) for p in verts)
        body += "".join("3 %d %d %d\n" % f for f in faces)
        body = body.encode()
    return head + body


def gltf_parts(objs):
    buf, views, accessors, meshes, nodes = b"", [], [], [], []
    for n, (name, v, t) in enumerate(objs):
        pos = b"".join(struct.pack("<3f", *p) for p in v)
        idx = b"".join(struct.pack("<3I", *f) for f in t)
        for data, acc in ((pos, {"componentType": 5126, "count": len(v),
                                  "type": "VEC3",
                                  "min": [min(p[c] for p in v) for c in range(3)],
                                  "max": [max(p[c] for p in v) for c in range(3)]}),
                          (idx, {"componentType": 5125, "count": 3 * len(t),
                                 "type": "SCALAR"})):
            views.append({"buffer": 0, "byteOffset": len(buf),
                          "byteLength": len(data)})
            acc["bufferView"] = len(views) - 1
            accessors.append(acc)
            buf += data
        meshes.append({"name": name, "primitives": [{
            "attributes": {"POSITION": 2 * n}, "indices": 2 * n + 1}]})
        nodes.append({"name": name, "mesh": n})
    doc = {"asset": {"version": "2.0", "generator": "mkmodel"}, "scene": 0,
           "scenes": [{"nodes": list(range(len(nodes)))}], "nodes": nodes,
           "meshes": meshes, "accessors": accessors, "bufferViews": views,
           "buffers": [{"byteLength": len(buf)}]}
    return doc, buf


def gltf(objs):
    doc, buf = gltf_parts(objs)
    doc["buffers"][0]["uri"] = ("data:application/octet-stream;base64,"
                                + base64.b64encode(buf).decode())
    return json.dumps(doc, sort_keys=True).encode()


def glb(objs):
    doc, buf = gltf_parts(objs)
    js = json.dumps(doc, sort_keys=True).encode()
    js += b" " * (-len(js) % 4)
    buf += b"\0" * (-len(buf) % 4)
    out = struct.pack("<II", len(js), 0x4E4F534A) + js
    out += struct.pack("<II", len(buf), 0x004E4942) + buf
    return struct.pack("<III", 0x46546C67, 2, 12 + len(out)) + out


def main(argv):
    binary = "--binary" in argv
    args = [a for a in argv if a != "--binary"]
    if len(args) != 2:
        sys.exit("usage: mkmodel.py [--binary] SHAPE OUT")
    objs, out = shape(args[0]), args[1]
    ext = out.rsplit(".", 1)[-1].lower()
    writers = {"obj": lambda: obj(objs), "stl": lambda: stl(objs, binary),
               "ply": lambda: ply(objs, binary), "gltf": lambda: gltf(objs),
               "glb": lambda: glb(objs)}
    if ext not in writers:
        sys.exit("mkmodel: cannot write .%s" % ext)
    with open(out, "wb") as f:
        f.write(writers[ext]())


if __name__ == "__main__":
    main(sys.argv[1:])
