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

# need_test_hooks: skip unless the programs were built with the test
# suite's crash and race hooks (./configure --disable-test-hooks leaves
# them out: make check says so in VAULT_BUILD_TEST_HOOKS, a build tree's
# config.status otherwise), then turn them on for this test.
need_test_hooks() {
	local built=${VAULT_BUILD_TEST_HOOKS:-} cs
	if [ -z "$built" ]; then
		built=yes
		cs="$(dirname "$(command -v vault-init)")/../config.status"
		if [ -f "$cs" ] && grep -q '^S\["TEST_HOOKS"\]="no"' "$cs"; then
			built=no
		fi
	fi
	[ "$built" = yes ] || skip "built with --disable-test-hooks"
	export VAULT_TEST_HOOKS=1
}

# has_feature PART: whether this build has an optional part (media, git,
# test-hooks), as the "features:" line of `vault --version` lists them.
has_feature() {
	if [ -z "${VAULT_FEATURES+set}" ]; then
		VAULT_FEATURES=$(vault --version | sed -n 's/^features: //p')
		export VAULT_FEATURES
	fi
	[[ " $VAULT_FEATURES " == *" $1 "* ]]
}

# need_feature PART: skip the test (or, from setup_file, the whole file),
# saying so, when the build does not have PART.
need_feature() {
	has_feature "$1" || skip "$1 support not built (./configure --without-$1)"
}

# need_testdata REL: skip with "testdata missing: PATH" (the summary lists
# it) unless $VAULT_TESTDATA/REL (../shared/testdata) exists; with
# VAULT_REQUIRE_TESTDATA=1 a missing file fails the test instead.
need_testdata() {
	local f="$VAULT_TESTDATA/$1"
	if [ ! -e "$f" ]; then
		if [ "${VAULT_REQUIRE_TESTDATA:-0}" = 1 ]; then
			echo "testdata missing: $f" >&2
			return 1
		fi
		skip "testdata missing: $f"
	fi
}

# A test file whose every test needs an optional part says so at its top:
# VAULT_TEST_NEEDS="media" (or "git"); setup skips each test, saying why,
# in a build without it.
setup() {
	local part
	for part in ${VAULT_TEST_NEEDS:-}; do
		need_feature "$part"
	done
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
	# Past the file cache's racy window (one 50 ms tick after a file's
	# ctime): a backup right after this trusts every file next time, on a
	# fast machine as on a loaded one.
	sleep 0.1
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

# copy_tree SRC DST: a copy of a folder (modes, mtimes, symlinks kept),
# without its .vault, to compare a restore with later.
copy_tree() {
	mkdir -p "$2"
	cp -a "$1/." "$2/"
	rm -rf "$2/.vault"
}

# object_location OID: "PACKNAME OFFSET STORED" of an object, where
# OFFSET is that of its stored bytes (after the entry header).
object_location() {
	vault-verify-pack -v --all | awk -v oid="$1" '
		$1 == oid && NF == 5 { off = $5 + 44; len = $4 }
		$1 ~ /^[0-9a-f]+:$/ && off != "" && name == "" {
			name = substr($1, 1, length($1) - 1)
		}
		END { if (name != "") print name, off, len; else exit 1 }'
}

# flip_byte FILE OFFSET: invert every bit of one byte, in place.
flip_byte() {
	chmod u+w "$1"
	python3 - "$1" "$2" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2]))
    b = f.read(1)
    f.seek(int(sys.argv[2]))
    f.write(bytes([b[0] ^ 0xff]))
PY
}

# damage_object REPO OID: flip a byte in the middle of the object's stored
# bytes; prints the pack's path.
damage_object() {
	local loc name off len
	loc=$(object_location "$2") || return 1
	read -r name off len <<<"$loc"
	flip_byte "$1/packs/$name.pack" $((off + len / 2))
	echo "$1/packs/$name.pack"
}

# chunks_of REV:PATH: the chunk ids of a file in a snapshot.
chunks_of() {
	vault-cat-object -p "$1" | awk '{print $1}'
}

# dead_pid: the id of a process that has exited.
dead_pid() {
	sh -c 'exit 0' &
	local pid=$!
	wait "$pid"
	echo "$pid"
}

# unprivileged CMD...: run CMD unable to bypass file permissions, even as
# root (by dropping CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH).
unprivileged() {
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
	else
		setpriv --bounding-set -dac_override,-dac_read_search "$@"
	fi
}

# can_be_unprivileged: whether unprivileged can work here (use with skip)
can_be_unprivileged() {
	[ "$(id -u)" -ne 0 ] || unprivileged true 2>/dev/null
}
