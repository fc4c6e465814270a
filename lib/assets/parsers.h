/*
 * parsers.h - lib/assets/'s format parsers (internal to the library).
 *
 * Each is a vlt_asset_parser (asset-parse.h). graph.c's format table
 * maps file names to them; the zip and XML helpers are shared by the
 * parsers of container formats.
 */
#ifndef VLT_ASSETS_PARSERS_H
#define VLT_ASSETS_PARSERS_H

#include <stddef.h>

#include "asset-parse.h"
#include "buf.h"

/* parse-text.c: line-oriented text formats */
int vlt_asset_obj_parse(const char *path, const void *buf, size_t len,
			const struct vlt_asset_sink *sink);
int vlt_asset_mtl_parse(const char *path, const void *buf, size_t len,
			const struct vlt_asset_sink *sink);
/* .tscn, .tres, .gd, .gdshader, project.godot, .uid, .import */
int vlt_asset_godot_parse(const char *path, const void *buf, size_t len,
			  const struct vlt_asset_sink *sink);

/* parse-gltf.c: .gltf (rewritable) and .glb (len == 0 refs) */
int vlt_asset_gltf_parse(const char *path, const void *buf, size_t len,
			 const struct vlt_asset_sink *sink);
int vlt_asset_glb_parse(const char *path, const void *buf, size_t len,
			const struct vlt_asset_sink *sink);

/* parse-xml.c: .svg, .ora (stack.xml), .kra (maindoc.xml) */
int vlt_asset_svg_parse(const char *path, const void *buf, size_t len,
			const struct vlt_asset_sink *sink);
int vlt_asset_ora_parse(const char *path, const void *buf, size_t len,
			const struct vlt_asset_sink *sink);
int vlt_asset_kra_parse(const char *path, const void *buf, size_t len,
			const struct vlt_asset_sink *sink);

/*
 * Limits for zip containers (zip bombs): members, bytes of one member
 * and of all, and the ratio of uncompressed to compressed size above
 * which a member larger than VLT_ZIP_RATIO_MIN is refused.
 */
#define VLT_ZIP_MAX_MEMBERS 10000
#define VLT_ZIP_MAX_MEMBER ((unsigned long long)512 << 20)
#define VLT_ZIP_MAX_TOTAL ((unsigned long long)4 << 30)
#define VLT_ZIP_MAX_RATIO 200
#define VLT_ZIP_RATIO_MIN ((unsigned long long)1 << 20)
/* The XML members read whole (stack.xml, maindoc.xml). */
#define VLT_ZIP_MAX_XML ((unsigned long long)64 << 20)

/*
 * Check a zip container's directory against the limits and its member
 * names (none absolute, none with a ".." component), then read member
 * into out (NUL-terminated). VLT_E_NOTFOUND when there is no such
 * member, VLT_E_UNSAFE / VLT_E_CORRUPT naming path otherwise. *names
 * (may be NULL) gets every member's name, sorted.
 */
int vlt_asset_zip_read(const char *path, const void *buf, size_t len,
		       const char *member, struct vlt_buf *out,
		       struct vlt_strlist *names);

/*
 * Rewrite members of the zip at zip_path in place (the caller passes a
 * temporary copy): each of members[i] gets data[i]. Other members are
 * copied as they are stored (libzip keeps their compressed bytes).
 */
int vlt_asset_zip_replace(const char *zip_path, size_t nr,
			  const char *const *members,
			  const struct vlt_buf *data);

/*
 * graph.c: normalise dir + "/" + rel into out ('\\' read as '/', "."
 * and ".." resolved): 0, 1 when ".." climbs above the top, or a
 * negative error.
 */
int vlt_asset_path_join(const char *dir, const char *rel, struct vlt_buf *out);

#endif
