/*
 * asset-parse.h - the contract between lib/assets/'s format parsers and
 * the reference graph built on them (lib/assets/).
 *
 * A parser reads one file's bytes and reports, through a sink, every
 * reference the file makes to another file (a texture, a linked library,
 * a script) and every id the file declares for an asset (a Unity .meta
 * GUID, a Godot .uid or .import uid). It does not open other files,
 * resolve paths or decide whether a target exists: the graph does that.
 *
 * Parsers never trust the bytes: lengths are checked before use, a
 * malformed file gives VLT_E_CORRUPT with a message naming the file and
 * the place, and nothing is written anywhere. A parser may stop early
 * when the sink returns non-zero, and then returns that value.
 */
#ifndef VLT_ASSET_PARSE_H
#define VLT_ASSET_PARSE_H

#include <stddef.h>

/* What a reference's target is. */
enum vlt_asset_target {
	/*
	 * A path as written in the file: relative to the referring file's
	 * folder (a .blend "//tex/a.png" is reported as "tex/a.png"),
	 * "res://..." (Godot: relative to the folder of project.godot), or
	 * absolute. A path may hold the token "<UDIM>", which stands for
	 * any four-digit tile number (1001, 1002, ...).
	 */
	VLT_ASSET_PATH = 1,
	/* An id some other file declares: "uid://..." or a Unity GUID. */
	VLT_ASSET_ID = 2,
};

/* How the target's text is quoted in the file, for rewriting it. */
enum vlt_asset_quoting {
	VLT_ASSET_RAW = 0,	/* bytes as they are (OBJ, MTL, Godot, GDScript) */
	VLT_ASSET_JSON = 1,	/* inside a JSON string (glTF, GLB's JSON chunk) */
	VLT_ASSET_XML = 2,	/* inside an XML attribute (SVG, stack.xml) */
	VLT_ASSET_URI = 3,	/* a URI inside JSON: percent-encoded (glTF uri) */
};

struct vlt_asset_ref {
	const char *target;	/* NUL-terminated, decoded (no quoting) */
	enum vlt_asset_target type;
	/*
	 * A short word naming the field, stable for scripts: "mtllib",
	 * "map_Kd", "bump", "uri", "href", "layer", "ext_resource",
	 * "preload", "load", "include", "guid", "image", "library",
	 * "font", "sound", "cache", ...
	 */
	const char *kind;
	unsigned line;		/* 1-based line in the file or member; 0: none */
	/* The zip member holding the reference (".ora"/".kra": "stack.xml",
	 * "maindoc.xml"); NULL when it is in the file itself. */
	const char *member;
	/*
	 * Where the target's text sits in the buffer given to the parser
	 * (or in the uncompressed member), still quoted as `quoting` says:
	 * replacing bytes [off, off + len) with a new, quoted target
	 * rewrites the reference. len == 0: the reference cannot be
	 * rewritten in place (binary formats such as .blend or GLB).
	 */
	size_t off, len;
	enum vlt_asset_quoting quoting;
	/*
	 * 1: this path only backs up the VLT_ASSET_ID reference reported
	 * just before it (Godot's ext_resource path= next to uid=): the id
	 * wins when it resolves, the path is used otherwise, and the pair
	 * is missing only when both fail. Still rewritten by a move.
	 * (Added after the first version of this contract: a parser that
	 * zero-initialises its refs never sets it.)
	 */
	int fallback;
};

/* A file declares that `id` names the asset at `path` (relative to the
 * declaring file's folder; "x.png" for "x.png.meta"). */
struct vlt_asset_id {
	const char *id;
	const char *path;
};

struct vlt_asset_sink {
	int (*ref)(const struct vlt_asset_ref *ref, void *ctx);
	int (*id)(const struct vlt_asset_id *id, void *ctx);	/* may be NULL */
	void *ctx;
};

/*
 * A parser: `path` is the file's path in the project (for messages and
 * to tell formats apart by extension); buf/len its whole content (the
 * formats need random access: zip directories, .blend blocks, GLB
 * chunks; callers refuse files over a size they document). Returns 0,
 * a negative VLT_E_* code, or the sink's non-zero value.
 */
typedef int (*vlt_asset_parser)(const char *path, const void *buf,
				size_t len, const struct vlt_asset_sink *sink);

#endif
