/*
 * records.h - persona data kept beside the history (VLT_OBJ_RECORD).
 *
 * A record is one immutable fact a persona keeps: a milestone, a playtest,
 * feedback, asset metadata. It has a kind ("game.milestone"), a creation
 * time, an author, links to the objects it is about (snapshots, other
 * records) and a body of JSON text the library does not interpret. The
 * byte layout, the ref names (refs/<persona>/<what>/<name>) and what gc
 * and fsck do with records are in Documentation/format.md, section 6.5.
 * Both personas use this API; neither writes record bytes itself.
 */
#ifndef VLT_RECORDS_H
#define VLT_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "hash.h"
#include "object.h"
#include "repo.h"

#define VLT_RECORD_KIND_MAX 64
#define VLT_RECORD_AUTHOR_MAX 1024
#define VLT_RECORD_LINKS_MAX 4096

struct vlt_record_link {
	enum vlt_obj_kind kind;   /* of the target */
	struct vlt_oid oid;
};

struct vlt_record {
	char *kind;                    /* owned, "<persona>.<what>" */
	int64_t time;                  /* seconds since the epoch */
	int tz_minutes;                /* offset east of UTC */
	char *author;                  /* owned, "Name <email>" */
	struct vlt_record_link *links; /* owned; sorted by kind, id on encode */
	size_t nlinks, links_alloc;
	char *body;                    /* owned, NUL-terminated JSON text */
	size_t body_len;
};

/* A zeroed record is valid and empty; _release on it is safe. */
void vlt_record_init(struct vlt_record *rec);
void vlt_record_release(struct vlt_record *rec);
/* Copy kind, body (len bytes) into rec (replacing what was there). */
int vlt_record_set_kind(struct vlt_record *rec, const char *kind);
int vlt_record_set_body(struct vlt_record *rec, const void *body, size_t len);
/* Add a link (a duplicate is added once). */
int vlt_record_add_link(struct vlt_record *rec, enum vlt_obj_kind kind,
			const struct vlt_oid *oid);
/* Fill author, time and zone from the environment, as snapshots do
 * ($VAULT_AUTHOR_NAME, $VAULT_AUTHOR_EMAIL, $VAULT_AUTHOR_DATE). */
int vlt_record_set_defaults(struct vlt_record *rec);

/* 1 if kind is a valid record kind ("creative.asset"), else 0. */
int vlt_record_kind_valid(const char *kind);
/* The ref that names a record of kind: refs/<persona>/<what>/<name>
 * (a name starting with "refs/" is taken as the full ref name).
 * VLT_E_INVALID for a bad kind or a name that makes no valid ref. */
int vlt_record_ref_name(const char *kind, const char *name,
			struct vlt_buf *out);

/* The bytes of format.md 6.5 (links sorted in rec). VLT_E_INVALID when a
 * field breaks the format's rules. */
int vlt_record_encode(struct vlt_record *rec, struct vlt_buf *out);
/* Parse and check the bytes (every length checked before use); rec is
 * filled and owned by the caller. VLT_E_CORRUPT on any breach. */
int vlt_record_decode(const void *data, size_t len, struct vlt_record *rec);

/*
 * The record as text, as vault-cat-object -p and vault-record show print
 * it (appended to out): header lines in the style of a snapshot's, an
 * empty line, the body, a newline if the body lacks one:
 *     kind <kind>
 *     time <unix seconds> <+hhmm|-hhmm>
 *     author <author>
 *     link <kind> <64 hex>       (zero or more, in the record's order)
 */
int vlt_record_format(const struct vlt_record *rec, struct vlt_buf *out);

/* Encode rec and store it (flushed: durable and visible on return);
 * oid_out gets its id. Every link must exist with its kind. */
int vlt_record_create(struct vlt_repo *r, struct vlt_record *rec,
		      struct vlt_oid *oid_out);
/*
 * Read the record oid into rec: VLT_E_NOTFOUND when absent, VLT_E_INVALID
 * when oid is another kind of object, VLT_E_CORRUPT (naming the record)
 * when its bytes break the format or a link's target is missing or of
 * another kind.
 */
int vlt_record_read(struct vlt_repo *r, const struct vlt_oid *oid,
		    struct vlt_record *rec);

/*
 * Calls fn for each record reachable from the refs under refs/ (those that
 * name records, then the records those link to, depth first, each once),
 * in ref-name order. kind NULL: every record; "game": the records of that
 * persona; "game.milestone": that kind only. ref is the name of the ref
 * that names the record, or NULL when it was reached through a link. rec
 * is valid during the call only. Non-zero from fn stops and is returned;
 * a damaged record stops the listing with its error.
 */
typedef int (*vlt_record_fn)(const struct vlt_oid *oid,
			     const struct vlt_record *rec, const char *ref,
			     void *data);
int vlt_record_list(struct vlt_repo *r, const char *kind, vlt_record_fn fn,
		    void *data);

/*
 * The name a record's ref gives it: "beta" for refs/game/milestone/beta
 * when kind is game.milestone; NULL when ref is not under that kind's
 * namespace. Points into ref.
 */
const char *vlt_record_ref_short(const char *kind, const char *ref);

/*
 * The current version of the named record of kind (the record its ref,
 * vlt_record_ref_name, names): oid_out and rec (release it) filled.
 * VLT_E_NOTFOUND, with a message naming kind's <what> and name, when no
 * such record exists; VLT_E_INVALID when the ref names something else.
 */
int vlt_record_lookup(struct vlt_repo *r, const char *kind, const char *name,
		      struct vlt_oid *oid_out, struct vlt_record *rec);

/*
 * Store rec and point the named ref at it, under the repository's writer
 * lock (gc-safe, like a snapshot). old NULL: the name must be new
 * (VLT_E_EXISTS otherwise). old set: rec becomes the next version of the
 * record old, which it links to (so the history of a record is its chain
 * of links), and the ref moves only if it still names old
 * (VLT_E_CONFLICT otherwise). prepare (may be NULL) runs under the
 * lock first, to store what the record will link to (an attachment's
 * file object, vlt_file_from_fd) and add the links and body: what it
 * stores is then safe from a concurrent gc as the record is. oid_out
 * (may be NULL) gets the new id.
 */
typedef int (*vlt_record_prepare_fn)(struct vlt_repo *r,
				     struct vlt_record *rec, void *data);
int vlt_record_save(struct vlt_repo *r, struct vlt_record *rec,
		    const char *name, const struct vlt_oid *old,
		    vlt_record_prepare_fn prepare, void *data,
		    struct vlt_oid *oid_out);

#endif
