#!/usr/bin/env bats
# vault log: first-parent history newest first, --oneline, -n, --json,
# REV, path filtering (added, modified, removed, mode; not mtime), and a
# history cut short by a missing parent (forgotten ones:
# history-forget.bats).

load helper

# snap N MSG [PARENT]: the folder as a snapshot taken N hours after
# $VAULT_AUTHOR_DATE (2025-11-24 16:00 UTC)
snap() {
	local tree
	tree=$(vault-write-tree .)
	VAULT_AUTHOR_DATE=$((VAULT_AUTHOR_DATE + $1 * 3600)) \
		vault-commit-tree "$tree" ${3:+-p "$3"} -m "$2"
}

local_setup() {
	export TZ=UTC
	vault init -q
	mkdir art
	echo one > notes.txt
	echo rock > art/rock.png
	S1=$(snap 1 "first snapshot

with a body")
	echo two > notes.txt
	S2=$(snap 2 "notes edited" "$S1")
	echo grass > art/grass.png
	S3=$(snap 3 "grass added" "$S2")
	vault-update-ref refs/snapshots/main "$S3"
}

@test "log lists snapshots newest first in git's layout" {
	run vault log
	assert_success
	assert_line --index 0 "snapshot $S3"
	assert_line --index 1 "Author: Test Artist <artist@example.org>"
	assert_line --index 2 --regexp '^Host:   .+$'
	assert_line --index 3 "Date:   Mon Nov 24 19:00:00 2025 +0000"
	assert_line --index 4 "    grass added"
	assert_line --index 5 "snapshot $S2"
	assert_output --partial "    first snapshot

    with a body"
	[ "$(grep -c '^snapshot ' <<<"$output")" = 3 ]
}

@test "--oneline: short id, date and first line" {
	run vault log --oneline
	assert_success
	assert_output "${S3:0:12} 2025-11-24 19:00 grass added
${S2:0:12} 2025-11-24 18:00 notes edited
${S1:0:12} 2025-11-24 17:00 first snapshot"
}

@test "-n limits the count; REV picks the start" {
	run vault log --oneline -n 1
	assert_output "${S3:0:12} 2025-11-24 19:00 grass added"
	run vault log --oneline main~1
	assert_output "${S2:0:12} 2025-11-24 18:00 notes edited
${S1:0:12} 2025-11-24 17:00 first snapshot"
	run vault log --oneline -n 0
	assert_success
	assert_output ""
}

@test "-- PATH shows only snapshots that changed the path" {
	run vault log --oneline -- notes.txt
	assert_output "${S2:0:12} 2025-11-24 18:00 notes edited
${S1:0:12} 2025-11-24 17:00 first snapshot"
	run vault log --oneline -- art/grass.png
	assert_output "${S3:0:12} 2025-11-24 19:00 grass added"
	run vault log --oneline -- art
	assert_output "${S3:0:12} 2025-11-24 19:00 grass added
${S1:0:12} 2025-11-24 17:00 first snapshot"
	run vault log --oneline -- nothing/here
	assert_success
	assert_output ""
}

@test "a removal and a mode change count; a new mtime does not" {
	rm art/rock.png
	S4=$(snap 4 "rock removed" "$S3")
	chmod +x notes.txt
	S5=$(snap 5 "notes executable" "$S4")
	touch -d '2020-01-01' art/grass.png
	S6=$(snap 6 "grass touched" "$S5")
	vault-update-ref refs/snapshots/main "$S6"
	run vault log --oneline -n 1 -- art/rock.png
	assert_output --partial "rock removed"
	run vault log --oneline -n 1 -- notes.txt
	assert_output --partial "notes executable"
	run vault log --oneline -n 1 -- art/grass.png
	assert_output --partial "grass added"
}

@test "--json gives every field" {
	run vault log --json -n 2
	assert_success
	python3 - "$output" "$S3" "$S2" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert len(d) == 2, d
s = d[0]
assert s["id"] == sys.argv[2] and s["parents"] == [sys.argv[3]], s
assert s["time"] == 1764010800 and s["tz"] == "+0000", s
assert s["date"] == "2025-11-24T19:00:00+00:00", s
assert s["author"] == "Test Artist <artist@example.org>", s
assert s["message"] == "grass added\n" and s["meta"] == {}, s
assert len(s["tree"]) == 64 and s["host"], s
PY
}

@test "a missing parent that was not forgotten is damage, after what can be shown" {
	tree=$(vault-rev-parse "$S3:")
	printf 'tree %s\nparent %s\ntime 1764020000 +0000\nauthor A <a@b>\nhost h\n\norphan\n' \
		"$tree" "$(printf '1%.0s' {1..64})" > snapfile
	orphan=$(vault-hash-object -w -t snapshot snapfile)
	run vault log --oneline "$orphan"
	assert_failure 128
	assert_line --index 0 --partial "orphan"
	assert_line --partial "is missing and was not forgotten"
}

@test "no snapshot yet, unknown revisions and bad options fail" {
	cd "$BATS_TEST_TMPDIR" && mkdir empty && cd empty
	vault init -q
	run vault log
	assert_failure 128
	assert_output --partial "no snapshots yet"
	cd "$TEST_DIR"
	run vault log nope
	assert_failure 128
	run vault log -n x
	assert_failure 129
	run vault log --frobnicate
	assert_failure 129
	run vault log --help
	assert_success
	assert_output --partial "usage: vault log"
}
