#!/usr/bin/env bats
# vault-diff-visual on 3D models: OBJ, STL (ASCII and binary), PLY and
# glTF/GLB written by the test, with known vertex moves.

load helper
VAULT_TEST_NEEDS=media

# model FORMAT FILE DX [EXTRA_OBJECT]: a unit cube (8 corners, 12
# triangles) named "Box" with corner 0 moved by DX along x; with
# EXTRA_OBJECT also a second object "Lid" (a triangle above the box).
model() {
	python3 - "$@" <<'PY'
import base64, json, struct, sys
fmt, path, dx = sys.argv[1], sys.argv[2], float(sys.argv[3])
extra = len(sys.argv) > 4
v = [[0,0,0],[1,0,0],[1,1,0],[0,1,0],[0,0,1],[1,0,1],[1,1,1],[0,1,1]]
v[0][0] += dx
tris = [(0,2,1),(0,3,2),(4,5,6),(4,6,7),(0,1,5),(0,5,4),
        (1,2,6),(1,6,5),(2,3,7),(2,7,6),(3,0,4),(3,4,7)]
lid_v = [[0,0,2],[1,0,2],[0,1,2]]
lid_t = [(0,1,2)]
def normal(a, b, c):
    return (0.0, 0.0, 1.0)
if fmt == "obj":
    with open(path, "w") as f:
        f.write("o Box\n")
        for p in v: f.write("v %r %r %r\n" % tuple(p))
        for t in tris: f.write("f %d %d %d\n" % tuple(i + 1 for i in t))
        if extra:
            f.write("o Lid\n")
            for p in lid_v: f.write("v %r %r %r\n" % tuple(p))
            for t in lid_t: f.write("f %d %d %d\n" % tuple(i + 9 for i in t))
elif fmt == "stl":
    with open(path, "w") as f:
        f.write("solid Box\n")
        for t in tris:
            f.write(" facet normal 0 0 1\n  outer loop\n")
            for i in t: f.write("   vertex %r %r %r\n" % tuple(v[i]))
            f.write("  endloop\n endfacet\n")
        f.write("endsolid Box\n")
elif fmt == "stlb":
    with open(path, "wb") as f:
        f.write(b"binary stl written by the vault tests".ljust(80, b" "))
        f.write(struct.pack("<I", len(tris)))
        for t in tris:
            f.write(struct.pack("<3f", 0, 0, 1))
            for i in t: f.write(struct.pack("<3f", *v[i]))
            f.write(struct.pack("<H", 0))
elif fmt == "ply":
    with open(path, "w") as f:
        f.write("ply\nformat ascii 1.0\nelement vertex 8\n"
                "property float x\nproperty float y\nproperty float z\n"
                "element face 12\nproperty list uchar int vertex_indices\n"
                "end_header\n")
        for p in v: f.write("%r %r %r\n" % tuple(p))
        for t in tris: f.write("3 %d %d %d\n" % t)
elif fmt in ("gltf", "glb"):
    pos = b"".join(struct.pack("<3f", *p) for p in v)
    idx = b"".join(struct.pack("<3H", *t) for t in tris)
    buf = pos + idx
    mn = [min(p[k] for p in v) for k in range(3)]
    mx = [max(p[k] for p in v) for k in range(3)]
    doc = {
        "asset": {"version": "2.0"},
        "scene": 0, "scenes": [{"nodes": [0]}],
        "nodes": [{"name": "Box", "mesh": 0}],
        "meshes": [{"name": "Box", "primitives": [{"attributes": {"POSITION": 0}, "indices": 1}]}],
        "buffers": [{"byteLength": len(buf)}],
        "bufferViews": [
            {"buffer": 0, "byteOffset": 0, "byteLength": len(pos), "target": 34962},
            {"buffer": 0, "byteOffset": len(pos), "byteLength": len(idx), "target": 34963}],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 8, "type": "VEC3", "min": mn, "max": mx},
            {"bufferView": 1, "componentType": 5123, "count": 36, "type": "SCALAR"}],
    }
    if fmt == "gltf":
        doc["buffers"][0]["uri"] = "data:application/octet-stream;base64," + base64.b64encode(buf).decode()
        with open(path, "w") as f: json.dump(doc, f)
    else:
        js = json.dumps(doc).encode()
        js += b" " * (-len(js) % 4)
        bin_ = buf + b"\0" * (-len(buf) % 4)
        total = 12 + 8 + len(js) + 8 + len(bin_)
        with open(path, "wb") as f:
            f.write(struct.pack("<4sII", b"glTF", 2, total))
            f.write(struct.pack("<I4s", len(js), b"JSON") + js)
            f.write(struct.pack("<I4s", len(bin_), b"BIN\0") + bin_)
PY
}

# field JSON_FILE KEY
field() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

@test "a moved vertex gives its exact displacement in every format" {
	for fmt in obj stl stlb ply gltf glb; do
		ext=$fmt
		[ "$fmt" = stlb ] && ext=stl
		model "$fmt" "a-$fmt.$ext" 0
		model "$fmt" "b-$fmt.$ext" 0.25
		run vault-diff-visual --json "a-$fmt.$ext" "b-$fmt.$ext"
		assert_failure 1
		echo "$output" > "$fmt.json"
		[ "$(field "$fmt.json" kind)" = model ]
		[ "$(field "$fmt.json" vertex_count_a)" -eq 8 ]
		[ "$(field "$fmt.json" vertex_count_b)" -eq 8 ]
		[ "$(field "$fmt.json" method)" = vertex ]
		python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert abs(d["max_displacement"] - 0.25) < 1e-5, d["max_displacement"]
assert d["moved_vertices"] == 1
assert abs(d["bbox_b"]["min"][0] - 0.0) < 1e-6' "$fmt.json"
	done
}

@test "identical models exit 0; an added object is named" {
	model obj a.obj 0
	run vault-diff-visual a.obj a.obj
	assert_success
	assert_output --partial "0 changed, 0 added, 0 removed"
	model obj b.obj 0 lid
	run vault-diff-visual --json a.obj b.obj
	assert_failure 1
	echo "$output" > d.json
	[ "$(field d.json objects_added)" -eq 1 ]
	[ "$(field d.json object_count_b)" -eq 2 ]
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert [o["name"] for o in d["objects"] if o["change"] == "added"] == ["Lid"]' d.json
}

@test "a re-triangulated model falls back to the surface (Hausdorff) distance" {
	model obj a.obj 0
	# the same cube, its top face split the other way
	sed 's/^f 5 6 7$/f 5 6 8/; s/^f 5 7 8$/f 6 7 8/' a.obj > b.obj
	! cmp -s a.obj b.obj
	run vault-diff-visual --json a.obj b.obj
	assert_failure 1
	echo "$output" > d.json
	[ "$(field d.json method)" = hausdorff ]
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert d["max_displacement"] < 1e-3, d' d.json
}

@test "-o draws both versions side by side" {
	model obj a.obj 0
	model obj b.obj 0.25
	run vault-diff-visual -o d.png a.obj b.obj
	assert_failure 1
	[ "$(head -c 4 d.png | od -An -c | tr -d ' ')" = "211PNG" ]
	run vault-diff-visual --json d.png d.png
	assert_success
	# 1200x600 of models, with the caption strip over and the key under
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["width_a"] == 1200 and d["height_a"] == 600 + 25 + 50, d' "$output"
	vault-diff-visual --no-labels -o bare.png a.obj b.obj || [ $? = 1 ]
	run vault-diff-visual --json bare.png bare.png
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["width_a"] == 1200 and d["height_a"] == 600, d' "$output"
}

@test "models from the repository: REV:path" {
	model obj cube.obj 0
	vault init -q
	vault backup -q -m one >/dev/null
	model obj cube.obj 0.5
	vault backup -q -m two >/dev/null
	run vault-diff-visual --json HEAD~1:cube.obj HEAD:cube.obj
	assert_failure 1
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert abs(d["max_displacement"] - 0.5) < 1e-5' "$output"
}

@test "truncated, garbage and empty model files are a clear error, never a crash" {
	model glb good.glb 0
	head -c 100 good.glb > trunc.glb
	model stlb good.stl 0
	head -c 200 good.stl > trunc.stl
	head -c 5000 /dev/urandom > garbage.obj
	printf 'solid x\n facet normal\n' > broken.stl
	: > empty.ply
	for f in trunc.glb trunc.stl garbage.obj broken.stl empty.ply; do
		run vault-diff-visual good.glb "$f"
		[ "$status" -eq 128 ] || { echo "$f: status $status: $output"; false; }
		assert_output --partial "fatal: "
		assert_output --partial "$f"
	done
}

@test "an added object is reported as added, not as displacement" {
	model obj a.obj 0
	model obj b.obj 0 lid
	run vault-diff-visual a.obj b.obj
	assert_failure 1
	assert_line "  added: Lid (3 vertices)"
	assert_line --partial "per-vertex displacement (topology kept): max 0,"
	assert_line "displacement is measured over the 1 object on both sides"
	run vault-diff-visual --json a.obj b.obj
	echo "$output" > d.json
	[ "$(field d.json method)" = vertex ]
	[ "$(field d.json max_displacement)" = 0.0 ]
	[ "$(field d.json objects_common)" = 1 ]
	# and the move of the box is measured alone, the lid beside it
	model obj c.obj 0.25 lid
	run vault-diff-visual --json a.obj c.obj
	echo "$output" > e.json
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert d["method"] == "vertex" and abs(d["max_displacement"] - 0.25) < 1e-6, d' e.json
	# a removed object too, and re-triangulated shared objects measure
	# their surfaces alone (Hausdorff), not the removed one's
	run vault-diff-visual b.obj a.obj
	assert_line "  removed: Lid (3 vertices)"
	sed 's/^f 5 6 7$/f 5 6 8/; s/^f 5 7 8$/f 6 7 8/' b.obj > r.obj
	! cmp -s b.obj r.obj
	run vault-diff-visual --json r.obj a.obj
	echo "$output" > h.json
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert d["method"] == "hausdorff" and d["max_displacement"] < 1e-3, d' h.json
}
