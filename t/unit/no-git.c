/*
 * no-git.c - what each git-interop unit test (git-lfs) is built from
 * when vault is configured --without-git: it reports the whole test as
 * skipped, with the reason (TAP "1..0 # SKIP"). See t/Makefile.am.inc.
 */
#include <stdio.h>

int main(void)
{
	printf("1..0 # SKIP git support not built "
	       "(./configure --without-git)\n");
	return 0;
}
