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

# --- item 9: trees nested deeper than the format allows -----------------

# deep_snapshot N: a snapshot on main whose tree nests N directories
deep_snapshot() {
	local helper tree snap
	helper=$(dirname "$(command -v vault-init)")/../t/helpers/mkdeeptree
	[ -x "$helper" ] || skip "t/helpers/mkdeeptree is not built (make check)"
	tree=$("$helper" "$1")
	snap=$(vault-commit-tree "$tree" -m deep)
	vault-update-ref refs/snapshots/main "$snap"
	DEEP_TREE=$tree
}

@test "a 100,000-level tree: every reader stops with a clear error" {
	vault init -q
	deep_snapshot 100000
	limit="nested deeper than the format's limit of 4096 levels"
	for cmd in "vault fsck" "vault fsck --full"; do
		run $cmd
		assert_failure 1
		assert_output --partial "$limit"
	done
	for cmd in "vault stats" "vault ls -r main" "vault-ls-tree -r $DEEP_TREE" \
		   "vault export-git main --to git-out" "vault diff main" \
		   "vault restore main --target out" \
		   "vault-checkout-tree main out2"; do
		run $cmd
		assert_failure 128
		assert_output --partial "$limit"
	done
}

@test "a tree exactly at the depth limit is read whole" {
	vault init -q
	deep_snapshot 4096
	run vault fsck
	assert_success
	run vault-ls-tree -r --name-only "$DEEP_TREE"
	assert_success
	[[ "$output" == */d/leaf ]]
	run vault stats
	assert_success
	# against the (empty) work tree: the deepest path shows as deleted
	run vault diff main
	assert_failure 1
	assert_output --partial "D  d/d/d/d/d/d"
}

@test "write-tree refuses a folder nested deeper than the limit" {
	vault init -q
	python3 -c '
import os
fd = os.open(".", os.O_RDONLY)
for _ in range(4100):
    os.mkdir("d", dir_fd=fd)
    nfd = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
'
	run vault-write-tree .
	assert_failure 128
	assert_output --partial "nested deeper than the format's limit of 4096 levels"
}
