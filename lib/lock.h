/*
 * lock.h - lock keys shared by refs and repository-wide locks.
 *
 * A lock is a key created with put-if-absent whose content says who holds
 * it: "pid <pid>\nhost <hostname>\ntime <unix>\nwhat <purpose>\n". Creating
 * it is the atomic step; deleting it releases. A lock whose holder is on
 * this host and no longer running is "stale": the next command that wants
 * it takes it over (removes it with a vlt_notice() naming the dead pid,
 * then creates its own). Locks held from other hosts are never broken
 * automatically (vault unlock removes locks explicitly). Held locks are
 * released by an interrupted program's signal handler (cleanup.h).
 *
 * Repository locks (locks/<kind>-<random>): shared locks are taken by
 * backups and readers, exclusive ones by maintenance that cannot run beside
 * them. Documentation/format.md describes the protocol.
 */
#ifndef VLT_LOCK_H
#define VLT_LOCK_H

#include <stdint.h>

#include "buf.h"
#include "repo.h"

struct vlt_lock_info {
	long pid;
	char host[256];
	int64_t time;
	char what[128];
	uint64_t gen;    /* writer locks: the gc generation seen (format.md) */
	int has_gen;
};

/* Create key as a lock (VLT_E_LOCKED with a message naming the holder). */
int vlt_lock_key(struct vlt_repo *r, const char *key, const char *what);
/* The same, but while a live holder keeps it, retry for up to timeout_ms
 * (with jittered backoff). A stale lock (dead holder) is taken over. */
int vlt_lock_key_wait(struct vlt_repo *r, const char *key, const char *what,
		      long timeout_ms);
/* Delete the lock key (VLT_E_NOTFOUND if someone removed it meanwhile). */
int vlt_unlock_key(struct vlt_repo *r, const char *key);
/* Parse a lock key's content (VLT_E_CORRUPT if malformed). */
int vlt_lock_read(struct vlt_repo *r, const char *key,
		  struct vlt_lock_info *info);
/* 1 if the holder is on this host and its pid no longer exists. */
int vlt_lock_is_stale(const struct vlt_lock_info *info);
/* "live", "stale", or "unknown" (held from another host: cannot tell). */
const char *vlt_lock_state(const struct vlt_lock_info *info);
/* Append "pid 42 on host h, 3m old (what)" and, for a stale lock, a hint
 * on removing it. */
int vlt_lock_describe(const struct vlt_lock_info *info, struct vlt_buf *out);

enum vlt_repo_lock_kind {
	VLT_LOCK_SHARED,
	VLT_LOCK_EXCLUSIVE,
};

struct vlt_repo_lock {
	char key[96];   /* locks/shared-<hex> or locks/exclusive-<hex> */
	int held;
};

/* Take a repository-wide lock; VLT_E_LOCKED names the conflicting holder. */
int vlt_repo_lock(struct vlt_repo *r, enum vlt_repo_lock_kind kind,
		  const char *what, struct vlt_repo_lock *out);
int vlt_repo_unlock(struct vlt_repo *r, struct vlt_repo_lock *l);
/* Rewrite a held lock's content with a "gen N" line: the newest gc plan
 * its holder has taken into account (the gc protocol in format.md). */
int vlt_repo_lock_set_gen(struct vlt_repo *r, struct vlt_repo_lock *l,
			  const char *what, uint64_t gen);

/* Lists lock keys (all under locks/, refs/...NAME.lock, HEAD.lock), sorted,
 * with their info; info is NULL when the content is malformed. Non-zero
 * from fn stops and is returned. Used by `vault unlock` and fsck. */
typedef int (*vlt_lock_fn)(const char *key, const struct vlt_lock_info *info,
			   void *data);
int vlt_lock_for_each(struct vlt_repo *r, vlt_lock_fn fn, void *data);

/*
 * Remove what writers that are provably gone left behind: every lock whose
 * holder is stale (same host, pid gone), and every temporary file
 * NAME.tmp-PID-RAND (Documentation/format.md) in the repository whose PID
 * does not run on this host and is not named by a lock from another host
 * (never a live writer's file; none at all while a lock is unreadable).
 * Each removal is reported with vlt_notice(). gc runs it first; fsck too.
 */
struct vlt_clean_stats {
	uint64_t locks;        /* stale locks removed */
	uint64_t temps;        /* temporary files removed */
	uint64_t temp_bytes;
};

int vlt_repo_clean_dead_writers(struct vlt_repo *r,
				struct vlt_clean_stats *st);

#endif
