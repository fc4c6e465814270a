#!/usr/bin/env bats
# vault-rev-parse: ids, prefixes, refs, ~N, ^N, @{N}, SNAP:path.

load helper

local_setup() {
	vault init -q
	echo one > f
	T1=$(vault-write-tree .)
	S1=$(vault-commit-tree "$T1" -m one)
	echo two > f
	T2=$(vault-write-tree .)
	S2=$(vault-commit-tree "$T2" -p "$S1" -m two)
	echo three > f
	mkdir -p d && echo inner > d/g
	T3=$(vault-write-tree .)
	S3=$(vault-commit-tree "$T3" -p "$S2" -m three)
	vault-update-ref refs/snapshots/main "$S1"
	vault-update-ref refs/snapshots/main "$S2"
	vault-update-ref refs/snapshots/main "$S3"
	vault-update-ref refs/tags/v1 "$S1"
}

@test "full ids and unique prefixes" {
	run vault-rev-parse "$S2"
	assert_output "$S2"
	run vault-rev-parse "${S2:0:10}"
	assert_output "$S2"
}

@test "HEAD, @, branch and tag names" {
	run vault-rev-parse HEAD @ main refs/snapshots/main v1 tags/v1
	assert_output "$(printf '%s\n%s\n%s\n%s\n%s\n%s' "$S3" "$S3" "$S3" "$S3" "$S1" "$S1")"
}

@test "~N and ^N walk parents" {
	run vault-rev-parse main~1 main~2 HEAD^ main^^ "$S3~2"
	assert_output "$(printf '%s\n%s\n%s\n%s\n%s' "$S2" "$S1" "$S2" "$S1" "$S1")"
	run vault-rev-parse main~3
	assert_failure 128
	assert_output --partial "no parent"
}

@test "REF@{N} reads the reflog" {
	run vault-rev-parse 'main@{0}' 'main@{1}' 'main@{2}' '@{1}'
	assert_output "$(printf '%s\n%s\n%s\n%s' "$S3" "$S2" "$S1" "$S2")"
	run vault-rev-parse 'main@{9}'
	assert_failure 128
}

@test "REF@{date} picks the value the ref had then" {
	run vault-rev-parse 'main@{now}'
	assert_output "$S3"
	run vault-rev-parse 'main@{1999-01-01}'
	assert_failure 128
}

@test "REF@{date} before the reflog falls back to the snapshots' own dates" {
	# back-dated snapshots: the reflog only knows today
	export TZ=UTC
	cd "$BATS_TEST_TMPDIR" && mkdir old && cd old && vault init -q
	echo a > f && A=$(VAULT_AUTHOR_DATE=1704110400 vault backup -q -m jan2024)
	echo b > f && B=$(VAULT_AUTHOR_DATE=1717243200 vault backup -q -m jun2024)
	echo c > f && C=$(VAULT_AUTHOR_DATE=1735732800 vault backup -q -m jan2025)
	run vault-rev-parse 'main@{2024-03-01}' 'main@{2024-06-01 12:00}' \
		'main@{2024-12-31}' 'main@{2025-02-01}' '@{2024-07-01}'
	assert_success
	assert_output "$(printf '%s\n' "$A" "$B" "$B" "$C" "$B")"
	run vault-rev-parse 'main@{2023-12-31}'
	assert_failure 128
	assert_output --partial "refs/snapshots/main did not exist at 2023-12-31"
	# the reflog still answers for the times it covers
	run vault-rev-parse 'main@{now}'
	assert_output "$C"
	# what the dates name, restore and log take too
	run vault cat 'main@{2024-07-01}:f'
	assert_output "b"
}

@test "SNAP:path names objects inside the snapshot" {
	run vault-rev-parse "main:d/g"
	assert_success
	fid=$output
	run vault-cat-object -t "$fid"
	assert_output file
	run vault-rev-parse "main~1:f"
	assert_output "$(vault-ls-tree "$T2" f | awk '{print $3}')"
	run vault-rev-parse "main:"
	assert_output "$T3"
	run vault-rev-parse "main:nope"
	assert_failure 128
	assert_output --partial "does not exist"
}

@test "--short gives a unique prefix; --verify -q is quiet" {
	run vault-rev-parse --short "$S3"
	assert_output "${S3:0:8}"
	run vault-rev-parse --verify -q nonexistent
	assert_failure 1
	assert_output ""
	run vault-rev-parse --symbolic-full-name HEAD
	assert_output refs/snapshots/main
}

@test "unknown revisions are fatal" {
	run vault-rev-parse no-such-ref
	assert_failure 128
	assert_output --partial "unknown revision"
}
