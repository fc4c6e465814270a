#!/usr/bin/env bats
# Backups beside each other and beside gc: two backups into one repository
# both land; gc running in a loop while a backup runs loses nothing; stale
# writer locks hold gc plans until removed.

load helper

local_setup() {
	export VAULT_DIR="$TEST_DIR/r.vault"
	vault init -q --bare "$VAULT_DIR" --pack-size 1M
}

# write a lock key the way another process would have
fake_lock() {
	mkdir -p "$(dirname "$VAULT_DIR/$1")"
	printf 'pid %s\nhost %s\ntime %s\nwhat %s\n' "$2" "$3" \
		"$(($(date +%s) - 5))" "backup" >"$VAULT_DIR/$1"
}

# restores_as SNAP DIR: SNAP restores to exactly the folder DIR
restores_as() {
	local out
	out=$(mktemp -d "$BATS_TEST_TMPDIR/restore.XXXXXX")
	vault restore "$1" --target "$out" -q
	same_tree "$2" "$out"
	rm -rf "$out"
}

# the first-parent history of main, newest first
history() {
	local s
	s=$(vault-rev-parse main)
	while [ -n "$s" ]; do
		echo "$s"
		s=$(vault-cat-object -p "$s" | sed -n 's/^parent //p' | head -1)
	done
}

@test "two backups of two folders started together both land in main" {
	make_project a
	make_project b
	echo "only in b" > b/only.txt
	all=()
	for round in 1 2 3; do
		echo "round $round" > a/round.txt
		echo "round $round" > b/round.txt
		vault backup a -q >a.id 2>a.err &
		pa=$!
		vault backup b -q >b.id 2>b.err &
		pb=$!
		ra=0 rb=0
		wait "$pa" || ra=$?
		wait "$pb" || rb=$?
		cat a.err b.err
		[ "$ra" -eq 0 ] && [ "$rb" -eq 0 ]
		ida=$(cat a.id) idb=$(cat b.id)
		# one is the parent of the other
		head=$(vault-rev-parse main)
		parent=$(vault-rev-parse main~1)
		if [ "$head" = "$ida" ]; then
			[ "$parent" = "$idb" ]
		else
			[ "$head" = "$idb" ] && [ "$parent" = "$ida" ]
		fi
		restores_as "$ida" a
		restores_as "$idb" b
		all+=("$ida" "$idb")
	done
	# nothing was lost from the history
	[ "$(history | wc -l)" -eq 6 ]
	for s in "${all[@]}"; do
		history | grep -qx "$s"
	done
	run vault fsck
	assert_success
	run vault unlock
	assert_output ""
}

@test "gc in a loop beside a running backup loses nothing" {
	mkdir big
	for i in $(seq 1 300); do
		head -c 100000 /dev/urandom > "big/f$i"
	done
	vault backup big -q >/dev/null
	gcs=0
	: > gc.err
	for round in 1 2; do
		# new content each round: the old becomes garbage for gc
		for i in $(seq 1 300); do
			head -c 100000 /dev/urandom > "big/f$i"
		done
		copy_tree big "was$round"
		vault backup big --threads 1 -q >"s$round.id" 2>backup.err &
		pid=$!
		while kill -0 "$pid" 2>/dev/null; do
			vault forget --keep-last 1 -q
			vault gc -q 2>>gc.err || echo "gc exit $?" >>gc.err
			gcs=$((gcs + 1))
		done
		rc=0
		wait "$pid" || rc=$?
		cat backup.err
		[ "$rc" -eq 0 ]
		[ "$(vault-rev-parse main)" = "$(cat "s$round.id")" ]
		run vault fsck
		echo "$output" | head -20
		assert_success
		restores_as "$(cat "s$round.id")" "was$round"
	done
	echo "gc ran $gcs times"
	# no gc failed meanwhile
	run cat gc.err
	assert_output ""
	# and once the backups are over, gc completes every plan
	vault forget --keep-last 1 -q
	run vault gc --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["packs_pending"] == 0, d' <<<"$output"
	run vault fsck --full
	assert_success
	restores_as "$(cat s2.id)" was2
}

@test "gc takes over the writer lock of a dead backup and sweeps (no unlock needed)" {
	make_project p
	vault backup p -q >/dev/null
	head -c 2000000 /dev/urandom > p/art/textures/noise.bin
	rm p/src/numbers.txt
	s2=$(vault backup p -q)
	vault forget --keep-last 1 -q
	pid=$(dead_pid)
	fake_lock locks/shared-0123456789abcdef0123456789abcdef "$pid" "$(hostname)"
	run vault gc --json
	assert_success
	assert_output --partial "note: removed stale lock locks/shared-0123456789abcdef0123456789abcdef of pid $pid"
	[ ! -e "$VAULT_DIR/locks/shared-0123456789abcdef0123456789abcdef" ]
	python3 -c 'import json,sys; d=json.loads(sys.stdin.read().split("\n", 1)[1]); assert d["packs_pending"] == 0 and d["packs_deleted"] > 0 and d["bytes_freed"] > 0, d' <<<"$output"
	run vault fsck
	assert_success
	restores_as "$s2" p
}

@test "a writer lock held from another host is never taken over" {
	make_project p
	vault backup p -q >/dev/null
	fake_lock locks/shared-0123456789abcdef0123456789abcdef 4242 elsewhere.invalid
	run vault gc
	assert_success
	refute_output --partial "removed stale lock"
	[ -e "$VAULT_DIR/locks/shared-0123456789abcdef0123456789abcdef" ]
}

@test "a live writer lock holds gc's plan, whatever its age; gc --wait outlasts it" {
	make_project p
	vault backup p -q >/dev/null
	head -c 2000000 /dev/urandom > p/art/textures/noise.bin
	s2=$(vault backup p -q)
	vault forget --keep-last 1 -q
	sleep 30 3>&- &
	holder=$!
	fake_lock locks/shared-00000000000000000000000000000001 "$holder" "$(hostname)"
	run vault gc
	assert_success
	assert_output --partial "wait"
	refute_output --partial "stale"
	# the holder ends (its lock goes with it); gc --wait then completes
	(sleep 1; rm -f "$VAULT_DIR/locks/shared-00000000000000000000000000000001"; kill "$holder") 3>&- &
	run vault gc --wait --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["packs_pending"] == 0 and d["packs_deleted"] > 0, d' <<<"$output"
	wait
	run vault fsck
	assert_success
	restores_as "$s2" p
}

@test "a backup that fails leaves no writer lock behind" {
	can_be_unprivileged || skip "running as root and cannot drop CAP_DAC_OVERRIDE"
	make_project p
	vault backup p -q >/dev/null
	echo new > p/new.txt
	chmod 555 "$VAULT_DIR/packs"
	run unprivileged vault backup p -q
	chmod 755 "$VAULT_DIR/packs"
	assert_failure 128
	run vault unlock
	assert_success
	assert_output ""
}
