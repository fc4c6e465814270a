/*
 * walk.h - walking the history of snapshots after retention, and every
 * object reachable from a set of roots.
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
#include <stdint.h>

#include "buf.h"
#include "hash.h"
#include "object.h"
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

/*
 * The object walk (git's list-objects.c): every object reachable from
 * the roots given, each visited once (a seen-set of ids, lib/oidset.h),
 * depth-first: snapshots lead to their tree and parents, trees to their
 * entries, file objects to their chunks. Snapshots, trees and file
 * objects are read and decoded, chunks (and symlink targets) only looked
 * up in the indexes unless VLT_OBJWALK_NO_LEAF_CHECK. A forgotten
 * snapshot leads to its parents but not to its tree, unless it was added
 * with VLT_OBJWALK_WHOLE (a ref names it); a missing parent that was
 * forgotten ends its line quietly. Serves gc marking and stats.
 */
struct vlt_object_visit {
	const struct vlt_oid *oid;
	enum vlt_obj_kind kind;
	const struct vlt_oid *snap;   /* the snapshot it was reached through
				       * (all zeros for a root that is none) */
	const char *from;             /* label of its root (set_from) or "" */
	const char *path;             /* path below the snapshot's tree it
				       * was first reached by ("" for roots;
				       * a chunk's is its file's; a symlink
				       * target's its own in order, else its
				       * tree's) */
	size_t depth;                 /* directories above it */
	enum vlt_obj_kind parent_kind; /* what it was reached from: a chunk
				       * from a file object, a symlink's
				       * target from a tree; VLT_OBJ_NONE
				       * for roots */
	/* the decoded object, for its kind (else NULL) */
	const struct vlt_snapshot *snapshot;
	const struct vlt_tree *tree;
	const struct vlt_file *file;
};

/* What is wrong with a visit's object, for the damage callback. */
enum vlt_objwalk_damage {
	VLT_OBJWALK_NOT_FOUND = 1,  /* a chunk not in any index */
	VLT_OBJWALK_UNREADABLE,     /* cannot be read (missing, bad pack) */
	VLT_OBJWALK_CORRUPT,        /* read but does not decode */
	VLT_OBJWALK_PARENT_MISSING, /* a parent snapshot (visit->oid) of
				     * visit->snap is missing, not forgotten */
	VLT_OBJWALK_TOO_DEEP,       /* a tree below the format's depth
				     * limit (VLT_OBJWALK_CHECK_DEPTH) */
};

/* Called once per object; non-zero stops the walk and is returned. */
typedef int (*vlt_object_fn)(const struct vlt_object_visit *v, void *data);
/* Called for damage (err is the VLT_E_* code, the message in
 * vlt_error_last()): 0 skips the object and goes on, < 0 stops the walk
 * with that code. Without one, the walk stops with err and a message
 * naming the object, its snapshot and its root. */
typedef int (*vlt_objwalk_damage_fn)(const struct vlt_object_visit *v,
				     enum vlt_objwalk_damage what, int err,
				     void *data);

/* Flags for vlt_objwalk_init. */
#define VLT_OBJWALK_NO_LEAF_CHECK 1u  /* visit chunks without looking them
					 up (the caller does) */
#define VLT_OBJWALK_IN_ORDER      2u  /* visit a tree's entries in order
					 (as a recursive walk would);
					 else in no promised order */
#define VLT_OBJWALK_CHECK_DEPTH   4u  /* trees deeper than the format's
					 limit are damage */
#define VLT_OBJWALK_NO_SYMLINKS   8u  /* do not reach symlinks' targets */
/* Flags for vlt_objwalk_add. */
#define VLT_OBJWALK_WHOLE 1u  /* a forgotten snapshot keeps its tree */

struct vlt_objwalk_item {
	struct vlt_oid oid, snap;
	uint32_t from, depth;
	size_t path_off, path_len;    /* in paths */
	unsigned char kind, parent_kind;
	unsigned char deferred;       /* first met when popped (in order) */
};

struct vlt_objwalk {
	struct vlt_repo *r;
	unsigned flags;
	struct vlt_oidset seen;       /* every object reached: the result */
	struct vlt_oidset forgotten;  /* the marks, loaded once */
	struct vlt_oidset whole;
	struct vlt_objwalk_item *stack;
	size_t nr, alloc;
	struct vlt_buf paths;         /* of the items on the stack */
	struct vlt_buf path;          /* of the item being visited */
	struct vlt_buf obj;
	struct vlt_strlist from;
	uint32_t cur_from;
	struct vlt_oid cur_snap;
	uint32_t cur_depth;
	enum vlt_obj_kind cur_kind;
	vlt_object_fn fn;
	vlt_objwalk_damage_fn damage;
	void *data;
};

/* fn and damage may be NULL. */
int vlt_objwalk_init(struct vlt_objwalk *w, struct vlt_repo *r,
		     unsigned flags, vlt_object_fn fn,
		     vlt_objwalk_damage_fn damage, void *data);
/* Label the roots added from now on ("ref refs/x"; copied). */
int vlt_objwalk_set_from(struct vlt_objwalk *w, const char *label);
/* Add a root of that kind (nothing if already reached); a chunk root is
 * visited at once. Roots are followed by vlt_objwalk_run. */
int vlt_objwalk_add(struct vlt_objwalk *w, const struct vlt_oid *oid,
		    enum vlt_obj_kind kind, unsigned flags);
/* Add every ref's value and a detached HEAD, each kept whole, each
 * labelled "ref NAME". A ref to nothing stored is damage (NOT_FOUND). */
int vlt_objwalk_add_refs(struct vlt_objwalk *w);
/* Follow everything added so far (roots may be added again after). */
int vlt_objwalk_run(struct vlt_objwalk *w);
/* 1 if the walk reached oid. */
int vlt_objwalk_seen(const struct vlt_objwalk *w, const struct vlt_oid *oid);
void vlt_objwalk_release(struct vlt_objwalk *w);

#endif
