#!/usr/bin/env bats
# vault-playtest: sessions tied to the exact snapshot and platform, with
# metrics, the files they loaded and attachments stored in the repository
# (Documentation/vault-playtest.md, format.md 6.5.1).

load helper

local_setup() {
	mkdir game
	cd game
	mkdir -p textures levels
	{ printf '\x89PNG\r\n\x1a\n'; head -c 20000 /dev/urandom; } > textures/hero.png
	printf '[gd_scene format=3]\n' > levels/boss.tscn
	vault game init -q
	S1=$(vault backup -q -m "first playable")
	printf 'phase 2\n' >> levels/boss.tscn
	S2=$(vault backup -q -m "boss phase 2")
	mkdir ../att
	printf 'frame 1\nCRASH in boss.gd:42\n' > ../att/crash.log
	{ printf '\x89PNG\r\n\x1a\n'; head -c 3000 /dev/urandom; } > ../att/shot.png
	printf 'levels/boss.tscn\ntextures/hero.png\n\n' > ../att/loaded.txt
}

@test "playtest record stores a finished session tied to the snapshot id" {
	run vault playtest record --build HEAD~1 --duration 45m --platform windows \
		--tester ana --metric fps=58 --metric crashes=1 --metric gpu=rtx \
		--attach ../att/crash.log --attach ../att/shot.png --loaded ../att/loaded.txt
	assert_success
	assert_output "playtest 1: 45m of ${S1:0:12} recorded"
	run vault playtest show 1
	assert_success
	assert_line "build     $S1"
	assert_line "          first playable"
	assert_line "platform  windows"
	assert_line "tester    ana"
	assert_line "duration  45m"
	assert_line "metric    fps=58"
	assert_line "metric    gpu=rtx"
	assert_line "loaded    levels/boss.tscn"
	assert_line "loaded    textures/hero.png"
	assert_line "attached  crash.log (28 B)"
	run vault playtest show --json 1
	[ "$(jq -r .build <<<"$output")" = "$S1" ]
	[ "$(jq -r .duration <<<"$output")" = 2700 ]
	[ "$(jq -r .metrics.crashes <<<"$output")" = 1 ]
	[ "$(jq -r '.loaded | length' <<<"$output")" = 2 ]
}

@test "an attachment comes back byte for byte; fsck checks it" {
	vault playtest record --build HEAD --duration 1h30m --attach ../att/shot.png
	run vault playtest show 1 --attachment shot.png -o ../shot-back.png
	assert_success
	cmp ../att/shot.png ../shot-back.png
	run vault playtest show 1 --attachment shot.png -o -
	assert_success
	run vault playtest show 1 --attachment nope.txt -o ../x
	assert_failure 128
	assert_output "fatal: playtest 1 has no attachment named 'nope.txt'"
	[ ! -e ../x ]
	vault gc -q
	run vault fsck
	assert_success
}

@test "a missing attachment: clear error, nothing written" {
	run vault playtest record --build HEAD --duration 10m --attach ../att/crash.log --attach ../att/missing.mp4
	assert_failure 128
	assert_output "fatal: cannot attach '../att/missing.mp4': No such file or directory (nothing written)"
	run vault playtest list
	assert_output ""
	run vault-record list --kind game.playtest
	assert_output ""
}

@test "bad input: unknown build, bad duration, bad metric, unknown session" {
	run vault playtest record --build no-such --duration 10m
	assert_failure 128
	assert_output --partial "fatal: unknown build 'no-such'"
	run vault playtest record --build HEAD --duration 10x
	assert_failure 129
	assert_output --partial "bad duration '10x'"
	run vault playtest record --build HEAD --duration 10m --metric fps
	assert_failure 129
	assert_output --partial "bad metric 'fps' (want NAME=VALUE)"
	run vault playtest record --build HEAD
	assert_failure 129
	run vault playtest show 7
	assert_failure 128
	assert_output "fatal: no playtest named '7'"
	run vault playtest list
	assert_output ""
}

@test "start and stop: one open session per tester, the duration recorded" {
	run vault playtest start --build HEAD --platform switch --tester bo
	assert_success
	assert_output "playtest 1 started: bo on ${S2:0:12}"
	run vault playtest start --tester bo
	assert_failure 1
	assert_output "error: bo has playtest 1 open already; stop it first"
	run vault playtest start --tester cy
	assert_success
	run vault playtest list
	assert_line --regexp "^1 +${S2:0:12}  switch +bo +open  "
	VAULT_AUTHOR_DATE=$((1764000000 + 3000)) run vault playtest stop --tester bo --metric fps=30
	assert_success
	assert_output "playtest 1 stopped: 50m"
	run vault playtest stop --tester bo
	assert_failure 1
	assert_output "error: bo has no open playtest"
	run vault playtest show 1
	assert_line "duration  50m"
	assert_line "metric    fps=30"
}

@test "list in session order, filtered by build; --json" {
	for i in 1 2 3 4 5 6 7 8 9 10 11; do
		vault playtest record --build HEAD~$((i % 2)) --duration ${i}m >/dev/null
	done
	run vault playtest list
	assert_success
	[ "$(cut -d' ' -f1 <<<"$output" | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 10 11 " ]
	run vault playtest list --build "$S1"
	[ "${#lines[@]}" = 6 ]
	run vault playtest list --json --build "$S2"
	[ "$(jq -r '.[].id' <<<"$output" | tr '\n' ' ')" = "2 4 6 8 10 " ]
}
