#!/usr/bin/env bats
# vault-diff-visual: counts, regions, anti-aliasing, sizes, 16-bit and
# JPEG inputs, output pictures, damaged input, REV:path inputs, and the
# counts pixelmatch itself gives (when node and pixelmatch are there).
# Every image is drawn by the test helper t/helpers/mkimage.

load helper
VAULT_TEST_NEEDS=media
bats_require_minimum_version 1.5.0

local_setup() {
	MKIMAGE=$(dirname "$(command -v vault-diff-visual)")/../t/helpers/mkimage
	if [ ! -x "$MKIMAGE" ]; then
		echo "t/helpers/mkimage is not built (run make check)" >&2
		return 1
	fi
}

mkimage() {
	"$MKIMAGE" "$@"
}

# field FILE KEY: one value of a JSON object (python3: no jq needed)
field() {
	python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(json.dumps(v) if isinstance(v, (bool, type(None), list, dict)) else v)' "$1" "$2"
}

SHAPES="fill:250,250,250 aacircle:60,50,30,200,40,40 rect:120,20,50,60,30,90,200 text:10,80,2,3,12,0,0,0 line:0,99,199,0,1.5,20,20,120"

@test "a red 10x20 rectangle drawn on B only is 200 pixels in one region" {
	mkimage a.png 64 48 fill:255,255,255
	mkimage b.png 64 48 fill:255,255,255 rect:30,12,10,20,255,0,0
	run vault-diff-visual --json a.png b.png
	assert_failure 1
	echo "$output" > out.json
	[ "$(field out.json changed_pixels)" = 200 ]
	[ "$(field out.json total_pixels)" = 3072 ]
	[ "$(field out.json regions_total)" = 1 ]
	[ "$(field out.json regions.0)" = '{"x": 30, "y": 12, "width": 10, "height": 20, "pixels": 200}' ]
	[ "$(field out.json kind)" = image ]
	[ "$(field out.json format_a)" = png ]
	[ "$(field out.json size_changed)" = false ]
}

@test "the human report names size, changed pixels, regions, PSNR and SSIM" {
	mkimage a.png 64 48 fill:255,255,255
	mkimage b.png 64 48 fill:255,255,255 rect:30,12,10,20,255,0,0
	run vault-diff-visual a.png b.png
	assert_failure 1
	assert_line "a: a.png (64x48 png)"
	assert_line "changed pixels: 200 of 3072 (6.51%)"
	assert_line "regions: 1"
	assert_line "  10x20+30+12 (200 pixels)"
	assert_line --regexp '^psnr: [0-9.]+ dB$'
	assert_line --regexp '^ssim: 0\.[0-9]+$'
}

@test "identical files exit 0; PSNR is infinite (null in JSON), SSIM 1" {
	mkimage a.png 100 80 $SHAPES
	cp a.png b.png
	run vault-diff-visual a.png b.png
	assert_success
	assert_line "changed pixels: 0 of 8000 (0%)"
	assert_line "psnr: inf"
	run vault-diff-visual --json a.png b.png
	assert_success
	echo "$output" > out.json
	[ "$(field out.json psnr)" = null ]
	[ "$(field out.json ssim)" = 1.0 ]
	[ "$(field out.json identical)" = true ]
	run vault-diff-visual -q a.png a.png
	assert_success
	assert_output ""
}

@test "a moved anti-aliased line counts with --include-aa, not without" {
	mkimage a.png 200 100 fill:255,255,255 line:10,20.3,190,60.3,1.5,0,0,0
	mkimage b.png 200 100 fill:255,255,255 line:10,20.9,190,60.9,1.5,0,0,0
	vault-diff-visual --json a.png b.png > plain.json || true
	vault-diff-visual --json --include-aa a.png b.png > aa.json || true
	plain=$(field plain.json changed_pixels)
	aa=$(field plain.json aa_pixels)
	all=$(field aa.json changed_pixels)
	echo "without: $plain (+ $aa anti-aliased), with: $all"
	[ "$aa" -gt 100 ]
	[ "$all" -eq $((plain + aa)) ]
	[ "$(field aa.json aa_pixels)" = 0 ]
}

@test "different sizes: reported as a resize, the common area kept in JSON" {
	mkimage a.png 64 48 fill:255,255,255
	mkimage b.png 80 40 fill:255,255,255
	run vault-diff-visual --json a.png b.png
	assert_failure 1
	echo "$output" > out.json
	[ "$(field out.json size_changed)" = true ]
	[ "$(field out.json width_a)x$(field out.json height_a)" = 64x48 ]
	[ "$(field out.json width_b)x$(field out.json height_b)" = 80x40 ]
	[ "$(field out.json total_pixels)" = $((64 * 40)) ]
	[ "$(field out.json changed_pixels)" = 0 ]
	[ "$(field out.json outside_pixels)" = $((80 * 48 - 64 * 40)) ]
	[ "$(field out.json resized)" = true ]
	[ "$(field out.json scaled.width)x$(field out.json scaled.height)" = 80x40 ]
	run vault-diff-visual a.png b.png
	assert_line "resized 64×48 → 80×40"
	assert_line --partial "compared after scaling A to 80×40: 0 % of pixels changed"
	assert_line --partial "the common top-left 64x40 area: 0 % of pixels changed"
	# the picture is of the scaled comparison: B's size
	vault-diff-visual -o d.png a.png b.png || true
	run vault-diff-visual --json d.png d.png
	[ "$(echo "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["width_a"], d["height_a"])')" = "80 40" ]
}

@test "16-bit PNGs: counted at 8 bits like pixelmatch, PSNR at 16" {
	mkimage -f rgba16 a.png 64 48 fill:200,200,200
	mkimage -f rgba16 b.png 64 48 fill:200,200,200 rect:5,5,10,20,0,0,0
	run vault-diff-visual --json a.png b.png
	assert_failure 1
	echo "$output" > out.json
	[ "$(field out.json changed_pixels)" = 200 ]
	# a difference of one in the low byte of every sample
	mkimage -f rgb16 c.png 64 48 fill:200,200,200
	mkimage -f rgb16 d.png 64 48 fill:200,200,200 add16:0,0,64,48,1
	run vault-diff-visual --json c.png d.png
	assert_success
	echo "$output" > out.json
	[ "$(field out.json changed_pixels)" = 0 ]
	python3 -c 'import sys; p = float(sys.argv[1]); sys.exit(not 90 < p < 110)' "$(field out.json psnr)"
}

@test "grey, grey+alpha and palette PNGs compare like their RGBA twins" {
	for f in rgba8 grey8 greya8 palette; do
		mkimage -f $f a-$f.png 100 80 $SHAPES
		mkimage -f $f b-$f.png 100 80 $SHAPES rect:40,40,10,10,0,0,0
	done
	vault-diff-visual --json a-rgba8.png b-rgba8.png > rgba.json || true
	vault-diff-visual --json a-palette.png b-palette.png > pal.json || true
	[ "$(field rgba.json changed_pixels)" = "$(field pal.json changed_pixels)" ]
	for f in grey8 greya8; do
		run vault-diff-visual --json a-$f.png b-$f.png
		assert_failure 1
		echo "$output" > g.json
		[ "$(field g.json changed_pixels)" -gt 0 ]
	done
}

@test "a JPEG pair: compression noise counts at 0.1, not at 0.3" {
	mkimage -f jpeg -q 95 a.jpg 200 100 $SHAPES
	mkimage -f jpeg -q 60 b.jpg 200 100 $SHAPES
	run vault-diff-visual --json a.jpg b.jpg
	assert_failure 1
	echo "$output" > out.json
	[ "$(field out.json format_a)" = jpeg ]
	[ "$(field out.json changed_pixels)" -gt 0 ]
	run vault-diff-visual --threshold 0.3 a.jpg b.jpg
	assert_success
	assert_line "changed pixels: 0 of 20000 (0%)"
}

@test "PNG against JPEG of the same picture works" {
	mkimage a.png 64 48 fill:255,255,255
	mkimage -f jpeg -q 95 b.jpg 64 48 fill:255,255,255 rect:8,8,16,16,0,0,0
	run vault-diff-visual --json a.png b.jpg
	assert_failure 1
	echo "$output" > out.json
	[ "$(field out.json format_b)" = jpeg ]
	[ "$(field out.json regions_total)" = 1 ]
}

@test "damaged or foreign input is a clear fatal error, never a crash" {
	mkimage a.png 200 100 $SHAPES noise:1,20
	mkimage -f jpeg b.jpg 200 100 $SHAPES noise:1,20
	head -c $(($(stat -c %s a.png) / 2)) a.png > cut.png
	head -c $(($(stat -c %s b.jpg) / 2)) b.jpg > cut.jpg
	head -c 4096 /dev/urandom > garbage.bin
	: > empty.png
	run vault-diff-visual a.png cut.png
	assert_failure 128
	assert_output "fatal: cut.png: png: truncated (pixel data)"
	run vault-diff-visual cut.jpg b.jpg
	assert_failure 128
	assert_output --regexp '^fatal: cut.jpg: jpeg: '
	run vault-diff-visual a.png garbage.bin
	assert_failure 128
	assert_output "fatal: garbage.bin: unknown image format"
	run vault-diff-visual empty.png a.png
	assert_failure 128
	assert_output --partial "fatal: empty.png: unknown image format"
	run vault-diff-visual a.png no-such.png
	assert_failure 128
	assert_output --partial "fatal: cannot read 'no-such.png'"
	mkdir dir.png
	run vault-diff-visual a.png dir.png
	assert_failure 128
	assert_output "fatal: 'dir.png' is a directory"
}

@test "every output mode writes a PNG of the right size" {
	mkimage a.png 64 48 $SHAPES
	mkimage b.png 64 48 $SHAPES rect:30,12,10,20,255,0,0
	# --no-labels: the panels alone (captions are tested below)
	for mode in highlight side-by-side onion mask; do
		vault-diff-visual --no-labels --mode $mode -o $mode.png a.png b.png || [ $? = 1 ]
		vault-diff-visual --json $mode.png $mode.png > $mode.json
	done
	[ "$(field highlight.json width_a)" = 64 ]
	[ "$(field side-by-side.json width_a)" = $((3 * 64 + 8)) ]
	[ "$(field onion.json height_a)" = 48 ]
	# the mask is white exactly where pixels were counted
	vault-diff-visual --json a.png b.png > ab.json || true
	mkimage black.png 64 48 fill:0,0,0
	vault-diff-visual --json black.png mask.png > m.json || true
	[ "$(field m.json changed_pixels)" = "$(field ab.json changed_pixels)" ]
	[ "$(field m.json changed_pixels)" -gt 150 ]
	run vault-diff-visual --background white --alt-color 00ff00 -o - a.png b.png
	assert_failure 1
	[ "${output:1:3}" = PNG ]
}

@test "options are checked: bad values are usage errors, --help is not" {
	mkimage a.png 4 4 fill:0,0,0
	run vault-diff-visual --threshold 1.5 a.png a.png
	assert_failure 129
	run vault-diff-visual --metric rgb a.png a.png
	assert_failure 129
	run vault-diff-visual --mode sketch a.png a.png
	assert_failure 129
	run vault-diff-visual --diff-color red a.png a.png
	assert_failure 129
	run vault-diff-visual a.png
	assert_failure 129
	run vault-diff-visual --help
	assert_success
	assert_line --index 0 --partial "usage: vault-diff-visual"
	run vault-diff-visual --metric oklab --background white a.png a.png
	assert_success
}

@test "REV:path inputs come from the repository; a file on disk wins" {
	mkdir proj
	cd proj
	vault init -q
	mkimage art.png 64 48 fill:255,255,255
	vault backup -q -m one > /dev/null
	mkimage art.png 64 48 fill:255,255,255 rect:30,12,10,20,255,0,0
	run vault-diff-visual --json HEAD:art.png art.png
	assert_failure 1
	echo "$output" > ../out.json
	[ "$(field ../out.json changed_pixels)" = 200 ]
	[ "$(field ../out.json a)" = HEAD:art.png ]
	vault backup -q -m two > /dev/null
	run vault-diff-visual HEAD~1:art.png HEAD:art.png
	assert_failure 1
	assert_line "changed pixels: 200 of 3072 (6.51%)"
	run vault-diff-visual HEAD:art.png art.png
	assert_success
	# a file whose name looks like a revision is read from disk
	cp art.png "HEAD~1:art.png"
	run vault-diff-visual "HEAD~1:art.png" art.png
	assert_success
	run vault-diff-visual HEAD:missing.png art.png
	assert_failure 128
	assert_output --regexp '^fatal: '
}

@test "counts equal pixelmatch's own on the same files (when node has it)" {
	command -v node >/dev/null || skip "node is not installed"
	# where bench/visual-diff-bench.sh installs it, or PIXELMATCH_DIR
	pm=
	for d in ${PIXELMATCH_DIR:-} /var/tmp/vault-vdiff-node /var/tmp/pm; do
		if [ -f "$d/node_modules/pixelmatch/index.js" ] &&
		   [ -d "$d/node_modules/pngjs" ]; then
			pm=$d
			break
		fi
	done
	[ -n "$pm" ] || skip "pixelmatch is not installed (npm install pixelmatch@7 pngjs in PIXELMATCH_DIR)"
	mkimage a.png 300 200 hgrad:30,60,90,220,200,180 aacircle:100,100,40,200,30,30 \
		line:10,180,290,20,2.5,20,20,120 text:20,150,2,7,20,0,0,0 \
		rect:200,50,80,60,40,160,40,128
	mkimage b.png 300 200 hgrad:30,60,90,220,200,180 aacircle:100.5,100.3,40,200,30,30 \
		line:10,181,290,21,2.5,20,20,120 text:20,150,2,8,20,0,0,0 \
		rect:203,50,80,60,40,160,40,150
	cat > count.mjs <<'EOF'
import {createRequire} from 'module';
const [,, dir, a, b, t, aa] = process.argv;
const require = createRequire(dir + '/');
const {PNG} = require('pngjs');
const fs = require('fs');
const pm = (await import(dir + '/node_modules/pixelmatch/index.js')).default;
const i1 = PNG.sync.read(fs.readFileSync(a)), i2 = PNG.sync.read(fs.readFileSync(b));
console.log(pm(i1.data, i2.data, null, i1.width, i1.height,
	{threshold: +t, includeAA: aa === 'true'}));
EOF
	for t in 0.05 0.1 0.3; do
		for aa in false true; do
			flag=; [ $aa = true ] && flag=--include-aa
			want=$(node count.mjs "$pm" a.png b.png $t $aa)
			vault-diff-visual --json --threshold $t $flag a.png b.png > out.json || true
			got=$(field out.json changed_pixels)
			echo "threshold $t include_aa $aa: pixelmatch $want, vault $got"
			[ "$got" = "$want" ]
		done
	done
}

@test "a resized image is a resize: compared again after scaling A to B's size" {
	# the same picture drawn at 320x240 and at 400x300
	mkimage a.png 320 240 hgrad:20,40,200,240,200,40 aacircle:160,120,60,250,250,250
	mkimage b.png 400 300 hgrad:20,40,200,240,200,40 aacircle:200,150,75,250,250,250
	run vault-diff-visual a.png b.png
	assert_failure 1
	assert_line "resized 320×240 → 400×300"
	assert_line --regexp "^compared after scaling A to 400×300: 0(\.[0-9]+)? % of pixels changed$"
	echo "$output" > human.txt
	run vault-diff-visual --json a.png b.png
	echo "$output" > out.json
	[ "$(field out.json resized)" = true ]
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
s = d["scaled"]
assert (s["width"], s["height"]) == (400, 300), s
assert s["percent"] < 1, s            # the same picture, scaled
assert d["percent"] > 20, d["percent"]  # what comparing top-left said' out.json
	# the picture shows the scaled comparison, A captioned as scaled
	vault-diff-visual --mode side-by-side -o sbs.png a.png b.png || [ $? = 1 ]
	run vault-diff-visual --json sbs.png sbs.png
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["width_a"] == 3 * 400 + 8 and d["height_a"] > 300, d' "$output"
}

@test "side-by-side pictures carry the names of A and B in their pixels" {
	mkimage a.png 200 100 $SHAPES
	mkimage b.png 200 100 $SHAPES rect:30,12,10,20,255,0,0
	cp a.png other-name.png
	vault-diff-visual --mode side-by-side -o one.png a.png b.png || [ $? = 1 ]
	vault-diff-visual --mode side-by-side -o two.png other-name.png b.png || [ $? = 1 ]
	vault-diff-visual --mode side-by-side --no-labels -o bare.png a.png b.png || [ $? = 1 ]
	run vault-diff-visual --json bare.png bare.png
	[ "$(echo "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["width_a"], d["height_a"])')" = "608 100" ]
	# the captions are a strip of 27 rows over the panels ...
	run vault-diff-visual --json one.png two.png
	assert_failure 1
	echo "$output" > cap.json
	[ "$(field cap.json height_a)" = 127 ]
	# ... and the only pixels that differ between the two pictures are
	# in it, where the name of A is written
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert d["changed_pixels"] > 30, d["changed_pixels"]
for g in d["regions"]:
    assert g["y"] + g["height"] <= 27 and g["x"] < 200, g' cap.json
}

# layered FILE PNG MIMETYPE [--no-merged]: a Krita/OpenRaster-like zip:
# a stored "mimetype" entry first, then mergedimage.png and a document.
layered() {
	python3 - "$@" <<'PY'
import sys, zipfile
out, png, mime = sys.argv[1:4]
with zipfile.ZipFile(out, "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), mime)
    if "--no-merged" not in sys.argv:
        z.write(png, "mergedimage.png", compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("maindoc.xml", "<DOC/>", compress_type=zipfile.ZIP_DEFLATED)
PY
}

@test "Krita .kra and OpenRaster .ora files compare by their merged image" {
	mkimage a.png 64 48 fill:255,255,255
	mkimage b.png 64 48 fill:255,255,255 rect:30,12,10,20,255,0,0
	layered a.kra a.png application/x-krita
	layered b.kra b.png application/x-krita
	run vault-diff-visual --json a.kra b.kra
	assert_failure 1
	echo "$output" > k.json
	[ "$(field k.json changed_pixels)" = 200 ]
	[ "$(field k.json format_a)" = kra ]
	layered a.ora a.png image/openraster
	layered b.ora b.png image/openraster
	run vault-diff-visual a.ora b.ora
	assert_failure 1
	assert_line "a: a.ora (64x48 ora)"
	assert_line "changed pixels: 200 of 3072 (6.51%)"
	run vault-diff-visual a.kra a.ora
	assert_success
}

@test "a truncated or incomplete .kra is a clear error, not a crash" {
	mkimage a.png 64 48 fill:255,255,255
	layered a.kra a.png application/x-krita
	head -c $(($(stat -c %s a.kra) / 2)) a.kra > cut.kra
	layered flat.kra a.png application/x-krita --no-merged
	run vault-diff-visual a.kra cut.kra
	assert_failure 128
	assert_output --regexp "^fatal: cut.kra: truncated or damaged Krita file \(its zip archive: .+\)$"
	run vault-diff-visual flat.kra a.kra
	assert_failure 128
	assert_output "fatal: flat.kra: Krita file without a mergedimage.png (the flattened picture vault shows)"
	# a damaged merged image inside an intact zip
	head -c 60 a.png > bad.png
	layered bad.kra bad.png application/x-krita
	run vault-diff-visual bad.kra a.kra
	assert_failure 128
	assert_output --partial "fatal: bad.kra: Krita file: mergedimage.png: png: "
}

@test "without its caption font the diff still writes the picture, uncaptioned, and warns once" {
	mkimage a.png 200 100 $SHAPES
	mkimage b.png 200 100 $SHAPES rect:30,12,10,20,255,0,0
	VAULT_CAPTION_FONT=/nonexistent run --separate-stderr \
		vault-diff-visual --mode side-by-side --threads 4 -o out.png a.png b.png
	assert_failure 1
	assert_output --partial "changed pixels: 193 of 20000"
	[ "$(printf '%s\n' "$stderr" | grep -c '^warning: caption font /nonexistent not found: pictures have no captions$')" = 1 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" = 1 ]
	# the picture is there, three panels without the caption strip
	run vault-diff-visual --json out.png out.png
	assert_success
	echo "$output" > out.json
	[ "$(field out.json width_a)" = 608 ]
	[ "$(field out.json height_a)" = 100 ]
	# a 3D model's picture too: no caption, no colour key, one warning
	printf 'v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n' > m1.obj
	printf 'v 0 0 0\nv 1 0 0\nv 0 1.5 0\nf 1 2 3\n' > m2.obj
	VAULT_CAPTION_FONT=/nonexistent run --separate-stderr \
		vault-diff-visual -o model.png m1.obj m2.obj
	assert_failure 1
	[ "$(printf '%s\n' "$stderr" | grep -c '^warning: caption font /nonexistent not found')" = 1 ]
	[ -s model.png ]
	run vault-diff-visual model.png model.png
	assert_success
	assert_output --partial "1200x600"
}

@test "a damaged caption font is a warning too, and the picture is written" {
	mkimage a.png 200 100 $SHAPES
	mkimage b.png 200 100 $SHAPES rect:30,12,10,20,255,0,0
	head -c 3000 /dev/urandom > broken.ttf
	font=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
	fonts="broken.ttf"
	# the first 5000 bytes of the real font: its header, cut short
	[ -r "$font" ] && head -c 5000 "$font" > cut.ttf && fonts="$fonts cut.ttf"
	for f in $fonts; do
		rm -f out.png
		VAULT_CAPTION_FONT=$PWD/$f run --separate-stderr \
			vault-diff-visual --mode side-by-side -o out.png a.png b.png
		assert_failure 1
		[ "$(printf '%s\n' "$stderr" | grep -c "^warning: caption font $PWD/$f is damaged or not a font (unknown file format): pictures have no captions\$")" = 1 ]
		run vault-diff-visual --json out.png out.png
		assert_success
		echo "$output" > out.json
		[ "$(field out.json height_a)" = 100 ]
	done
}

@test "VAULT_CAPTION_FONT chooses the caption font; the default draws the same captions" {
	mkimage a.png 200 100 $SHAPES
	mkimage b.png 200 100 $SHAPES rect:30,12,10,20,255,0,0
	font=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf
	bold=/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf
	[ -r "$font" ] && [ -r "$bold" ] || skip "fonts-dejavu-core is not installed"
	vault-diff-visual --mode side-by-side -o plain.png a.png b.png || [ $? = 1 ]
	VAULT_CAPTION_FONT=$font vault-diff-visual --mode side-by-side \
		-o named.png a.png b.png || [ $? = 1 ]
	VAULT_CAPTION_FONT=$bold run --separate-stderr vault-diff-visual \
		--mode side-by-side -o bold.png a.png b.png
	assert_failure 1
	[ -z "$stderr" ]
	run vault-diff-visual named.png plain.png
	assert_success
	# bold captions: the same strip, other pixels, all of them in it
	run vault-diff-visual --json plain.png bold.png
	assert_failure 1
	echo "$output" > bold.json
	[ "$(field bold.json height_a)" = 127 ]
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert d["changed_pixels"] > 30, d["changed_pixels"]
for g in d["regions"]:
    assert g["y"] + g["height"] <= 27, g' bold.json
}
