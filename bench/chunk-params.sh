#!/bin/sh
#
# chunk-params.sh - which chunk sizes dedup a versioned asset folder best?
#
# Builds a deterministic synthetic corpus: FILES binary "assets" of 2-34 MiB
# of incompressible bytes (like PNG/JPG/OGG/packed textures) and VERSIONS
# successive edited versions of each (overwrites of a region, inserts,
# deletes, appends at pseudo-random positions, 1-3 edits per version), as
# an artist's or game developer's folder looks after a few saves. Then runs
# vault-chunk over all of it with FastCDC avg 64K, 256K, 1M and 4M (min =
# avg/4, max = avg*4) and fixed 1M blocks, and prints per setting: chunk
# references, unique chunks, logical and unique bytes, the dedup ratio
# (logical / unique bytes), and a "net" ratio that also charges an assumed
# metadata cost per chunk (see META_* below).
#
# usage: bench/chunk-params.sh            (vault-chunk from the build tree
#        VAULT_CHUNK=/path/to/vault-chunk bench/chunk-params.sh   or PATH)
# knobs: FILES (12), VERSIONS (5, counting the original), SEED (1),
#        KEEP=1 keeps the corpus in $TMPDIR.
#
# Randomness comes from AES-CTR (openssl enc) and SHA-256 (sha256sum)
# keyed by SEED, so the corpus is byte-identical on every machine.

set -eu

FILES=${FILES:-12}
VERSIONS=${VERSIONS:-5}
SEED=${SEED:-1}
# Assumed metadata per chunk reference (file object entry: 32-byte id +
# size) and per unique chunk (pack index entry + pack object header).
META_REF=40
META_UNIQUE=64

here=$(cd "$(dirname "$0")" && pwd)
vc=${VAULT_CHUNK:-}
if [ -z "$vc" ]; then
	if [ -x "$here/../plumbing/vault-chunk" ]; then
		vc=$here/../plumbing/vault-chunk
	else
		vc=$(command -v vault-chunk || true)
	fi
fi
if [ -z "$vc" ] || [ ! -x "$vc" ]; then
	echo "fatal: vault-chunk not found (build it or set VAULT_CHUNK)" >&2
	exit 128
fi
for tool in openssl sha256sum awk head tail dd; do
	command -v $tool >/dev/null 2>&1 || {
		echo "fatal: $tool is needed" >&2
		exit 128
	}
done

work=$(mktemp -d "${TMPDIR:-/tmp}/vault-chunk-params.XXXXXX")
if [ -z "${KEEP:-}" ]; then
	trap 'rm -rf "$work"' EXIT
	trap 'exit 130' INT TERM
fi
# Run outside any repository so vault-chunk uses only our parameters.
cd "$work"
unset VAULT_DIR

# num KEY MOD: a deterministic number in 0..MOD-1.
num() {
	h=$(printf '%s' "$SEED:$1" | sha256sum | cut -c1-12)
	echo $(( 0x$h % $2 ))
}

# bytes KEY N: N pseudo-random bytes.
bytes() {
	k=$(printf '%s' "$SEED:bytes:$1" | sha256sum | cut -c1-32)
	openssl enc -aes-128-ctr -nosalt -K "$k" \
		-iv 00000000000000000000000000000000 -in /dev/zero 2>/dev/null |
		head -c "$2"
}

size_of() {
	wc -c < "$1" | tr -d ' '
}

# edit KEY IN OUT: one pseudo-random edit of IN written to OUT.
edit() {
	size=$(size_of "$2")
	pos=$(num "$1:pos" "$size")
	case $(num "$1:kind" 4) in
	0)	# overwrite a region in place (a painted area, a re-baked mip)
		n=$(( 1024 + $(num "$1:len" 524288) ))
		cp "$2" "$3"
		bytes "$1" "$n" | dd of="$3" bs=65536 seek="$pos" \
			oflag=seek_bytes conv=notrunc status=none
		;;
	1)	# insert (a new layer, a longer header)
		n=$(( 16 + $(num "$1:len" 65536) ))
		{ head -c "$pos" "$2"; bytes "$1" "$n"
		  tail -c +"$((pos + 1))" "$2"; } > "$3"
		;;
	2)	# delete
		n=$(( 1024 + $(num "$1:len" 65536) ))
		{ head -c "$pos" "$2"; tail -c +"$((pos + n + 1))" "$2"; } > "$3"
		;;
	3)	# append (a new frame, a new section at the end)
		n=$(( 4096 + $(num "$1:len" 1048576) ))
		{ cat "$2"; bytes "$1" "$n"; } > "$3"
		;;
	esac
}

echo "# building corpus in $work: $FILES assets x $VERSIONS versions (seed $SEED)" >&2
mkdir corpus
i=1
while [ "$i" -le "$FILES" ]; do
	d=corpus/asset$i
	mkdir "$d"
	size=$(( 2097152 + $(num "size:$i" 33554432) ))
	bytes "base:$i" "$size" > "$d/v1.bin"
	v=2
	while [ "$v" -le "$VERSIONS" ]; do
		cp "$d/v$((v - 1)).bin" "$d/cur"
		e=0
		edits=$(( 1 + $(num "edits:$i:$v" 3) ))
		while [ "$e" -lt "$edits" ]; do
			edit "edit:$i:$v:$e" "$d/cur" "$d/next"
			mv "$d/next" "$d/cur"
			e=$((e + 1))
		done
		mv "$d/cur" "$d/v$v.bin"
		v=$((v + 1))
	done
	i=$((i + 1))
done
find corpus -type f | LC_ALL=C sort > paths
logical=$(tr '\n' '\0' < paths | xargs -0 cat | wc -c | tr -d ' ')
echo "# corpus: $(wc -l < paths | tr -d ' ') files, $logical bytes" >&2

printf '%-30s %8s %8s %10s %10s %7s %9s %7s %6s\n' \
	setting refs unique "logical" "unique" dedup "meta" net secs
run() {
	name=$1
	shift
	start=$(date +%s.%N)
	"$vc" --stdin "$@" < paths > chunks
	end=$(date +%s.%N)
	awk -v name="$name" -v mref=$META_REF -v muniq=$META_UNIQUE \
	    -v secs="$(echo "$start $end" | awk '{ printf "%.1f", $2 - $1 }')" '
	{
		refs++; logical += $2
		if (!($3 in seen)) { seen[$3] = 1; uniq++; ubytes += $2 }
	}
	END {
		meta = refs * mref + uniq * muniq
		printf "%-30s %8d %8d %9.1fM %9.1fM %7.3f %8.1fK %7.3f %6s\n",
			name, refs, uniq, logical / 1048576, ubytes / 1048576,
			logical / ubytes, meta / 1024,
			logical / (ubytes + meta), secs
	}' chunks
}

for avg in 65536 262144 1048576 4194304; do
	min=$((avg / 4))
	max=$((avg * 4))
	run "fastcdc $((min / 1024))K/$((avg / 1024))K/$((max / 1024))K" \
		--algo fastcdc --min "$min" --avg "$avg" --max "$max"
done
run "fixed 1024K" --algo fixed --avg 1048576

echo "# dedup = logical / unique bytes; net also counts $META_REF B per chunk reference and $META_UNIQUE B per unique chunk of metadata" >&2
