/*
 * media.c - media info and thumbnails of images and models (media.h).
 *
 * Cache layout (local, derived, safe to delete): cache/thumbs/XX/ID.info
 * holds one line "VMI1 KIND FORMAT WIDTH HEIGHT VERTICES FACES" (KIND 0
 * for "not media", so such files are not decoded again), and
 * cache/thumbs/XX/ID-BOX.png the thumbnail for a BOX x BOX square. XX is
 * the first two hex digits of the file object id ID. Both are written
 * atomically (temporary file, fsync, rename), so a reader sees a whole
 * file or none.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "image.h"
#include "media.h"
#include "mesh.h"
#include "visual-diff.h"
#include "worktree.h"

enum vlt_media_kind vlt_media_kind_by_name(const char *name)
{
	static const char *const images[] = {
		"png", "jpg", "jpeg", "webp", "tif", "tiff", "kra", "ora", NULL
	};
	static const char *const models[] = {
		"obj", "stl", "ply", "gltf", "glb", "fbx", NULL
	};
	const char *dot = strrchr(name, '.');

	if (!dot || strchr(dot, '/'))
		return VLT_MEDIA_NONE;
	for (int i = 0; images[i]; i++)
		if (!strcasecmp(dot + 1, images[i]))
			return VLT_MEDIA_IMAGE;
	for (int i = 0; models[i]; i++)
		if (!strcasecmp(dot + 1, models[i]))
			return VLT_MEDIA_MODEL;
	return VLT_MEDIA_NONE;
}

const char *vlt_media_describe(const struct vlt_media_info *info, char *buf,
			       size_t n)
{
	if (info->kind == VLT_MEDIA_IMAGE)
		snprintf(buf, n, "%" PRIu32 "x%" PRIu32 " %s", info->width,
			 info->height, info->format);
	else if (info->kind == VLT_MEDIA_MODEL)
		snprintf(buf, n, "%" PRIu64 " vertices %s", info->vertices,
			 info->format);
	else if (n)
		buf[0] = '\0';
	return buf;
}

static int probe_model(const void *data, size_t len, const char *name,
		       uint32_t box, struct vlt_media_info *info,
		       struct vlt_image *thumb)
{
	struct vlt_mesh m;
	const char *dot = strrchr(name, '.');
	int err;

	vlt_mesh_init(&m);
	if ((err = vlt_mesh_load_mem(&m, data, len, dot ? dot + 1 : NULL,
				     name)) < 0)
		return err;
	info->kind = VLT_MEDIA_MODEL;
	snprintf(info->format, sizeof(info->format), "%s",
		 m.format[0] ? m.format : (dot ? dot + 1 : "model"));
	info->vertices = m.nvertices;
	info->faces = m.ntriangles;
	if (thumb)
		err = vlt_mesh_render(&m, NULL, NULL, thumb, box, box);
	vlt_mesh_release(&m);
	return err;
}

int vlt_media_probe(const void *data, size_t len, const char *name,
		    uint32_t box, struct vlt_media_info *info,
		    struct vlt_image *thumb)
{
	struct vlt_image img;
	int err;

	memset(info, 0, sizeof(*info));
	if (vlt_image_sniff(data, len)) {
		vlt_image_init(&img);
		if ((err = vlt_image_decode(&img, data, len)) < 0)
			return err;
		info->kind = VLT_MEDIA_IMAGE;
		snprintf(info->format, sizeof(info->format), "%s", img.format);
		info->width = img.width;
		info->height = img.height;
		err = thumb ? vlt_image_thumbnail(thumb, &img, box, box) : 0;
		vlt_image_release(&img);
		return err;
	}
	if (vlt_mesh_sniff(data, len, name))
		return probe_model(data, len, name, box, info, thumb);
	return vlt_error_set(VLT_E_UNSUPPORTED, "%s: not an image or a 3D model",
			     name);
}

static int cache_path(struct vlt_repo *r, const struct vlt_oid *file,
		      const char *suffix, struct vlt_buf *out)
{
	const char *hex = vlt_oid_hex(file);
	char sub[16];

	snprintf(sub, sizeof(sub), "thumbs/%.2s", hex);
	VLT_TRY(vlt_repo_cache_dir(r, sub, out));
	return vlt_buf_addf(out, "/%s%s", hex, suffix);
}

int vlt_media_report_dir(struct vlt_repo *r, struct vlt_buf *out)
{
	VLT_TRY(vlt_repo_cache_dir(r, "visual-diff", out));
	VLT_TRY(vlt_remove_tree(out->data));
	return vlt_repo_cache_dir(r, "visual-diff", out);
}

static int read_info(const char *path, struct vlt_media_info *info)
{
	struct vlt_buf b = VLT_BUF_INIT;
	unsigned kind;
	char fmt[8];
	int ok;

	if (vlt_read_file(path, &b) < 0) {
		vlt_error_clear();
		vlt_buf_release(&b);
		return 0;
	}
	vlt_buf_addch(&b, '\0');
	memset(info, 0, sizeof(*info));
	ok = sscanf(b.data, "VMI1 %u %7s %" SCNu32 " %" SCNu32 " %" SCNu64
		    " %" SCNu64, &kind, fmt, &info->width, &info->height,
		    &info->vertices, &info->faces) == 6 && kind <= 2;
	vlt_buf_release(&b);
	if (!ok)
		return 0;
	info->kind = (enum vlt_media_kind)kind;
	if (strcmp(fmt, "-"))
		snprintf(info->format, sizeof(info->format), "%s", fmt);
	return 1;
}

static int write_info(const char *path, const struct vlt_media_info *info)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "VMI1 %u %s %" PRIu32 " %" PRIu32
			 " %" PRIu64 " %" PRIu64 "\n", (unsigned)info->kind,
			 info->format[0] ? info->format : "-", info->width,
			 info->height, info->vertices, info->faces);

	return vlt_write_file_atomic(path, line, (size_t)n, 0644, 0);
}

/*
 * The thumbnail of file (named name) in the cache: info and (png not
 * NULL) the PNG's bytes, (path not NULL) the PNG's path. From the cache
 * when it holds them, else made from data (len bytes) or, when data is
 * NULL, from the file object's content, and cached.
 */
static int thumbnail(struct vlt_repo *r, const struct vlt_oid *file,
		     const void *data, size_t len, const char *name,
		     uint32_t box, struct vlt_media_info *info,
		     struct vlt_buf *png, struct vlt_buf *path)
{
	struct vlt_buf ipath = VLT_BUF_INIT, tpath = VLT_BUF_INIT;
	struct vlt_buf content = VLT_BUF_INIT, enc = VLT_BUF_INIT;
	struct vlt_image thumb;
	char suffix[32];
	int have_info, err;

	vlt_image_init(&thumb);
	snprintf(suffix, sizeof(suffix), "-%u.png", box);
	if ((err = cache_path(r, file, ".info", &ipath)) < 0 ||
	    (err = cache_path(r, file, suffix, &tpath)) < 0)
		goto done;
	have_info = read_info(ipath.data, info);
	if (have_info && info->kind == VLT_MEDIA_NONE) {
		err = vlt_error_set(VLT_E_UNSUPPORTED, "%s: not an image or a 3D "
				    "model", name);
		goto done;
	}
	if (have_info && !png && !path)
		goto done;
	if (have_info && !png && access(tpath.data, R_OK) == 0)
		goto found;
	if (have_info && png && vlt_read_file(tpath.data, png) == 0)
		goto found;
	vlt_error_clear();
	/* not cached: decode the content (whole: the formats need it) */
	if (!data) {
		if ((err = vlt_file_object_read(r, file, VLT_MEDIA_MAX_BYTES,
						&content)) < 0)
			goto done;
		data = content.data;
		len = content.len;
	}
	err = vlt_media_probe(data, len, name, box, info, &thumb);
	if (err == VLT_E_UNSUPPORTED) {
		struct vlt_media_info none;

		memset(&none, 0, sizeof(none));
		write_info(ipath.data, &none);
		goto done;
	}
	if (err < 0)
		goto done;
	if ((err = write_info(ipath.data, info)) < 0)
		goto done;
	if (!thumb.rgba)
		goto done;
	if ((err = vlt_image_encode_png(&thumb, &enc)) < 0 ||
	    (err = vlt_write_file_atomic(tpath.data, enc.data, enc.len,
					 0644, 0)) < 0 ||
	    (png && (err = vlt_buf_set(png, enc.data, enc.len)) < 0))
		goto done;
found:
	if (path)
		err = vlt_buf_set(path, tpath.data, tpath.len);
done:
	vlt_image_release(&thumb);
	vlt_buf_release(&enc);
	vlt_buf_release(&content);
	vlt_buf_release(&ipath);
	vlt_buf_release(&tpath);
	return err;
}

int vlt_media_thumbnail(struct vlt_repo *r, const struct vlt_oid *file,
			const char *name, uint32_t box,
			struct vlt_media_info *info, struct vlt_buf *png)
{
	return thumbnail(r, file, NULL, 0, name, box, info, png, NULL);
}

int vlt_media_thumbnail_data(struct vlt_repo *r, const struct vlt_oid *file,
			     const void *data, size_t len, const char *name,
			     uint32_t box, struct vlt_media_info *info,
			     struct vlt_buf *path)
{
	return thumbnail(r, file, data, len, name, box, info, NULL, path);
}

/* Append a line to d->notes (cut when full). */
static void add_note(struct vlt_media_diff *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add_note(struct vlt_media_diff *d, const char *fmt, ...)
{
	size_t len = strlen(d->notes);
	va_list ap;

	if (len + 2 >= sizeof(d->notes))
		return;
	if (len)
		d->notes[len++] = '\n';
	va_start(ap, fmt);
	vsnprintf(d->notes + len, sizeof(d->notes) - len, fmt, ap);
	va_end(ap);
}

/*
 * Two images. Of different sizes they are not compared top-left (a
 * resized picture would look changed everywhere): A is scaled to B's
 * size and that is compared and drawn, which the notes say.
 */
static int diff_images(const void *a, size_t alen, const void *b, size_t blen,
		       const char *label_a, const char *label_b,
		       struct vlt_media_diff *md, struct vlt_image *out)
{
	struct vlt_image ia, ib, scaled;
	struct vlt_vdiff_opts o;
	struct vlt_vdiff d;
	struct vlt_buf la = VLT_BUF_INIT;
	const struct vlt_image *pa = &ia;
	int err;

	vlt_image_init(&ia);
	vlt_image_init(&ib);
	vlt_image_init(&scaled);
	vlt_vdiff_init(&d);
	vlt_vdiff_opts_init(&o);
	if ((err = vlt_image_decode_pair(&ia, a, alen, &ib, b, blen, NULL)) < 0)
		goto done;
	md->kind = VLT_MEDIA_IMAGE;
	md->width_a = ia.width;
	md->height_a = ia.height;
	md->width_b = ib.width;
	md->height_b = ib.height;
	if (ia.width != ib.width || ia.height != ib.height) {
		md->resized = 1;
		if ((err = vlt_image_resize(&scaled, &ia, ib.width,
					    ib.height)) < 0)
			goto done;
		pa = &scaled;
	}
	if ((err = vlt_vdiff_compare(&d, pa, &ib, NULL)) < 0)
		goto done;
	md->changed_pixels = d.changed_pixels;
	md->total_pixels = d.total_pixels;
	md->percent = d.percent;
	md->psnr = d.psnr;
	md->ssim = d.ssim;
	md->different = d.changed_pixels > 0 || md->resized;
	if (md->resized) {
		add_note(md, "resized %" PRIu32 "×%" PRIu32 " → %" PRIu32 "×%"
			 PRIu32, md->width_a, md->height_a, md->width_b,
			 md->height_b);
		add_note(md, "compared after scaling A to %" PRIu32 "×%" PRIu32
			 ": %.2f %% of pixels changed", md->width_b,
			 md->height_b, md->percent);
	}
	if (out) {
		if (md->resized && label_a) {
			vlt_buf_addf(&la, "%s (scaled to %" PRIu32 "×%" PRIu32 ")",
				     label_a, ib.width, ib.height);
			label_a = la.data;
		}
		o.label_a = label_a;
		o.label_b = label_b;
		err = vlt_vdiff_render(out, &d, pa, &ib, VLT_VDIFF_SIDE_BY_SIDE,
				       &o);
	}
done:
	vlt_buf_release(&la);
	vlt_vdiff_release(&d);
	vlt_image_release(&ia);
	vlt_image_release(&ib);
	vlt_image_release(&scaled);
	return err;
}

static int diff_models(const void *a, size_t alen, const void *b, size_t blen,
		       const char *name, const char *label_a,
		       const char *label_b, struct vlt_media_diff *md,
		       struct vlt_image *out)
{
	struct vlt_mesh ma, mb;
	struct vlt_mesh_diff d;
	const char *dot = strrchr(name, '.');
	int err;

	vlt_mesh_init(&ma);
	vlt_mesh_init(&mb);
	vlt_mesh_diff_init(&d);
	if ((err = vlt_mesh_load_mem(&ma, a, alen, dot ? dot + 1 : NULL,
				     name)) < 0 ||
	    (err = vlt_mesh_load_mem(&mb, b, blen, dot ? dot + 1 : NULL,
				     name)) < 0 ||
	    (err = vlt_mesh_diff(&ma, &mb, &d)) < 0)
		goto done;
	md->kind = VLT_MEDIA_MODEL;
	md->vertices_a = ma.nvertices;
	md->vertices_b = mb.nvertices;
	md->objects_common = d.ncommon;
	md->objects_added = d.nadded;
	md->objects_removed = d.nremoved;
	md->max_displacement = d.max_displacement;
	md->different = d.nadded || d.nremoved || d.nchanged ||
			memcmp(&d.before, &d.after, sizeof(d.before)) != 0;
	for (uint32_t i = 0; i < d.nobjects; i++) {
		const struct vlt_mesh_object_diff *od = &d.objects[i];

		if (od->change == VLT_MESH_ADDED)
			add_note(md, "added: %s (%" PRIu32 " vertices)", od->name,
				 od->nvertices_after);
		else if (od->change == VLT_MESH_REMOVED)
			add_note(md, "removed: %s (%" PRIu32 " vertices)",
				 od->name, od->nvertices_before);
	}
	if (out)
		err = vlt_mesh_render_labelled(&ma, &mb, &d, out, 960, 480,
					       label_a, label_b);
done:
	vlt_mesh_diff_release(&d);
	vlt_mesh_release(&ma);
	vlt_mesh_release(&mb);
	return err;
}

int vlt_media_visual_diff_labelled(const void *a, size_t alen, const void *b,
				   size_t blen, const char *name,
				   const char *label_a, const char *label_b,
				   struct vlt_media_diff *d,
				   struct vlt_image *out)
{
	memset(d, 0, sizeof(*d));
	if (vlt_image_sniff(a, alen) && vlt_image_sniff(b, blen))
		return diff_images(a, alen, b, blen, label_a, label_b, d, out);
	if (vlt_mesh_sniff(a, alen, name) && vlt_mesh_sniff(b, blen, name))
		return diff_models(a, alen, b, blen, name, label_a, label_b, d,
				   out);
	return vlt_error_set(VLT_E_UNSUPPORTED, "not an image or model vault "
			     "reads: %s", name);
}

int vlt_media_visual_diff(const void *a, size_t alen, const void *b,
			  size_t blen, const char *name,
			  struct vlt_media_diff *d, struct vlt_image *out)
{
	return vlt_media_visual_diff_labelled(a, alen, b, blen, name, NULL,
					      NULL, d, out);
}

const char *vlt_media_diff_describe(const struct vlt_media_diff *d,
				    char *buf, size_t n)
{
	size_t len;

	if (d->kind == VLT_MEDIA_IMAGE && d->resized)
		snprintf(buf, n, "resized %" PRIu32 "×%" PRIu32 " → %" PRIu32
			 "×%" PRIu32 "; compared after scaling A to %" PRIu32
			 "×%" PRIu32 ": %.2f%% of pixels changed (SSIM %.3f)",
			 d->width_a, d->height_a, d->width_b, d->height_b,
			 d->width_b, d->height_b, d->percent, d->ssim);
	else if (d->kind == VLT_MEDIA_IMAGE)
		snprintf(buf, n, "%.2f%% of pixels changed (%" PRIu64 " of %"
			 PRIu64 ", SSIM %.3f)", d->percent, d->changed_pixels,
			 d->total_pixels, d->ssim);
	else if (d->kind == VLT_MEDIA_MODEL) {
		snprintf(buf, n, "max displacement %.6g (%" PRIu64 " -> %" PRIu64
			 " vertices)", d->max_displacement, d->vertices_a,
			 d->vertices_b);
		/* the added and removed objects, on the same line */
		for (const char *p = d->notes; *p && (len = strlen(buf)) + 3 < n;) {
			size_t k = strcspn(p, "\n");

			snprintf(buf + len, n - len, "; %.*s", (int)k, p);
			p += k + (p[k] == '\n');
		}
	} else if (n)
		buf[0] = '\0';
	return buf;
}
