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

/* blend.c, unity.c */
/*
 * A Blender .blend, plain or compressed with Zstandard (Blender 3.0 and
 * later) or gzip (Blender 2.x): the external files its Image, Library,
 * VFont, bSound, MovieClip, CacheFile and Volume blocks name, found by
 * field name through the file's own DNA. Targets are VLT_ASSET_PATH
 * ("//tex/a.png" is reported as "tex/a.png"), kinds "image", "library",
 * "font", "sound", "movieclip", "cache", "volume"; line 0, off/len 0
 * (binary: not rewritable in place). Packed files are not reported.
 * A compressed file is read as a stream and refused (VLT_E_CORRUPT)
 * once it inflates past VLT_BLEND_MAX_INFLATED bytes.
 */
#define VLT_BLEND_MAX_INFLATED (2ULL << 30)
int vlt_asset_blend_parse(const char *path, const void *buf, size_t len,
			  const struct vlt_asset_sink *sink);

/*
 * Unity's text-serialised YAML. A ".meta" file declares its GUID as the
 * id of the file it sits beside ("x.png" for "x.png.meta"); any file
 * (.meta included) reports each {fileID: N, guid: G, type: T} mapping
 * whose guid is not a Unity built-in (first 16 hex digits zero) as a
 * VLT_ASSET_ID reference, kind "guid", with its line, and off/len on the
 * 32 hex digits of the guid (VLT_ASSET_RAW; a move never needs to
 * rewrite them, the .meta moves with its file). A binary-serialised
 * asset gives VLT_E_UNSUPPORTED, malformed YAML VLT_E_CORRUPT with the
 * line.
 */
int vlt_asset_unity_parse(const char *path, const void *buf, size_t len,
			  const struct vlt_asset_sink *sink);

/* 1 if path's extension is one vlt_asset_unity_parse reads (".meta",
 * ".prefab", ".unity", ".mat", ".asset", ...), else 0. */
int vlt_asset_unity_handles(const char *path);

#endif
