#!/usr/bin/env bash
# check-layout.sh [TOP] - the layout rules of the tree (issue 11,
# Documentation/architecture.md), checked on the sources of TOP (default:
# the tree this script is in). Prints one line per offence and exits 1 if
# there is any, 0 when all is well. Run by make check (t/cli/layout.bats).
#
# 1. No program knows how the repository is laid out: no file in
#    plumbing/, porcelain/, personas/ or cli/ holds a string literal that
#    starts with a storage key or ref namespace ("refs/, "packs/, ...).
#    The library (lib/) builds every key; programs ask it.
# 2. A persona (personas/NAME/) includes only the libraries' headers
#    (lib/, lib/media/, lib/git/), cli/ and its own folder: never
#    porcelain/, plumbing/ nor another persona.
set -u
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2

# The first components of the repository's keys (Documentation/format.md).
keys='refs|snapshots|tags|forgotten|packs|index|locks|gc|keys|logs|damaged|workspaces'
# Literals a program may keep anyway: "FILE<TAB>LITERAL" lines, each with
# the reason beside it. Empty: none is needed today.
allow=''

bad=0
offence() {
	printf '%s\n' "$*"
	bad=1
}

program_files() {
	local d
	for d in plumbing porcelain personas cli; do
		[ -d "$d" ] && find "$d" -type f \( -name '*.c' -o -name '*.h' \)
	done | LC_ALL=C sort
}

while IFS= read -r f; do
	while IFS= read -r hit; do
		lit=$(grep -oE "\"($keys)/" <<<"${hit#*:}" | head -n1)
		if [ -n "$allow" ] && grep -qxF "$f	$lit" <<<"$allow"; then
			continue
		fi
		offence "$f:${hit%%:*}: names the storage key $lit\" (ask lib/ for it)"
	done < <(grep -nE "\"($keys)/" "$f")
done < <(program_files)

# Where a header named NAME lives among the given folders (first match).
header_dir() {
	local name=$1 d
	shift
	for d in "$@"; do
		if [ -f "$d/$name" ]; then
			printf '%s\n' "$d"
			return 0
		fi
	done
	return 1
}

for persona in personas/*/; do
	persona=${persona%/}
	[ -d "$persona" ] || continue
	others=()
	for p in personas/*/; do
		p=${p%/}
		[ "$p" != "$persona" ] && others+=("$p")
	done
	while IFS= read -r f; do
		while IFS=: read -r line name; do
			if [[ $name == */* ]]; then
				offence "$f:$line: includes \"$name\" by path (a persona" \
					"names headers of its libraries by name)"
				continue
			fi
			if header_dir "$name" "$persona" lib lib/media lib/git cli \
			    >/dev/null; then
				continue
			fi
			if where=$(header_dir "$name" porcelain plumbing "${others[@]}"); then
				offence "$f:$line: includes $name from $where/ (a persona" \
					"uses only the libraries, cli/ and its own folder)"
			else
				offence "$f:$line: includes $name, which is no header of" \
					"the libraries, cli/ or $persona/"
			fi
		done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
			 sed -E 's/^([0-9]+):.*"([^"]+)".*/\1:\2/')
	done < <(find "$persona" -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
done

exit "$bad"
