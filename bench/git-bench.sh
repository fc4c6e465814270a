#!/bin/bash
#
# git-bench.sh - export-git and import-git on the benchmark corpus, side by
# side with git itself storing the same folder.
#
# Rows (each: wall seconds, MB/s of corpus bytes, peak RSS):
#   git add+commit        `git add -A && git commit` of the corpus into a new
#                         repository (git's own zlib loose objects): the peer
#   export-git            `vault export-git` of a snapshot of the corpus into
#                         a new git repository (fsync on, the default)
#   export-git no-fsync   the same with --no-fsync (what git does by default)
#   export-git LFS 1M     files of 1 MiB or more as Git LFS objects
#   export again          a second export with nothing new (the maps at work)
#   import-git            `vault import-git` of the repository git made above
#
# usage: bench/git-bench.sh [--tmpfs] [--size MB] [--out FILE]
# The corpus is bench/make-corpus.sh's, cached like backup-bench.sh does.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
size=1100 seed=1 tmpfs=0 out=
CORPUS_GEN=1
while [ $# -gt 0 ]; do
	case $1 in
	--tmpfs) tmpfs=1 ;;
	--size) size=${2:?}; shift ;;
	--out) out=${2:?}; shift ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	*) echo "unknown argument $1" >&2; exit 129 ;;
	esac
	shift
done
WORK=/var/tmp/vault-bench
[ $tmpfs -eq 0 ] || WORK=/dev/shm/vault-bench
mkdir -p "$WORK"
CORPUS=$WORK/corpus-g$CORPUS_GEN-${size}M-s$seed
RUN=$WORK/git-bench
BIN=${VAULT_BIN:-$top/_build/bin}
export PATH="$BIN:$PATH"
[ -x "$BIN/vault" ] || { echo "build vault first (scripts/build.sh)" >&2; exit 1; }
for tool in time bc; do
	command -v "$tool" >/dev/null || [ -x "/usr/bin/$tool" ] ||
		apt-get install -y -qq "$tool" >/dev/null
done
[ -d "$CORPUS" ] || "$here/make-corpus.sh" --seed "$seed" "$CORPUS" "$size" >/dev/null

bytes=$(du -sb --apparent-size "$CORPUS" | cut -f1)
files=$(find "$CORPUS" -type f | wc -l)
rm -rf "$RUN"
mkdir -p "$RUN"
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
export VAULT_AUTHOR_NAME=bench VAULT_AUTHOR_EMAIL=bench@example.org

rows=()
# measure NAME CMD...: time CMD (after dropping nothing: warm cache runs)
measure() {
	local name=$1 t rss
	shift
	sync
	/usr/bin/time -f '%e %M' -o "$RUN/time.out" "$@" >"$RUN/cmd.out" 2>&1 ||
		{ echo "FAILED: $name" >&2; cat "$RUN/cmd.out" >&2; exit 1; }
	read -r t rss < "$RUN/time.out"
	rows+=("$name|$t|$rss")
}

# the corpus as a git working tree (a hard-linked copy, so git's files
# stay out of it) and as a vault snapshot
cp -al "$CORPUS" "$RUN/src"
git init -q -b main "$RUN/src"
measure "git add+commit" sh -c "cd '$RUN/src' && git add -A && git commit -q -m corpus"
mv "$RUN/src/.git" "$RUN/peer.git"
vault --repo "$RUN/repo" init -q
vault --repo "$RUN/repo" backup -q "$RUN/src" >/dev/null
measure "export-git" vault --repo "$RUN/repo" export-git -q --to "$RUN/g1"
measure "export-git no-fsync" vault --repo "$RUN/repo" export-git -q --no-fsync --to "$RUN/g2"
measure "export-git LFS 1M" vault --repo "$RUN/repo" export-git -q --lfs-threshold 1M --to "$RUN/g3"
measure "export again" vault --repo "$RUN/repo" export-git -q --to "$RUN/g1"
same=no
[ "$(git -C "$RUN/g1" rev-parse main)" = "$(git -C "$RUN/g2" rev-parse main)" ] && same=yes
vault --repo "$RUN/repo2" init -q
measure "import-git" vault --repo "$RUN/repo2" import-git -q "$RUN/peer.git"

{
	echo "git interop on $(nproc) cores, $(basename "$CORPUS"): $files files, $((bytes / 1048576)) MiB, $( [ $tmpfs -eq 1 ] && echo tmpfs || echo disk)"
	echo "vault $(vault --version 2>/dev/null | head -1), $(git --version), libgit2 $(pkg-config --modversion libgit2 2>/dev/null)"
	printf '%-22s %9s %9s %10s %8s\n' step seconds MB/s "peak RSS" "vs git"
	base=
	for r in "${rows[@]}"; do
		IFS='|' read -r name t rss <<<"$r"
		[ -n "$base" ] || base=$t
		printf '%-22s %9.2f %9.0f %8d MB %7.2fx\n' "$name" "$t" \
			"$(echo "$bytes / 1000000 / ($t + 0.001)" | bc -l)" $((rss / 1024)) \
			"$(echo "$t / ($base + 0.001)" | bc -l)"
	done
	echo "same commit ids with and without fsync: $same"
} | tee ${out:+"$out"}
rm -rf "$RUN"
