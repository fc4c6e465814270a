#!/usr/bin/env bats
# vault check-ignore: why a backup leaves a path out, git check-ignore's
# interface (-v, -n, --stdin, -z, exit 0 if any path is ignored, 1 if
# none), including the built-in engine rules.

load helper

local_setup() {
	mkdir proj
	cd proj
	vault init -q
	mkdir -p art/Saved unity/Assets unity/ProjectSettings unity/Library \
		unreal/Saved/Logs unreal/Plugins/Fx/Binaries src
	echo painting > art/Saved/final_painting.kra
	echo cache > unity/Library/x
	echo '{}' > unreal/Shooter.uproject
	echo log > unreal/Saved/Logs/a.log
	printf '# build output\n*.o\n!keep.o\n' > .vaultignore
	printf 'secret.txt\n' > src/.vaultignore
}

@test "check-ignore prints the ignored paths and exits 0" {
	run vault check-ignore unity/Library a.o art/Saved/final_painting.kra
	assert_success
	assert_output "unity/Library
a.o"
}

@test "check-ignore exits 1 when no path is ignored" {
	run vault check-ignore art/Saved/final_painting.kra art/Saved README
	assert_failure 1
	assert_output ""
}

@test "check-ignore -v names the rule: file, line, pattern, with built-in engine rules" {
	run vault check-ignore -v unity/Library/x unreal/Saved/Logs/a.log \
		unreal/Plugins/Fx/Binaries a.o src/secret.txt x.tmp
	assert_success
	assert_output "$(printf '%s\t%s\n' \
		'<built-in: unity>:1:/[Ll]ibrary/' unity/Library/x \
		'<built-in: unreal>:3:/Saved/' unreal/Saved/Logs/a.log \
		'<built-in: unreal>:5:/Plugins/**/Binaries/' unreal/Plugins/Fx/Binaries \
		'.vaultignore:2:*.o' a.o \
		'src/.vaultignore:1:secret.txt' src/secret.txt \
		'<built-in>:3:*.tmp' x.tmp)"
}

@test "check-ignore -v shows a '!' rule that keeps a path; without -v it is not printed" {
	run vault check-ignore -v keep.o
	assert_failure 1
	assert_output "$(printf '.vaultignore:3:!keep.o\tkeep.o')"
	run vault check-ignore keep.o
	assert_failure 1
	assert_output ""
}

@test "check-ignore -v -n lists the paths no rule matched as ::<TAB>PATH" {
	run vault check-ignore -v -n art/Saved a.o
	assert_success
	assert_output "$(printf '::\tart/Saved\n.vaultignore:2:*.o\ta.o')"
	run vault check-ignore -n a.o
	assert_failure 129
	assert_output --partial "only valid with --verbose"
}

@test "check-ignore --stdin reads paths one a line, -z NUL-separated in and out" {
	run vault check-ignore --stdin <<<$'unity/Library\nart/Saved\na.o'
	assert_success
	assert_output "unity/Library
a.o"
	printf 'unity/Library\0art/Saved\0' | vault check-ignore --stdin -z -v -n >out
	printf '<built-in: unity>\0001\000/[Ll]ibrary/\000unity/Library\000\000\000\000art/Saved\000' >want
	cmp out want
}

@test "check-ignore takes paths relative to the current folder" {
	cd unreal
	run vault check-ignore Saved ../unity/Library ../art/Saved
	assert_success
	assert_output "Saved
../unity/Library"
}

@test "check-ignore answers with the same rules as backup" {
	echo x > a.o
	echo y > keep.o
	echo s > src/secret.txt
	vault backup -q
	vault-ls-tree -r --name-only HEAD >stored
	# every stored path is not ignored, and the left-out ones are
	run vault check-ignore --stdin <stored
	assert_failure 1
	run vault check-ignore a.o src/secret.txt unity/Library unreal/Saved
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	grep -qx keep.o stored
	grep -qx art/Saved/final_painting.kra stored
}

@test "check-ignore with --no-default-ignores and --exclude, as backup" {
	run vault check-ignore --no-default-ignores unity/Library x.tmp
	assert_failure 1
	run vault check-ignore -v --exclude '*.kra' art/Saved/final_painting.kra
	assert_success
	assert_output "$(printf '<exclude>:1:*.kra\tart/Saved/final_painting.kra')"
}

@test "check-ignore refuses a path outside the project folder" {
	run vault check-ignore /etc/passwd
	assert_failure 128
	assert_output --partial "outside the project folder"
	run vault check-ignore
	assert_failure 129
}
