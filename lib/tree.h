/*
 * tree.h - the three structured object kinds: file (chunk list), tree
 * (directory), snapshot (tree + history). Encodings are in
 * Documentation/format.md; decoders validate everything (names, order,
 * lengths) because objects may come from a damaged or hostile repository.
 */
#ifndef VLT_TREE_H
#define VLT_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "hash.h"

/* --- file objects ---------------------------------------------------- */

struct vlt_chunk_ref {
	struct vlt_oid oid;
	uint32_t len;
};

struct vlt_file {
	uint64_t size;               /* sum of chunk lengths */
	struct vlt_chunk_ref *chunks;
	size_t nr, alloc;
};

void vlt_file_init(struct vlt_file *f);
void vlt_file_release(struct vlt_file *f);
int vlt_file_add(struct vlt_file *f, const struct vlt_oid *oid, uint32_t len);
int vlt_file_encode(const struct vlt_file *f, struct vlt_buf *out);
int vlt_file_decode(const void *data, size_t len, struct vlt_file *f);

/* --- trees ----------------------------------------------------------- */

enum vlt_entry_type {
	VLT_ENTRY_FILE = 1,
	VLT_ENTRY_DIR = 2,
	VLT_ENTRY_SYMLINK = 3,
};

struct vlt_tree_entry {
	char *name;          /* one path component, owned */
	enum vlt_entry_type type;
	uint32_t mode;       /* permission bits (07777) */
	uint64_t size;       /* file: content size; symlink: target length */
	int64_t mtime_sec;
	uint32_t mtime_nsec;
	struct vlt_oid oid;  /* file object, tree, or chunk holding the target */
};

struct vlt_tree {
	struct vlt_tree_entry *entries;
	size_t nr, alloc;
};

void vlt_tree_init(struct vlt_tree *t);
void vlt_tree_release(struct vlt_tree *t);
/* Copies name. */
int vlt_tree_add(struct vlt_tree *t, const char *name,
		 enum vlt_entry_type type, uint32_t mode, uint64_t size,
		 int64_t mtime_sec, uint32_t mtime_nsec,
		 const struct vlt_oid *oid);
/* Sorts, then rejects bad names and duplicates (VLT_E_INVALID). */
int vlt_tree_encode(struct vlt_tree *t, struct vlt_buf *out);
/* VLT_E_CORRUPT for malformed data; VLT_E_UNSAFE for names that could
 * escape a directory ("", ".", "..", containing '/' or NUL). */
int vlt_tree_decode(const void *data, size_t len, struct vlt_tree *t);
/* Binary search in a decoded (sorted) tree; NULL if absent. */
const struct vlt_tree_entry *vlt_tree_find(const struct vlt_tree *t,
					   const char *name);
/*
 * The format's limit on nesting (Documentation/format.md, "Limits"): a
 * tree may hold directories at most VLT_TREE_DEPTH_MAX levels deep.
 * Writers refuse to store deeper trees; every reader that descends calls
 * vlt_tree_depth_check(depth, path) first (depth 1 = the top tree's
 * children), which returns 0, or VLT_E_CORRUPT with "PATH: directories
 * nested deeper than the format's limit of 4096 levels" (a long path is
 * shortened in the message).
 */
#define VLT_TREE_DEPTH_MAX 4096
#define VLT_STR_(x) #x
#define VLT_STR(x) VLT_STR_(x)
int vlt_tree_depth_check(size_t depth, const char *path);
/*
 * 1 if name (one path component, NUL-terminated) is ".git" or a name some
 * file system takes for it: any case (".GIT"), with characters HFS+
 * ignores (".gi\u200ct"), or as NTFS reads it (trailing spaces and dots
 * ".git. ", the short name "git~1", a stream ".git::$INDEX_ALLOCATION",
 * a backslash ".git\\hooks"). git's verify_path rules (CVE-2014-9390):
 * a tree entry with such a name can make git run a hook.
 */
int vlt_name_is_dotgit(const char *name);
/* 1 if name is ".gitmodules" or an alias of it in the same sense (NTFS
 * short names "gitmod~N" included). git refuses a .gitmodules symlink. */
int vlt_name_is_dotgitmodules(const char *name);
/* 1 if name is a safe single path component. */
int vlt_tree_name_valid(const char *name, size_t len);
const char *vlt_entry_type_name(enum vlt_entry_type t);

/* --- snapshots ------------------------------------------------------- */

struct vlt_meta {
	char *key;    /* owned; [A-Za-z0-9._-]+ */
	char *value;  /* owned; any text without NUL */
};

struct vlt_snapshot {
	struct vlt_oid tree;
	struct vlt_oid *parents;
	size_t nparents, parents_alloc;
	int64_t time;        /* seconds since the epoch */
	int tz_minutes;      /* offset east of UTC */
	char *author;        /* "Name <email>", owned */
	char *host;          /* owned */
	struct vlt_meta *meta;
	size_t nmeta, meta_alloc;
	char *message;       /* owned, may be "" */
};

void vlt_snapshot_init(struct vlt_snapshot *s);
void vlt_snapshot_release(struct vlt_snapshot *s);
int vlt_snapshot_add_parent(struct vlt_snapshot *s, const struct vlt_oid *p);
int vlt_snapshot_add_meta(struct vlt_snapshot *s, const char *key,
			  const char *value);
const char *vlt_snapshot_meta(const struct vlt_snapshot *s, const char *key);
/* Fill author, host, time and tz from the environment ($VAULT_AUTHOR_NAME,
 * $VAULT_AUTHOR_EMAIL, $VAULT_AUTHOR_DATE as unix seconds, else the user,
 * hostname and clock). */
int vlt_snapshot_set_defaults(struct vlt_snapshot *s);
int vlt_snapshot_encode(const struct vlt_snapshot *s, struct vlt_buf *out);
int vlt_snapshot_decode(const void *data, size_t len, struct vlt_snapshot *s);

#endif
