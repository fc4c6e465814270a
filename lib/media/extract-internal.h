/*
 * extract-internal.h - the per-format halves of extract.h: layers
 * (extract-layers.c), OBJ (extract-obj.c), glTF (extract-gltf.c), images
 * (extract-image.c).
 * extract.c picks one by the format.
 */
#ifndef VLT_EXTRACT_INTERNAL_H
#define VLT_EXTRACT_INTERNAL_H

#include "extract.h"

/* Add an element to the list (path copied). */
int vlt_element_add(struct vlt_element_list *l, const char *path,
		    const char *kind, uint64_t vertices, uint64_t faces);

/* Add one formatted line to the warnings. */
int vlt_extract_warn(struct vlt_extract_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* 1 when name ends in ext (case-insensitive, ext with its dot). */
int vlt_extract_has_ext(const char *name, const char *ext);

int vlt_layers_list(const void *data, size_t len,
		    enum vlt_extract_format fmt, struct vlt_element_list *out);
int vlt_layers_extract(const void *data, size_t len,
		       enum vlt_extract_format fmt, const char *element,
		       const char *out_name, struct vlt_extract_result *res);
int vlt_layers_replace(const void *cur, size_t cur_len, const void *old,
		       size_t old_len, enum vlt_extract_format fmt,
		       const char *element, const char *as_name,
		       struct vlt_extract_result *res);

int vlt_obj_list(const void *data, size_t len, struct vlt_element_list *out);
int vlt_obj_extract(const void *data, size_t len, const char *element,
		    const struct vlt_extract_side *sides, size_t nsides,
		    const char *side_name, struct vlt_extract_result *res);
int vlt_obj_replace(const void *cur, size_t cur_len, const void *old,
		    size_t old_len, const char *element,
		    struct vlt_extract_result *res);

int vlt_gltf_list(const void *data, size_t len,
		  const struct vlt_extract_side *sides, size_t nsides,
		  struct vlt_element_list *out);
int vlt_gltf_extract(const void *data, size_t len, const char *element,
		     const char *out_name,
		     const struct vlt_extract_side *sides, size_t nsides,
		     const char *side_name, struct vlt_extract_result *res);
int vlt_gltf_replace(const void *cur, size_t cur_len,
		     const struct vlt_extract_side *cur_sides, size_t ncur,
		     const void *old, size_t old_len,
		     const struct vlt_extract_side *old_sides, size_t nold,
		     const char *element, const char *as_name,
		     struct vlt_extract_result *res);
int vlt_gltf_buffer_uris(const void *data, size_t len,
			 struct vlt_strlist *out);
int vlt_obj_mtllibs(const void *data, size_t len, struct vlt_strlist *out);

int vlt_rect_extract(const void *data, size_t len, const char *element,
		     const char *out_name, struct vlt_extract_result *res);
int vlt_rect_replace(const void *cur, size_t cur_len, const void *old,
		     size_t old_len, const char *element,
		     struct vlt_extract_result *res);

#endif
