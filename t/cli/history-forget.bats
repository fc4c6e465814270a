#!/usr/bin/env bats
# History after retention: every command that walks history, run after
# `vault forget` + gc has freed the files of forgotten snapshots. A
# forgotten parent is where the kept history starts (said once on
# stderr), never damage; a missing parent nobody forgot is damage.

load helper
bats_require_minimum_version 1.5.0

local_setup() {
	vault init -q
	local i
	IDS=()
	for i in 1 2 3 4; do
		echo "v$i" > notes.txt
		IDS+=("$(VAULT_AUTHOR_DATE=$((1764000000 + i * 3600)) vault backup -q -m "v$i")")
	done
	vault forget --keep-last 2 --prune -q
}

# the count of lines in $stderr that are the forgotten-history note
notes() {
	grep -c '^note: older snapshots were forgotten$' <<<"$stderr" || true
}

@test "forget + gc: the kept snapshots' files are still there, the others' gone" {
	run vault cat main~1:notes.txt
	assert_success
	assert_output "v3"
	run vault cat main~2:notes.txt
	assert_failure 128
	assert_output --partial "was forgotten (vault forget) and gc has freed its files"
}

@test "log -- PATH lists the kept versions and notes the forgotten ones once" {
	run --separate-stderr vault log --oneline -- notes.txt
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --partial "${IDS[3]:0:12} "
	assert_line --index 0 --partial " v4"
	assert_line --index 1 --partial " v3"
	assert_equal "$(notes)" 1
}

@test "log lists forgotten snapshots marked as such, in text and JSON" {
	run --separate-stderr vault log --oneline
	assert_success
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 "${IDS[3]:0:12} 2025-11-24 20:00 v4"
	assert_line --index 2 "${IDS[1]:0:12} (forgotten) 2025-11-24 18:00 v2"
	assert_line --index 3 --partial "${IDS[0]:0:12} (forgotten) "
	run --separate-stderr vault log
	assert_success
	assert_line "snapshot ${IDS[1]} (forgotten)"
	assert_line "snapshot ${IDS[2]}"
	run --separate-stderr vault log --json
	assert_success
	python3 - "$output" "${IDS[@]}" <<'PY'
import json, sys
log = json.loads(sys.argv[1])
ids = sys.argv[2:]
assert [s["id"] for s in log] == ids[::-1], log
assert [s["forgotten"] for s in log] == [False, False, True, True], log
PY
}

@test "timeline lists the kept versions, the oldest kept one as added" {
	need_feature media
	run --separate-stderr vault timeline notes.txt
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --partial "${IDS[3]:0:12}  2025-11-24 20:00  modified"
	assert_line --index 1 --partial "${IDS[2]:0:12}  2025-11-24 19:00  added"
	assert_equal "$(notes)" 1
}

@test "show of a kept snapshot whose parent was forgotten: everything added" {
	run --separate-stderr vault show main~1
	assert_success
	assert_line "snapshot ${IDS[2]}"
	assert_line "Parent: ${IDS[1]} (forgotten)"
	assert_line " 1 file changed (1 added), +3 B, -0 B"
	assert_equal "$(notes)" 1
	run --separate-stderr vault show --json main~1
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["parent_forgotten"] is True and d["forgotten"] is False and d["changes"]["added"]["files"] == 1 and d["changes"]["against"] is None, d' <<<"$output"
}

@test "show of a forgotten snapshot: its header, marked, and why no summary" {
	run --separate-stderr vault show main~2
	assert_success
	assert_line "snapshot ${IDS[1]} (forgotten)"
	assert_line --partial "gc has freed its files, no summary"
	run --separate-stderr vault show --json main~2
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["forgotten"] is True and d["changes"] is None, d' <<<"$output"
}

@test "diff against the kept parent works; against a forgotten one says why not" {
	run vault diff main~1 main
	assert_failure 1
	assert_output "M  notes.txt  3 B -> 3 B"
	run vault diff main~2 main
	assert_failure 128
	assert_output --partial "snapshot ${IDS[1]} was forgotten (vault forget)"
}

@test "stats --all counts the forgotten snapshots apart, and measures the kept" {
	run --separate-stderr vault stats --all --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["snapshots"] == 2 and d["forgotten_snapshots"] == 2 and d["missing_snapshots"] == 0 and d["files"] == 2, d' <<<"$output"
	run vault stats --all
	assert_success
	assert_line "forgotten          2 (vault forget; their files are freed)"
}

@test "export-git exports the kept history and says once that older was forgotten" {
	need_feature git
	run --separate-stderr vault export-git --to "$BATS_TEST_TMPDIR/g"
	assert_success
	grep -c 'older snapshots were forgotten' <<<"$stderr" | grep -qx 1
	run git -C "$BATS_TEST_TMPDIR/g" log --format=%s main
	assert_success
	assert_output $'v4\nv3'
	run git -C "$BATS_TEST_TMPDIR/g" fsck
	assert_success
}

@test "rev-parse walks parents through forgotten snapshots" {
	run vault rev-parse main~1 main^ main~2 main~3
	assert_success
	assert_output "$(printf '%s\n' "${IDS[2]}" "${IDS[2]}" "${IDS[1]}" "${IDS[0]}")"
	run vault rev-parse main~4
	assert_failure 128
	assert_output --partial "has no parent 1"
}

@test "fsck calls forgotten history no damage" {
	run vault fsck
	assert_success
	assert_output --partial "no damage found"
}

# A snapshot whose parent's object is gone: forgotten (as older gc or a
# repository copied without it leaves it) or not (damage).
orphan() {
	local parent=$1
	printf 'tree %s\nparent %s\ntime 1764020000 +0000\nauthor A <a@b>\nhost h\n\norphan\n' \
		"$(vault rev-parse main:)" "$parent" > snapfile
	vault-hash-object -w -t snapshot snapfile
}

@test "a forgotten parent whose object is gone ends every walk quietly" {
	gone=$(printf '3%.0s' {1..64})
	chmod u+w .vault/forgotten
	echo forgotten > ".vault/forgotten/$gone"
	o=$(orphan "$gone")
	vault update-ref refs/snapshots/orphan "$o"
	run --separate-stderr vault log --oneline orphan
	assert_success
	assert_output --partial " orphan"
	assert_equal "$(notes)" 1
	run --separate-stderr vault show orphan
	assert_success
	assert_line " 1 file changed (1 added), +3 B, -0 B"
	if has_feature media; then
		run --separate-stderr vault timeline orphan notes.txt
		assert_success
		assert_output --partial "added"
	fi
	run vault rev-parse orphan~1
	assert_failure 128
	assert_output --partial "older snapshots were forgotten"
	run vault fsck
	assert_success
}

@test "a parent that is missing and was not forgotten is damage" {
	o=$(orphan "$(printf '4%.0s' {1..64})")
	vault update-ref refs/snapshots/orphan "$o"
	run vault log --oneline orphan
	assert_failure 128
	assert_line --index 0 --partial " orphan"
	assert_output --partial "is missing and was not forgotten"
	run vault show orphan
	assert_failure 128
	assert_output --partial "is missing (run 'vault fsck')"
	run vault rev-parse orphan~1
	assert_failure 128
	assert_output --partial "is missing (run 'vault fsck')"
	run vault fsck
	assert_failure
	assert_output --partial "missing and was not forgotten"
}

@test "a kept snapshot older than forgotten ones is still walked and compared" {
	# v1 kept by its tag, v2 and v3 forgotten, v4 the latest
	cd "$BATS_TEST_TMPDIR" && mkdir gaps && cd gaps && vault init -q
	local i ids=()
	for i in 1 2 3 4; do
		echo "v$i" > notes.txt
		ids+=("$(VAULT_AUTHOR_DATE=$((1764000000 + i * 3600)) vault backup -q -m "v$i")")
	done
	vault tag first "${ids[0]}"
	vault forget --keep-last 1 --keep-tag first --prune -q
	run --separate-stderr vault log --oneline -- notes.txt
	assert_success
	assert_output "$(printf '%s 2025-11-24 20:00 v4\n%s 2025-11-24 17:00 v1' "${ids[3]:0:12}" "${ids[0]:0:12}")"
	assert_equal "$(notes)" 1
	if has_feature media; then
		run --separate-stderr vault timeline notes.txt
		assert_success
		assert_equal "${#lines[@]}" 2
		assert_line --index 0 --partial "${ids[3]:0:12}  2025-11-24 20:00  added"
		assert_line --index 1 --partial "${ids[0]:0:12}  2025-11-24 17:00  added"
	fi
	run vault fsck
	assert_success
}
