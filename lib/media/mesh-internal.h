/*
 * mesh-internal.h - what the files of the 3D model reader share (not part
 * of the media library's API: programs use mesh.h).
 *
 * mesh-load.c sniffs, checks and converts (assimp), mesh-sandbox.c runs
 * that import in a forked child, mesh-diff.c compares two meshes and
 * mesh-render.c draws them.
 */
#ifndef VLT_MESH_INTERNAL_H
#define VLT_MESH_INTERNAL_H

#include <pthread.h>
#include <stddef.h>

#include "mesh.h"

/*
 * assimp is built single-threaded: one import at a time per process.
 * Held around every call into assimp, and across fork() so that no
 * import is half-done in the sandbox child's copy of the process.
 */
extern pthread_mutex_t vlt_mesh_import_lock;

/*
 * Import and convert in this process (by path when path is set, else
 * from data/len in format fmt); messages name label. The caller holds
 * vlt_mesh_import_lock.
 */
int vlt_mesh_import_here(struct vlt_mesh *m, const char *fmt, const void *data,
			 size_t len, const char *path, const char *label);

/*
 * The same import in a forked child (mesh-sandbox.c), killed after
 * timeout_ms: a crash or a hang of assimp becomes an error.
 */
int vlt_mesh_import_sandboxed(struct vlt_mesh *m, const char *fmt,
			      const void *data, size_t len, const char *path,
			      const char *label, unsigned timeout_ms);

/* Set m's bounding box from its vertices (0s when it has none). */
void vlt_mesh_compute_bbox(struct vlt_mesh *m);

/*
 * Test hook, for t/unit/mesh.c only: when this environment variable is
 * "abort" or "hang", the sandbox child acts out assimp's failures (an
 * assertion that aborts after printing, an import that never returns)
 * instead of importing. It is read in the forked child only, so it can
 * change nothing but the outcome of a sandboxed import.
 */
#define VLT_MESH_TEST_HOOK_ENV "VAULT_TEST_MESH_CHILD"

static inline double dot3(const double a[3], const double b[3])
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

#endif
