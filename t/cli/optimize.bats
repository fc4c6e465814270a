#!/usr/bin/env bats
# vault game optimize --report: stored cost per type and path, and what
# a .vaultattributes policy would save, measured by cutting and
# compressing the stored content again (Documentation/vault-optimize.md).

load helper

MKASSET="$VAULT_SRCDIR/t/helpers/mkasset.py"
MKBUILD="$VAULT_SRCDIR/t/helpers/mkbuild.py"

# A game project in two snapshots: the PAK's entries reordered (FastCDC
# stores most of it twice, the asset chunker cuts at the entries), the
# WAV edited, the build relinked. Plain `vault init`: no game defaults.
make_game() {
	vault init -q --avg 64k
	mkdir -p Content Audio Builds
	python3 "$MKASSET" zip Content/level1.pak --entries 12 --size 200000
	python3 "$MKASSET" wav Audio/theme.wav --seconds 2
	python3 "$MKBUILD" build 1M 1 Builds/game.bin
	python3 "$MKASSET" png Content/hero.png
	text_file > README.txt
	vault backup -q >/dev/null
	python3 "$MKASSET" zip Content/level1.pak --entries 12 --size 200000 --reverse
	python3 "$MKASSET" wav Audio/theme.wav --seconds 2 --edit 1
	python3 "$MKBUILD" rebuild Builds/game.bin 2 1 Builds/next.bin
	mv Builds/next.bin Builds/game.bin
	vault backup -q >/dev/null
}

text_file() {
	for i in $(seq 1 2000); do echo "line $i of a compressible read-me"; done
}

# json FILE EXPR: evaluate a python expression over the parsed JSON as j
json() {
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

@test "optimize --report ranks *.pak chunker=asset with a real saving" {
	make_game
	run vault game optimize --report
	assert_success
	assert_line --partial "2 snapshots, 8 file versions"
	assert_line --regexp '^pak +2 '
	assert_line --regexp 'Content/level1\.pak$'
	# the first policy listed is the PAK's, and the advice names it
	first=$(printf '%s\n' "$output" | awk '/^policy /{getline; print; exit}')
	[[ "$first" == '*.pak chunker=asset '* ]]
	assert_line "  echo '*.pak chunker=asset' >> .vaultattributes"
	assert_line --partial "note: 'Builds/** delta=on': backup does not store deltas yet"
	vault game optimize --report --json > r.json
	[ "$(json r.json '[p for p in j["policies"] if p["policy"] == "*.pak chunker=asset"][0]["saving_bytes"] > 0')" = True ]
	[ "$(json r.json '[p for p in j["policies"] if p["policy"] == "*.pak chunker=asset"][0]["would_bytes"] < [p for p in j["policies"] if p["policy"] == "*.pak chunker=asset"][0]["current_bytes"]')" = True ]
}

@test "the saving of chunker=asset matches what backup then stores" {
	make_game
	vault game optimize --report --json > r.json
	would=$(json r.json '[p["would_bytes"] for p in j["policies"] if p["policy"] == "*.pak chunker=asset"][0]')
	# a fresh repository storing both PAK versions with the asset chunker
	mkdir ../fresh && cd ../fresh
	vault init -q --avg 64k
	printf '*.pak chunker=asset\n' > .vaultattributes
	python3 "$MKASSET" zip level1.pak --entries 12 --size 200000
	vault backup -q >/dev/null
	python3 "$MKASSET" zip level1.pak --entries 12 --size 200000 --reverse
	vault backup -q >/dev/null
	vault game optimize --report --json > f.json
	stored=$(json f.json '[t["stored_bytes"] for t in j["types"] if t["type"] == "pak"][0]')
	[ "$would" -eq "$stored" ]
}

@test "--json numbers are consistent: current - would = saving, types add up" {
	make_game
	vault game optimize --report --json --top 2 > r.json
	[ "$(json r.json 'all(p["current_bytes"] - p["would_bytes"] == p["saving_bytes"] for p in j["policies"])')" = True ]
	[ "$(json r.json 'sum(t["stored_bytes"] for t in j["types"]) == j["stored_bytes"]')" = True ]
	[ "$(json r.json 'len(j["top"])')" = 2 ]
	[ "$(json r.json 'j["top"][0]["stored_bytes"] >= j["top"][1]["stored_bytes"]')" = True ]
	[ "$(json r.json 'sorted(j["policies"], key=lambda p: -p["saving_bytes"]) == j["policies"]')" = True ]
	[ "$(json r.json 'sorted(j.keys())')" = "['policies', 'snapshots', 'stored_bytes', 'top', 'types']" ]
}

@test "a --policy the user gives is evaluated: compress=none costs bytes on text" {
	make_game
	vault game optimize --report --json --policy '*.txt compress=none' > r.json
	p='[p for p in j["policies"] if p["policy"] == "*.txt compress=none"][0]'
	[ "$(json r.json "$p[\"default\"]")" = False ]
	[ "$(json r.json "$p[\"files\"]")" = 1 ]
	# stored raw: its logical size
	[ "$(json r.json "$p[\"would_bytes\"]")" -eq "$(wc -c < README.txt)" ]
	[ "$(json r.json "$p[\"saving_bytes\"] < 0")" = True ]
	run vault game optimize --report --policy '*.txt compress=none'
	assert_success
	assert_line --partial "note: '*.txt compress=none' stores"
	assert_line --partial "what it buys is speed"
}

@test "delta=on is the size of each version's delta against the previous one" {
	make_game
	vault game optimize --report --json --policy 'Builds/game.bin delta=on' > r.json
	p='[p for p in j["policies"] if p["policy"] == "Builds/game.bin delta=on"][0]'
	[ "$(json r.json "$p[\"files\"]")" = 2 ]
	# the first version as stored, plus a real delta of the second
	vault-delta create HEAD~1:Builds/game.bin HEAD:Builds/game.bin -o ../d
	first=$(vault game optimize --report --json HEAD~1 | python3 -c 'import json,sys; j=json.load(sys.stdin); print([t["stored_bytes"] for t in j["types"] if t["type"] == "bin"][0])')
	[ "$(json r.json "$p[\"would_bytes\"]")" -eq $((first + $(wc -c < ../d))) ]
	[ "$(json r.json "$p[\"saving_bytes\"] > 0")" = True ]
}

@test "REV reports one snapshot" {
	make_game
	run vault game optimize --report HEAD~1
	assert_success
	assert_line --partial "1 snapshot, 5 file versions"
}

@test "defaults the repository already applies are not proposed again" {
	make_game
	printf '*.pak chunker=asset\nBuilds/** delta=on\n' > .vaultattributes
	vault game optimize --report --json > r.json
	[ "$(json r.json '[p["policy"] for p in j["policies"] if p["policy"] in ("*.pak chunker=asset", "Builds/** delta=on")]')" = "[]" ]
	[ "$(json r.json '"*.wav chunker=asset" in [p["policy"] for p in j["policies"]]')" = True ]
}

@test "an empty repository says there is nothing to report" {
	vault init -q
	run vault game optimize --report
	assert_success
	assert_output "nothing to report: the repository has no snapshots yet (run 'vault backup')"
	run vault game optimize --report --json
	assert_success
	[ "$(echo "$output" | python3 -c 'import json,sys; print(json.load(sys.stdin)["policies"])')" = "[]" ]
}

@test "a bad --policy line is a usage error and nothing is measured" {
	make_game
	run vault game optimize --report --policy '*.pak colour=red'
	[ "$status" -eq 129 ]
	assert_output --partial "error: bad --policy: --policy:1: unknown attribute"
	refute_output --partial "stored (compressed"
	run vault game optimize --report --policy 'justapattern'
	[ "$status" -eq 129 ]
	assert_output --partial "a policy is one line 'PATTERN attr=value'"
	run vault game optimize --report --policy '*.pak chunker=quantum'
	[ "$status" -eq 129 ]
	run vault game optimize --report --top 0
	[ "$status" -eq 129 ]
	run vault game optimize
	[ "$status" -eq 129 ]
	assert_output --partial "error: give --report"
}

@test "optimize --help prints usage; vault game lists optimize" {
	run vault-optimize --help
	assert_success
	assert_line --partial "usage: vault game optimize --report"
	run vault game --help
	assert_success
	assert_output --partial "optimize"
}

@test "a policy that sets nothing to measure is refused" {
	make_game
	run vault game optimize --report --policy '*.pak delta=off'
	[ "$status" -eq 129 ]
	assert_output --partial "'*.pak delta=off' sets nothing to measure"
}

@test "chunker=asset keeps the codec the repository applies to the path" {
	make_game
	printf '*.txt compress=none\n' > .vaultattributes
	vault game optimize --report --json --policy '*.txt chunker=asset' > r.json
	# stored raw either way: the would-be bytes are the file's size
	[ "$(json r.json '[p["would_bytes"] for p in j["policies"] if p["policy"] == "*.txt chunker=asset"][0]')" -eq "$(wc -c < README.txt)" ]
}

@test "the advice never names delta=on, which backup does not store yet" {
	make_game
	printf '*.pak chunker=asset\n' > .vaultattributes
	run vault game optimize --report
	assert_success
	assert_line --regexp '^Builds/\*\* delta=on +2 '
	refute_line --partial "echo 'Builds/** delta=on'"
	refute_line --partial "echo '*.pak"
}
