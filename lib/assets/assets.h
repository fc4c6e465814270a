/*
 * assets.h - the asset reference graph: which file of a project uses
 * which (textures, materials, scenes, scripts), read from the files'
 * own formats, and the safe move that keeps those references whole.
 *
 * A graph is built from a source: the working folder, or a snapshot
 * (read through the core's public API). Nodes are the source's files,
 * edges the references its parsers (asset-parse.h, formats listed in
 * Documentation/vault-assets.md) report, resolved to project paths:
 * relative to the referring file, "res://" relative to the folder of
 * the nearest project.godot above it, ids ("uid://", Unity GUIDs)
 * through the files that declare them, "<UDIM>" to every tile that
 * exists. Paths are '/'-separated and case-sensitive, as on disk.
 *
 * Everything returned is owned by the graph and lives until
 * vlt_asset_graph_free().
 */
#ifndef VLT_ASSETS_H
#define VLT_ASSETS_H

#include <stddef.h>
#include <stdint.h>

#include "asset-parse.h"
#include "buf.h"
#include "hash.h"
#include "repo.h"

/* Files larger than this are not parsed (listed as errors). */
#define VLT_ASSET_MAX_PARSE ((uint64_t)256 << 20)

enum vlt_asset_state {
	VLT_ASSET_OK = 0,	/* resolved to a file of the project */
	VLT_ASSET_MISSING,	/* names no file that exists */
	VLT_ASSET_OUTSIDE,	/* absolute or ../ beyond the project */
	VLT_ASSET_UNKNOWN_ID,	/* an id no file declares */
	/* one of a pair that is not used: the fallback path of an id that
	 * resolved (still rewritten by a move), or the id that did not */
	VLT_ASSET_BACKUP,
};

struct vlt_asset_file {
	char *path;		/* relative to the project's top, '/'-separated */
	uint64_t size;
	struct vlt_oid content;	/* content id (file object or hash) */
	int has_content;
	int parsed;		/* a parser read it */
	char *error;		/* why it could not be read, or NULL */
};

struct vlt_asset_edge {
	size_t from;		/* index in files */
	long to;		/* index in files, -1 when not resolved */
	char *target;		/* as written (decoded) */
	enum vlt_asset_target type;
	char *kind;
	unsigned line;
	char *member;		/* zip member, or NULL */
	size_t off, len;	/* asset-parse.h; len 0: not rewritable */
	enum vlt_asset_quoting quoting;
	int fallback;
	int udim;		/* the target holds "<UDIM>" */
	enum vlt_asset_state state;
};

struct vlt_asset_graph {
	struct vlt_asset_file *files;	/* sorted by path */
	size_t nfiles, files_alloc;
	struct vlt_asset_edge *edges;	/* by file, then order in the file */
	size_t nedges, edges_alloc;
	size_t nerrors;			/* files with error set */
	/* the working folder (of the repository, for a snapshot: absolute
	 * paths inside it resolve), or NULL */
	char *root;
	int is_worktree;		/* built from the folder, not a snapshot */
};

/* Build the graph of the working folder dir (the repository's ignore
 * rules apply; .vault is never read). r gives the config and the hash. */
int vlt_asset_graph_worktree(struct vlt_repo *r, const char *dir,
			     struct vlt_asset_graph **out);
/* Build the graph of a snapshot's files. */
int vlt_asset_graph_snapshot(struct vlt_repo *r, const struct vlt_oid *snap,
			     struct vlt_asset_graph **out);
void vlt_asset_graph_free(struct vlt_asset_graph *g);

/* The file's index, or -1. */
long vlt_asset_graph_find(const struct vlt_asset_graph *g, const char *path);

/* A file of an asset type (images, models, materials, audio, fonts,
 * Godot resources and scripts): what `unused` is about. */
int vlt_asset_is_asset_type(const char *path);
/* A sidecar that follows its asset: "X.meta", "X.import", "X.uid". */
int vlt_asset_is_sidecar(const char *path);

/*
 * Files of asset types that no root reaches, sorted. Roots: every
 * project.godot, scene (.tscn, .scn, .unity), file under a Unity
 * "Resources" folder, every model or picture document (OBJ, glTF, GLB,
 * .blend, FBX, .kra, .ora, .svg, .psd, .xcf) that nothing references
 * and that is not inside a Godot project, and each path (or folder)
 * named in the repository config's assets.root (r may be NULL).
 */
int vlt_asset_unused(const struct vlt_asset_graph *g, struct vlt_repo *r,
		     struct vlt_strlist *out);

/*
 * Identical content under different names: fn is called once per group
 * (paths sorted, groups in order of their first path), sizes 0 left out.
 */
typedef int (*vlt_asset_group_fn)(const char *const *paths, size_t nr,
				  void *data);
int vlt_asset_duplicates(const struct vlt_asset_graph *g,
			 vlt_asset_group_fn fn, void *data);

/*
 * The files that use file (index), transitively: dist[i] is the number
 * of references between i and file (1: uses it directly, 0: not at
 * all; file itself gets 0) and next[i] the file one step closer to it.
 * Both arrays have g->nfiles entries, allocated here (caller frees).
 */
int vlt_asset_users(const struct vlt_asset_graph *g, size_t file,
		    size_t **dist, size_t **next);

/* --- the safe move ---------------------------------------------------- */

struct vlt_asset_edit {
	char *file;		/* the file as it is now */
	char *dest;		/* the same file after the move */
	char *member;		/* zip member, or NULL */
	unsigned line;
	size_t off, len;
	char *old_text;		/* the target as written now (decoded) */
	char *new_text;		/* decoded */
	char *quoted;		/* what replaces [off, off + len) */
};

struct vlt_asset_rename {
	char *from, *to;
	int is_dir;	/* a folder: everything below it moves with it */
};

struct vlt_asset_move {
	struct vlt_asset_rename *renames;	/* file moves, sidecars included */
	size_t nrenames, renames_alloc;
	struct vlt_asset_edit *edits;		/* sorted by file, member, off */
	size_t nedits, edits_alloc;
	/* references to moved files that cannot be rewritten: file, line,
	 * target and why, as "FILE:LINE: TARGET (why)" */
	struct vlt_strlist cannot;
};

void vlt_asset_move_init(struct vlt_asset_move *m);
void vlt_asset_move_release(struct vlt_asset_move *m);

/*
 * Plan moving old (a file or a folder, relative to the project top) to
 * new in a working-folder graph: every rename, and every edit that keeps
 * references to the moved files (and the moved files' own relative
 * references) pointing at the same files. VLT_E_EXISTS when new (or a
 * sidecar's new name) exists, VLT_E_NOTFOUND when old does not.
 */
int vlt_asset_move_plan(const struct vlt_asset_graph *g, const char *old,
			const char *new, struct vlt_asset_move *m);

/*
 * Carry a plan out in the working folder g->root: every edited file is
 * written to a temporary file first (zip containers: a copy with the
 * members replaced) and synced; only then are files renamed and the
 * temporary files moved into place. A failure before the renames leaves
 * the folder as it was.
 */
int vlt_asset_move_apply(const struct vlt_asset_graph *g,
			 const struct vlt_asset_move *m);

#endif
