#!/bin/sh
# check-api.sh - the public API boundary between the libraries and the
# programs (make check runs it; Makefile.am explains the boundary).
#
# Each library folder (lib/, lib/media/, lib/assets/, lib/git/, cli/) lists its public
# headers in a comment at the top of its Makefile.am.inc:
#
#   # Public headers:
#   #   a.h b.h
#   #   c.h
#
# Everything else in that folder (repo-internal.h, pack-internal.h,
# backend.h, ...) is internal to the libraries. This script fails when
#   - a program (plumbing/, porcelain/, personas/, bench/, t/helpers/) or
#     the front end (cli/) includes a header of a library that is not on
#     that library's public list;
#   - a public header includes a header that is not public, other than
#     inside its "#ifdef VLT_CORE_INTERNAL" block (what the libraries'
#     CPPFLAGS see);
#   - a file outside lib/ and t/unit/ defines or tests VLT_CORE_INTERNAL,
#     or a program fragment compiles with CORE_CPPFLAGS;
#   - a listed public header does not exist.
# Unit tests (t/unit/) look inside the libraries and may include anything.
# Output is TAP, one test per rule, the offending lines as diagnostics.
#
# usage: scripts/check-api.sh [SRCDIR]
set -eu
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"

LIBS="lib lib/media lib/assets lib/git cli"
PROGRAMS="plumbing porcelain personas bench t/helpers"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
publist=$tmp/public
: > "$publist"
n=0
bad=0

# result DESCRIPTION FILE: one TAP line, FILE's lines as diagnostics
result() {
	n=$((n + 1))
	if [ -s "$2" ]; then
		echo "not ok $n - $1"
		sed 's/^/# /' "$2"
		bad=1
	else
		echo "ok $n - $1"
	fi
}

# public_of DIR: the public headers listed in DIR/Makefile.am.inc
public_of() {
	awk '/^# Public headers/ { on = 1; next }
	     on && /^#   / { sub(/^#   /, ""); print; next }
	     on { exit }' "$1/Makefile.am.inc" | tr ' \t' '\n\n' | sed '/^$/d'
}

# is_public LIB NAME: NAME is on the public list of library folder LIB
is_public() {
	grep -qx "$1/$2" "$publist"
}

# owner NAME: the library folder holding header NAME, if any
owner() {
	for d in $LIBS; do
		if [ -f "$d/$1" ]; then
			echo "$d"
			return
		fi
	done
}

# includes FILE: each "NAME" included outside an #ifdef VLT_CORE_INTERNAL
# block, as "LINE NAME"
includes() {
	awk '/^#[ \t]*if/ { depth++; if ($0 ~ /VLT_CORE_INTERNAL/ && !in_int) in_int = depth }
	     /^#[ \t]*endif/ { if (in_int == depth) in_int = 0; depth-- }
	     /^#[ \t]*include[ \t]*"/ && !in_int {
		name = $0; sub(/^#[ \t]*include[ \t]*"/, "", name); sub(/".*/, "", name)
		print FNR, name
	     }' "$1"
}

echo "1..4"

# 1. every library lists its public headers, and they exist
: > "$tmp/1"
for d in $LIBS; do
	k=0
	for h in $(public_of "$d"); do
		k=$((k + 1))
		[ -f "$d/$h" ] ||
			echo "$d/Makefile.am.inc lists $h, which does not exist" >> "$tmp/1"
		echo "$d/$h" >> "$publist"
	done
	[ "$k" -gt 0 ] ||
		echo "$d/Makefile.am.inc has no '# Public headers:' list" >> "$tmp/1"
done
result "each library lists its public headers" "$tmp/1"

# 2. programs and the front end include only public headers
: > "$tmp/2"
for dir in $PROGRAMS cli; do
	[ -d "$dir" ] || continue
	for f in $(find "$dir" -name '*.[ch]' | sort); do
		includes "$f" | while read -r line name; do
			# a header of the file's own folder: its program's, or
			# (cli/) its own library's
			[ -f "$(dirname "$f")/$name" ] && continue
			lib=$(owner "$name")
			[ -n "$lib" ] || continue   # not a library's header
			is_public "$lib" "$name" && continue
			echo "$f:$line: includes $name, which is internal to $lib/ (public headers: $lib/Makefile.am.inc)"
		done
	done
done >> "$tmp/2"
result "programs include only the libraries' public headers" "$tmp/2"

# 3. public headers expose only public headers
: > "$tmp/3"
while read -r h; do
	[ -f "$h" ] || continue
	includes "$h" | while read -r line name; do
		lib=$(owner "$name")
		[ -n "$lib" ] || continue
		is_public "$lib" "$name" ||
			echo "$h:$line: a public header includes $name, which is internal (include it under #ifdef VLT_CORE_INTERNAL, or make it public)"
	done
done < "$publist" >> "$tmp/3"
result "public headers include only public headers" "$tmp/3"

# 4. only the libraries (and unit tests) see the internal halves
: > "$tmp/4"
for dir in $PROGRAMS cli; do
	[ -d "$dir" ] || continue
	grep -rn --include='*.[ch]' 'VLT_CORE_INTERNAL' "$dir" >> "$tmp/4" || true
done
for frag in plumbing/Makefile.am.inc porcelain/Makefile.am.inc \
	    personas/*/Makefile.am.inc cli/Makefile.am.inc bench/Makefile.am.inc; do
	[ -f "$frag" ] || continue
	grep -Hn 'CORE_CPPFLAGS\|VLT_CORE_INTERNAL' "$frag" >> "$tmp/4" || true
done
result "programs are compiled without VLT_CORE_INTERNAL (PUBLIC_CPPFLAGS or AM_CPPFLAGS)" "$tmp/4"

exit "$bad"
