#!/usr/bin/env bats
# vault diff --visual as a report a stranger can read: where it is written
# (the repository's cache, not the project), what the page and the
# pictures say was compared, the files it could not read; and Krita /
# OpenRaster files in the report and in timeline thumbnails.

load helper
VAULT_TEST_NEEDS=media

local_setup() {
	MKIMAGE=$(dirname "$(command -v vault-diff-visual)")/../t/helpers/mkimage
	[ -x "$MKIMAGE" ] || { echo "t/helpers/mkimage is not built" >&2; return 1; }
}

mkimage() { "$MKIMAGE" "$@"; }

# layered FILE PNG MIMETYPE: a Krita/OpenRaster-like zip (a stored
# "mimetype" entry first, then mergedimage.png and a document).
layered() {
	python3 - "$@" <<'PY'
import sys, zipfile
out, png, mime = sys.argv[1:4]
with zipfile.ZipFile(out, "w") as z:
    z.writestr(zipfile.ZipInfo("mimetype"), mime)
    z.write(png, "mergedimage.png", compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("maindoc.xml", "<DOC/>", compress_type=zipfile.ZIP_DEFLATED)
PY
}

# A project with two snapshots: a texture, a painting (.kra), notes.
make_project_history() {
	mkdir -p proj/art
	cd proj
	vault init -q
	mkimage art/rock.png 120 80 fill:200,200,200 rect:10,10,30,20,200,30,30
	mkimage ../p1.png 64 48 fill:255,255,255
	layered art/paint.kra ../p1.png application/x-krita
	printf 'notes\n' > notes.txt
	VAULT_AUTHOR_DATE=1700000000 vault backup -q -m "first rock" > ../s1
	mkimage art/rock.png 120 80 fill:200,200,200 rect:10,10,30,20,200,30,30 rect:60,40,20,20,30,30,200
	mkimage ../p2.png 64 48 fill:255,255,255 rect:30,12,10,20,255,0,0
	layered art/paint.kra ../p2.png application/x-krita
	printf 'more notes\n' >> notes.txt
	VAULT_AUTHOR_DATE=1700086400 vault backup -q -m "bluer rock" > ../s2
}

@test "diff --visual without -o writes into the repository's cache, not the project" {
	make_project_history
	mkimage art/rock.png 120 80 fill:10,10,10
	run vault diff --visual
	assert_failure 1
	[ ! -e vault-visual-diff ]
	# the last line names the page, by its full path, inside .vault
	report=$(echo "$output" | sed -n 's/^[0-9]* visual diffs\{0,1\} in \(.*\)$/\1/p')
	[ -n "$report" ]
	[ "${report#/}" != "$report" ]
	[ -f "$report" ]
	[ "$(cd "$(dirname "$report")" && pwd -P)" = "$(cd .vault && pwd -P)/cache/visual-diff" ]
	assert_output --regexp "M	art/rock.png	$(dirname "$report")/0001-art_rock.png	"
	# the next backup does not store the pictures
	vault backup -q -m "after the diff" > /dev/null
	run vault ls -r HEAD
	refute_output --partial "visual-diff"
	refute_output --partial "index.html"
	# a second run replaces the report: no stale pictures
	mkimage art/rock.png 120 80 fill:200,200,200 rect:10,10,30,20,200,30,30 rect:60,40,20,20,30,30,200
	run vault diff --visual HEAD~2 HEAD~1 -- art/paint.kra
	[ "$(ls "$(dirname "$report")" | sort | tr '\n' ' ')" = "0001-art_paint.kra.png index.html " ]
	# -o still writes where it is told
	run vault diff --visual -o ../out HEAD~2 HEAD~1
	assert_output --partial "in $(cd .. && pwd -P)/out/index.html"
	[ -f ../out/index.html ]
}

@test "the page names the revisions, snapshot ids, dates and paths it compares" {
	make_project_history
	run vault diff --visual -o ../vd HEAD~1 HEAD -- art
	assert_failure 1
	html=../vd/index.html
	grep -q "<td class=\"rev\">HEAD~1</td><td class=\"id\">snapshot $(cat ../s1)</td>" $html
	grep -q "<td class=\"rev\">HEAD</td><td class=\"id\">snapshot $(cat ../s2)</td>" $html
	grep -q "<td>bluer rock</td>" $html
	grep -q "<td>Tue Nov 14 22:13:20 2023 +0000</td><td>first rock</td>" $html
	grep -q "<p>Only under: <code>art</code></p>" $html
	grep -q "A = HEAD~1:art/rock.png, B = HEAD:art/rock.png" $html
	grep -q 'alt="HEAD~1:art/paint.kra against HEAD:art/paint.kra"' $html
	# the page as a browser shows it (when chromium is there)
	if command -v chromium >/dev/null 2>&1; then
		timeout 120 chromium --headless --no-sandbox --disable-gpu \
			--screenshot="$BATS_TEST_TMPDIR/shot.png" --window-size=1200,900 \
			"file://$(cd ../vd && pwd)/index.html" >/dev/null 2>&1 || true
		[ -s "$BATS_TEST_TMPDIR/shot.png" ] || skip "chromium could not take a screenshot"
		mkimage "$BATS_TEST_TMPDIR/blank.png" 1200 900 fill:255,255,255
		run vault-diff-visual --json "$BATS_TEST_TMPDIR/blank.png" "$BATS_TEST_TMPDIR/shot.png"
		assert_failure 1
	fi
}

@test "side-by-side pictures in the report are captioned with REV:path" {
	make_project_history
	run vault diff --visual -o ../vd HEAD~1 HEAD -- art/rock.png
	assert_failure 1
	run vault-diff-visual --json ../vd/0001-art_rock.png ../vd/0001-art_rock.png
	echo "$output" > pic.json
	# three 120x80 panels and two separators, and the caption strip
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert d["width_a"] == 3 * 120 + 8 and d["height_a"] > 80, d' pic.json
	# the captions differ with the revision names: drawn in the pixels
	run vault diff --visual -o ../vd2 "$(cat ../s1)" "$(cat ../s2)" -- art/rock.png
	run vault-diff-visual --json ../vd/0001-art_rock.png ../vd2/0001-art_rock.png
	assert_failure 1
	echo "$output" > cap.json
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
assert d["changed_pixels"] > 30
h = d["height_a"] - 80
for g in d["regions"]:
    assert g["y"] + g["height"] <= h, (g, h)' cap.json
}

@test "files the visual diff cannot read are named, on stdout and on the page" {
	make_project_history
	run vault diff --visual -o ../vd HEAD~1 HEAD
	assert_failure 1
	assert_line "-	notes.txt	-	not an image or model vault reads: notes.txt"
	grep -q "<h2>Not compared</h2>" ../vd/index.html
	grep -q "<li>not an image or model vault reads: notes.txt</li>" ../vd/index.html
	# a damaged painting is named too, and the others still drawn
	head -c 200 art/paint.kra > cut.kra && mv cut.kra art/paint.kra
	vault backup -q -m "broken painting" > /dev/null
	run vault diff --visual -o ../vd3 HEAD~1 HEAD
	assert_failure 1
	assert_output --partial "error: art/paint.kra: truncated or damaged Krita file"
	grep -q "<li>cannot compare art/paint.kra: truncated or damaged Krita file" ../vd3/index.html
}

@test "a changed .kra is diffed by its merged image, and has a timeline thumbnail" {
	make_project_history
	run vault diff --visual -o ../vd HEAD~1 HEAD -- art/paint.kra
	assert_failure 1
	assert_line --regexp "^M	art/paint.kra	\.\./vd/0001-art_paint.kra.png	6\.51% of pixels changed \(200 of 3072"
	run vault timeline art/paint.kra
	assert_success
	assert_line -n 0 --regexp "^$(cut -c1-12 ../s2) .* modified .*64x48 kra$"
	run vault timeline --html ../tl art/paint.kra
	assert_success
	[ "$(ls ../tl/thumbs/*.png | wc -l)" -eq 2 ]
	run vault-diff-visual --json ../p2.png "$(ls ../tl/thumbs/*.png | head -1)"
	# the thumbnail is the painting itself (64x48 fits the box: not scaled)
	python3 -c 'import json, sys; d = json.loads(sys.argv[1])
assert (d["width_b"], d["height_b"]) == (64, 48), d' "$output"
	# an OpenRaster file too
	layered art/sketch.ora ../p1.png image/openraster
	vault backup -q -m sketch > /dev/null
	run vault timeline art/sketch.ora
	assert_line -n 0 --regexp "added .*64x48 ora$"
}
