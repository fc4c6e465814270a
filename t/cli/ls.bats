#!/usr/bin/env bats
# vault ls: names, -l (mode strings, sizes, times, symlink targets), -r,
# -z, a PATH that is a directory or a file, --json.

load helper

local_setup() {
	export TZ=UTC
	make_project proj
	cd proj
	vault init -q
	touch -d '2024-02-29 12:34:56' src/build.sh
	touch -h -d '2024-02-29 12:34:56' link-to-readme
	S=$(vault-commit-tree "$(vault-write-tree .)" -m one)
	vault-update-ref refs/snapshots/main "$S"
}

@test "ls lists the top, directories with a slash" {
	run vault ls HEAD
	assert_success
	assert_output "README.txt
a/
art/
empty.dat
link-to-readme
src/"
}

@test "ls PATH lists a directory; SNAP:dir works too" {
	run vault ls HEAD src
	assert_output "build.sh
dangling
numbers.txt"
	run vault ls HEAD:src
	assert_output "build.sh
dangling
numbers.txt"
}

@test "ls -l shows mode, size, time and symlink targets" {
	run vault ls -l HEAD src
	assert_success
	assert_line --index 0 "-rwxr-xr-x           21 2024-02-29 12:34 build.sh"
	assert_line --index 1 --regexp '^lrwxrwxrwx           17 [0-9-]+ [0-9:]+ dangling -> \.\./does/not/exist$'
	assert_line --index 2 --regexp '^-rw-r--r--      1288895 '
	run vault ls -l HEAD
	assert_line --regexp '^drwxr-xr-x            0 [0-9-]+ [0-9:]+ art$'
	assert_line "lrwxrwxrwx           10 2024-02-29 12:34 link-to-readme -> README.txt"
	run vault ls -l HEAD art/textures
	assert_line --regexp '^-rw------- +1500000 .* noise\.bin$'
}

@test "ls -r lists everything below, with paths" {
	run vault ls -r HEAD art
	assert_output "textures/
textures/noise.bin
Ärger – entwurf ✓.txt"
	run vault ls -r HEAD
	assert_line "a/b/c/d/e/f/g/h/i/j/leaf.txt"
	assert_line "src/numbers.txt"
	[ "${#lines[@]}" = 22 ]
}

@test "a PATH naming a file lists that entry" {
	run vault ls -l HEAD src/numbers.txt
	assert_output --regexp '^-rw-r--r--      1288895 .* src/numbers\.txt$'
	run vault ls HEAD nope
	assert_failure 128
	assert_output --partial "does not exist"
}

@test "odd names are quoted, or NUL-terminated with -z" {
	printf x > "tab	name"
	S2=$(vault-commit-tree "$(vault-write-tree .)" -m two)
	run vault ls "$S2"
	assert_line '"tab\tname"'
	run bash -c "vault ls -z $S2 | tr '\0' '\n'"
	assert_line "tab	name"
}

@test "--json lists entries with their fields" {
	run vault ls --json HEAD src
	assert_success
	python3 - "$output" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
by = {e["path"]: e for e in d}
assert list(by) == ["build.sh", "dangling", "numbers.txt"], d
b = by["build.sh"]
assert b["type"] == "file" and b["mode"] == "0755" and b["size"] == 21, b
assert b["mtime"] == 1709210096 and len(b["id"]) == 64, b
l = by["dangling"]
assert l["type"] == "symlink" and l["target"] == "../does/not/exist", l
assert "target" not in b
PY
}

@test "ls without SNAP lists HEAD, as show and log do" {
	run vault ls
	assert_success
	assert_output "$(vault ls HEAD)"
	run vault ls -l
	assert_success
	assert_output "$(vault ls -l HEAD)"
	cd "$BATS_TEST_TMPDIR" && mkdir empty && cd empty && vault init -q
	run vault ls
	assert_failure 128
	assert_output --partial "no snapshots yet"
}

@test "unknown SNAPs and too many arguments fail" {
	run vault ls nope
	assert_failure 128
	run vault ls HEAD src extra
	assert_failure 129
}
