#!/usr/bin/env bash
# Configure (once) and build vault out of tree in _build/ (or $BUILD_DIR):
# _build/bin holds every program afterwards. Extra arguments go to
# ./configure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/_build}
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "$top/configure" -nt config.status ]; then
	"$top"/configure -q "$@"
fi
make -j"$(nproc)" >/dev/null
