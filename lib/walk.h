/*
 * walk.h - walking the history of snapshots after retention.
 *
 * `vault forget` marks snapshots forgotten; gc then frees their trees but
 * keeps their small snapshot objects, so a history stays one chain
 * (Documentation/format.md, section 9). A walk over history must tell
 * apart, at every step, a snapshot whose files are stored, a forgotten one
 * whose files are gone (by design: the end of what can be compared) and
 * an object that is missing although nobody forgot it (damage). Every
 * command that walks history goes through here; none looks at how the
 * marks are stored.
 */
#ifndef VLT_WALK_H
#define VLT_WALK_H

#include <stddef.h>

#include "hash.h"
#include "oidset.h"
#include "repo.h"
#include "tree.h"

/* 1 if the snapshot is marked forgotten, 0 if not, < 0 on error. */
int vlt_snapshot_forgotten(struct vlt_repo *r, const struct vlt_oid *oid);
/* Mark a snapshot forgotten (0 also when it was already). */
int vlt_snapshot_forget(struct vlt_repo *r, const struct vlt_oid *oid);
/* Add every forgotten snapshot's id to set (one listing of the marks). */
int vlt_forgotten_load(struct vlt_repo *r, struct vlt_oidset *set);
/* Check every mark holds exactly what vlt_snapshot_forget writes; the
 * number of errors reported through fn (repo.h), or a VLT_E_* code. */
int vlt_forgotten_check(struct vlt_repo *r, vlt_check_fn fn, void *data);

/* What a walk found where a snapshot's first parent should be. */
enum vlt_parent_state {
	VLT_PARENT_NONE = 0,   /* a first snapshot: nothing before it */
	VLT_PARENT_OK,         /* parent_tree is stored: compare with it */
	VLT_PARENT_FORGOTTEN,  /* forgotten, its files freed by gc (or its
				* snapshot object gone too): compare with
				* nothing, the kept history starts here */
	VLT_PARENT_MISSING,    /* missing, not forgotten: damage */
};

struct vlt_walk_entry {
	struct vlt_oid oid;
	struct vlt_snapshot snap;      /* decoded */
	int forgotten;                 /* marked forgotten */
	int has_tree;                  /* its tree is stored (0 for a
					* forgotten snapshot after gc) */
	enum vlt_parent_state parent;  /* of the first parent */
	struct vlt_oid parent_id;      /* unless VLT_PARENT_NONE */
	struct vlt_oid parent_tree;    /* when VLT_PARENT_OK */
};

/* Flags for vlt_walk_init. */
#define VLT_WALK_FIRST_PARENT 1u  /* follow first parents only (git log
				     --first-parent); else every parent,
				     each snapshot once */

struct vlt_walk {
	struct vlt_repo *r;
	unsigned flags;
	struct vlt_oidset forgotten;   /* the marks, loaded once */
	struct vlt_oidset seen;
	struct vlt_oid *todo;          /* a stack: newest on top */
	size_t nr, alloc;
	struct vlt_walk_entry cur;     /* the entry last returned */
	int have_cur;
	/* the first parent of cur as read to tell its state: the next
	 * entry of a first-parent walk, not read twice */
	struct vlt_snapshot next;
	struct vlt_oid next_oid;
	int have_next, next_has_tree;
	/*
	 * Set once the walk met forgotten history: a snapshot whose first
	 * parent is VLT_PARENT_FORGOTTEN, a forgotten snapshot without its
	 * files, or a forgotten snapshot object that is gone. Programs say
	 * so once ("note: older snapshots were forgotten").
	 */
	int met_forgotten;
};

int vlt_walk_init(struct vlt_walk *w, struct vlt_repo *r, unsigned flags);
/* Start (also) from this snapshot. */
int vlt_walk_push(struct vlt_walk *w, const struct vlt_oid *start);
/*
 * The next snapshot, newest first along first parents (a full walk is
 * depth-first, parents in order): 1 and *out (valid until the next call
 * or vlt_walk_release), 0 at the end. Forgotten snapshots whose object is
 * stored are returned (forgotten set, has_tree telling whether their files
 * are still there); one whose object is gone ends its line quietly. A
 * missing snapshot that was not forgotten is VLT_E_CORRUPT, naming the
 * snapshot that points to it.
 */
int vlt_walk_next(struct vlt_walk *w, const struct vlt_walk_entry **out);
void vlt_walk_release(struct vlt_walk *w);

#endif
