#!/usr/bin/env bats
# vault forget and vault gc: retention policies (last, daily, tags, the
# latest always), dry runs that change nothing, space actually freed, kept
# snapshots intact, and a gc after a gc doing nothing.

load helper

local_setup() {
	make_project proj
	cd proj
	# small packs, so that forgotten data sits in packs of its own
	vault init -q --pack-size 256k
}

# make_history N: N snapshots, each changing a big file (new random data)
# and a small one; ids in IDS[0..N-1], the folder at each in ../wasI
# (1-based). Snapshot times one hour apart.
make_history() {
	local i t0=1764000000
	IDS=()
	for i in $(seq 1 "$1"); do
		head -c 400000 /dev/urandom > art/textures/noise.bin
		echo "step $i" > step.txt
		IDS+=("$(VAULT_AUTHOR_DATE=$((t0 + i * 3600)) vault backup -q -m "step $i" ${TAG_AT[$i]:+--tag "${TAG_AT[$i]}"})")
		copy_tree . "../was$i"
	done
}

# repo_state: every file of the repository with its checksum
repo_state() {
	(cd .vault && find . -type f ! -path './cache/*' -print0 | sort -z | xargs -0 md5sum)
}

# kept_set JSON: the kept snapshot ids of forget --json, sorted
kept_set() {
	python3 -c 'import json,sys; print("\n".join(sorted(s["snapshot"] for s in json.load(sys.stdin)["keep"])))' <<<"$1"
}

# sorted ARGS: the arguments one a line, sorted
sorted() {
	printf '%s\n' "$@" | sort
}

@test "forget --dry-run changes nothing" {
	make_history 5
	before=$(repo_state)
	run vault forget --keep-last 2 --dry-run
	assert_success
	[ "$(grep -c 'would forget' <<<"$output")" -eq 3 ]
	assert_line --regexp "^keep +${IDS[4]:0:12} "
	[ "$(repo_state)" = "$before" ]
	run vault forget --keep-last 2 -n --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["dry_run"] is True and len(d["keep"]) == 2 and len(d["forget"]) == 3, d' <<<"$output"
	[ "$(repo_state)" = "$before" ]
	# and the forgotten-to-be still restore
	vault restore "${IDS[0]}" --target ../out1 -q
	same_tree ../was1 ../out1
}

@test "forget --keep-last 2 then gc frees space; fsck passes" {
	make_history 5
	packs_before=$(ls .vault/packs/*.pack | wc -l)
	bytes_before=$(du -sb .vault/packs | cut -f1)
	run vault forget --keep-last 2
	assert_success
	assert_output --partial "2 kept, 3 forgotten"
	run vault gc --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["packs_deleted"] > 0 and d["bytes_freed"] > 2 * 400000 and d["packs_pending"] == 0, d' <<<"$output"
	packs_after=$(ls .vault/packs/*.pack | wc -l)
	bytes_after=$(du -sb .vault/packs | cut -f1)
	echo "packs $packs_before -> $packs_after, bytes $bytes_before -> $bytes_after"
	[ "$packs_after" -lt "$packs_before" ]
	[ "$bytes_after" -lt $((bytes_before - 2 * 400000)) ]
	run vault fsck
	assert_success
	run vault fsck --full
	assert_success
	# the history is still a whole chain
	[ "$(vault-rev-parse HEAD~4)" = "${IDS[0]}" ]
}

@test "kept snapshots restore exactly after forget and gc" {
	make_history 5
	vault forget --keep-last 2 -q
	vault gc -q
	vault restore "${IDS[4]}" --target ../out5 -q
	same_tree ../was5 ../out5
	vault restore "${IDS[3]}" --target ../out4 -q
	same_tree ../was4 ../out4
	# a forgotten one has lost its data
	run vault restore "${IDS[0]}" --target ../out1
	assert_failure
}

@test "forget --prune frees the data at once" {
	make_history 4
	bytes_before=$(du -sb .vault/packs | cut -f1)
	run vault forget --keep-last 1 --prune
	assert_success
	assert_output --partial "gc:"
	[ "$(du -sb .vault/packs | cut -f1)" -lt $((bytes_before - 2 * 400000)) ]
	vault restore HEAD --target ../out -q
	same_tree ../was4 ../out
}

@test "--keep-daily 3 keeps the newest snapshot of each of the last 3 days with snapshots" {
	day=86400 t0=1763942400   # 2025-11-24 00:00 UTC
	ids=() expect=()
	# days 0, 1, 3, 4, 6 (2 and 5 have none), three snapshots a day at
	# 08:00, 13:00 and 19:00 UTC, one on day 6
	for d in 0 1 3 4 6; do
		for h in 8 13 19; do
			[ "$d" -eq 6 ] && [ "$h" -ne 8 ] && continue
			echo "$d $h" > when.txt
			id=$(VAULT_AUTHOR_DATE=$((t0 + d * day + h * 3600)) vault backup -q)
			ids+=("$id")
			if { [ "$d" -eq 6 ] && [ "$h" -eq 8 ]; } ||
			   { [ "$d" -eq 4 ] && [ "$h" -eq 19 ]; } ||
			   { [ "$d" -eq 3 ] && [ "$h" -eq 19 ]; }; then
				expect+=("$id")
			fi
		done
	done
	[ "${#ids[@]}" -eq 13 ]
	run vault forget --keep-daily 3 --json
	assert_success
	json=$output
	[ "$(kept_set "$json")" = "$(sorted "${expect[@]}")" ]
	python3 - "$json" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert len(d["forget"]) == 10, d
for s in d["keep"]:
    assert "daily" in s["reasons"], s
assert sorted(s["time"][:10] for s in d["keep"]) == ["2025-11-27", "2025-11-28", "2025-11-30"], d
PY
	# the decision is recorded: a second run has nothing more to forget
	run vault forget --keep-daily 3 --json
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["forget"] == [] and len(d["keep"]) == 3, d' <<<"$output"
}

@test "--keep-tag keeps snapshots tagged by backup --tag and by refs/tags" {
	declare -A TAG_AT=([2]=gold)
	make_history 5
	vault-update-ref refs/tags/v1 "${IDS[2]}"
	run vault forget --keep-last 1 --keep-tag gold --keep-tag v1 --json
	assert_success
	[ "$(kept_set "$output")" = "$(sorted "${IDS[4]}" "${IDS[1]}" "${IDS[2]}")" ]
	vault gc -q
	vault restore "${IDS[1]}" --target ../out2 -q
	same_tree ../was2 ../out2
	vault restore v1 --target ../out3 -q
	same_tree ../was3 ../out3
	run vault fsck
	assert_success
}

@test "a tagged snapshot is kept without --keep-tag, named by a ref" {
	make_history 4
	vault tag milestone "${IDS[1]}"
	run vault forget --keep-last 1
	assert_success
	assert_line --regexp "^keep +${IDS[1]:0:12} .*  named by a ref\$"
	assert_line --regexp "^forget +${IDS[0]:0:12} "
	assert_line --regexp "^forget +${IDS[2]:0:12} "
	assert_line "2 kept, 2 forgotten"
	vault gc -q
	vault restore milestone --target ../out -q
	same_tree ../was2 ../out
	# deleting the tag lets it go
	vault tag -d milestone
	run vault forget --keep-last 1 --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert [s["snapshot"] for s in d["forget"]] == [sys.argv[1]], d' "${IDS[1]}" <<<"$output"
}

@test "the latest snapshot is always kept" {
	make_history 3
	run vault forget --keep-tag no-such-tag --json
	assert_success
	[ "$(kept_set "$output")" = "${IDS[2]}" ]
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert "latest" in d["keep"][0]["reasons"] and len(d["forget"]) == 2, d' <<<"$output"
	vault gc -q
	vault restore HEAD --target ../out -q
	same_tree ../was3 ../out
}

@test "forget without a --keep option is a usage error and changes nothing" {
	make_history 2
	before=$(repo_state)
	run vault forget
	assert_failure 129
	assert_output --partial "--keep"
	run vault forget --dry-run --prune
	assert_failure 129
	[ "$(repo_state)" = "$before" ]
}

@test "gc --dry-run deletes nothing" {
	make_history 4
	vault forget --keep-last 1 -q
	before=$(repo_state)
	run vault gc --dry-run --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["dry_run"] is True and d["packs_deleted"] > 0 and d["objects_dead"] > 0, d' <<<"$output"
	run vault gc -n
	assert_success
	assert_output --partial "would be deleted"
	[ "$(repo_state)" = "$before" ]
	vault restore "${IDS[0]}" --target ../out1 -q
	same_tree ../was1 ../out1
}

@test "a second gc right after a gc is a no-op" {
	make_history 4
	vault forget --keep-last 1 -q
	vault gc -q
	before=$(repo_state)
	run vault gc --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["packs_deleted"] == 0 and d["bytes_freed"] == 0 and d["bytes_repacked"] == 0 and d["packs_pending"] == 0, d' <<<"$output"
	[ "$(repo_state)" = "$before" ]
}

@test "restoring a forgotten and collected snapshot says why it cannot" {
	echo one > alpha.txt
	vault backup -q >/dev/null
	rm alpha.txt && echo two > beta.txt
	vault backup -q >/dev/null
	vault forget --keep-last 1 -q
	# rewrite every pack with garbage: the forgotten tree surely goes
	vault gc -q --repack-threshold 100
	run vault restore main~1 --target ../o
	assert_failure 128
	assert_output --partial "was forgotten"
}
