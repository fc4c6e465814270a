/*
 * gamerec.h - what the game persona's record commands (vault-milestone,
 * vault-feedback) share: reading and writing a record's JSON body,
 * resolving the build a record is about, refusing an edit. The records
 * themselves are lib/records.h; the bodies are format.md 6.5.1.
 */
#ifndef VLT_GAME_GAMEREC_H
#define VLT_GAME_GAMEREC_H

#include <jansson.h>

#include "hash.h"
#include "records.h"
#include "repo.h"

/* The body of rec as a JSON object (the caller owns it); dies when the
 * body is not an object (the record was written by another tool). */
json_t *gamerec_body(const struct vlt_record *rec);
/* Set rec's body to body (compact, key order kept); body is not taken. */
void gamerec_set_body(struct vlt_record *rec, const json_t *body);
/* A new record of kind with the author, time and zone of now. */
void gamerec_new(struct vlt_record *rec, const char *kind);
/* The snapshot rev names (a snapshot id, a branch, a tag, HEAD~2...);
 * dies with "unknown build 'REV'" when it names none. */
void gamerec_snapshot(struct vlt_repo *r, const char *rev,
		      struct vlt_oid *out);
/* The first line of the snapshot's message and its time, for listings
 * (line is a static buffer valid until the next call). */
const char *gamerec_snapshot_line(struct vlt_repo *r,
				  const struct vlt_oid *oid, int64_t *time);
/* "error: MSG" and exit 1: a refused edit, nothing written. */
void gamerec_refuse(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
