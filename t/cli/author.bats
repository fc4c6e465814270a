#!/usr/bin/env bats
# Who made a snapshot, as log, show and timeline print it: the author and
# the host once each. Without an email configured vault records
# "NAME <NAME@HOST>", which repeats the host line; that email is left out.

load helper

local_setup() {
	vault init -q
	echo one > notes.txt
	HOST=$(hostname)
}

@test "without an email: log and show name author and host once" {
	unset VAULT_AUTHOR_EMAIL
	VAULT_AUTHOR_NAME=ada vault backup -q -m one
	run vault cat-object -p HEAD
	assert_line "author ada <ada@$HOST>"   # what is stored stays as it was
	for cmd in log show; do
		run vault $cmd
		assert_success
		assert_line "Author: ada"
		assert_line "Host:   $HOST"
		refute_output --partial "ada@"
	done
	run vault log --json
	python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; assert d["author"] == "ada <ada@'"$HOST"'>" and d["host"] == "'"$HOST"'", d' <<<"$output"
}

@test "without an email: timeline names author and host once" {
	need_feature media
	unset VAULT_AUTHOR_EMAIL
	VAULT_AUTHOR_NAME=ada vault backup -q -m one
	run vault timeline notes.txt
	assert_success
	assert_output --regexp "  added  +4 B  ada@$HOST\$"
	refute_output --partial "<"
}

@test "with an email: log and show keep it" {
	vault backup -q -m one
	for cmd in log show; do
		run vault $cmd
		assert_line "Author: Test Artist <artist@example.org>"
		assert_line "Host:   $HOST"
	done
}

@test "with an email: timeline shows the name at the host" {
	need_feature media
	vault backup -q -m one
	run vault timeline notes.txt
	assert_output --regexp "  Test Artist@$HOST\$"
}

@test "a name that merely looks like the default keeps its email" {
	unset VAULT_AUTHOR_NAME
	VAULT_AUTHOR_NAME=ada VAULT_AUTHOR_EMAIL="ada@elsewhere" vault backup -q -m one
	run vault log
	assert_line "Author: ada <ada@elsewhere>"
}
