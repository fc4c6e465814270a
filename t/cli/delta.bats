#!/usr/bin/env bats
# vault-delta: create and apply on generated builds, damaged deltas, the
# wrong base, the size limit, REV:path inputs.

load helper

MKBUILD="$VAULT_SRCDIR/t/helpers/mkbuild.py"

local_setup() {
	python3 "$MKBUILD" build 4M 1 v1.exe
	python3 "$MKBUILD" rebuild v1.exe 2 3 v2.exe
}

@test "create then apply gives the new build back, byte for byte" {
	run vault-delta create v1.exe v2.exe -o v2.vdelta
	assert_success
	assert_output ""
	run vault-delta apply v1.exe v2.vdelta -o out.exe
	assert_success
	cmp out.exe v2.exe
}

@test "the delta of a relinked build is a small part of it, where chunks share almost nothing" {
	vault-delta create v1.exe v2.exe -o v2.vdelta
	new=$(stat -c %s v2.exe)
	delta=$(stat -c %s v2.vdelta)
	echo "delta $delta of $new"
	[ $((delta * 100)) -lt $((new * 10)) ]
	# chunk dedup alone keeps under a fifth of the build
	vault-chunk --avg 64k v1.exe | awk '{print $3}' | sort > c1
	vault-chunk --avg 64k v2.exe | awk '{print $3}' | sort > c2
	shared=$(comm -12 c1 c2 | wc -l)
	total=$(wc -l < c2)
	echo "shared chunks $shared of $total"
	[ $((shared * 5)) -lt "$total" ]
}

@test "--stats prints the sizes, --json the same as an object" {
	run vault-delta create --stats v1.exe v2.exe -o d
	assert_success
	assert_line --regexp '^base: +4194304 bytes$'
	assert_line --regexp "^new: +$(stat -c %s v2.exe) bytes$"
	assert_line --regexp "^delta: +$(stat -c %s d) bytes \\([0-9.]+% of new\\)$"
	assert_line --regexp '^time: +[0-9.]+ s$'
	run vault-delta apply --json v1.exe d -o out
	assert_success
	run python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["command"], o["base_bytes"], o["delta_bytes"])' <(vault-delta apply --json v1.exe d -o out)
	assert_output "apply 4194304 $(stat -c %s d)"
}

@test "identical versions give a delta of a few bytes; an empty base gives the whole file" {
	cp v1.exe same.exe
	vault-delta create v1.exe same.exe -o same.vdelta
	[ "$(stat -c %s same.vdelta)" -lt 1024 ]
	: > empty
	vault-delta create empty v2.exe -o full.vdelta
	vault-delta apply empty full.vdelta -o out
	cmp out v2.exe
	vault-delta create v1.exe empty -o none.vdelta
	vault-delta apply v1.exe none.vdelta -o out2
	[ -f out2 ] && [ ! -s out2 ]
}

@test "a damaged delta is refused with the reason, exit 128, nothing written" {
	vault-delta create v1.exe v2.exe -o d
	size=$(stat -c %s d)
	printf '\x5a' | dd of=d bs=1 seek=$((size - 100)) conv=notrunc status=none
	run vault-delta apply v1.exe d -o out
	assert_failure 128
	assert_output --partial "fatal: cannot apply d to v1.exe: damaged delta"
	[ ! -e out ]
	[ -z "$(ls -A | grep '\.tmp-')" ]
	head -c 1000 v2.exe > notadelta
	run vault-delta apply v1.exe notadelta -o out
	assert_failure 128
	assert_output --partial "not a delta: bad magic"
	[ ! -e out ]
}

@test "a delta applied to another base is refused" {
	vault-delta create v1.exe v2.exe -o d
	python3 "$MKBUILD" build 4M 7 other.exe
	run vault-delta apply other.exe d -o out
	assert_failure 128
	assert_output --partial "delta was made against another base"
	[ ! -e out ]
}

@test "an existing output is kept when apply fails" {
	vault-delta create v1.exe v2.exe -o d
	echo keep > out
	truncate -s -5 d
	run vault-delta apply v1.exe d -o out
	assert_failure 128
	assert_output --partial "truncated"
	[ "$(cat out)" = keep ]
}

@test "a file above --max-size is refused with the limit named" {
	run vault-delta create --max-size 1M v1.exe v2.exe -o d
	assert_failure 128
	assert_output --partial "more than the delta limit of 1048576"
	[ ! -e d ]
	vault-delta create v1.exe v2.exe -o d
	run vault-delta apply --max-size 2M v1.exe d -o out
	assert_failure 128
	assert_output --partial "delta limit"
}

@test "usage errors exit 129" {
	run vault-delta
	assert_failure 129
	run vault-delta frobnicate a b -o c
	assert_failure 129
	assert_output --partial "unknown subcommand 'frobnicate'"
	run vault-delta create v1.exe v2.exe
	assert_failure 129
	assert_output --partial "no output given"
	run vault-delta create v1.exe -o d
	assert_failure 129
	run vault-delta create --level 42 v1.exe v2.exe -o d
	assert_failure 129
	run vault-delta apply --level 3 v1.exe v2.exe -o d
	assert_failure 129
	run vault-delta create --stats v1.exe v2.exe -o -
	assert_failure 129
	run vault-delta --help
	assert_success
	assert_output --partial "usage: vault-delta create"
}

@test "a missing input is fatal" {
	run vault-delta create nosuch v2.exe -o d
	assert_failure 128
	assert_output --partial "cannot open nosuch"
}

@test "REV:path inputs come from the repository" {
	mkdir proj proj/Builds
	cp v1.exe proj/Builds/game.exe
	cd proj
	vault init -q
	vault backup -q -m v1
	cp ../v2.exe Builds/game.exe
	vault backup -q -m v2
	vault-delta create HEAD~1:Builds/game.exe HEAD:Builds/game.exe -o ../rev.vdelta
	cd ..
	vault-delta apply v1.exe rev.vdelta -o out
	cmp out v2.exe
	cd proj
	run vault-delta create HEAD:Builds/nosuch.exe HEAD:Builds/game.exe -o ../x
	assert_failure 128
	assert_output --partial "HEAD:Builds/nosuch.exe"
}

@test "-o - writes the delta to standard output" {
	vault-delta create v1.exe v2.exe -o - > piped
	vault-delta apply v1.exe piped -o out
	cmp out v2.exe
}

@test "a REV:path outside a repository says there is no such file" {
	run vault-delta create nosuch:game.exe v2.exe -o d
	assert_failure 128
	assert_output --partial "cannot open nosuch:game.exe: no such file, and no repository"
}
