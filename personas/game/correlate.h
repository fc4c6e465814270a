/*
 * correlate.h - the arithmetic of `vault feedback correlate` and
 * `bisect`, kept apart from the records so it can be tested alone
 * (t/unit/correlate.c). The rules are documented in
 * Documentation/vault-feedback.md.
 */
#ifndef VLT_GAME_CORRELATE_H
#define VLT_GAME_CORRELATE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A rise needs at least this many items of the tag in the later build,
 * and a rate at least this many times the earlier build's. */
#define CORRELATE_MIN_COUNT 3
#define CORRELATE_MIN_RATIO 2.0

/* Items per playtest hour when the build was played (hours > 0), else
 * items per build (the count itself). */
double correlate_rate(unsigned count, double hours);

/* 1 when a tag's rate rose sharply from one tested build (rate a) to
 * the next (rate b, count_b items): count_b >= min_count and b >=
 * CORRELATE_MIN_RATIO * a (any b > 0 when a is 0). */
int correlate_rose(double a, double b, unsigned count_b, unsigned min_count);

/* What a changed path is, from its extension: "scene/script", "model/
 * shader", "texture/audio" or "other"; *weight gets 3, 2, 1 or 1. */
const char *correlate_kind(const char *path, double *weight);

/*
 * The score of a file changed between a good and a bad build: its kind's
 * weight, times 1 + log2(1 + |size change| / 1 KiB) / 4, halved for a
 * removed file, times 3 when playtests of the bad build loaded it
 * (nloaded of them). reason (appended) says why, as "scene/script
 * modified (+14 B), loaded by 2 playtests of the bad build".
 */
double correlate_score(const char *path, char status, uint64_t old_size,
		       uint64_t new_size, unsigned nloaded,
		       struct vlt_buf *reason);

/* The snapshot to try next between good (index) and bad (index) of a
 * history in order: the middle one; -1 when none lies between. *left
 * gets how many lie between. */
long correlate_bisect(size_t good, size_t bad, size_t *left);

#endif
