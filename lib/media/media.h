/*
 * media.h - what an image or 3D model file is (format, dimensions or
 * vertex count) and its thumbnail, cached by content.
 *
 * Thumbnails are small PNGs keyed by the file object id, so a texture
 * that stays the same across a hundred snapshots is decoded once. They
 * live in the repository's local cache (cache/thumbs/, never needed to
 * read the data; Documentation/format.md section 1): a thumbnail is
 * derived data and can always be made again.
 */
#ifndef VLT_MEDIA_H
#define VLT_MEDIA_H

#include <stdint.h>

#include "buf.h"
#include "hash.h"
#include "repo.h"

struct vlt_image;

enum vlt_media_kind {
	VLT_MEDIA_NONE = 0,
	VLT_MEDIA_IMAGE = 1,
	VLT_MEDIA_MODEL = 2,
};

struct vlt_media_info {
	enum vlt_media_kind kind;
	char format[8];          /* "png", "jpeg", "obj", "glb" ... */
	uint32_t width, height;  /* images */
	uint64_t vertices, faces;/* models */
};

/* Default thumbnail box (pixels). */
#define VLT_THUMB_BOX 256
/* Larger files are not read into memory for a thumbnail. */
#define VLT_MEDIA_MAX_BYTES (1ull << 30)

/* What a name suggests: image and model extensions (case-insensitive). */
enum vlt_media_kind vlt_media_kind_by_name(const char *name);

/*
 * Decode data (named name, for the model format hint): fill info, and
 * when thumb is not NULL draw a thumbnail fitting a box x box square
 * (images scaled down, models rendered from the fixed 3/4 view).
 * VLT_E_UNSUPPORTED when it is neither an image nor a model.
 */
int vlt_media_probe(const void *data, size_t len, const char *name,
		    uint32_t box, struct vlt_media_info *info,
		    struct vlt_image *thumb);

/*
 * The info and (png not NULL) the thumbnail PNG of a file object, from
 * the cache or made and cached now. A file that is not media gives
 * VLT_E_UNSUPPORTED (cached too, so it is not decoded again).
 */
int vlt_media_thumbnail(struct vlt_repo *r, const struct vlt_oid *file,
			const char *name, uint32_t box,
			struct vlt_media_info *info, struct vlt_buf *png);

/*
 * The same for content the caller already holds (data, len bytes, whose
 * file object id is file: e.g. a file of the working folder, hashed but
 * not stored), and (path not NULL) the cached PNG's path instead of its
 * bytes, for a program that names it (`vault creative status --json`).
 * A model or image without pixels has no PNG: path is left empty.
 */
int vlt_media_thumbnail_data(struct vlt_repo *r, const struct vlt_oid *file,
			     const void *data, size_t len, const char *name,
			     uint32_t box, struct vlt_media_info *info,
			     struct vlt_buf *path);

/* What a visual diff of two versions found. */
struct vlt_media_diff {
	enum vlt_media_kind kind;
	int different;              /* 0: identical under the threshold */
	/* images; when the size changed, A is scaled to B's size and the
	 * numbers are of that comparison (resized is set) */
	uint32_t width_a, height_a, width_b, height_b;
	int resized;
	uint64_t changed_pixels, total_pixels;
	double percent, psnr, ssim;
	/* models: displacement over the objects on both sides */
	uint64_t vertices_a, vertices_b;
	uint32_t objects_common, objects_added, objects_removed;
	double max_displacement;
	/* What else to tell, one line each, '\n'-separated ("resized
	 * 320×240 → 400×300", "added: Cube.001 (8 vertices)"); "" if none. */
	char notes[1024];
};

/*
 * Compare two versions of a file (whole contents in memory; name gives
 * the model format hint) with the default options of vault-diff-visual,
 * and draw the comparison into out when it is not NULL: images side by
 * side with the highlighted changes, models rendered side by side with
 * a colour key. VLT_E_UNSUPPORTED when they are not both images or both
 * models. Nothing to release in d.
 */
int vlt_media_visual_diff(const void *a, size_t alen, const void *b,
			  size_t blen, const char *name,
			  struct vlt_media_diff *d, struct vlt_image *out);
/* The same with captions in the picture: label_a over A, label_b over B
 * (either may be NULL). */
int vlt_media_visual_diff_labelled(const void *a, size_t alen, const void *b,
				   size_t blen, const char *name,
				   const char *label_a, const char *label_b,
				   struct vlt_media_diff *d,
				   struct vlt_image *out);

/* One line: "3.25% of pixels changed (SSIM 0.981)", "resized 320×240 →
 * 400×300; compared after scaling A to 400×300: 0.41% of pixels changed",
 * "max displacement 0.25 (5120 -> 5120 vertices); added: Lid (3
 * vertices)". */
const char *vlt_media_diff_describe(const struct vlt_media_diff *d,
				    char *buf, size_t n);

/*
 * The folder for a visual diff report (vault diff --visual) in the
 * repository's local cache, cache/visual-diff, emptied of an earlier
 * report and created: derived data, never part of a backup. *out gets
 * its path.
 */
int vlt_media_report_dir(struct vlt_repo *r, struct vlt_buf *out);

/* "1920x1080 png", "5120 vertices obj", "" for none. */
const char *vlt_media_describe(const struct vlt_media_info *info,
			       char *buf, size_t n);

#endif
