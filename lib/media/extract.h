/*
 * extract.h - one element out of a file and back into another version of
 * it: a layer of an OpenRaster (.ora) or Krita (.kra) file, an object or
 * group of an OBJ model, a rectangle "x,y,w,h" of a PNG/JPEG/WebP/TIFF
 * image. vault extract and vault replace are these calls over a
 * revision's bytes.
 *
 * Everything works on whole files in memory (the formats are containers
 * that must be read whole) and never writes a file: the caller writes
 * what comes back (temporary file, fsync, rename). What cannot be
 * carried over (a Krita filter layer's effect, a clone layer's source, a
 * material the current file lacks) is not dropped silently: it comes
 * back as one line per problem in the warnings list.
 *
 * The format is sniffed from the bytes (zip mimetype, image magic, GLB
 * magic); a model by the name's extension (".obj", ".gltf").
 */
#ifndef VLT_EXTRACT_H
#define VLT_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum vlt_extract_format {
	VLT_EXTRACT_NONE = 0,
	VLT_EXTRACT_ORA,
	VLT_EXTRACT_KRA,
	VLT_EXTRACT_OBJ,
	VLT_EXTRACT_GLTF,
	VLT_EXTRACT_IMAGE,
};

/* The most a container member may unpack to, and the whole archive (zip
 * bomb guards, checked from the sizes the archive declares and again
 * while reading). */
#define VLT_EXTRACT_MAX_MEMBER (256ull << 20)
#define VLT_EXTRACT_MAX_TOTAL (1ull << 30)

/* The format of data named name, or VLT_EXTRACT_NONE. */
enum vlt_extract_format vlt_extract_format_of(const void *data, size_t len,
					      const char *name);

/* One element a file holds. */
struct vlt_element {
	char *path;         /* "Group 1/Ink", "Cube"; owned */
	char kind[24];      /* "paintlayer", "grouplayer", "object", "group",
			     * "node", "mesh" */
	uint64_t vertices;  /* OBJ: vertices its faces use; glTF mesh: its
			     * POSITION count; else 0 */
	uint64_t faces;     /* OBJ: faces, lines and points; glTF mesh:
			     * triangles; else 0 */
};

struct vlt_element_list {
	struct vlt_element *v;
	size_t nr, alloc;
};

void vlt_element_list_release(struct vlt_element_list *l);

/* The elements of a file, in file order (layers top first, as the stack
 * lists them; glTF nodes, then meshes, named "node:N"/"mesh:N" when
 * they have no name). An image has none: its elements are rectangles. */
int vlt_extract_list(const void *data, size_t len, const char *name,
		     struct vlt_element_list *out);

/*
 * A side file that travels with a model: an OBJ's material library, a
 * .gltf's buffer. The caller finds them (in the same snapshot, or on
 * disk, relative to the model) and hands them in by the name the model
 * gives (vlt_extract_side_names).
 */
struct vlt_extract_side {
	const char *name;
	const void *data;
	size_t len;
};

/* What extract and replace give back. A zeroed struct is empty;
 * vlt_extract_result_release() frees it. */
struct vlt_extract_result {
	struct vlt_buf data;          /* the output file */
	struct vlt_buf side;          /* OBJ: its material library; .gltf: its
				       * .bin buffer; or empty */
	char *side_name;              /* replace of a .gltf: the buffer uri
				       * side is the new content of; owned */
	struct vlt_strlist warnings;  /* what was not carried over, one each */
};

void vlt_extract_result_release(struct vlt_extract_result *res);

/*
 * Take element (a layer's name or path, an OBJ object or group name, an
 * glTF node or mesh by name or as "node:N"/"mesh:N", an image rectangle
 * "x,y,w,h") out of data (named name). out_name is the output's file
 * name: its extension picks the output format where there is a choice
 * (".png" for an ORA layer gives the layer's PNG itself; ".glb" a GLB
 * with its buffer inside, else a .gltf with its buffer in res->side; an
 * image crop is written as PNG, JPEG, WebP or TIFF by extension, PNG
 * when it has none of those). sides: the model's side files (may be NULL
 * when nsides is 0); side_name: the name the output gives its side file
 * (OBJ mtllib, glTF buffer uri; NULL: an OBJ gets no mtllib line, a
 * glTF is written as a GLB).
 * VLT_E_NOTFOUND for an unknown element, VLT_E_INVALID for a rectangle
 * outside the picture, VLT_E_CORRUPT/VLT_E_UNSAFE for hostile input.
 */
int vlt_extract(const void *data, size_t len, const char *name,
		const char *element, const char *out_name,
		const struct vlt_extract_side *sides, size_t nsides,
		const char *side_name, struct vlt_extract_result *res);

/*
 * Put the element of old (an earlier version of the file, same format)
 * into cur and give back the new cur. Layers: the layer of the same path
 * is replaced, or with as_name not NULL the old layer is added on top of
 * the stack under that name; every other member keeps its bytes. OBJ:
 * the object's lines are taken out of cur and the old object's block,
 * with its vertices, is appended, renumbered to fit (other objects'
 * lines unchanged; the removed object's vertex lines stay, unused, so no
 * other face needs renumbering). Images: the rectangle of old's pixels
 * is pasted into cur, written in cur's own format. glTF: see
 * vlt_replace_sides (a .glb needs no side files).
 */
int vlt_replace(const void *cur, size_t cur_len, const void *old,
		size_t old_len, const char *name, const char *element,
		const char *as_name, struct vlt_extract_result *res);

/*
 * vlt_replace with the side files of both versions (a .gltf's buffers,
 * by the uris each version gives). glTF: element is a mesh (by name or
 * "mesh:N") or a node (each mesh it and its children use); each such
 * old mesh replaces the primitives of cur's mesh of the same name, or
 * with as_name (one mesh only) is added as a new mesh and a node of
 * that name at the root of cur's scene. The old primitives' accessor
 * bytes are appended to cur's buffer 0 (existing bytes kept), with new
 * bufferViews and accessors; their materials, textures, images and
 * samplers are added unless cur has an identical one. res->data is the
 * new cur; for a .gltf, res->side the whole new buffer 0 and
 * res->side_name its uri (a .glb holds it in its BIN chunk).
 */
int vlt_replace_sides(const void *cur, size_t cur_len,
		      const struct vlt_extract_side *cur_sides,
		      size_t ncur_sides, const void *old, size_t old_len,
		      const struct vlt_extract_side *old_sides,
		      size_t nold_sides, const char *name,
		      const char *element, const char *as_name,
		      struct vlt_extract_result *res);

/* The side files a model names, in order, each once: an OBJ's mtllib
 * names, a .gltf's buffer uris (not data: URIs). None for other files. */
int vlt_extract_side_names(const void *data, size_t len, const char *name,
			   struct vlt_strlist *out);

#endif
