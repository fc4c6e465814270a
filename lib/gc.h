/*
 * gc.h - garbage collection that runs beside backups, without an exclusive
 * lock and without trusting clocks.
 *
 * The protocol (Documentation/format.md, "Garbage collection"): gc marks
 * what refs reach, copies the live objects out of mostly-dead packs, and
 * publishes a numbered plan (gc/plan-N) naming the packs it will delete.
 * Writers take a shared lock that records the newest plan they have seen;
 * they never deduplicate against packs doomed by a plan they know, and
 * before they publish a snapshot they re-check for newer plans and copy
 * any object they rely on out of newly doomed packs. gc deletes a plan's
 * packs only when every writer lock has seen the plan, after marking once
 * more from the refs as they are then.
 */
#ifndef VLT_GC_H
#define VLT_GC_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "lock.h"
#include "repo.h"

/*
 * Read the plans: *generation gets the newest plan number (0 when gc never
 * ran); every pack doomed by a plan that is not yet swept is marked doomed
 * in the object database.
 */
int vlt_gc_load_plans(struct vlt_repo *r, uint64_t *generation);

/* Writers: a shared lock that records the generation seen; packs whose
 * file is missing or cut short are marked lost (vlt_odb_check_packs). */
int vlt_writer_begin(struct vlt_repo *r, struct vlt_repo_lock *lock,
		     uint64_t *generation, const char *what);
/*
 * Before publishing a snapshot whose objects are all written: if plans
 * newer than *generation exist, make every object reachable from `root`
 * (a snapshot, tree or record) live again by copying those that sit only
 * in newly doomed packs, flush, and record the new generation in the
 * lock. Loops until no newer plan appears. Returns 0 when it is safe to publish.
 */
int vlt_writer_settle(struct vlt_repo *r, struct vlt_repo_lock *lock,
		      uint64_t *generation, const struct vlt_oid *root);
/* The same for several new snapshots at once (an import writes a whole
 * history before one branch update publishes it). */
int vlt_writer_settle_many(struct vlt_repo *r, struct vlt_repo_lock *lock,
			   uint64_t *generation, const struct vlt_oid *roots,
			   size_t nroots);
int vlt_writer_end(struct vlt_repo *r, struct vlt_repo_lock *lock);

struct vlt_gc_opts {
	int dry_run;
	int repack_threshold;   /* repack packs with less than this % live */
	int wait;               /* wait for writers instead of leaving the
				 * sweep to a later gc */
	int quiet;
	int force;              /* free even when refs vanished */
	int reflog_expire_set;  /* else config gc.reflogExpire, else never */
	int64_t reflog_expire;  /* seconds; -1 never: reflog entries older
				 * than this are no longer roots */
};

/* gc refuses (without force) to free more than this percentage of the
 * repository's pack bytes when refs vanished since the last gc. */
#define VLT_GC_VANISHED_SHARE 50

struct vlt_gc_stats {
	uint64_t packs_before, packs_after;
	uint64_t objects_live, objects_dead;
	uint64_t bytes_before, bytes_freed, bytes_repacked;
	uint64_t packs_deleted, packs_pending;  /* left for a later sweep */
	uint64_t packs_protected;               /* new: may be a writer's */
	uint64_t plan;                          /* plan number published */
	char note[640];                         /* why packs are pending */
	uint64_t packs_reindexed;               /* had no index: indexed */
	uint64_t packs_unindexable;             /* no index, damaged: kept */
	char unindexable[512];                  /* the first such error */
	uint64_t reflog_roots;                  /* kept only by reflogs */
};

int vlt_gc_run(struct vlt_repo *r, const struct vlt_gc_opts *o,
	       struct vlt_gc_stats *st);

/*
 * Index again every pack found without an index (vlt_pack_reindex), under
 * gc/lock; packs doomed by a plan are left to its sweep. *made counts the
 * indexes stored, *bad the packs too damaged to index (note gets the first
 * message). gc does this itself; fsck --repair calls it.
 */
int vlt_gc_reindex(struct vlt_repo *r, uint64_t *made, uint64_t *bad,
		   char *note, size_t notelen);

/* "never" (-1), "now" (0), or days ("90", "90d"): reflog expiry in
 * seconds, for --expire-reflog and gc.reflogExpire. */
int vlt_gc_parse_expire(const char *s, int64_t *secs);

/*
 * Check gc's own files (format.md 9.3, 9.4): every plan parses as gc
 * writes it, every done marker holds "swept", gc/refs parses. A plan not
 * yet swept is a VLT_CHECK_NOTE, not damage. Returns the number of errors
 * reported through fn (see vlt_check_fn in repo.h), or a VLT_E_* code.
 */
int vlt_gc_check(struct vlt_repo *r, vlt_check_fn fn, void *data);

#endif
