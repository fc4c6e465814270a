/*
 * repo-internal.h - what an open repository holds, for the core's own
 * files (and the libraries under lib/) only.
 *
 * Programs and personas see struct vlt_repo as an opaque handle and use
 * the accessors and calls of repo.h: they are compiled without
 * VLT_CORE_INTERNAL, so this file never reaches them (scripts/check-api.sh
 * checks that no program includes it). repo.h includes it when
 * VLT_CORE_INTERNAL is defined, which only the libraries' CPPFLAGS do.
 */
#ifndef VLT_REPO_INTERNAL_H
#define VLT_REPO_INTERNAL_H

#include <stdint.h>

#include "backend.h"
#include "chunker.h"
#include "compress.h"
#include "config.h"
#include "hash.h"
#include "seal.h"

struct vlt_odb;

struct vlt_repo {
	char *path;        /* the repository directory, absolute; owned */
	char *worktree;    /* project folder for ".vault" repos, else NULL */
	char id[33];       /* random repository id (hex) */
	struct vlt_backend *be;
	struct vlt_config config;
	struct vlt_idfn idfn;
	struct vlt_sealer sealer;
	struct vlt_chunker_params chunking;
	enum vlt_codec codec;
	int level;
	uint64_t pack_target;
	int verify_reads;  /* re-hash every object read (default 1) */
	unsigned char writer_id[16]; /* set while a writer lock is held */
	int dry_run;       /* store nothing: chunks are only hashed, other
			    * objects stay in memory (vlt_backup_scan) */
	struct vlt_odb *odb;
};

#endif
