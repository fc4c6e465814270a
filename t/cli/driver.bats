#!/usr/bin/env bats
# The vault driver: dispatch, --repo, help, exit codes, user commands.

load helper

@test "vault COMMAND runs vault-COMMAND" {
	run vault init
	assert_success
	[ -d .vault ]
}

@test "vault with no command prints usage and exits 129" {
	run vault
	assert_failure 129
	assert_output --partial "usage: vault"
}

@test "vault --help exits 0" {
	run vault --help
	assert_success
	assert_output --partial "usage: vault"
}

@test "vault --version" {
	run vault --version
	assert_success
	assert_output --regexp '^vault [0-9]+\.[0-9]+'
}

@test "vault --version lists the parts this build has" {
	run vault --version
	assert_success
	assert_line --index 1 --regexp '^features: core( media)?( git)?( test-hooks)?$'
}

@test "unknown commands are usage errors" {
	run vault no-such-command
	assert_failure 129
	assert_output --partial "'no-such-command' is not a vault command"
}

@test "vault help COMMAND shows that command's usage" {
	run vault help chunk
	assert_success
	assert_output --partial "usage: vault-chunk"
}

@test "a user's own vault-foo on PATH is run, with the exit status passed through" {
	mkdir mybin
	printf '#!/bin/sh\necho "foo: $*"\nexit 7\n' > mybin/vault-foo
	chmod +x mybin/vault-foo
	PATH="$TEST_DIR/mybin:$PATH" run vault foo a b
	assert_failure 7
	assert_output "foo: a b"
}

@test "--repo is passed down as VAULT_DIR" {
	vault --repo "$TEST_DIR/bare" init -q
	echo hi > f
	id=$(vault --repo "$TEST_DIR/bare" hash-object -w f)
	run vault --repo "$TEST_DIR/bare" cat-object -t "$id"
	assert_success
	assert_output file
}

@test "--exec-path prints where commands are found" {
	run vault --exec-path
	assert_success
	[ -x "$output/vault-init" ]
}

@test "every vault program answers --help with usage on stdout" {
	for p in init hash-object cat-object chunk write-tree ls-tree commit-tree \
		 update-ref rev-parse checkout-tree verify-pack unlock; do
		run "vault-$p" --help
		assert_success
		assert_output --partial "usage: vault-$p"
	done
}

@test "unknown options are usage errors (129)" {
	for p in init hash-object cat-object chunk write-tree ls-tree commit-tree \
		 rev-parse checkout-tree verify-pack; do
		run "vault-$p" --no-such-option
		assert_failure 129
	done
}

@test "--repo PROJECTDIR (a folder holding .vault) hints at PROJECTDIR/.vault" {
	mkdir proj && (cd proj && vault init -q)
	before=$(ls -A proj)
	run vault --repo proj log
	assert_failure 128
	assert_output --partial "is not a vault repository (no config); did you mean proj/.vault?"
	run vault --repo "$TEST_DIR/proj/" log
	assert_output --partial "did you mean $TEST_DIR/proj/.vault?"
	[ "$(ls -A proj)" = "$before" ]   # nothing written there
	# a folder without .vault gets no hint; the right path works
	mkdir plain
	run vault --repo plain log
	assert_failure 128
	refute_output --partial "did you mean"
	run vault --repo proj/.vault log
	assert_failure 128
	assert_output --partial "no snapshots yet"
}

@test "an option missing its value is named as typed, long or short" {
	vault init -q
	run vault restore main --target
	assert_failure 129
	assert_line --index 0 "error: option '--target' needs a value"
	run vault restore main -t
	assert_line --index 0 "error: option '-t' needs a value"
	run vault log --max-count
	assert_line --index 0 "error: option '--max-count' needs a value"
	run vault log --json=yes
	assert_failure 129
	assert_line --index 0 "error: option '--json' takes no value"
	run vault log --no-such-option
	assert_line --index 0 "error: unknown or ambiguous option '--no-such-option'"
	run vault log -x
	assert_failure 129
	assert_line --index 0 "error: unknown option '-x'"
	# inside a cluster, after a long option
	run vault log --oneline -xq
	assert_failure 129
	assert_line --index 0 "error: unknown option '-x'"
	run vault forget --keep-last 1 -qn   # a valid cluster: no usage error
	assert_failure 128
	assert_output --partial "nothing to forget"
	run vault log --max-count=1 --oneline --help
	assert_success
}
