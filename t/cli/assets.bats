#!/usr/bin/env bats
# vault assets: the references between a project's files (OBJ/MTL, glTF,
# GLB, SVG, OpenRaster, Krita, Godot), what is missing, unused or
# duplicated, who uses a file, what changed between snapshots, and the
# move that rewrites references. Every project is generated here.

load helper
bats_require_minimum_version 1.5.0

local_setup() {
	need_feature media
	mkdir proj
	cd proj
	vault init -q
}

# A model with its material and textures: rock.obj -> rock.mtl ->
# textures/rock.png (with map options) and a missing normal map.
make_obj_project() {
	mkdir -p models textures
	printf 'P6\n1 1\n255\nrgb' > textures/rock.png
	printf 'P6\n1 1\n255\nold' > textures/old.png
	printf '# a rock\nmtllib rock.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n' > models/rock.obj
	printf 'newmtl rock\nmap_Kd -bm 1.0 -s 1 1 1 ../textures/rock.png\nnorm ../textures/rock_n.png\n' > models/rock.mtl
}

# A Godot 4.4 project: main scene, an autoload, a script preloading a
# texture, a texture reached by uid through its .uid file, one through
# its .import file, and a shader include.
make_godot_project() {
	mkdir -p game/scenes game/tex game/scripts game/shaders
	cat > game/project.godot <<'EOF'
config_version=5

[application]
run/main_scene="res://scenes/main.tscn"

[autoload]
Globals="*res://scripts/globals.gd"
EOF
	cat > game/scenes/main.tscn <<'EOF'
[gd_scene load_steps=3 format=3 uid="uid://cmain"]

[ext_resource type="Texture2D" uid="uid://bwall" path="res://tex/old_wall_name.png" id="1_a"]
[ext_resource type="Texture2D" uid="uid://bfloor" path="res://tex/floor.png" id="2_b"]
[ext_resource type="Script" path="res://scripts/player.gd" id="3_c"]
[ext_resource type="Shader" path="res://shaders/water.gdshader" id="4_d"]

[node name="Main" type="Node2D"]
EOF
	cat > game/scripts/player.gd <<'EOF'
extends Node2D
# preload("res://tex/commented_out.png") is a comment, not a reference
const HERO = preload("res://tex/hero.png")
var sound = load("res://tex/missing_sound.ogg")
EOF
	printf 'extends Node\n' > game/scripts/globals.gd
	printf 'shader_type canvas_item;\n#include "res://shaders/common.gdshaderinc"\n' > game/shaders/water.gdshader
	printf '// common\n' > game/shaders/common.gdshaderinc
	printf 'P6\n1 1\n255\nwal' > game/tex/wall.png
	printf 'uid://bwall\n' > game/tex/wall.png.uid
	printf 'P6\n1 1\n255\nflr' > game/tex/floor.png
	cat > game/tex/floor.png.import <<'EOF'
[remap]

importer="texture"
type="CompressedTexture2D"
uid="uid://bfloor"
path="res://.godot/imported/floor.png-1234.ctex"

[deps]

source_file="res://tex/floor.png"
dest_files=["res://.godot/imported/floor.png-1234.ctex"]
EOF
	printf 'P6\n1 1\n255\nher' > game/tex/hero.png
	printf 'P6\n1 1\n255\nunu' > game/tex/unused.png
}

# scan --json as python: run a check on it (the document is d).
json_check() {
	python3 -c "import json,sys; d=json.load(sys.stdin); $1" <<<"$output"
}

@test "assets --help shows every command" {
	run vault assets --help
	assert_success
	assert_line --partial "usage: vault assets scan"
	assert_line --partial "vault assets mv [-n | --dry-run]"
	run vault assets frobnicate
	assert_failure 129
}

@test "scan: OBJ -> MTL -> textures, a missing texture first with file:line, an unused texture" {
	make_obj_project
	run vault assets scan
	assert_success
	assert_line --index 0 "missing (1):"
	assert_line --index 1 "  models/rock.mtl:3: norm ../textures/rock_n.png (not found)"
	assert_line "  textures/old.png"
	refute_line "  textures/rock.png"
	run vault assets scan --check
	assert_failure 1
}

@test "scan --json: references, missing, unused, duplicates" {
	make_obj_project
	cp textures/rock.png textures/rock_copy.png
	run vault assets scan --json
	assert_success
	json_check '
r = {(x["from"], x["to"], x["kind"], x["line"]) for x in d["references"]}
assert ("models/rock.obj", "models/rock.mtl", "mtllib", 2) in r, r
assert ("models/rock.mtl", "textures/rock.png", "map_Kd", 2) in r, r
assert d["missing"] == [{"from": "models/rock.mtl", "to": "../textures/rock_n.png", "kind": "norm", "line": 3, "reason": "not found"}], d["missing"]
assert d["unused"] == ["textures/old.png", "textures/rock_copy.png"], d["unused"]
assert d["duplicates"] == [["textures/rock.png", "textures/rock_copy.png"]], d["duplicates"]
assert d["errors"] == []'
}

@test "scan: mtllib with several files and names with spaces; MTL options before the file name" {
	mkdir m
	printf 'mtllib a.mtl my material.mtl\n' > m/x.obj
	printf 'map_Ka -o 0.5 0.5 -clamp on a b.png\nbump -bm 0.3 bump.png\nmap_d alpha.png\n' > m/a.mtl
	: > "m/my material.mtl"
	: > "m/a b.png"; : > m/bump.png; : > m/alpha.png
	run vault assets scan --json
	assert_success
	json_check '
r = sorted((x["from"], x["to"], x["kind"]) for x in d["references"])
assert r == [("m/a.mtl", "m/a b.png", "map_Ka"), ("m/a.mtl", "m/alpha.png", "map_d"), ("m/a.mtl", "m/bump.png", "bump"),
             ("m/x.obj", "m/a.mtl", "mtllib"), ("m/x.obj", "m/my material.mtl", "mtllib")], r
assert d["missing"] == []'
}

@test "scan: Godot main scene, autoload, preload(), uid:// through .uid and .import, shader #include" {
	make_godot_project
	run vault assets scan --json
	assert_success
	json_check '
r = {(x["from"], x["to"], x["kind"]) for x in d["references"]}
assert ("game/project.godot", "game/scenes/main.tscn", "main_scene") in r, r
assert ("game/project.godot", "game/scripts/globals.gd", "autoload") in r, r
assert ("game/scenes/main.tscn", "game/tex/wall.png", "ext_resource") in r, r
assert ("game/scenes/main.tscn", "game/tex/floor.png", "ext_resource") in r, r
assert ("game/scripts/player.gd", "game/tex/hero.png", "preload") in r, r
assert ("game/shaders/water.gdshader", "game/shaders/common.gdshaderinc", "include") in r, r
assert not any("commented_out" in x["to"] for x in d["references"] + d["missing"])
m = [(x["from"], x["to"], x["kind"]) for x in d["missing"]]
assert m == [("game/scripts/player.gd", "res://tex/missing_sound.ogg", "load")], m
assert d["unused"] == ["game/tex/unused.png"], d["unused"]'
}

@test "scan: a uid:// nobody declares falls back to the path; neither resolving is missing" {
	mkdir g
	printf 'config_version=5\n' > g/project.godot
	printf '[gd_scene format=3]\n\n[ext_resource type="Texture2D" uid="uid://nobody" path="res://a.png" id="1"]\n[ext_resource type="Texture2D" uid="uid://gone" path="res://b.png" id="2"]\n' > g/s.tscn
	: > g/a.png
	run vault assets scan
	assert_success
	assert_line "missing (1):"
	assert_line "  g/s.tscn:4: ext_resource res://b.png (not found)"
	refute_output --partial "a.png (not found)"
}

@test "scan: glTF buffers and images (percent-decoded, data: URIs skipped), GLB JSON chunk" {
	mkdir -p car/tex
	cat > car/car.gltf <<'EOF'
{
  "asset": {"version": "2.0"},
  "buffers": [{"uri": "car.bin", "byteLength": 4},
              {"uri": "data:application/octet-stream;base64,AAAA", "byteLength": 3}],
  "images": [{"uri": "tex/car%20paint.png"}, {"uri": "tex/missing.png"}]
}
EOF
	: > car/car.bin; : > "car/tex/car paint.png"
	python3 - <<'EOF'
import json, struct
doc = json.dumps({"asset": {"version": "2.0"}, "images": [{"uri": "tex/car paint.png"}],
                  "buffers": [{"byteLength": 4}]}).encode()
doc += b" " * (-len(doc) % 4)
binc = b"\0\0\0\0"
out = b"glTF" + struct.pack("<II", 2, 12 + 8 + len(doc) + 8 + len(binc))
out += struct.pack("<I", len(doc)) + b"JSON" + doc + struct.pack("<I", len(binc)) + b"BIN\0" + binc
open("car/car.glb", "wb").write(out)
EOF
	run vault assets scan --json
	assert_success
	json_check '
r = sorted((x["from"], x["to"], x["kind"], x["line"]) for x in d["references"])
assert r == [("car/car.glb", "car/tex/car paint.png", "image", 1), ("car/car.gltf", "car/car.bin", "buffer", 3),
             ("car/car.gltf", "car/tex/car paint.png", "image", 5)], r
assert [(x["to"], x["line"]) for x in d["missing"]] == [("tex/missing.png", 5)], d["missing"]'
}

@test "scan: SVG href and xlink:href on image and use; #fragments and links are no files" {
	mkdir -p icons/img
	cat > icons/logo.svg <<'EOF'
<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
  <defs><circle id="c" r="1"/></defs>
  <image xlink:href="img/photo.png" width="10" height="10"/>
  <use href="#c"/>
  <use
     href="parts.svg#wheel"/>
  <a href="https://example.com"><text>x</text></a>
  <image href="img/gone.jpg"/>
</svg>
EOF
	printf '<svg xmlns="http://www.w3.org/2000/svg"><g id="wheel"/></svg>\n' > icons/parts.svg
	: > icons/img/photo.png
	run vault assets scan --json
	assert_success
	json_check '
r = sorted((x["to"], x["kind"], x["line"]) for x in d["references"])
assert r == [("icons/img/photo.png", "href", 4), ("icons/parts.svg", "href", 7)], r
assert [(x["to"], x["line"]) for x in d["missing"]] == [("img/gone.jpg", 9)], d["missing"]'
}

# make_ora FILE [extra src]: an OpenRaster file whose stack has one
# internal layer and, optionally, one layer src the archive lacks.
make_ora() {
	python3 - "$@" <<'EOF'
import sys, zipfile
path = sys.argv[1]
extra = sys.argv[2] if len(sys.argv) > 2 else None
with zipfile.ZipFile(path, "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "image/openraster")
    stack = '<?xml version="1.0"?>\n<image w="1" h="1">\n <stack>\n  <layer name="paint" src="data/paint.png"/>\n'
    if extra:
        stack += '  <layer name="ref" src="%s"/>\n' % extra
    stack += ' </stack>\n</image>\n'
    z.writestr("stack.xml", stack, zipfile.ZIP_DEFLATED)
    z.writestr("data/paint.png", "PNGDATA", zipfile.ZIP_DEFLATED)
EOF
}

# make_kra FILE SOURCE: a Krita file with a paint layer and a file layer
# showing SOURCE.
make_kra() {
	python3 - "$@" <<'EOF'
import sys, zipfile
path, source = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(path, "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), "application/x-krita")
    z.writestr("maindoc.xml", '''<?xml version="1.0" encoding="UTF-8"?>
<DOC syntaxVersion="2">
 <IMAGE name="art" width="1" height="1">
  <layers>
   <layer name="Paint" nodetype="paintlayer" filename="layer1"/>
   <layer name="Photo" nodetype="filelayer" source="%s" scale="true"/>
  </layers>
 </IMAGE>
</DOC>
''' % source, zipfile.ZIP_DEFLATED)
    z.writestr("art/layers/layer1", "PIXELS", zipfile.ZIP_DEFLATED)
EOF
}

@test "scan: an .ora's own layers are internal; a .kra file layer names an outside file" {
	mkdir -p paint/ref
	make_ora paint/a.ora
	make_ora paint/b.ora ref/outside.png
	make_kra paint/c.kra ref/photo.png
	: > paint/ref/photo.png; : > paint/ref/outside.png
	run vault assets scan --json
	assert_success
	json_check '
r = sorted((x["from"], x["to"], x["kind"], x.get("member")) for x in d["references"])
assert r == [("paint/b.ora", "paint/ref/outside.png", "layer", "stack.xml"),
             ("paint/c.kra", "paint/ref/photo.png", "filelayer", "maindoc.xml")], r
assert d["missing"] == [] and d["unused"] == []'
}

@test "why and impact: the chains that use a texture, what breaks without it" {
	make_obj_project
	mkdir scenes
	printf '[gd_scene format=3]\n[ext_resource type="PackedScene" path="../models/rock.obj" id="1"]\n' > scenes/level.tscn
	run vault assets why textures/rock.png
	assert_success
	assert_line "textures/rock.png is used by 3 files:"
	assert_line "  scenes/level.tscn -> models/rock.obj -> models/rock.mtl -> textures/rock.png"
	run vault assets impact textures/rock.png
	assert_success
	assert_line "deleting or renaming textures/rock.png breaks:"
	assert_line "  models/rock.mtl:2: map_Kd ../textures/rock.png"
	assert_line "  models/rock.obj (uses models/rock.mtl)"
	assert_line "  scenes/level.tscn (uses models/rock.obj)"
	run vault assets why textures/old.png
	assert_success
	assert_output "textures/old.png: no file refers to it"
	run vault assets impact textures/nothing.png
	assert_failure 128
	assert_output --partial "no such file in the project"
}

@test "a renamed texture shows in scan and its impact; scan REV reads the snapshot" {
	make_obj_project
	vault backup -q -m one >/dev/null
	mv textures/rock.png textures/stone.png
	run vault assets scan --json
	json_check 'assert any(x["to"] == "../textures/rock.png" for x in d["missing"]), d["missing"]'
	run vault assets scan --json HEAD
	assert_success
	json_check '
assert [x["to"] for x in d["missing"]] == ["../textures/rock_n.png"], d["missing"]
assert ("models/rock.mtl", "textures/rock.png") in {(x["from"], x["to"]) for x in d["references"]}'
	run vault assets impact textures/rock.png HEAD
	assert_success
	assert_line "  models/rock.mtl:2: map_Kd ../textures/rock.png"
}

@test "diff between two snapshots and against the working folder: added, removed, broken" {
	make_obj_project
	vault backup -q -m one >/dev/null
	printf 'newmtl rock\nmap_Kd ../textures/rock.png\nmap_Ks ../textures/spec.png\n' > models/rock.mtl
	: > textures/spec.png
	vault backup -q -m two >/dev/null
	run vault assets diff HEAD~1 HEAD
	assert_success
	assert_line "added    models/rock.mtl:3: map_Ks ../textures/spec.png"
	assert_line "removed  models/rock.mtl:3: norm ../textures/rock_n.png (not found)"
	rm textures/spec.png
	run vault assets diff HEAD
	assert_success
	assert_output "broken   models/rock.mtl:3: map_Ks ../textures/spec.png (not found)"
	run vault assets diff --json HEAD~1
	assert_success
	json_check '
assert [x["to"] for x in d["added"]] == ["../textures/spec.png"], d
assert [x["to"] for x in d["removed"]] == ["../textures/rock_n.png"], d
assert [x["to"] for x in d["broken"]] == ["../textures/spec.png"], d'
}

@test "mv: OBJ, MTL and textures moved into other folders; scan reports nothing missing" {
	make_obj_project
	rm models/rock.mtl
	printf 'newmtl rock\nmap_Kd -bm 1.0 ../textures/rock.png\n' > models/rock.mtl
	run vault assets mv models/rock.obj assets/rock/rock.obj
	assert_success
	assert_line "renamed models/rock.obj -> assets/rock/rock.obj"
	assert_line "edited assets/rock/rock.obj:2: rock.mtl -> ../../models/rock.mtl"
	run vault assets mv models/rock.mtl assets/rock/rock.mtl
	assert_success
	assert_line "edited assets/rock/rock.obj:2: ../../models/rock.mtl -> rock.mtl"
	assert_line "edited assets/rock/rock.mtl:2: ../textures/rock.png -> ../../textures/rock.png"
	run vault assets mv textures assets/rock/textures
	assert_success
	assert_line "renamed textures/ -> assets/rock/textures/"
	[ ! -e textures ]
	grep -qx 'mtllib rock.mtl' assets/rock/rock.obj
	grep -qx 'map_Kd -bm 1.0 textures/rock.png' assets/rock/rock.mtl
	run vault assets scan --check
	assert_success
	refute_output --partial "missing ("
}

@test "mv: a Godot texture with its .import, and one with its .uid; res:// stays res://" {
	make_godot_project
	cd game
	run vault assets mv tex/floor.png art/floor.png
	assert_success
	assert_line "renamed game/tex/floor.png.import -> game/art/floor.png.import"
	assert_line "edited game/scenes/main.tscn:4: res://tex/floor.png -> res://art/floor.png"
	grep -q 'source_file="res://art/floor.png"' art/floor.png.import
	run vault assets mv tex/hero.png art/hero.png
	assert_success
	grep -q 'preload("res://art/hero.png")' scripts/player.gd
	run vault assets mv tex/wall.png art/wall.png
	assert_success
	assert_line "renamed game/tex/wall.png.uid -> game/art/wall.png.uid"
	# the uid:// reference needs no edit; the stale fallback path is kept
	refute_output --partial "edited"
	run vault assets scan --json
	json_check 'assert [x["to"] for x in d["missing"]] == ["res://tex/missing_sound.ogg"], d["missing"]
assert ("game/scenes/main.tscn", "game/art/wall.png") in {(x["from"], x["to"]) for x in d["references"]}'
}

@test "mv: an SVG's image moved, and the SVG itself moved keeps its relative hrefs" {
	mkdir -p icons/img
	printf '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n<image xlink:href="img/photo.png"/>\n<use href="parts.svg#wheel"/>\n</svg>\n' > icons/logo.svg
	printf '<svg xmlns="http://www.w3.org/2000/svg"><g id="wheel"/></svg>\n' > icons/parts.svg
	: > icons/img/photo.png
	run vault assets mv "icons/img/photo.png" "icons/img/photo & co.png"
	assert_success
	grep -q 'xlink:href="img/photo &amp; co.png"' icons/logo.svg
	run vault assets mv icons/logo.svg site/logo.svg
	assert_success
	grep -q 'xlink:href="../icons/img/photo &amp; co.png"' site/logo.svg
	grep -q 'href="../icons/parts.svg#wheel"' site/logo.svg
	run vault assets scan --check
	assert_success
}

@test "mv: a .kra file layer's source rewritten inside maindoc.xml; other members byte-identical" {
	mkdir -p paint/ref
	make_kra paint/art.kra ref/photo.png
	: > paint/ref/photo.png
	python3 -c 'import zipfile; z=zipfile.ZipFile("paint/art.kra"); print(z.getinfo("art/layers/layer1").CRC, z.read("art/layers/layer1").decode())' > before
	run vault assets mv paint/ref/photo.png photos/photo.png
	assert_success
	assert_line "edited paint/art.kra(maindoc.xml):6: ref/photo.png -> ../photos/photo.png"
	python3 - <<'EOF'
import zipfile
z = zipfile.ZipFile("paint/art.kra")
assert z.testzip() is None
assert z.namelist()[0] == "mimetype" and z.read("mimetype") == b"application/x-krita"
assert 'source="../photos/photo.png"' in z.read("maindoc.xml").decode()
EOF
	python3 -c 'import zipfile; z=zipfile.ZipFile("paint/art.kra"); print(z.getinfo("art/layers/layer1").CRC, z.read("art/layers/layer1").decode())' > after
	cmp before after
	ls paint | grep -v tmp
	[ -z "$(ls -a paint | grep tmp)" ]
	run vault assets scan --check
	assert_success
}

@test "mv --dry-run lists every edit and changes nothing" {
	make_obj_project
	find . -path ./.vault -prune -o -type f -print0 | sort -z | xargs -0 sha256sum > ../before
	run vault assets mv --dry-run textures/rock.png tex/rock.png
	assert_success
	assert_output "would rename textures/rock.png -> tex/rock.png
would edit models/rock.mtl:2: ../textures/rock.png -> ../tex/rock.png"
	find . -path ./.vault -prune -o -type f -print0 | sort -z | xargs -0 sha256sum > ../after
	cmp ../before ../after
	[ ! -e tex ]
}

@test "mv refuses when NEW exists, and when a GLB reference cannot be rewritten unless --force" {
	make_obj_project
	run vault assets mv textures/rock.png textures/old.png
	assert_failure 128
	assert_output --partial "textures/old.png already exists: nothing moved"
	python3 - <<'EOF'
import json, struct
doc = json.dumps({"asset": {"version": "2.0"}, "images": [{"uri": "textures/rock.png"}]}).encode()
doc += b" " * (-len(doc) % 4)
open("car.glb", "wb").write(b"glTF" + struct.pack("<II", 2, 20 + len(doc)) + struct.pack("<I", len(doc)) + b"JSON" + doc)
EOF
	run vault assets mv textures/rock.png tex/rock.png
	assert_failure 1
	assert_output --partial "warning: cannot rewrite car.glb:1: textures/rock.png (stored in a binary format)"
	assert_output --partial "nothing moved"
	[ -e textures/rock.png ] && [ ! -e tex ]
	grep -q '\.\./textures/rock.png' models/rock.mtl
	run vault assets mv --force textures/rock.png tex/rock.png
	assert_success
	[ -e tex/rock.png ]
	grep -q '\.\./tex/rock.png' models/rock.mtl
}

@test "hostile: zip bomb .ora, .kra with ../../etc/x, malformed and billion-laughs XML, truncated GLB, bad JSON" {
	make_obj_project
	python3 - <<'EOF'
import zipfile
with zipfile.ZipFile("bomb.ora", "w") as z:
    z.writestr("stack.xml", '<image><stack><layer src="data/big.png"/></stack></image>')
    z.writestr("data/big.png", b"\0" * (32 << 20), zipfile.ZIP_DEFLATED)
with zipfile.ZipFile("evil.kra", "w") as z:
    z.writestr("maindoc.xml", "<DOC/>")
    z.writestr("../../etc/x", "owned")
EOF
	printf '<svg xmlns="http://www.w3.org/2000/svg"><image href="a.png">\n</svg>\n' > broken.svg
	cat > laughs.svg <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<svg xmlns="http://www.w3.org/2000/svg"><image href="&lol9;.png"/></svg>
EOF
	printf 'glTF\002\000\000\000\377\000\000\000' > cut.glb
	printf '{"images": [{"uri": "a.png"}' > bad.gltf
	find . -path ./.vault -prune -o -type f -print0 | sort -z | xargs -0 sha256sum > ../before
	run vault assets scan
	assert_failure 1
	assert_line --partial "error: bomb.ora: member \"data/big.png\" expands to 33554432 bytes"
	assert_line --partial "looks like a zip bomb, refused"
	assert_line --partial "error: evil.kra: member \"../../etc/x\" points outside the archive"
	assert_line --partial "error: broken.svg: line 3: malformed XML"
	assert_line --regexp "^error: laughs.svg: line [0-9]+: malformed XML: .*(entit|amplification)"
	assert_line --partial "error: cut.glb: not a GLB file"
	assert_line --partial "error: bad.gltf: line 1:"
	# the other files are still read
	assert_line "  models/rock.mtl:3: norm ../textures/rock_n.png (not found)"
	[ ! -e ../etc/x ] && [ ! -e etc ]
	find . -path ./.vault -prune -o -type f -print0 | sort -z | xargs -0 sha256sum > ../after
	cmp ../before ../after
	run --separate-stderr vault assets scan --json
	assert_failure 1
	json_check 'assert sorted(x["file"] for x in d["errors"]) == ["bad.gltf", "bomb.ora", "broken.svg", "cut.glb", "evil.kra", "laughs.svg"], d["errors"]'
}

@test "a truncated GLB whose header claims more bytes than the file has" {
	python3 -c 'import struct; open("t.glb","wb").write(b"glTF" + struct.pack("<III", 2, 4000, 100) + b"JSON" + b"{}")'
	run vault assets scan
	assert_failure 1
	assert_output --partial "error: t.glb: truncated GLB: header says 4000 bytes, the file has 22"
}

@test "unused: assets.root in the repository config names roots; top-level models are roots" {
	mkdir -p lib tex
	printf 'map_Kd ../tex/a.png\n' > lib/a.mtl
	: > tex/a.png; : > tex/b.png
	run vault assets scan --json
	json_check 'assert d["unused"] == ["lib/a.mtl", "tex/a.png", "tex/b.png"], d["unused"]'
	printf '[assets]\n\troot = lib/a.mtl\n\troot = tex/b.png\n' >> .vault/config
	run vault assets scan --json
	json_check 'assert d["unused"] == [], d["unused"]'
}

@test "the personas offer assets" {
	make_obj_project
	run vault creative assets scan
	assert_success
	assert_line "missing (1):"
	run vault game assets why textures/rock.png
	assert_success
	assert_line "  models/rock.obj -> models/rock.mtl -> textures/rock.png"
}

@test "UDIM tiles: any existing tile resolves the pattern; none is missing" {
	mkdir -p body/tex
	printf 'map_Kd tex/skin.<UDIM>.png\nmap_Bump tex/bump.<UDIM>.png\n' > body/skin.mtl
	: > body/tex/skin.1001.png; : > body/tex/skin.1002.png; : > body/tex/bump.10x1.png
	run vault assets scan --json
	assert_success
	json_check '
r = sorted(x["to"] for x in d["references"])
assert r == ["body/tex/skin.1001.png", "body/tex/skin.1002.png"], r
assert [x["to"] for x in d["missing"]] == ["tex/bump.<UDIM>.png"], d["missing"]'
	run vault assets mv body/tex/skin.1001.png body/skin.1001.png
	assert_failure 1
	assert_output --partial "cannot rewrite body/skin.mtl:1: tex/skin.<UDIM>.png (a UDIM tile pattern"
}

@test "absolute paths: inside the project they resolve, outside they are reported" {
	mkdir m
	: > m/a.png
	printf 'map_Kd %s/m/a.png\nmap_Ks /nonexistent/elsewhere/b.png\n' "$PWD" > m/x.mtl
	run vault assets scan
	assert_success
	assert_line "missing (1):"
	assert_line "  m/x.mtl:2: map_Ks /nonexistent/elsewhere/b.png (outside the project)"
	run vault assets mv m/a.png n/a.png
	assert_success
	grep -qx "map_Kd $PWD/n/a.png" m/x.mtl
}

@test "mv: a Unity asset's .meta moves with it (its GUID stays); a folder's .meta too" {
	mkdir -p Assets/Textures
	: > Assets/Textures/rock.png
	printf 'fileFormatVersion: 2\nguid: 0123456789abcdef0123456789abcdef\n' > Assets/Textures/rock.png.meta
	printf 'fileFormatVersion: 2\nguid: fedcba9876543210fedcba9876543210\n' > Assets/Textures.meta
	run vault assets mv Assets/Textures/rock.png Assets/Textures/stone.png
	assert_success
	assert_line "renamed Assets/Textures/rock.png.meta -> Assets/Textures/stone.png.meta"
	grep -q 0123456789abcdef Assets/Textures/stone.png.meta
	run vault assets mv Assets/Textures Assets/Art
	assert_success
	assert_line "renamed Assets/Textures.meta -> Assets/Art.meta"
	[ -e Assets/Art/stone.png ] && [ -e Assets/Art/stone.png.meta ] && [ ! -e Assets/Textures ]
}

@test "mv: bad arguments are refused with nothing changed" {
	make_obj_project
	run vault assets mv textures/none.png x.png
	assert_failure 128
	assert_output "fatal: textures/none.png: no such file in the project"
	run vault assets mv textures ../outside
	assert_failure 128
	assert_output --partial "is not inside the project"
	run vault assets mv textures textures/inner
	assert_failure 128
	assert_output "fatal: cannot move textures into itself"
	run vault assets mv textures/rock.png
	assert_failure 129
	[ -e textures/rock.png ] && [ ! -e x.png ]
}

@test "mv: a glTF image moved to a name with a space is percent-encoded; an ORA layer src rewritten" {
	mkdir -p car/tex paint
	printf '{\n  "asset": {"version": "2.0"},\n  "images": [{"uri": "tex/paint.png"}]\n}\n' > car/car.gltf
	: > car/tex/paint.png
	make_ora paint/p.ora ../car/tex/paint.png
	run vault assets mv car/tex/paint.png "car/tex/red paint.png"
	assert_success
	assert_line "edited car/car.gltf:3: tex/paint.png -> tex/red paint.png"
	assert_line "edited paint/p.ora(stack.xml):5: ../car/tex/paint.png -> ../car/tex/red paint.png"
	grep -q '"uri": "tex/red%20paint.png"' car/car.gltf
	python3 -c 'import json; json.load(open("car/car.gltf"))'
	python3 - <<'PY'
import zipfile
z = zipfile.ZipFile("paint/p.ora")
assert z.testzip() is None and z.namelist()[0] == "mimetype"
assert z.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
assert 'src="../car/tex/red paint.png"' in z.read("stack.xml").decode()
assert z.read("data/paint.png") == b"PNGDATA"
PY
	run vault assets scan --check
	assert_success
}

@test "scan --json: a target that is not UTF-8 comes out as U+FFFD, and the document is valid" {
	printf 'map_Kd caf\351.png\n' > latin1.mtl
	run --separate-stderr vault assets scan --json
	assert_success
	json_check 'assert [x["to"] for x in d["missing"]] == ["caf\ufffd.png"], d["missing"]'
}

@test "scan: a .blend saved by Blender names its missing image and library; a UDIM tile resolves" {
	mkdir textures
	cp "$VAULT_SRCDIR/t/data/blend/image-missing.blend" scene.blend
	cp "$VAULT_SRCDIR/t/data/blend/linked.blend" linked.blend
	printf 'P6\n1 1\n255\nskn' > textures/skin.1001.png
	run vault assets scan --json
	assert_success
	json_check '
m = {(x["from"], x["to"], x["kind"]) for x in d["missing"]}
assert ("scene.blend", "textures/wood.png", "image") in m, m
assert ("linked.blend", "lib/props.blend", "library") in m, m
r = {(x["from"], x["to"], x["kind"]) for x in d["references"]}
assert ("scene.blend", "textures/skin.<UDIM>.png", "image") in r or \
       ("scene.blend", "textures/skin.1001.png", "image") in r, r
assert not any(x["to"].startswith("textures/skin") for x in d["missing"]), d["missing"]
assert d["errors"] == []'
	# the image appears: nothing of scene.blend is missing any more
	printf 'P6\n1 1\n255\nwod' > textures/wood.png
	run vault assets scan --json
	json_check '
assert not any(x["from"] == "scene.blend" for x in d["missing"]), d["missing"]'
}

@test "scan: a Unity prefab's material GUID resolves through its .meta; without the .meta it is missing" {
	mkdir Assets
	printf 'fileFormatVersion: 2\nguid: 9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e\n' > Assets/Wood.mat.meta
	printf '%%YAML 1.1\n%%TAG !u! tag:unity3d.com,2011:\n--- !u!21 &2100000\nMaterial:\n  m_Name: Wood\n' > Assets/Wood.mat
	printf '%%YAML 1.1\n%%TAG !u! tag:unity3d.com,2011:\n--- !u!23 &5 stripped\nMeshRenderer:\n  m_Materials:\n  - {fileID: 2100000, guid: 9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e, type: 2}\n' > Assets/Crate.prefab
	run vault assets scan --json
	assert_success
	json_check '
r = {(x["from"], x["to"], x["kind"]) for x in d["references"]}
assert ("Assets/Crate.prefab", "Assets/Wood.mat", "guid") in r, r
assert d["missing"] == [], d["missing"]'
	rm Assets/Wood.mat.meta
	run vault assets scan --json
	json_check '
m = [x for x in d["missing"] if x["from"] == "Assets/Crate.prefab"]
assert len(m) == 1 and m[0]["line"] == 6, d["missing"]'
}

@test "scan: a .blend whose block sizes lie is reported by name and the scan goes on" {
	cp "$VAULT_SRCDIR/t/data/blend/image-missing.blend" bad.blend
	# the first block's length field (after the 12-byte header and the
	# 4-byte block code) claims 2^31 bytes
	python3 -c 'import sys; b=bytearray(open("bad.blend","rb").read()); b[16:20]=(0x7fffffff).to_bytes(4,"little"); open("bad.blend","wb").write(b)'
	mkdir m && printf 'mtllib m.mtl\n' > m/a.obj && : > m/m.mtl
	run vault assets scan
	assert_failure
	assert_output --partial "error: bad.blend: block REND at offset 12 claims 2147483647 bytes"
	run --separate-stderr vault assets scan --json
	json_check '
assert [e["file"] for e in d["errors"]] == ["bad.blend"], d["errors"]
assert ("m/a.obj", "m/m.mtl") in {(x["from"], x["to"]) for x in d["references"]}, d'
}
