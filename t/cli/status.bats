#!/usr/bin/env bats
# vault status: what changed in the project folder since the latest
# snapshot, as git status users expect; stat-only for unchanged files.

load helper

local_setup() {
	make_project proj
	cd proj
	vault init -q
}

@test "status after a backup: nothing changed, exit 0" {
	vault backup -q >/dev/null
	run vault status
	assert_success
	assert_line --regexp "^On branch main, latest snapshot [0-9a-f]{12}$"
	assert_line "Nothing changed since the latest snapshot."
	run vault status --short
	assert_success
	assert_output ""
}

@test "status lists added, modified and deleted files" {
	vault backup -q >/dev/null
	echo new > art/new.png
	echo more >> README.txt
	rm src/numbers.txt
	run vault status
	assert_success
	assert_line "$(printf '\tmodified   README.txt')"
	assert_line "$(printf '\tadded      art/new.png')"
	assert_line "$(printf '\tdeleted    src/numbers.txt')"
	run vault status --short
	assert_success
	assert_output "M README.txt
A art/new.png
D src/numbers.txt"
	run vault status --porcelain
	assert_output "M README.txt
A art/new.png
D src/numbers.txt"
}

@test "status reads only files whose stat changed; same content after touch is unchanged" {
	vault backup -q >/dev/null
	run vault status --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["files_read"] == 0 and d["files"] == 7 and d["changes"] == [], d' <<<"$output"
	touch README.txt
	chmod 600 src/numbers.txt; chmod 644 src/numbers.txt
	run vault status --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["files_read"] == 2 and d["changes"] == [], d' <<<"$output"
	run vault status --short
	assert_output ""
}

@test "status counts what ignore rules leave out; --ignored lists it" {
	mkdir -p unity/Assets unity/ProjectSettings unity/Library art/Saved
	echo cache > unity/Library/x
	echo work > art/Saved/final.kra
	echo t > scratch.tmp
	vault backup -q >/dev/null
	run vault status
	assert_success
	assert_line "2 paths left out by ignore rules (vault status --ignored lists them)"
	run vault status --short --ignored
	assert_output "! scratch.tmp
! unity/Library/"
	run vault status --ignored
	assert_line "Left out by ignore rules (vault check-ignore -v PATH says which rule):"
	assert_line "$(printf '\tunity/Library/')"
}

@test "status -z gives NUL-terminated records with unquoted names" {
	vault backup -q >/dev/null
	printf 'x' > $'art/tab\tname.png'
	rm README.txt
	vault status -z >../out
	printf 'D README.txt\0A art/tab\tname.png\0' >../want
	cmp ../out ../want
	run vault status --short
	assert_line 'A "art/tab\tname.png"'
}

@test "status --json has the changes and the counts" {
	vault backup -q >/dev/null
	echo new > art/new.png
	echo t > x.tmp
	run vault status --json
	assert_success
	python3 - "$output" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["ref"] == "refs/snapshots/main", d
assert len(d["snapshot"]) == 64, d
assert d["changes"] == [{"status": "A", "path": "art/new.png", "size": 4}], d
assert (d["added"], d["modified"], d["deleted"], d["ignored"]) == (1, 0, 0, 1), d
assert "ignored_paths" not in d, d
PY
	run vault status --json --ignored
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ignored_paths"] == ["x.tmp"], d' <<<"$output"
}

@test "status before the first snapshot shows every file as added" {
	run vault status --short
	assert_success
	assert_line "A README.txt"
	assert_line "A src/numbers.txt"
	[ "${#lines[@]}" -eq 9 ]
	run vault status
	assert_line "On branch main, no snapshot yet: every file is new"
}

@test "status PATH limits the answer to that folder" {
	vault backup -q >/dev/null
	echo more >> README.txt
	echo new > art/new.png
	run vault status --short art
	assert_output "A art/new.png"
	cd art
	run vault status --short .
	assert_output "A art/new.png"
	run vault status /etc
	assert_failure 128
	assert_output --partial "outside the project folder"
}

@test "status stores nothing and leaves the next backup's work alone" {
	vault backup -q >/dev/null
	before=$(find .vault -type f -not -path '*/cache/*' | sort | xargs sha256sum)
	echo more >> README.txt
	vault status >/dev/null
	after=$(find .vault -type f -not -path '*/cache/*' | sort | xargs sha256sum)
	[ "$before" = "$after" ]
	run vault backup --json
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["files_unchanged"] == 6, d' <<<"$output"
}

@test "the driver runs vault status and lists it in its help" {
	run vault help
	assert_output --partial "status"
	assert_output --partial "check-ignore"
	run vault status -h
	assert_success
	assert_output --partial "usage: vault status"
}
