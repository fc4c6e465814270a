#!/usr/bin/env bats
# vault stats: files, logical and unique sizes, dedup and compression,
# the by-type table, --all over the history, --json.

load helper

local_setup() {
	vault init -q
	mkdir art
	# two identical compressible textures, one incompressible sound, a
	# file without extension and a dotfile
	seq 1 50000 > art/a.PNG
	cp art/a.PNG art/b.png
	head -c 300000 /dev/urandom > sound.wav
	printf 'x\n' > README
	printf 'y\n' > .gitignore
	ln -s README link
	S1=$(vault-commit-tree "$(vault-write-tree .)" -m one)
	vault-update-ref refs/snapshots/main "$S1"
}

json_stats() {
	run vault stats --json "$@"
	assert_success
	echo "$output" > stats.json
}

@test "stats counts files, sizes and unique chunks of HEAD" {
	json_stats
	python3 - <<'PY'
import json, os
d = json.load(open("stats.json"))
png = os.path.getsize("art/a.PNG")
logical = 2 * png + 300000 + 2 + 2
assert d["files"] == 5 and d["unique_files"] == 4, d
assert d["symlinks"] == 1 and d["directories"] == 1, d
assert d["logical_bytes"] == logical, d
assert d["unique_bytes"] == png + 300000 + 2 + 2, d
assert d["unique_chunks"] >= 4 and d["missing_chunks"] == 0, d
assert 0 < d["stored_bytes"] < d["unique_bytes"], d
assert d["dedup_ratio"] == round(logical / d["unique_bytes"], 2), d
assert d["compression_ratio"] > 1, d
assert d["snapshots"] == 1 and d["snapshot"] is not None, d
r = d["repository"]
assert r["packs"] >= 1 and r["pack_bytes"] > 0 and r["objects"] > 0, r
PY
}

@test "the type table groups by lower-cased extension, by stored size" {
	json_stats
	python3 - <<'PY'
import json, os
d = json.load(open("stats.json"))
t = {e["type"]: e for e in d["types"]}
assert set(t) == {"png", "wav", "(none)"}, t
assert t["png"]["files"] == 2 and t["(none)"]["files"] == 2, t
assert t["png"]["logical_bytes"] == 2 * os.path.getsize("art/a.PNG"), t
assert t["wav"]["stored_bytes"] >= 300000, t
stored = [e["stored_bytes"] for e in d["types"]]
assert stored == sorted(stored, reverse=True), stored
assert sum(stored) == d["stored_bytes"], d
PY
}

@test "a file stored under two types counts as the one met first in path order" {
	mkdir -p two/d
	head -c 200000 /dev/urandom > two/d/x.psd
	cp two/d/x.psd two/z.tga
	S=$(vault-commit-tree "$(vault-write-tree two)" -m two)
	run vault stats --json "$S"
	assert_success
	echo "$output" > stats.json
	python3 - <<'PY'
import json
t = {x["type"]: x for x in json.load(open("stats.json"))["types"]}
assert t["psd"]["stored_bytes"] > 0, t
assert t["tga"]["stored_bytes"] == 0 and t["tga"]["files"] == 1, t
PY
}

@test "human output names every figure" {
	run vault stats
	assert_success
	assert_line --regexp "^snapshot +${S1:0:12}  "
	assert_line --regexp '^files +5 \(4 unique\)$'
	assert_line --regexp '^dedup ratio +[0-9.]+x$'
	assert_line --regexp '^compression ratio +[0-9.]+x$'
	assert_line --regexp '^type +files +logical +stored$'
	assert_line --regexp '^wav +1 +293\.0 KiB +29[0-9.]+ KiB$'
	assert_line --regexp '^repository +[0-9]+ packs?, '
}

@test "--all sums files over snapshots and counts chunks once" {
	echo more >> README
	S2=$(vault-commit-tree "$(vault-write-tree .)" -p "$S1" -m two)
	vault-update-ref refs/snapshots/main "$S2"
	json_stats
	one=$(python3 -c 'import json; print(json.load(open("stats.json"))["unique_bytes"])')
	json_stats --all
	python3 - "$one" <<'PY'
import json, sys
d = json.load(open("stats.json"))
assert d["snapshot"] is None and d["snapshots"] == 2, d
assert d["files"] == 10 and d["unique_files"] == 5, d
# only README's new content is new
assert d["unique_bytes"] == int(sys.argv[1]) + 2, d
PY
}

@test "--all skips refs to forgotten snapshots" {
	printf 'tree %s\ntime 1764020000 +0000\nauthor A <a@b>\nhost h\n\nx\n' \
		"$(vault-rev-parse HEAD:)" > snapfile
	gone=$(vault-hash-object -t snapshot snapfile)   # not stored
	mkdir -p .vault/refs/snapshots && chmod u+w .vault/refs/snapshots
	echo "$gone" > .vault/refs/snapshots/gone
	json_stats --all
	python3 -c 'import json; d=json.load(open("stats.json")); assert d["snapshots"] == 1 and d["missing_snapshots"] == 1, d'
}

@test "usage errors" {
	run vault stats --all HEAD
	assert_failure 129
	run vault stats nope
	assert_failure 128
}
