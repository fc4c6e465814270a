#!/usr/bin/env bats
# vault export-git: snapshots into a git repository, checked with git.

load helper
VAULT_TEST_NEEDS=git

git() { command git -c user.name=Tester -c user.email=t@example.org \
	-c init.defaultBranch=main -c advice.detachedHead=false "$@"; }

# A three-snapshot history with the awkward cases; prints nothing, leaves
# proj/ with its .vault and the snapshot ids in snaps.txt (oldest first).
make_history() {
	make_project proj
	head -c 3000000 /dev/urandom > "proj/art/textures/big texture.bin"
	cd proj
	vault init -q
	VAULT_AUTHOR_DATE=1700000000 vault backup -q -m "first version" > ../snaps.txt
	printf 'changed\n' >> README.txt
	rm src/numbers.txt
	VAULT_AUTHOR_NAME="Zoë Artist" VAULT_AUTHOR_DATE=1700003600 \
		vault backup -q -m "second: edit the readme" >> ../snaps.txt
	head -c 100 /dev/urandom >> "art/textures/big texture.bin"
	mkdir -p new/dir && printf 'n\n' > new/dir/file.txt
	VAULT_AUTHOR_DATE=1700007200 vault backup -q -m "third

with a body" >> ../snaps.txt
	cd ..
}

# same_content A B: same files, symlinks, executable bits and bytes
# (what git can hold: no empty directories, no other mode bits).
same_content() {
	local a b
	a=$(cd "$1" && find . -mindepth 1 \( -path ./.vault -o -path ./.git \) -prune -o \
		\( -type f -printf '%p\tf\t%s\t%m\n' -o -type l -printf '%p\tl\t%l\n' \) | \
		awk -F'\t' -v OFS='\t' '$2 == "f" { $4 = (substr($4, 1, 1) + 0) % 2 ? "x" : "-" } 1' | sort)
	b=$(cd "$2" && find . -mindepth 1 \( -path ./.vault -o -path ./.git \) -prune -o \
		\( -type f -printf '%p\tf\t%s\t%m\n' -o -type l -printf '%p\tl\t%l\n' \) | \
		awk -F'\t' -v OFS='\t' '$2 == "f" { $4 = (substr($4, 1, 1) + 0) % 2 ? "x" : "-" } 1' | sort)
	if [ "$a" != "$b" ]; then
		diff <(echo "$a") <(echo "$b")
		return 1
	fi
	diff -r --no-dereference --exclude=.git --exclude=.vault "$1" "$2"
}

# checkout GITREPO COMMIT DIR: a fresh clone of GITREPO at COMMIT in DIR.
checkout() {
	rm -rf "$3"
	git clone -q --no-checkout "$1" "$3"
	GIT_LFS_SKIP_SMUDGE=1 git -C "$3" checkout -q "$2"
}

@test "export-git writes one commit per snapshot, with author, date and message" {
	make_history
	cd proj
	run vault export-git --to ../g
	assert_success
	cd ..
	run git -C g log --reverse --format='%an|%ae|%at|%s'
	assert_success
	assert_line -n 0 "Test Artist|artist@example.org|1700000000|first version"
	assert_line -n 1 "Zoë Artist|artist@example.org|1700003600|second: edit the readme"
	assert_line -n 2 "Test Artist|artist@example.org|1700007200|third"
	[ "${#lines[@]}" -eq 3 ]
	run git -C g log -1 --format=%B
	assert_output "third

with a body"
	run git -C g rev-list --parents -1 HEAD~1
	[ "${#lines[@]}" -eq 1 ]
	[ "$(echo "$output" | wc -w)" -eq 2 ]
}

@test "export-git passes git fsck --strict" {
	make_history
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g)
	run git -C g fsck --strict --no-dangling
	assert_success
	refute_output --partial error
	refute_output --partial warning
}

@test "git checkout of every exported commit equals vault restore of its snapshot" {
	make_history
	(cd proj && vault export-git -q --to ../g > ../pairs.txt)
	# every snapshot, not only the tip: map each through --stdin
	(cd proj && vault export-git -q --stdin --to ../g < ../snaps.txt > ../pairs.txt)
	[ "$(wc -l < pairs.txt)" -eq 3 ]
	while read -r snap commit; do
		(cd proj && vault restore -q "$snap" --target "../r-$snap")
		checkout g "$commit" "co-$snap"
		same_content "r-$snap" "co-$snap"
	done < pairs.txt
}

@test "files over the LFS threshold become valid LFS pointers with their objects in place" {
	make_history
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g)
	checkout g main co
	ptr="co/art/textures/big texture.bin"
	run head -1 "$ptr"
	assert_output "version https://git-lfs.github.com/spec/v1"
	sha=$(sha256sum "proj/art/textures/big texture.bin" | cut -d' ' -f1)
	size=$(stat -c %s "proj/art/textures/big texture.bin")
	run cat "$ptr"
	assert_output "version https://git-lfs.github.com/spec/v1
oid sha256:$sha
size $size"
	obj="g/.git/lfs/objects/${sha:0:2}/${sha:2:2}/$sha"
	[ -f "$obj" ]
	cmp "$obj" "proj/art/textures/big texture.bin"
	# the small files are real blobs, and git knows the pointer's filter
	cmp co/README.txt proj/README.txt
	run git -C co check-attr filter -- "art/textures/big texture.bin"
	assert_output "art/textures/big texture.bin: filter: lfs"
	run git -C co check-attr filter -- README.txt
	assert_output "README.txt: filter: unspecified"
	# restore equals checkout once each pointer is replaced by its object
	(cd proj && vault restore -q main --target ../r)
	n=0
	while IFS= read -r -d '' f; do
		if head -1 "$f" | grep -q '^version https://git-lfs'; then
			oid=$(sed -n 's/^oid sha256://p' "$f")
			cp "g/.git/lfs/objects/${oid:0:2}/${oid:2:2}/$oid" "$f"
			n=$((n + 1))
		fi
	done < <(find co -path co/.git -prune -o -type f -print0)
	[ "$n" -eq 2 ]   # the big texture and the 1.5 MB noise.bin
	rm co/art/textures/.gitattributes
	same_content r co
}

@test "git-lfs smudges exported pointers back into the real files" {
	command -v git-lfs >/dev/null || skip "git-lfs is not installed"
	make_history
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g)
	git -C g lfs install --local >/dev/null
	rm "g/art/textures/big texture.bin"
	git -C g checkout -- "art/textures/big texture.bin"
	cmp "g/art/textures/big texture.bin" "proj/art/textures/big texture.bin"
}

@test "a second export after one more backup adds exactly one commit and keeps the old ids" {
	make_history
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g)
	before=$(git -C g rev-list main)
	(cd proj && printf 'four\n' > four.txt && vault backup -q -m fourth)
	(cd proj && vault export-git --lfs-threshold 1M --to ../g 2> ../err)
	grep -q ' 1 new commits' err
	after=$(git -C g rev-list main)
	[ "$(echo "$after" | wc -l)" -eq 4 ]
	[ "$(echo "$after" | tail -n 3)" = "$before" ]
	[ "$(git -C g log -1 --format=%s)" = fourth ]
	# the non-bare repository's working tree followed the branch
	[ -z "$(git -C g status --porcelain)" ]
	[ -f g/four.txt ]
}

@test "export-git gives the same commit ids in a fresh repository" {
	make_history
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g1)
	(cd proj && vault export-git -q --lfs-threshold 1M --bare --to ../g2)
	[ "$(git -C g1 rev-parse main)" = "$(git -C g2 rev-parse main)" ]
	[ "$(git -C g2 rev-parse --is-bare-repository)" = true ]
	sha=$(sha256sum "proj/art/textures/big texture.bin" | cut -d' ' -f1)
	[ -f "g2/lfs/objects/${sha:0:2}/${sha:2:2}/$sha" ]
}

@test "export-git --stdin prints SNAPSHOT COMMIT pairs and moves no ref without --branch" {
	make_history
	cd proj
	run vault-export-git -q --stdin --to ../g < ../snaps.txt
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	[ "$(echo "${lines[0]}" | cut -d' ' -f1)" = "$(sed -n 1p ../snaps.txt)" ]
	[[ "${lines[2]}" =~ ^[0-9a-f]{64}\ [0-9a-f]{40}$ ]]
	last=$(echo "${lines[2]}" | cut -d' ' -f2)
	run git -C ../g for-each-ref
	assert_output ""
	run git -C ../g cat-file -t "$last"
	assert_output commit
}

@test "export-git exports tags and every branch with --all" {
	make_history
	cd proj
	vault tag v1 "$(sed -n 2p ../snaps.txt)"
	vault backup -q --branch side -m "side line" >/dev/null
	run vault export-git --all --to ../g
	assert_success
	[ "$(git -C ../g log -1 --format=%s v1)" = "second: edit the readme" ]
	[ "$(git -C ../g log -1 --format=%s side)" = "side line" ]
	[ "$(git -C ../g log -1 --format=%s main)" = "third" ]
}

@test "export-git refuses to rewind a git branch that moved on, unless --force" {
	make_history
	(cd proj && vault export-git -q --to ../g)
	git -C g commit -q --allow-empty -m "made in git"
	(cd proj && printf 'x\n' > x.txt && vault backup -q -m next)
	cd proj
	run vault export-git --to ../g
	assert_failure 1
	assert_output --partial "has commits that this export does not contain"
	[ "$(git -C ../g log -1 --format=%s main)" = "made in git" ]
	run vault export-git --force --to ../g
	assert_success
	[ "$(git -C ../g log -1 --format=%s main)" = "next" ]
}

@test "export-git leaves out what git cannot hold, and says so" {
	mkdir -p proj/.GIT proj/empty/dir proj/keep
	printf 'x\n' > proj/.GIT/config
	printf 'k\n' > proj/keep/k
	cd proj
	vault init -q
	vault backup -q -m one >/dev/null
	run vault export-git --to ../g
	assert_success
	assert_output --partial ".GIT: left out"
	assert_output --partial "empty directories left out"
	run git -C ../g fsck --strict --no-dangling
	assert_success
	run git -C ../g ls-tree -r --name-only main
	assert_output "keep/k"
}

@test "export-git needs a branch name for a bare snapshot id, and checks its input" {
	make_history
	cd proj
	run vault export-git "$(sed -n 1p ../snaps.txt)" --to ../g
	assert_failure 128
	assert_output --partial "--branch"
	run vault export-git "$(sed -n 1p ../snaps.txt)" --branch old --to ../g
	assert_success
	[ "$(git -C ../g log -1 --format=%s old)" = "first version" ]
	run vault export-git --to
	assert_failure 129
	run vault export-git nosuchrev --to ../g
	assert_failure 128
	run vault export-git main --branch 'bad..name' --to ../g
	assert_failure 1
	assert_output --partial "not a valid git ref name"
}

@test "a second export-git into the same repository at once is refused" {
	make_history
	mkdir -p g
	git init -q g
	mkdir -p g/.git/vault
	echo "pid 1" > g/.git/vault/export.lock
	cd proj
	run vault export-git --to ../g
	assert_failure 128
	assert_output --partial "another export"
	rm ../g/.git/vault/export.lock
	run vault export-git --to ../g
	assert_success
}

@test "a lost export map only costs time: the ids stay the same" {
	make_history
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g)
	id=$(git -C g rev-parse main)
	rm g/.git/vault/export-map
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g)
	[ "$(git -C g rev-parse main)" = "$id" ]
	echo garbage > g/.git/vault/export-map
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g)
	[ "$(git -C g rev-parse main)" = "$id" ]
}

@test "export-git --json reports what it did" {
	make_history
	cd proj
	run vault export-git --json --lfs-threshold 1M --to ../g
	assert_success
	[ "$(echo "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["commits_new"], d["lfs_files"] > 0, d["exported"][0]["ref"])')" = "3 True main" ]
}

@test "a large export converts blobs on several threads and stays exact" {
	mkdir -p proj/many
	for i in $(seq 1 12); do head -c 1000000 /dev/urandom > "proj/many/f$i.bin"; done
	seq 1 300000 > proj/many/text.txt
	cd proj
	vault init -q
	vault backup -q -m big >/dev/null
	run vault export-git --json --to ../g
	assert_success
	[ "$(echo "$output" | python3 -c 'import json,sys; print(json.load(sys.stdin)["blobs_new"])')" -eq 13 ]
	cd ..
	run git -C g fsck --strict --no-dangling
	assert_success
	vault --repo proj/.vault restore -q main --target r
	checkout g main co
	same_content r co
}

@test "export-git shows progress on a terminal only, and not with -q" {
	command -v script >/dev/null || skip "script(1) is not installed"
	make_history
	cd proj
	run script -qec "vault export-git --to ../g1" /dev/null
	assert_success
	assert_output --partial "exporting: "
	run script -qec "vault export-git -q --to ../g2" /dev/null
	assert_success
	refute_output --partial "exporting: "
	# not a terminal: no progress either
	run vault export-git --to ../g3
	refute_output --partial "exporting: "
}

@test "export-git --stdin --branch moves the branch to the last snapshot read" {
	make_history
	cd proj
	head -n 2 ../snaps.txt | vault-export-git -q --stdin --branch review --to ../g > ../pairs
	[ "$(wc -l < ../pairs)" -eq 2 ]
	[ "$(git -C ../g rev-parse review)" = "$(sed -n 2p ../pairs | cut -d' ' -f2)" ]
	[ "$(git -C ../g log -1 --format=%s review)" = "second: edit the readme" ]
	# a line that is not a snapshot is an error, the others still go
	printf 'nonsense\n%s\n' "$(sed -n 3p ../snaps.txt)" |
		vault-export-git -q --stdin --to ../g > ../pairs2 2> ../err || rc=$?
	[ "${rc:-0}" -eq 1 ]
	grep -q "nonsense: not a snapshot" ../err
	[ "$(wc -l < ../pairs2)" -eq 1 ]
}

@test "a later export without --lfs-threshold keeps the previous export's setting" {
	make_history
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g)
	(cd proj && head -c 2000000 /dev/urandom > big2.bin && vault backup -q -m big2 >/dev/null)
	(cd proj && vault export-git -q --to ../g)
	run git -C g show main:big2.bin
	assert_output --partial "version https://git-lfs.github.com/spec/v1"
	# and the ids equal those of an export that gave the option every time
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g2)
	[ "$(git -C g rev-parse main)" = "$(git -C g2 rev-parse main)" ]
}

@test "a different --lfs-threshold on an existing export is refused, and converts again with --force" {
	make_history
	(cd proj && vault export-git -q --to ../g)
	old=$(git -C g rev-parse main)
	run git -C g show "main:art/textures/big texture.bin"
	refute_output --partial "git-lfs"
	before=$(cd g && git rev-parse --all; cat .git/vault/export-map | md5sum)
	cd proj
	run vault export-git --lfs-threshold 1M --to ../g
	assert_failure 128
	assert_output --partial "exported with no --lfs-threshold"
	assert_output --partial "--lfs-threshold 1048576 would change every one of their commits"
	assert_output --partial "--force"
	cd ..
	# nothing changed, not even the map
	[ "$(cd g && git rev-parse --all; cat .git/vault/export-map | md5sum)" = "$before" ]
	cd proj
	run vault export-git --lfs-threshold 1M --force --json --to ../g
	assert_success
	assert_output --partial "converting again: --lfs-threshold 1048576 instead of no --lfs-threshold"
	cd ..
	new=$(git -C g rev-parse main)
	[ "$new" != "$old" ]
	run git -C g show "main:art/textures/big texture.bin"
	assert_output --partial "version https://git-lfs.github.com/spec/v1"
	# the same commits a first export with the option makes
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g2)
	[ "$new" = "$(git -C g2 rev-parse main)" ]
	# and the new setting is kept afterwards: the same option is no change
	(cd proj && vault export-git -q --lfs-threshold 1M --to ../g)
	[ "$(git -C g rev-parse main)" = "$new" ]
}

@test "Ctrl-C during export-git releases its lock in the git repository" {
	need_test_hooks
	make_history
	git init -q g
	cd proj
	python3 -c 'import os, signal, sys
for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' env VAULT_TEST_PAUSE_IN_TEMP=export-map.tmp- \
		vault export-git --to ../g > ../out 2> ../err &
	pid=$!
	for i in $(seq 1 600); do
		[ -n "$(find ../g/.git/vault -name 'export-map.tmp-*' 2>/dev/null)" ] && break
		sleep 0.1
	done
	[ -e ../g/.git/vault/export.lock ]
	kill -INT "$pid"
	rc=0; wait "$pid" || rc=$?
	[ "$rc" -eq 130 ]
	grep -q 'interrupted$' ../err
	[ ! -e ../g/.git/vault/export.lock ]
	[ -z "$(find ../g/.git/vault -name '*.tmp-*')" ]
	run vault export-git --to ../g
	assert_success
}
