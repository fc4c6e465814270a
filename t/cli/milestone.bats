#!/usr/bin/env bats
# vault-milestone: game.milestone records over a generated game project;
# a released milestone is frozen; forget and gc keep a milestone's
# snapshot (Documentation/vault-milestone.md, format.md 6.5.1).

load helper

# png/wav/glb-like files: the real magic numbers, random content of the
# given size
asset() {
	local path=$1 size=$2 magic
	case $path in
	*.png) magic='\x89PNG\r\n\x1a\n' ;;
	*.wav) magic='RIFF\x00\x00\x00\x00WAVE' ;;
	*.glb) magic='glTF\x02\x00\x00\x00' ;;
	*) magic='' ;;
	esac
	mkdir -p "$(dirname "$path")"
	{ printf "$magic"; head -c "$size" /dev/urandom; } > "$path"
}

local_setup() {
	mkdir game
	cd game
	asset textures/hero.png 20000
	asset textures/sky.png 8000
	asset audio/theme.wav 30000
	asset models/boss.glb 12000
	mkdir levels
	printf '[gd_scene format=3]\n' > levels/boss.tscn
	vault game init -q
	S1=$(vault backup -q -m "first playable")
	asset textures/hero.png 60000
	asset audio/step.wav 4000
	rm textures/sky.png
	S2=$(vault backup -q -m "new hero, footsteps")
	printf 'boss: phase 2\n' >> levels/boss.tscn
	S3=$(vault backup -q -m "boss phase 2")
}

@test "milestone create names a snapshot; show prints it" {
	run vault milestone create alpha "$S1" --due 2027-01-15 --note "first playable build"
	assert_success
	assert_output "created milestone alpha at $S1"
	run vault milestone show alpha
	assert_success
	assert_line --index 0 "milestone alpha"
	assert_line --index 1 "snapshot  $S1"
	assert_output --partial "first playable"
	assert_line "due       2027-01-15"
	assert_line "status    open"
	assert_line "note      first playable build"
	[ "$(vault-record list --kind game.milestone | grep -c ' refs/')" = 1 ]
}

@test "milestone create without REV takes HEAD; game front end reaches it" {
	run vault game milestone create beta
	assert_success
	assert_output "created milestone beta at $S3"
}

@test "milestone check adds items and marks them done" {
	vault milestone create beta
	run vault milestone check beta "boss fight playable"
	assert_success
	assert_output "[ ] boss fight playable"
	run vault milestone check beta "boss fight playable" --done
	assert_output "[x] boss fight playable"
	vault milestone check beta "no crash on level load"
	run vault milestone show beta
	assert_line "checklist 1 of 2 done"
	assert_line "  [x] boss fight playable"
	assert_line "  [ ] no crash on level load"
	run vault milestone list
	assert_output --regexp "^beta +${S3:0:12}  -          open     1/2  boss phase 2$"
}

@test "an edit is a new version that links the one before" {
	vault milestone create beta
	old=$(vault-rev-parse refs/game/milestone/beta)
	vault milestone check beta "ship it"
	new=$(vault-rev-parse refs/game/milestone/beta)
	[ "$old" != "$new" ]
	run vault-record show "$new"
	assert_line "link record $old"
	assert_line "link snapshot $S3"
}

@test "milestone list --json and show --json" {
	vault milestone create alpha "$S1" --due 2027-01-15
	vault milestone create beta "$S3"
	run vault milestone list --json
	assert_success
	[ "$(jq -r '.[].name' <<<"$output" | tr '\n' ' ')" = "alpha beta " ]
	[ "$(jq -r '.[0].snapshot' <<<"$output")" = "$S1" ]
	[ "$(jq -r '.[0].due' <<<"$output")" = 2027-01-15 ]
	[ "$(jq -r '.[1].due' <<<"$output")" = null ]
	run vault milestone show --json beta
	[ "$(jq -r '.released' <<<"$output")" = false ]
	[ "$(jq -r '.snapshot_message' <<<"$output")" = "boss phase 2" ]
}

@test "milestone diff groups the changed assets by file type with size deltas" {
	vault milestone create alpha "$S1"
	vault milestone create beta "$S2"
	run vault milestone diff alpha beta
	assert_success
	assert_line --index 0 "milestone alpha (${S1:0:12}) -> beta (${S2:0:12}): 3 files changed"
	# png: hero grew by 40000 bytes, sky (8008) went: +31992 B net
	assert_output --regexp "png +2 +0 +1 +1 .* \+31\.2 KiB"
	assert_output --regexp "wav +1 +1 +0 +0 +0 B .* \+3\.9 KiB"
	assert_line "A audio/step.wav  +3.9 KiB"
	assert_line "D textures/sky.png  -7.8 KiB"
	run vault milestone diff --json alpha beta
	[ "$(jq -r '.types[0].type' <<<"$output")" = png ]
	[ "$(jq -r '.types[0].delta' <<<"$output")" = 31992 ]
	[ "$(jq -r '.files | length' <<<"$output")" = 3 ]
}

@test "a released milestone cannot change: exit 1, nothing written" {
	vault milestone create alpha "$S1"
	run vault milestone release alpha
	assert_success
	assert_output "released milestone alpha"
	before=$(vault-rev-parse refs/game/milestone/alpha)
	run vault milestone check alpha "late fix" --done
	assert_failure 1
	assert_output "error: milestone 'alpha' is released and cannot change (check refused)"
	run vault milestone create alpha "$S3"
	assert_failure 1
	assert_output --partial "(create refused)"
	run vault milestone note alpha "changed my mind"
	assert_failure 1
	run vault milestone release alpha
	assert_failure 1
	[ "$(vault-rev-parse refs/game/milestone/alpha)" = "$before" ]
	run vault milestone show alpha
	assert_line --regexp "^status    released 2025-11-24T"
}

@test "bad input: unknown milestone, unknown revision, bad date, bad name" {
	run vault milestone show nope
	assert_failure 128
	assert_output "fatal: no milestone named 'nope'"
	run vault milestone create alpha no-such-rev
	assert_failure 128
	assert_output --partial "fatal: unknown build 'no-such-rev'"
	run vault milestone create alpha --due 15/01/2027
	assert_failure 129
	assert_output --partial "bad date '15/01/2027' (want YYYY-MM-DD)"
	run vault milestone create 'bad name'
	assert_failure 128
	assert_output --partial "bad milestone name 'bad name'"
	run vault milestone check nope item
	assert_failure 128
	run vault-record list --kind game.milestone
	assert_output ""
}

@test "forget keeps a milestone's snapshot, saying why; gc keeps its data; fsck is clean" {
	vault milestone create alpha "$S1"
	run vault forget --keep-last 1 --dry-run
	assert_success
	assert_line --regexp "^keep +${S1:0:12} .* first playable +milestone alpha$"
	assert_line --regexp "^would forget ${S2:0:12} "
	run vault forget --keep-last 1
	assert_success
	run vault gc
	assert_success
	run vault fsck
	assert_success
	rm -rf ../out
	run vault restore "$S1" --target ../out
	assert_success
	[ -f ../out/textures/sky.png ]
	cmp ../out/models/boss.glb models/boss.glb
}

@test "export-git leaves milestones out" {
	need_feature git
	vault milestone create alpha "$S1"
	run vault export-git --to ../g.git --bare -q
	assert_success
	run git -C ../g.git for-each-ref --format='%(refname)'
	refute_output --partial milestone
}
