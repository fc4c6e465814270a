#!/usr/bin/env bats
# vault backup: round trips through restore, incremental backups that store
# only new data, ignore rules, unreadable files, bare repositories, tags,
# --json, and a history whose every snapshot restores as the folder was.

load helper

local_setup() {
	make_project proj
	cd proj
	vault init -q
}

@test "a first backup restores to a folder identical to the original" {
	run vault backup -m first
	assert_success
	assert_line --regexp '^snapshot [0-9a-f]{12} saved to refs/snapshots/main$'
	run vault restore HEAD --target ../out
	assert_success
	cd ..
	same_tree proj out
	[ ! -e out/.vault ]
}

@test "an empty subfolder is kept and restored" {
	mkdir -p void deep/er/void
	vault backup -q
	vault restore HEAD --target ../out -q
	[ -d ../out/void ] && [ -z "$(ls -A ../out/void)" ]
	[ -d ../out/deep/er/void ]
	cd ..
	same_tree proj out
}

@test "a wholly empty folder backs up and restores as an empty folder" {
	mkdir ../empty
	vault --repo ../r.vault init -q
	run vault --repo ../r.vault backup ../empty --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["files"] == 0, d' <<<"$output"
	run vault --repo ../r.vault restore HEAD --target ../out
	assert_success
	[ -d ../out ] && [ -z "$(ls -A ../out)" ]
}

@test "-q prints exactly one snapshot id, which HEAD then names" {
	run vault backup -q
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	assert_output --regexp '^[0-9a-f]{64}$'
	[ "$(vault-rev-parse HEAD)" = "$output" ]
	[ "$(vault-rev-parse main)" = "$output" ]
	run vault-cat-object -t "$output"
	assert_output snapshot
}

@test "each backup's parent is the previous snapshot" {
	s1=$(vault backup -q)
	echo more >> README.txt
	s2=$(vault backup -q)
	echo again >> README.txt
	s3=$(vault backup -q)
	[ "$(vault-rev-parse HEAD~1)" = "$s2" ]
	[ "$(vault-rev-parse HEAD~2)" = "$s1" ]
	run vault-cat-object -p "$s3"
	assert_line "parent $s2"
	run vault-cat-object -p "$s1"
	refute_line --regexp '^parent '
}

@test "a second backup stores only the changed file and reports the rest unchanged" {
	# the change cache distrusts files changed within a second of a backup
	sleep 1.1
	vault backup -q >/dev/null
	before=$(du -sb ../proj/.vault/packs | cut -f1)
	printf 'hello vault, again\n' > README.txt
	run vault backup --json
	assert_success
	json=$output
	python3 - "$json" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["files"] == 7, d
assert d["files_unchanged"] == 6, d
assert d["bytes_new"] == len("hello vault, again\n"), d
assert d["chunks_new"] == 1, d
PY
	after=$(du -sb .vault/packs | cut -f1)
	echo "packs grew by $((after - before)) bytes"
	# one small chunk plus the file, tree and snapshot objects
	[ $((after - before)) -lt 8192 ]
	run vault restore HEAD --target ../out -q
	cd ..
	same_tree proj out
}

@test "a one-byte change inside a big file stores only the chunks around it" {
	rm -rf .vault
	vault init -q --min 64k --avg 256k --max 1M
	head -c 12000000 /dev/urandom > big.bin
	sleep 1.1
	vault backup -q >/dev/null
	before=$(du -sb .vault/packs | cut -f1)
	printf 'X' | dd of=big.bin bs=1 seek=6000000 conv=notrunc 2>/dev/null
	run vault backup --json
	assert_success
	new=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["bytes_new"]); assert d["files_unchanged"] == d["files"] - 1, d' <<<"$output")
	after=$(du -sb .vault/packs | cut -f1)
	echo "bytes_new=$new, packs grew by $((after - before))"
	# at most the chunk holding the byte and its neighbours (max 1 MiB each)
	[ "$new" -gt 0 ] && [ "$new" -le 3145728 ]
	[ $((after - before)) -le $((new + 65536)) ]
	vault restore HEAD big.bin --target ../out -q
	cmp big.bin ../out/big.bin
}

@test ".vaultignore: a pattern, a negation and a directory rule" {
	printf '*.log\n!keep.log\nbuild/\n' > .vaultignore
	mkdir -p build sub/build logs
	echo a > a.log
	echo k > keep.log
	echo b > sub/b.log
	echo k > sub/keep.log
	echo o > build/out.bin
	echo x > sub/build/x.o
	echo f > logs/build      # a file named build: dir rules do not match it
	vault backup -q
	run vault-ls-tree -r --name-only HEAD
	assert_success
	refute_line a.log
	refute_line sub/b.log
	assert_line keep.log
	assert_line sub/keep.log
	refute_line --partial build/
	assert_line logs/build
	assert_line src/build.sh
	assert_line README.txt
}

@test "built-in rules leave out *.tmp at any depth, .godot/ only beside project.godot" {
	mkdir -p .godot/imported art/.godot
	echo '[application]' > project.godot
	echo cache > .godot/imported/x.ctex
	echo mine > art/.godot/y
	echo t > scratch.tmp
	echo t > art/autosave.tmp
	echo real > godot.txt
	vault backup -q
	run vault-ls-tree -r --name-only HEAD
	refute_line --partial .godot/imported
	refute_output --partial .tmp
	assert_line godot.txt
	# not a Godot project there: an ordinary folder, kept
	assert_line art/.godot/y
	# and a .vaultignore can take a default back
	printf '!*.tmp\n' > .vaultignore
	vault backup -q
	run vault-ls-tree -r --name-only HEAD
	assert_line scratch.tmp
	assert_line art/autosave.tmp
	refute_line --partial .godot/imported
}

# an artist's folders with the names of engine caches, next to a Unity and
# an Unreal project: only the projects' caches are left out
make_studio() {
	mkdir -p art/Saved art/Temp art/Logs art/Binaries art/Library \
		unity/Assets/Plugins/Library unity/ProjectSettings unity/Library/Artifacts \
		unity/Temp unity/Logs \
		unreal/Content/Saved unreal/Saved/Autosaves unreal/Intermediate \
		unreal/Binaries/Win64 unreal/DerivedDataCache
	echo painting > art/Saved/final_painting.kra
	echo ref > art/Temp/reference.png
	echo notes > art/Logs/session.txt
	echo sprite > art/Binaries/sheet.png
	echo brushes > art/Library/brushes.abr
	echo hero > unity/Assets/hero.png
	echo plugin > unity/Assets/Plugins/Library/plugin.cs
	echo settings > unity/ProjectSettings/ProjectSettings.asset
	head -c 100000 /dev/urandom > unity/Library/Artifacts/cache.bin
	echo tmp > unity/Temp/x
	echo log > unity/Logs/Editor.log
	echo '{}' > unreal/Shooter.uproject
	echo map > unreal/Content/Saved/level.umap
	echo auto > unreal/Saved/Autosaves/a.umap
	echo obj > unreal/Intermediate/x.obj
	echo dll > unreal/Binaries/Win64/game.dll
	echo ddc > unreal/DerivedDataCache/x.ddp
}

@test "folders named Saved, Temp, Logs, Binaries, Library outside engine projects are backed up" {
	make_studio
	vault backup -q
	run vault-ls-tree -r --name-only HEAD
	assert_line art/Saved/final_painting.kra
	assert_line art/Temp/reference.png
	assert_line art/Logs/session.txt
	assert_line art/Binaries/sheet.png
	assert_line art/Library/brushes.abr
	assert_line unity/Assets/hero.png
	assert_line unity/Assets/Plugins/Library/plugin.cs
	assert_line unreal/Content/Saved/level.umap
	assert_line unreal/Shooter.uproject
	# the engines' own caches are not
	refute_line --partial unity/Library/
	refute_line --partial unity/Temp/
	refute_line --partial unity/Logs/
	refute_line --partial unreal/Saved/
	refute_line --partial unreal/Intermediate/
	refute_line --partial unreal/Binaries/
	refute_line --partial unreal/DerivedDataCache/
}

@test "backup says how many paths the ignore rules left out, --json which rules" {
	make_studio
	echo x > scratch.tmp
	run vault backup
	assert_success
	assert_line "  8 paths left out by ignore rules; see vault check-ignore"
	run vault backup --json
	assert_success
	python3 - "$output" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
ig = d["ignored"]
assert ig["paths"] == 8, ig
rules = {(r["source"], r["pattern"]): r["paths"] for r in ig["rules"]}
assert rules == {
    ("<built-in>", "*.tmp"): 1,
    ("<built-in: unity>", "/[Ll]ibrary/"): 1,
    ("<built-in: unity>", "/[Tt]emp/"): 1,
    ("<built-in: unity>", "/[Ll]ogs/"): 1,
    ("<built-in: unreal>", "/Saved/"): 1,
    ("<built-in: unreal>", "/Intermediate/"): 1,
    ("<built-in: unreal>", "/Binaries/"): 1,
    ("<built-in: unreal>", "/DerivedDataCache/"): 1,
}, rules
assert all(isinstance(r["line"], int) for r in ig["rules"]), ig
PY
	# nothing left out: no such line
	run vault backup --no-default-ignores
	assert_success
	refute_output --partial "left out by ignore rules"
}

@test "--exclude leaves out what its patterns match" {
	echo psd > art/cover.psd
	echo psd > cover.psd
	run vault backup -q --exclude '*.psd' --exclude /src/
	assert_success
	run vault-ls-tree -r --name-only HEAD
	refute_output --partial .psd
	refute_output --partial src/
	assert_line README.txt
	assert_line art/textures/noise.bin
	# excludes are per backup: the next one has them again
	vault backup -q
	run vault-ls-tree -r --name-only HEAD
	assert_line cover.psd
	assert_line src/build.sh
}

@test "unreadable files and folders give exit 3; the rest is backed up" {
	can_be_unprivileged || skip "running as root and cannot drop CAP_DAC_OVERRIDE"
	mkdir -p secret
	echo s > secret/inside.txt
	echo s > locked.txt
	chmod 000 secret locked.txt
	run unprivileged vault backup
	chmod 755 secret
	chmod 644 locked.txt
	assert_failure 3
	assert_output --partial "locked.txt"
	assert_output --partial "secret"
	run vault-ls-tree -r --name-only HEAD
	assert_success
	refute_line locked.txt
	refute_line secret/inside.txt
	assert_line README.txt
	assert_line art/textures/noise.bin
	# the snapshot was written and moved main: the rest restores
	rm -rf secret locked.txt
	vault restore HEAD --target ../out -q
	cd ..
	same_tree proj out
}

@test "a file deleted between the listing and the read is left out with exit 3" {
	need_test_hooks
	echo gone > doomed.txt
	VAULT_TEST_AFTER_WALK="rm -f doomed.txt" run vault backup -q
	assert_failure 3
	assert_output --partial "doomed.txt"
	assert_output --partial "left out of the snapshot"
	run vault-ls-tree -r --name-only HEAD
	assert_success
	refute_line doomed.txt
	assert_line README.txt
	vault restore HEAD --target ../out -q
	cd ..
	same_tree proj out
}

@test "a file swapped for a FIFO after the listing neither hangs nor is stored" {
	need_test_hooks
	echo plain > swapped
	# no writer ever opens the FIFO: a blocking open would hang forever
	VAULT_TEST_AFTER_WALK="rm -f swapped && mkfifo swapped" \
		run timeout 60 vault backup -q
	assert_failure 3
	assert_output --partial "swapped"
	assert_output --partial "no longer a regular file"
	run vault-ls-tree -r --name-only HEAD
	assert_success
	refute_line swapped
	assert_line art/textures/noise.bin
}

@test "a 40 MB file of random data round-trips" {
	head -c 40000000 /dev/urandom > huge.bin
	run vault backup -q
	assert_success
	run vault restore HEAD --target ../out --verify
	assert_success
	cmp huge.bin ../out/huge.bin
	cd ..
	same_tree proj out
}

@test "a bare repository backs up the folder it is given" {
	cd ..
	run vault --repo bare.vault init
	assert_success
	run vault --repo bare.vault backup proj -q
	assert_success
	snap=$output
	[ "$(VAULT_DIR=bare.vault vault-rev-parse HEAD)" = "$snap" ]
	# without a PATH there is nothing to back up
	run vault --repo bare.vault backup
	assert_failure 128
	assert_output --partial "bare"
	run vault --repo bare.vault restore HEAD --target out
	assert_success
	same_tree proj out
}

@test "--tag is stored in the snapshot as metadata" {
	vault backup -q --tag release-1 --tag gold -m "ship it"
	run vault-cat-object -p HEAD
	assert_success
	assert_line "meta tag release-1"
	assert_line "meta tag gold"
	assert_line "ship it"
	assert_line --regexp "^meta path .*/proj$"
}

@test "--json prints valid JSON with the documented keys" {
	run vault backup --json
	assert_success
	python3 -m json.tool <<<"$output" >/dev/null
	python3 - "$output" "$(pwd)" <<'PY'
import json, re, sys
d = json.loads(sys.argv[1])
keys = {"snapshot", "tree", "parent", "ref", "files", "files_unchanged",
        "dirs", "symlinks", "bytes", "bytes_new", "chunks", "chunks_new",
        "errors", "seconds"}
assert keys <= set(d), keys - set(d)
assert re.fullmatch("[0-9a-f]{64}", d["snapshot"]), d
assert re.fullmatch("[0-9a-f]{64}", d["tree"]), d
assert d["parent"] is None, d
assert d["ref"] == "refs/snapshots/main", d
assert d["files"] == 7 and d["symlinks"] == 2 and d["errors"] == 0, d
assert d["bytes"] == d["bytes_new"] > 1500000, d
PY
	first=$(vault-rev-parse HEAD)
	run vault backup --json
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["parent"] == sys.argv[1], d' "$first" <<<"$output"
}

@test "every snapshot of a five-step history restores as the folder was" {
	ids=()
	step() {
		ids+=("$(vault backup -q -m "step $1")")
		copy_tree . "../was$1"
	}
	step 1
	printf 'changed\n' > README.txt                      # change
	echo new > art/new.txt                               # add
	step 2
	rm src/numbers.txt                                   # delete
	mv art/textures/noise.bin art/noise-moved.bin        # rename
	chmod 755 README.txt                                 # mode
	step 3
	ln -sfn src/build.sh link-to-readme                  # retarget symlink
	rm -rf a                                             # drop a deep folder
	mkdir -p fresh/dir && : > fresh/dir/empty            # new folder
	head -c 300000 /dev/urandom >> art/noise-moved.bin   # grow
	step 4
	truncate -s 1000 art/noise-moved.bin                 # shrink
	rm -rf art src fresh                                 # almost everything
	printf 'last\n' > last.txt
	step 5
	[ "$(vault-rev-parse HEAD)" = "${ids[4]}" ]
	for i in 1 2 3 4 5; do
		vault restore "${ids[i - 1]}" --target "../out$i" -q
		same_tree "../was$i" "../out$i"
		# and by relative name
		vault restore "HEAD~$((5 - i))" --target "../rel$i" -q
		same_tree "../was$i" "../rel$i"
	done
}

# a snapshot, then changes inside art/ and outside it
subfolder_setup() {
	touch -d '1 hour ago' README.txt src/numbers.txt art/textures/noise.bin
	# past the file cache's racy window (ctimes are now): cached for good
	sleep 0.2
	vault backup -q >/dev/null
	echo new > art/new.png
	rm "art/Ärger – entwurf ✓.txt"
	head -c 1000 /dev/urandom >> art/textures/noise.bin
	echo 'outside change' >> src/numbers.txt
	echo 'new outside' > notes.txt
}

@test "backup SUBDIR snapshots the whole project, reading only SUBDIR" {
	subfolder_setup
	old_numbers=$(vault cat HEAD:src/numbers.txt | sha256sum)
	run vault backup art
	assert_success
	assert_line --regexp "^  only art was read; the rest of the project is as in snapshot [0-9a-f]{12}$"
	# only art's changes, the rest as it was
	run vault diff --name-status main~1 main
	assert_output "$(printf 'A\tart/new.png\nM\tart/textures/noise.bin\nD\tart/Ärger – entwurf ✓.txt')"
	[ "$(vault cat HEAD:src/numbers.txt | sha256sum)" = "$old_numbers" ]
	run vault-ls-tree -r --name-only HEAD
	assert_line README.txt
	assert_line a/b/c/d/e/f/g/h/i/j/leaf.txt
	assert_line link-to-readme
	refute_line notes.txt
	# what was not read is still a change to back up
	run vault status --short
	assert_output "A notes.txt
M src/numbers.txt"
	run vault-cat-object -p HEAD
	assert_line "meta only art"
}

@test "backup SUBDIR --stat: a diff after it shows only the subfolder's changes" {
	subfolder_setup
	vault backup -q art/textures >/dev/null
	# (exit 1: there are differences)
	run vault diff --stat main~1 main
	assert_failure 1
	assert_line --partial "art/textures/noise.bin"
	assert_line --regexp "^ 1 file changed"
}

@test "backup with several paths, and from inside a subfolder" {
	subfolder_setup
	run vault backup art notes.txt --json
	assert_success
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["only"] == ["art", "notes.txt"], d' <<<"$output"
	run vault diff --name-status main~1 main
	assert_line "$(printf 'A\tnotes.txt')"
	assert_line "$(printf 'A\tart/new.png')"
	refute_line --partial numbers.txt
	cd src
	run vault backup .
	assert_success
	assert_line "  only src was read; the rest of the project is as in snapshot $(vault-rev-parse main~1 | cut -c1-12)"
	run vault diff --name-status main~1 main
	assert_output "$(printf 'M\tsrc/numbers.txt')"
}

@test "after a subfolder backup, forget and gc keep the rest of the project" {
	copy_tree . ../before
	vault backup -q >/dev/null
	echo new > art/new.png
	vault backup -q art >/dev/null
	run vault forget --keep-last 1 --prune
	assert_success
	run vault fsck --full
	assert_success
	vault restore HEAD --target ../restored -q
	cp art/new.png ../before/art/new.png
	diff -r --no-dereference ../before ../restored
}

@test "the file cache survives a subfolder backup" {
	subfolder_setup
	vault backup -q art >/dev/null
	# the next full backup still knows every file outside art/ it had not
	# read: only the changed ones are read
	run vault backup --json
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["files"] - d["files_unchanged"] <= 4, d' <<<"$output"
	run vault diff --name-status main~1 main
	assert_output "$(printf 'A\tnotes.txt\nM\tsrc/numbers.txt')"
}

@test "backup SUBDIR applies the project's .vaultignore rules" {
	printf '/art/*.psd\n' > .vaultignore
	vault backup -q >/dev/null
	echo psd > art/cover.psd
	echo png > art/cover.png
	run vault backup art
	assert_success
	assert_line "  1 path left out by ignore rules; see vault check-ignore"
	run vault-ls-tree -r --name-only HEAD
	assert_line art/cover.png
	refute_line art/cover.psd
}

@test "backup of a folder outside the project is refused with what to do instead" {
	vault backup -q >/dev/null
	head=$(vault-rev-parse HEAD)
	mkdir ../elsewhere
	echo x > ../elsewhere/x.txt
	run vault backup ../elsewhere
	assert_failure 128
	assert_output --partial "is outside the project folder"
	assert_output --partial "vault backup --branch NAME ../elsewhere"
	[ "$(vault-rev-parse HEAD)" = "$head" ]
	# on a branch of its own it is the whole snapshot there
	run vault backup --branch elsewhere ../elsewhere -q
	assert_success
	run vault-ls-tree -r --name-only refs/snapshots/elsewhere
	assert_output x.txt
	[ "$(vault-rev-parse HEAD)" = "$head" ]
}

@test "backup of a path that does not exist is refused" {
	vault backup -q >/dev/null
	run vault backup art/nope
	assert_failure 128
	assert_output --partial "art/nope"
}

@test "backup of a path the ignore rules leave out says so" {
	vault backup -q >/dev/null
	mkdir -p game/Assets game/ProjectSettings game/Library
	echo cache > game/Library/db
	run vault backup game/Library
	assert_success
	assert_output --partial "warning: game/Library is left out by the ignore rule <built-in: unity>:1:/[Ll]ibrary/, so it is not in the snapshot"
	run vault-ls-tree -r --name-only HEAD
	refute_output --partial game/Library
}

@test "backup SUBDIR: a folder deleted inside it is gone, nested and repeated paths are fine" {
	touch -d '1 hour ago' README.txt
	vault backup -q >/dev/null
	rm -r art/textures
	echo v2 > README.txt
	run vault backup art art/ "art/Ärger – entwurf ✓.txt"
	assert_success
	run vault diff --name-status main~1 main
	assert_output "$(printf 'D\tart/textures/noise.bin')"
	run vault-ls-tree -r --name-only HEAD
	assert_line "art/Ärger – entwurf ✓.txt"
	refute_line --partial art/textures
}
