#!/usr/bin/env bats
# vault restore: subsets of paths, --verify, --force, a damaged chunk that
# costs exactly one file, and targets or snapshots that try to make it
# write outside the target directory.

load helper

local_setup() {
	make_project proj
	cd proj
	vault init -q
}

# build_tree ENTRY... : tree bytes on stdout; each ENTRY is
# TYPE:MODE:NAME:OID (TYPE 1 file, 2 dir, 3 symlink; MODE octal), in the
# order given (a hostile tree need not be sorted).
build_tree() {
	python3 - "$@" <<'PY'
import sys
def v(n):
    out = b""
    while True:
        b = n & 0x7f; n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n: return out
body = bytes([1]) + v(len(sys.argv) - 1)
for arg in sys.argv[1:]:
    t, mode, name, oid = arg.split(":", 3)
    name = name.encode()
    body += bytes([int(t)]) + v(int(mode, 8)) + v(len(name)) + name
    body += v(0) + v(0) + v(0) + bytes.fromhex(oid) + v(0)
sys.stdout.buffer.write(body)
PY
}

@test "a file and a folder restore alone, at their own relative paths" {
	vault backup -q
	run vault restore HEAD README.txt src a/b/c/d/e/f/g/h/i/j/leaf.txt --target ../out
	assert_success
	cd ..
	run bash -c 'cd out && find . -mindepth 1 | sort'
	assert_output "./README.txt
./a
./a/b
./a/b/c
./a/b/c/d
./a/b/c/d/e
./a/b/c/d/e/f
./a/b/c/d/e/f/g
./a/b/c/d/e/f/g/h
./a/b/c/d/e/f/g/h/i
./a/b/c/d/e/f/g/h/i/j
./a/b/c/d/e/f/g/h/i/j/leaf.txt
./src
./src/build.sh
./src/dangling
./src/numbers.txt"
	same_tree proj/src out/src
	cmp proj/README.txt out/README.txt
	[ "$(stat -c %y out/README.txt)" = "$(stat -c %y proj/README.txt)" ]
	cmp proj/a/b/c/d/e/f/g/h/i/j/leaf.txt out/a/b/c/d/e/f/g/h/i/j/leaf.txt
}

@test "a path that is not in the snapshot fails naming it" {
	vault backup -q
	run vault restore HEAD no/such/file --target ../out
	assert_failure 128
	assert_output --partial "no/such/file"
}

@test "--verify reads every file back and says so" {
	vault backup -q
	run vault restore HEAD --target ../out --verify
	assert_success
	assert_output --partial "all verified"
	run vault restore HEAD --target ../out2 --verify --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["verified"] is True and d["errors"] == 0 and d["files"] == 7, d' <<<"$output"
	cd ..
	same_tree proj out
	same_tree proj out2
}

# tree_state DIR: every entry under DIR with type, mode, size, mtime,
# inode and checksum, to show that nothing at all was written
tree_state() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %s %T@ %i %l\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0 -r md5sum)
}

@test "existing files without --force: nothing is written, every conflict is named" {
	vault backup -q
	mkdir -p ../out/src
	echo mine > ../out/README.txt
	echo mine > ../out/src/build.sh
	echo other > ../out/unrelated.txt
	before=$(tree_state ../out)
	run vault restore HEAD --target ../out
	assert_failure 128
	assert_line "error: README.txt: README.txt already exists (use --force to replace it)"
	assert_line "error: src/build.sh: build.sh already exists (use --force to replace it)"
	assert_line "fatal: 2 entries conflict with what is in ../out; nothing was written"
	# not one of the missing files was written either
	[ "$(tree_state ../out)" = "$before" ]
	[ ! -e ../out/src/numbers.txt ] && [ ! -e ../out/art ]
	# the same with PATHs
	run vault restore HEAD README.txt art --target ../out
	assert_failure 128
	assert_output --partial "README.txt already exists"
	[ "$(tree_state ../out)" = "$before" ]
}

@test "files already as in the snapshot are left alone, without --force" {
	vault backup -q
	vault restore HEAD --target ../out -q
	rm ../out/src/numbers.txt
	inode=$(stat -c %i ../out/art/textures/noise.bin)
	# same content, other mode and time: fixed in place, not rewritten
	chmod 644 ../out/art/textures/noise.bin
	touch -d '2001-01-01' ../out/README.txt
	rinode=$(stat -c %i ../out/README.txt)
	run vault restore HEAD --target ../out
	assert_success
	[ "$(stat -c %i ../out/README.txt)" = "$rinode" ]
	assert_line --regexp "^restored 1 files, "
	assert_line "8 files and links were already as in the snapshot and were left alone"
	[ "$(stat -c %i ../out/art/textures/noise.bin)" = "$inode" ]
	cd ..
	same_tree proj out
}

@test "--force refuses to overwrite a local edit that is in no snapshot, and writes nothing" {
	vault backup -q
	vault restore HEAD --target ../out -q
	echo "unsaved work" > ../out/README.txt
	rm ../out/src/numbers.txt
	before=$(tree_state ../out)
	run vault restore HEAD --target ../out --force
	assert_failure 128
	assert_line "error: README.txt: local changes are in no snapshot; back them up first or use --discard-changes"
	[ "$(grep -c '^error:' <<<"$output")" -eq 1 ]
	[ "$(cat ../out/README.txt)" = "unsaved work" ]
	[ "$(tree_state ../out)" = "$before" ]
}

@test "--force --discard-changes overwrites a local edit" {
	vault backup -q
	vault restore HEAD --target ../out -q
	echo "unsaved work" > ../out/README.txt
	ln -sf elsewhere ../out/link-to-readme
	run vault restore HEAD --target ../out --force --discard-changes
	assert_success
	cd ..
	same_tree proj out
	run vault restore HEAD --target ../out --discard-changes
	assert_failure 129
}

@test "--force replaces a file whose content an older snapshot holds" {
	echo "version 1" > notes.txt
	vault backup -q -m one
	vault restore HEAD --target ../out -q
	echo "version 2" > notes.txt
	vault backup -q -m two
	# ../out/notes.txt is version 1: saved in the first snapshot
	run vault restore HEAD --target ../out
	assert_failure 128
	run vault restore HEAD --target ../out --force
	assert_success
	[ "$(cat ../out/notes.txt)" = "version 2" ]
	# and back: version 2 is saved too
	run vault restore HEAD~1 notes.txt --target ../out --force
	assert_success
	[ "$(cat ../out/notes.txt)" = "version 1" ]
}

@test "a folder with files in it is never replaced by a file, even with --discard-changes" {
	vault backup -q
	mkdir -p ../out/README.txt
	echo keep > ../out/README.txt/inside
	run vault restore HEAD --target ../out --force --discard-changes
	assert_failure 128
	assert_output --partial "README.txt: a folder with files in it"
	[ "$(cat ../out/README.txt/inside)" = keep ]
	[ ! -e ../out/src ]
}

@test "a damaged chunk costs exactly its file; everything else restores" {
	head -c 5000 /dev/urandom > unique.bin
	vault backup -q
	copy_tree . ../expected
	rm ../expected/unique.bin
	mapfile -t chunks < <(chunks_of HEAD:unique.bin)
	[ "${#chunks[@]}" -eq 1 ]
	damage_object .vault "${chunks[0]}"
	run vault restore HEAD --target ../out
	assert_failure 128
	assert_output --partial "unique.bin"
	[ ! -e ../out/unique.bin ]
	# the only error is that file
	[ "$(grep -c '^error:' <<<"$output")" -eq 1 ]
	cd ..
	same_tree expected out
}

@test "a hostile tree entry named '..' writes nothing outside the target" {
	inner=$(vault-write-tree src)
	evil=$(build_tree "2:755:..:$inner" | vault-hash-object -w -t tree --literally --stdin)
	snap=$(vault-commit-tree "$evil" -m evil)
	mkdir -p ../jail/target
	run vault restore "$snap" --target ../jail/target
	assert_failure
	run find ../jail -mindepth 1
	assert_output "../jail/target"
	[ ! -e ../build.sh ] && [ ! -e ../numbers.txt ]
}

@test "a hostile tree entry whose name holds a slash writes nothing outside" {
	blob=$(vault-hash-object -w -t chunk README.txt)
	evil=$(build_tree "1:644:../../escaped.txt:$blob" "1:644:x/../../../esc2.txt:$blob" |
		vault-hash-object -w -t tree --literally --stdin)
	snap=$(vault-commit-tree "$evil" -m evil)
	mkdir -p ../jail/a/target
	run vault restore "$snap" --target ../jail/a/target
	assert_failure
	run find ../jail -mindepth 1
	assert_output "../jail/a
../jail/a/target"
	[ ! -e ../escaped.txt ] && [ ! -e ../esc2.txt ] && [ ! -e "$BATS_TEST_TMPDIR/esc2.txt" ]
}

@test "a hostile tree entry named '.' is refused" {
	inner=$(vault-write-tree src)
	evil=$(build_tree "2:755:.:$inner" | vault-hash-object -w -t tree --literally --stdin)
	snap=$(vault-commit-tree "$evil" -m evil)
	run vault restore "$snap" --target ../out
	assert_failure
	[ ! -e ../out/build.sh ]
}

@test "a symlink planted in the target is not followed" {
	mkdir -p dir
	echo payload > dir/file
	vault backup -q
	elsewhere=$(mktemp -d)
	mkdir ../out
	ln -s "$elsewhere" ../out/dir
	run vault restore HEAD dir/file --target ../out
	assert_failure
	[ -z "$(ls -A "$elsewhere")" ]
	run vault restore HEAD dir/file --target ../out --force
	[ -z "$(ls -A "$elsewhere")" ]
	run vault restore HEAD --target ../out --force
	[ -z "$(ls -A "$elsewhere")" ]
	rmdir "$elsewhere"
}

@test "a symlink planted at a file's own path is not written through" {
	mkdir -p dir
	echo payload > dir/file
	vault backup -q
	victim=$(mktemp)
	echo original > "$victim"
	mkdir -p ../out/dir
	ln -s "$victim" ../out/dir/file
	run vault restore HEAD dir/file --target ../out
	assert_failure
	[ "$(cat "$victim")" = original ]
	run vault restore HEAD dir/file --target ../out --force
	[ "$(cat "$victim")" = original ]
	if [ "$status" -eq 0 ]; then
		# replaced: the link itself is gone, the file is there
		[ ! -L ../out/dir/file ] && [ "$(cat ../out/dir/file)" = payload ]
	fi
	rm -f "$victim"
}

@test "setuid and setgid bits are not restored" {
	printf '#!/bin/sh\n' > suid.sh
	chmod 4755 suid.sh
	printf '#!/bin/sh\n' > sgid.sh
	chmod 2755 sgid.sh
	mkdir shared && chmod 2775 shared
	vault backup -q
	vault restore HEAD --target ../out -q
	[ "$(stat -c %a ../out/suid.sh)" = 755 ]
	[ "$(stat -c %a ../out/sgid.sh)" = 755 ]
	[ "$(stat -c %a ../out/shared)" = 775 ]
}

@test "a sparse file restores sparse: the same bytes, holes where the zeros were" {
	truncate -s 2G sparse.img
	printf 'header' | dd of=sparse.img conv=notrunc status=none
	head -c 100000 /dev/urandom | dd of=sparse.img bs=1M seek=1000 conv=notrunc status=none
	printf 'tail' | dd of=sparse.img bs=1 seek=$((2 * 1024 * 1024 * 1024 - 4)) conv=notrunc status=none
	vault backup -q
	run vault restore HEAD sparse.img --target ../out --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["files"] == 1 and d["holes"] > 2000000000, d' <<<"$output"
	[ "$(stat -c %s ../out/sparse.img)" = "$(stat -c %s sparse.img)" ]
	cmp sparse.img ../out/sparse.img
	# a few blocks of data, not 2 GiB of zeros
	[ "$(du -k ../out/sparse.img | cut -f1)" -lt 4096 ]
	# a file that ends in zeros gets its full size, and one without zeros
	# is written whole
	head -c 10000 /dev/urandom > ends-in-zeros.bin
	head -c 100000 /dev/zero >> ends-in-zeros.bin
	vault backup -q
	vault restore HEAD ends-in-zeros.bin src/numbers.txt --target ../out2 -q
	cmp ends-in-zeros.bin ../out2/ends-in-zeros.bin
	cmp src/numbers.txt ../out2/src/numbers.txt
}

@test "a PATH named .vault at the top is refused, the repository untouched" {
	file=$(vault-hash-object -w README.txt)
	inner=$(build_tree "1:644:config:$file" | vault-hash-object -w -t tree --literally --stdin)
	evil=$(build_tree "2:755:.vault:$inner" | vault-hash-object -w -t tree --literally --stdin)
	snap=$(vault-commit-tree "$evil" -m evil)
	before=$(md5sum .vault/config)
	run vault restore "$snap" .vault --target . --force
	assert_failure 128
	assert_output --partial "refusing to write a '.vault' entry"
	[ "$(md5sum .vault/config)" = "$before" ]
}
