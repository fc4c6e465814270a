/*
 * mesh.h - 3D models for the visual diff and thumbnails: load through
 * assimp, compare two versions, draw the change.
 *
 * A model is loaded into one flat triangle soup in world space, split into
 * named objects. assimp only parses the file; welding, triangulation, the
 * comparison and the software rasteriser are ours, so the numbers do not
 * depend on assimp's post-processing. Documentation/visual-diff-models.md
 * says what is measured and where the limits are.
 */
#ifndef VLT_MESH_H
#define VLT_MESH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct vlt_image;

/* Refuse models larger than this (after welding and triangulation). */
#define VLT_MESH_MAX_VERTICES (1u << 26)
#define VLT_MESH_MAX_TRIANGLES (1u << 26)
#define VLT_MESH_MAX_OBJECTS (1u << 20)
/* Time a sandboxed import may take before it is killed. */
#define VLT_MESH_IMPORT_TIMEOUT_MS 120000u

/*
 * One object: a node of the file's scene graph that holds triangles (an
 * OBJ "o"/"g", a glTF or FBX node, the one solid of an STL or PLY). An
 * instanced mesh gives one object per node that uses it.
 */
struct vlt_mesh_object {
	char *name;              /* owned; unique in the mesh ("Box", "Box#2") */
	uint32_t first_vertex;   /* its vertices: [first, first + nvertices) */
	uint32_t nvertices;
	uint32_t first_triangle; /* its triangles: [first, first + ntriangles) */
	uint32_t ntriangles;
	int32_t material;        /* material of its first triangle, or -1 */
};

/*
 * A loaded model. Vertices are welded per object (equal positions are one
 * vertex, numbered in order of first use by the faces), so an 8-corner
 * cube has 8 vertices whatever the format stored. All arrays are owned.
 */
struct vlt_mesh {
	char format[8];              /* "obj", "stl", "ply", "gltf", "glb", "fbx" */
	struct vlt_mesh_object *objects;
	uint32_t nobjects;
	size_t alloc_objects;
	float *vertices;             /* x, y, z per vertex, world space */
	uint32_t nvertices;
	size_t alloc_vertices;
	uint32_t *triangles;         /* 3 indices into vertices per triangle */
	int32_t *triangle_materials; /* per triangle: index into materials or -1 */
	uint32_t ntriangles;
	size_t alloc_triangles;
	struct vlt_strlist materials;/* names of the materials faces use */
	float bbox_min[3], bbox_max[3]; /* of all vertices; zero when empty */
};

/* Sandbox off: call assimp in this process (tests, fuzzing, debugging). */
#define VLT_MESH_LOAD_IN_PROCESS 0x1

struct vlt_mesh_load_opts {
	unsigned flags;       /* VLT_MESH_LOAD_* */
	unsigned timeout_ms;  /* sandbox time limit; 0: VLT_MESH_IMPORT_TIMEOUT_MS */
};

/* A zeroed mesh; vlt_mesh_release() on it is safe (and twice). */
void vlt_mesh_init(struct vlt_mesh *m);
void vlt_mesh_release(struct vlt_mesh *m);

/*
 * The model format of data ("obj", "stl", "ply", "gltf", "glb", "fbx") or
 * NULL. Content decides where it can (magic numbers, text shape); the
 * extension of name (may be NULL) decides the rest, e.g. a binary STL
 * whose size does not match its facet count.
 */
const char *vlt_mesh_sniff(const void *data, size_t len, const char *name);

/*
 * Load a model held in memory. ext (e.g. "stl", may be NULL: taken from
 * name) is the format hint; name (may be NULL) is only for messages. A
 * model from memory cannot reach files beside it: an OBJ's MTL is not
 * read (its materials are named by "usemtl"), a .gltf must embed its
 * buffers as data: URIs.
 *
 * By default assimp runs in a child process: the Debian build of assimp
 * aborts on some malformed input (its assertions are on) and hangs on
 * others, and that must not take the caller down. Errors:
 * VLT_E_UNSUPPORTED (not a model format we read, or no triangles),
 * VLT_E_CORRUPT (truncated, malformed; the message names the file and
 * quotes assimp), VLT_E_NOMEM, VLT_E_IO. m must be initialised; it is
 * released first, and left empty on error.
 */
int vlt_mesh_load_mem(struct vlt_mesh *m, const void *data, size_t len,
		      const char *ext, const char *name);
/* The same from a file: an OBJ finds its MTL, a .gltf its .bin files. */
int vlt_mesh_load_file(struct vlt_mesh *m, const char *path);
/* Both with options (opts may be NULL). */
int vlt_mesh_load_mem_opts(struct vlt_mesh *m, const void *data, size_t len,
			   const char *ext, const char *name,
			   const struct vlt_mesh_load_opts *opts);
int vlt_mesh_load_file_opts(struct vlt_mesh *m, const char *path,
			    const struct vlt_mesh_load_opts *opts);

/* Index of the object called name, or -1. */
int32_t vlt_mesh_find_object(const struct vlt_mesh *m, const char *name);

enum vlt_mesh_diff_method {
	VLT_MESH_DIFF_NONE = 0,      /* a side has no triangles: nothing measured */
	VLT_MESH_DIFF_VERTEX = 1,    /* topology kept: vertex-by-vertex moves */
	VLT_MESH_DIFF_HAUSDORFF = 2, /* topology changed: surface-to-surface */
};

enum vlt_mesh_change {
	VLT_MESH_SAME = 0,
	VLT_MESH_CHANGED = 1,  /* counts, positions, indices or material differ */
	VLT_MESH_ADDED = 2,
	VLT_MESH_REMOVED = 3,
};

struct vlt_mesh_object_diff {
	char *name;                /* owned */
	enum vlt_mesh_change change;
	int32_t a, b;              /* object index in a and in b, -1 if absent */
	uint32_t nvertices_before, nvertices_after;
	uint32_t ntriangles_before, ntriangles_after;
	int topology_kept;         /* in both, same counts and triangle indices */
	int material_changed;      /* some triangle's material name differs */
	double max_displacement;   /* largest vertex move if topology_kept */
};

struct vlt_mesh_counts {
	uint32_t vertices, triangles, objects, materials;
};

struct vlt_mesh_diff {
	struct vlt_mesh_counts before, after;
	float bbox_before_min[3], bbox_before_max[3];
	float bbox_after_min[3], bbox_after_max[3];
	struct vlt_mesh_object_diff *objects; /* every object, sorted by name */
	uint32_t nobjects;
	size_t alloc_objects;
	uint32_t nadded, nremoved, nchanged;
	uint32_t ncommon;          /* objects on both sides (matched by name) */

	enum vlt_mesh_diff_method method;
	/*
	 * How far the surface moved, measured over the objects on both
	 * sides (ncommon; when there is none, over the whole models): an
	 * added or removed object moves nothing. VERTEX: the largest vertex move
	 * (exact), the mean and RMS over all vertices. HAUSDORFF: the
	 * symmetric Hausdorff distance (max), and the mean and RMS distance
	 * of the random sample points of both surfaces to the other one.
	 */
	double max_displacement;
	double mean_displacement;
	double rms_displacement;
	/* VERTEX: the vertex that moved most (index into b->vertices), the
	 * object of b holding it, and how many vertices moved at all. */
	uint32_t max_vertex;
	int32_t max_object;        /* -1 when not VERTEX */
	uint32_t moved_vertices;
	/* HAUSDORFF: the directed distances and the number of points used. */
	double hausdorff_ab, hausdorff_ba;
	uint32_t samples;
	/* Per vertex of b: its move (VERTEX) or its distance to a's surface
	 * (HAUSDORFF); what vlt_mesh_render colours by. Owned; NULL for NONE. */
	float *vertex_delta;
	uint32_t nvertex_delta;
};

void vlt_mesh_diff_init(struct vlt_mesh_diff *d);
void vlt_mesh_diff_release(struct vlt_mesh_diff *d);

/*
 * Compare a (before) and b (after) into out (released first). Objects are
 * matched by name. The method is VERTEX when every object in both has
 * the same vertex and triangle counts and identical triangle indices in
 * both, HAUSDORFF otherwise (and when no object is in both). Added and
 * removed objects do not count as displacement. Deterministic: the sample points come from a fixed
 * seed. 0 or VLT_E_NOMEM.
 */
int vlt_mesh_diff(const struct vlt_mesh *a, const struct vlt_mesh *b,
		  struct vlt_mesh_diff *out);

/* Colours of vlt_mesh_render (RGB). */
#define VLT_MESH_RENDER_BG 0x202028u        /* background */
#define VLT_MESH_RENDER_SEPARATOR 0x50505au /* between a and b */

/*
 * Draw a (left) and b (right) side by side into out (released first, then
 * width x height RGBA), each from the same fixed 3/4 view fitted to the
 * union of both bounding boxes: a software z-buffer rasteriser with flat
 * Lambert shading. Unchanged surfaces are grey; with d, b's surfaces that
 * moved are coloured by d->vertex_delta on a blue-to-red ramp over
 * [0, d->max_displacement] with a yellow ring around the vertex that
 * moved most, objects added in b are green and objects removed from a
 * are red (on a's side). out must be initialised (vlt_image_init). With
 * b NULL, a alone fills the image (a thumbnail) and d is ignored.
 * VLT_E_INVALID for a size of 0 (or a width under 3 with b), or more
 * than VLT_IMAGE_MAX_PIXELS.
 */
int vlt_mesh_render(const struct vlt_mesh *a, const struct vlt_mesh *b,
		    const struct vlt_mesh_diff *d, struct vlt_image *out,
		    uint32_t width, uint32_t height);

/*
 * vlt_mesh_render with captions: label_a and label_b (either may be NULL)
 * over the two panels, and with d a colour key under them: the
 * blue-to-red ramp from 0 to d->max_displacement in model units, the
 * colours of unchanged, added and removed objects and the ring of the
 * vertex that moved most (only the entries that occur). The picture is
 * then taller than height by the caption and key strips; without a
 * caption font (vlt_image_text_ready()) it has neither.
 */
int vlt_mesh_render_labelled(const struct vlt_mesh *a,
			     const struct vlt_mesh *b,
			     const struct vlt_mesh_diff *d,
			     struct vlt_image *out, uint32_t width,
			     uint32_t height, const char *label_a,
			     const char *label_b);

/* vlt_mesh_render(m, NULL, NULL, out, width, height). */
int vlt_mesh_thumbnail(const struct vlt_mesh *m, struct vlt_image *out,
		       uint32_t width, uint32_t height);

#endif
