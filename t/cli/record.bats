#!/usr/bin/env bats
# vault-record: records (persona data) created, listed and shown; gc keeps
# what a record links to; fsck and every reader refuse damaged or hostile
# records cleanly (Documentation/format.md, 6.5).

load helper

local_setup() {
	mkdir proj
	cd proj
	echo one > a.txt
	vault init -q
	SNAP=$(vault backup -q -m one)
}

# raw_record PYTHON-BYTES-EXPR: store those bytes as a record object, print
# its id (hostile records: --literally, nothing is checked on the way in)
raw_record() {
	python3 -c "import sys; sys.stdout.buffer.write($1)" |
		vault-hash-object -w -t record --literally --stdin
}

@test "record create stores a record, show prints its fields" {
	run vault-record create --kind game.milestone --link HEAD --ref beta <<<'{"name": "beta"}'
	assert_success
	id=$output
	[[ $id =~ ^[0-9a-f]{64}$ ]]
	[ "$(vault-rev-parse refs/game/milestone/beta)" = "$id" ]
	run vault-record show game/milestone/beta
	assert_success
	assert_line --index 0 "record $id"
	assert_line --index 1 "kind game.milestone"
	assert_line --index 2 "time 1764000000 +0000"
	assert_line --index 3 "author Test Artist <artist@example.org>"
	assert_line --index 4 "link snapshot $SNAP"
	assert_line --index 5 '{"name": "beta"}'
	run vault-cat-object -t "$id"
	assert_output record
	run vault-cat-object -p "$id"
	assert_success
	assert_line --index 0 "kind game.milestone"
}

@test "record show --json gives the fields and the body as JSON" {
	id=$(vault-record create --kind creative.asset --link HEAD <<<'{"tags": ["hero"]}')
	run vault-record show --json "$id"
	assert_success
	python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["id"] == sys.argv[1] and d["kind"] == "creative.asset", d
assert d["body"] == {"tags": ["hero"]}, d
assert d["links"] == [{"kind": "snapshot", "id": sys.argv[2]}], d
assert d["time"] == 1764000000 and d["author"] == "Test Artist <artist@example.org>", d
' "$id" "$SNAP" <<<"$output"
}

@test "record list lists the records refs reach, by kind or persona" {
	fb=$(vault-record create --kind game.feedback <<<'"too hard"')
	ms=$(vault-record create --kind game.milestone --link HEAD --link "$fb" --ref alpha <<<'{}')
	art=$(vault-record create --kind creative.asset --ref hero <<<'{}')
	run vault-record list
	assert_success
	assert_output "$art creative.asset refs/creative/asset/hero
$ms game.milestone refs/game/milestone/alpha
$fb game.feedback -"
	run vault-record list --kind game
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	run vault-record list --kind game.milestone --json
	assert_success
	python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [r["id"] for r in d] == [sys.argv[1]] and d[0]["ref"] == "refs/game/milestone/alpha", d
' "$ms" <<<"$output"
}

@test "record create refuses a bad kind, a body that is not JSON, a missing link" {
	run vault-record create --kind milestone <<<'{}'
	assert_failure 128
	assert_output --partial "bad record kind"
	run vault-record create --kind snapshots.x <<<'{}'
	assert_failure 128
	run vault-record create --kind game.milestone <<<'not json'
	assert_failure 128
	assert_output --partial "not JSON"
	run vault-record create --kind game.milestone --link 0123456789ab <<<'{}'
	assert_failure 128
	run vault-record create <<<'{}'
	assert_failure 129
	run vault-record list
	assert_success
	assert_output ""
}

@test "gc keeps a forgotten snapshot a record links to, frees it once the record goes" {
	head -c 200000 /dev/urandom > only-in-two.bin
	two=$(vault backup -q -m two)
	rm only-in-two.bin
	echo three > a.txt
	vault backup -q -m three
	# a playtest, not a milestone: forget keeps a milestone's snapshot
	# (milestone.bats), this is about a record keeping a forgotten one
	vault-record create --kind game.playtest --link "$two" --ref m2 <<<'{}' >/dev/null
	vault forget -q --keep-last 1
	run vault gc
	assert_success
	vault restore "$two" --target ../out -q
	[ -f ../out/only-in-two.bin ]
	run vault fsck
	assert_success
	vault-update-ref -d refs/game/playtest/m2
	vault gc -q --force --expire-reflog now
	run vault restore "$two" --target ../out2 -q
	assert_failure
}

@test "fsck finds a record whose link is missing, gc stops on it" {
	id=$(raw_record 'b"VREC\x01\x0egame.milestone\x00\x00\x01a\x01\x04" + b"\x11" * 32 + b"\x02{}"')
	vault-update-ref refs/game/milestone/bad "$id"
	run vault fsck
	assert_failure 1
	assert_output --partial "record $id"
	assert_output --partial "does not exist"
	run vault gc
	assert_failure 128
	assert_output --partial "nothing was deleted"
	run vault-record show game/milestone/bad
	assert_failure 128
	assert_output --partial "does not exist"
}

@test "a hostile record (lying lengths, bytes after the body) is refused cleanly" {
	huge=$(raw_record 'b"VREC\x01\x0egame.milestone\x00\x00\x01a\x00\xff\xff\xff\xff\x0f{}"')
	links=$(raw_record 'b"VREC\x01\x0egame.milestone\x00\x00\x01a\xff\x7f\x00"')
	tail=$(raw_record 'b"VREC\x01\x0egame.milestone\x00\x00\x01a\x00\x02{}junk"')
	for id in "$huge" "$links" "$tail"; do
		run vault-record show "$id"
		assert_failure 128
		assert_output --partial "damaged record"
		run vault-cat-object -p "$id"
		assert_failure 128
		assert_output --partial "damaged record"
	done
	vault-update-ref refs/game/milestone/huge "$huge"
	run vault-record list
	assert_failure 128
	assert_output --partial "damaged record"
	run vault fsck
	assert_failure 1
	assert_output --partial "damaged record"
}

@test "record show refuses what is not a record" {
	run vault-record show HEAD
	assert_failure 128
	assert_output --partial "is not a record"
}

@test "export-git --all leaves records and persona refs out" {
	command -v vault-export-git >/dev/null || skip "built --without-git"
	vault-record create --kind game.milestone --link HEAD --ref beta <<<'{}' >/dev/null
	run vault export-git --all --to ../git -q
	assert_success
	run git -C ../git for-each-ref --format='%(refname)'
	assert_success
	assert_output refs/heads/main
}
