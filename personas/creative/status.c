/*
 * vault-creative-status - `vault creative status`: what changed in the
 * project folder since the latest snapshot, one line per file that an
 * artist can read: images with their size in pixels before and after
 * and how much of the picture changed (and where), 3D models with their
 * vertex and triangle counts and bounding boxes before and after, other
 * files with their sizes.
 *
 * The comparison is `vault diff`'s (cli/diff-sides.h: the working folder
 * hashed the way a backup sees it, nothing stored; lib/diff.c), the
 * numbers are the media library's: lib/media/visual-diff.h for images
 * (a resized picture is compared after scaling the old one to the new
 * size, as the visual diff does) and lib/media/mesh.h for models (loaded
 * in its sandbox). Decoding is capped by file size (--max-size), and
 * what is not decoded says why.
 *
 * Thumbnails (on unless --no-thumbnails or creative.thumbnails = false):
 * each version of a changed image or model gets its thumbnail in the
 * repository's thumbnail cache (lib/media/media.h), which --json names,
 * so a front end can show them without decoding anything itself.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "config.h"
#include "diff-sides.h"
#include "diff.h"
#include "error.h"
#include "fileobj.h"
#include "fsutil.h"
#include "image.h"
#include "json.h"
#include "media.h"
#include "mesh.h"
#include "print.h"
#include "refs.h"
#include "repo.h"
#include "tree.h"
#include "visual-diff.h"

static const char usage[] =
"usage: vault creative status [--json] [--no-visual] [--max-size SIZE]\n"
"                             [--max-pixels N] [--[no-]thumbnails]\n"
"                             [--] [PATH...]\n"
"\n"
"Shows what changed in the project folder since the latest snapshot of\n"
"the current branch, one line per file: for images (PNG, JPEG, WebP,\n"
"TIFF, Krita, OpenRaster) the size in pixels before -> after and how\n"
"much of the picture changed (the share of changed pixels and the box\n"
"around them); for 3D models (OBJ, STL, PLY, glTF, GLB, FBX) the vertex\n"
"and triangle counts and the bounding box before -> after; for other\n"
"files their size. Nothing is stored. With PATHs, only those paths and\n"
"what is below them.\n"
"\n"
"    --json             a JSON object with the same facts\n"
"    --no-visual        do not decode images and models: sizes only (fast)\n"
"    --max-size SIZE    do not decode files larger than SIZE (default\n"
"                       256M; 64k, 16M, 1G): they get their size only,\n"
"                       and the line says so\n"
"    --max-pixels N     do not compare PNG, JPEG or WebP pictures larger\n"
"                       than N pixels (default 67108864: 8192x8192; 16M,\n"
"                       64M): their sizes in pixels only\n"
"    --thumbnails       put each version's thumbnail in the thumbnail\n"
"                       cache (--json names the files); the default\n"
"                       unless creative.thumbnails = false\n"
"    --no-thumbnails    do not\n"
"\n"
"Exit status: 0 (whatever changed), 128 on error.\n";

#define DEFAULT_MAX_SIZE (256ull << 20)
#define DEFAULT_MAX_PIXELS (8192ull * 8192ull)

enum kind { K_FILE, K_IMAGE, K_MODEL };

/* What one side (before or after) of a changed file is. */
struct side {
	int present;             /* the path exists on this side */
	uint64_t size;
	int decoded;             /* image or model numbers below are valid */
	uint32_t width, height;  /* images */
	char format[8];
	uint32_t vertices, triangles, objects;  /* models */
	float bbox_min[3], bbox_max[3];
	char *thumbnail;         /* path of the cached thumbnail, or NULL */
};

/* The summary of one changed path. */
struct change {
	const struct vlt_diff_item *it;
	enum kind kind;
	struct side a, b;
	/* images on both sides: the pixel comparison */
	int compared, resized;
	int not_compared;        /* sizes from the headers only */
	uint64_t changed_pixels, total_pixels;
	double percent;
	int has_box;
	uint32_t box_x, box_y, box_w, box_h;
	char why[256];           /* why nothing was decoded, or "" */
};

static int no_visual, thumbnails = -1;
static uint64_t max_size = DEFAULT_MAX_SIZE;
static uint64_t max_pixels = DEFAULT_MAX_PIXELS;
static struct vlt_buf out = VLT_BUF_INIT;

static void flush_out(int force)
{
	if (out.len && (force || out.len > 65536)) {
		cli_write_stdout(out.data, out.len);
		vlt_buf_reset(&out);
	}
}

static const char *status_word(enum vlt_diff_status s)
{
	switch (s) {
	case VLT_DIFF_ADDED: return "added";
	case VLT_DIFF_DELETED: return "deleted";
	case VLT_DIFF_MODIFIED: return "modified";
	case VLT_DIFF_RENAMED: return "renamed";
	}
	return "?";
}

static const char *kind_word(enum kind k)
{
	return k == K_IMAGE ? "image" : k == K_MODEL ? "model" : "file";
}

/* The bytes of one side: the snapshot's file object, or the file in the
 * working folder (the diff's new side is the working folder). */
static int side_bytes(struct vlt_repo *r, const struct vlt_diff_item *it,
		      int after, struct vlt_buf *dst)
{
	struct vlt_buf p = VLT_BUF_INIT;
	int err;

	if (!after)
		return vlt_file_object_read(r, &it->old_e.oid, max_size, dst);
	if ((err = vlt_buf_addf(&p, "%s/%s", vlt_repo_worktree(r),
				it->path)) == 0)
		err = vlt_read_file_max(p.data, max_size, dst);
	vlt_buf_release(&p);
	return err;
}

/* The box around every counted pixel of d (exact, not just the kept
 * regions). */
static void changed_box(struct change *c, const struct vlt_vdiff *d)
{
	uint32_t x0 = UINT32_MAX, y0 = UINT32_MAX, x1 = 0, y1 = 0;

	for (uint32_t y = 0; y < d->height; y++) {
		const uint8_t *row = d->classes + (size_t)y * d->width;

		for (uint32_t x = 0; x < d->width; x++) {
			if (row[x] != VLT_VDIFF_CHANGED &&
			    row[x] != VLT_VDIFF_DARKER)
				continue;
			if (x < x0) x0 = x;
			if (x > x1) x1 = x;
			if (y < y0) y0 = y;
			if (y > y1) y1 = y;
		}
	}
	if (x0 == UINT32_MAX)
		return;
	c->has_box = 1;
	c->box_x = x0;
	c->box_y = y0;
	c->box_w = x1 - x0 + 1;
	c->box_h = y1 - y0 + 1;
}

static void image_side(struct side *s, const struct vlt_image *img)
{
	s->decoded = 1;
	s->width = img->width;
	s->height = img->height;
	snprintf(s->format, sizeof(s->format), "%s", img->format);
}

/*
 * Over --max-pixels, by the headers (PNG, JPEG, WebP): both sides get
 * their size and format from there and nothing is decoded. A header that
 * cannot say (TIFF, Krita, OpenRaster) leaves it to the decoder, which
 * refuses more than VLT_IMAGE_MAX_PIXELS itself.
 */
static int too_many_pixels(struct change *c, const struct vlt_buf *da,
			   const struct vlt_buf *db)
{
	struct side *sides[2] = { &c->a, &c->b };
	const struct vlt_buf *data[2] = { da, db };
	uint32_t w[2] = { 0, 0 }, h[2] = { 0, 0 };
	int over = 0;

	for (int i = 0; i < 2; i++) {
		if (!sides[i]->present)
			continue;
		if (vlt_image_size(data[i]->data, data[i]->len, &w[i], &h[i]) < 0) {
			vlt_error_clear();
			return 0;
		}
		over |= (uint64_t)w[i] * h[i] > max_pixels;
	}
	if (!over)
		return 0;
	for (int i = 0; i < 2; i++) {
		const char *fmt;

		if (!sides[i]->present)
			continue;
		fmt = vlt_image_sniff(data[i]->data, data[i]->len);
		sides[i]->decoded = 1;
		sides[i]->width = w[i];
		sides[i]->height = h[i];
		snprintf(sides[i]->format, sizeof(sides[i]->format), "%s",
			 fmt ? fmt : "");
	}
	snprintf(c->why, sizeof(c->why), "not compared: over the "
		 "--max-pixels limit of %" PRIu64 " pixels", max_pixels);
	c->not_compared = 1;
	return 1;
}

/* Which version a decoding failure was in, for the message. */
static const char *failed_side;

static int summarize_image(struct change *c, const struct vlt_buf *da,
			   const struct vlt_buf *db)
{
	int failed = -1;
	struct vlt_image ia, ib, scaled;
	struct vlt_vdiff_opts o;
	struct vlt_vdiff d;
	const struct vlt_image *pa = &ia;
	int err = 0;

	vlt_image_init(&ia);
	vlt_image_init(&ib);
	vlt_image_init(&scaled);
	vlt_vdiff_init(&d);
	if (too_many_pixels(c, da, db))
		return 0;
	if (c->a.present && c->b.present)
		err = vlt_image_decode_pair(&ia, da->data, da->len, &ib,
					    db->data, db->len, &failed);
	else if (c->a.present)
		err = vlt_image_decode(&ia, da->data, da->len);
	else
		err = vlt_image_decode(&ib, db->data, db->len);
	if (err < 0) {
		if (c->a.present && c->b.present)
			failed_side = failed == 1 ? "the new version: " :
				      "the old version: ";
		goto done;
	}
	if (c->a.present)
		image_side(&c->a, &ia);
	if (c->b.present)
		image_side(&c->b, &ib);
	if (!c->a.present || !c->b.present)
		goto done;
	if (ia.width != ib.width || ia.height != ib.height) {
		c->resized = 1;
		if ((err = vlt_image_resize(&scaled, &ia, ib.width,
					    ib.height)) < 0)
			goto done;
		pa = &scaled;
	}
	vlt_vdiff_opts_init(&o);
	o.skip_quality = 1;
	if ((err = vlt_vdiff_compare(&d, pa, &ib, &o)) < 0)
		goto done;
	c->compared = 1;
	c->changed_pixels = d.changed_pixels;
	c->total_pixels = d.total_pixels;
	c->percent = d.percent;
	changed_box(c, &d);
done:
	vlt_vdiff_release(&d);
	vlt_image_release(&ia);
	vlt_image_release(&ib);
	vlt_image_release(&scaled);
	return err;
}

static int model_side(struct side *s, const struct vlt_buf *data,
		      const char *path)
{
	struct vlt_mesh m;
	int err;

	vlt_mesh_init(&m);
	if ((err = vlt_mesh_load_mem(&m, data->data, data->len, NULL,
				     path)) == 0) {
		s->decoded = 1;
		snprintf(s->format, sizeof(s->format), "%s", m.format);
		s->vertices = m.nvertices;
		s->triangles = m.ntriangles;
		s->objects = m.nobjects;
		memcpy(s->bbox_min, m.bbox_min, sizeof(s->bbox_min));
		memcpy(s->bbox_max, m.bbox_max, sizeof(s->bbox_max));
	}
	vlt_mesh_release(&m);
	return err;
}

/* The thumbnail of one side into the cache, its path into s. A failure
 * only costs the thumbnail (the line already says what was decoded). */
static void thumbnail_side(struct vlt_repo *r, struct side *s,
			   const struct vlt_oid *oid, const struct vlt_buf *data,
			   const char *path)
{
	struct vlt_buf p = VLT_BUF_INIT;
	struct vlt_media_info info;

	if (vlt_media_thumbnail_data(r, oid, data->data, data->len, path,
				     VLT_THUMB_BOX, &info, &p) == 0 && p.len)
		s->thumbnail = vlt_buf_detach(&p, NULL);
	vlt_error_clear();
	vlt_buf_release(&p);
}

static void summarize(struct vlt_repo *r, struct change *c)
{
	const struct vlt_diff_item *it = c->it;
	struct vlt_buf da = VLT_BUF_INIT, db = VLT_BUF_INIT;
	int err = 0;

	c->a.present = it->has_old;
	c->b.present = it->has_new;
	c->a.size = it->has_old ? it->old_e.size : 0;
	c->b.size = it->has_new ? it->new_e.size : 0;
	switch (vlt_media_kind_by_name(it->path)) {
	case VLT_MEDIA_IMAGE: c->kind = K_IMAGE; break;
	case VLT_MEDIA_MODEL: c->kind = K_MODEL; break;
	default: c->kind = K_FILE; break;
	}
	if ((it->has_old && it->old_e.type != VLT_ENTRY_FILE) ||
	    (it->has_new && it->new_e.type != VLT_ENTRY_FILE))
		c->kind = K_FILE;   /* a symbolic link: its target's length */
	/* a rename keeps the content: nothing to compare */
	if (c->kind == K_FILE || no_visual || it->status == VLT_DIFF_RENAMED)
		return;
	if (c->a.size > max_size || c->b.size > max_size) {
		snprintf(c->why, sizeof(c->why), "not decoded: %s is over the "
			 "--max-size limit of %s",
			 print_human_size(c->a.size > c->b.size ? c->a.size :
					  c->b.size), print_human_size(max_size));
		return;
	}
	if ((c->a.present && (err = side_bytes(r, it, 0, &da)) < 0) ||
	    (c->b.present && (err = side_bytes(r, it, 1, &db)) < 0)) {
		snprintf(c->why, sizeof(c->why), "cannot read: %s",
			 vlt_error_last());
		goto done;
	}
	if (c->kind == K_IMAGE) {
		err = summarize_image(c, &da, &db);
	} else {
		if (c->a.present && (err = model_side(&c->a, &da,
						      it->path)) < 0)
			failed_side = c->b.present ? "the old version: " : "";
		else if (c->b.present && (err = model_side(&c->b, &db,
							   it->path)) < 0)
			failed_side = c->a.present ? "the new version: " : "";
	}
	if (err < 0) {
		snprintf(c->why, sizeof(c->why), "not decoded: %s%s",
			 failed_side ? failed_side : "", vlt_error_last());
		goto done;
	}
	if (thumbnails && !c->not_compared) {
		if (c->a.present)
			thumbnail_side(r, &c->a, &it->old_e.oid, &da, it->path);
		if (c->b.present)
			thumbnail_side(r, &c->b, &it->new_e.oid, &db, it->path);
	}
done:
	failed_side = NULL;
	vlt_error_clear();
	vlt_buf_release(&da);
	vlt_buf_release(&db);
}

/* --- the long format ----------------------------------------------- */

static void add_size(const struct change *c)
{
	const char *ha, *hb;

	if (c->a.present && c->b.present && c->a.size != c->b.size) {
		ha = print_human_size(c->a.size);
		hb = print_human_size(c->b.size);
		/* rounded alike: the bytes tell the change */
		if (!strcmp(ha, hb))
			vlt_buf_addf(&out, "%" PRIu64 " -> %" PRIu64 " bytes",
				     c->a.size, c->b.size);
		else
			vlt_buf_addf(&out, "%s -> %s", ha, hb);
	} else
		vlt_buf_adds(&out, print_human_size(c->b.present ? c->b.size :
						    c->a.size));
}

/* "2 x 2 x 2": the bounding box's extent along x, y and z (4 digits:
 * --json has the exact corners). */
static void add_extent(const struct side *s)
{
	vlt_buf_addf(&out, "%.4g x %.4g x %.4g",
		     (double)(s->bbox_max[0] - s->bbox_min[0]),
		     (double)(s->bbox_max[1] - s->bbox_min[1]),
		     (double)(s->bbox_max[2] - s->bbox_min[2]));
}

/* The bounding box before -> after: its extent, and where its lowest
 * corner went when only that changed. */
static void add_bbox_change(const struct side *a, const struct side *b)
{
	int same_min = !memcmp(a->bbox_min, b->bbox_min, sizeof(a->bbox_min));
	int same_max = !memcmp(a->bbox_max, b->bbox_max, sizeof(a->bbox_max));
	float ea[3], eb[3];

	for (int i = 0; i < 3; i++) {
		ea[i] = a->bbox_max[i] - a->bbox_min[i];
		eb[i] = b->bbox_max[i] - b->bbox_min[i];
	}
	vlt_buf_adds(&out, "bounds ");
	add_extent(a);
	if (same_min && same_max) {
		vlt_buf_adds(&out, " (same)");
	} else if (!memcmp(ea, eb, sizeof(ea))) {
		vlt_buf_addf(&out, ", moved by (%.4g, %.4g, %.4g)",
			     (double)(b->bbox_min[0] - a->bbox_min[0]),
			     (double)(b->bbox_min[1] - a->bbox_min[1]),
			     (double)(b->bbox_min[2] - a->bbox_min[2]));
	} else {
		vlt_buf_adds(&out, " -> ");
		add_extent(b);
	}
}

static void describe_image(const struct change *c)
{
	const struct side *s = c->b.decoded ? &c->b : &c->a;

	if (c->a.decoded && c->b.decoded && !c->compared) {
		vlt_buf_addf(&out, "image %" PRIu32 "x%" PRIu32 " -> %" PRIu32
			     "x%" PRIu32 " %s", c->a.width, c->a.height,
			     c->b.width, c->b.height, c->b.format);
	} else if (c->a.decoded && c->b.decoded) {
		vlt_buf_addf(&out, "image %" PRIu32 "x%" PRIu32, c->a.width,
			     c->a.height);
		if (c->resized)
			vlt_buf_addf(&out, " -> %" PRIu32 "x%" PRIu32, c->b.width,
				     c->b.height);
		vlt_buf_addf(&out, " %s", c->b.format);
		if (strcmp(c->a.format, c->b.format))
			vlt_buf_addf(&out, " (was %s)", c->a.format);
		vlt_buf_adds(&out, c->resized ? ", resized; compared at the "
			     "new size: " : ", ");
		if (!c->changed_pixels)
			vlt_buf_adds(&out, "no visible change");
		else
			vlt_buf_addf(&out, "%.2f%% of pixels changed, in %"
				     PRIu32 "x%" PRIu32 " at (%" PRIu32 ", %"
				     PRIu32 ")", c->percent, c->box_w,
				     c->box_h, c->box_x, c->box_y);
	} else {
		vlt_buf_addf(&out, "image %" PRIu32 "x%" PRIu32 " %s", s->width,
			     s->height, s->format);
	}
}

static void describe_model(const struct change *c)
{
	const struct side *a = &c->a, *b = &c->b;

	if (a->decoded && b->decoded) {
		vlt_buf_addf(&out, "model %s, %" PRIu32 " -> %" PRIu32
			     " vertices, %" PRIu32 " -> %" PRIu32
			     " triangles", b->format, a->vertices,
			     b->vertices, a->triangles, b->triangles);
		if (a->objects != b->objects)
			vlt_buf_addf(&out, ", %" PRIu32 " -> %" PRIu32
				     " objects", a->objects, b->objects);
		vlt_buf_adds(&out, ", ");
		add_bbox_change(a, b);
	} else {
		const struct side *s = b->decoded ? b : a;

		vlt_buf_addf(&out, "model %s, %" PRIu32 " vertices, %" PRIu32
			     " triangles, %" PRIu32 " object%s, bounds ",
			     s->format, s->vertices, s->triangles, s->objects,
			     s->objects == 1 ? "" : "s");
		add_extent(s);
	}
}

static void print_line(const struct change *c)
{
	const struct vlt_diff_item *it = c->it;

	vlt_buf_addf(&out, "\t%-9s ", status_word(it->status));
	if (it->old_path) {
		print_quote_name(&out, it->old_path);
		vlt_buf_adds(&out, " -> ");
	}
	print_quote_name(&out, it->path);
	vlt_buf_adds(&out, ": ");
	if (c->kind == K_IMAGE && (c->a.decoded || c->b.decoded))
		describe_image(c);
	else if (c->kind == K_MODEL && (c->a.decoded || c->b.decoded))
		describe_model(c);
	else
		vlt_buf_addf(&out, "%s ", kind_word(c->kind));
	if (!(c->a.decoded || c->b.decoded) || c->kind == K_FILE)
		add_size(c);
	else {
		vlt_buf_adds(&out, "; ");
		add_size(c);
	}
	if (c->why[0])
		vlt_buf_addf(&out, " (%s)", c->why);
	vlt_buf_addch(&out, '\n');
	flush_out(0);
}

static void print_long(const struct change *cs, size_t n, const char *branch,
		       const char *snap)
{
	if (snap)
		vlt_buf_addf(&out, "On branch %s, latest snapshot %.12s\n",
			     branch, snap);
	else
		vlt_buf_addf(&out, "On branch %s, no snapshot yet: every file "
			     "is new\n", branch);
	if (n) {
		vlt_buf_adds(&out, "\nChanges since the latest snapshot "
			     "(vault backup stores them, vault creative diff "
			     "draws them):\n");
		for (size_t i = 0; i < n; i++)
			print_line(&cs[i]);
	}
	vlt_buf_addch(&out, '\n');
	if (!n)
		vlt_buf_adds(&out, snap ? "Nothing changed since the latest "
			     "snapshot.\n" : "Nothing to back up.\n");
	else if (no_visual)
		vlt_buf_adds(&out, "Images and models were not decoded "
			     "(--no-visual).\n");
}

/* --- JSON ---------------------------------------------------------- */

static json_t *json_bbox(const struct side *s)
{
	return json_pack("{s:[f,f,f],s:[f,f,f]}",
			 "min", (double)s->bbox_min[0], (double)s->bbox_min[1],
			 (double)s->bbox_min[2],
			 "max", (double)s->bbox_max[0], (double)s->bbox_max[1],
			 (double)s->bbox_max[2]);
}

static json_t *json_side(const struct change *c, const struct side *s)
{
	json_t *o;

	if (!s->present)
		return json_null();
	o = json_object();
	cli_json_set(o, "size", json_integer((json_int_t)s->size));
	if (s->decoded && c->kind == K_IMAGE) {
		cli_json_set(o, "format", json_string(s->format));
		cli_json_set(o, "width", json_integer(s->width));
		cli_json_set(o, "height", json_integer(s->height));
	} else if (s->decoded && c->kind == K_MODEL) {
		cli_json_set(o, "format", json_string(s->format));
		cli_json_set(o, "vertices", json_integer(s->vertices));
		cli_json_set(o, "triangles", json_integer(s->triangles));
		cli_json_set(o, "objects", json_integer(s->objects));
		cli_json_set(o, "bbox", json_bbox(s));
	}
	if (s->thumbnail)
		cli_json_set(o, "thumbnail", print_json_string(s->thumbnail));
	return o;
}

static void print_json(const struct change *cs, size_t n, const char *ref,
		       const char *snap)
{
	json_t *o = json_object(), *changes = json_array();
	uint64_t counts[4] = { 0, 0, 0, 0 };

	for (size_t i = 0; i < n; i++) {
		const struct change *c = &cs[i];
		const struct vlt_diff_item *it = c->it;
		char code[2] = { (char)it->status, '\0' };
		json_t *j = json_object();

		counts[it->status == VLT_DIFF_ADDED ? 0 :
		       it->status == VLT_DIFF_MODIFIED ? 1 :
		       it->status == VLT_DIFF_DELETED ? 2 : 3]++;
		cli_json_set(j, "status", json_string(code));
		cli_json_set(j, "path", print_json_string(it->path));
		if (it->old_path)
			cli_json_set(j, "old_path",
				     print_json_string(it->old_path));
		cli_json_set(j, "kind", json_string(kind_word(c->kind)));
		cli_json_set(j, "before", json_side(c, &c->a));
		cli_json_set(j, "after", json_side(c, &c->b));
		if (c->compared) {
			json_t *v = json_object();

			cli_json_set(v, "resized", json_boolean(c->resized));
			cli_json_set(v, "changed_pixels",
				     json_integer((json_int_t)c->changed_pixels));
			cli_json_set(v, "total_pixels",
				     json_integer((json_int_t)c->total_pixels));
			cli_json_set(v, "percent", json_real(c->percent));
			cli_json_set(v, "region", c->has_box ?
				json_pack("{s:i,s:i,s:i,s:i}",
					  "x", (json_int_t)c->box_x,
					  "y", (json_int_t)c->box_y,
					  "width", (json_int_t)c->box_w,
					  "height", (json_int_t)c->box_h) :
				json_null());
			cli_json_set(j, "visual", v);
		}
		if (c->why[0])
			cli_json_set(j, "not_decoded", json_string(c->why));
		cli_json_append(changes, j);
	}
	cli_json_set(o, "ref", print_json_string(ref));
	cli_json_set(o, "snapshot", snap ? json_string(snap) : json_null());
	cli_json_set(o, "visual", json_boolean(!no_visual));
	cli_json_set(o, "changes", changes);
	cli_json_set(o, "added", json_integer((json_int_t)counts[0]));
	cli_json_set(o, "modified", json_integer((json_int_t)counts[1]));
	cli_json_set(o, "deleted", json_integer((json_int_t)counts[2]));
	cli_json_set(o, "renamed", json_integer((json_int_t)counts[3]));
	flush_out(1);
	cli_json_print(o, 0);
}

/* creative.thumbnails (default true) unless an option said. */
static int thumbnails_default(struct vlt_repo *r)
{
	const struct vlt_config *cfg = vlt_repo_config(r);
	int on = 1;

	if (vlt_config_get(cfg, "creative.thumbnails") &&
	    vlt_config_get_bool(cfg, "creative.thumbnails", &on) < 0)
		die("%s", vlt_error_last());
	return on;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "no-visual", no_argument, NULL, 'V' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "max-pixels", required_argument, NULL, 'p' },
		{ "thumbnails", no_argument, NULL, 'T' },
		{ "no-thumbnails", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_diff_list l = VLT_DIFF_LIST_INIT;
	struct vlt_buf ref = VLT_BUF_INIT;
	struct vlt_strlist paths = VLT_STRLIST_INIT;
	struct vlt_oid snap, head_tree, work_tree;
	struct change *cs = NULL;
	char snap_hex[VLT_OID_HEXSZ + 1], *root;
	int c, json = 0, have_snap;
	struct vlt_repo *r;

	cli_init("vault-creative-status");
	while ((c = cli_getopt(argc, argv, "", opts, usage)) != -1) {
		switch (c) {
		case 'J': json = 1; break;
		case 'V': no_visual = 1; break;
		case 'm': max_size = cli_parse_size(optarg, usage,
						    "--max-size"); break;
		case 'p': max_pixels = cli_parse_size(optarg, usage,
						      "--max-pixels");
			  if (!max_pixels)
				  usage_error(usage, "--max-pixels must be more "
					      "than 0");
			  break;
		case 'T': thumbnails = 1; break;
		case 'N': thumbnails = 0; break;
		}
	}

	r = cli_open_repo();
	if (thumbnails < 0)
		thumbnails = thumbnails_default(r);
	if (no_visual)
		thumbnails = 0;
	root = cli_worktree_paths(r, argv + optind, argc - optind, &paths,
				  "use vault creative diff A B to compare "
				  "snapshots");

	if (vlt_ref_resolve_name(r, "HEAD", &ref) < 0)
		die("cannot read HEAD: %s", vlt_error_last());
	have_snap = vlt_ref_read(r, ref.data, &snap) == 0;
	vlt_error_clear();
	cli_diff_tree(r, "HEAD", &head_tree, 1);
	if (have_snap)
		vlt_oid_to_hex(&snap, snap_hex);
	cli_diff_worktree(r, &work_tree, json);
	if (vlt_diff_trees_list(r, &head_tree, &work_tree,
				paths.nr ? (const char *const *)paths.v : NULL,
				1, &l) < 0)
		die("cannot compare with the latest snapshot: %s",
		    vlt_error_last());

	if (l.nr && !(cs = calloc(l.nr, sizeof(*cs))))
		die("out of memory");
	for (size_t i = 0; i < l.nr; i++) {
		cs[i].it = &l.items[i];
		summarize(r, &cs[i]);
	}
	if (json)
		print_json(cs, l.nr, ref.data, have_snap ? snap_hex : NULL);
	else
		print_long(cs, l.nr, vlt_ref_shorten(ref.data, NULL),
			   have_snap ? snap_hex : NULL);
	flush_out(1);

	for (size_t i = 0; i < l.nr; i++) {
		free(cs[i].a.thumbnail);
		free(cs[i].b.thumbnail);
	}
	free(cs);
	vlt_buf_release(&out);
	vlt_buf_release(&ref);
	vlt_diff_list_release(&l);
	vlt_strlist_release(&paths);
	free(root);
	vlt_repo_free(r);
	return VLT_EXIT_OK;
}
