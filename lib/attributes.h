/*
 * attributes.h - per-path storage policy: .vaultattributes files.
 *
 * gitattributes syntax (Documentation/vaultattributes.md): each line is
 * a pattern and attributes, "pattern attr=value -attr !attr"; blank lines
 * and '#' comments are skipped. Patterns are those of .vaultignore and
 * are matched by lib/ignore.c's matcher (a pattern without '/' matches a
 * name at any depth, one with '/' is anchored to the file's directory,
 * '**' spans directories); a pattern starting with '!' is an error, as in
 * git. The attributes:
 *
 *   chunker=fixed|fastcdc|asset   how the file is cut (sizes: the repo's)
 *   compress=zstd|zlib|none|auto  how its chunks are stored; -compress is
 *                                 none; auto is the repository's codec
 *   delta=on|off, delta, -delta   whether the file may be stored as a
 *                                 delta (read and returned here; the
 *                                 delta store decides what it does)
 *   !attr                         back to unspecified
 *
 * Precedence, lowest first: the defaults the repository config names
 * (attributes.defaults = game: the game profile's rules,
 * vlt_attrs_defaults_text()), the root's .vaultattributes, then each
 * deeper directory's; within one file later lines win, and each attribute
 * is decided on its own (a later line setting compress leaves chunker as
 * an earlier line set it). Any line that does not parse (an unknown
 * attribute, a bad value, a negated pattern) is VLT_E_INVALID naming
 * "FILE:LINE": a backup stops before it stores anything rather than
 * store files under a policy nobody meant.
 *
 * A set is read-only while looking up, so threads may share it.
 */
#ifndef VLT_ATTRIBUTES_H
#define VLT_ATTRIBUTES_H

#include <stddef.h>

#include "chunker.h"
#include "compress.h"

struct vlt_repo;
struct vlt_attrs;

/* The file name read in each directory. */
#define VLT_ATTRIBUTES_FILE ".vaultattributes"

int vlt_attrs_new(struct vlt_attrs **out);
void vlt_attrs_free(struct vlt_attrs *a);

/*
 * Add the lines of a .vaultattributes found in dir ("" for the root,
 * '/'-separated, relative to the root). text need not be NUL-terminated;
 * CRLF and a UTF-8 BOM are accepted. source_name ("art/.vaultattributes")
 * names the file in errors. Directories must be added parents first (a
 * walker does). Returns 0, VLT_E_INVALID ("SOURCE:LINE: ...") or
 * VLT_E_NOMEM; nothing of a text with a bad line is added.
 */
int vlt_attrs_add(struct vlt_attrs *a, const char *dir, const char *text,
		  size_t len, const char *source_name);

/* Read dir's .vaultattributes from dirfd (the directory dir), if there is
 * one: 0, VLT_E_IO, or what vlt_attrs_add returns. */
int vlt_attrs_load_dir(struct vlt_attrs *a, int dirfd, const char *dir);

/* The defaults the repository's config asks for (attributes.defaults:
 * "game", or "none" / absent for none). */
int vlt_attrs_add_repo(struct vlt_attrs *a, struct vlt_repo *r);

/* The rules text of a named default set ("game"), NULL if unknown. */
const char *vlt_attrs_defaults_text(const char *name);

struct vlt_attr_result {
	int has_chunker;
	enum vlt_chunker_algo chunker;
	int has_compress;              /* compress=auto is "not set" */
	enum vlt_codec codec;
	int delta;                     /* 1 on, 0 off, -1 unspecified */
};

/* The attributes of the file at path (relative to the root, no leading
 * '/'). Returns 0; res is filled whether or not any line matched. */
int vlt_attr_lookup(const struct vlt_attrs *a, const char *path,
		    struct vlt_attr_result *res);

#endif
