#!/usr/bin/env bats
# The personas' front ends: `vault creative CMD` / `vault game CMD` (and
# creative-vault / gamevault) apply the persona's defaults, then run the
# persona's own command or the common one, passing the exit status on.

load helper

local_setup() {
	MKIMAGE=$(dirname "$(command -v vault-diff-visual)")/../t/helpers/mkimage
	[ -x "$MKIMAGE" ] || { echo "t/helpers/mkimage is not built" >&2; return 1; }
}

# an image project with two snapshots: art/rock.png changed, notes.txt too
make_art() {
	mkdir -p proj/art
	cd proj
	vault creative init -q
	"$MKIMAGE" art/rock.png 120 80 fill:200,200,200 rect:10,10,30,20,200,30,30
	printf 'notes\n' > notes.txt
	vault backup -q -m first > /dev/null
	"$MKIMAGE" art/rock.png 120 80 fill:200,200,200 rect:60,40,20,20,30,30,200
	printf 'more\n' >> notes.txt
	vault backup -q -m second > /dev/null
}

@test "vault creative without a command lists the persona's and the common commands" {
	run vault creative
	assert_failure 129
	assert_output --partial "usage: vault creative [--repo PATH] COMMAND [ARGS]"
	assert_output --regexp "   diff +pictures of the changed images"
	assert_output --regexp "   timeline +every version of one file"
	assert_output --partial "init backup status restore log"
	run vault creative --help
	assert_success
	assert_output --partial "The creative persona's commands:"
	run vault game --help
	assert_success
	assert_output --partial "usage: vault game [--repo PATH] COMMAND [ARGS]"
	assert_output --regexp "   assets +which file uses which"
	assert_output --regexp "   workspace +capture and restore Godot editor settings"
	assert_output --regexp "   milestone +named snapshots"
	assert_output --regexp "   playtest +playtest sessions"
	assert_output --regexp "   feedback +player feedback"
	assert_output --regexp "   build +build outputs per platform"
	run vault help creative
	assert_success
	assert_output --partial "usage: vault creative"
}

@test "the installed names creative-vault and gamevault are the same programs" {
	[ -L "$(command -v creative-vault)" ]
	[ -L "$(command -v gamevault)" ]
	run creative-vault --help
	assert_success
	assert_output --partial "usage: creative-vault [--repo PATH] COMMAND"
	run gamevault
	assert_failure 129
	assert_output --partial "usage: gamevault [--repo PATH] COMMAND"
	mkdir g && cd g
	run gamevault init -q
	assert_success
	grep -q '^	persona = game$' .vault/config
	run gamevault log
	assert_failure 128
	assert_output --partial "no snapshots yet"
}

@test "the driver lists the personas" {
	run vault --help
	assert_success
	assert_output --regexp "   creative +for artists"
	assert_output --regexp "   game +for game teams"
	assert_output --partial "creative-vault"
	assert_output --partial "gamevault"
}

@test "creative init writes the creative profile, and fsck accepts it" {
	mkdir p && cd p
	run vault creative init
	assert_success
	assert_output --partial "Initialized empty vault repository"
	grep -q '^	persona = creative$' .vault/config
	grep -q '^\[creative\]$' .vault/config
	grep -q '^	visualDiff = true$' .vault/config
	run vault fsck
	assert_success
	# the profile's keys are checked like vault's own
	sed -i 's/visualDiff = true/visualDiff = maybe/' .vault/config
	run vault fsck
	assert_failure
	assert_output --partial "creative.visualDiff is 'maybe', not true or false"
	sed -i 's/visualDiff = maybe/visualDif = true/' .vault/config
	run vault fsck
	assert_failure
	assert_output --partial "unknown key 'creative.visualDif'"
	sed -i 's/visualDif = true/visualDiff = true/; s/persona = creative/persona = painter/' .vault/config
	run vault fsck
	assert_failure
	assert_output --partial "core.persona: unknown persona 'painter'"
	# a plain init writes no profile
	cd .. && mkdir q && cd q
	vault init -q
	run grep -c 'persona\|creative' .vault/config
	assert_output 0
}

@test "game init chooses big-asset chunking unless told otherwise" {
	mkdir g && cd g
	vault game init -q
	grep -q '^	avg = 1048576$' .vault/config
	grep -q '^	min = 262144$' .vault/config
	grep -q '^	max = 4194304$' .vault/config
	grep -q '^	size = 134217728$' .vault/config
	run vault fsck
	assert_success
	cd .. && mkdir h && cd h
	vault game init -q --avg 256k --pack-size 32M
	grep -q '^	avg = 262144$' .vault/config
	grep -q '^	size = 33554432$' .vault/config
	grep -q '^	persona = game$' .vault/config
	# init refuses a persona it does not know, and creates nothing
	cd .. && mkdir k && cd k
	VAULT_PERSONA=painter run vault init
	assert_failure 128
	assert_output "fatal: VAULT_PERSONA is 'painter', not creative or game"
	[ ! -e .vault ]
}

@test "common commands run through both front ends, exit status passed on" {
	make_art
	run vault creative log --oneline
	assert_success
	assert_line --index 0 --regexp " second$"
	run vault game diff HEAD~1 HEAD -- notes.txt
	assert_failure 1
	assert_output --partial "M  notes.txt"
	run vault game diff -q HEAD HEAD
	assert_success
	run vault creative ls --bogus
	assert_failure 129
	run vault game cat HEAD:nope.txt
	assert_failure 128
	# the driver's aliases too
	echo third >> notes.txt
	run vault creative snapshot -q -m third
	assert_success
	run vault log --oneline -n 1
	assert_output --regexp " third$"
	# --repo before the command, as with the driver
	cd ..
	run vault creative --repo proj/.vault log --oneline
	assert_success
	assert_line --index 0 --regexp " third$"
}

@test "a user's own command runs through the front end and sees the persona" {
	mkdir mybin
	printf '#!/bin/sh\necho "persona=$VAULT_PERSONA args=$*"\nexit 3\n' > mybin/vault-hello
	chmod +x mybin/vault-hello
	PATH="$PWD/mybin:$PATH" run vault creative hello a b
	assert_failure 3
	assert_output "persona=creative args=a b"
	PATH="$PWD/mybin:$PATH" run gamevault hello
	assert_failure 3
	assert_output "persona=game args="
}

@test "an unknown command is named, exit 129" {
	run vault creative frobnicate
	assert_failure 129
	assert_line --index 0 "error: 'frobnicate' is neither a creative command nor a common vault command"
	assert_output --partial "usage: vault creative"
	run gamevault frobnicate
	assert_failure 129
	assert_line --index 0 "error: 'frobnicate' is neither a game command nor a common vault command"
	run vault creative --frob
	assert_failure 129
	assert_output --partial "unknown option '--frob'"
}

@test "vault creative diff is the visual report, the one diff --visual writes" {
	make_art
	run vault creative diff -o ../c HEAD~1 HEAD
	assert_failure 1
	assert_line --regexp "^M	art/rock.png	\.\./c/0001-art_rock.png	.*% of pixels changed"
	assert_line "-	notes.txt	-	not an image or model vault reads: notes.txt"
	assert_output --partial "1 visual diff in $(cd .. && pwd -P)/c/index.html"
	grep -q "<title>vault creative diff HEAD~1 HEAD</title>" ../c/index.html
	grep -q "<h1>vault creative diff</h1>" ../c/index.html
	run vault diff --visual -o ../v HEAD~1 HEAD
	assert_failure 1
	grep -q "<title>vault diff --visual HEAD~1 HEAD</title>" ../v/index.html
	# the same pictures, the same page but for its title
	cmp ../c/0001-art_rock.png ../v/0001-art_rock.png
	diff <(sed 's/vault creative diff/vault diff --visual/' ../c/index.html) ../v/index.html
	# vault creative timeline is vault timeline
	run vault creative timeline art/rock.png
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	run vault creative help diff
	assert_success
	assert_output --partial "usage: vault creative diff"
}

@test "creative.visualDiff = false makes vault creative diff the plain diff" {
	make_art
	sed -i 's/visualDiff = true/visualDiff = false/' .vault/config
	run vault creative diff HEAD~1 HEAD
	assert_failure 1
	assert_output "M  art/rock.png  $(vault diff HEAD~1 HEAD | sed -n 's/^M  art\/rock.png  //p')
M  notes.txt  6 B -> 11 B"
}

@test "without media support the persona says so, and so does diff --visual" {
	make_art
	# a bin/ with the front ends and vault-diff but no media programs
	mkdir ../nomedia
	cp "$(command -v vault-creative)" "$(command -v vault-diff)" ../nomedia/
	VAULT_EXEC_PATH=$PWD/../nomedia run ../nomedia/vault-creative diff
	assert_failure 128
	assert_output "fatal: 'creative diff' needs media support, and this build has none (vault-creative-diff is not installed)"
	VAULT_EXEC_PATH=$PWD/../nomedia run ../nomedia/vault-creative timeline art/rock.png
	assert_failure 128
	assert_output --partial "needs media support"
	run ../nomedia/vault-diff --visual HEAD~1 HEAD
	assert_failure 128
	assert_output "fatal: --visual needs vault-creative-diff, which this build does not have (built without media support)"
	# the options are still checked first
	run ../nomedia/vault-diff --visual --stat
	assert_failure 129
}

@test "a persona includes only the libraries and cli/, never porcelain/ nor the other persona" {
	local src=$VAULT_SRCDIR f inc bad=""
	for f in "$src"/personas/*/*.c "$src"/personas/*/*.h "$src"/porcelain/*.c; do
		[ -e "$f" ] || continue
		while read -r inc; do
			# the libraries, cli/, or a header of the program's own folder
			if [ -e "$src/lib/$inc" ] || [ -e "$src/lib/media/$inc" ] ||
			   [ -e "$src/lib/git/$inc" ] || [ -e "$src/lib/assets/$inc" ] ||
			   [ -e "$src/cli/$inc" ]; then
				continue
			fi
			# a persona's own headers (check-layout.sh allows them too)
			if [[ $f == "$src"/personas/* ]] && [ -e "$(dirname "$f")/$inc" ]; then
				continue
			fi
			bad+="${f#"$src"/}: $inc"$'\n'
		done < <(sed -n 's/^#include "\(.*\)"$/\1/p' "$f")
	done
	[ -z "$bad" ] || { echo "includes from outside the libraries and cli/:"; echo "$bad"; return 1; }
}
