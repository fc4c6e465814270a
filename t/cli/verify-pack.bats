#!/usr/bin/env bats
# vault-verify-pack: sound packs pass; flipped bytes, truncation and lost
# or mismatched indexes are named, with exit 1.

load helper

local_setup() {
	vault init -q
	make_project p
	vault-write-tree p > /dev/null
	PACK=$(ls .vault/packs/*.pack | head -1)
	NAME=$(basename "$PACK" .pack)
}

@test "a sound pack verifies, by path and by name" {
	run vault-verify-pack "$PACK"
	assert_success
	assert_output --regexp "^$NAME: ok \([0-9]+ objects\)$"
	run vault-verify-pack "${NAME:0:8}"
	assert_success
	run vault-verify-pack --all
	assert_success
}

@test "-v lists every object" {
	n=$(vault-verify-pack -v "$PACK" | grep -cE '^[0-9a-f]{64} ')
	[ "$n" -gt 5 ]
}

@test "a flipped byte is found" {
	chmod u+w "$PACK"
	printf '\xff' | dd of="$PACK" bs=1 seek=100 conv=notrunc 2>/dev/null
	run vault-verify-pack "$PACK"
	assert_failure 1
	assert_output --partial "bad checksum"
}

@test "a truncated pack is found" {
	chmod u+w "$PACK"
	truncate -s -10 "$PACK"
	run vault-verify-pack "$PACK"
	assert_failure 1
	assert_output --partial "$NAME"
}

@test "a pack whose index lies is found" {
	other=$(mktemp -d)
	VAULT_DIR= vault-init -q --repo "$other/r"
	echo different > x
	VAULT_DIR="$other/r" vault-hash-object -w x >/dev/null
	oidx=$(ls "$other"/r/packs/*.idx)
	chmod u+w .vault/packs/"$NAME".idx
	cp "$oidx" .vault/packs/"$NAME".idx
	run vault-verify-pack "$PACK"
	assert_failure 1
	assert_output --partial "index"
}

@test "an object that no longer hashes to its id is found (re-hash)" {
	# same length, different content, checksum recomputed: only re-hashing
	# the objects can see it
	python3 - "$PACK" <<'PY'
import sys, subprocess
p = sys.argv[1]
data = bytearray(open(p, 'rb').read())
i = data.find(b"hello vault")
data[i] ^= 0x20
body = bytes(data[:-8])
h = subprocess.run(["xxhsum", "-H3"], input=body, capture_output=True).stdout.split()[-1].decode()
data[-8:] = bytes.fromhex(h)
import os; os.chmod(p, 0o644)
open(p, 'wb').write(data)
PY
	run vault-verify-pack --no-rehash "$PACK"
	assert_success
	run vault-verify-pack "$PACK"
	assert_failure 1
	assert_output --partial "hashes to"
}

@test "a file that is not a pack is refused" {
	echo nope > "$(printf '%064d' 0).pack"
	run vault-verify-pack "$(printf '%064d' 0).pack"
	assert_failure 1
	run vault-verify-pack README
	assert_failure 128
}

@test "-s counts the objects by kind and by size, with and without an index" {
	run vault-verify-pack -s "$PACK"
	assert_success
	assert_line --index 0 --regexp "^$NAME: ok \([0-9]+ objects\)$"
	assert_line --index 1 --regexp '^kind +objects +size +stored$'
	n=$(vault-verify-pack -v "$PACK" | grep -cE '^[0-9a-f]{64} ')
	chunks=$(vault-verify-pack -v "$PACK" | grep -cE '^[0-9a-f]{64} chunk ')
	assert_line --regexp "^total +$n +[0-9]+ +[0-9]+$"
	assert_line --regexp "^chunk +$chunks +[0-9]+ +[0-9]+$"
	# the size classes add up to every object
	sum=$(awk '/^size /{on=1; next} on {s += $(NF-1)} END {print s}' <<<"$output")
	[ "$sum" -eq "$n" ]
	run vault-verify-pack --stat --all
	assert_success
	assert_output --partial "256 KiB - 4 MiB"
	# a pack alone, without its index
	mkdir alone && cp "$PACK" alone/
	run vault-verify-pack -s "alone/$NAME.pack"
	assert_success
	assert_line --regexp "^total +$n "
}
