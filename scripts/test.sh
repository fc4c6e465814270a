#!/usr/bin/env bash
# Build vault and run the whole test suite: C unit tests (TAP) and bats
# CLI tests, then the same suite again under AddressSanitizer and
# UndefinedBehaviorSanitizer in a separate build, with the damage sweep
# (make check-long) after the plain pass. Exit non-zero on any failure.
# SANITIZE=0 skips the sanitizer pass.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh

summary() {  # summary LABEL LOGDIR: the closing line of a make check run
	local pass fail
	pass=$(cat "$2"/t/unit/*.trs "$2"/t/cli/*.trs 2>/dev/null | grep -c '^:test-result: PASS' || true)
	fail=$(cat "$2"/t/unit/*.trs "$2"/t/cli/*.trs 2>/dev/null | grep -c '^:test-result: FAIL\|^:test-result: ERROR' || true)
	echo "$1: $pass passed, $fail failed"
}

rc=0
make -C _build -j"$(nproc)" check >/tmp/vault-check.log 2>&1 || rc=$?
grep -E '^(# |PASS|FAIL|ERROR|XFAIL|XPASS|SKIP)' /tmp/vault-check.log | grep -v '^PASS' || true
if [ $rc -ne 0 ]; then
	for f in _build/t/unit/*.log _build/t/cli/*.log; do
		grep -q '^not ok' "$f" 2>/dev/null && { echo "== $f"; grep -B2 -A15 '^not ok' "$f" | head -80; }
	done
fi
summary "tests" _build

# The damage sweep (t/long/damage-sweep.sh, about a minute): every file of
# a small repository deleted, truncated and flipped; fsck, backup, gc and
# restore must keep their promises.
if [ $rc -eq 0 ]; then
	make -C _build check-long >/tmp/vault-check-long.log 2>&1 || rc=$?
	grep -E '^(damage sweep|  )' /tmp/vault-check-long.log || true
fi

if [ "${SANITIZE:-1}" = 1 ] && [ $rc -eq 0 ]; then
	# A separate out-of-tree build with ASan + UBSan; any report aborts.
	(
		BUILD_DIR="$PWD/_build-asan" ./scripts/build.sh \
			CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
			LDFLAGS="-fsanitize=address,undefined"
		cd _build-asan
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			make -j"$(nproc)" check >/tmp/vault-check-asan.log 2>&1
	) || rc=$?
	grep -E '^(FAIL|ERROR)' /tmp/vault-check-asan.log || true
	if [ $rc -ne 0 ]; then
		for f in _build-asan/t/unit/*.log _build-asan/t/cli/*.log; do
			grep -q '^not ok\|ERROR: AddressSanitizer\|runtime error' "$f" 2>/dev/null &&
				{ echo "== $f"; grep -B2 -A25 '^not ok\|ERROR: AddressSanitizer\|runtime error' "$f" | head -80; }
		done
	fi
	summary "sanitizers" _build-asan
fi
exit $rc
