#!/usr/bin/env bats
# vault-platform and vault-build: build outputs stored per platform and
# snapshot, deduplicated; build diff explains growth by the changed
# source assets (Documentation/vault-build.md, format.md 6.5.1).

load helper

local_setup() {
	mkdir -p game/textures game/levels game/audio
	cd game
	{ printf '\x89PNG\r\n\x1a\n'; head -c 20000 /dev/urandom; } > textures/hero.png
	{ printf '\x89PNG\r\n\x1a\n'; head -c 5000 /dev/urandom; } > textures/sky.png
	{ printf 'RIFF\0\0\0\0WAVE'; head -c 9000 /dev/urandom; } > audio/theme.wav
	printf '[gd_scene format=3]\n' > levels/boss.tscn
	vault game init -q
	S1=$(vault backup -q -m "first playable")
	{ printf '\x89PNG\r\n\x1a\n'; head -c 60000 /dev/urandom; } > textures/hero.png
	# an hour later: list orders builds by their snapshot's time
	S2=$(VAULT_AUTHOR_DATE=1764003600 vault backup -q -m "hero texture in HD")
	# the engine's exports of both snapshots, outside the project
	mkdir -p ../Builds/one/assets ../Builds/two/assets
	head -c 30000 /dev/urandom > ../Builds/one/assets/hero.ctex
	head -c 8000 /dev/urandom > ../Builds/one/assets/sky.ctex
	head -c 100000 /dev/urandom > ../Builds/one/game.exe
	cp -p ../Builds/one/game.exe ../Builds/one/assets/sky.ctex ../Builds/two/ 2>/dev/null
	mv ../Builds/two/sky.ctex ../Builds/two/assets/
	head -c 90000 /dev/urandom > ../Builds/two/assets/hero.ctex
	head -c 50000 /dev/urandom > ../Builds/two/game.pck
	vault platform add windows --note "Steam, x86_64" >/dev/null
}

@test "platform add and list; a platform is added once" {
	run vault platform add switch
	assert_success
	assert_output "added platform switch"
	run vault platform add switch
	assert_failure 1
	assert_output "error: platform 'switch' exists already"
	run vault platform list
	assert_line --index 0 "switch       "
	assert_line --index 1 "windows      Steam, x86_64"
	run vault platform list --json
	[ "$(jq -r '.[1].note' <<<"$output")" = "Steam, x86_64" ]
	run vault platform add 'a/b'
	assert_failure 128
	assert_output --partial "bad platform name 'a/b'"
}

@test "build record stores a folder, deduplicated against the last build" {
	run vault build record --platform windows --rev HEAD~1 ../Builds/one
	assert_success
	assert_output "build windows:${S1:0:12}: 3 files, 134.8 KiB (134.8 KiB new)"
	run vault build record --platform windows --rev HEAD ../Builds/two
	assert_success
	# game.exe and sky.ctex are stored already: only hero and the pck are new
	assert_output --regexp "^build windows:${S2:0:12}: 4 files, 242.2 KiB \(13[0-9]\.[0-9] KiB new\)$"
	run vault build list
	assert_line --regexp "^windows +${S1:0:12} +3 files +134.8 KiB  2025-11-24  first playable$"
	assert_line --regexp "^windows +${S2:0:12} +4 files +242.2 KiB  2025-11-24  hero texture in HD$"
	run vault build list --json --platform windows
	[ "$(jq -r '.[0].source' <<<"$output")" = ../Builds/one ]
	run vault fsck
	assert_success
}

@test "build record of an archive stores the one file" {
	tar -C ../Builds/one -cf ../Builds/one.tar .
	run vault build record --platform windows --rev HEAD ../Builds/one.tar
	assert_success
	assert_output --regexp "^build windows:${S2:0:12}: 1 files, "
	tree=$(vault build list --json | jq -r '.[0].tree')
	run vault ls-tree "$tree"
	assert_output --partial "one.tar"
}

@test "build diff: growth per top-level entry and type, explained by the sources" {
	vault build record --platform windows --rev HEAD~1 ../Builds/one >/dev/null
	vault build record --platform windows --rev HEAD ../Builds/two >/dev/null
	run vault build diff windows:HEAD~1 windows:HEAD
	assert_success
	assert_line --index 0 "build windows:HEAD~1 (${S1:0:12}) -> windows:HEAD (${S2:0:12})"
	assert_line --index 1 --regexp "^top-level entry +files +before +after +growth$"
	assert_line --index 2 --regexp "^assets/ +2 +37.1 KiB +95.7 KiB +\+58.6 KiB$"
	assert_line --index 3 --regexp "^game.pck +1 +0 B +48.8 KiB +\+48.8 KiB$"
	assert_line --index 4 "(1 unchanged, not shown)"
	assert_line --regexp "^ctex +2 +37.1 KiB +95.7 KiB +\+58.6 KiB$"
	assert_line "M assets/hero.ctex  +58.6 KiB"
	assert_line "    <- M textures/hero.png (+39.1 KiB)"
	assert_line "A game.pck  +48.8 KiB"
	run vault build diff --json windows:HEAD~1 windows:HEAD
	[ "$(jq -r '.top[0].name' <<<"$output")" = assets/ ]
	[ "$(jq -r '.top[0].delta' <<<"$output")" = 60000 ]
	[ "$(jq -r '.changed[] | select(.path == "assets/hero.ctex") | .sources[0].path' <<<"$output")" = textures/hero.png ]
	# by the record's id as well
	id=$(vault build list --json | jq -r '.[0].id')
	run vault build diff "$id" windows:HEAD
	assert_success
	assert_line --index 0 --partial "(${S1:0:12}) -> windows:HEAD"
}

@test "bad input: unknown platform, unknown build, missing folder; nothing written" {
	run vault build record --platform linux --rev HEAD ../Builds/one
	assert_failure 128
	assert_output "fatal: unknown platform 'linux' (vault platform add linux)"
	run vault build record --platform windows --rev HEAD ../Builds/nope
	assert_failure 128
	assert_output "fatal: cannot read the build '../Builds/nope': No such file or directory (nothing written)"
	run vault build record --platform windows --rev no-such ../Builds/one
	assert_failure 128
	assert_output --partial "fatal: unknown build 'no-such'"
	run vault build record --rev HEAD ../Builds/one
	assert_failure 129
	run vault build list
	assert_output ""
	vault build record --platform windows --rev HEAD ../Builds/two >/dev/null
	run vault build diff windows:HEAD~1 windows:HEAD
	assert_failure 128
	assert_output "fatal: unknown build 'windows:HEAD~1': no windows build of ${S1:0:12}"
	run vault build diff linux:HEAD windows:HEAD
	assert_failure 128
	assert_output --partial "unknown platform 'linux'"
	run vault build diff "$S1" windows:HEAD
	assert_failure 128
	assert_output --partial "unknown build '$S1'"
}

@test "a build keeps its data through forget and gc" {
	vault build record --platform windows --rev HEAD~1 ../Builds/one >/dev/null
	vault forget -q --keep-last 1
	vault gc -q
	run vault fsck
	assert_success
	tree=$(vault build list --json | jq -r '.[0].tree')
	vault-checkout-tree -q "$tree" ../back
	cmp ../back/game.exe ../Builds/one/game.exe
}
