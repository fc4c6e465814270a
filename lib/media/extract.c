/*
 * extract.c - element extraction (extract.h): which format a file is and
 * the per-format code that handles it, plus the small lists they share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "extract-internal.h"
#include "image.h"

int vlt_extract_has_ext(const char *name, const char *ext)
{
	size_t n, e = strlen(ext);

	if (!name)
		return 0;
	n = strlen(name);
	return n >= e && !strcasecmp(name + n - e, ext);
}

enum vlt_extract_format vlt_extract_format_of(const void *data, size_t len,
					      const char *name)
{
	const char *fmt = vlt_image_sniff(data, len);

	if (fmt && !strcmp(fmt, "ora"))
		return VLT_EXTRACT_ORA;
	if (fmt && !strcmp(fmt, "kra"))
		return VLT_EXTRACT_KRA;
	if (fmt)
		return VLT_EXTRACT_IMAGE;
	if (vlt_extract_has_ext(name, ".obj"))
		return VLT_EXTRACT_OBJ;
	if (vlt_extract_has_ext(name, ".gltf") ||
	    vlt_extract_has_ext(name, ".glb") ||
	    (len >= 4 && !memcmp(data, "glTF", 4)))
		return VLT_EXTRACT_GLTF;
	return VLT_EXTRACT_NONE;
}

static int unsupported(const char *name)
{
	return vlt_error_set(VLT_E_UNSUPPORTED, "%s: not a file vault can "
			     "take elements from (OpenRaster, Krita, OBJ, "
			     "glTF, PNG, JPEG, WebP, TIFF)", name);
}

int vlt_extract_side_names(const void *data, size_t len, const char *name,
			   struct vlt_strlist *out)
{
	switch (vlt_extract_format_of(data, len, name)) {
	case VLT_EXTRACT_OBJ:
		return vlt_obj_mtllibs(data, len, out);
	case VLT_EXTRACT_GLTF:
		return vlt_gltf_buffer_uris(data, len, out);
	default:
		return 0;
	}
}

int vlt_element_add(struct vlt_element_list *l, const char *path,
		    const char *kind, uint64_t vertices, uint64_t faces)
{
	struct vlt_element *e;

	if (VLT_ALLOC_GROW(l->v, l->nr + 1, l->alloc) < 0)
		return VLT_E_NOMEM;
	e = &l->v[l->nr];
	memset(e, 0, sizeof(*e));
	if (!(e->path = strdup(path)))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	snprintf(e->kind, sizeof(e->kind), "%s", kind);
	e->vertices = vertices;
	e->faces = faces;
	l->nr++;
	return 0;
}

void vlt_element_list_release(struct vlt_element_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int vlt_extract_warn(struct vlt_extract_result *res, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (vlt_strlist_add(&res->warnings, line) < 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	return 0;
}

void vlt_extract_result_release(struct vlt_extract_result *res)
{
	vlt_buf_release(&res->data);
	vlt_buf_release(&res->side);
	free(res->side_name);
	res->side_name = NULL;
	vlt_strlist_release(&res->warnings);
}

int vlt_extract_list(const void *data, size_t len, const char *name,
		     struct vlt_element_list *out)
{
	enum vlt_extract_format fmt = vlt_extract_format_of(data, len, name);

	switch (fmt) {
	case VLT_EXTRACT_ORA:
	case VLT_EXTRACT_KRA:
		return vlt_layers_list(data, len, fmt, out);
	case VLT_EXTRACT_OBJ:
		return vlt_obj_list(data, len, out);
	case VLT_EXTRACT_GLTF:
		return vlt_gltf_list(data, len, NULL, 0, out);
	case VLT_EXTRACT_IMAGE:
		return 0;
	default:
		return unsupported(name);
	}
}

int vlt_extract(const void *data, size_t len, const char *name,
		const char *element, const char *out_name,
		const struct vlt_extract_side *sides, size_t nsides,
		const char *side_name, struct vlt_extract_result *res)
{
	enum vlt_extract_format fmt = vlt_extract_format_of(data, len, name);

	switch (fmt) {
	case VLT_EXTRACT_ORA:
	case VLT_EXTRACT_KRA:
		return vlt_layers_extract(data, len, fmt, element, out_name,
					  res);
	case VLT_EXTRACT_OBJ:
		return vlt_obj_extract(data, len, element, sides, nsides,
				       side_name, res);
	case VLT_EXTRACT_GLTF:
		return vlt_gltf_extract(data, len, element, out_name, sides,
					nsides, side_name, res);
	case VLT_EXTRACT_IMAGE:
		return vlt_rect_extract(data, len, element, out_name, res);
	default:
		return unsupported(name);
	}
}

int vlt_replace(const void *cur, size_t cur_len, const void *old,
		size_t old_len, const char *name, const char *element,
		const char *as_name, struct vlt_extract_result *res)
{
	return vlt_replace_sides(cur, cur_len, NULL, 0, old, old_len, NULL, 0,
				 name, element, as_name, res);
}

int vlt_replace_sides(const void *cur, size_t cur_len,
		      const struct vlt_extract_side *cur_sides,
		      size_t ncur_sides, const void *old, size_t old_len,
		      const struct vlt_extract_side *old_sides,
		      size_t nold_sides, const char *name,
		      const char *element, const char *as_name,
		      struct vlt_extract_result *res)
{
	enum vlt_extract_format fmt = vlt_extract_format_of(cur, cur_len, name);
	enum vlt_extract_format ofmt = vlt_extract_format_of(old, old_len,
							     name);

	if (fmt == VLT_EXTRACT_NONE)
		return unsupported(name);
	if (ofmt != fmt)
		return vlt_error_set(VLT_E_INVALID, "%s: the old version is "
				     "not the same kind of file as the "
				     "current one", name);
	if (fmt == VLT_EXTRACT_GLTF)
		return vlt_gltf_replace(cur, cur_len, cur_sides, ncur_sides,
					old, old_len, old_sides, nold_sides,
					element, as_name, res);
	if (as_name && fmt != VLT_EXTRACT_ORA && fmt != VLT_EXTRACT_KRA)
		return vlt_error_set(VLT_E_INVALID, "--as names a new layer "
				     "or mesh: %s has none", name);
	switch (fmt) {
	case VLT_EXTRACT_ORA:
	case VLT_EXTRACT_KRA:
		return vlt_layers_replace(cur, cur_len, old, old_len, fmt,
					  element, as_name, res);
	case VLT_EXTRACT_OBJ:
		return vlt_obj_replace(cur, cur_len, old, old_len, element,
				       res);
	default:
		return vlt_rect_replace(cur, cur_len, old, old_len, element,
					res);
	}
}
