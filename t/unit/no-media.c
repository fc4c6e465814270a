/*
 * no-media.c - what each media unit test (image, visual-diff, mesh) is
 * built from when vault is configured --without-media: it reports the
 * whole test as skipped, with the reason, so the summary shows it (TAP
 * "1..0 # SKIP"). See t/Makefile.am.inc.
 */
#include <stdio.h>

int main(void)
{
	printf("1..0 # SKIP media support not built "
	       "(./configure --without-media)\n");
	return 0;
}
