#!/usr/bin/env bats
# The programs' shared front end (cli/): JSON output that cannot be
# written (stdout on a full disk) is a fatal error, exit 128, for every
# command; keys come out in the order each command sets them; a command
# that dies after taking the writer lock leaves neither the lock nor a
# temporary file behind.

load helper

local_setup() {
	vault init -q
	echo one > notes.txt
	vault backup -q > /dev/null
	echo two > notes.txt
	vault backup -q > /dev/null
}

@test "log --json to a full disk exits 128 and says why" {
	run bash -c 'vault log --json > /dev/full'
	assert_failure 128
	assert_output "fatal: write error on standard output: No space left on device"
}

@test "every command's --json fails the same way on a full disk" {
	local cmd
	for cmd in "show --json" "diff --json HEAD~1 HEAD" "ls --json HEAD" \
		   "stats --json" "status --json" "fsck --json" \
		   "gc --dry-run --json" "forget --keep-last 5 -n --json" \
		   "restore HEAD --target ../out --json" "timeline --json notes.txt" \
		   "chunk --json notes.txt"; do
		run bash -c "vault $cmd > /dev/full"
		[ "$status" -eq 128 ] || { echo "vault $cmd: exit $status" >&2; return 1; }
		assert_output --partial "fatal: write error on standard output"
	done
}

@test "JSON keys are in the order the command sets them" {
	run --separate-stderr vault status --json
	assert_success
	run python3 -c 'import json,sys; print(" ".join(json.loads(sys.argv[1])))' "$output"
	assert_output "ref snapshot changes added modified deleted ignored files files_read"
	run --separate-stderr vault gc --dry-run --json
	assert_success
	run python3 -c 'import json,sys; print(" ".join(list(json.loads(sys.argv[1]))[:3]))' "$output"
	assert_output "dry_run plan objects_live"
}

@test "a backup that dies holding the writer lock leaves no lock or temporary file" {
	echo three > notes.txt
	rm .vault/refs/snapshots/main
	mkdir -p .vault/refs/snapshots/main/in-the-way
	run vault backup
	assert_failure 128
	assert_output --regexp "^fatal: snapshot [0-9a-f]{64} written but refs/snapshots/main not moved: "
	[ -z "$(find .vault -name '*.tmp-*')" ]
	[ ! -e .vault/locks ] || [ -z "$(ls .vault/locks)" ]
}

@test "text that is not UTF-8 reaches the JSON as U+FFFD, no key is lost" {
	echo four > notes.txt
	vault backup -q -m $'caf\xe9 scene' > /dev/null
	run --separate-stderr vault forget --keep-last 1 -n --json
	assert_success
	run python3 -c 'import json,sys; print(json.loads(sys.argv[1])["keep"][0]["message"])' "$output"
	assert_output $'caf\xef\xbf\xbd scene'
}

@test "on a terminal the progress line is erased before anything else is printed" {
	command -v script >/dev/null || skip "script(1) is not installed"
	run script -qec "vault export-git --to ../g" /dev/null
	assert_success
	# the meter, then as many blanks as it was long, then the pairs
	run python3 -c '
import re, sys
out = sys.argv[1]
m = re.search(r"\r(exporting: [^\r\n]*)\r( +)\r[0-9a-f]{64} ", out)
assert m and len(m.group(2)) == len(m.group(1)), repr(out[:200])
assert len(m.group(1)) <= 79' "$output"
	assert_success
}
