#!/usr/bin/env bats
# vault extract and vault replace: a layer of an .ora/.kra, an object of
# an OBJ, a rectangle of a picture, out of an old version and back into
# the current file. Layered files are made by t/helpers/mklayered.py
# (python3 zipfile) from PNGs drawn by t/helpers/mkimage.

load helper
VAULT_TEST_NEEDS=media
bats_require_minimum_version 1.5.0

local_setup() {
	MKIMAGE=$(dirname "$(command -v vault-extract)")/../t/helpers/mkimage
	[ -x "$MKIMAGE" ] || { echo "t/helpers/mkimage is not built" >&2; return 1; }
	MKLAYERED="$VAULT_SRCDIR/t/helpers/mklayered.py"
}

mkimage() { "$MKIMAGE" "$@"; }
mklayered() { python3 "$MKLAYERED" "$@"; }

# member ZIP NAME: one member's bytes to stdout
member() {
	python3 -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' "$1" "$2"
}

# valid_zip ZIP MIMETYPE: testzip passes, mimetype first and stored, the
# stack document parses as XML
valid_zip() {
	python3 - "$1" "$2" <<'PY'
import sys, zipfile, xml.dom.minidom
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None, "bad CRC"
first = z.infolist()[0]
assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED, first
assert z.read("mimetype").decode() == sys.argv[2]
doc = "stack.xml" if sys.argv[2] == "image/openraster" else "maindoc.xml"
xml.dom.minidom.parseString(z.read(doc))
PY
}

# same_members A B EXCEPT...: every member of A but EXCEPT is in B with
# the same bytes, compressed the same (copied, not recompressed)
same_members() {
	python3 - "$@" <<'PY'
import sys, zipfile
a, b = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2])
skip = set(sys.argv[3:])
bad = [n for n in a.namelist() if n not in skip and
       (n not in b.namelist() or a.read(n) != b.read(n) or
        a.getinfo(n).compress_size != b.getinfo(n).compress_size or
        a.getinfo(n).compress_type != b.getinfo(n).compress_type)]
assert not bad, bad
PY
}

# A painting in three versions of a project: the ink layer changes.
make_painting() {
	mkdir -p proj/art
	cd proj
	vault init -q
	mkimage ink1.png 64 48 fill:0,0,0,0 rect:5,5,20,10,200,0,0
	mkimage ink2.png 64 48 fill:0,0,0,0 rect:30,20,10,10,0,160,0
	mkimage sketch.png 32 24 fill:0,0,255,128
	mkimage paper.png 64 48 fill:250,250,240
	mklayered ora art/pic.ora 64 48 "Ink=ink1.png" "Group 1/Sketch=sketch.png@10,10" "Paper=paper.png"
	vault backup -q -m "first ink" >/dev/null
	mklayered ora art/pic.ora 64 48 "Ink=ink2.png" "Group 1/Sketch=sketch.png@10,10" "Paper=paper.png"
	vault backup -q -m "second ink" >/dev/null
}

@test "extract --list names the layers of an .ora with their stack paths" {
	make_painting
	run vault extract HEAD:art/pic.ora --list
	assert_success
	assert_line --regexp '^layer +Ink$'
	assert_line --regexp '^stack +Group 1$'
	assert_line --regexp '^layer +Group 1/Sketch$'
	run vault extract HEAD:art/pic.ora --list --json
	assert_success
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert [e["path"] for e in d["elements"]] == ["Ink", "Group 1", "Group 1/Sketch", "Paper"]' "$output"
}

@test "an old layer comes out as its PNG, bit-exact" {
	make_painting
	run vault extract HEAD~1:art/pic.ora Ink -o old-ink.png
	assert_success
	assert_output --partial "wrote old-ink.png"
	cmp old-ink.png ink1.png
	# the current version's layer is another one
	vault extract -q HEAD:art/pic.ora Ink -o new-ink.png
	cmp new-ink.png ink2.png
}

@test "a group comes out as a valid single-stack .ora" {
	make_painting
	run vault creative extract HEAD~1:art/pic.ora "Group 1" -o group.ora
	assert_success
	valid_zip group.ora image/openraster
	run vault extract group.ora --list
	assert_output --regexp 'Group 1/Sketch'
	refute_output --partial Paper
	member group.ora data/layer1.png > s.png
	cmp s.png sketch.png
	vault restore -q HEAD~1 art/pic.ora --target old
	same_members group.ora old/art/pic.ora mimetype stack.xml mergedimage.png Thumbnails/thumbnail.png
	run vault-diff-visual -q group.ora group.ora
	assert_success
}

@test "replace puts the old layer back and keeps every other member's bytes" {
	make_painting
	cp art/pic.ora before.ora
	run vault replace art/pic.ora Ink --from HEAD~1
	assert_success
	assert_output --partial "'Ink' replaced from HEAD~1:art/pic.ora"
	assert_line --partial "warning: mergedimage.png"
	valid_zip art/pic.ora image/openraster
	member art/pic.ora data/layer0.png > back.png
	cmp back.png ink1.png
	same_members before.ora art/pic.ora data/layer0.png stack.xml
}

@test "replace --as adds the old layer on top under a new name" {
	make_painting
	run vault replace art/pic.ora Ink --from HEAD~1 --as "Old ink" --json
	assert_success
	python3 -c 'import json, sys; d = json.loads(sys.argv[1][sys.argv[1].index("{"):]); assert d["as"] == "Old ink" and len(d["warnings"]) == 1' "$output"
	run vault extract art/pic.ora --list
	assert_line --index 0 --regexp '^layer +Old ink$'
	assert_line --index 1 --regexp '^layer +Ink$'
	vault extract -q art/pic.ora "Old ink" -o o.png
	cmp o.png ink1.png
	vault extract -q art/pic.ora Ink -o i.png
	cmp i.png ink2.png
}

@test "Krita: a layer's files come out bit-exact, a filter layer's lost effect is named" {
	head -c 6000 /dev/urandom > tiles1
	head -c 5000 /dev/urandom > tiles2
	printf 'levels' > cfg
	mklayered kra a.kra 64 48 "Ink=tiles1" "Group/Lines=tiles2" "Levels=cfg:adjustmentlayer" "Back=tiles2"
	run vault extract a.kra --list --json
	assert_success
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert [e["kind"] for e in d["elements"]] == ["paintlayer", "grouplayer", "paintlayer", "adjustmentlayer", "paintlayer"]' "$output"
	run vault extract a.kra Ink -o ink.kra
	assert_success
	valid_zip ink.kra application/x-krita
	member ink.kra Picture/layers/layer2 > got
	cmp got tiles1
	run vault extract ink.kra --list
	assert_output --regexp '^paintlayer +Ink$'
	run vault extract a.kra Levels -o levels.kra --json
	assert_success
	assert_line --partial "warning: 'Levels' is a filter layer (levels)"
	python3 -c 'import json, sys; o = sys.argv[1]; d = json.loads(o[o.index("{"):]); assert any("filter layer" in w for w in d["warnings"])' "$output"
}

@test "Krita: replace carries the old layer into the current file" {
	head -c 6000 /dev/urandom > old
	head -c 6000 /dev/urandom > new
	head -c 3000 /dev/urandom > back
	mklayered kra a.kra 64 48 "Ink=old" "Back=back"
	mklayered kra b.kra 64 48 "Ink=new" "Back=back"
	cp b.kra before.kra
	run vault replace b.kra Ink --from a.kra
	assert_success
	valid_zip b.kra application/x-krita
	member b.kra Picture/layers/layer2 > got
	cmp got old
	same_members before.kra b.kra Picture/layers/layer2 Picture/layers/layer2.defaultpixel maindoc.xml
	run vault replace b.kra Back --from a.kra --as "Back copy"
	assert_success
	run vault extract b.kra --list
	assert_line --index 0 --regexp 'paintlayer +Back copy'
	member b.kra Picture/layers/layer3-1 > got
	cmp got back
}

two_objects() {
	cat > "$1" <<EOF
# made by the test
mtllib box.mtl
o Box
v 0 0 0
v 1 0 0
v 1 1 0
v 0 1 0
vn 0 0 1
usemtl Wood
f 1//1 2//1 3//1
f 1//1 3//1 4//1
o Lid
v 0 0 $2
v 1 0 $2
v 1 1 $2
vt 0 0
vt 1 0
vt 1 1
usemtl Metal
f 5/1 6/2 7/3
f -3/-3 -2/-2 -1/-1
EOF
	cat > "$(dirname "$1")/box.mtl" <<EOF
newmtl Wood
Kd 0.6 0.4 0.2
map_Kd wood.png

newmtl Metal
Kd 0.8 0.8 0.8
EOF
}

@test "an OBJ object comes out renumbered, with only its material" {
	mkdir -p proj/models && cd proj && vault init -q
	two_objects models/box.obj 1
	vault backup -q -m one >/dev/null
	run vault extract HEAD:models/box.obj --list
	assert_line --regexp '^object +Box \(4 vertices, 2 faces\)$'
	assert_line --regexp '^object +Lid \(3 vertices, 2 faces\)$'
	run vault extract HEAD:models/box.obj Lid -o lid.obj
	assert_success
	assert_line "wrote lid.mtl: its materials"
	[ "$(grep -c '^f 1/1 2/2 3/3$' lid.obj)" = 2 ]
	grep -qx 'mtllib lid.mtl' lid.obj
	grep -qx 'newmtl Metal' lid.mtl
	! grep -q Wood lid.mtl
	# vault's own mesh loader (assimp) reads it
	run vault-diff-visual --json lid.obj lid.obj
	assert_success
	python3 -c 'import json, sys; d = json.loads(sys.argv[1]); assert d["vertex_count_a"] == 3 and d["face_count_a"] == 2' "$output"
	run vault extract HEAD:models/box.obj Box -o box.obj
	assert_line --partial "warning: texture 'wood.png'"
}

@test "replace puts the old object back; the other objects' lines are unchanged" {
	mkdir -p proj/models && cd proj && vault init -q
	two_objects models/box.obj 1
	vault backup -q -m one >/dev/null
	two_objects models/box.obj 2.5
	printf 'o Handle\nv 5 5 5\nv 6 5 5\nv 6 6 5\nf 8 9 10\n' >> models/box.obj
	vault backup -q -m two >/dev/null
	vault extract -q HEAD~1:models/box.obj Lid -o old-lid.obj
	cp models/box.obj before.obj
	run vault replace models/box.obj Lid --from HEAD~1
	assert_success
	# every line outside the Lid block is still there, in order
	sed -n '1,11p' before.obj > want-head
	sed -n '1,11p' models/box.obj > got-head
	cmp want-head got-head
	grep -A4 -x 'o Handle' models/box.obj | cmp - <(grep -A4 -x 'o Handle' before.obj)
	vault extract -q models/box.obj Lid -o new-lid.obj
	diff <(grep -v mtllib old-lid.obj) <(grep -v mtllib new-lid.obj)
	run vault-diff-visual --json models/box.obj models/box.obj
	assert_success
}

@test "a rectangle of a PNG comes out and goes back; outside it the pixels are bit-exact" {
	mkdir proj && cd proj && vault init -q
	mkimage pic.png 80 60 hgrad:0,0,0,255,255,255 rect:10,10,20,20,255,0,0
	vault backup -q -m one >/dev/null
	mkimage pic.png 80 60 vgrad:0,0,80,200,200,255 circle:40,30,12,0,200,0
	vault backup -q -m two >/dev/null
	vault extract -q HEAD~1:pic.png 5,5,30,30 -o old.png
	run vault extract pic.png --list
	assert_output "pic.png: a 80x60 png picture: its elements are rectangles x,y,w,h"
	for r in 0,0,80,5 0,35,80,25 0,5,5,30 35,5,45,30; do
		vault extract -q pic.png $r -o "before-$r.png"
	done
	run vault replace pic.png 5,5,30,30 --from HEAD~1
	assert_success
	vault extract -q pic.png 5,5,30,30 -o back.png
	cmp back.png old.png
	for r in 0,0,80,5 0,35,80,25 0,5,5,30 35,5,45,30; do
		vault extract -q pic.png $r -o "after-$r.png"
		cmp "before-$r.png" "after-$r.png"
	done
}

@test "JPEG, WebP and TIFF rectangles; a JPEG replace says it recompresses" {
	mkimage a.png 64 48 hgrad:0,0,0,255,255,255 rect:8,8,16,16,255,0,0
	mkimage b.png 64 48 fill:20,40,60
	for f in webp tif; do
		vault extract -q a.png 0,0,64,48 -o a.$f
		vault extract -q b.png 0,0,64,48 -o b.$f
		run vault extract a.$f --list
		assert_output --regexp 'a 64x48 (webp|tiff) picture'
		run vault replace b.$f 8,8,16,16 --from a.$f
		assert_success
		vault extract -q b.$f 8,8,16,16 -o got.png
		vault extract -q a.png 8,8,16,16 -o want.png
		cmp got.png want.png
	done
	mkimage -f jpeg -q 95 c.jpg 64 48 fill:20,40,60
	cp c.jpg before.jpg
	run vault replace c.jpg 8,8,16,16 --from a.png
	assert_success
	assert_line --partial "warning: JPEG is lossy"
	run vault extract c.jpg --list
	assert_output --partial "a 64x48 jpeg picture"
	# a picture is not a layered file
	mklayered ora a.ora 64 48 "Ink=a.png"
	run vault replace c.jpg 8,8,16,16 --from a.ora
	assert_failure 128
	assert_output --partial "not the same kind of file"
	# the failed replace left the file as the first one wrote it
	run vault extract c.jpg --list
	assert_success
}

@test "hostile input: a zip bomb .ora is refused and nothing is written" {
	mkimage ink.png 8 8 fill:1,2,3
	mklayered ora bomb.ora 8 8 "Ink=ink.png" --bomb data/zeros.bin
	run vault extract bomb.ora Ink -o out.png
	assert_failure 128
	assert_output --partial "zip bomb"
	[ ! -e out.png ]
}

@test "hostile input: member names that climb out of an .ora or .kra are refused" {
	mkimage ink.png 8 8 fill:1,2,3
	printf 'evil' > evil
	mklayered ora up.ora 8 8 "Ink=ink.png" --member ../../x=evil
	run vault extract up.ora Ink -o out.ora
	assert_failure 128
	assert_output --partial "'../../x' would escape the archive"
	[ ! -e out.ora ]
	mklayered kra good.kra 8 8 "Ink=evil"
	mklayered kra up.kra 8 8 "Ink=evil" --member ../../x=evil
	cp good.kra cur.kra
	run vault replace cur.kra Ink --from up.kra
	assert_failure 128
	cmp cur.kra good.kra
	[ ! -e ../../x ] && [ ! -e ../x ]
}

@test "hostile input: malformed XML, entity declarations" {
	mkimage ink.png 8 8 fill:1,2,3
	printf '<image w="8" h="8"><stack><layer name="Ink"' > broken.xml
	mklayered ora broken.ora 8 8 "Ink=ink.png" --stack-xml broken.xml
	run vault extract broken.ora Ink -o out.ora
	assert_failure 128
	assert_output --partial "stack.xml is not valid XML"
	[ ! -e out.ora ]
	cat > lol.xml <<'EOF'
<?xml version="1.0"?>
<!DOCTYPE image [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>
<image w="8" h="8"><stack><layer name="&b;" src="data/layer0.png"/></stack></image>
EOF
	mklayered ora lol.ora 8 8 "Ink=ink.png" --stack-xml lol.xml
	run vault extract lol.ora --list
	assert_failure 128
	assert_output --partial "declares XML entities"
}

@test "bad elements: unknown layer or object, a rectangle outside the picture; the file is unchanged" {
	mkimage ink.png 8 8 fill:1,2,3
	mklayered ora a.ora 8 8 "Ink=ink.png"
	cp a.ora b.ora
	run vault replace b.ora Nope --from a.ora
	assert_failure 128
	assert_output --partial "has no layer 'Nope'"
	cmp a.ora b.ora
	two_objects box.obj 1
	run vault extract box.obj Wheel -o w.obj
	assert_failure 128
	assert_output --partial "no object or group 'Wheel'"
	[ ! -e w.obj ] && [ ! -e w.mtl ]
	mkimage p.png 40 30 fill:9,9,9
	cp p.png q.png
	run vault replace q.png 30,20,20,20 --from p.png
	assert_failure 128
	assert_output --partial "outside the current picture (40x30)"
	cmp p.png q.png
	run vault extract p.png 1,2,3 -o r.png
	assert_failure 128
	assert_output --partial "not a rectangle"
	[ ! -e r.png ]
}

gltf() { python3 "$VAULT_SRCDIR/t/helpers/mkgltf.py" "$@"; }

@test "glTF: --list names nodes and meshes with their sizes" {
	gltf make m.gltf
	run vault extract m.gltf --list
	assert_success
	assert_line --regexp '^node +Root$'
	assert_line --regexp '^mesh +Cube \(8 vertices, 12 faces\)$'
	assert_line --regexp '^mesh +Tri \(3 vertices, 1 face\)$'
}

@test "glTF: a node comes out with its children, meshes, materials and only the bytes it needs" {
	mkdir -p proj/models && cd proj && vault init -q
	gltf make models/m.gltf
	vault backup -q -m one >/dev/null
	gltf make models/m.gltf --scale 3
	vault backup -q -m two >/dev/null
	run vault extract HEAD~1:models/m.gltf Root -o root.gltf
	assert_success
	assert_line "wrote root.bin: its buffer"
	assert_line --partial "warning: image 'red.png' is a file beside the model"
	run gltf check root.gltf
	assert_output valid
	vault extract -q HEAD~1:models/m.gltf Cube -o cube.glb
	diff <(gltf positions root.gltf Cube) <(gltf positions cube.glb Cube)
	# the old version's vertices, not the current ones
	run gltf positions root.gltf Cube
	assert_line "1 1 1"
	refute_line "3 3 3"
	# one mesh: only its bytes (8 positions and 3 triangles' indices are
	# not in a Tri extract)
	vault extract -q HEAD:models/m.gltf Tri -o tri.glb
	run gltf check tri.glb
	assert_output valid
	python3 -c 'import json, struct, sys; d = open("tri.glb", "rb").read(); j = json.loads(d[20:20 + struct.unpack_from("<I", d, 12)[0]]); assert j["buffers"][0]["byteLength"] == 36, j["buffers"]; assert len(j["meshes"]) == 1 and len(j["materials"]) == 1 and "textures" not in j'
	diff <(gltf positions tri.glb Tri) <(gltf positions models/m.gltf Tri)
	# extracting the extract again gives equal vertex data
	vault extract -q tri.glb Tri -o again.gltf
	diff <(gltf positions again.gltf Tri) <(gltf positions tri.glb Tri)
	# vault's own model loader (assimp) reads it
	run vault-diff-visual --json tri.glb again.gltf
	assert_success
}

@test "glTF: GLB in, by index; hostile accessors are refused" {
	gltf make m.glb
	run vault extract m.glb node:1 -o cube.gltf
	assert_success
	run gltf check cube.gltf
	assert_output valid
	gltf make bad.gltf --bad-accessor
	run vault extract bad.gltf Cube -o out.glb
	assert_failure 128
	assert_output --partial "accessor 0 (9 x 12 bytes from 0) runs past its bufferView"
	[ ! -e out.glb ]
	# the accessor past the end of the buffer's real bytes
	head -c 40 bad.bin > short.bin && mv short.bin bad.bin
	run vault extract bad.gltf Tri -o out.glb
	assert_failure 128
	assert_output --partial "runs past the end of buffer 0"
	# to standard output a glTF is a GLB
	vault extract m.glb Tri -o - > piped.glb
	run gltf check piped.glb
	assert_output valid
	run vault extract m.glb mesh:9 -o out.glb
	assert_failure 128
	assert_output --partial "no mesh 9"
}

# The POSITION floats of mesh $2 of the version $1 (REV:PATH or a file),
# as vault extract gives them.
old_positions() {
	vault extract -q "$1" "$2" -o "$BATS_TEST_TMPDIR/pos.glb"
	gltf positions "$BATS_TEST_TMPDIR/pos.glb" "$2"
}

@test "glTF replace: a .gltf's mesh from a snapshot; its .bin only appended to, the rest kept" {
	mkdir -p proj/models && cd proj && vault init -q
	gltf make models/m.gltf
	vault backup -q -m one >/dev/null
	gltf make models/m.gltf --scale 3
	vault backup -q -m two >/dev/null
	cp models/m.gltf models/m.bin "$BATS_TEST_TMPDIR/"
	run vault replace models/m.gltf Cube --from HEAD~1
	assert_success
	assert_line "models/m.gltf: 'Cube' replaced from HEAD~1:models/m.gltf"
	assert_line --regexp "^models/m.bin: its buffer, [0-9]+ bytes \(appended to\)$"
	refute_output --partial warning
	run gltf check models/m.gltf
	assert_output valid
	# Cube's vertices are the old version's, Tri's the current ones
	diff <(old_positions models/m.gltf Cube) <(old_positions HEAD~1:models/m.gltf Cube)
	run gltf positions models/m.gltf Cube
	assert_line "1 1 1"
	refute_line "3 3 3"
	diff <(gltf positions models/m.gltf Tri) <(old_positions HEAD:models/m.gltf Tri)
	run gltf unchanged "$BATS_TEST_TMPDIR/m.gltf" models/m.gltf Cube
	assert_output unchanged
	# the old material, texture, image and sampler equal the current
	# ones: reused, not added
	python3 -c 'import json; d = json.load(open("models/m.gltf")); assert [len(d[k]) for k in ("materials", "textures", "images", "samplers", "bufferViews", "accessors")] == [2, 1, 1, 1, 7, 7], d'
	[ "$(stat -c %s models/m.bin)" -gt "$(stat -c %s "$BATS_TEST_TMPDIR/m.bin")" ]
	ls models > "$BATS_TEST_TMPDIR/ls"
	run cat "$BATS_TEST_TMPDIR/ls"
	refute_output --partial tmp
	# replacing the mesh again with the current bytes of it is equal too
	run vault replace models/m.gltf Cube --from HEAD
	assert_success
	run gltf positions models/m.gltf Cube
	assert_line "3 3 3"
}

@test "glTF replace: a GLB's BIN chunk grows, its old bytes kept; a node replaces each of its meshes" {
	gltf make old.glb
	gltf make cur.glb --scale 3
	cp cur.glb before.glb
	run vault replace cur.glb Cube --from old.glb --json
	assert_success
	python3 -c 'import json, sys; j = json.loads(sys.argv[1]); assert list(j) == ["file", "element", "from", "bytes", "warnings"] and j["warnings"] == [] and j["bytes"] > 0, j' "$output"
	run gltf check cur.glb
	assert_output valid
	diff <(old_positions cur.glb Cube) <(old_positions old.glb Cube)
	diff <(gltf positions cur.glb Tri) <(gltf positions before.glb Tri)
	run gltf unchanged before.glb cur.glb Cube
	assert_output unchanged
	# a node: Root's meshes Cube and Tri both come back
	cp cur.glb before.glb
	run vault replace cur.glb Root --from old.glb
	assert_success
	run gltf check cur.glb
	assert_output valid
	diff <(gltf positions cur.glb Tri) <(gltf positions old.glb Tri)
	diff <(gltf positions cur.glb Cube) <(gltf positions old.glb Cube)
	run gltf unchanged before.glb cur.glb Cube Tri
	assert_output unchanged
	# a .gltf takes a mesh from an old .glb
	gltf make cur.gltf --scale 3
	run vault replace cur.gltf mesh:0 --from old.glb
	assert_success
	diff <(gltf positions cur.gltf Cube) <(gltf positions old.glb Cube)
	run gltf check cur.gltf
	assert_output valid
}

@test "glTF replace: a changed material comes with its texture and image, added; a warning names the image file" {
	gltf make old.gltf
	gltf make cur.gltf --scale 3
	python3 -c 'import json; d = json.load(open("old.gltf")); d["images"][0]["uri"] = "red-old.png"; json.dump(d, open("old.gltf", "w"))'
	cp cur.gltf cur.bin "$BATS_TEST_TMPDIR/"
	run vault replace cur.gltf Cube --from old.gltf
	assert_success
	assert_line "warning: image 'red-old.png' is a file beside the model: check that it is beside the current file too"
	run gltf check cur.gltf
	assert_output valid
	run gltf unchanged "$BATS_TEST_TMPDIR/cur.gltf" cur.gltf Cube
	assert_output unchanged
	python3 -c 'import json; d = json.load(open("cur.gltf")); assert [len(d[k]) for k in ("materials", "textures", "images", "samplers")] == [3, 2, 2, 1], d; m = d["meshes"][0]["primitives"][0]["material"]; assert m == 2 and d["materials"][2]["pbrMetallicRoughness"]["baseColorTexture"]["index"] == 1 and d["textures"][1] == {"source": 1, "sampler": 0}, d'
}

@test "glTF replace --as adds the old mesh with a node at the scene's root" {
	gltf make old.glb
	gltf make cur.glb --scale 3
	cp cur.glb before.glb
	run vault replace cur.glb Cube --from old.glb --as OldCube
	assert_success
	assert_line "cur.glb: 'OldCube' added from old.glb"
	run gltf check cur.glb
	assert_output valid
	diff <(gltf positions cur.glb OldCube) <(gltf positions old.glb Cube)
	diff <(gltf positions cur.glb Cube) <(gltf positions before.glb Cube)
	run vault extract cur.glb --list
	assert_line --regexp '^node +OldCube$'
	assert_line --regexp '^mesh +OldCube \(8 vertices, 12 faces\)$'
	python3 -c 'import json, struct; d = open("cur.glb", "rb").read(); j = json.loads(d[20:20 + struct.unpack_from("<I", d, 12)[0]]); assert j["scenes"][0]["nodes"] == [0, 3] and j["nodes"][3] == {"name": "OldCube", "mesh": 2}, j["scenes"]'
	cp cur.glb before.glb
	run vault replace cur.glb Cube --from old.glb --as Tri
	assert_failure 128
	assert_output --partial "already has a mesh or node named 'Tri'"
	run vault replace cur.glb Root --from old.glb --as Both
	assert_failure 128
	assert_output --partial "--as adds one mesh: 'Root' uses 2"
	cmp cur.glb before.glb
}

@test "glTF replace: an unknown mesh, a mesh the current file lacks, a missing .bin: errors, nothing written" {
	gltf make old.gltf
	gltf make cur.gltf --scale 3
	cp cur.gltf cur.bin "$BATS_TEST_TMPDIR/"
	run vault replace cur.gltf Nope --from old.gltf
	assert_failure 128
	assert_output --partial "the old version has no node or mesh 'Nope'"
	python3 -c 'import json; d = json.load(open("old.gltf")); d["meshes"][0]["name"] = "Box"; json.dump(d, open("old.gltf", "w"))'
	run vault replace cur.gltf Box --from old.gltf
	assert_failure 128
	assert_output --partial "the current file has no mesh 'Box' to replace (--as NAME adds the old one as a new mesh)"
	mv old.bin gone.bin
	run vault replace cur.gltf Tri --from old.gltf
	assert_failure 128
	assert_output --partial "buffer 0 (old.bin) is not beside the file"
	mv gone.bin old.bin
	mv cur.bin gone.bin
	run vault replace cur.gltf Tri --from old.gltf
	assert_failure 128
	assert_output --partial "the current file's buffer 0 (cur.bin) is not beside it"
	mv gone.bin cur.bin
	cmp cur.gltf "$BATS_TEST_TMPDIR/cur.gltf"
	cmp cur.bin "$BATS_TEST_TMPDIR/cur.bin"
	run ls
	refute_output --partial tmp
	# an old version of another kind
	gltf make old.glb
	printf 'o Cube\nv 0 0 0\n' > cube.obj
	run vault replace cur.gltf Cube --from cube.obj
	assert_failure 128
	cmp cur.gltf "$BATS_TEST_TMPDIR/cur.gltf"
}

@test "usage errors exit 129; --help prints the usage" {
	run vault extract m.gltf Node
	assert_failure 129
	assert_output --partial "-o OUT"
	run vault replace m.gltf Node
	assert_failure 129
	assert_output --partial "--from REV"
	run vault-extract --help
	assert_success
	assert_line --index 0 --partial "usage: vault extract REV:FILE ELEMENT -o OUT"
	run vault-replace -h
	assert_success
	assert_line --index 0 --partial "usage: vault replace FILE ELEMENT --from REV"
	printf 'just text\n' > notes.txt
	run vault extract notes.txt x -o y
	assert_failure 128
	assert_output --partial "not a file vault can take elements from"
	[ ! -e y ]
}
