#!/bin/sh
# asset-dedup.sh - how many new bytes the second version of an edited game
# asset adds, cut by the asset chunker, FastCDC and fixed blocks.
#
#   bench/asset-dedup.sh [--sizes MIN/AVG/MAX] [--bin DIR] [--keep DIR]
#
# Generates (t/helpers/mkasset.py, deterministic) the pairs:
#   wav-edit     a 30 s stereo WAV, 4 KiB of samples changed at 15 s
#   wav-header   the same WAV with a LIST chunk added before "data"
#   dds-mip      a 2048x2048 DXT1 DDS (12 levels), 4 KiB of level 1 retouched
#   ktx2-level   a 1024x1024 RGBA KTX2, 4 KiB of level 0 retouched
#   pak-entry    a 40-entry stored PAK (ZIP) of 200 KB entries, one changed
#   pak-reorder  the same PAK with its entries in reverse order
#   glb-mesh     a GLB of 40 meshes of 96 KiB, 20 KB of one mesh changed
#   obj-object   an OBJ of 12 objects, one object's vertices changed
# and prints, for each algorithm, the bytes of the second version's
# chunks that the first version does not have (what a backup of the
# second version adds after the first), in KiB and as a share of the file.
# Sizes default to the repository defaults (64k/256k/1M); the game
# profile's are 256k/1M/4M. Needs python3 and a built vault-chunk.
set -eu

sizes=64k/256k/1M
bin=
keep=
while [ $# -gt 0 ]; do
	case $1 in
	--sizes) sizes=$2; shift 2 ;;
	--bin) bin=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	-h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "usage: bench/asset-dedup.sh [--sizes MIN/AVG/MAX] [--bin DIR] [--keep DIR]" >&2
	   exit 129 ;;
	esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
[ -n "$bin" ] || bin=$here/_build/bin
chunk=$bin/vault-chunk
mk="python3 $here/t/helpers/mkasset.py"
[ -x "$chunk" ] || { echo "fatal: $chunk not built" >&2; exit 128; }
min=${sizes%%/*}; rest=${sizes#*/}; avg=${rest%%/*}; max=${rest#*/}

if [ -n "$keep" ]; then
	mkdir -p "$keep"; dir=$keep
else
	dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
fi
cd "$dir"

$mk wav a.wav --seconds 30
$mk wav e.wav --seconds 30 --edit 15
$mk wav h.wav --seconds 30 --list "mastered 2026-12-03, take 3, normalised"
$mk dds a.dds --width 2048 --height 2048
$mk dds b.dds --width 2048 --height 2048 --retouch 1
$mk ktx2 a.ktx2 --width 1024 --height 1024
$mk ktx2 b.ktx2 --width 1024 --height 1024 --retouch 0
$mk zip a.pak --entries 40 --size 200000
$mk zip c.pak --entries 40 --size 200000 --change 17
$mk zip r.pak --entries 40 --size 200000 --reverse
$mk glb a.glb --meshes 40
$mk glb b.glb --meshes 40 --change 21
$mk obj a.obj --objects 12
$mk obj b.obj --objects 12 --change 5

# new_bytes ALGO OLD NEW
new_bytes() {
	if [ "$1" = fixed ]; then
		args="--algo fixed --avg $avg"
	else
		args="--algo $1 --min $min --avg $avg --max $max"
	fi
	# shellcheck disable=SC2086
	"$chunk" $args "$2" | awk '{print $3}' | sort -u > old.ids
	# shellcheck disable=SC2086
	"$chunk" $args "$3" | awk 'NR == FNR { seen[$1] = 1; next }
		!($3 in seen) { seen[$3] = 1; n += $2 } END { print n + 0 }' old.ids -
}

cell() {
	n=$(new_bytes "$1" "$2" "$3")
	size=$(wc -c < "$3")
	awk -v n="$n" -v s="$size" 'BEGIN { printf "%.0f (%.1f %%)", n / 1024, 100 * n / s }'
}

echo "Sizes: min $min, avg $avg, max $max (fixed: blocks of $avg)."
echo "New KiB the second version adds (share of its size); lower is better."
echo
echo "| edit | file | asset | fastcdc | fixed |"
echo "|---|--:|--:|--:|--:|"
row() {
	printf '| %s | %s KiB | %s | %s | %s |\n' "$1" \
		"$(( $(wc -c < "$3") / 1024 ))" \
		"$(cell asset "$2" "$3")" "$(cell fastcdc "$2" "$3")" \
		"$(cell fixed "$2" "$3")"
}
row "WAV, 4 KiB of samples edited" a.wav e.wav
row "WAV, LIST chunk added to the header" a.wav h.wav
row "DDS, 4 KiB of mip 1 retouched" a.dds b.dds
row "KTX2, 4 KiB of level 0 retouched" a.ktx2 b.ktx2
row "PAK, one 200 KB entry changed" a.pak c.pak
row "PAK, entries reordered" a.pak r.pak
row "GLB, 20 KB of one mesh changed" a.glb b.glb
row "OBJ, one of 12 objects changed" a.obj b.obj
