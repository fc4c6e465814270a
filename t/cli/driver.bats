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
