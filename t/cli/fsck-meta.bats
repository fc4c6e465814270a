#!/usr/bin/env bats
# vault fsck and the repository's small files (issue 19): a missing HEAD,
# a damaged config, forgotten marks, gc plans, done markers and gc/refs
# are each reported (exit 1, an error line naming the file, and --json);
# what cannot be told from a sound state by design is not.

load helper
bats_require_minimum_version 1.5.0

local_setup() {
	make_project proj
	cd proj
	vault init -q
	vault backup -q -m one >/dev/null
	echo two >> README.txt
	vault backup -q -m two >/dev/null
	# the first snapshot forgotten and pruned: a mark, a plan, a done
	# marker and gc/refs exist
	vault forget -q --keep-last 1 --prune >/dev/null 2>&1
	plan=$(ls .vault/gc/plan-*)
	done_=$(ls .vault/gc/done-*)
	mark=$(ls .vault/forgotten/*)
	run vault fsck -q
	assert_success
}

# fsck_reports FILE-NAME PATTERN: fsck exits 1, an error line names the file
# and says PATTERN, and --json holds the same problem
fsck_reports() {
	run --separate-stderr vault fsck -q
	echo "$stderr"
	assert_failure 1
	grep -E "^error: .*$1.*$2" <<<"$stderr"
	run vault fsck --json
	assert_failure 1
	python3 -c 'import json, sys
j = json.loads(sys.stdin.read())
sys.exit(0 if j["ok"] is False and
         any(sys.argv[1] in p["message"] for p in j["problems"]) else 1)' "$1" <<<"$output"
}

@test "fsck: a missing HEAD is an error saying how to recreate it" {
	rm .vault/HEAD
	fsck_reports HEAD "is missing.*ref: refs/snapshots/main"
}

@test "commands that need HEAD say it is missing instead of inventing one" {
	rm .vault/HEAD
	run --separate-stderr vault log
	assert_failure 128
	grep -F "HEAD is missing" <<<"$stderr"
	echo three >> README.txt
	run --separate-stderr vault backup -q -m three
	assert_failure 128
	grep -F "HEAD is missing" <<<"$stderr"
	# nothing was written in its place
	[ ! -e .vault/HEAD ]
	run vault rev-parse refs/snapshots/main
	assert_success
	# put back, all is well again
	printf 'ref: refs/snapshots/main\n' > .vault/HEAD
	run vault fsck -q
	assert_success
}

@test "fsck: an unknown key in vault's config sections is an error" {
	sed -i 's/algo = fastcdc/algoz= fastcdc/' .vault/config
	fsck_reports config "unknown key 'chunker.algoz'"
}

@test "fsck: config values out of range or not parsing are errors" {
	cp .vault/config config.orig
	# values no command can work with: the repository does not open, and
	# the message names the config key
	for edit in 's/min = 65536/min = 9999999/' 's/level = 1/level = 99/' \
		    's/size = 33554432/size = 1k/' 's/objectHash = sha256/objectHash = md5/' \
		    's/seal = none/seal = rot13/' 's/avg = 262144/avg = lots/' \
		    's/formatVersion = 1/formatVersion = 7/'; do
		cp config.orig .vault/config
		sed -i "$edit" .vault/config
		! cmp -s config.orig .vault/config
		run --separate-stderr vault fsck -q
		echo "$edit: $stderr"
		assert_failure 128
		grep -E "^fatal: .*(config|format version)" <<<"$stderr"
	done
	# values only fsck looks at closely
	cp config.orig .vault/config
	sed -i 's/^\tid = .*/\tid = not-an-id/' .vault/config
	fsck_reports config "core.id is 'not-an-id'"
	cp config.orig .vault/config
	printf '[gc]\n\treflogExpire = sometimes\n' >> .vault/config
	fsck_reports config "gc.reflogExpire"
	cp config.orig .vault/config
	printf '[core]\n\trefLockTimeout = soon\n' >> .vault/config
	fsck_reports config "core.refLockTimeout is 'soon'"
}

@test "fsck: the user's own config sections are not checked" {
	printf '[remote "nas"]\n\turl = /mnt/nas\n[mytool]\n\tanything = 1\n' >> .vault/config
	run vault fsck -q
	assert_success
}

@test "fsck: a damaged forgotten mark is an error" {
	printf 'forgottem\n' > "$mark"
	fsck_reports "forgotten/" "does not hold \"forgotten\""
	truncate -s 4 "$mark"
	fsck_reports "forgotten/" "does not hold"
}

@test "fsck: a gc plan that does not parse or match its sum is an error" {
	# a flipped digit that still makes a pack name: only the sum tells
	sed -n 2p "$plan" | grep -E '^sum [0-9a-f]{64}$'
	cp "$plan" plan.orig
	sed -i '3s/^delete \(.\)/delete \1\1/; 3s/.$//' "$plan"
	grep -E '^delete [0-9a-f]{64}$' "$plan"
	! cmp -s plan.orig "$plan"
	fsck_reports "gc/plan-" "does not match its checksum"
	truncate -s 40 "$plan"
	fsck_reports "gc/plan-" "gc plan"
	printf 'vault gc plam 1\n' > "$plan"
	fsck_reports "gc/plan-" "does not start with"
	# a plan of an older vault (no sum line) is still checked line by line
	{ printf 'vault gc plan 1\n'; sed -n '3,$p' plan.orig; } > "$plan"
	run vault fsck -q
	assert_success
	sed -i '2s/^delete \(.\)/delete Z/' "$plan"
	fsck_reports "gc/plan-" "not \"delete <pack name>\""
}

@test "gc does not act on a plan line that is not a pack name" {
	# a damaged name must never become a key to delete (a plan of an
	# older vault, without a sum line)
	printf 'vault gc plan 1\ndelete ../%s\n' "$(printf 'a%.0s' $(seq 61))" > "$plan"
	rm "$done_"
	run vault gc -q
	assert_failure
	assert_output --partial "gc/plan-"
	run vault fsck -q
	assert_failure 1
}

@test "fsck: a damaged gc done marker is an error" {
	printf 'swapt\n' > "$done_"
	fsck_reports "gc/done-" "does not hold \"swept\""
}

@test "fsck: a gc/refs that does not parse is an error" {
	printf 'vault gc refs 1\nref refs/snap\x01shots/main\n' > .vault/gc/refs
	fsck_reports "gc/refs" "not \"ref <valid ref name>\""
	printf 'vault gc refs 1\nref refs/snapshots/ma' > .vault/gc/refs
	fsck_reports "gc/refs" "newline"
	# what gc writes carries a sum: a flip that leaves a valid name shows
	rm .vault/gc/refs
	vault gc -q
	grep -F "ref refs/snapshots/main" .vault/gc/refs
	sed -i 's|refs/snapshots/main|refs/snapshots/mbin|' .vault/gc/refs
	fsck_reports "gc/refs" "does not match its checksum"
}

@test "a deleted done marker: fsck notes the plan; gc sweeps it again safely" {
	rm "$done_"
	run --separate-stderr vault fsck
	assert_success
	assert_output --regexp "note: .*gc/plan-.* is not completed"
	echo three >> README.txt
	head -c 300000 /dev/urandom > big.bin
	vault backup -q -m three >/dev/null
	run vault gc -q
	assert_success
	[ -e "$done_" ]
	for s in main~1 main; do
		rm -rf out
		run vault restore -q "$s" --target out
		assert_success
	done
	cmp big.bin out/big.bin
	run vault fsck -q --full
	assert_success
}

@test "fsck: a reflog whose ids do not chain up to the ref is an error" {
	log=.vault/logs/refs/snapshots/main
	cp "$log" log.orig
	# the last entry's new id (column 66 on) with one digit changed
	last=$(wc -l < "$log")
	sed -i "${last}s/^\(.\{65\}\)\(.\)/\1\2\2/; ${last}s/^\(.\{129\}\)./\1/" "$log"
	! cmp -s log.orig "$log"
	run vault fsck -q
	fsck_reports "reflog of refs/snapshots/main" "is damaged or behind"
	# an entry's old id that is not the new id of the one before
	cp log.orig "$log"
	sed -i "${last}s/^\(.\)/\1\1/; ${last}s/^\(.\{64\}\)./\1/" "$log"
	fsck_reports "reflog of refs/snapshots/main" "entry $last says the ref was"
	cp log.orig "$log"
	run vault fsck -q
	assert_success
}

@test "fsck accepts core.sharedRepository (vault init --shared=group) and refuses a bad value" {
	rm -rf .vault
	vault init -q --shared=group
	echo data > f.txt
	vault backup -q >/dev/null
	run vault fsck
	assert_success
	sed -i 's/sharedRepository = group/sharedRepository = sometimes/' .vault/config
	run vault fsck
	assert_failure
	assert_output --partial "sharedRepository"
}
