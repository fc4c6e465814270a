#!/usr/bin/env bats
# Hostile input (issue 19, items 8-13): names git would run code through,
# trees too deep to recurse, configs and objects that lie, dates that
# overflow, and repository files other users could read.

load helper

# --- item 10: config values ---------------------------------------------

@test "an empty config value is an error, not a crash" {
	vault init -q
	sed -i 's/formatVersion = 1/formatVersion =/' .vault/config
	run vault log
	assert_failure 128
	assert_output --partial "core.formatversion: '' is not an integer"
}

# --- item 12: dates and missing objects ---------------------------------

@test "rev-parse: a relative date too far back is a clear error" {
	vault init -q
	echo one > f
	vault backup -q
	run vault rev-parse 'main@{2222222222222222222222221.week.ago}'
	assert_failure 128
	assert_output --partial "is out of range"
	run vault rev-parse 'main@{99999999999999999999.seconds.ago}'
	assert_failure 128
	assert_output --partial "is out of range"
	run vault rev-parse 'main@{@99999999999999999999999}'
	assert_failure 128
	assert_output --partial "is out of range"
	run vault rev-parse 'main@{0.seconds.ago}'
	assert_success
	assert_output "$(vault rev-parse main)"
}

@test "restore: a snapshot whose tree is missing names the object" {
	vault init -q
	echo one > f
	vault backup -q
	missing=$(printf '1%.0s' $(seq 64))
	vault cat-object -p main | sed "s/^tree .*/tree $missing/" > snap.txt
	snap=$(vault-hash-object -t snapshot -w snap.txt)
	run vault restore "$snap" --target out
	assert_failure 128
	assert_output --partial "object $missing not found"
	refute_output --partial "forgotten/"
	refute_output --partial "No such file"
}

# --- item 9: trees nested deeper than the format allows -----------------

# deep_snapshot N: a snapshot on main whose tree nests N directories
deep_snapshot() {
	local helper tree snap
	helper=$(dirname "$(command -v vault-init)")/../t/helpers/mkdeeptree
	[ -x "$helper" ] || skip "t/helpers/mkdeeptree is not built (make check)"
	tree=$("$helper" "$1")
	snap=$(vault-commit-tree "$tree" -m deep)
	vault-update-ref refs/snapshots/main "$snap"
	DEEP_TREE=$tree
}

@test "a 100,000-level tree: every reader stops with a clear error" {
	vault init -q
	deep_snapshot 100000
	limit="nested deeper than the format's limit of 4096 levels"
	for cmd in "vault fsck" "vault fsck --full"; do
		run $cmd
		assert_failure 1
		assert_output --partial "$limit"
	done
	local cmds=("vault stats" "vault ls -r main" "vault-ls-tree -r $DEEP_TREE"
		    "vault diff main" "vault restore main --target out"
		    "vault-checkout-tree main out2")
	if has_feature git; then cmds+=("vault export-git main --to git-out"); fi
	for cmd in "${cmds[@]}"; do
		run $cmd
		assert_failure 128
		assert_output --partial "$limit"
	done
}

@test "a tree exactly at the depth limit is read whole" {
	vault init -q
	deep_snapshot 4096
	run vault fsck
	assert_success
	run vault-ls-tree -r --name-only "$DEEP_TREE"
	assert_success
	[[ "$output" == */d/leaf ]]
	run vault stats
	assert_success
	# against the (empty) work tree: the deepest path shows as deleted
	run vault diff main
	assert_failure 1
	assert_output --partial "D  d/d/d/d/d/d"
}

@test "write-tree refuses a folder nested deeper than the limit" {
	vault init -q
	python3 -c '
import os
fd = os.open(".", os.O_RDONLY)
for _ in range(4100):
    os.mkdir("d", dir_fd=fd)
    nfd = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
'
	run vault-write-tree .
	assert_failure 128
	assert_output --partial "nested deeper than the format's limit of 4096 levels"
}

@test "backup refuses a folder nested deeper than the limit, instead of crashing" {
	vault init -q
	python3 -c '
import os
fd = os.open(".", os.O_RDONLY)
for _ in range(4100):
    os.mkdir("d", dir_fd=fd)
    nfd = os.open("d", os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
os.symlink("../d", "link", dir_fd=fd)
'
	run vault backup -q
	assert_failure 128
	assert_output --partial "nested deeper than the format's limit of 4096 levels"
	run vault rev-parse main
	assert_failure
}

@test "import-git refuses a git tree nested deeper than the limit, storing nothing" {
	need_feature git
	git init -q deep
	python3 - <<'PY'
import subprocess
path = "/".join(["d"] * 4100) + "/leaf"
s = ("commit refs/heads/main\ncommitter E <e@x> 1700000000 +0000\n"
     "data 4\ndeep\nM 100644 inline %s\ndata 3\nhi\n\n" % path).encode()
subprocess.run(["git", "-C", "deep", "fast-import", "--quiet"], input=s,
               check=True)
PY
	git -C deep symbolic-ref HEAD refs/heads/main
	mkdir v && cd v && vault init -q
	run vault import-git ../deep
	assert_failure 128
	assert_output --partial "nested deeper than the format's limit of 4096 levels"
	run vault rev-parse main
	assert_failure
}

# --- item 8: names git takes for .git ------------------------------------

# hostile_git_repo DIR: a git repository whose one commit holds, besides
# README, trees named .git, .GIT, git~1, ".gi<ZWNJ>t" and ".git." each with
# hooks/post-checkout (git itself refuses to add them: the trees are
# written with hash-object and mktree)
hostile_git_repo() {
	local hook hooks inner name root commit
	git init -q "$1"
	cd "$1"
	hook=$(printf '#!/bin/sh\ntouch "$HOME/PWNED"\n' | git hash-object -w --stdin)
	hooks=$(printf '100755 blob %s\tpost-checkout\n' "$hook" | git mktree)
	inner=$(printf '040000 tree %s\thooks\n' "$hooks" | git mktree)
	readme=$(echo hello | git hash-object -w --stdin)
	root=$( {
		printf '100644 blob %s\tREADME\n' "$readme"
		for name in .git .GIT git~1 $'.gi\u200ct' .git.; do
			printf '040000 tree %s\t%s\n' "$inner" "$name"
		done
	} | git mktree --missing)
	commit=$(GIT_AUTHOR_DATE=1700000000 GIT_COMMITTER_DATE=1700000000 \
		 git -c user.name=E -c user.email=e@x commit-tree "$root" -m evil)
	git update-ref refs/heads/main "$commit"
	git symbolic-ref HEAD refs/heads/main
	cd - >/dev/null
}

@test "import-git leaves out .git and every name git takes for it, saying so" {
	need_feature git
	hostile_git_repo evil
	mkdir v && cd v && vault init -q
	run vault import-git ../evil
	assert_success
	for name in .git .GIT git~1 $'.gi\u200ct' .git.; do
		assert_output --partial "$name: refusing a git directory name"
	done
	run vault ls -r main
	assert_success
	assert_output --partial README
	refute_output --partial hooks
}

@test "restore into a git working tree refuses a .git entry without --force" {
	git init -q project
	mkdir -p src/.git/hooks
	printf '#!/bin/sh\ntouch PWNED\n' > src/.git/hooks/post-checkout
	echo art > src/art.txt
	vault init -q
	tree=$(vault-write-tree src)
	snap=$(vault-commit-tree "$tree" -m planted)
	run vault restore "$snap" --target project
	assert_failure 128
	assert_output --partial ".git: refusing to write into an existing '.git'"
	[ ! -e project/.git/hooks/post-checkout ]
	[ -f project/art.txt ]
	run vault-checkout-tree "$snap" project2
	assert_success
	[ -f project2/.git/hooks/post-checkout ]  # a fresh target: a project's own .git
	git init -q project3
	run vault-checkout-tree "$snap" project3
	assert_failure 128
	assert_output --partial "refusing to write into an existing '.git'"
	[ ! -e project3/.git/hooks/post-checkout ]
}

@test "restore and checkout-tree refuse every name git takes for .git" {
	for name in .GIT git~1 $'.gi\u200ct' .git. '.git ' '.git::$INDEX_ALLOCATION'; do
		mkdir -p "src/$name/hooks"
		printf '#!/bin/sh\ntouch PWNED\n' > "src/$name/hooks/post-checkout"
	done
	echo art > src/art.txt
	vault init -q
	tree=$(vault-write-tree src)
	snap=$(vault-commit-tree "$tree" -m planted)
	for cmd in "vault restore $snap --target out" "vault restore $snap --force --target out2" \
		   "vault-checkout-tree $snap out3"; do
		run $cmd
		assert_failure 128
		for name in .GIT git~1 $'.gi\u200ct' .git. '.git ' '.git::$INDEX_ALLOCATION'; do
			assert_output --partial "$name: refusing to write a name git takes for '.git'"
		done
	done
	[ -z "$(find out out2 out3 -name post-checkout)" ]
	[ -f out/art.txt ]
}

@test "export-git leaves out what git fsck --strict rejects, naming the path" {
	need_feature git
	mkdir -p src/a/$'.gi\u200ct' src/b/.GIT
	echo x > src/a/$'.gi\u200ct'/config
	echo y > src/b/.GIT/config
	ln -s /etc/passwd src/.gitmodules
	echo art > src/art.txt
	vault init -q
	tree=$(vault-write-tree src)
	snap=$(vault-commit-tree "$tree" -m odd)
	vault-update-ref refs/snapshots/main "$snap"
	run vault export-git main --to g
	assert_success
	assert_output --partial "a/"$'.gi\u200ct'": left out"
	assert_output --partial "b/.GIT: left out"
	assert_output --partial ".gitmodules: left out, git must not hold it (a .gitmodules symlink)"
	run git -C g fsck --strict
	assert_success
	run git -C g ls-tree -r --name-only main
	assert_output "art.txt"
}

# --- item 13: who may read the repository --------------------------------

# modes DIR: "MODE PATH" for everything in a repository but its local cache
modes() {
	(cd "$1" && find . -path ./cache -prune -o -printf '%m %y %p\n' | sort -k3)
}

@test "a new repository is private to its owner, whatever the umask" {
	umask 022
	echo secret > plan.txt
	vault init -q
	vault backup -q
	run modes .vault
	assert_success
	# no file or folder anyone but the owner can read
	refute_output --regexp '^[0-7]*[1-7][0-7] |^[0-7]*[1-7] '
	assert_output --partial "700 d ."
	assert_output --partial "400 f ./config"
	assert_output --regexp "400 f ./packs/[0-9a-f]{64}\.pack"
	assert_output --regexp "700 d ./packs"
	# and the folder's group cannot list it
	[ "$(stat -c %a .vault)" = 700 ]
}

@test "init --shared=group: the group reads everything, others nothing" {
	umask 077
	echo art > plan.txt
	vault init -q --shared=group
	vault backup -q
	run grep -i 'sharedRepository = group' .vault/config
	assert_success
	run modes .vault
	assert_success
	assert_output --partial "2750 d ."
	assert_output --partial "440 f ./config"
	assert_output --regexp "440 f ./packs/[0-9a-f]{64}\.pack"
	assert_output --regexp "2750 d ./refs/snapshots"
	refute_output --regexp '^[0-7]*[1-7] '
	run vault-init --shared=everyone --repo other
	assert_failure 129
}
