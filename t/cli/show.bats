#!/usr/bin/env bats
# vault show: the snapshot header, metadata, and the change summary
# against the first parent (empty tree for the first, none for a
# forgotten parent: history-forget.bats), as text and JSON.

load helper

local_setup() {
	vault init -q
	echo one > notes.txt
	head -c 3000 /dev/zero > big.bin
	T1=$(vault-write-tree .)
	S1=$(vault-commit-tree "$T1" -m "first" --meta tool=blender)
	echo "one, longer" > notes.txt
	mkdir moved && mv big.bin moved/
	printf abc > new.txt
	T2=$(vault-write-tree .)
	S2=$(VAULT_AUTHOR_DATE=1764003600 vault-commit-tree "$T2" -p "$S1" -m "second

more text")
	vault-update-ref refs/snapshots/main "$S2"
}

@test "show prints the header and the message" {
	run vault show
	assert_success
	assert_line --index 0 "snapshot $S2"
	assert_line --index 1 "Tree:   $T2"
	assert_line --index 2 "Parent: $S1"
	assert_line --index 3 "Author: Test Artist <artist@example.org>"
	assert_line --index 5 "Date:   Mon Nov 24 17:00:00 2025 +0000"
	assert_line "    second"
	assert_line "    more text"
}

@test "show summarises the changes against the first parent" {
	run vault show
	assert_line " 3 files changed (1 added, 1 modified, 1 renamed), +11 B, -0 B"
	assert_line --regexp '^   added +1  3 B$'
	assert_line --regexp '^   modified +1  4 B -> 12 B$'
	assert_line --regexp '^   renamed +1  2.9 KiB$'
}

@test "the first snapshot is compared with an empty tree; meta is shown" {
	run vault show main~1
	assert_success
	assert_line "Meta:   tool = blender"
	refute_line --partial "Parent:"
	assert_line " 2 files changed (2 added), +2.9 KiB, -0 B"
}

@test "a snapshot equal to its parent shows no changes" {
	S3=$(vault-commit-tree "$T2" -p "$S2" -m same)
	run vault show "$S3"
	assert_line " no changes"
}

@test "--json has the header and the summary" {
	run vault show --json
	assert_success
	python3 - "$output" "$S2" "$S1" "$T2" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["id"] == sys.argv[2] and d["parents"] == [sys.argv[3]], d
assert d["tree"] == sys.argv[4] and d["time"] == 1764003600, d
assert d["message"] == "second\n\nmore text\n", d
c = d["changes"]
assert c["against"] == sys.argv[3], c
assert c["files_changed"] == 3, c
assert c["added"] == {"files": 1, "bytes": 3}, c
assert c["modified"] == {"files": 1, "old_bytes": 4, "new_bytes": 12}, c
assert c["renamed"] == {"files": 1, "bytes": 3000}, c
assert c["removed"] == {"files": 0, "bytes": 0}, c
assert c["bytes_added"] == 11 and c["bytes_removed"] == 0, c
PY
	run vault show --json "$S1"
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["changes"]["against"] is None and d["meta"] == {"tool": "blender"}, d' <<<"$output"
}

@test "a missing parent that was not forgotten is damage" {
	printf 'tree %s\nparent %s\ntime 1764020000 +0000\nauthor A <a@b>\nhost h\n\norphan\n' \
		"$T2" "$(printf '2%.0s' {1..64})" > snapfile
	orphan=$(vault-hash-object -w -t snapshot snapfile)
	run vault show "$orphan"
	assert_failure 128
	assert_output --partial "is missing (run 'vault fsck')"
}

@test "show refuses what is not a snapshot" {
	run vault show "$T1"
	assert_failure 128
	run vault show nope
	assert_failure 128
	run vault show a b
	assert_failure 129
}
