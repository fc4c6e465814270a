#!/bin/bash
#
# visual-diff-bench.sh - vault-diff-visual against pixelmatch and odiff on
# the same pair of 4K PNGs, end to end (each tool's own command: read and
# decode both files, compare, encode and write the diff picture).
#
# The pair is drawn by t/helpers/mkimage: 3840x2160, a gradient, large
# anti-aliased discs, a block of glyph-like text, lines, and noise of +-6
# levels on every pixel (so that PNG compression has realistic work);
# B moves a disc by a few pixels, changes one word of the text and adds a
# 400x200 rectangle. Both are 8-bit RGBA PNGs of about 15 MB.
#
# Tools, each run --runs times (default 5, in turns), median and best
# wall time:
#   vault       bin/vault-diff-visual A B -o OUT.png -q
#   pixelmatch  node node_modules/.bin/pixelmatch A B OUT.png  (7.x CLI,
#               pngjs for PNG, threshold 0.1, anti-aliasing excluded)
#   odiff       node_modules/.bin/odiff --aa A B OUT.png  (odiff-bin's
#               npm launcher, as users call it; --aa excludes
#               anti-aliasing as the others do)
#   odiff-bin   the same native odiff binary without the node launcher
# and the same again without an output picture (counting only). The
# table gives each tool's changed-pixel count next to its times.
#
# pixelmatch@7, pngjs and odiff-bin are installed with npm into
# /var/tmp/vault-vdiff-node (--no-install to skip; missing tools get
# "skipped" rows).
#
# usage: bench/visual-diff-bench.sh [--runs N] [--tmpfs] [--workdir DIR]
#                                   [--out FILE] [--no-install]
# VAULT_BIN (default _build/bin) and MKIMAGE (default the helper next to
# it, built with make if missing) point at the programs.

set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
VAULT_BIN=${VAULT_BIN:-$here/../_build/bin}
MKIMAGE=${MKIMAGE:-$VAULT_BIN/../t/helpers/mkimage}
NODE_DIR=${NODE_DIR:-/var/tmp/vault-vdiff-node}
PAIR_GEN=1		# bump when the pair below changes
runs=5
workdir=
tmpfs=0
install=1
out=

usage() {
	cat >&2 <<-EOF
	usage: bench/visual-diff-bench.sh [--runs N] [--tmpfs] [--workdir DIR]
	                                  [--out FILE] [--no-install]

	    --runs N       runs per tool and scenario (default 5)
	    --tmpfs        images and outputs in /dev/shm/vault-vdiff-bench
	    --workdir DIR  default /var/tmp/vault-vdiff-bench
	    --out FILE     also write the Markdown table to FILE
	    --no-install   do not npm install pixelmatch / odiff-bin
	EOF
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--runs) runs=$2; shift ;;
	--tmpfs) tmpfs=1 ;;
	--workdir) workdir=$2; shift ;;
	--out) out=$2; shift ;;
	--no-install) install=0 ;;
	*) usage ;;
	esac
	shift
done
if [ -z "$workdir" ]; then
	if [ $tmpfs = 1 ]; then workdir=/dev/shm/vault-vdiff-bench
	else workdir=/var/tmp/vault-vdiff-bench; fi
fi
mkdir -p "$workdir"
log() { echo "visual-diff-bench: $*" >&2; }

# --- programs -----------------------------------------------------------

[ -x "$VAULT_BIN/vault-diff-visual" ] ||
	{ log "no $VAULT_BIN/vault-diff-visual: build vault first (or set VAULT_BIN)"; exit 1; }
if [ ! -x "$MKIMAGE" ]; then
	log "building t/helpers/mkimage"
	make -C "$VAULT_BIN/.." t/helpers/mkimage >/dev/null
fi

have_node=0
if command -v node >/dev/null && command -v npm >/dev/null; then
	have_node=1
	if [ $install = 1 ] && { [ ! -d "$NODE_DIR/node_modules/pixelmatch" ] ||
				 [ ! -d "$NODE_DIR/node_modules/odiff-bin" ]; }; then
		log "npm install pixelmatch@7 pngjs odiff-bin into $NODE_DIR"
		mkdir -p "$NODE_DIR"
		(cd "$NODE_DIR" && npm install --silent --no-audit --no-fund \
			pixelmatch@7 pngjs odiff-bin >/dev/null 2>&1) ||
			log "npm install failed: peers will be skipped"
	fi
fi
PM="$NODE_DIR/node_modules/.bin/pixelmatch"
OD="$NODE_DIR/node_modules/.bin/odiff"
OD_NATIVE=
if [ $have_node = 1 ] && [ -d "$NODE_DIR/node_modules/odiff-bin" ]; then
	OD_NATIVE=$(cd "$NODE_DIR" && node -e \
		'console.log(require("odiff-bin/binary").findBinary())' 2>/dev/null) || true
fi
version() {
	[ -f "$NODE_DIR/node_modules/$1/package.json" ] &&
		node -p "require('$NODE_DIR/node_modules/$1/package.json').version" 2>/dev/null ||
		echo "?"
}

# --- the pair -----------------------------------------------------------

A="$workdir/a-g$PAIR_GEN.png"
B="$workdir/b-g$PAIR_GEN.png"
common="hgrad:40,70,120,230,210,190 aacircle:900,700,300,200,60,40
	aacircle:2800,1400,500,30,140,200,180 rect:200,1500,1200,400,250,250,240
	text:260,1560,6,11,40,20,20,20 line:0,2159,3839,0,4,10,10,10
	line:100,100,3700,300,2,200,0,0"
if [ ! -f "$A" ] || [ ! -f "$B" ]; then
	log "drawing the 4K pair (about 20 s)"
	# shellcheck disable=SC2086
	"$MKIMAGE" "$A.tmp" 3840 2160 $common noise:7,6
	# shellcheck disable=SC2086
	"$MKIMAGE" "$B.tmp" 3840 2160 $common rect:1800,300,400,200,255,255,0 \
		text:260,1560,6,12,40,20,20,20 aacircle:2804,1402,500,30,140,200,180 \
		noise:7,6
	mv "$A.tmp" "$A"
	mv "$B.tmp" "$B"
fi

# --- timing -------------------------------------------------------------

# Every command runs once to warm up (its output kept in
# $workdir/NAME.out), then all commands take turns, $runs rounds, so that
# load from elsewhere falls on all of them alike; a sync (not timed)
# before each one. Exit status 0/1 of a
# diff tool (pixelmatch's 66, odiff's 22) means "different", not failure.

count_of() {  # count_of TOOL OUTFILE
	case $1 in
	vault) { "$VAULT_BIN/vault-diff-visual" --json "$A" "$B" 2>/dev/null || true; } |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["changed_pixels"])' ;;
	pixelmatch) sed -n 's/^different pixels: \([0-9]*\).*/\1/p' "$2" ;;
	odiff*) sed -n 's/.*Found \([0-9]*\) different pixels.*/\1/p' "$2" ;;
	esac
}

declare -A med best cnt cmds times
tools=(vault pixelmatch odiff odiff-bin)
jobs=()
for tool in "${tools[@]}"; do
	for sc in write count; do
		o=$workdir/out-$tool.png
		case $tool in
		vault) cmd=("$VAULT_BIN/vault-diff-visual" -q "$A" "$B")
		       [ $sc = write ] && cmd+=(-o "$o") ;;
		pixelmatch) [ -x "$PM" ] || { med[$tool,$sc]=skipped; continue; }
		       cmd=(node "$PM" "$A" "$B")
		       [ $sc = write ] && cmd+=("$o") ;;
		odiff) [ -x "$OD" ] || { med[$tool,$sc]=skipped; continue; }
		       cmd=("$OD" --aa "$A" "$B")
		       [ $sc = write ] && cmd+=("$o") ;;
		odiff-bin) [ -n "$OD_NATIVE" ] && [ -x "$OD_NATIVE" ] ||
				{ med[$tool,$sc]=skipped; continue; }
		       cmd=("$OD_NATIVE" --aa "$A" "$B")
		       [ $sc = write ] && cmd+=("$o") ;;
		esac
		cmds[$tool,$sc]=$(printf '%q ' "${cmd[@]}")
		jobs+=("$tool,$sc")
		log "$tool ($sc): ${cmd[*]}"
		rm -f "$o"
		"${cmd[@]}" > "$workdir/$tool-$sc.out" 2>&1 || true
		if [ $sc = write ] && [ ! -s "$o" ]; then
			med[$tool,$sc]="no output"
		fi
		[ $sc = count ] && cnt[$tool]=$(count_of "$tool" "$workdir/$tool-$sc.out")
	done
done
for i in $(seq 1 "$runs"); do
	log "round $i of $runs"
	for job in "${jobs[@]}"; do
		# nobody pays for the writeback of another tool's output
		# (vault fsyncs its picture, which on ext4 flushes the journal)
		sync
		t0=$(date +%s%N)
		eval "${cmds[$job]}" > /dev/null 2>&1 || true
		t1=$(date +%s%N)
		times[$job]+="$(( (t1 - t0) / 1000 )) "
	done
done
for job in "${jobs[@]}"; do
	[ "${med[$job]:-}" = "no output" ] && continue
	read -r m b < <(printf '%s\n' ${times[$job]} | sort -n | awk '
		{ v[NR] = $1 }
		END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.3f %.3f\n", m / 1e6, v[1] / 1e6
		}')
	med[$job]=$m
	best[$job]=$b
done

# --- the table ----------------------------------------------------------

ratio() {  # ratio TOOL SCENARIO: "N.N× slower" against vault
	local v=${med[vault,$2]} t=${med[$1,$2]}
	case $t in skipped|"no output") echo "$t"; return ;; esac
	awk -v t="$t" -v v="$v" 'BEGIN {
		if (v <= 0) { print "-"; exit }
		r = t / v
		if (r >= 1) printf "%.2f× slower\n", r; else printf "%.2f× faster\n", 1 / r
	}'
}

cell() {  # cell TOOL SCENARIO
	local m=${med[$1,$2]}
	case $m in skipped|"no output") echo "$m"; return ;; esac
	if [ "$1" = vault ]; then echo "**$m** (best ${best[$1,$2]})"
	else echo "$m (best ${best[$1,$2]}) — $(ratio "$1" "$2")"; fi
}

where=disk
[ $tmpfs = 1 ] && where=tmpfs
table=$(
	echo "Pair: 3840x2160 RGBA PNGs, $(( $(stat -c %s "$A") / 1000000 )) MB and $(( $(stat -c %s "$B") / 1000000 )) MB, files on $where ($workdir); $runs runs each, median (best) wall seconds."
	echo "Versions: vault $("$VAULT_BIN/vault" --version 2>/dev/null | awk '{print $NF}'), pixelmatch $(version pixelmatch) (pngjs $(version pngjs)), odiff-bin $(version odiff-bin), node $(node --version 2>/dev/null || echo none)."
	echo
	echo "| tool | diff PNG written, s | count only, s | changed pixels |"
	echo "|---|--:|--:|--:|"
	for tool in "${tools[@]}"; do
		echo "| $tool | $(cell "$tool" write) | $(cell "$tool" count) | ${cnt[$tool]:--} |"
	done
)
echo "$table"
[ -n "$out" ] && echo "$table" > "$out"
exit 0
