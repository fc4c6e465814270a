#!/usr/bin/env bats
# write-tree -> commit-tree -> checkout-tree round trips, ls-tree, and
# hostile trees that must not escape the target directory.

load helper

local_setup() {
	make_project proj
	cd proj
	vault init -q
}

@test "a folder survives write-tree, commit-tree, checkout-tree exactly" {
	tree=$(vault-write-tree .)
	snap=$(vault-commit-tree "$tree" -m "first")
	run vault-checkout-tree "$snap" ../out
	assert_success
	cd ..
	same_tree proj out
	# the pieces that matter, checked one by one
	[ -L out/link-to-readme ] && [ "$(readlink out/link-to-readme)" = README.txt ]
	[ "$(readlink out/src/dangling)" = ../does/not/exist ]
	[ -x out/src/build.sh ]
	[ ! -s out/empty.dat ] && [ -f out/empty.dat ]
	[ "$(stat -c %a out/art/textures/noise.bin)" = 600 ]
	[ "$(stat -c %y out/README.txt)" = "$(stat -c %y proj/README.txt)" ]
	[ -f "out/art/Ärger – entwurf ✓.txt" ]
	[ -f out/a/b/c/d/e/f/g/h/i/j/leaf.txt ]
	[ ! -e out/.vault ]
}

@test "write-tree is deterministic and deduplicates" {
	t1=$(vault-write-tree .)
	packs=$(ls .vault/packs | wc -l)
	t2=$(vault-write-tree .)
	[ "$t1" = "$t2" ]
	[ "$(ls .vault/packs | wc -l)" = "$packs" ]
}

@test "ls-tree lists entries in git's notation" {
	tree=$(vault-write-tree .)
	run vault-ls-tree "$tree"
	assert_success
	assert_line --regexp '^100644 file [0-9a-f]{64}	README\.txt$'
	assert_line --regexp '^120000 symlink [0-9a-f]{64}	link-to-readme$'
	assert_line --regexp '^040000 tree [0-9a-f]{64}	src$'
	run vault-ls-tree -r "$tree"
	assert_line --regexp '^100755 file [0-9a-f]{64}	src/build\.sh$'
	assert_line --regexp '	a/b/c/d/e/f/g/h/i/j/leaf\.txt$'
	run vault-ls-tree -r -l "$tree" src/numbers.txt
	assert_output --regexp ' 1288895	src/numbers\.txt$'
}

@test "ls-tree -z does not quote; without -z odd names are quoted" {
	printf x > "tab	name"
	tree=$(vault-write-tree .)
	run vault-ls-tree --name-only "$tree"
	assert_line '"tab\tname"'
	run bash -c "vault-ls-tree -z --name-only $tree | tr '\0' '\n'"
	assert_line "tab	name"
}

@test "ls-tree accepts SNAP:dir and refuses files" {
	tree=$(vault-write-tree .)
	snap=$(vault-commit-tree "$tree" -m m)
	run vault-ls-tree "$snap:src"
	assert_success
	assert_line --regexp '	build\.sh$'
}

@test "commit-tree records parents, author, time and message" {
	tree=$(vault-write-tree .)
	s1=$(vault-commit-tree "$tree" -m one)
	s2=$(vault-commit-tree "$tree" -p "$s1" -m two -m "para" --meta tag=v1)
	run vault-cat-object -p "$s2"
	assert_line "tree $tree"
	assert_line "parent $s1"
	assert_line "time 1764000000 +0000"
	assert_line "author Test Artist <artist@example.org>"
	assert_line "meta tag v1"
	assert_line "two"
	assert_line "para"
}

@test "commit-tree refuses a non-snapshot parent and needs a message" {
	tree=$(vault-write-tree .)
	run vault-commit-tree "$tree" -p "$tree" -m x
	assert_failure 128
	run vault-commit-tree "$tree"
	assert_failure 129
}

@test "checkout-tree does not overwrite existing files without --force" {
	tree=$(vault-write-tree .)
	mkdir ../out && echo mine > ../out/README.txt
	run vault-checkout-tree "$tree" ../out
	assert_failure 128
	assert_output --partial "README.txt"
	[ "$(cat ../out/README.txt)" = mine ]
	run vault-checkout-tree -f "$tree" ../out
	assert_success
	[ "$(cat ../out/README.txt)" = "hello vault" ]
}

@test "checkout-tree never follows a symlink already in the target" {
	mkdir -p ../victim ../out
	ln -s ../victim ../out/src
	tree=$(vault-write-tree .)
	run vault-checkout-tree -f "$tree" ../out
	[ -z "$(ls ../victim)" ]
}

# A tree whose entry is named ".." (crafted with --literally, as an attacker
# with write access to a repository could) must be refused on checkout.
@test "a hostile tree entry named '..' is refused and nothing escapes" {
	inner=$(vault-write-tree src)
	# build the tree bytes by hand: version, 1 entry, dir "..", -> inner
	python3 - "$inner" > evil.bin <<'PY'
import sys
oid = bytes.fromhex(sys.argv[1])
def v(n):
    out = b""
    while True:
        b = n & 0x7f; n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n: return out
name = b".."
body = bytes([1]) + v(1) + bytes([2]) + v(0o755) + v(len(name)) + name + v(0) + v(0) + v(0) + oid + v(0)
sys.stdout.buffer.write(body)
PY
	evil=$(vault-hash-object -w -t tree --literally evil.bin)
	mkdir -p ../jail/target
	run vault-checkout-tree "$evil" ../jail/target
	assert_failure 128
	assert_output --partial "unsafe"
	[ ! -e ../jail/build.sh ]
	[ -z "$(ls ../jail/target)" ]
}

@test "a tree entry with a slash in its name is refused" {
	python3 - "$(vault-hash-object -w -t chunk README.txt)" > evil.bin <<'PY'
import sys
oid = bytes.fromhex(sys.argv[1])
name = b"../../escaped.txt"
body = bytes([1, 1, 3, 0x80|0x7f, 3, len(name)]) + name + bytes([5, 0, 0]) + oid + bytes([0])
sys.stdout.buffer.write(body)
PY
	run vault-hash-object -w -t tree evil.bin
	assert_failure 128
	evil=$(vault-hash-object -w -t tree --literally evil.bin)
	mkdir -p ../jail/t
	run vault-checkout-tree "$evil" ../jail/t
	assert_failure 128
	[ ! -e ../escaped.txt ] && [ ! -e ../jail/escaped.txt ]
}

@test "a '.vault' entry at the top of a tree is not written" {
	mkdir -p x/.vault && echo evil > x/.vault/config
	inner=$(vault-write-tree x/.vault)
	python3 - "$inner" > evil.bin <<'PY'
import sys
oid = bytes.fromhex(sys.argv[1])
name = b".vault"
body = bytes([1, 1, 2, 0xed, 3, len(name)]) + name + bytes([0, 0, 0]) + oid + bytes([0])
sys.stdout.buffer.write(body)
PY
	evil=$(vault-hash-object -w -t tree --literally evil.bin)
	mkdir ../t2
	run vault-checkout-tree "$evil" ../t2
	assert_failure 128
	assert_output --partial ".vault"
	[ ! -e ../t2/.vault ]
}

@test "a damaged file fails loudly and the rest is still written" {
	tree=$(vault-write-tree .)
	fid=$(vault-ls-tree "$tree" README.txt | awk '{print $3}')
	cid=$(vault-cat-object -p "$fid" | awk '{print $1}')
	# corrupt the chunk's bytes inside its pack
	pack=$(grep -l "hello vault" .vault/packs/*.pack | head -1)
	chmod u+w "$pack"
	sed -i 's/hello vault/HELLO VAULT/' "$pack"
	run vault-checkout-tree "$tree" ../out
	assert_failure 128
	assert_output --partial "README.txt"
	assert_output --partial "damaged"
	[ ! -e ../out/README.txt ]
	[ -f ../out/src/build.sh ]
	[ -f ../out/art/textures/noise.bin ]
}
