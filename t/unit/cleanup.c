/*
 * cleanup.c - unit tests for lib/cleanup.c, the registry of files a
 * signal handler removes: armed files go, forgotten ones stay, a full
 * table says so instead of overwriting, and freed slots are reused.
 */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "cleanup.h"
#include "tap.h"

static void make(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs("x\n", f);
		fclose(f);
	}
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int main(void)
{
	char a[PATH_MAX], b[PATH_MAX], c[PATH_MAX];
	int sa, sb, sc, slots[200], n = 0;

	tap_plan_lazy();
	snprintf(a, sizeof(a), "%s/a.tmp-1-000000000000", tap_tmpdir());
	snprintf(b, sizeof(b), "%s/b.tmp-1-000000000000", tap_tmpdir());
	snprintf(c, sizeof(c), "%s/c.lock", tap_tmpdir());
	make(a);
	make(b);
	make(c);
	sa = vlt_cleanup_add(a);
	sb = vlt_cleanup_add(b);
	sc = vlt_cleanup_add(c);
	ok(sa >= 0 && sb >= 0 && sc >= 0 && sa != sb && sb != sc,
	   "three files get three slots");
	vlt_cleanup_forget(sb);
	vlt_cleanup_forget_path(c);
	vlt_cleanup_run();
	ok(!exists(a), "an armed file is removed");
	ok(exists(b), "a file forgotten by slot stays");
	ok(exists(c), "a file forgotten by path stays");
	vlt_cleanup_forget(sa);
	vlt_cleanup_forget(-1);   /* ignored */

	/* fill the table: it refuses, never overwrites */
	for (int i = 0; i < 200; i++) {
		slots[i] = vlt_cleanup_add(b);
		if (slots[i] >= 0)
			n++;
	}
	ok(n >= 64 && n < 200, "the table holds %d entries, then refuses", n);
	ok(vlt_cleanup_add(c) == -1, "a full table returns -1");
	for (int i = 0; i < 200; i++)
		vlt_cleanup_forget(slots[i]);
	ok(vlt_cleanup_add(c) >= 0, "freed slots are reused");
	vlt_cleanup_forget_path(c);
	vlt_cleanup_run();
	ok(exists(b) && exists(c), "nothing forgotten is removed");
	unlink(b);
	unlink(c);
	return tap_done();
}
