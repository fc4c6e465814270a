/*
 * cleanup.c - the registry of files to remove on interrupt (cleanup.h).
 *
 * Each slot is free (0), being filled or emptied (1), or armed (2); the
 * state changes with atomic compare-and-swap, so threads register
 * concurrently and a signal handler only ever unlinks armed slots, whose
 * path is complete. A handler that fires while a slot is half written
 * skips it: at worst one file is left for gc's sweep of dead writers.
 */
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define SLOTS 128

enum { FREE, BUSY, ARMED };

static struct {
	int state;
	char path[PATH_MAX];
} slots[SLOTS];

int vlt_cleanup_add(const char *path)
{
	size_t n = strlen(path);

	if (n >= PATH_MAX)
		return -1;
	for (int i = 0; i < SLOTS; i++) {
		int expect = FREE;

		if (!__atomic_compare_exchange_n(&slots[i].state, &expect, BUSY,
						 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_RELAXED))
			continue;
		memcpy(slots[i].path, path, n + 1);
		__atomic_store_n(&slots[i].state, ARMED, __ATOMIC_RELEASE);
		return i;
	}
	return -1;
}

void vlt_cleanup_forget(int slot)
{
	if (slot < 0 || slot >= SLOTS)
		return;
	__atomic_store_n(&slots[slot].state, FREE, __ATOMIC_RELEASE);
}

void vlt_cleanup_forget_path(const char *path)
{
	for (int i = 0; i < SLOTS; i++) {
		int expect = ARMED;

		if (__atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) != ARMED ||
		    strcmp(slots[i].path, path))
			continue;
		if (__atomic_compare_exchange_n(&slots[i].state, &expect, FREE,
						0, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return;
	}
}

void vlt_cleanup_run(void)
{
	for (int i = 0; i < SLOTS; i++)
		if (__atomic_load_n(&slots[i].state, __ATOMIC_ACQUIRE) == ARMED)
			unlink(slots[i].path);
}
