#!/usr/bin/env bash
# The README's first command: install what vault needs (Debian packages),
# build it, and run the main job on a generated sample project, checking
# every step. Everything happens under sample/ (deleted and made anew).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
./scripts/install-deps.sh
./scripts/build.sh
export PATH="$top/_build/bin:$PATH"

rm -rf sample && mkdir -p sample
cd sample
step() { printf '\n== %s\n' "$*"; }

step "a sample project: textures, audio, a model, a build, scripts"
./../scripts/make-sample-project.sh project >/dev/null
du -sh project | sed 's/^/   /'

step "vault init (inside the project: project/.vault)"
cd project
vault init

step "first snapshot: store the folder as a tree, commit it, move main"
tree1=$(vault write-tree -v .)
snap1=$(vault commit-tree "$tree1" -m "first version")
vault update-ref -m "snapshot: first version" refs/snapshots/main "$snap1"
echo "   snapshot $snap1"

step "change 1% of the project and snapshot again (only new chunks stored)"
printf 'edited\n' >> scripts/build.sh
dd if=/dev/urandom of=textures/tex_003.raw bs=4096 count=8 seek=20 conv=notrunc 2>/dev/null
rm -f audio/take_02.wav
tree2=$(vault write-tree -v .)
snap2=$(vault commit-tree "$tree2" -p "$snap1" -m "second version")
vault update-ref -m "snapshot: second version" refs/snapshots/main "$snap2" "$snap1"
echo "   snapshot $snap2"
du -sh .vault | sed 's/^/   repository: /'

step "what changed: entries whose ids differ between the two snapshots"
diff <(vault ls-tree -r main~1) <(vault ls-tree -r main) | sed -n 's/^[<>] [0-9]* [a-z]* [0-9a-f]*\t/   &/p' | sed 's/ [0-9a-f]\{64\}\t/ /' || true

step "restore both snapshots elsewhere and compare with the originals"
vault checkout-tree -q main ../restored-2
vault checkout-tree -q main~1 ../restored-1
diff -r --exclude=.vault . ../restored-2 && echo "   main equals the project folder"
vault ls-tree -r main~1 scripts/build.sh | grep -q . && echo "   main~1 has the old build.sh"
[ -f ../restored-1/audio/take_02.wav ] && echo "   main~1 still has the deleted take_02.wav"

step "verify every pack"
vault verify-pack --all | sed 's/^/   /'
echo
echo "done: see sample/project and sample/restored-*"
