#!/usr/bin/env bats
# vault timeline (versions of one file, thumbnails, the HTML page in a
# real browser) and vault diff --visual.

load helper
VAULT_TEST_NEEDS=media
bats_require_minimum_version 1.5.0

local_setup() {
	MKIMAGE=$(dirname "$(command -v vault-diff-visual)")/../t/helpers/mkimage
	[ -x "$MKIMAGE" ] || { echo "t/helpers/mkimage is not built" >&2; return 1; }
}

mkimage() { "$MKIMAGE" "$@"; }

# cube_obj FILE DX: a unit cube as OBJ with its first vertex moved by DX
cube_obj() {
	cat > "$1" <<EOF
o Cube
v $(awk -v d="$2" 'BEGIN { printf "%g", d }') 0 0
v 1 0 0
v 1 1 0
v 0 1 0
v 0 0 1
v 1 0 1
v 1 1 1
v 0 1 1
f 1 2 3 4
f 5 8 7 6
f 1 5 6 2
f 2 6 7 3
f 3 7 8 4
f 5 1 4 8
EOF
}

# A project whose texture changes over four backups (one a rename).
make_texture_history() {
	mkdir -p proj/art
	cd proj
	vault init -q
	mkimage art/rock.png 120 80 fill:200,200,200 rect:10,10,30,20,200,30,30
	cube_obj art/cube.obj 0
	printf 'notes\n' > notes.txt
	VAULT_AUTHOR_DATE=1700000000 vault backup -q -m "first rock" > ../s1
	mkimage art/rock.png 120 80 fill:200,200,200 rect:10,10,30,20,200,30,30 rect:60,40,20,20,30,30,200
	cube_obj art/cube.obj 0.25
	VAULT_AUTHOR_DATE=1700086400 VAULT_AUTHOR_NAME="Other Artist" \
		vault backup -q -m "bluer rock" > ../s2
	printf 'more notes\n' >> notes.txt
	VAULT_AUTHOR_DATE=1700172800 vault backup -q -m "notes only" > ../s3
	mkimage art/rock.png 160 90 fill:180,180,180
	VAULT_AUTHOR_DATE=1700259200 vault backup -q -m "bigger rock" --tag review > ../s4
	mkdir -p textures && mv art/rock.png textures/stone.png
	VAULT_AUTHOR_DATE=1700345600 vault backup -q -m "rename" > ../s5
	cd ..
}

@test "timeline lists every version of a file with change, size, author and dimensions" {
	make_texture_history
	cd proj
	run vault timeline textures/stone.png
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	assert_line -n 0 --regexp "^$(cut -c1-12 ../s5) .* renamed .*160x90 png  \(from art/rock.png\)$"
	assert_line -n 1 --regexp "^$(cut -c1-12 ../s4) .* modified .*160x90 png$"
	assert_line -n 2 --regexp "^$(cut -c1-12 ../s2) .* modified .*Other Artist.*120x80 png$"
	assert_line -n 3 --regexp "^$(cut -c1-12 ../s1) .* added .*120x80 png$"
	# the snapshot that changed only notes.txt is not a version of the file
	refute_output --partial "$(cut -c1-12 ../s3)"
}

@test "timeline follows a file that was deleted and shows models' vertex counts" {
	make_texture_history
	cd proj
	rm art/cube.obj
	vault backup -q -m "drop the cube" > ../s6
	run vault timeline art/cube.obj
	assert_success
	assert_line -n 0 --regexp "^$(cut -c1-12 ../s6) .* deleted +- "
	assert_line -n 1 --regexp "modified .* 8 vertices obj$"
	[ "${#lines[@]}" -eq 3 ]
}

@test "timeline --since, --until and --tag filter the versions" {
	make_texture_history
	cd proj
	run vault timeline --since 2023-11-15 --until 2023-11-17 art/rock.png
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	assert_output --regexp "^$(cut -c1-12 ../s2) "
	run vault timeline --tag review art/rock.png
	[ "${#lines[@]}" -eq 1 ]
	assert_output --regexp "^$(cut -c1-12 ../s4) "
	vault tag milestone-1 "$(cat ../s1)"
	run vault timeline --tag 'milestone-*' art/rock.png
	[ "${#lines[@]}" -eq 1 ]
	assert_output --regexp "^$(cut -c1-12 ../s1) "
	run vault timeline --since not-a-date art/rock.png
	assert_failure 129
}

@test "timeline --json gives one object per version" {
	make_texture_history
	cd proj
	run vault timeline --json textures/stone.png
	assert_success
	echo "$output" | python3 -c '
import json, sys
v = json.load(sys.stdin)
assert [x["change"] for x in v] == ["renamed", "modified", "modified", "added"], v
assert v[0]["old_path"] == "art/rock.png" and v[0]["path"] == "textures/stone.png"
assert (v[1]["width"], v[1]["height"], v[1]["format"]) == (160, 90, "png")
assert v[3]["width"] == 120 and v[3]["time"] == 1700000000
assert v[2]["author"] == "Other Artist <artist@example.org>"
'
}

@test "timeline of a path that never existed exits 1 and says so" {
	make_texture_history
	cd proj
	run --separate-stderr vault timeline no/such/file.png
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "no/such/file.png: not in any snapshot of main"
	run --separate-stderr vault timeline HEAD~1 ./no/such/file.png
	assert_failure 1
	assert_equal "$stderr" "no/such/file.png: not in any snapshot of HEAD~1"
	# there, but not in the range asked for
	run --separate-stderr vault timeline --until 2000-01-01 art/rock.png
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "art/rock.png: no version of it in main matches --since, --until or --tag"
}

@test "thumbnails are cached by content and reused across snapshots" {
	make_texture_history
	cd proj
	vault timeline art/rock.png >/dev/null
	# three distinct contents of art/rock.png: three info entries
	[ "$(find .vault/cache/thumbs -name '*.info' | wc -l)" -ge 3 ]
	before=$(find .vault/cache/thumbs -type f -printf '%p %T@\n' | sort)
	vault timeline --html ../page art/rock.png >/dev/null
	vault timeline --html ../page2 art/rock.png >/dev/null
	# the second page made nothing new
	after=$(find .vault/cache/thumbs -type f -name '*.info' -printf '%p %T@\n' | sort)
	[ "$(echo "$before" | grep '\.info ')" = "$after" ]
	cmp ../page/index.html ../page2/index.html
	# a thumbnail is a small PNG
	t=$(find .vault/cache/thumbs -name '*-256.png' | head -1)
	run vault-diff-visual --json "$t" "$t"
	assert_success
}

@test "the HTML timeline is a static page whose thumbnails all load in a browser" {
	command -v chromium >/dev/null || skip "chromium is not installed"
	make_texture_history
	cd proj
	run vault timeline --html ../page textures/stone.png
	assert_success
	[ -f ../page/index.html ]
	# no network resources: every src/href is relative
	run grep -Eo '(src|href)="[^"]*"' ../page/index.html
	refute_output --partial "http"
	refute_output --partial "//"
	[ "$(grep -c '<img' ../page/index.html)" -eq 4 ]
	# diffs between neighbours exist and are PNGs
	[ "$(ls ../page/diffs | wc -l)" -ge 2 ]
	for f in ../page/diffs/*.png; do
		[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = "211PNG" ]
	done
	run timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--user-data-dir="$BATS_TEST_TMPDIR/chrome" --dump-dom \
		--virtual-time-budget=5000 "file://$PWD/../page/index.html"
	assert_output --partial 'data-images-loaded="4/4"'
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--user-data-dir="$BATS_TEST_TMPDIR/chrome" --window-size=1200,900 \
		--screenshot="$BATS_TEST_TMPDIR/shot.png" \
		"file://$PWD/../page/index.html" 2>/dev/null
	[ -s "$BATS_TEST_TMPDIR/shot.png" ]
	# the screenshot is not a blank page
	mkimage "$BATS_TEST_TMPDIR/blank.png" 1200 900 fill:255,255,255
	run vault-diff-visual --json "$BATS_TEST_TMPDIR/blank.png" "$BATS_TEST_TMPDIR/shot.png"
	assert_failure 1
}

@test "diff --visual writes a picture per changed image and model, with an index" {
	make_texture_history
	cd proj
	run vault diff --visual -o ../vd "$(cat ../s1)" "$(cat ../s2)"
	assert_failure 1   # like every diff: 1 means "there are differences"
	[ "${#lines[@]}" -ge 2 ]
	assert_output --partial "art/rock.png"
	assert_output --regexp "art/cube.obj.*max displacement 0.25 "
	assert_output --regexp "art/rock.png.*4\.17% of pixels changed \(400 of 9600"
	[ -f ../vd/index.html ]
	[ "$(ls ../vd/*.png | wc -l)" -eq 2 ]
	grep -q 'src="0001-art_cube.obj.png"' ../vd/index.html
	grep -q 'src="0002-art_rock.png"' ../vd/index.html
	# notes.txt is not media: no picture
	run vault diff --visual -o ../vd2 "$(cat ../s2)" "$(cat ../s3)"
	assert_output --partial "0 visual diffs"
}

@test "diff --visual without its caption font draws every picture and warns once" {
	make_texture_history
	cd proj
	VAULT_CAPTION_FONT=/nonexistent run --separate-stderr \
		vault diff --visual -o ../vd "$(cat ../s1)" "$(cat ../s2)"
	assert_failure 1
	assert_output --regexp "art/rock.png.*4\.17% of pixels changed"
	[ "$(ls ../vd/*.png | wc -l)" -eq 2 ]
	# one warning for the run, not one per picture
	[ "$(printf '%s\n' "$stderr" | grep -c '^warning:')" = 1 ]
	printf '%s\n' "$stderr" | grep -qx 'warning: caption font /nonexistent not found: pictures have no captions'
	# the model's picture has neither caption strip nor colour key
	run vault-diff-visual ../vd/0001-art_cube.obj.png ../vd/0001-art_cube.obj.png
	assert_success
	assert_output --partial "(960x480 png)"
}

@test "diff --visual compares with the working folder too" {
	make_texture_history
	cd proj
	mkimage textures/stone.png 160 90 fill:180,180,180 rect:0,0,10,10,0,0,0
	run vault diff --visual -o ../vd
	assert_failure 1
	assert_output --regexp "textures/stone.png.*100 of 14400"
}

@test "timeline and diff --visual report a damaged image without stopping" {
	make_texture_history
	cd proj
	head -c 100 textures/stone.png > textures/stone.png.tmp
	mv textures/stone.png.tmp textures/stone.png
	vault backup -q -m broken >/dev/null
	run vault timeline textures/stone.png
	assert_success
	assert_output --partial "warning:"
	[ "$(echo "$output" | grep -c '^[0-9a-f]\{12\} ')" -eq 5 ]
	run vault diff --visual -o ../vd HEAD~1 HEAD
	assert_output --partial "error: textures/stone.png"
}
