/*
 * config.h - the repository's config file (git-config-like INI).
 *
 *   [core]
 *       formatVersion = 1
 *       objectHash = sha256
 *   [chunker]
 *       algo = fastcdc
 *
 * Keys are addressed as "section.name" or "section.sub.name"; section and
 * name are case-insensitive (kept as written), the subsection is not.
 * Values are trimmed; double quotes keep spaces; '#' and ';' start comments.
 */
#ifndef VLT_CONFIG_H
#define VLT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct vlt_config_entry {
	char *key;    /* "section.name" or "section.sub.name", owned */
	char *value;  /* owned */
};

struct vlt_config {
	struct vlt_config_entry *entries;
	size_t nr, alloc;
};

void vlt_config_init(struct vlt_config *c);
void vlt_config_release(struct vlt_config *c);
/* Parse text (what a config file holds); name is used in messages. */
int vlt_config_parse(struct vlt_config *c, const char *text, size_t len,
		     const char *name);
/* Serialise back to text, grouped by section in first-seen order. */
int vlt_config_format(const struct vlt_config *c, struct vlt_buf *out);

/* Last value of key, or NULL. Owned by c. */
const char *vlt_config_get(const struct vlt_config *c, const char *key);
/* Replace (or add) key's value. */
int vlt_config_set(struct vlt_config *c, const char *key, const char *value);
/* Typed getters: *out keeps its default when the key is absent. */
int vlt_config_get_int(const struct vlt_config *c, const char *key,
		       int64_t *out);
int vlt_config_get_bool(const struct vlt_config *c, const char *key, int *out);
/* Sizes accept k/m/g suffixes (binary). */
int vlt_config_get_size(const struct vlt_config *c, const char *key,
			uint64_t *out);
/* Parse "64k" / "16M" / "1g" / "123"; 0 or VLT_E_INVALID. */
int vlt_parse_size(const char *s, uint64_t *out);

#endif
