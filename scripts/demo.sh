#!/usr/bin/env bash
# The README's first command: install what vault needs (Debian packages),
# build it, and run the main job on a generated sample project: a first
# backup, a change, an incremental backup, the difference, the history, a
# restore compared with the source, and a full check. Everything happens
# under sample/ (deleted and made anew).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
./scripts/install-deps.sh
./scripts/build.sh
export PATH="$top/_build/bin:$PATH"

rm -rf sample && mkdir -p sample
cd sample
step() { printf '\n== %s\n' "$*"; }

step "a sample project: textures, audio, models, a build, scripts"
../scripts/make-sample-project.sh project >/dev/null
du -sh project | sed 's/^/   /'
cp -a project project-v1          # the state of the first backup, to compare

step "vault init (inside the project: project/.vault)"
cd project
vault init

step "vault backup: the first snapshot"
vault backup -m "first version"

step "change a few files, then an incremental backup (only new chunks are stored)"
printf 'echo tested\n' >> scripts/build.sh
dd if=/dev/urandom of=textures/tex_003.raw bs=4096 count=8 seek=20 conv=notrunc 2>/dev/null
mv audio/take_02.wav audio/take_02-final.wav
rm -f audio/take_03.wav
cp models/model_1.obj models/model_1-copy.obj
vault backup -m "second version"
du -sh .vault | sed 's/^/   repository: /'

step "vault diff main~1 main: what changed"
vault diff --stat main~1 main || true

step "vault log"
vault log --oneline

step "vault restore: both snapshots, compared with the folders they came from"
vault restore main --target ../restored-2 --verify
diff -r --exclude=.vault . ../restored-2 && echo "   main equals the project folder"
vault restore main~1 --target ../restored-1 -q
diff -r ../project-v1 ../restored-1 && echo "   main~1 equals the folder as it was at the first backup"

step "vault fsck: every pack, index, ref and reachable object checked"
vault fsck
echo
echo "done: see sample/project, sample/restored-1 and sample/restored-2"
