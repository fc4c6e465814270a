#!/usr/bin/env bats
# Backups and gc killed (SIGKILL, via VAULT_TEST_ABORT_AFTER=N: the process
# kills itself after storing N new objects) at several points: the
# repository stays sound, every snapshot reported written still restores
# exactly, and the next backup works.

load helper

local_setup() {
	need_test_hooks
	mkdir proj
	cd proj
	# small chunks and packs, so a backup seals many packs and a kill
	# can land between any two of them
	vault init -q --pack-size 64k --min 4k --avg 16k --max 64k
}

# make_files [SKIP]: (re)write 20 files of random data in 4 folders; with
# SKIP, leave every SKIP-th file as it is.
make_files() {
	local i
	for i in $(seq 1 20); do
		if [ -n "${1:-}" ] && [ $((i % $1)) -eq 0 ]; then
			continue
		fi
		mkdir -p "d$((i % 4))"
		head -c $((2000 + i * 3000)) /dev/urandom > "d$((i % 4))/f$i.bin"
	done
}

# restores_as SNAP DIR: SNAP restores to exactly the folder DIR
restores_as() {
	local out
	out=$(mktemp -d "$BATS_TEST_TMPDIR/restore.XXXXXX")
	vault restore "$1" --target "$out" -q
	same_tree "$2" "$out"
	rm -rf "$out"
}

# fsck must pass; warnings (packs without index, stale locks) are allowed
fsck_passes() {
	run vault fsck
	echo "$output"
	assert_success
	refute_output --partial "error:"
	refute_output --partial "damaged:"
}

killed_backup() {
	local n=$1 s1 s2 s3
	make_files
	s1=$(vault backup -q)
	copy_tree . ../was1
	make_files
	run env VAULT_TEST_ABORT_AFTER="$n" vault backup -q
	assert_failure 137
	assert_output ""
	[ "$(vault-rev-parse HEAD)" = "$s1" ]
	fsck_passes
	restores_as "$s1" ../was1
	# a backup after the crash works, and survives the next crash
	s2=$(vault backup -q)
	[ "$(vault-rev-parse HEAD~1)" = "$s1" ]
	copy_tree . ../was2
	make_files
	run env VAULT_TEST_ABORT_AFTER="$n" vault backup -q
	assert_failure 137
	[ "$(vault-rev-parse HEAD)" = "$s2" ]
	fsck_passes
	restores_as "$s1" ../was1
	restores_as "$s2" ../was2
	make_files 3
	s3=$(vault backup -q)
	[ "$(vault-rev-parse HEAD~1)" = "$s2" ]
	fsck_passes
	restores_as "$s3" .
	restores_as "$s2" ../was2
	restores_as "$s1" ../was1
	run vault fsck --full
	assert_success
}

@test "a backup killed after its 1st object leaves the repository sound" {
	killed_backup 1
}

@test "a backup killed after its 3rd object leaves the repository sound" {
	killed_backup 3
}

@test "a backup killed after its 10th object leaves the repository sound" {
	killed_backup 10
}

@test "a backup killed after its 30th object leaves the repository sound" {
	killed_backup 30
}

@test "a backup killed after its 50th object leaves the repository sound" {
	killed_backup 50
}

@test "gc removes what killed backups left behind, their stale locks first" {
	make_files
	s1=$(vault backup -q)
	copy_tree . ../was1
	for n in 5 20 40; do
		make_files
		run env VAULT_TEST_ABORT_AFTER="$n" vault backup -q
		assert_failure 137
	done
	[ "$(ls .vault/locks | wc -l)" -eq 3 ]
	run vault gc --json
	assert_success
	[ "$(grep -c '^note: removed stale lock locks/shared-.* (backup, no longer running on this host)$' <<<"$output")" -eq 3 ]
	[ ! -e .vault/locks ] || [ -z "$(ls .vault/locks)" ]
	python3 -c 'import json,sys; t=sys.stdin.read(); d=json.loads(t[t.index("{"):]); assert d["packs_deleted"] > 0 and d["packs_pending"] == 0, d' <<<"$output"
	fsck_passes
	refute_output --partial "warning"
	restores_as "$s1" ../was1
}

# The state a kill between writing a pack and writing its index leaves
# (seen with VAULT_TEST_ABORT_AFTER and several threads, where one thread
# seals a pack while another stores): made here exactly, by running the
# same backup in a twin of the repository and copying one pack over.
@test "a pack left without its index by a killed backup does not stop the next one" {
	make_files
	cp -a . ../twin
	(cd ../twin && vault backup -q --threads 1 >/dev/null)
	pack=$(ls -S ../twin/.vault/packs/*.pack | head -1)
	mkdir -p .vault/packs
	cp "$pack" .vault/packs/
	run vault fsck
	assert_success
	assert_output --partial "has no index"
	run vault backup -q --threads 1
	assert_success
	s1=$output
	fsck_passes
	restores_as "$s1" .
	run vault unlock
	assert_output ""
}

# A history whose oldest snapshot is forgotten, so that gc has packs to
# repack (their live objects are copied: the abort hook counts those).
gc_garbage() {
	make_files
	vault backup -q --threads 1 >/dev/null
	make_files 3
	S2=$(vault backup -q --threads 1)
	copy_tree . ../was2
	make_files 3
	S3=$(vault backup -q --threads 1)
	copy_tree . ../was3
	vault forget --keep-last 2 -q
	run vault gc --dry-run --json
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["bytes_repacked"] > 0 and d["packs_deleted"] > 0, d' <<<"$output"
}

killed_gc() {
	local n=$1 s4
	gc_garbage
	run env VAULT_TEST_ABORT_AFTER="$n" vault gc
	assert_failure 137
	fsck_passes
	restores_as "$S2" ../was2
	restores_as "$S3" ../was3
	# backups go on
	make_files 2
	s4=$(vault backup -q)
	restores_as "$s4" .
	# the dead gc's lock is stale: fsck above or the next gc takes it over
	# (no 'vault unlock' needed), and gc completes
	[ ! -e .vault/gc/lock ]
	run vault gc --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["packs_deleted"] > 0 and d["packs_pending"] == 0, d' <<<"$output"
	fsck_passes
	run vault fsck --full
	assert_success
	restores_as "$S2" ../was2
	restores_as "$S3" ../was3
	restores_as "$s4" .
}

@test "a gc killed after copying its 1st object loses nothing" {
	killed_gc 1
}

@test "a gc killed after copying its 3rd object loses nothing" {
	killed_gc 3
}

@test "a killed gc's lock is taken over by the next gc, which says so" {
	gc_garbage
	run env VAULT_TEST_ABORT_AFTER=1 vault gc
	assert_failure 137
	[ -e .vault/gc/lock ]
	run vault unlock
	assert_success
	assert_output --regexp "gc/lock [0-9]+ $(hostname) [0-9]+s stale "
	run vault gc
	assert_success
	assert_output --regexp "note: removed stale lock gc/lock of pid [0-9]+ \(gc, no longer running on this host\)"
	[ ! -e .vault/gc/lock ]
	run vault gc
	assert_success
	refute_output --partial "stale"
}
