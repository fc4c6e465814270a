# Shared setup for vault's bats tests: assertions from Debian's bats-support
# and bats-assert, a fresh scratch folder per test, and the built programs
# first on PATH (make check sets PATH; running bats by hand finds ../../bin).

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

VAULT_SRCDIR=${VAULT_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/../.." && pwd)}
if ! command -v vault-init >/dev/null 2>&1 && [ -x "$VAULT_SRCDIR/_build/bin/vault-init" ]; then
	PATH="$VAULT_SRCDIR/_build/bin:$PATH"
fi
export PATH
VAULT_TESTDATA=${VAULT_TESTDATA:-$VAULT_SRCDIR/../shared/testdata}

setup() {
	unset VAULT_DIR
	export VAULT_AUTHOR_NAME="Test Artist" VAULT_AUTHOR_EMAIL="artist@example.org"
	export VAULT_AUTHOR_DATE=1764000000
	TEST_DIR="$BATS_TEST_TMPDIR/work"
	mkdir -p "$TEST_DIR"
	cd "$TEST_DIR" || return 1
	if declare -F local_setup >/dev/null; then local_setup; fi
}

# make_project DIR: a small project with the awkward cases: an empty file,
# a symlink, an executable, a non-ASCII name, a deep path, binary data.
make_project() {
	local d=$1
	mkdir -p "$d/art/textures" "$d/src" "$d/a/b/c/d/e/f/g/h/i/j"
	printf 'hello vault\n' > "$d/README.txt"
	: > "$d/empty.dat"
	ln -s README.txt "$d/link-to-readme"
	ln -s ../does/not/exist "$d/src/dangling"
	printf '#!/bin/sh\necho built\n' > "$d/src/build.sh"
	chmod 755 "$d/src/build.sh"
	printf 'ünïcödé\n' > "$d/art/Ärger – entwurf ✓.txt"
	printf 'deep\n' > "$d/a/b/c/d/e/f/g/h/i/j/leaf.txt"
	head -c 1500000 /dev/urandom > "$d/art/textures/noise.bin"
	seq 1 200000 > "$d/src/numbers.txt"
	touch -d '2024-02-29 12:34:56.123456789' "$d/README.txt"
	chmod 600 "$d/art/textures/noise.bin"
}

# same_tree A B: contents, modes, symlink targets and mtimes all equal.
same_tree() {
	diff -r --no-dereference --exclude=.vault "$1" "$2" || return 1
	local a b
	a=$(cd "$1" && find . -mindepth 1 -path ./.vault -prune -o -printf '%p %M %s %T@ %l\n' | sort)
	b=$(cd "$2" && find . -mindepth 1 -path ./.vault -prune -o -printf '%p %M %s %T@ %l\n' | sort)
	if [ "$a" != "$b" ]; then
		diff <(echo "$a") <(echo "$b")
		return 1
	fi
}
