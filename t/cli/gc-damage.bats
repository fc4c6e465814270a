#!/usr/bin/env bats
# Small damage must never become data loss (issue 19): a lost pack index,
# a lost ref file, a missing snapshot in the middle of a history, damage
# outside a pack's objects, a damaged HEAD, and packs that vanish under a
# reader because gc moved their objects.

load helper

local_setup() {
	mkdir proj
	cd proj
	# small packs: every backup's new data sits in packs of its own
	vault init -q --pack-size 256k
}

# backup_step I: change a big and a small file, back up; ids in IDS, the
# folder as it was in ../wasI
backup_step() {
	head -c 300000 /dev/urandom > "big-$1.bin"
	echo "step $1" > step.txt
	IDS+=("$(VAULT_AUTHOR_DATE=$((1764000000 + $1 * 3600)) vault backup -q -m "step $1")")
	copy_tree . "../was$1"
}

make_history() {
	IDS=()
	for i in $(seq 1 "$1"); do
		backup_step "$i"
	done
}

# pack_of ID: the name of the pack whose index lists ID
pack_of() {
	local idx n
	for idx in .vault/packs/*.idx; do
		n=$(basename "$idx" .idx)
		if vault-verify-pack -v --no-rehash ".vault/packs/$n.pack" | grep -q "^$1 "; then
			echo "$n"
			return 0
		fi
	done
	return 1
}

# restores_all: every snapshot of IDS restores exactly as it was
restores_all() {
	local i
	for i in "${!IDS[@]}"; do
		rm -rf ../out
		vault restore "${IDS[$i]}" --target ../out -q
		same_tree "../was$((i + 1))" ../out
	done
	rm -rf ../out
}

packs_state() {
	(cd .vault/packs && ls | sort)
}

# --- 1. a pack whose index is lost ----------------------------------------

# biggest_pack: the name of the largest pack (full of reachable chunks)
biggest_pack() {
	basename "$(ls -S .vault/packs/*.pack | head -1)" .pack
}

@test "gc indexes a pack whose index was lost instead of deleting it" {
	make_history 4
	p=$(biggest_pack)
	cp ".vault/packs/$p.idx" ../saved.idx
	rm ".vault/packs/$p.idx"
	run vault fsck
	assert_failure 1
	assert_output --partial "pack $p has no index: its objects cannot be read until it is indexed again"
	refute_output --partial "gc removes it"
	run vault gc
	assert_success
	assert_output --partial "1 pack(s) had no index and were indexed again"
	[ -f ".vault/packs/$p.pack" ]
	# the same index its writer stored, byte for byte
	cmp ".vault/packs/$p.idx" ../saved.idx
	run vault fsck
	assert_success
	restores_all
}

@test "fsck --repair indexes a pack whose index was lost" {
	make_history 3
	p=$(pack_of "$(vault-rev-parse "${IDS[0]}")")
	cp ".vault/packs/$p.idx" ../saved.idx
	rm ".vault/packs/$p.idx"
	run vault fsck --repair
	assert_success
	assert_output --partial "repaired: 1 pack(s) without an index were indexed again"
	cmp ".vault/packs/$p.idx" ../saved.idx
	run vault fsck --repair
	assert_success
	refute_output --partial "repaired"
	restores_all
}

@test "a writer storing its index after a reindex finds the same index there" {
	make_history 2
	p=$(pack_of "$(vault-rev-parse "${IDS[1]}")")
	# the writer died (or is slow) between its pack and its index
	mv ".vault/packs/$p.idx" ../writer.idx
	run vault fsck --repair
	assert_success
	# its own put-if-absent would now fail with "exists": same bytes, so
	# keeping the one there is right
	cmp ".vault/packs/$p.idx" ../writer.idx
	# a backup that packs the same objects again indexes nothing new
	run vault fsck
	assert_success
}

@test "a damaged pack without an index is kept, not deleted, and reported" {
	make_history 3
	p=$(biggest_pack)
	rm ".vault/packs/$p.idx"
	chmod u+w ".vault/packs/$p.pack"
	printf 'X' | dd of=".vault/packs/$p.pack" bs=1 seek=100 conv=notrunc status=none
	before=$(packs_state)
	# its objects are reachable: gc cannot read them, so it stops
	run vault gc
	assert_failure 128
	assert_output --partial "nothing was deleted"
	assert_output --partial "1 pack(s) without an index cannot be indexed (first: pack $p exists without an index and cannot be indexed"
	[ "$(packs_state)" = "$before" ]
	run vault fsck --repair
	assert_failure 1
	assert_output --partial "cannot be indexed"
}

# --- 2. a lost ref file -----------------------------------------------------

@test "gc keeps what the reflog of a lost ref reaches; fsck says how to restore the ref" {
	make_history 4
	rm .vault/refs/snapshots/main
	run vault fsck
	assert_failure 1
	assert_output --partial "ref refs/snapshots/main is missing, but its reflog is there"
	assert_output --partial "vault update-ref refs/snapshots/main ${IDS[3]}"
	refute_output --partial "no damage found"
	run vault fsck --json
	assert_failure 1
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] is False, d' <<<"$output"
	run vault gc
	assert_success
	assert_output --partial " 0 garbage"
	restores_all
	# the advice works
	vault update-ref refs/snapshots/main "${IDS[3]}"
	run vault fsck
	assert_success
	restores_all
}

@test "gc refuses to free most of the repository when a ref vanished since the last gc" {
	make_history 4
	run vault gc
	assert_success
	[ -f .vault/gc/refs ]
	grep -qx 'ref refs/snapshots/main' .vault/gc/refs
	before=$(packs_state)
	# the ref and its reflog are both lost
	rm .vault/refs/snapshots/main .vault/logs/refs/snapshots/main
	run vault gc
	assert_failure 128
	assert_output --partial "refs/snapshots/main vanished since the last gc"
	assert_output --partial "nothing was deleted"
	assert_output --partial "vault gc --force"
	[ "$(packs_state)" = "$before" ]
	run vault gc --dry-run
	assert_failure 128
	# on purpose: --force frees it
	run vault gc --force
	assert_success
	[ "$(packs_state)" != "$before" ]
}

@test "a branch moved back keeps its old snapshots until its reflog expires" {
	make_history 4
	vault update-ref refs/snapshots/main "${IDS[0]}"
	run vault gc
	assert_success
	assert_output --partial "kept only because a reflog names them"
	assert_output --partial " 0 garbage"
	restores_all
	# config gc.reflogExpire = now: the reflog no longer keeps them
	printf '[gc]\n\treflogExpire = now\n' >> .vault/config
	run vault gc
	assert_success
	refute_output --partial " 0 garbage"
	run vault restore "${IDS[3]}" --target ../gone -q
	assert_failure
	rm -rf ../out
	vault restore "${IDS[0]}" --target ../out -q
	same_tree ../was1 ../out
	run vault fsck
	assert_success
}

@test "gc --expire-reflog takes days, now or never, and refuses nonsense" {
	make_history 2
	run vault gc --expire-reflog 30d -q
	assert_success
	run vault gc --expire-reflog never -q
	assert_success
	run vault gc --expire-reflog soon
	assert_failure 129
	assert_output --partial "bad reflog expiry 'soon'"
}

# --- 3. a missing snapshot in the middle of a history ---------------------

@test "gc stops when a snapshot in the middle of the history is missing" {
	make_history 3
	p=$(pack_of "$(vault-rev-parse "${IDS[1]}")")
	rm ".vault/packs/$p.pack" ".vault/packs/$p.idx"
	before=$(packs_state)
	run vault gc
	assert_failure 128
	assert_output --partial "snapshot $(vault-rev-parse "${IDS[1]}"), parent of snapshot $(vault-rev-parse "${IDS[2]}") (reached from ref refs/snapshots/main), is missing"
	assert_output --partial "nothing was deleted"
	[ "$(packs_state)" = "$before" ]
	ls .vault/gc | grep -q plan && false
	# the first snapshot's data is all still there
	rm -rf ../out
	vault restore "${IDS[0]}" --target ../out -q
	same_tree ../was1 ../out
}

@test "a missing tree stops gc and names the snapshot and ref it belongs to" {
	make_history 2
	tree=$(vault-cat-object -p "${IDS[0]}" | sed -n 's/^tree //p')
	p=$(pack_of "$tree")
	rm ".vault/packs/$p.pack" ".vault/packs/$p.idx"
	run vault gc
	assert_failure 128
	assert_output --regexp "gc stopped: tree $tree of snapshot [0-9a-f]{12} \\(reached from "
	assert_output --partial "nothing was deleted"
}

@test "a forgotten snapshot that is missing is a legitimate end of the walk" {
	make_history 3
	s1=$(vault-rev-parse "${IDS[0]}")
	# forgotten on purpose, and its pack (its unique data and the
	# snapshot object) gone
	vault forget --keep-last 2 -q
	[ -f ".vault/forgotten/$s1" ]
	p=$(pack_of "$s1")
	rm ".vault/packs/$p.pack" ".vault/packs/$p.idx"
	run vault gc
	assert_success
	rm -rf ../out
	vault restore "${IDS[2]}" --target ../out -q
	same_tree ../was3 ../out
}

# --- 6. damage fsck must not call "no damage" -----------------------------

# damage_pack_byte OFFSET: flip the byte at OFFSET (negative: from the end)
# of the pack holding the newest snapshot; the pack's name in PACK
damage_pack_byte() {
	PACK=$(pack_of "$(vault-rev-parse HEAD)")
	local f=".vault/packs/$PACK.pack" off=$1 size
	size=$(stat -c %s "$f")
	[ "$off" -lt 0 ] && off=$((size + off))
	chmod u+w "$f"
	python3 - "$f" "$off" <<'PY'
import sys
f, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(f, 'rb').read())
b[off] ^= 0x01
open(f, 'wb').write(b)
PY
}

check_damage_found_and_healed() {
	run vault-verify-pack ".vault/packs/$PACK.pack"
	assert_failure
	run vault fsck
	assert_failure 1
	assert_output --partial "pack $PACK"
	refute_output --partial "no damage found"
	refute_output --partial "every object in it has an intact copy"
	run vault fsck --json
	assert_failure 1
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["ok"] is False and d["problems"], d' <<<"$output"
	# gc rewrites the damaged pack from its good objects
	run vault gc
	assert_success
	[ ! -f ".vault/packs/$PACK.pack" ]
	run vault fsck --full
	assert_success
	restores_all
}

@test "damage to a pack's header is reported and gc rewrites the pack" {
	make_history 2
	damage_pack_byte 28    # in the nonce
	check_damage_found_and_healed
}

@test "damage to a pack's trailer is reported and gc rewrites the pack" {
	make_history 2
	damage_pack_byte -20   # in the pack name of the trailer
	check_damage_found_and_healed
}

@test "damage to an entry's flags is reported and gc rewrites the pack" {
	make_history 2
	damage_pack_byte 35    # the low byte of the first entry's flags
	check_damage_found_and_healed
	run vault-verify-pack --all
	assert_success
}

@test "a HEAD that names a branch that does not exist is reported" {
	make_history 1
	chmod u+w .vault/HEAD
	printf 'ref: refs/snapshots/mbin\n' > .vault/HEAD
	run vault fsck
	assert_failure 1
	assert_output --partial "HEAD points to refs/snapshots/mbin, which does not exist"
	refute_output --partial "no damage found"
}

@test "every one-bit flip of HEAD makes fsck fail" {
	make_history 1
	chmod u+w .vault/HEAD
	cp .vault/HEAD ../HEAD.good
	n=$(stat -c %s ../HEAD.good)
	for off in $(seq 0 $((n - 1))); do
		python3 - ../HEAD.good .vault/HEAD "$off" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[int(sys.argv[3])] ^= 0x01
open(sys.argv[2], 'wb').write(b)
PY
		run vault fsck -q
		if [ "$status" -ne 1 ]; then
			echo "offset $off: fsck exit $status: $(cat -A .vault/HEAD)"
			return 1
		fi
	done
	cp ../HEAD.good .vault/HEAD
	run vault fsck
	assert_success
}

@test "a new repository whose HEAD names its first branch passes fsck" {
	run vault fsck
	assert_success
	assert_output --partial "no damage found"
}

# --- 7. readers beside gc ---------------------------------------------------

@test "restores beside backup + forget + gc never fail when gc moves their objects" {
	# the tagged snapshot lives in a small pack (< 1/8 of pack.size),
	# which every other gc merges: its objects move to a new pack and the
	# old one is deleted, over and over, while restores read them. (A
	# reader fails only when it loaded the indexes before gc's copies and
	# opens the pack after the deletion, so this loop catches the bug now
	# and then; the test after it catches it every time.)
	mkdir data
	for i in $(seq 1 100); do
		head -c 60 /dev/urandom > "data/f$i"
	done
	vault backup -q >/dev/null
	vault tag keep
	copy_tree . ../kept
	: > ../restore.err
	(
		n=0
		while [ ! -f ../stop ]; do
			n=$((n + 1))
			if ! vault restore keep --target "../out$n" -q 2>>../restore.err; then
				echo "restore $n failed" >>../restore.err
			elif ! diff -r --exclude=.vault ../kept "../out$n" >/dev/null; then
				echo "restore $n differs" >>../restore.err
			fi
			rm -rf "../out$n"
			echo "$n" > ../restores
		done
	) 3>&- &
	reader=$!
	for round in $(seq 1 30); do
		echo "round $round" > "data/round-$round.txt"
		vault backup -q >/dev/null
		vault forget --keep-last 1 -q
		vault gc -q
	done
	touch ../stop
	wait "$reader"
	echo "restores: $(cat ../restores)"
	[ "$(cat ../restores)" -gt 0 ]
	run cat ../restore.err
	assert_output ""
	run vault fsck
	assert_success
}

@test "a reader that loaded the indexes before gc moved its objects reads them from their new pack" {
	mkdir data
	for i in $(seq 1 20); do
		head -c 100 /dev/urandom > "data/f$i"
	done
	vault backup -q >/dev/null
	vault tag keep
	snap=$(vault-rev-parse keep)
	old=$(pack_of "$snap")
	# four more small packs: gc merges them all, the tagged one included
	for r in 1 2 3 4; do
		echo "round $r" > "data/r$r"
		vault backup -q >/dev/null
	done
	mkfifo ../in
	vault-cat-object --batch <../in >../out 2>../err &
	reader=$!
	exec 4>../in
	# the reader has opened the repository (and its indexes) once it
	# answers; no pack of it was opened yet
	echo 0000 >&4
	for _ in $(seq 1 200); do
		grep -q missing ../out && break
		sleep 0.05
	done
	grep -q missing ../out
	run vault gc
	assert_success
	[ ! -f ".vault/packs/$old.pack" ]
	echo "$snap" >&4
	exec 4>&-
	rc=0
	wait "$reader" || rc=$?
	cat ../err
	[ "$rc" -eq 0 ]
	grep -qx "$snap snapshot [0-9]*" ../out
}

@test "a restore that misses an object names it, not a forgotten/ marker" {
	make_history 2
	tree=$(vault-cat-object -p "${IDS[0]}" | sed -n 's/^tree //p')
	p=$(pack_of "$tree")
	rm ".vault/packs/$p.pack" ".vault/packs/$p.idx"
	run vault restore "${IDS[0]}" --target ../out -q
	assert_failure 128
	assert_output --partial "$tree"
	refute_output --partial "forgotten/"
}
