/*
 * fixture.h - what the core's unit tests build their repositories from:
 * a scratch repository, made-up ids, trees and snapshots stored in one
 * call. Each helper ends the test program (exit 1 with a TAP diagnostic)
 * when the library refuses, so a test reads as the history it builds.
 */
#ifndef VLT_FIXTURE_H
#define VLT_FIXTURE_H

#include <stdint.h>

#include "buf.h"
#include "hash.h"
#include "object.h"
#include "repo.h"
#include "tree.h"

/* Say what failed, with the library's last error, and exit 1. */
void fx_fail(const char *what) __attribute__((noreturn));
/* An id of 32 bytes b (names nothing stored). */
struct vlt_oid fx_fake(unsigned char b);
/* A new bare repository at tap_tmpdir()/name; the caller frees it. */
struct vlt_repo *fx_repo(const char *name);
/* Store b as an object of kind k. */
struct vlt_oid fx_store(struct vlt_repo *r, enum vlt_obj_kind k,
			const struct vlt_buf *b);
/* Encode and store t, then release it. */
struct vlt_oid fx_tree(struct vlt_repo *r, struct vlt_tree *t);
/* Store a snapshot of tree with up to two parents (NULL: none), taken
 * at `when` (0: now), with message msg. */
struct vlt_oid fx_snapshot(struct vlt_repo *r, const struct vlt_oid *tree,
			   int64_t when, const struct vlt_oid *p1,
			   const struct vlt_oid *p2, const char *msg);

#endif
