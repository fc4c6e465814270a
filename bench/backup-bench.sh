#!/bin/bash
#
# backup-bench.sh - vault's backup engine against restic, borg and bup.
#
# One run, one machine, one generated corpus (bench/make-corpus.sh: an
# art/game project of SIZE MiB), every tool in turn on the same source
# path, each with a fresh repository on the same filesystem:
#
#   first     first backup of the corpus
#   nochange  second backup, nothing changed
#   change    third backup after `make-corpus.sh --change` (1 % of files)
#   restore   full restore of the latest snapshot into an empty directory,
#             then `diff -r` against the source (a mismatch is reported
#             loudly and marked in the table)
#
# For each: wall time, throughput (corpus bytes / time), peak RSS
# (/usr/bin/time %M, the largest process of the command), the repository
# size after the phase (`du -sb`, the same for every tool) and the time a
# `sync` of the filesystem took afterwards (data the tool left unwritten).
# Limits: the time to read the corpus (cold, with cat) and to write
# vault's stored bytes with dd + fsync on the same filesystem.
# --many-files adds the 100,000-file tree: first backup, an unchanged
# re-backup with warm cache and (when caches can be dropped) a cold one.
#
# The page cache is dropped before each phase when that works (root, not
# a restricted container); otherwise the tables say "warm cache". With
# --tmpfs corpus and repositories live in /dev/shm (no disk at all).
#
# usage: see usage() below or bench/README.md. Output: tables on stdout,
# progress on stderr, the same tables as Markdown in
# bench/results-DATE-disk|tmpfs.md (or --out FILE), logs of every command
# in WORKDIR/logs.

set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
VAULT_BIN=${VAULT_BIN:-$here/../_build/bin}
CORPUS_GEN=1		# bump when make-corpus.sh output changes
ARGS="$*"

usage() {
	cat >&2 <<-EOF
	usage: bench/backup-bench.sh [--tmpfs] [--size MB] [--quick] [--tools LIST]
	                             [--many-files | --many-files-only] [--many-count N]
	                             [--workdir DIR] [--out FILE] [--seed N]
	                             [--warm] [--keep] [--no-install]

	    --tmpfs            corpus and repositories in /dev/shm/vault-bench
	    --size MB          corpus size in MiB (default 1100)
	    --quick            200 MiB corpus, to try the script
	    --tools LIST       comma-separated subset of vault,restic,borg,bup
	    --many-files       also time the 100,000-file unchanged re-backup
	    --many-files-only  only that
	    --many-count N     files in that tree (default 100000)
	    --workdir DIR      default /var/tmp/vault-bench (or /dev/shm/vault-bench)
	    --out FILE         Markdown results (default bench/results-DATE-MODE.md)
	    --warm             never drop the page cache
	    --keep             keep repositories and logs of every tool
	    --no-install       do not apt-get install missing peers
	    VAULT_BIN=DIR      vault binaries (default bench/../_build/bin)
	EOF
	exit 129
}
die() {
	echo "fatal: $*" >&2
	exit 128
}
say() {
	echo "bench: $*" >&2
}

tmpfs=0 size= quick=0 tools=vault,restic,borg,bup many=0 main=1
many_count=100000 workdir= out= seed=1 warm=0 keep=0 install=1
while [ $# -gt 0 ]; do
	case $1 in
	--tmpfs) tmpfs=1 ;;
	--size) size=${2:?--size needs MB}; shift ;;
	--size=*) size=${1#*=} ;;
	--quick) quick=1 ;;
	--tools) tools=${2:?--tools needs a list}; shift ;;
	--tools=*) tools=${1#*=} ;;
	--many-files) many=1 ;;
	--many-files-only) many=1; main=0 ;;
	--many-count) many_count=${2:?}; shift ;;
	--many-count=*) many_count=${1#*=} ;;
	--workdir) workdir=${2:?}; shift ;;
	--workdir=*) workdir=${1#*=} ;;
	--out) out=${2:?}; shift ;;
	--out=*) out=${1#*=} ;;
	--seed) seed=${2:?}; shift ;;
	--seed=*) seed=${1#*=} ;;
	--warm) warm=1 ;;
	--keep) keep=1 ;;
	--no-install) install=0 ;;
	-h|--help) usage ;;
	*) echo "error: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done
[ -n "$size" ] || { [ $quick -eq 1 ] && size=200 || size=1100; }
for n in "$size" "$many_count" "$seed"; do
	case $n in ''|*[!0-9]*) die "not a number: '$n'" ;; esac
done
TOOLS=()
for t in ${tools//,/ }; do
	case $t in
	vault|restic|borg|bup) TOOLS+=("$t") ;;
	*) die "unknown tool '$t' (vault, restic, borg, bup)" ;;
	esac
done
[ ${#TOOLS[@]} -gt 0 ] || die "no tools"
has_tool() {
	local t
	for t in "${TOOLS[@]}"; do [ "$t" = "$1" ] && return 0; done
	return 1
}

if [ $tmpfs -eq 1 ]; then
	WORK=${workdir:-/dev/shm/vault-bench}
	MODE=tmpfs
else
	WORK=${workdir:-/var/tmp/vault-bench}
	MODE=disk
fi
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
LOGS=$WORK/logs
SRC=$WORK/src
CORPUS=$WORK/corpus-g$CORPUS_GEN-${size}M-s$seed
MANY=$WORK/many-g$CORPUS_GEN-$many_count-s$seed
START=$SECONDS

fstype=$(df --output=fstype "$WORK" 2>/dev/null | tail -n 1) || fstype=unknown
if [ $tmpfs -eq 1 ] && [ "$fstype" != tmpfs ]; then
	die "--tmpfs: $WORK is on $fstype, not tmpfs"
fi

# --- free space -------------------------------------------------------------

avail_mb() {
	df -B1M --output=avail "$1" | tail -n 1 | tr -d ' '
}
# Needed: the corpus (unless cached), one repository (about the corpus
# size; all of them with --keep), a restore, copies made by --change, and
# the 100k-file tree with its repositories (a 4 KiB block per file).
need=0
if [ $main -eq 1 ]; then
	[ -d "$CORPUS" ] || need=$((need + size * 106 / 100))
	need=$((need + size * 23 / 10 + 200))
	[ $keep -eq 0 ] || need=$((need + size * 11 / 10 * (${#TOOLS[@]} - 1)))
fi
if [ $many -eq 1 ]; then
	[ -d "$MANY" ] || need=$((need + many_count * 5 / 1000))
	need=$((need + many_count * 4 / 1000 + 100))
fi
have=$(avail_mb "$WORK")
if [ "$have" -lt "$need" ]; then
	if [ $tmpfs -eq 1 ]; then
		die "not enough room in tmpfs: $WORK has $have MiB free, this run needs about $need MiB (corpus, a repository and a restore all live in RAM; try --size, or remount /dev/shm larger: mount -o remount,size=NG /dev/shm)"
	fi
	die "not enough room: $WORK has $have MiB free, this run needs about $need MiB"
fi
say "work dir $WORK ($fstype, $have MiB free, about $need MiB needed)"

# --- peers ------------------------------------------------------------------

pkgs=()
has_tool restic && ! command -v restic >/dev/null && pkgs+=(restic)
has_tool borg && ! command -v borg >/dev/null && pkgs+=(borgbackup)
has_tool bup && ! command -v bup >/dev/null && pkgs+=(bup)
[ -x /usr/bin/time ] || pkgs+=(time)
if [ ${#pkgs[@]} -gt 0 ]; then
	if [ $install -eq 0 ]; then
		say "missing ${pkgs[*]}; not installing (--no-install)"
	else
		sudo=
		if [ "$(id -u)" -ne 0 ]; then
			if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
				sudo=sudo
			else
				say "missing ${pkgs[*]} and not root (no sudo): install them or use --tools"
				sudo=none
			fi
		fi
		if [ "$sudo" != none ]; then
			say "installing ${pkgs[*]}"
			export DEBIAN_FRONTEND=noninteractive
			$sudo apt-get install -y "${pkgs[@]}" >&2 ||
				{ $sudo apt-get update >&2 && $sudo apt-get install -y "${pkgs[@]}" >&2; } ||
				say "apt-get install ${pkgs[*]} failed"
		fi
	fi
fi
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (apt-get install time)"

# --- tools: availability, versions, commands --------------------------------

declare -A READY=() VERSION=() WHY=()
# vault-* helpers are looked up on PATH too.
export PATH="$VAULT_BIN:$PATH"
vault_cmd() {
	"$VAULT_BIN/vault" "$@"
}
for t in "${TOOLS[@]}"; do
	case $t in
	vault)
		if [ ! -x "$VAULT_BIN/vault" ]; then
			WHY[$t]="vault backup not built (no $VAULT_BIN/vault)"
		elif [ -x "$VAULT_BIN/vault-backup" ] ||
		     { h=$(vault_cmd backup -h 2>&1) || true
		       [ -n "$h" ] && ! grep -q 'not a vault command' <<< "$h"; }; then
			READY[$t]=1
			VERSION[$t]=$(vault_cmd --version 2>/dev/null | head -n 1) ||
				VERSION[$t]="vault (no --version)"
		else
			WHY[$t]="vault backup not built"
		fi
		;;
	restic|borg|bup)
		if command -v $t >/dev/null; then
			READY[$t]=1
			case $t in
			restic) VERSION[$t]=$(restic version | cut -d' ' -f1,2) ;;
			borg) VERSION[$t]=$(borg --version) ;;
			bup) VERSION[$t]="bup $(bup --version)" ;;
			esac
		else
			WHY[$t]="$t not installed"
		fi
		;;
	esac
	[ -n "${READY[$t]:-}" ] || say "${WHY[$t]}; its rows are skipped"
done

# restic always encrypts. Newer restic takes --insecure-no-password;
# 0.14 (Debian 12) needs a password. Repository format 2 (compression,
# restic's default since 0.16) if this restic knows it.
RESTIC_INIT=()
RESTIC_AUTH=()
if [ -n "${READY[restic]:-}" ]; then
	rh=$(restic init --help 2>&1 || true)
	if grep -q -- --insecure-no-password <<< "$rh"; then
		RESTIC_AUTH=(--insecure-no-password)
	else
		echo vault-bench > "$WORK/restic-password"
		export RESTIC_PASSWORD_FILE=$WORK/restic-password
	fi
	grep -q -- --repository-version <<< "$rh" && RESTIC_INIT=(--repository-version 2)
fi
export RESTIC_CACHE_DIR=$WORK/cache/restic
export BORG_BASE_DIR=$WORK/cache/borg
export BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes
export BORG_RELOCATED_REPO_ACCESS_IS_OK=yes
export BORG_DISPLAY_PASSPHRASE=no

# cmd_init/backup/restore TOOL REPO ...: CMD = the command line.
cmd_init() {
	case $1 in
	vault) CMD=("$VAULT_BIN/vault" --repo "$2" init) ;;
	restic) CMD=(restic -r "$2" init "${RESTIC_AUTH[@]}" "${RESTIC_INIT[@]}") ;;
	borg) CMD=(borg init -e none "$2") ;;
	bup) CMD=(env BUP_DIR="$2" bup init) ;;
	esac
}
# cmd_backup TOOL REPO PATH N
cmd_backup() {
	case $1 in
	vault) CMD=("$VAULT_BIN/vault" --repo "$2" backup --quiet "$3") ;;
	restic) CMD=(restic -r "$2" backup "${RESTIC_AUTH[@]}" --quiet --host vault-bench "$3") ;;
	borg) CMD=(borg create "$2::bench-$4" "$3") ;;
	bup) CMD=(env BUP_DIR="$2" sh -c 'bup index "$1" && exec bup save -n bench "$1"' sh "$3") ;;
	esac
}
# cmd_restore TOOL REPO PATH N OUT (the snapshot of backup N of PATH)
cmd_restore() {
	case $1 in
	vault) CMD=("$VAULT_BIN/vault" --repo "$2" restore "$SNAP" --target "$5") ;;
	restic) CMD=(restic -r "$2" restore "${RESTIC_AUTH[@]}" latest --target "$5") ;;
	borg) CMD=(sh -c 'cd "$1" && exec borg extract "$2"' sh "$5" "$2::bench-$4") ;;
	bup) CMD=(env BUP_DIR="$2" bup restore -C "$5" "/bench/latest$3") ;;
	esac
}

# --- measuring --------------------------------------------------------------

CACHE=cold
if [ $tmpfs -eq 1 ]; then
	CACHE="tmpfs (all in RAM)"
elif [ $warm -eq 1 ]; then
	CACHE="warm cache (--warm)"
elif ! { sync && echo 3 > /proc/sys/vm/drop_caches; } 2>/dev/null; then
	CACHE="warm cache (cannot drop caches here)"
fi
drop() {
	sync
	[ "$CACHE" != cold ] || echo 3 > /proc/sys/vm/drop_caches
}

usec() {
	local t=${1/./}
	echo $(( 10#$t ))
}
# timed LOG OUT CMD...: run CMD; T = wall µs, M = peak RSS KiB. Returns
# CMD's status. stdout goes to OUT, stderr to LOG.
timed() {
	local log=$1 out=$2 t0 t1 st=0 line
	shift 2
	echo "+ $*" >> "$log"
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%e %M' -o "$WORK/time.out" "$@" > "$out" 2>> "$log" || st=$?
	t1=$EPOCHREALTIME
	T=$(( $(usec "$t1") - $(usec "$t0") ))
	line=$(tail -n 1 "$WORK/time.out")
	M=${line#* }
	case $M in ''|*[!0-9]*) M=0 ;; esac
	[ $st -eq 0 ] || echo "! exit status $st" >> "$log"
	return $st
}
# fx NUM DEN DEC: P = NUM/DEN with DEC decimals, rounded.
fx() {
	local m=$(( 10 ** $3 )) q
	if [ "$2" -le 0 ]; then P=-; return; fi
	q=$(( ($1 * m * 2 + $2) / ($2 * 2) ))
	if [ "$3" -eq 0 ]; then
		P=$q
	else
		printf -v P '%d.%0*d' $((q / m)) "$3" $((q % m))
	fi
}
# sizes DIR: S = bytes in files, F = files.
sizes() {
	local s
	S=0 F=0
	while read -r s; do S=$((S + s)); F=$((F + 1)); done \
		< <(find "$1" -type f -printf '%s\n')
}
stored() {
	du -sb "$1" | cut -f1
}

declare -A RT=() RM=() RS=() RY=() RB=() RN=()
# record TOOL PHASE STATUS: keep T, M, stored bytes, sync µs, input bytes.
record() {
	RT[$1:$2]=$T
	RM[$1:$2]=$M
	RS[$1:$2]=${STORED:--}
	RY[$1:$2]=${SYNC:--}
	RB[$1:$2]=$BYTES
	RN[$1:$2]=$3
}
skip_rest() {	# TOOL NOTE PHASE...
	local t=$1 note=$2
	shift 2
	for p in "$@"; do
		[ -n "${RN[$t:$p]:-}" ] || RN[$t:$p]=$note
	done
}

# backup_phase TOOL PHASE REPO PATH N LOG: one timed backup; 1 on failure.
backup_phase() {
	local t=$1 ph=$2 repo=$3 path=$4 n=$5 log=$6 s0
	cmd_backup "$t" "$repo" "$path" "$n"
	say "$t: $ph ..."
	STORED= SYNC=
	if ! timed "$log" "$WORK/cmd.out" "${CMD[@]}"; then
		record "$t" "$ph" "FAILED (see $log)"
		say "$t: $ph FAILED (see $log)"
		return 1
	fi
	cat "$WORK/cmd.out" >> "$log"
	if [ "$t" = vault ]; then
		SNAP=$(grep -v '^[[:space:]]*$' "$WORK/cmd.out" | tail -n 1 | tr -d '[:space:]') || SNAP=
		if [ -z "$SNAP" ]; then
			record "$t" "$ph" "FAILED: printed no snapshot id"
			say "$t: $ph printed no snapshot id on stdout"
			return 1
		fi
		vault_cmd --repo "$repo" stats --json >> "$log" 2>&1 || true
	fi
	if [ $tmpfs -eq 0 ]; then
		s0=$EPOCHREALTIME
		sync -f "$repo" 2>/dev/null || sync
		SYNC=$(( $(usec "$EPOCHREALTIME") - $(usec "$s0") ))
	fi
	STORED=$(stored "$repo")
	record "$t" "$ph" ok
	fx "$T" 1000000 2; say "$t: $ph $P s"
	return 0
}

# restored OUT: R = where the restore put the source tree's content.
restored() {
	R=$1
	if [ -d "$1$SRC" ]; then R=$1$SRC
	elif [ -d "$1/${SRC##*/}" ]; then R=$1/${SRC##*/}
	fi
}

run_main() {
	local t=$1 repo=$WORK/repos/$t log=$LOGS/$t.log rout=$WORK/restore
	local phases=(first nochange change restore) diffs
	rm -rf "$SRC" "$repo" "$rout" "$WORK/cache"
	mkdir -p "$WORK/repos"
	: > "$log"
	cp -al "$CORPUS" "$SRC"
	STORED= SYNC= T=0 M=0 BYTES=$CORPUS_BYTES
	cmd_init "$t" "$repo"
	if ! timed "$log" "$log.init" "${CMD[@]}"; then
		cat "$log.init" >> "$log"
		skip_rest "$t" "FAILED: init (see $log)" "${phases[@]}"
		say "$t: init FAILED (see $log)"
		return
	fi
	cat "$log.init" >> "$log"; rm -f "$log.init"

	drop
	backup_phase "$t" first "$repo" "$SRC" 1 "$log" ||
		{ skip_rest "$t" "skipped (an earlier phase failed)" "${phases[@]}"; return; }
	drop
	backup_phase "$t" nochange "$repo" "$SRC" 2 "$log" ||
		{ skip_rest "$t" "skipped (an earlier phase failed)" "${phases[@]}"; return; }
	if ! CHANGE=$("$here/make-corpus.sh" --change --seed "$seed" "$SRC" 2>> "$log"); then
		skip_rest "$t" "FAILED: make-corpus.sh --change" change restore
		return
	fi
	sizes "$SRC"; BYTES=$S; CHANGED_BYTES=$S CHANGED_FILES=$F
	drop
	backup_phase "$t" change "$repo" "$SRC" 3 "$log" ||
		{ skip_rest "$t" "skipped (an earlier phase failed)" "${phases[@]}"; return; }

	mkdir "$rout"
	cmd_restore "$t" "$repo" "$SRC" 3 "$rout"
	drop
	say "$t: restore ..."
	STORED= SYNC=
	if ! timed "$log" "$WORK/cmd.out" "${CMD[@]}"; then
		record "$t" restore "FAILED (see $log)"
		say "$t: restore FAILED (see $log)"
	else
		cat "$WORK/cmd.out" >> "$log"
		restored "$rout"
		fx "$T" 1000000 2; say "$t: restore $P s; comparing ${R#$WORK/} with the source"
		if diff -rq --no-dereference "$SRC" "$R" > "$LOGS/$t.restore.diff" 2>&1; then
			record "$t" restore "restore = source"
			rm -f "$LOGS/$t.restore.diff"
		else
			diffs=$(wc -l < "$LOGS/$t.restore.diff")
			record "$t" restore "MISMATCH: restore differs from source ($diffs lines in $LOGS/$t.restore.diff)"
			say "!!! $t: RESTORE MISMATCH: $diffs lines of diff -rq in $LOGS/$t.restore.diff"
			MISMATCH+=("$t")
		fi
	fi
	rm -rf "$rout"
	[ $keep -eq 1 ] || rm -rf "$repo" "$WORK/cache"
}

run_many() {
	local t=$1 repo=$WORK/repos/$t-many log=$LOGS/$t-many.log
	local phases=(m-first m-warm m-cold)
	rm -rf "$repo" "$WORK/cache"
	mkdir -p "$WORK/repos"
	: > "$log"
	STORED= SYNC= T=0 M=0 BYTES=$MANY_BYTES
	cmd_init "$t" "$repo"
	if ! timed "$log" "$log.init" "${CMD[@]}"; then
		skip_rest "$t" "FAILED: init (see $log)" "${phases[@]}"
		return
	fi
	rm -f "$log.init"
	drop
	backup_phase "$t" m-first "$repo" "$MANY" 1 "$log" ||
		{ skip_rest "$t" "skipped (an earlier phase failed)" "${phases[@]}"; return; }
	sync
	backup_phase "$t" m-warm "$repo" "$MANY" 2 "$log" ||
		{ skip_rest "$t" "skipped (an earlier phase failed)" "${phases[@]}"; return; }
	if [ "$CACHE" = cold ]; then
		drop
		backup_phase "$t" m-cold "$repo" "$MANY" 3 "$log" || true
	else
		RN[$t:m-cold]="n/a: $CACHE"
	fi
	[ $keep -eq 1 ] || rm -rf "$repo" "$WORK/cache"
}

# --- tables -----------------------------------------------------------------

MD=()
# table PHASE TITLE SHOWSYNC [files]: print one aligned table and its
# Markdown; with "files" the rate is files per second, not MB/s.
table() {
	local ph=$1 title=$2 unit=${4:-MB/s} t vt note row time mbs rss sto syn vs
	local fmt='%-8s %9s %9s %12s %10s %8s  %-14s %s\n'
	echo
	echo "== $title =="
	[ "$unit" = "MB/s" ] || unit=files/s
	printf "$fmt" tool "time s" "$unit" "peak RSS MB" "stored MB" "sync s" "vs vault" note
	MD+=("" "### $title" ""
	     "| tool | time s | $unit | peak RSS MB | stored MB | sync s | vs vault | note |"
	     "|---|--:|--:|--:|--:|--:|---|---|")
	vt=${RT[vault:$ph]:-}
	[ "${RN[vault:$ph]:-}" = ok ] || [ "${RN[vault:$ph]:-}" = "restore = source" ] || vt=
	for t in "${TOOLS[@]}"; do
		note=${RN[$t:$ph]:-${WHY[$t]:-not run}}
		time=- mbs=- rss=- sto=- syn=- vs=-
		if [ -n "${RT[$t:$ph]:-}" ] && [ "${note#FAILED}" = "$note" ]; then
			fx "${RT[$t:$ph]}" 1000000 2; time=$P
			if [ "$unit" = "MB/s" ]; then
				fx $(( ${RB[$t:$ph]} * 1000000 / 1048576 )) "${RT[$t:$ph]}" 1
			else
				fx $(( MANY_FILES * 1000000 )) "${RT[$t:$ph]}" 0
			fi
			mbs=$P
			fx "${RM[$t:$ph]}" 1024 1; rss=$P
			[ "${RS[$t:$ph]}" = - ] || { fx "${RS[$t:$ph]}" 1048576 1; sto=$P; }
			[ "${RY[$t:$ph]}" = - ] || [ "$3" -eq 0 ] || { fx "${RY[$t:$ph]}" 1000000 2; syn=$P; }
			if [ "$t" = vault ]; then
				vs=-
			elif [ -n "$vt" ] && [ "$vt" -gt 0 ]; then
				if [ "${RT[$t:$ph]}" -ge "$vt" ]; then
					fx "${RT[$t:$ph]}" "$vt" 1; vs="$P"x" slower"
				else
					fx "$vt" "${RT[$t:$ph]}" 1; vs="$P"x" faster"
				fi
			else
				vs="n/a"
			fi
		fi
		if [ "$note" = ok ]; then
			note=
			# source bytes per stored byte (compression and dedup)
			[ "${RS[$t:$ph]}" = - ] || { fx "${RB[$t:$ph]}" "${RS[$t:$ph]}" 2; note="source/stored $P"; }
		fi
		printf "$fmt" "$t" "$time" "$mbs" "$rss" "$sto" "$syn" "$vs" "$note"
		MD+=("| $t | $time | $mbs | $rss | $sto | $syn | $vs | $note |")
	done
}

# --- run ----------------------------------------------------------------------

mkdir -p "$LOGS"
MISMATCH=()
cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') || cpu=unknown
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
vers=
for t in "${TOOLS[@]}"; do
	vers+="${vers:+, }${VERSION[$t]:-$t: ${WHY[$t]}}"
done
MACHINE="$(nproc) cores ($cpu), $mem RAM, Linux $(uname -r), work dir $WORK on $fstype; $vers"
echo "machine: $MACHINE"
echo "cache:   $CACHE"

if [ $main -eq 1 ]; then
	rm -rf "$WORK"/corpus-*.partial-* "$WORK"/corpus-*.partial-*.tmp
	if [ ! -d "$CORPUS" ]; then
		say "generating the corpus ($size MiB, seed $seed) in $CORPUS"
		"$here/make-corpus.sh" --seed "$seed" "$CORPUS" "$size" > /dev/null
	fi
	sizes "$CORPUS"
	CORPUS_BYTES=$S CORPUS_FILES=$F
	fx "$S" 1048576 1
	CORPUS_LINE="$F files, $P MiB (make-corpus.sh seed $seed); change = \`make-corpus.sh --change\`"
	echo "corpus:  $CORPUS_LINE"
	for t in "${TOOLS[@]}"; do
		[ -n "${READY[$t]:-}" ] || continue
		run_main "$t"
	done
	rm -rf "$SRC"

	# Limits on the same filesystem: read the corpus, write the bytes
	# vault stored (or the corpus, without vault) with fsync.
	say "limits: reading the corpus, writing with dd + fsync"
	drop
	timed "$LOGS/limits.log" /dev/null sh -c 'find "$1" -type f -print0 | xargs -0 cat > /dev/null' sh "$CORPUS" || true
	READ_T=$T
	if [ "${RN[vault:first]:-}" = ok ]; then
		LIMIT_BYTES=${RS[vault:first]} LIMIT_WHAT="vault's stored bytes"
	else
		LIMIT_BYTES=$CORPUS_BYTES LIMIT_WHAT="the corpus size (no vault result)"
	fi
	LIMIT_MB=$(( (LIMIT_BYTES + 1048575) / 1048576 ))
	drop
	timed "$LOGS/limits.log" /dev/null dd if=/dev/zero of="$WORK/limit.dd" bs=1M count="$LIMIT_MB" conv=fsync || true
	WRITE_T=$T
	rm -f "$WORK/limit.dd"
	# Both at once: what a backup on one disk really has to do (read the
	# source, write the stored bytes durably); the disk may serve them
	# together faster, or not, than one after the other.
	drop
	timed "$LOGS/limits.log" /dev/null sh -c '
		find "$1" -type f -print0 | xargs -0 cat > /dev/null &
		dd if=/dev/zero of="$2" bs=1M count="$3" conv=fsync status=none &
		wait' sh "$CORPUS" "$WORK/limit.dd" "$LIMIT_MB" || true
	BOTH_T=$T
	rm -f "$WORK/limit.dd"
fi

if [ $many -eq 1 ]; then
	rm -rf "$WORK"/many-*.partial-*
	if [ ! -d "$MANY" ]; then
		say "generating $many_count small files in $MANY"
		"$here/make-corpus.sh" --many-files --seed "$seed" "$MANY" "$many_count" > /dev/null
	fi
	sizes "$MANY"
	MANY_BYTES=$S MANY_FILES=$F
	for t in "${TOOLS[@]}"; do
		[ -n "${READY[$t]:-}" ] || continue
		run_many "$t"
	done
fi

# --- report ---------------------------------------------------------------

DATE=$(date +%F)
MD=("# vault backup benchmark, $DATE ($MODE)" ""
    "- command: \`bench/backup-bench.sh${ARGS:+ $ARGS}\` (corpus $size MiB, seed $seed, tools $tools)"
    "- machine: $MACHINE"
    "- cache: $CACHE"
    "- MB = MiB (2^20 bytes); MB/s = source bytes / wall time; peak RSS of the largest process; stored = \`du -sb\` of the repository; sync s = a \`sync\` of the filesystem right after the backup (not included in time s)")
if [ $main -eq 1 ]; then
	MD+=("- corpus: $CORPUS_LINE; after the change: ${CHANGED_FILES:-?} files, $(( ${CHANGED_BYTES:-0} / 1048576 )) MiB (${CHANGE:-not run})")
	table first "first backup" 1
	table nochange "re-backup, nothing changed" 1
	table change "re-backup after changing 1 % of files (${CHANGE:-})" 1
	table restore "full restore of the latest snapshot (+ diff -r check, not timed)" 0
	fx $(( CORPUS_BYTES * 1000000 / 1048576 )) "$READ_T" 1; rmbs=$P
	fx "$READ_T" 1000000 2; rt=$P
	fx $(( CORPUS_BYTES * 1000000 / 1048576 )) "$WRITE_T" 1; wmbs=$P
	fx "$WRITE_T" 1000000 2; wt=$P
	lim1="limit: reading the corpus (cat, $CACHE): $rt s = $rmbs MB/s"
	fx $(( LIMIT_MB * 1000000 )) "$WRITE_T" 1
	lim2="limit: dd writing $LIMIT_MB MB ($LIMIT_WHAT) + fsync: $wt s = $P MB/s written; a backup of this corpus storing that much can not beat $wmbs MB/s"
	fx "$BOTH_T" 1000000 2; bt=$P
	fx $(( CORPUS_BYTES * 1000000 / 1048576 )) "$BOTH_T" 1
	lim3="limit: both at once (cat of the corpus while dd writes $LIMIT_MB MB + fsync): $bt s = $P MB/s of source"
	echo
	echo "$lim1"
	echo "$lim2"
	echo "$lim3"
	MD+=("" "- $lim1" "- $lim2" "- $lim3")
	if [ "${RN[vault:first]:-}" = ok ]; then
		fx "${RT[vault:first]}" "$WRITE_T" 2; r2=$P
		fx "${RT[vault:first]}" "$BOTH_T" 2; r3=$P
		lim4="vault's first backup: ${r2}x the dd limit, ${r3}x the read-and-write limit"
		echo "$lim4"
		MD+=("- $lim4")
	fi
fi
if [ $many -eq 1 ]; then
	hdr="$MANY_FILES files of 100 bytes in $((MANY_FILES / 100)) directories"
	MD+=("" "#### many files: $hdr")
	echo
	echo "many files: $hdr"
	table m-first "many files: first backup" 1 files
	table m-warm "many files: re-backup, nothing changed, warm cache" 1 files
	table m-cold "many files: re-backup, nothing changed, cold cache" 1 files
fi
mins=$(( (SECONDS - START) / 60 )) secs=$(( (SECONDS - START) % 60 ))
echo
echo "run took ${mins}m${secs}s; logs in $LOGS"
MD+=("" "Run took ${mins}m${secs}s.")
[ -n "$out" ] || out=$here/results-$DATE-$MODE.md
printf '%s\n' "${MD[@]}" > "$out"
echo "markdown: $out"
if [ ${#MISMATCH[@]} -gt 0 ]; then
	echo "!!! RESTORE MISMATCH for: ${MISMATCH[*]} (see $LOGS/*.restore.diff)" >&2
	exit 1
fi
