#!/usr/bin/env bats
# .vaultattributes: per-path chunker and compression applied by backup,
# precedence, nested files, bad lines, and the game profile's defaults.

load helper

MKASSET="$VAULT_SRCDIR/t/helpers/mkasset.py"

# stored CHUNK_ID: "SIZE STORED" of a chunk in the repository's packs
stored() {
	vault-verify-pack -v --all | awk -v id="$1" '$1 == id { print $3, $4 }'
}

# all_stored FILE ALGO: every chunk ALGO cuts FILE into is in the repository
all_stored() {
	vault-verify-pack -v --all | awk '$2 == "chunk" { print $1 }' | sort > have
	vault-chunk --algo "$2" "$1" | awk '{ print $3 }' | sort -u > want
	[ -z "$(comm -13 have want)" ]
}

# compressible text, different per name
text() {
	for i in $(seq 1 3000); do echo "$1 line $i of some very compressible text"; done
}

@test "compress=none stores a path's chunks as they are" {
	vault init -q
	text a > a.png
	text b > b.txt
	printf '*.png compress=none\n' > .vaultattributes
	vault backup -q
	read -r size st < <(stored "$(vault-chunk a.png | awk '{print $3}')")
	[ "$size" -gt 100000 ] && [ "$st" -eq "$size" ]
	read -r size st < <(stored "$(vault-chunk b.txt | awk '{print $3}')")
	[ "$st" -lt $((size / 4)) ]
	vault restore -q --target ../out HEAD
	cmp a.png ../out/a.png
}

@test "chunker=fixed and chunker=asset choose how a path is cut" {
	vault init -q --avg 16k
	mkdir -p audio raw
	python3 "$MKASSET" wav audio/theme.wav --seconds 2 --list "take 2"
	head -c 400000 /dev/urandom > raw/blob.bin
	printf '*.wav chunker=asset\nraw/** chunker=fixed\n' > .vaultattributes
	vault backup -q
	all_stored audio/theme.wav asset
	run all_stored audio/theme.wav fastcdc
	assert_failure
	vault-chunk --algo fixed --avg 16k raw/blob.bin | awk '{print $3}' | sort -u > want
	vault-verify-pack -v --all | awk '$2 == "chunk" { print $1 }' | sort > have
	[ -z "$(comm -13 have want)" ]
	vault restore -q --target ../out HEAD
	cmp audio/theme.wav ../out/audio/theme.wav
	cmp raw/blob.bin ../out/raw/blob.bin
}

@test "later lines win, per attribute; a nested file wins over the root's" {
	vault init -q
	mkdir -p ui/icons
	text icon > ui/icons/a.png
	text root > top.png
	printf '*.png compress=none chunker=fixed\n*.png chunker=fastcdc\n' > .vaultattributes
	printf '*.png compress=zstd\n' > ui/.vaultattributes
	vault backup -q
	read -r size st < <(stored "$(vault-chunk top.png | awk '{print $3}')")
	[ "$st" -eq "$size" ]                 # the root's compress=none
	read -r size st < <(stored "$(vault-chunk ui/icons/a.png | awk '{print $3}')")
	[ "$st" -lt $((size / 4)) ]           # ui/.vaultattributes: zstd
	all_stored top.png fastcdc            # the later chunker line
}

@test "a bad line stops the backup, naming file and line, and stores nothing" {
	vault init -q
	mkdir art
	text x > art/x.png
	printf '# ok\n*.png compress=none\n' > .vaultattributes
	printf '*.png chunker=fast\n' > art/.vaultattributes
	run vault backup -q
	assert_failure 128
	assert_output --partial 'art/.vaultattributes:1: chunker is fixed, fastcdc or asset'
	run vault log
	assert_output --partial 'no snapshots yet'
	[ -z "$(vault-verify-pack -v --all 2>/dev/null | awk '$2 == "chunk"')" ]
	printf '*.png compres=none\n' > art/.vaultattributes
	run vault backup -q
	assert_failure 128
	assert_output --partial "art/.vaultattributes:1: unknown attribute (chunker, compress, delta): 'compres'"
	printf '!*.png delta\n' > art/.vaultattributes
	run vault backup -q
	assert_failure 128
	assert_output --partial 'art/.vaultattributes:1: negative patterns are not allowed'
}

@test "vault game init writes the game defaults, and a .vaultattributes overrides them" {
	vault game init -q
	grep -q '^	defaults = game$' .vault/config
	run vault fsck
	assert_success
	mkdir -p Textures Audio
	text hero > Textures/hero.png
	text pad > Textures/pad.jpg
	python3 "$MKASSET" wav Audio/hit.wav --seconds 1 --list "v2"
	vault backup -q
	read -r size st < <(stored "$(vault-chunk Textures/hero.png | awk '{print $3}')")
	[ "$st" -eq "$size" ]
	all_stored Audio/hit.wav asset
	printf '*.jpg compress=auto\n' > .vaultattributes
	text pad2 > Textures/pad.jpg
	vault backup -q
	read -r size st < <(stored "$(vault-chunk Textures/pad.jpg | awk '{print $3}')")
	[ "$st" -lt $((size / 4)) ]
}

@test "fsck reports a bad attributes.defaults, backup refuses it" {
	vault init -q
	printf '[attributes]\n\tdefaults = indie\n' >> .vault/config
	run vault fsck
	assert_failure
	assert_output --partial "attributes.defaults is 'indie', not game or none"
	echo x > a
	run vault backup -q
	assert_failure 128
	assert_output --partial "'indie' is not game or none"
}

@test "restore --verify and --force accept files stored with another chunker" {
	vault init -q --avg 16k
	mkdir -p audio raw
	python3 "$MKASSET" wav audio/theme.wav --seconds 2
	head -c 200000 /dev/urandom > raw/blob.bin
	printf '*.wav chunker=asset\nraw/** chunker=fixed\n' > .vaultattributes
	vault backup -q
	run vault restore --verify --target ../out HEAD
	assert_success
	cmp audio/theme.wav ../out/audio/theme.wav
	# restoring over identical files leaves them alone
	run vault restore --json --target ../out HEAD
	assert_success
	# an older version in the way is saved in the repository: --force may
	# replace it
	python3 "$MKASSET" wav audio/theme.wav --seconds 2 --edit 1
	vault backup -q
	run vault restore --force --target ../out HEAD
	assert_success
	cmp audio/theme.wav ../out/audio/theme.wav
	# a local edit that no snapshot has is a conflict, as ever
	printf 'local edit' >> ../out/raw/blob.bin
	run vault restore --force --target ../out HEAD~1
	assert_failure 128
	assert_output --partial 'raw/blob.bin: local changes are in no snapshot'
}
