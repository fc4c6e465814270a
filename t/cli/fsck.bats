#!/usr/bin/env bats
# vault fsck: a sound repository passes; flipped bytes, damage hidden by a
# recomputed checksum (--full), a lost pack index and a dangling ref are
# found and named by file and snapshot; --json says "ok": false.

load helper
bats_require_minimum_version 1.5.0

local_setup() {
	make_project proj
	cd proj
	head -c 5000 /dev/urandom > unique.bin
	vault init -q
	S1=$(vault backup -q -m one)
	echo more >> README.txt
	S2=$(vault backup -q -m two)
}

@test "a repository with two snapshots passes fsck and fsck --full" {
	run vault fsck
	assert_success
	assert_output --partial "snapshots: 2"
	assert_output --partial "no damage found"
	run vault fsck --full
	assert_success
	assert_output --partial "every object re-hashed"
	run vault fsck -q
	assert_success
	assert_output ""
}

@test "a flipped byte inside a pack is named by file and snapshot" {
	chunk=$(chunks_of HEAD:unique.bin)
	damage_object .vault "$chunk"
	run --separate-stderr vault fsck
	assert_failure 1
	echo "$stderr"
	# the file, in both snapshots that hold it
	grep -E "^damaged: snapshot ${S2:0:12} \(refs/snapshots/main\): unique\.bin: " <<<"$stderr"
	grep -E "^damaged: snapshot ${S1:0:12} \(refs/snapshots/main~1\): unique\.bin: " <<<"$stderr"
	# and nothing else is called damaged
	[ "$(grep -c '^damaged:' <<<"$stderr")" -eq 2 ]
}

@test "--full finds an object that no longer hashes to its id" {
	chunk=$(chunks_of HEAD:unique.bin)
	pack=$(damage_object .vault "$chunk")
	# recompute the trailer (XXH3-64 of everything before it)
	python3 - "$pack" <<'PY'
import subprocess, sys
p = sys.argv[1]
data = bytearray(open(p, "rb").read())
h = subprocess.run(["xxhsum", "-H3"], input=bytes(data[:-8]),
                   capture_output=True, check=True).stdout.split()[-1].decode()
data[-8:] = bytes.fromhex(h[-16:])
open(p, "wb").write(data)
PY
	run vault-verify-pack --no-rehash "$pack"
	assert_success
	# without --full the packs look sound
	run vault fsck
	assert_success
	run --separate-stderr vault fsck --full
	assert_failure 1
	echo "$stderr"
	grep -E "^damaged: snapshot ${S2:0:12} \(refs/snapshots/main\): unique\.bin: " <<<"$stderr"
	grep -E "^damaged: snapshot ${S1:0:12} \(refs/snapshots/main~1\): unique\.bin: " <<<"$stderr"
	grep -F "${chunk:0:12}" <<<"$stderr"
}

@test "a deleted pack index is reported, with the files it costs" {
	chunk=$(chunks_of HEAD:unique.bin)
	name=$(object_location "$chunk" | cut -d' ' -f1)
	rm -f ".vault/packs/$name.idx"
	run vault fsck
	assert_failure 1
	assert_output --partial "$name"
	assert_output --partial "unique.bin"
}

@test "a ref pointing to a missing object is reported" {
	ghost=$(printf '%064d' 7)
	printf '%s\n' "$ghost" > .vault/refs/snapshots/ghost
	run --separate-stderr vault fsck
	assert_failure 1
	echo "$stderr"
	grep -F "refs/snapshots/ghost" <<<"$stderr"
	grep -F "$ghost" <<<"$stderr"
}

@test "--json is valid, says ok when sound and lists damage when not" {
	run vault fsck --json
	assert_success
	python3 -m json.tool <<<"$output" >/dev/null
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] is True and d["problems"] == [] and d["damaged_files"] == [] and d["snapshots"] == 2, d' <<<"$output"
	damage_object .vault "$(chunks_of HEAD:unique.bin)"
	run --separate-stderr vault fsck --json
	assert_failure 1
	python3 - "$output" "$S1" "$S2" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["ok"] is False, d
damaged = {(x["snapshot"], x["path"]) for x in d["damaged_files"]}
assert damaged == {(sys.argv[2], "unique.bin"), (sys.argv[3], "unique.bin")}, d
PY
}

@test "after fsck finds a damaged chunk, backing up the intact original heals every snapshot" {
	chunk=$(chunks_of HEAD:unique.bin)
	damage_object .vault "$chunk"
	run vault fsck
	assert_failure 1
	[ -f ".vault/damaged/$chunk" ]
	# the file is intact on disk: the next backup stores a good copy
	# instead of deduplicating against the damaged one
	touch unique.bin
	run vault backup -q --no-cache
	assert_success
	run vault fsck
	assert_success
	assert_output --partial "another copy is intact"
	# and the older snapshots read the good copy too
	run vault restore "$S1" --target ../old --verify
	assert_success
	cmp unique.bin ../old/unique.bin
	# gc rewrites the damaged pack: nothing damaged is left
	run vault gc
	assert_success
	run vault fsck --full
	assert_success
	assert_output --partial "no damage found"
	refute_output --partial "warning"
}
