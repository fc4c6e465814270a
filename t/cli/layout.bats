#!/usr/bin/env bats
# The tree keeps its layout rules (scripts/check-layout.sh): no program
# names a storage key or ref namespace, no persona includes porcelain/ or
# the other persona.

load helper

CHECK="$VAULT_SRCDIR/scripts/check-layout.sh"

@test "the source tree keeps the layout rules" {
	run bash "$CHECK" "$VAULT_SRCDIR"
	assert_success
	assert_output ''
}

@test "check-layout finds a program that spells a storage key" {
	mkdir -p tree/lib tree/porcelain
	printf 'const char *k = "forgotten/%%s";\n' > tree/porcelain/x.c
	run bash "$CHECK" "$PWD/tree"
	assert_failure
	assert_output --partial 'porcelain/x.c:1: names the storage key "forgotten/"'
}

@test "check-layout finds a program that spells a ref namespace" {
	mkdir -p tree/lib tree/personas/creative
	printf 'static const char p[] = "refs/tags/";\n' > tree/personas/creative/y.c
	run bash "$CHECK" "$PWD/tree"
	assert_failure
	assert_output --partial 'personas/creative/y.c:1: names the storage key "refs/"'
}

@test "check-layout finds a persona that includes porcelain or the other persona" {
	mkdir -p tree/lib tree/cli tree/porcelain tree/personas/creative tree/personas/game
	touch tree/lib/refs.h tree/cli/cli.h tree/porcelain/common.h tree/personas/game/game.h
	printf '#include "refs.h"\n#include "cli.h"\n#include "common.h"\n#include "game.h"\n' \
		> tree/personas/creative/z.c
	run bash "$CHECK" "$PWD/tree"
	assert_failure
	assert_line 'personas/creative/z.c:3: includes common.h from porcelain/ (a persona uses only the libraries, cli/ and its own folder)'
	assert_line 'personas/creative/z.c:4: includes game.h from personas/game/ (a persona uses only the libraries, cli/ and its own folder)'
	refute_output --partial 'refs.h'
	refute_output --partial 'cli.h'
}
