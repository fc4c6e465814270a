#!/usr/bin/env bats
# The writers under trouble: a backup after packs or indexes were lost
# stores the data again instead of trusting its file cache; Ctrl-C and
# SIGTERM leave no temporary files or locks; kill -9 leaves them to the
# next gc; locks of dead holders are taken over; a file that changes while
# it is read is read again or reported; unreadable files are counted apart.

load helper

local_setup() {
	mkdir proj
	cd proj
	# small chunks and packs: the data spreads over many packs
	vault init -q --pack-size 64k --min 4k --avg 16k --max 64k
}

# make_files: 12 files of random data in 3 folders
make_files() {
	local i
	for i in $(seq 1 12); do
		mkdir -p "d$((i % 3))"
		head -c $((3000 + i * 7000)) /dev/urandom > "d$((i % 3))/f$i.bin"
		# old enough for the file cache to trust (not racily clean)
		touch -d '2025-01-01 12:00' "d$((i % 3))/f$i.bin"
	done
	# touch sets the ctime to now: let it age past the file cache's racy
	# window (one 50 ms tick), or a loaded machine re-reads some of them
	sleep 0.2
}

# restores_as SNAP DIR: SNAP restores to exactly the folder DIR
restores_as() {
	local out
	out=$(mktemp -d "$BATS_TEST_TMPDIR/restore.XXXXXX")
	vault restore "$1" --target "$out" -q
	same_tree "$2" "$out"
	rm -rf "$out"
}

# fsck_clean_for SNAP: fsck names no damaged file of SNAP
fsck_clean_for() {
	run vault fsck --json
	python3 -c '
import json, sys
t = sys.stdin.read()
d = json.loads(t[t.index("{"):])
bad = [x for x in d["damaged_files"] if x["snapshot"] == sys.argv[1]]
assert not bad, bad' "$1" <<<"$output"
}

largest_pack() {
	ls -S .vault/packs/*.pack | head -1
}

# after_damage CMD...: back up, damage the repository with CMD, back up
# the unchanged folder again: the backup must succeed and its snapshot
# restore byte for byte (or the backup must fail loudly).
after_damage() {
	make_files
	vault backup -q >/dev/null
	"$@"
	run vault backup -q
	assert_success
	local snap=${lines[-1]}
	restores_as "$snap" .
	fsck_clean_for "$snap"
	# and the cache written by the healing backup is good again
	echo more > d0/new.txt
	run vault backup -q
	assert_success
	restores_as "${lines[-1]}" .
}

rm_largest_pack() { rm -f "$(largest_pack)"; }
rm_largest_idx() { local p; p=$(largest_pack); rm -f "${p%.pack}.idx"; }
truncate_largest_pack() {
	local p
	p=$(largest_pack)
	chmod u+w "$p"
	truncate -s $(($(stat -c %s "$p") / 2)) "$p"
}
rm_all_packs() { rm -rf .vault/packs; }

@test "a backup after a pack was deleted stores its data again" {
	after_damage rm_largest_pack
}

@test "a backup after a pack index was deleted stores its data again" {
	after_damage rm_largest_idx
}

@test "a backup after a pack was truncated stores its data again" {
	after_damage truncate_largest_pack
}

@test "a backup after rm -rf .vault/packs stores everything again" {
	after_damage rm_all_packs
}

@test "a backup over intact packs still trusts its cache" {
	make_files
	vault backup -q >/dev/null
	# (files changed within 50 ms of the first backup are read again once)
	vault backup -q >/dev/null
	run vault backup --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["files_unchanged"] == 12 and d["bytes_new"] == 0, d' <<<"$output"
}

# A background job of a script starts with SIGINT ignored (and a test run
# from nohup or cron with more), and vault keeps a signal ignored by whoever
# started it: this puts SIGINT, SIGTERM and SIGHUP back to their defaults,
# then execs the command (same pid).
DEFAULT_SIGNALS=(python3 -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])')

# reap PID: wait for it to end (at most a minute, then kill it and fail);
# sets $rc to its exit status.
reap() {
	local i
	for i in $(seq 1 600); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -9 "$1"
		echo "process $1 did not end" >&2
		return 1
	fi
	rc=0
	wait "$1" || rc=$?
}

# start_paused [ENV=VAL...]: a backup of a large file in the background,
# stopped once it has written a pack's temporary file (before the rename).
# Sets $pid; stderr goes to ../err.
start_paused() {
	head -c 3000000 /dev/urandom > big.bin
	"${DEFAULT_SIGNALS[@]}" env VAULT_TEST_PAUSE_IN_TEMP=.pack.tmp- "$@" \
		vault backup -q > ../out 2> ../err &
	pid=$!
	local i
	for i in $(seq 1 600); do
		[ -n "$(find .vault/packs -name '*.pack.tmp-*' 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	echo "no temporary pack file appeared" >&2
	return 1
}

@test "Ctrl-C during a backup removes its temporary files and lock, exits 130" {
	need_test_hooks
	start_paused
	[ -n "$(ls .vault/locks)" ]
	kill -INT "$pid"
	reap "$pid"
	[ "$rc" -eq 130 ]
	run cat ../err
	assert_output "vault-backup: interrupted"
	[ -z "$(find .vault -name '*.tmp-*')" ]
	[ ! -e .vault/locks ] || [ -z "$(ls .vault/locks)" ]
	# nothing to unlock: gc runs and says nothing of stale locks
	run vault gc
	assert_success
	refute_output --partial "stale"
	refute_output --partial "unlock"
	run vault backup -q
	assert_success
	restores_as "${lines[-1]}" .
}

@test "SIGTERM and SIGHUP during a backup clean up the same way" {
	need_test_hooks
	local sig code
	for sig in TERM HUP; do
		start_paused
		kill -"$sig" "$pid"
		reap "$pid"
		[ "$sig" = TERM ] && code=143 || code=129
		[ "$rc" -eq "$code" ]
		grep -q '^vault-backup: interrupted$' ../err
		[ -z "$(find .vault -name '*.tmp-*')" ]
		[ ! -e .vault/locks ] || [ -z "$(ls .vault/locks)" ]
	done
}

@test "after kill -9 of a backup, gc removes its temporary file and lock" {
	need_test_hooks
	start_paused
	kill -9 "$pid"
	reap "$pid"
	[ "$rc" -eq 137 ]
	[ -n "$(find .vault/packs -name '*.pack.tmp-*')" ]
	[ -n "$(ls .vault/locks)" ]
	# a live writer's temporary file (this shell's pid) is never touched
	echo x > ".vault/packs/$(printf 'a%.0s' $(seq 64)).pack.tmp-$$-0123456789ab"
	run vault gc
	assert_success
	assert_output --regexp "note: removed stale lock locks/shared-[0-9a-f]+ of pid $pid \(backup, no longer running on this host\)"
	assert_output --regexp "note: removed [0-9]+ temporary files? of dead writers"
	[ -z "$(find .vault -name "*.tmp-$pid-*")" ]
	[ -e ".vault/packs/$(printf 'a%.0s' $(seq 64)).pack.tmp-$$-0123456789ab" ]
	[ ! -e .vault/locks ] || [ -z "$(ls .vault/locks)" ]
}

@test "fsck removes temporary files of dead writers and says so" {
	need_test_hooks
	start_paused
	kill -9 "$pid"
	reap "$pid"
	run vault fsck --json
	assert_output --regexp "note: removed [0-9]+ temporary files? of dead writers"
	python3 -c 'import json,sys; t=sys.stdin.read(); d=json.loads(t[t.index("{"):]); assert d["temp_files_removed"] >= 1 and d["stale_locks_removed"] == 1, d' <<<"$output"
	[ -z "$(find .vault -name '*.tmp-*')" ]
}

@test "a backup killed during its ref update does not block the next one" {
	need_test_hooks
	make_files
	run env VAULT_TEST_KILL_LOCKED=refs/snapshots/main.lock vault backup -q
	assert_failure 137
	[ -e .vault/refs/snapshots/main.lock ]
	run vault backup -q
	assert_success
	assert_output --regexp "note: removed stale lock refs/snapshots/main.lock of pid [0-9]+"
	restores_as "${lines[-1]}" .
	[ ! -e .vault/refs/snapshots/main.lock ]
}

@test "a file that changes once while read is read again and stored whole" {
	need_test_hooks
	printf 'first version\n' > art.psd
	: > ../count
	# the first read only: rewrite art.psd in place (same size, new bytes)
	# after its first chunk was read
	hook="if [ ! -s $BATS_TEST_TMPDIR/work/count ]; then echo 1 > $BATS_TEST_TMPDIR/work/count; printf 'later version\n' | dd of=$PWD/art.psd conv=notrunc status=none; fi"
	run env VAULT_TEST_DURING_READ="$hook" vault backup -q
	assert_success
	refute_output --partial "changed as we read it"
	[ "$(cat art.psd)" = "later version" ]
	restores_as "${lines[-1]}" .
}

@test "a file that keeps changing while read is stored as last read, warned, exit 4" {
	need_test_hooks
	make_files
	printf 'first version\n' > art.psd
	run env VAULT_TEST_DURING_READ="echo more >> $PWD/art.psd" vault backup
	assert_failure 4
	assert_output --partial "warning: art.psd changed as we read it"
	assert_output --partial "1 changed while read, stored as last read"
	# the next backup reads it again (not from the cache) and is clean
	run vault backup --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["files_changed_while_read"] == 0 and d["files_unchanged"] == 12 and d["files"] == 13, d' <<<"$output"
	restores_as "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["snapshot"])' <<<"$output")" .
}

@test "an unreadable file is counted apart, named, and left out (exit 3)" {
	can_be_unprivileged || skip "cannot drop the capability to read any file"
	make_files
	printf 'secret\n' > d1/locked.txt
	chmod 000 d1/locked.txt
	run unprivileged vault backup --json
	assert_failure 3
	assert_output --partial "error: d1/locked.txt: Permission denied (left out of the snapshot)"
	python3 -c 'import json,sys; t=sys.stdin.read(); d=json.loads(t[t.index("{"):]); assert d["files"] == 12 and d["files_unreadable"] == 1, d' <<<"$output"
	chmod 600 d1/locked.txt
	echo changed > d0/f3.bin
	chmod 000 d1/locked.txt
	run unprivileged vault backup
	assert_failure 3
	assert_output --partial "files: 12 (11 unchanged, 1 new or changed)"
	assert_output --partial "1 unreadable, left out (named above)"
}

@test "Ctrl-C during gc releases gc/lock and removes its temporary file" {
	need_test_hooks
	make_files
	vault backup -q >/dev/null
	make_files
	vault backup -q >/dev/null
	vault forget --keep-last 1 -q
	"${DEFAULT_SIGNALS[@]}" env VAULT_TEST_PAUSE_IN_TEMP=gc/plan- vault gc \
		> ../out 2> ../err &
	pid=$!
	for i in $(seq 1 600); do
		[ -n "$(find .vault/gc -name 'plan-*.tmp-*' 2>/dev/null)" ] && break
		sleep 0.1
	done
	[ -e .vault/gc/lock ]
	kill -INT "$pid"
	reap "$pid"
	[ "$rc" -eq 130 ]
	grep -q '^vault-gc: interrupted$' ../err
	[ ! -e .vault/gc/lock ]
	[ -z "$(find .vault -name '*.tmp-*')" ]
	run vault gc
	assert_success
	refute_output --partial "stale"
	run vault fsck
	assert_success
}

# put_lock KEY PID HOST: a lock key as a holder would have written it
put_lock() {
	mkdir -p "$(dirname ".vault/$1")"
	printf 'pid %s\nhost %s\ntime %s\nwhat %s\n' "$2" "$3" \
		"$(($(date +%s) - 5))" "prune" > ".vault/$1"
}

@test "an exclusive lock of a dead process is taken over by the next backup" {
	make_files
	pid=$(dead_pid)
	put_lock locks/exclusive-0123456789abcdef0123456789abcdef "$pid" "$(hostname)"
	run vault backup -q
	assert_success
	assert_output --partial "note: removed stale lock locks/exclusive-0123456789abcdef0123456789abcdef of pid $pid (prune, no longer running on this host)"
	restores_as "${lines[-1]}" .
}

@test "an exclusive lock held from another host still stops a backup" {
	make_files
	put_lock locks/exclusive-0123456789abcdef0123456789abcdef 4242 elsewhere.invalid
	run vault backup -q
	assert_failure 128
	assert_output --partial "locked by pid 4242 on host elsewhere.invalid"
	refute_output --partial "removed stale lock"
	[ -e .vault/locks/exclusive-0123456789abcdef0123456789abcdef ]
	[ -z "$(find .vault -name '*.tmp-*')" ]
}

@test "gc keeps a temporary file whose pid a lock of another host names" {
	make_files
	vault backup -q >/dev/null
	pid=$(dead_pid)
	put_lock locks/shared-0123456789abcdef0123456789abcdef "$pid" elsewhere.invalid
	name=".vault/packs/$(printf 'b%.0s' $(seq 64)).pack.tmp-$pid-0123456789ab"
	echo x > "$name"
	other=".vault/packs/$(printf 'c%.0s' $(seq 64)).pack.tmp-$(dead_pid)-0123456789ab"
	echo y > "$other"
	run vault gc
	assert_success
	[ -e "$name" ]
	[ ! -e "$other" ]
	assert_output --partial "note: removed 1 temporary file of dead writers"
}
