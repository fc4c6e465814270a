#!/usr/bin/env bats
# vault-hash-object: ids with and without a repository, storing objects.

load helper

@test "hash-object -t chunk gives sha256 of 'chunk LEN\\0' + content" {
	printf 'hello' > h
	want=$(printf 'chunk 5\0hello' | sha256sum | cut -d' ' -f1)
	run vault-hash-object -t chunk h
	assert_success
	assert_output "$want"
}

@test "hash-object works outside a repository without -w" {
	echo data > f
	run vault-hash-object f
	assert_success
	assert_output --regexp '^[0-9a-f]{64}$'
}

@test "-w needs a repository" {
	echo data > f
	run vault-hash-object -w f
	assert_failure 128
	assert_output --partial "not a vault repository"
}

@test "one id per input, in order, from files, --stdin and --stdin-paths" {
	printf a > a; printf b > b
	ia=$(vault-hash-object a); ib=$(vault-hash-object b)
	run vault-hash-object a b
	assert_output "$(printf '%s\n%s' "$ia" "$ib")"
	run bash -c "printf 'a\nb\n' | vault-hash-object --stdin-paths"
	assert_output "$(printf '%s\n%s' "$ia" "$ib")"
	run bash -c "cat a | vault-hash-object --stdin"
	assert_output "$ia"
}

@test "-w stores the file and its chunks; the id is the same as without -w" {
	vault init -q
	head -c 3000000 /dev/urandom > big
	id=$(vault-hash-object big)
	run vault-hash-object -w big
	assert_output "$id"
	run vault-cat-object -t "$id"
	assert_output file
	# the chunk lengths listed in the file object add up to the file size
	run bash -c "vault-cat-object -p $id | awk '{s += \$2} END {print s}'"
	assert_output 3000000
	# every chunk listed in the file object is stored
	vault-cat-object -p "$id" | while read -r cid len; do
		vault-cat-object -e "$cid"
	done
}

@test "-t tree checks the content unless --literally" {
	vault init -q
	echo "not a tree" > junk
	run vault-hash-object -w -t tree junk
	assert_failure 128
	assert_output --partial "not a valid tree"
	run vault-hash-object -w -t tree --literally junk
	assert_success
}

@test "-t record checks the content unless --literally" {
	vault init -q
	printf 'VREC not a record' > junk
	run vault-hash-object -w -t record junk
	assert_failure 128
	assert_output --partial "record"
	run vault-hash-object -w -t record --literally junk
	assert_success
	# a real record's bytes hash to its own id
	id=$(vault-record create --kind game.note <<<'"hello"')
	vault-cat-object record "$id" > rec.bin
	run vault-hash-object -t record rec.bin
	assert_success
	assert_output "$id"
}

@test "unknown kinds are usage errors" {
	run vault-hash-object -t blob x
	assert_failure 129
}

@test "a missing file is a fatal error naming it" {
	run vault-hash-object nope
	assert_failure 128
	assert_output --partial "nope"
}
