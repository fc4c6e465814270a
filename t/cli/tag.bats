#!/usr/bin/env bats
# vault tag: create (compare-and-swap against absent), -f, -d, listing
# with patterns, and refusals (bad names, non-snapshots).

load helper

local_setup() {
	vault init -q
	echo one > f
	T1=$(vault-write-tree .)
	S1=$(vault-commit-tree "$T1" -m "first one

body")
	echo two > f
	S2=$(VAULT_AUTHOR_DATE=1764003600 vault-commit-tree "$(vault-write-tree .)" -p "$S1" -m "second")
	vault-update-ref refs/snapshots/main "$S2"
}

@test "tag NAME tags HEAD; tag NAME SNAP tags SNAP" {
	run vault tag v2
	assert_success
	assert_output ""
	run vault-rev-parse refs/tags/v2
	assert_output "$S2"
	vault tag v1 main~1
	run vault-rev-parse v1
	assert_output "$S1"
}

@test "an existing tag is not moved without -f" {
	vault tag v1 "$S1"
	run vault tag v1 "$S2"
	assert_failure 128
	assert_output --partial "already exists"
	run vault-rev-parse v1
	assert_output "$S1"
	run vault tag -f v1 "$S2"
	assert_success
	assert_output "Updated tag 'v1' (was ${S1:0:12})"
	run vault-rev-parse v1
	assert_output "$S2"
}

@test "tags are listed with id, date and first message line" {
	vault tag v1 "$S1"
	vault tag release/2.0
	run vault tag
	assert_success
	assert_output "release/2.0  ${S2:0:12}  2025-11-24 17:00  second
v1           ${S1:0:12}  2025-11-24 16:00  first one"
	run vault tag -l 'v*'
	assert_output "v1  ${S1:0:12}  2025-11-24 16:00  first one"
	run vault tag -l 'nomatch*'
	assert_success
	assert_output ""
}

@test "tag -d deletes; a missing tag is reported with exit 1" {
	vault tag v1 "$S1"
	vault tag v2
	run vault tag -d v1
	assert_success
	assert_output "Deleted tag 'v1' (was ${S1:0:12})"
	run vault-rev-parse --verify -q refs/tags/v1
	assert_failure 1
	run vault tag -d nope v2
	assert_failure 1
	assert_output --partial "tag 'nope' not found"
	run vault-rev-parse --verify -q refs/tags/v2
	assert_failure 1
}

@test "creating a tag writes the reflog" {
	vault tag v1 "$S1"
	[ -f .vault/logs/refs/tags/v1 ]
	grep -q "tag: create v1" .vault/logs/refs/tags/v1
}

@test "bad names, non-snapshots and unknown revisions are refused" {
	run vault tag "bad name"
	assert_failure 128
	assert_output --partial "not a valid tag name"
	run vault tag 'a..b'
	assert_failure 128
	run vault tag tree-tag "$T1"
	assert_failure 128
	assert_output --partial "not a snapshot"
	run vault tag x nope
	assert_failure 128
	run vault tag -d
	assert_failure 129
	run vault tag a b c
	assert_failure 129
	run vault tag -d -f x
	assert_failure 129
}
