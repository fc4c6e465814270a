#!/usr/bin/env bats
# vault-update-ref and vault-unlock: compare-and-swap exit codes, delete,
# symbolic HEAD, held and stale locks, --stdin, and two shell loops racing
# on one ref. Programs are found on PATH.

setup() {
	load '/usr/lib/bats/bats-support/load'
	load '/usr/lib/bats/bats-assert/load'
	export VAULT_DIR="$BATS_TEST_TMPDIR/repo"
	vault-init --bare -q "$VAULT_DIR"
	A=$(echo one | vault-hash-object -w --stdin)
	B=$(echo two | vault-hash-object -w --stdin)
	C=$(echo three | vault-hash-object -w --stdin)
	ZERO=0000000000000000000000000000000000000000000000000000000000000000
}

# write a lock key the way another process would have
fake_lock() {
	mkdir -p "$(dirname "$VAULT_DIR/$1")"
	printf 'pid %s\nhost %s\ntime %s\nwhat %s\n' "$2" "$3" \
		"$(($(date +%s) - 5))" "update by a test" >"$VAULT_DIR/$1"
}

dead_pid() {
	sh -c 'exit 0' &
	local pid=$!
	wait "$pid"
	echo "$pid"
}

@test "update-ref creates a ref that must not exist yet" {
	run vault-update-ref refs/snapshots/main "$A" ""
	assert_success
	run vault-rev-parse refs/snapshots/main
	assert_output "$A"
}

@test "update-ref with the right OLD moves the ref" {
	vault-update-ref refs/snapshots/main "$A" "$ZERO"
	run vault-update-ref refs/snapshots/main "$B" "$A"
	assert_success
	run vault-rev-parse main
	assert_output "$B"
}

@test "update-ref with a wrong OLD exits 1 and names the current value" {
	vault-update-ref refs/snapshots/main "$A"
	run vault-update-ref refs/snapshots/main "$C" "$B"
	assert_failure 1
	assert_output "error: refs/snapshots/main is at $A, not $B"
	run vault-rev-parse main
	assert_output "$A"
}

@test "update-ref with an empty OLD on an existing ref exits 1" {
	vault-update-ref refs/snapshots/main "$A"
	run vault-update-ref refs/snapshots/main "$B" ""
	assert_failure 1
	assert_output --partial "already exists"
}

@test "update-ref accepts revisions for NEW and OLD" {
	vault-update-ref refs/snapshots/main "$A"
	run vault-update-ref refs/tags/v1 main
	assert_success
	run vault-update-ref refs/snapshots/main "${B:0:12}" v1
	assert_success
	run vault-rev-parse main
	assert_output "$B"
}

@test "update-ref refuses an object that does not exist" {
	run vault-update-ref refs/snapshots/main "${ZERO//0/1}"
	assert_failure 128
	assert_output --partial "nonexistent object"
}

@test "update-ref refuses a bad ref name" {
	run vault-update-ref "refs/snapshots/a..b" "$A"
	assert_failure 128
	assert_output --partial "invalid ref name"
}

@test "update-ref without arguments is a usage error" {
	run vault-update-ref refs/snapshots/main
	assert_failure 129
	assert_output --partial "usage: vault-update-ref"
}

@test "update-ref -d deletes with the right OLD" {
	vault-update-ref refs/snapshots/topic "$A"
	run vault-update-ref -d refs/snapshots/topic "$A"
	assert_success
	run vault-rev-parse --verify -q refs/snapshots/topic
	assert_failure
}

@test "update-ref -d with a wrong OLD exits 1 and keeps the ref" {
	vault-update-ref refs/snapshots/topic "$A"
	run vault-update-ref -d refs/snapshots/topic "$B"
	assert_failure 1
	assert_output "error: refs/snapshots/topic is at $A, not $B"
	run vault-rev-parse refs/snapshots/topic
	assert_output "$A"
}

@test "update-ref -d of a missing ref exits 1" {
	run vault-update-ref -d refs/snapshots/nothing
	assert_failure 1
	assert_output --partial "does not exist"
}

@test "update-ref HEAD moves the branch HEAD points to" {
	vault-update-ref refs/snapshots/main "$A"
	run vault-update-ref HEAD "$B" "$A"
	assert_success
	run vault-rev-parse refs/snapshots/main
	assert_output "$B"
	run vault-rev-parse --symbolic-full-name HEAD
	assert_output "refs/snapshots/main"
}

@test "update-ref --no-deref detaches HEAD and leaves the branch" {
	vault-update-ref refs/snapshots/main "$A"
	run vault-update-ref --no-deref HEAD "$B" "$A"
	assert_success
	run vault-rev-parse HEAD refs/snapshots/main
	assert_output "$B
$A"
}

@test "update-ref -m writes the message into the reflog" {
	vault-update-ref -m "first" refs/snapshots/main "$A"
	vault-update-ref -m "second" refs/snapshots/main "$B"
	run vault-rev-parse 'main@{1}'
	assert_output "$A"
}

@test "update-ref on a ref locked by a live process exits 128 naming it" {
	vault-update-ref refs/snapshots/main "$A"
	fake_lock refs/snapshots/main.lock $$ "$(hostname)"
	run vault-update-ref refs/snapshots/main "$B" "$A"
	assert_failure 128
	assert_output --partial "locked by pid $$ on host $(hostname)"
	refute_output --partial "stale"
	[ -e "$VAULT_DIR/refs/snapshots/main.lock" ]
}

@test "update-ref takes over the lock of a dead holder and says so" {
	vault-update-ref refs/snapshots/main "$A"
	pid=$(dead_pid)
	fake_lock refs/snapshots/main.lock "$pid" "$(hostname)"
	run vault-update-ref refs/snapshots/main "$B" "$A"
	assert_success
	assert_output --partial "note: removed stale lock refs/snapshots/main.lock of pid $pid"
	[ ! -e "$VAULT_DIR/refs/snapshots/main.lock" ]
	run vault-rev-parse main
	assert_output "$B"
}

@test "update-ref leaves a lock held from another host alone" {
	vault-update-ref refs/snapshots/main "$A"
	fake_lock refs/snapshots/main.lock 4242 elsewhere.invalid
	run vault-update-ref refs/snapshots/main "$B" "$A"
	assert_failure 128
	assert_output --partial "locked by pid 4242 on host elsewhere.invalid"
	run vault-rev-parse main
	assert_output "$A"
}

@test "unlock lists locks with their state" {
	fake_lock refs/snapshots/main.lock "$(dead_pid)" "$(hostname)"
	fake_lock refs/snapshots/live.lock $$ "$(hostname)"
	fake_lock locks/exclusive-0123abcd 4242 elsewhere.invalid
	run vault-unlock
	assert_success
	assert_line --index 0 --regexp "^locks/exclusive-0123abcd 4242 elsewhere.invalid [0-9]+s unknown update by a test$"
	assert_line --index 1 --regexp "^refs/snapshots/live.lock $$ .* live "
	assert_line --index 2 --regexp "^refs/snapshots/main.lock [0-9]+ .* stale "
}

@test "unlock --remove-stale removes only stale locks" {
	vault-update-ref refs/snapshots/main "$A"
	fake_lock refs/snapshots/main.lock "$(dead_pid)" "$(hostname)"
	fake_lock refs/snapshots/live.lock $$ "$(hostname)"
	fake_lock locks/shared-0123abcd 4242 elsewhere.invalid
	run vault-unlock --remove-stale
	assert_success
	[ ! -e "$VAULT_DIR/refs/snapshots/main.lock" ]
	[ -e "$VAULT_DIR/refs/snapshots/live.lock" ]
	[ -e "$VAULT_DIR/locks/shared-0123abcd" ]
	run vault-update-ref refs/snapshots/main "$B" "$A"
	assert_success
}

@test "unlock --all removes every lock" {
	fake_lock refs/snapshots/live.lock $$ "$(hostname)"
	fake_lock locks/shared-0123abcd 4242 elsewhere.invalid
	run vault-unlock --all
	assert_success
	run vault-unlock
	assert_output ""
}

@test "update-ref --stdin applies updates and deletes in order" {
	vault-update-ref refs/snapshots/old "$A"
	run vault-update-ref --stdin <<-EOF
		update refs/snapshots/main $A $ZERO
		update refs/tags/v1 $B
		delete refs/snapshots/old $A
	EOF
	assert_success
	run vault-rev-parse main v1
	assert_output "$A
$B"
	run vault-rev-parse --verify -q refs/snapshots/old
	assert_failure
}

@test "update-ref --stdin stops at the first failed compare-and-swap" {
	run vault-update-ref --stdin <<-EOF
		update refs/snapshots/a $A
		update refs/snapshots/a $C $B
		update refs/snapshots/b $A
	EOF
	assert_failure 1
	assert_output --partial "is at $A, not $B"
	run vault-rev-parse --verify -q refs/snapshots/b
	assert_failure
}

@test "update-ref --stdin rejects a malformed line" {
	run vault-update-ref --stdin <<<"frobnicate refs/snapshots/a"
	assert_failure 128
	assert_output --partial "line 1"
}

# Two loops walk the same chain of values o[0] -> o[1] -> ... -> o[N],
# each trying every step by compare-and-swap. Each step can be won only
# once (values are distinct and only move forward), so the wins add up to
# N exactly, and the ref ends at o[N] with N+1 reflog entries.
@test "two concurrent update-ref loops on one ref lose and double nothing" {
	local n=25 i
	mkdir "$BATS_TEST_TMPDIR/steps"
	for i in $(seq 0 "$n"); do
		echo "step $i" >"$BATS_TEST_TMPDIR/steps/$i"
	done
	# shellcheck disable=SC2207
	o=($(cd "$BATS_TEST_TMPDIR/steps" && vault-hash-object -w $(seq 0 "$n")))
	[ "${#o[@]}" -eq $((n + 1)) ]
	vault-update-ref refs/snapshots/race "${o[0]}" ""

	walk() {
		local wins=0 i tries rc
		for i in $(seq 0 $((n - 1))); do
			tries=0
			while :; do
				rc=0  # bats runs with errexit: catch the status
				vault-update-ref -m "loop $1" refs/snapshots/race \
					"${o[i + 1]}" "${o[i]}" 2>/dev/null || rc=$?
				if [ "$rc" -eq 0 ]; then
					wins=$((wins + 1))
				fi
				if [ "$rc" -ne 128 ]; then
					break
				fi
				tries=$((tries + 1))  # lock wait timed out
				if [ "$tries" -ge 20 ]; then
					break
				fi
			done
			if [ "$rc" -gt 1 ]; then
				echo "rc=$rc" >"$BATS_TEST_TMPDIR/fail.$1"
				return 0
			fi
		done
		echo "$wins" >"$BATS_TEST_TMPDIR/wins.$1"
	}
	walk a &
	walk b &
	wait
	[ ! -e "$BATS_TEST_TMPDIR/fail.a" ]
	[ ! -e "$BATS_TEST_TMPDIR/fail.b" ]
	echo "wins: $(cat "$BATS_TEST_TMPDIR/wins.a") + $(cat "$BATS_TEST_TMPDIR/wins.b")"
	[ $(($(cat "$BATS_TEST_TMPDIR/wins.a") + $(cat "$BATS_TEST_TMPDIR/wins.b"))) -eq "$n" ]
	run vault-rev-parse refs/snapshots/race
	assert_output "${o[n]}"
	run vault-rev-parse "refs/snapshots/race@{$n}"
	assert_output "${o[0]}"
	run vault-rev-parse --verify -q "refs/snapshots/race@{$((n + 1))}"
	assert_failure
	run vault-unlock
	assert_output ""
}
