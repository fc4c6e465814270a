#!/usr/bin/env bats
# vault creative status: what changed since the latest snapshot, with the
# numbers an artist reads: image sizes and changed pixels, model vertex
# and triangle counts and bounds, byte sizes of other files; --json,
# --no-visual, the decoding cap and the thumbnail cache.

load helper
VAULT_TEST_NEEDS=media

local_setup() {
	MKIMAGE=$(dirname "$(command -v vault-diff-visual)")/../t/helpers/mkimage
	[ -x "$MKIMAGE" ] || { echo "t/helpers/mkimage is not built" >&2; return 1; }
}

mkimage() { "$MKIMAGE" "$@"; }

# cube OUT [ROOF]: a 2x2x2 cube (8 vertices, 12 triangles); with ROOF a
# second object, a triangle reaching y = 3 (3 more vertices, 1 triangle).
cube() {
	{
		echo "o Cube"
		for v in "-1 -1 -1" "1 -1 -1" "1 1 -1" "-1 1 -1" \
			 "-1 -1 1" "1 -1 1" "1 1 1" "-1 1 1"; do
			echo "v $v"
		done
		printf 'f 1 2 3 4\nf 5 8 7 6\nf 1 5 6 2\nf 2 6 7 3\nf 3 7 8 4\nf 5 1 4 8\n'
		if [ -n "${2:-}" ]; then
			printf 'o Roof\nv -1 1 -1\nv 1 1 -1\nv 0 3 0\nf 9 10 11\n'
		fi
	} > "$1"
}

# A creative project with one snapshot, then changed in the working
# folder: a PNG edited in a 20x10 rectangle, a PNG resized, an OBJ with a
# new object, a removed PNG, a new PNG, a binary file grown, notes
# untouched.
make_changed_project() {
	mkdir -p proj/art proj/models
	cd proj
	vault creative init -q
	mkimage art/hero.png 256 128 fill:200,200,200
	mkimage art/bg.png 64 64 fill:10,100,10
	mkimage art/gone.png 16 16 fill:1,2,3
	cube models/cube.obj
	head -c 4096 /dev/urandom > data.bin
	printf 'notes\n' > notes.txt
	sleep 0.1
	vault backup -q -m first > /dev/null
	mkimage art/hero.png 256 128 fill:200,200,200 rect:40,30,20,10,255,0,0
	mkimage art/bg.png 128 96 fill:10,100,10
	rm art/gone.png
	mkimage art/new.png 32 16 fill:9,9,9
	cube models/cube.obj roof
	head -c 8192 /dev/urandom > data.bin
}

@test "creative status gives each changed file a line with its numbers" {
	make_changed_project
	run vault creative status
	assert_success
	assert_line --index 0 --regexp '^On branch main, latest snapshot [0-9a-f]{12}$'
	assert_output --partial "modified  art/hero.png: image 256x128 png, 0.61% of pixels changed, in 20x10 at (40, 30); 472 B -> 500 B"
	assert_output --partial "modified  art/bg.png: image 64x64 -> 128x96 png, resized; compared at the new size: no visible change"
	assert_output --partial "deleted   art/gone.png: image 16x16 png"
	assert_output --partial "added     art/new.png: image 32x16 png"
	assert_output --partial "modified  models/cube.obj: model obj, 8 -> 11 vertices, 12 -> 13 triangles, 1 -> 2 objects, bounds 2 x 2 x 2 -> 2 x 4 x 2"
	assert_output --partial "modified  data.bin: file 4.0 KiB -> 8.0 KiB"
	refute_output --partial notes.txt
	# nothing was stored: a second look says the same
	run vault creative status
	assert_output --partial "art/hero.png: image 256x128 png, 0.61%"
}

@test "creative status --json carries the same facts" {
	make_changed_project
	run vault creative status --json
	assert_success
	echo "$output" > status.json
	run python3 - status.json <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
c = {x["path"]: x for x in j["changes"]}
assert j["added"] == 1 and j["modified"] == 4 and j["deleted"] == 1, j
assert sorted(c) == ["art/bg.png", "art/gone.png", "art/hero.png",
                     "art/new.png", "data.bin", "models/cube.obj"], sorted(c)
h = c["art/hero.png"]
assert h["kind"] == "image" and h["status"] == "M"
assert (h["before"]["width"], h["before"]["height"]) == (256, 128)
v = h["visual"]
assert v["changed_pixels"] == 200 and v["total_pixels"] == 256 * 128, v
assert v["region"] == {"x": 40, "y": 30, "width": 20, "height": 10}, v
assert v["resized"] is False
b = c["art/bg.png"]
assert (b["before"]["width"], b["after"]["width"], b["after"]["height"]) == (64, 128, 96)
assert b["visual"]["resized"] is True and b["visual"]["changed_pixels"] == 0
assert b["visual"]["region"] is None
g = c["art/gone.png"]
assert g["status"] == "D" and g["after"] is None and g["before"]["width"] == 16
n = c["art/new.png"]
assert n["status"] == "A" and n["before"] is None and n["after"]["height"] == 16
assert "visual" not in n
m = c["models/cube.obj"]
assert m["kind"] == "model"
assert (m["before"]["vertices"], m["after"]["vertices"]) == (8, 11)
assert (m["before"]["triangles"], m["after"]["triangles"]) == (12, 13)
assert m["before"]["bbox"] == {"min": [-1, -1, -1], "max": [1, 1, 1]}
assert m["after"]["bbox"] == {"min": [-1, -1, -1], "max": [1, 3, 1]}
d = c["data.bin"]
assert d["kind"] == "file" and d["before"] == {"size": 4096} and d["after"] == {"size": 8192}
PY
	assert_success
}

@test "creative status --no-visual decodes nothing and says so" {
	make_changed_project
	run vault creative status --no-visual
	assert_success
	assert_output --partial "modified  art/hero.png: image 472 B -> 500 B"
	assert_output --partial "modified  models/cube.obj: model 143 B -> 187 B"
	refute_output --partial "pixels changed"
	assert_output --partial "Images and models were not decoded (--no-visual)."
	run vault creative status --no-visual --json
	assert_success
	assert_output --partial '"visual": false'
	refute_output --partial '"width"'
	refute_output --partial '"thumbnail"'
}

@test "creative status decodes nothing over --max-size and says why" {
	make_changed_project
	run vault creative status --max-size 480
	assert_success
	assert_output --partial "art/hero.png: image 472 B -> 500 B (not decoded: 500 B is over the --max-size limit of 480 B)"
	# the smaller files are still decoded
	assert_output --partial "art/new.png: image 32x16 png"
	run vault creative status --max-size 480 --json
	assert_output --partial '"not_decoded": "not decoded: 500 B is over the --max-size limit of 480 B"'
	run vault creative status --max-size lots
	assert_failure 129
}

@test "creative status compares no picture over --max-pixels, and says so" {
	make_changed_project
	run vault creative status --max-pixels 30000 --json
	assert_success
	echo "$output" > status.json
	run python3 - status.json <<'PY'
import json, sys
c = {x["path"]: x for x in json.load(open(sys.argv[1]))["changes"]}
h = c["art/hero.png"]
# 256x128 = 32768 pixels: sizes from the header, no comparison, no thumbnail
assert (h["before"]["width"], h["after"]["height"]) == (256, 128), h
assert "visual" not in h and "thumbnail" not in h["after"], h
assert h["not_decoded"] == "not compared: over the --max-pixels limit of 30000 pixels"
# 128x96 = 12288 after, 64x64 before: compared
assert c["art/bg.png"]["visual"]["resized"] is True
PY
	assert_success
	run vault creative status --max-pixels 30000
	assert_output --partial "art/hero.png: image 256x128 -> 256x128 png; 472 B -> 500 B (not compared: over the --max-pixels limit of 30000 pixels)"
	run vault creative status --max-pixels 0
	assert_failure 129
}

@test "creative status names a file it cannot decode, and goes on" {
	make_changed_project
	printf 'not a png at all' > art/hero.png
	run vault creative status
	assert_success
	assert_output --partial "modified  art/hero.png: image 472 B -> 16 B (not decoded: the new version: unknown image format)"
	assert_output --partial "art/new.png: image 32x16 png"
}

@test "creative status puts thumbnails in the cache, unless told not to" {
	make_changed_project
	run vault creative status --json
	assert_success
	echo "$output" > status.json
	run python3 - status.json <<'PY'
import json, os, sys
j = json.load(open(sys.argv[1]))
c = {x["path"]: x for x in j["changes"]}
for p, sides in (("art/hero.png", ("before", "after")), ("art/gone.png", ("before",)),
                 ("art/new.png", ("after",)), ("models/cube.obj", ("before", "after"))):
    for s in sides:
        t = c[p][s]["thumbnail"]
        assert "/.vault/cache/thumbs/" in t, t
        assert open(t, "rb").read(8) == b"\x89PNG\r\n\x1a\n", t
assert "thumbnail" not in c["data.bin"]["after"]
PY
	assert_success
	# the next backup does not store them
	vault backup -q -m second > /dev/null
	run vault ls -r HEAD
	refute_output --partial thumbs
	# creative.thumbnails = false turns them off; --thumbnails back on
	vault creative init -q 2>/dev/null || true
	printf '[creative]\n\tthumbnails = false\n' >> .vault/config
	mkimage art/new.png 32 16 fill:90,9,9
	run vault creative status --json
	assert_success
	refute_output --partial '"thumbnail"'
	run vault creative status --json --thumbnails
	assert_output --partial '"thumbnail"'
	run vault creative status --json --no-thumbnails
	refute_output --partial '"thumbnail"'
}

@test "creative status in an unchanged project and before any snapshot" {
	mkdir proj && cd proj
	vault creative init -q
	mkimage a.png 8 8 fill:1,1,1
	run vault creative status
	assert_success
	assert_output --partial "no snapshot yet: every file is new"
	assert_output --partial "added     a.png: image 8x8 png"
	sleep 0.1
	vault backup -q -m first > /dev/null
	run vault creative status
	assert_success
	assert_output --partial "Nothing changed since the latest snapshot."
}

@test "creative status with PATHs looks only there; a bad option is a usage error" {
	make_changed_project
	run vault creative status art/new.png models
	assert_success
	assert_output --partial "art/new.png"
	assert_output --partial "models/cube.obj"
	refute_output --partial "hero.png"
	refute_output --partial "data.bin"
	run vault creative status --frobnicate
	assert_failure 129
	assert_output --partial "usage: vault creative status"
	run vault creative status --help
	assert_success
	assert_output --partial "--no-visual"
}
