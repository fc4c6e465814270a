/*
 * repo.h - opening, creating and finding repositories.
 *
 * A repository is a directory: ".vault/" inside a project folder (the
 * project is then its work tree), or a bare directory anywhere (--repo,
 * VAULT_DIR). Everything in it is read and written through the storage
 * backend; only caches and temporary files are local. The layout and the
 * config keys are in Documentation/format.md.
 */
#ifndef VLT_REPO_H
#define VLT_REPO_H

#include <stdint.h>

#include "buf.h"
#include "chunker.h"
#include "compress.h"
#include "config.h"
#include "hash.h"
#include "seal.h"

#define VLT_FORMAT_VERSION 1
#define VLT_PACK_TARGET_DEFAULT (32ull * 1024 * 1024)

/*
 * An open repository: an opaque handle for programs (its fields are in
 * repo-internal.h, for the core's own files). Programs read what they need
 * through the accessors below; the pointers they return are owned by the
 * repository and live as long as it is open.
 */
struct vlt_repo;

/* The repository directory, absolute. */
const char *vlt_repo_path(const struct vlt_repo *r);
/* The project folder of a ".vault" repository; NULL for a bare one. */
const char *vlt_repo_worktree(const struct vlt_repo *r);
/* The repository's config as read at open (vlt_repo_config_save writes
 * it back). */
struct vlt_config *vlt_repo_config(struct vlt_repo *r);
/* The object id function, chunker parameters and sealer it was set up
 * with (format.md, section 2). */
const struct vlt_idfn *vlt_repo_idfn(const struct vlt_repo *r);
const struct vlt_chunker_params *vlt_repo_chunking(const struct vlt_repo *r);
const struct vlt_sealer *vlt_repo_sealer(const struct vlt_repo *r);

struct vlt_init_opts {
	int bare;                      /* path is the repository itself */
	struct vlt_chunker_params chunking;
	enum vlt_codec codec;
	int level;
	uint64_t pack_target;
	int shared_group;              /* core.sharedRepository = group */
	const char *persona;           /* core.persona and its profile, or
					* NULL; not owned */
};

/* The defaults; persona comes from $VAULT_PERSONA (set by the personas'
 * front ends, `vault creative init`), NULL when unset or empty. */
void vlt_init_opts_default(struct vlt_init_opts *o);

/* 0 if name is a persona vault knows ("creative", "game"), else
 * VLT_E_INVALID. */
int vlt_repo_persona_check(const char *name);

/*
 * Create a repository. Non-bare: path is the project folder, the repository
 * goes into path/.vault. Bare: path itself (created if missing, must be
 * empty). VLT_E_EXISTS if a repository is already there. With o->persona,
 * the config gets core.persona and that persona's profile keys
 * (format.md section 2); an unknown persona is VLT_E_INVALID.
 */
int vlt_repo_init(const char *path, const struct vlt_init_opts *o,
		  struct vlt_repo **out);
/* Open the repository directory at path (a ".vault" or bare directory). */
int vlt_repo_open(const char *path, struct vlt_repo **out);
/* $VAULT_DIR, else the nearest ".vault" from start (cwd if NULL) upwards.
 * VLT_E_NOTFOUND when there is none. */
int vlt_repo_discover(const char *start, struct vlt_repo **out);
/* Flushes pending objects (errors are lost: call vlt_odb_flush first). */
void vlt_repo_free(struct vlt_repo *r);

/* Parse a core.sharedRepository value: "group" (or "true") gives 1,
 * "false", "private" (or "umask", "0") 0; anything else VLT_E_INVALID. */
int vlt_repo_shared_parse(const char *value, int *group);

/* Persist the repository's config (vlt_repo_config) atomically. */
int vlt_repo_config_save(struct vlt_repo *r);

/* A local directory for caches and scratch files (created on demand):
 * <repo>/cache/<sub>. Caller owns *out content. */
int vlt_repo_cache_dir(struct vlt_repo *r, const char *sub, struct vlt_buf *out);

/*
 * Checks of repository metadata (fsck): each finding goes to a callback
 * with its severity, the repository file it is about (for the message
 * only) and what is wrong. The check functions return how many errors
 * they reported, or a negative VLT_E_* code when the check itself failed.
 */
enum vlt_check_severity {
	VLT_CHECK_ERROR,    /* damage: fsck exits non-zero */
	VLT_CHECK_WARNING,  /* worth a look; not damage */
	VLT_CHECK_NOTE,     /* informational (e.g. an unfinished gc plan) */
};
typedef void (*vlt_check_fn)(enum vlt_check_severity sev, const char *file,
			     const char *msg, void *data);

/*
 * Validate every key of vault's own config sections (core, chunker,
 * compression, pack, gc, creative; format.md section 2): each value parses and lies
 * in range, min <= avg <= max within the chunker's limits, and a key vault
 * does not know in those sections is an error (a typo there would silently
 * give the default). Other sections are the user's and are not checked.
 */
int vlt_repo_config_check(const struct vlt_config *c, vlt_check_fn fn,
			  void *data);

/* The core's own files see the fields too (see repo-internal.h). */
#ifdef VLT_CORE_INTERNAL
#include "repo-internal.h"
#endif

#endif
