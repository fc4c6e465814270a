/*
 * parsers.h - the asset-reference parsers for Blender and Unity files.
 *
 * Both follow the contract of asset-parse.h (a vlt_asset_parser): they
 * read one file's bytes, report what it refers to through the sink and
 * never open another file. What each reads, and its limits, is in
 * Documentation/assets-formats-unity-blend.md.
 */
#ifndef VLT_ASSET_PARSERS_H
#define VLT_ASSET_PARSERS_H

#include "asset-parse.h"

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
