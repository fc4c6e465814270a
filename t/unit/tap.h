/*
 * tap.h - a tiny TAP producer for the C unit tests (run by prove or by
 * automake's tap-driver). Each check prints "ok N - name" or "not ok N".
 */
#ifndef VLT_TAP_H
#define VLT_TAP_H

#include <stdio.h>
#include <string.h>

void tap_plan(int n);
void tap_plan_lazy(void);  /* print the plan at tap_done() */
int tap_ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tap_skip(const char *why);
/* Print the trailing plan if lazy; return the exit status for main(). */
int tap_done(void);
/* A fresh empty scratch directory for this test program (removed at exit
 * unless VAULT_TEST_KEEP is set). Owned by tap. */
const char *tap_tmpdir(void);

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)
#define is_int(got, want, name) do { long long g_ = (got), w_ = (want); \
	if (!tap_ok(g_ == w_, "%s", name)) \
		tap_diag("  got %lld, want %lld", g_, w_); } while (0)
#define is_str(got, want, name) do { const char *g_ = (got), *w_ = (want); \
	if (!tap_ok(g_ && w_ && !strcmp(g_, w_), "%s", name)) \
		tap_diag("  got '%s', want '%s'", g_ ? g_ : "(null)", \
			 w_ ? w_ : "(null)"); } while (0)

#endif
