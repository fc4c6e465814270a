#!/usr/bin/env bats
# vault import-git: git history into snapshots, checked against git.

load helper
VAULT_TEST_NEEDS=git
bats_require_minimum_version 1.5.0

git() { command git -c user.name=Tester -c user.email=t@example.org \
	-c init.defaultBranch=main -c advice.detachedHead=false \
	-c core.hooksPath=/dev/null "$@"; }

# commit_at N MSG: commit everything staged in src at a fixed date.
commit_at() {
	GIT_AUTHOR_DATE="@$1 +0100" GIT_COMMITTER_DATE="@$(($1 + 60)) +0100" \
		git -C src commit -q -m "$2"
}

# lfs_add PATH SIZE: put a random file of SIZE bytes into src's LFS store
# and its pointer at PATH; prints the object's sha256.
lfs_add() {
	local tmp sha
	tmp=$(mktemp "$BATS_TEST_TMPDIR/lfs.XXXXXX")
	head -c "$2" /dev/urandom > "$tmp"
	sha=$(sha256sum "$tmp" | cut -d' ' -f1)
	mkdir -p "src/.git/lfs/objects/${sha:0:2}/${sha:2:2}"
	mv "$tmp" "src/.git/lfs/objects/${sha:0:2}/${sha:2:2}/$sha"
	printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %s\n' \
		"$sha" "$2" > "src/$1"
	echo "$sha"
}

# A git history with branches, a merge, renames and binary files.
make_git_history() {
	git init -q src
	printf 'alpha\n' > src/a.txt
	head -c 200000 /dev/urandom > src/bin.dat
	printf '#!/bin/sh\necho hi\n' > src/run.sh
	chmod 755 src/run.sh
	ln -s a.txt src/link
	printf 'ü\n' > "src/ünï cödé.txt"
	: > src/empty
	mkdir -p src/deep/er && printf 'd\n' > src/deep/er/file
	git -C src add -A
	commit_at 1700000000 "initial import"
	git -C src checkout -q -b feature
	git -C src mv a.txt b.txt
	head -c 1000 /dev/urandom >> src/bin.dat
	git -C src add -A
	commit_at 1700001000 "feature: rename a to b, grow bin"
	git -C src checkout -q main
	printf 'c\n' > src/c.txt
	git -C src add -A
	commit_at 1700002000 "main: add c"
	GIT_AUTHOR_DATE="@1700003000 +0100" GIT_COMMITTER_DATE="@1700003000 +0100" \
		git -C src merge -q --no-ff -m "merge feature" feature
	lfs_add big.bin 300000 > lfs.sha
	rm src/deep/er/file
	git -C src add -A
	commit_at 1700004000 "add an LFS file, drop deep"
}

# git_checkout COMMIT DIR: the commit's files (LFS pointers as stored)
git_checkout() {
	rm -rf "$2"
	mkdir -p "$2"
	GIT_LFS_SKIP_SMUDGE=1 git -C src archive "$1" | tar -x -C "$2"
}

# snapshots_of REV: "SNAPSHOT COMMIT" for REV and all its ancestors
snapshots_of() {
	local todo seen=" " s
	todo=$(vault rev-parse "$1")
	while [ -n "$todo" ]; do
		s=${todo%% *}
		todo=${todo#"$s"}
		todo=${todo# }
		case "$seen" in *" $s "*) continue ;; esac
		seen="$seen$s "
		echo "$s $(vault-cat-object -p "$s" | sed -n 's/^meta git-commit //p')"
		for p in $(vault-cat-object -p "$s" | sed -n 's/^parent //p'); do
			todo="$todo $p"
		done
		todo=${todo# }
	done
}

# same_files A B: same paths, types, x bits, symlink targets and bytes.
same_files() {
	local a b
	a=$(cd "$1" && find . -mindepth 1 -path ./.vault -prune -o \
		\( -type f -printf '%p\tf\t%s\t%m\n' -o -type l -printf '%p\tl\t%l\n' \) | \
		awk -F'\t' -v OFS='\t' '$2 == "f" { $4 = (substr($4, 1, 1) + 0) % 2 ? "x" : "-" } 1' | sort)
	b=$(cd "$2" && find . -mindepth 1 -path ./.vault -prune -o \
		\( -type f -printf '%p\tf\t%s\t%m\n' -o -type l -printf '%p\tl\t%l\n' \) | \
		awk -F'\t' -v OFS='\t' '$2 == "f" { $4 = (substr($4, 1, 1) + 0) % 2 ? "x" : "-" } 1' | sort)
	if [ "$a" != "$b" ]; then
		diff <(echo "$a") <(echo "$b")
		return 1
	fi
	diff -r --no-dereference "$1" "$2"
}

# unhex HEX: the bytes HEX spells, to stdout (no xxd on a minimal system)
unhex() {
	python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"
}

local_setup() {
	make_git_history
	mkdir v
	(cd v && vault init -q)
}

@test "import-git makes one snapshot per first-parent commit, keeping author, date and message" {
	cd v
	run vault import-git ../src
	assert_success
	run vault log --oneline
	[ "${#lines[@]}" -eq 4 ]
	run vault log --json
	echo "$output" | python3 -c '
import json, sys
log = json.load(sys.stdin)
assert [s["message"] for s in log] == ["add an LFS file, drop deep\n",
    "merge feature\n", "main: add c\n", "initial import\n"], log
assert all(s["author"] == "Tester <t@example.org>" for s in log)
assert [s["time"] for s in log] == [1700004000, 1700003000, 1700002000, 1700000000]
assert log[0]["meta"]["git-committer"] == "Tester <t@example.org> 1700004060 +0100"
'
	# first-parent line: the merge snapshot has only its first parent
	run vault-cat-object -p main~1
	[ "$(echo "$output" | grep -c '^parent ')" -eq 1 ]
}

@test "import-git --all keeps merges with all their parents" {
	cd v
	run vault import-git --all ../src
	assert_success
	[ "$(snapshots_of main | wc -l)" -eq "$(git -C ../src rev-list --count main)" ]
	run vault-cat-object -p main~1
	[ "$(echo "$output" | grep -c '^parent ')" -eq 2 ]
}

@test "restore of every imported snapshot equals git checkout of its commit" {
	(cd v && vault import-git -q --all ../src)
	sha=$(cat lfs.sha)
	n=0
	while read -r snap commit; do
		[ -n "$commit" ]
		(cd v && vault restore -q "$snap" --target "../r-$commit")
		git_checkout "$commit" "c-$commit"
		# the LFS pointer came in as its content
		if [ -f "c-$commit/big.bin" ]; then
			cmp "r-$commit/big.bin" "src/.git/lfs/objects/${sha:0:2}/${sha:2:2}/$sha"
			cp "r-$commit/big.bin" "c-$commit/big.bin"
		fi
		same_files "r-$commit" "c-$commit"
		n=$((n + 1))
	done < <(cd v && snapshots_of main)
	[ "$n" -eq 5 ]
}

@test "a second import converts only the new commit and keeps the old snapshot ids" {
	(cd v && vault import-git -q ../src)
	before=$(cd v && vault log --oneline | cut -d' ' -f1)
	printf 'more\n' > src/more.txt
	git -C src add more.txt
	commit_at 1700005000 "one more"
	cd v
	run vault import-git ../src
	assert_success
	assert_output --partial "imported 1 new commits"
	after=$(vault log --oneline | cut -d' ' -f1)
	[ "$(echo "$after" | wc -l)" -eq 5 ]
	[ "$(echo "$after" | tail -n 4)" = "$before" ]
	run vault import-git ../src
	assert_output --partial "imported 0 new commits"
}

@test "exporting an import gives back the original commit ids" {
	(cd v && vault import-git -q --all ../src)
	# the LFS file came in as content: export it as a pointer again
	(cd v && vault export-git -q --lfs-threshold 250K --no-gitattributes --to ../back)
	[ "$(git -C back rev-parse main)" = "$(git -C src rev-parse main)" ]
	[ "$(git -C back rev-list --count main)" -eq 5 ]
}

@test "a file's mtime is the time of the commit that last changed it" {
	(cd v && vault import-git -q ../src)
	(cd v && vault restore -q main --target ../r)
	[ "$(stat -c %Y r/run.sh)" -eq 1700000000 ]
	[ "$(stat -c %Y r/c.txt)" -eq 1700002000 ]
	[ "$(stat -c %Y r/big.bin)" -eq 1700004000 ]
	# unchanged files share the very same tree entries: nothing re-read
	[ "$(cd v && vault ls -l main run.sh)" = "$(cd v && vault ls -l main~3 run.sh)" ]
}

@test "an LFS pointer whose object is missing is imported as the pointer, with a warning" {
	sha=$(cat lfs.sha)
	rm "src/.git/lfs/objects/${sha:0:2}/${sha:2:2}/$sha"
	cd v
	run vault import-git ../src
	assert_success
	assert_output --partial "is not in"
	assert_output --partial "1 LFS objects missing"
	vault cat main:big.bin > ../ptr
	cmp ../ptr ../src/big.bin
}

@test "an LFS object that does not match its pointer is not trusted" {
	sha=$(cat lfs.sha)
	obj="src/.git/lfs/objects/${sha:0:2}/${sha:2:2}/$sha"
	flip_byte "$obj" 1000
	cd v
	run vault import-git ../src
	assert_success
	assert_output --partial "does not match its pointer"
	vault cat main:big.bin > ../ptr
	cmp ../ptr ../src/big.bin
}

@test "import-git moves the git branch's namesake, or the branch named" {
	cd v
	vault import-git -q ../src feature >/dev/null
	[ "$(vault log -n 1 --oneline feature | cut -d' ' -f4-)" = "feature: rename a to b, grow bin" ]
	vault import-git -q --branch imported ../src main~1 >/dev/null
	[ "$(vault log -n 1 --oneline imported | cut -d' ' -f4-)" = "merge feature" ]
	vault import-git -q ../src "$(git -C ../src rev-parse main~2)" >/dev/null
	[ "$(vault log -n 1 --oneline git-import | cut -d' ' -f4-)" = "main: add c" ]
}

@test "import-git will not replace a branch with unrelated history unless forced" {
	cd v
	printf 'mine\n' > mine.txt
	vault backup -q >/dev/null
	run vault import-git ../src
	assert_failure 128
	assert_output --partial "not part of this git history"
	[ "$(vault log --oneline | wc -l)" -eq 1 ]
	run vault import-git --force ../src
	assert_success
	[ "$(vault log --oneline | wc -l)" -eq 4 ]
	run vault fsck
	assert_success
}

@test "import-git skips submodules and unsafe names with a warning" {
	# a gitlink, and a tree entry named '..' made by hand
	git -C src update-index --add --cacheinfo \
		160000,1111111111111111111111111111111111111111,vendor/lib
	commit_at 1700006000 "add a submodule"
	blob=$(printf 'evil\n' | git -C src hash-object -w --stdin)
	bad=$( (printf '100644 ..\0'; unhex "$blob") |
		git -C src hash-object -t tree -w --literally --stdin)
	top=$( (git -C src cat-file tree HEAD^{tree};
		printf '40000 zz\0'; unhex "$bad") |
		git -C src hash-object -t tree -w --literally --stdin)
	c=$(GIT_AUTHOR_DATE="@1700007000 +0000" GIT_COMMITTER_DATE="@1700007000 +0000" \
		git -C src commit-tree "$top" -p HEAD -m hostile)
	git -C src update-ref refs/heads/main "$c"
	cd v
	run vault import-git ../src
	assert_success
	assert_output --partial "vendor/lib: submodule"
	assert_output --partial "zz/..: unsafe name"
	vault restore -q main --target ../r
	[ -d ../r/zz ]
	[ -z "$(ls -A ../r/zz)" ]
	[ ! -e ../r/vendor/lib ]
	run vault fsck
	assert_success
}

@test "import-git explains what is wrong with its input" {
	cd v
	run vault import-git ../nowhere
	assert_failure 128
	assert_output --partial "nowhere"
	run vault import-git ../src no-such-branch
	assert_failure 128
	assert_output --partial "no-such-branch"
	run vault import-git
	assert_failure 129
	run vault import-git ../src main --branch 'bad..name'
	assert_failure 128
	assert_output --partial "not a valid branch name"
}

@test "import-git --json reports what it did" {
	cd v
	run vault import-git --json ../src
	assert_success
	[ "$(echo "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["commits_new"], d["lfs_files"], d["ref"])')" = "4 1 refs/snapshots/main" ]
}

@test "import-git brings lightweight and annotated tags of imported commits as vault tags" {
	git -C src tag light main~1                        # the merge
	GIT_COMMITTER_DATE="@1700005000 +0100" \
		git -C src tag -a -m $'Gold master\n\nShipped to the client.' v1.0 main
	GIT_COMMITTER_DATE="@1700005000 +0100" \
		git -C src tag -a -m "first" first main~3    # the initial commit
	git -C src tag side feature                         # not first-parent
	git -C src tag blobtag "$(git -C src rev-parse main:c.txt)"   # a blob
	cd v
	run --separate-stderr vault import-git ../src
	assert_success
	[[ "$stderr" == *"tags: 3 new (2 annotated), 2 of commits not imported left out"* ]]
	run vault tag -l
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_line --regexp "^first  $(vault rev-parse main~3 | cut -c1-12)  [0-9-]+ [0-9:]+  first\$"
	assert_line --regexp "^light  $(vault rev-parse main~1 | cut -c1-12)  [0-9-]+ [0-9:]+  merge feature\$"
	assert_line --regexp "^v1.0   $(vault rev-parse main | cut -c1-12)  [0-9-]+ [0-9:]+  Gold master\$"
	# the tags are revisions like any other
	run vault cat v1.0:c.txt
	assert_output "c"
	# again: nothing new; a vault tag moved meanwhile is left alone
	vault tag -f light main
	run --separate-stderr vault import-git ../src
	assert_success
	[[ "$stderr" == *"tag light exists and names"*"left as it is"* ]]
	[[ "$stderr" == *"tags: 0 new (0 annotated), 2 already there, 1 left as they were"* ]]
	[ "$(vault rev-parse light)" = "$(vault rev-parse main)" ]
	run --separate-stderr vault import-git --json ../src
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert (d["tags_new"], d["tags_unchanged"], d["tags_kept"], d["tags_left_out"]) == (0, 2, 1, 2), d' <<<"$output"
}
