#!/bin/bash
#
# delta-bench.sh - vault-delta against xdelta3, bsdiff and vault's plain
# chunk dedup, on generated pairs of game builds.
#
# For each size, t/helpers/mkbuild.py makes a build (code-like bytes with
# an absolute address every 256 bytes) and its rebuild after a small
# change (--percent of the bytes rewritten in 1-16 KiB functions, three
# insertions of 4-64 KiB, every address past an insertion relocated).
# Each tool then encodes the rebuild against the build and decodes it
# again; the result is compared with cmp (a mismatch is marked FAILED).
# Columns: delta size (and its share of the rebuild), encode and decode
# wall time, peak RSS (/usr/bin/time %M). "vault backup" is what plain
# chunking stores: a repository holding the build backs up the rebuild,
# and the row gives the bytes the repository grew by (du -sb, compressed
# chunks and their file object) and that backup's time and memory.
#
# usage: bench/delta-bench.sh [--sizes 50,200] [--percent 3] [--level 3]
#                             [--bsdiff-max MB] [--workdir DIR] [--no-install]
# Output: a Markdown table on stdout, progress on stderr.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
VAULT_BIN=${VAULT_BIN:-$here/../_build/bin}
MKBUILD=$here/../t/helpers/mkbuild.py
sizes=50,200
percent=3
level=3
bsdiff_max=200
workdir=/var/tmp/vault-delta-bench
install=1

usage() {
	sed -n '/^# usage:/,/^# Output/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 129
}

while [ $# -gt 0 ]; do
	case $1 in
	--sizes) sizes=$2; shift 2 ;;
	--percent) percent=$2; shift 2 ;;
	--level) level=$2; shift 2 ;;
	--bsdiff-max) bsdiff_max=$2; shift 2 ;;
	--workdir) workdir=$2; shift 2 ;;
	--no-install) install=0; shift ;;
	-h|--help) usage ;;
	*) echo "unknown option $1" >&2; usage ;;
	esac
done

log() { echo "delta-bench: $*" >&2; }

# the peers: Debian's xdelta3 and bsdiff, and GNU time for %M
need() {
	local cmd=$1 pkg=$2
	command -v "$cmd" >/dev/null 2>&1 && return 0
	if [ "$install" = 1 ]; then
		log "installing $pkg"
		if [ "$(id -u)" = 0 ]; then
			apt-get install -y "$pkg" >&2 || true
		else
			sudo -n apt-get install -y "$pkg" >&2 || true
		fi
	fi
	command -v "$cmd" >/dev/null 2>&1
}
need /usr/bin/time time || { log "GNU time is needed (apt-get install time)"; exit 1; }
have_xdelta=0; need xdelta3 xdelta3 && have_xdelta=1 || log "xdelta3 missing: its rows are skipped"
have_bsdiff=0; need bsdiff bsdiff && have_bsdiff=1 || log "bsdiff missing: its rows are skipped"
[ -x "$VAULT_BIN/vault-delta" ] || { log "no $VAULT_BIN/vault-delta: build first (make)"; exit 1; }
export PATH=$VAULT_BIN:$PATH

mkdir -p "$workdir"
cd "$workdir"

# measure OUT CMD...: run CMD, put "seconds peak_kb" into OUT
measure() {
	local out=$1
	shift
	/usr/bin/time -f '%e %M' -o "$out" "$@" >/dev/null 2>>"$workdir/log"
}

mb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1048576 }'; }
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", 100 * a / b }'; }
rss() { awk '{ printf "%.0f", $2 / 1024 }' "$1"; }
secs() { awk '{ print $1 }' "$1"; }

row() {   # tool size_bytes new_bytes enc_file dec_file ok
	local tool=$1 bytes=$2 new=$3 enc=$4 dec=$5 okay=$6
	printf '| %s | %s MB (%s %%) | %s | %s | %s | %s |%s\n' "$tool" \
		"$(mb "$bytes")" "$(pct "$bytes" "$new")" \
		"$(secs "$enc")" "$(rss "$enc")" \
		"${dec:+$(secs "$dec")}" "${dec:+$(rss "$dec")}" \
		"$([ "$okay" = 1 ] || echo ' FAILED: decoded file differs')"
}

echo "| tool | delta (share of new) | encode s | encode peak MB | decode s | decode peak MB |"
echo "|---|--:|--:|--:|--:|--:|"
IFS=, read -ra size_list <<<"$sizes"
for size in "${size_list[@]}"; do
	base=build-$size.bin new=rebuild-$size.bin
	if [ ! -f "$new" ]; then
		log "generating a $size MiB build and its rebuild ($percent % changed)"
		python3 "$MKBUILD" build "${size}M" 1 "$base"
		python3 "$MKBUILD" rebuild "$base" 2 "$percent" "$new"
	fi
	newsz=$(stat -c %s "$new")
	echo "| **$size MiB build** | rebuild: $(mb "$newsz") MB | | | | |"

	log "$size MiB: vault-delta"
	measure enc.t vault-delta create --level "$level" --max-size 1G "$base" "$new" -o d.vdelta
	measure dec.t vault-delta apply --max-size 1G "$base" d.vdelta -o out
	row "vault-delta (zstd $level, long)" "$(stat -c %s d.vdelta)" "$newsz" enc.t dec.t "$(cmp -s out "$new" && echo 1)"

	if [ "$have_xdelta" = 1 ]; then
		# a source window as large as the build, or xdelta3 misses
		# the matches beyond its default 64 MiB
		log "$size MiB: xdelta3"
		win=$(( ( $(stat -c %s "$base") / 1048576 + 1 ) * 1048576 ))
		measure enc.t xdelta3 -e -f -9 -B "$win" -s "$base" "$new" d.xd3
		measure dec.t xdelta3 -d -f -B "$win" -s "$base" d.xd3 out
		row "xdelta3 -9 -B $((win / 1048576))M" "$(stat -c %s d.xd3)" "$newsz" enc.t dec.t "$(cmp -s out "$new" && echo 1)"
	fi

	if [ "$have_bsdiff" = 1 ] && [ "$size" -le "$bsdiff_max" ]; then
		log "$size MiB: bsdiff (slow: suffix sort of the whole build)"
		measure enc.t bsdiff "$base" "$new" d.bsdiff
		measure dec.t bspatch "$base" out d.bsdiff
		row "bsdiff 4.3" "$(stat -c %s d.bsdiff)" "$newsz" enc.t dec.t "$(cmp -s out "$new" && echo 1)"
	elif [ "$have_bsdiff" = 1 ]; then
		echo "| bsdiff 4.3 | skipped above --bsdiff-max $bsdiff_max MiB | | | | |"
	fi

	log "$size MiB: vault backup (plain chunking)"
	rm -rf proj
	mkdir -p proj/Builds
	cp "$base" proj/Builds/game.bin
	(cd proj && vault init -q && vault backup -q -m build >/dev/null)
	before=$(du -sb proj/.vault | cut -f1)
	cp "$new" proj/Builds/game.bin
	(cd proj && measure ../enc.t vault backup -q -m rebuild)
	after=$(du -sb proj/.vault | cut -f1)
	(cd proj && measure ../dec.t vault restore HEAD --target ../restored -q)
	row "vault backup (chunks)" "$((after - before))" "$newsz" enc.t dec.t "$(cmp -s restored/Builds/game.bin "$new" && echo 1)"
	rm -rf proj restored out d.*
done
