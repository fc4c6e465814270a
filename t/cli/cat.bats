#!/usr/bin/env bats
# vault cat: file content byte for byte (streamed), both argument forms,
# symlink targets, and clear errors for directories and snapshots.

load helper

local_setup() {
	make_project proj
	cd proj
	vault init -q
	S1=$(vault-commit-tree "$(vault-write-tree .)" -m one)
	echo changed > README.txt
	S2=$(vault-commit-tree "$(vault-write-tree .)" -p "$S1" -m two)
	vault-update-ref refs/snapshots/main "$S2"
}

@test "cat SNAP:PATH prints the file as stored" {
	run vault cat HEAD:README.txt
	assert_success
	assert_output "changed"
	run vault cat main~1:README.txt
	assert_output "hello vault"
}

@test "cat SNAP PATH... prints each file in turn" {
	run vault cat "$S1" README.txt src/build.sh
	assert_output "hello vault
#!/bin/sh
echo built"
}

@test "large and binary files come back byte for byte" {
	vault cat HEAD:art/textures/noise.bin | cmp - art/textures/noise.bin
	vault cat HEAD src/numbers.txt | cmp - src/numbers.txt
	[ "$(vault cat HEAD:empty.dat | wc -c)" = 0 ]
	vault cat "HEAD:art/Ärger – entwurf ✓.txt" | cmp - "art/Ärger – entwurf ✓.txt"
}

@test "a symlink prints its target, without a newline" {
	run vault cat HEAD:link-to-readme
	assert_output "README.txt"
	[ "$(vault cat HEAD:src/dangling | wc -c)" = 17 ]
}

@test "a bare file object id works" {
	fid=$(vault-rev-parse HEAD:src/build.sh)
	run vault cat "$fid"
	assert_output "#!/bin/sh
echo built"
}

@test "directories, snapshots and missing paths are errors" {
	run vault cat HEAD:src
	assert_failure 128
	assert_output --partial "is a directory"
	run vault cat HEAD
	assert_failure 128
	assert_output --partial "is a snapshot"
	run vault cat HEAD:nope.txt
	assert_failure 128
	assert_output --partial "does not exist"
	run vault cat HEAD:README.txt other
	assert_failure 129
	run vault cat
	assert_failure 129
}

@test "a damaged chunk is reported, not printed as good data" {
	chunk=$(vault-cat-object -p "$(vault-rev-parse HEAD:src/numbers.txt)" | awk 'NR==2 {print $1}')
	if [ -z "$chunk" ] || ! loc=$(object_location "$chunk"); then
		skip "cannot locate the chunk"
	fi
	set -- $loc
	flip_byte ".vault/packs/$1.pack" "$(($2 + 10))"
	run vault cat HEAD:src/numbers.txt
	assert_failure 128
}
