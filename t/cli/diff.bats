#!/usr/bin/env bats
# vault diff: two snapshots, a snapshot and the working folder, HEAD and
# the folder; A/D/M/R records with sizes, --name-status, --stat, --json,
# -z, paths after --, and the exit status (0 same, 1 different).

load helper

local_setup() {
	vault init -q
	mkdir -p art docs
	printf 'rock v1\n' > art/rock.png
	head -c 2000 /dev/urandom > art/move-me.bin
	printf 'readme\n' > docs/readme.txt
	printf 'gone soon\n' > old.txt
	printf '#!/bin/sh\n' > build.sh
	T1=$(vault-write-tree .)
	S1=$(vault-commit-tree "$T1" -m one)
	printf 'rock v2, bigger\n' > art/rock.png
	mkdir final && mv art/move-me.bin final/moved.bin
	rm old.txt
	printf 'new\n' > new.txt
	chmod +x build.sh
	T2=$(vault-write-tree .)
	S2=$(vault-commit-tree "$T2" -p "$S1" -m two)
	vault-update-ref refs/snapshots/main "$S1"
	vault-update-ref refs/snapshots/main "$S2"
}

@test "diff A B prints A/D/M/R with sizes, in tree order, and exits 1" {
	run vault diff "$S1" "$S2"
	assert_failure 1
	assert_output "M  art/rock.png  8 B -> 16 B
M  build.sh  10 B -> 10 B (mode 0644 -> 0755)
R  art/move-me.bin -> final/moved.bin  2.0 KiB
A  new.txt  4 B
D  old.txt  10 B"
}

@test "no differences: exit 0 and no output" {
	run vault diff main main
	assert_success
	assert_output ""
	run vault diff --stat "$S2" "$T2"
	assert_success
	assert_output ""
}

@test "--name-status is git's format" {
	run vault diff --name-status main~1 main
	assert_failure 1
	assert_output "M	art/rock.png
M	build.sh
R100	art/move-me.bin	final/moved.bin
A	new.txt
D	old.txt"
	run vault diff --name-status --no-renames main~1 main
	assert_line "D	art/move-me.bin"
	assert_line "A	final/moved.bin"
}

@test "-z gives NUL-terminated records without quoting" {
	run bash -c "vault diff -z main~1 main | tr '\0' '\n'"
	assert_output "M
art/rock.png
M
build.sh
R100
art/move-me.bin
final/moved.bin
A
new.txt
D
old.txt"
}

@test "--stat shows size changes and a summary line" {
	run vault diff --stat main~1 main
	assert_failure 1
	assert_line " art/move-me.bin => final/moved.bin | 2.0 KiB (renamed)"
	assert_line " art/rock.png                       | 8 B -> 16 B (+8 B)"
	assert_line " new.txt                            | +4 B (new)"
	assert_line " old.txt                            | -10 B (gone)"
	assert_line " 5 files changed (1 added, 1 removed, 2 modified, 1 renamed), +12 B, -10 B"
}

@test "paths after -- limit the diff" {
	run vault diff --name-status main~1 main -- art/rock.png docs
	assert_failure 1
	assert_output "M	art/rock.png"
	run vault diff main~1 main -- docs
	assert_success
	run vault diff main~1 main -- art
	assert_output "D  art/move-me.bin  2.0 KiB
M  art/rock.png  8 B -> 16 B"
	run vault diff "main~1:art" "main:art"
	assert_output "D  move-me.bin  2.0 KiB
M  rock.png  8 B -> 16 B"
}

@test "--json lists changes and a summary" {
	run vault diff --json main~1 main
	assert_failure 1
	python3 - "$output" "$T1" "$T2" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["a"] == sys.argv[2] and d["b"] == sys.argv[3], d
ch = {c["path"]: c for c in d["changes"]}
r = ch["final/moved.bin"]
assert r["status"] == "R" and r["old_path"] == "art/move-me.bin", r
assert r["old"]["id"] == r["new"]["id"] and r["new"]["size"] == 2000, r
m = ch["build.sh"]
assert m["status"] == "M" and m["old"]["mode"] == "0644" and m["new"]["mode"] == "0755", m
assert ch["new.txt"]["old"] is None and ch["old.txt"]["new"] is None
s = d["summary"]
assert s["files_changed"] == 5 and s["renamed"] == {"files": 1, "bytes": 2000}, s
assert s["bytes_added"] == 12 and s["bytes_removed"] == 10, s
PY
}

@test "with no revision, HEAD is compared with the working folder" {
	run vault diff
	assert_success
	touch -d '2001-01-01' build.sh
	run vault diff
	assert_success
	printf 'edited\n' >> docs/readme.txt
	printf 'x' > untracked.dat
	run vault diff
	assert_failure 1
	assert_output "M  docs/readme.txt  7 B -> 14 B
A  untracked.dat  1 B"
	run vault diff main~1 -- docs
	assert_output "M  docs/readme.txt  7 B -> 14 B"
	run vault diff -q
	assert_failure 1
	assert_output ""
}

@test "diffing against the folder stores nothing" {
	printf 'brand new content\n' > fresh.txt
	before=$(find .vault/packs -type f | sort | xargs cat | sha256sum)
	run vault diff
	assert_failure 1
	after=$(find .vault/packs -type f | sort | xargs cat | sha256sum)
	[ "$before" = "$after" ]
}

@test "a bare repository cannot be compared with a folder" {
	vault-init --bare -q "$BATS_TEST_TMPDIR/bare"
	export VAULT_DIR="$BATS_TEST_TMPDIR/bare"
	tree=$(vault-write-tree .)
	snap=$(vault-commit-tree "$tree" -m bare)
	run vault diff "$snap"
	assert_failure 128
	assert_output --partial "no working folder"
	run vault diff "$snap" "$snap"
	assert_success
}

@test "bad revisions and options" {
	run vault diff nope
	assert_failure 128
	run vault diff a b c
	assert_failure 129
	run vault diff --stat --json main main
	assert_failure 129
	run vault diff --help
	assert_success
	assert_output --partial "usage: vault diff"
}

@test "diff against the folder says how many paths the ignore rules left out" {
	vault backup -q >/dev/null
	mkdir -p art/Saved game/Assets game/ProjectSettings game/Library
	echo work > art/Saved/final.kra
	echo cache > game/Library/x
	rc=0
	vault diff --name-status >../out 2>../err || rc=$?
	[ "$rc" -eq 1 ]
	[ "$(cat ../out)" = "$(printf 'A\tart/Saved/final.kra')" ]
	[ "$(cat ../err)" = "1 path in the folder left out by ignore rules (vault status --ignored lists them)" ]
	vault diff -q 2>../err || true
	[ ! -s ../err ]
}

@test "diff --visual in a build without media says so (exit 128)" {
	if has_feature media; then skip "this build has media support"; fi
	S2=$(vault-commit-tree "$(vault-write-tree .)" -m two)
	run vault diff --visual "$S1" "$S2"
	assert_failure 128
	assert_output --partial "this build has no media support"
}
