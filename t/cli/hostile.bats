#!/usr/bin/env bats
# Hostile input (issue 19, items 8-13): names git would run code through,
# trees too deep to recurse, configs and objects that lie, dates that
# overflow, and repository files other users could read.

load helper

# --- item 10: config values ---------------------------------------------

@test "an empty config value is an error, not a crash" {
	vault init -q
	sed -i 's/formatVersion = 1/formatVersion =/' .vault/config
	run vault log
	assert_failure 128
	assert_output --partial "core.formatversion: '' is not an integer"
}

# --- item 12: dates and missing objects ---------------------------------

@test "rev-parse: a relative date too far back is a clear error" {
	vault init -q
	echo one > f
	vault backup -q
	run vault rev-parse 'main@{2222222222222222222222221.week.ago}'
	assert_failure 128
	assert_output --partial "is out of range"
	run vault rev-parse 'main@{99999999999999999999.seconds.ago}'
	assert_failure 128
	assert_output --partial "is out of range"
	run vault rev-parse 'main@{@99999999999999999999999}'
	assert_failure 128
	assert_output --partial "is out of range"
	run vault rev-parse 'main@{0.seconds.ago}'
	assert_success
	assert_output "$(vault rev-parse main)"
}

@test "restore: a snapshot whose tree is missing names the object" {
	vault init -q
	echo one > f
	vault backup -q
	missing=$(printf '1%.0s' $(seq 64))
	vault cat-object -p main | sed "s/^tree .*/tree $missing/" > snap.txt
	snap=$(vault-hash-object -t snapshot -w snap.txt)
	run vault restore "$snap" --target out
	assert_failure 128
	assert_output --partial "object $missing not found"
	refute_output --partial "forgotten/"
	refute_output --partial "No such file"
}
