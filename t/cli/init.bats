#!/usr/bin/env bats
# vault init / vault-init: creating repositories and finding them.

load helper

@test "init creates .vault in the current folder" {
	run vault init
	assert_success
	assert_output --partial "Initialized empty vault repository in $TEST_DIR/.vault/"
	[ -f .vault/config ]
	[ -f .vault/HEAD ]
	run cat .vault/HEAD
	assert_output "ref: refs/snapshots/main"
	grep -q 'formatVersion = 1' .vault/config
	grep -q 'objectHash = sha256' .vault/config
}

@test "init refuses an existing repository" {
	vault init -q
	run vault init
	assert_failure 128
	assert_output --partial "already a vault repository"
}

@test "vault --repo PATH init creates a bare repository" {
	run vault --repo "$TEST_DIR/ext/disk" init
	assert_success
	[ -f ext/disk/config ]
	[ ! -e .vault ]
}

@test "init --repo PATH refuses a non-empty folder" {
	mkdir stuff && echo x > stuff/file
	run vault-init --repo stuff
	assert_failure 128
	assert_output --partial "not empty"
}

@test "commands find the nearest .vault upwards" {
	vault init -q
	mkdir -p deep/er
	cd deep/er
	run vault-hash-object -w -t chunk --stdin <<< "x"
	assert_success
	[ -n "$(ls "$TEST_DIR/.vault/packs")" ]
}

@test "VAULT_DIR names the repository" {
	vault --repo "$TEST_DIR/r" init -q
	mkdir elsewhere && cd elsewhere
	id=$(echo data | VAULT_DIR="$TEST_DIR/r" vault-hash-object -w -t chunk --stdin)
	run env VAULT_DIR="$TEST_DIR/r" vault-cat-object -t "$id"
	assert_success
	assert_output chunk
}

@test "outside a repository, commands say so" {
	run vault-cat-object -t abcd
	assert_failure 128
	assert_output --partial "not a vault repository"
}

@test "init records chunker and compression settings" {
	run vault-init -q --chunker fixed --avg 64k --compression zlib --level 9
	assert_success
	grep -q 'algo = fixed' .vault/config
	grep -q 'avg = 65536' .vault/config
	grep -q 'algo = zlib' .vault/config
	grep -q 'level = 9' .vault/config
}

@test "init rejects bad settings with a usage error" {
	run vault-init --chunker rabin
	assert_failure 129
	run vault-init --min 1M --avg 64k
	assert_failure 129
	run vault-init --compression lzma
	assert_failure 129
}

@test "an unsupported format version is refused clearly" {
	vault init -q
	chmod u+w .vault/config
	sed -i 's/formatVersion = 1/formatVersion = 99/' .vault/config
	run vault-cat-object -t abcd
	assert_failure 128
	assert_output --partial "format version 99 is not supported"
}

@test "init --help prints usage and exits 0" {
	run vault-init --help
	assert_success
	assert_output --partial "usage: vault-init"
}
