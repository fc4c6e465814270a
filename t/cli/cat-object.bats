#!/usr/bin/env bats
# vault-cat-object: kinds, sizes, content, batch mode, prefixes.

load helper

local_setup() {
	vault init -q
	printf 'some content\n' > f
	CHUNK=$(vault-hash-object -w -t chunk f)
	FILE=$(vault-hash-object -w f)
}

@test "-t, -s and -e" {
	run vault-cat-object -t "$CHUNK"
	assert_output chunk
	run vault-cat-object -s "$CHUNK"
	assert_output 13
	run vault-cat-object -e "$CHUNK"
	assert_success
	run vault-cat-object -e 0000000000000000000000000000000000000000000000000000000000000000
	assert_failure 1
	assert_output ""
}

@test "KIND OBJECT prints raw content, and checks the kind" {
	run vault-cat-object chunk "$CHUNK"
	assert_output "some content"
	run vault-cat-object tree "$CHUNK"
	assert_failure 128
	assert_output --partial "not a tree"
}

@test "-p shows a file object's chunk list" {
	run vault-cat-object -p "$FILE"
	assert_success
	assert_output "$CHUNK 13"
}

@test "unique prefixes are accepted, short ones are not" {
	run vault-cat-object -t "${CHUNK:0:8}"
	assert_output chunk
	run vault-cat-object -t "${CHUNK:0:3}"
	assert_failure 128
}

@test "--batch frames content; missing objects say missing" {
	printf '%s\nfeedbeef\n%s\n' "$CHUNK" "${CHUNK:0:6}" > list
	vault-cat-object --batch < list > out
	# header, content, an empty line after the content, missing, again
	run cat -A out
	assert_line --index 0 "$CHUNK chunk 13$"
	assert_line --index 1 "some content$"
	assert_line --index 2 '$'
	assert_line --index 3 'feedbeef missing$'
	assert_line --index 4 "$CHUNK chunk 13$"
}

@test "--batch-check prints headers only" {
	printf '%s\n' "$CHUNK" | vault-cat-object --batch-check > out
	run cat out
	assert_output "$CHUNK chunk 13"
}

@test "needs exactly one mode" {
	run vault-cat-object -t -s "$CHUNK"
	assert_failure 129
	run vault-cat-object
	assert_failure 129
}
