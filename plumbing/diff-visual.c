/*
 * diff-visual.c - vault-diff-visual: compare two images pixel by pixel,
 * or two 3D models vertex by vertex (or surface to surface).
 *
 * Each input is a file, or REV:path read from the repository (a path that
 * exists on disk wins over that syntax). Both are read whole (image
 * formats need all of it), decoded on two threads, compared by
 * lib/media/visual-metrics.c and visual-regions.c, and optionally drawn
 * into a PNG (visual-render.c). The exit code
 * answers "do they differ?": 0 no, 1 yes, 128 fatal, 129 usage.
 * See Documentation/vault-diff-visual.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "buf.h"
#include "cli.h"
#include "json.h"
#include "error.h"
#include "fsutil.h"
#include "image.h"
#include "mesh.h"
#include "print.h"
#include "repo.h"
#include "revparse.h"
#include "tree.h"
#include "visual-diff.h"
#include "worktree.h"

static const char usage_str[] =
	"usage: vault-diff-visual [-o OUT.png] [--mode highlight|side-by-side|onion|mask]\n"
	"                         [--threshold T] [--metric yiq|oklab] [--include-aa]\n"
	"                         [--background checker|white] [--json | -q] A B\n"
	"\n"
	"    -o, --output FILE     write a PNG picture of the difference (\"-\": stdout)\n"
	"    --mode MODE           highlight (default), side-by-side, onion or mask\n"
	"    --threshold T         0..1, smaller is more sensitive (default 0.1)\n"
	"    --metric M            yiq (pixelmatch 7, default) or oklab (pixelmatch 8)\n"
	"    --include-aa          count anti-aliased pixels as changed\n"
	"    --background BG       checker (default) or white: what semi-transparent\n"
	"                          pixels are flattened over\n"
	"    --diff-color RRGGBB   colour of changed pixels (default ff0000)\n"
	"    --alt-color RRGGBB    colour of pixels that got darker (default: diff colour)\n"
	"    --threads N           threads to use (default: one per CPU)\n"
	"    --no-labels           no captions (nor a model's colour key) in the\n"
	"                          side-by-side and model pictures\n"
	"    --json                print the result as JSON\n"
	"    -q, --quiet           print nothing; the exit code tells\n"
	"    -h, --help            show this help\n"
	"\n"
	"A and B are image files (PNG, JPEG, WebP, TIFF) or 3D models (OBJ, STL,\n"
	"PLY, glTF/GLB, FBX), or REV:path in the repository. Models are compared\n"
	"object by object (--mode and the pixel options do not apply; -o draws\n"
	"both side by side with a colour key). Images of different sizes are\n"
	"reported as resized and compared again after scaling A to B's size\n"
	"(the picture shows that comparison). Krita (.kra) and OpenRaster (.ora)\n"
	"files are compared by the flattened image they carry.\n"
	"Captions are drawn with the font file $VAULT_CAPTION_FONT (default\n"
	"\"" VLT_CAPTION_FONT "\");\n"
	"without it the pictures have none, and a warning says so.\n"
	"Exit status: 0 same, 1 different, 128 error.\n";

enum {
	OPT_MODE = 256,
	OPT_THRESHOLD,
	OPT_METRIC,
	OPT_INCLUDE_AA,
	OPT_BACKGROUND,
	OPT_DIFF_COLOR,
	OPT_ALT_COLOR,
	OPT_THREADS,
	OPT_JSON,
	OPT_NO_LABELS,
};

static const struct option longopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "threshold", required_argument, NULL, OPT_THRESHOLD },
	{ "metric", required_argument, NULL, OPT_METRIC },
	{ "include-aa", no_argument, NULL, OPT_INCLUDE_AA },
	{ "background", required_argument, NULL, OPT_BACKGROUND },
	{ "diff-color", required_argument, NULL, OPT_DIFF_COLOR },
	{ "alt-color", required_argument, NULL, OPT_ALT_COLOR },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "no-labels", no_argument, NULL, OPT_NO_LABELS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The PNG written for -o favours speed: a large diff picture at zlib
 * level 1 is several times faster to write than at the default 6 and
 * only a little larger. */
#define OUTPUT_PNG_LEVEL 1

struct input {
	const char *name;         /* as given */
	const void *bytes;        /* the encoded image: map or data */
	size_t len;
	void *map;                /* a file mapped read-only, or NULL */
	struct vlt_buf data;      /* a revision's content */
	struct vlt_image img;
};

/* A snapshot's file is read whole into memory up to this size. */
#define MAX_REV_BYTES (2ull << 30)

/*
 * A file on disk, else REV:path from the repository. Files are mapped,
 * not read: the decoder reads each byte once anyway, and copying two
 * large PNGs into fresh memory costs more than decoding a part of them.
 */
static void read_input(struct input *in)
{
	struct stat st;
	int fd;

	if (!stat(in->name, &st)) {
		if (S_ISDIR(st.st_mode))
			die("'%s' is a directory", in->name);
		fd = open(in->name, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			die("cannot read '%s': %s", in->name, strerror(errno));
		if (S_ISREG(st.st_mode) && st.st_size > 0 &&
		    (uint64_t)st.st_size <= SIZE_MAX) {
			in->map = mmap(NULL, (size_t)st.st_size, PROT_READ,
				       MAP_PRIVATE, fd, 0);
			if (in->map == MAP_FAILED)
				in->map = NULL;
		}
		if (in->map) {
			in->bytes = in->map;
			in->len = (size_t)st.st_size;
		} else {
			/* empty, a pipe, or mmap refused: read it */
			if (vlt_read_file(in->name, &in->data) < 0)
				die("%s", vlt_error_last());
			in->bytes = in->data.data;
			in->len = in->data.len;
		}
		close(fd);
		return;
	}
	if (strchr(in->name, ':')) {
		struct vlt_repo *r = cli_repo ? cli_repo : cli_open_repo();
		struct vlt_tree_entry e;

		if (vlt_rev_parse_entry(r, in->name, &e) < 0)
			die("%s", vlt_error_last());
		if (e.type == VLT_ENTRY_DIR)
			die("'%s' is a directory", in->name);
		if (e.type == VLT_ENTRY_SYMLINK)
			die("'%s' is a symbolic link", in->name);
		if (vlt_file_object_read(r, &e.oid, MAX_REV_BYTES, &in->data) < 0)
			die("%s: %s", in->name, vlt_error_last());
		free(e.name);
		in->bytes = in->data.data;
		in->len = in->data.len;
		return;
	}
	die("cannot read '%s': %s", in->name, strerror(errno));
}

static void input_release(struct input *in)
{
	if (in->map)
		munmap(in->map, in->len);
	in->map = NULL;
	vlt_buf_release(&in->data);
	vlt_image_release(&in->img);
}

static void json_bbox(json_t *root, const char *key, const float *mn,
		      const float *mx)
{
	json_t *o = json_pack("{s:[f,f,f],s:[f,f,f]}", "min", (double)mn[0],
			      (double)mn[1], (double)mn[2], "max", (double)mx[0],
			      (double)mx[1], (double)mx[2]);

	cli_json_set(root, key, o);
}

static const char *change_name(enum vlt_mesh_change c)
{
	switch (c) {
	case VLT_MESH_SAME: return "same";
	case VLT_MESH_CHANGED: return "changed";
	case VLT_MESH_ADDED: return "added";
	case VLT_MESH_REMOVED: return "removed";
	}
	return "?";
}

static const char *method_name(enum vlt_mesh_diff_method m)
{
	switch (m) {
	case VLT_MESH_DIFF_NONE: return "none";
	case VLT_MESH_DIFF_VERTEX: return "vertex";
	case VLT_MESH_DIFF_HAUSDORFF: return "hausdorff";
	}
	return "?";
}

static void mesh_json(const struct input *a, const struct input *b,
		      const struct vlt_mesh *ma, const struct vlt_mesh *mb,
		      const struct vlt_mesh_diff *d, const char *output)
{
	json_t *root = json_object(), *objs = json_array();

	if (!root || !objs)
		die("out of memory");
	cli_json_set(root, "kind", json_string("model"));
	cli_json_set(root, "a", print_json_string(a->name));
	cli_json_set(root, "b", print_json_string(b->name));
	cli_json_set(root, "format_a", json_string(ma->format));
	cli_json_set(root, "format_b", json_string(mb->format));
	cli_json_set(root, "vertex_count_a", json_integer(d->before.vertices));
	cli_json_set(root, "vertex_count_b", json_integer(d->after.vertices));
	cli_json_set(root, "face_count_a", json_integer(d->before.triangles));
	cli_json_set(root, "face_count_b", json_integer(d->after.triangles));
	cli_json_set(root, "object_count_a", json_integer(d->before.objects));
	cli_json_set(root, "object_count_b", json_integer(d->after.objects));
	cli_json_set(root, "material_count_a", json_integer(d->before.materials));
	cli_json_set(root, "material_count_b", json_integer(d->after.materials));
	json_bbox(root, "bbox_a", d->bbox_before_min, d->bbox_before_max);
	json_bbox(root, "bbox_b", d->bbox_after_min, d->bbox_after_max);
	cli_json_set(root, "objects_added", json_integer(d->nadded));
	cli_json_set(root, "objects_removed", json_integer(d->nremoved));
	cli_json_set(root, "objects_changed", json_integer(d->nchanged));
	cli_json_set(root, "objects_common", json_integer(d->ncommon));
	for (uint32_t i = 0; i < d->nobjects; i++) {
		const struct vlt_mesh_object_diff *od = &d->objects[i];
		json_t *o = json_pack("{s:o,s:s,s:i,s:i,s:i,s:i,s:b,s:b,s:f}",
			"name", print_json_string(od->name),
			"change", change_name(od->change),
			"vertices_a", (int)od->nvertices_before,
			"vertices_b", (int)od->nvertices_after,
			"faces_a", (int)od->ntriangles_before,
			"faces_b", (int)od->ntriangles_after,
			"topology_kept", od->topology_kept,
			"material_changed", od->material_changed,
			"max_displacement", od->max_displacement);

		if (!o || json_array_append_new(objs, o) < 0)
			die("out of memory");
	}
	cli_json_set(root, "objects", objs);
	cli_json_set(root, "method", json_string(method_name(d->method)));
	cli_json_set(root, "max_displacement", json_real(d->max_displacement));
	cli_json_set(root, "mean_displacement", json_real(d->mean_displacement));
	cli_json_set(root, "rms_displacement", json_real(d->rms_displacement));
	if (d->method == VLT_MESH_DIFF_VERTEX) {
		cli_json_set(root, "max_vertex", json_integer(d->max_vertex));
		cli_json_set(root, "moved_vertices", json_integer(d->moved_vertices));
	} else if (d->method == VLT_MESH_DIFF_HAUSDORFF) {
		cli_json_set(root, "hausdorff_ab", json_real(d->hausdorff_ab));
		cli_json_set(root, "hausdorff_ba", json_real(d->hausdorff_ba));
		cli_json_set(root, "samples", json_integer(d->samples));
	}
	cli_json_set(root, "output", output ? print_json_string(output) : json_null());
	cli_json_print(root, CLI_JSON_PRECISION(10));
}

static void mesh_human(const struct input *a, const struct input *b,
		       const struct vlt_mesh *ma, const struct vlt_mesh *mb,
		       const struct vlt_mesh_diff *d)
{
	const struct vlt_mesh_counts *c[2] = { &d->before, &d->after };
	const struct input *in[2] = { a, b };
	const struct vlt_mesh *m[2] = { ma, mb };

	for (int i = 0; i < 2; i++)
		printf("%c: %s (%s: %" PRIu32 " vertices, %" PRIu32 " faces, %"
		       PRIu32 " objects, %" PRIu32 " materials)\n", 'a' + i,
		       in[i]->name, m[i]->format, c[i]->vertices, c[i]->triangles,
		       c[i]->objects, c[i]->materials);
	printf("bounding box: (%g %g %g)-(%g %g %g) -> (%g %g %g)-(%g %g %g)\n",
	       d->bbox_before_min[0], d->bbox_before_min[1], d->bbox_before_min[2],
	       d->bbox_before_max[0], d->bbox_before_max[1], d->bbox_before_max[2],
	       d->bbox_after_min[0], d->bbox_after_min[1], d->bbox_after_min[2],
	       d->bbox_after_max[0], d->bbox_after_max[1], d->bbox_after_max[2]);
	printf("objects: %" PRIu32 " changed, %" PRIu32 " added, %" PRIu32
	       " removed\n", d->nchanged, d->nadded, d->nremoved);
	for (uint32_t i = 0; i < d->nobjects; i++) {
		const struct vlt_mesh_object_diff *od = &d->objects[i];

		if (od->change == VLT_MESH_ADDED)
			printf("  added: %s (%" PRIu32 " vertices)\n", od->name,
			       od->nvertices_after);
		else if (od->change == VLT_MESH_REMOVED)
			printf("  removed: %s (%" PRIu32 " vertices)\n", od->name,
			       od->nvertices_before);
		else if (od->change != VLT_MESH_SAME)
			printf("  %s: %s\n", change_name(od->change), od->name);
	}
	if (d->nadded || d->nremoved)
		printf("displacement is measured over the %" PRIu32 " object%s on "
		       "both sides%s\n", d->ncommon, d->ncommon == 1 ? "" : "s",
		       d->ncommon ? "" : " (none: the whole models are compared)");
	switch (d->method) {
	case VLT_MESH_DIFF_VERTEX:
		printf("per-vertex displacement (topology kept): max %.6g, "
		       "mean %.6g, rms %.6g; %" PRIu32 " vertices moved\n",
		       d->max_displacement, d->mean_displacement,
		       d->rms_displacement, d->moved_vertices);
		break;
	case VLT_MESH_DIFF_HAUSDORFF:
		printf("surface distance (topology changed): Hausdorff %.6g "
		       "(a->b %.6g, b->a %.6g), mean %.6g over %" PRIu32
		       " samples\n", d->max_displacement, d->hausdorff_ab,
		       d->hausdorff_ba, d->mean_displacement, d->samples);
		break;
	case VLT_MESH_DIFF_NONE:
		printf("no surface to compare\n");
		break;
	}
}

/*
 * Two 3D models (sniffed by content, then by the name's extension): the
 * mesh diff (lib/media/mesh-diff.c), its report, and with -o a side-by-side
 * render (mesh-render.c).
 * Returns the exit code, or -1 when the inputs are not both models.
 */
static int diff_mesh(struct input *a, struct input *b, int json, int quiet,
		     const char *output, int labels)
{
	struct vlt_mesh ma, mb;
	struct vlt_mesh_diff d;
	int rc;

	if (vlt_image_sniff(a->bytes, a->len) || vlt_image_sniff(b->bytes, b->len))
		return -1;
	if (!vlt_mesh_sniff(a->bytes, a->len, a->name) &&
	    !vlt_mesh_sniff(b->bytes, b->len, b->name))
		return -1;
	vlt_mesh_init(&ma);
	vlt_mesh_init(&mb);
	vlt_mesh_diff_init(&d);
	if (vlt_mesh_load_mem(&ma, a->bytes, a->len, NULL, a->name) < 0)
		die("%s", vlt_error_last());
	if (vlt_mesh_load_mem(&mb, b->bytes, b->len, NULL, b->name) < 0)
		die("%s", vlt_error_last());
	if (vlt_mesh_diff(&ma, &mb, &d) < 0)
		die("cannot compare: %s", vlt_error_last());
	if (output) {
		struct vlt_image img;
		struct vlt_buf png = VLT_BUF_INIT;

		vlt_image_init(&img);
		if ((labels ? vlt_mesh_render_labelled(&ma, &mb, &d, &img, 1200,
						       600, a->name, b->name) :
		     vlt_mesh_render(&ma, &mb, &d, &img, 1200, 600)) < 0)
			die("cannot draw the difference: %s", vlt_error_last());
		if (!strcmp(output, "-")) {
			if (vlt_image_encode_png_level(&img, OUTPUT_PNG_LEVEL,
						       &png) < 0)
				die("%s", vlt_error_last());
			cli_write_stdout(png.data, png.len);
		} else if (vlt_image_write_png_level(&img, output,
						     OUTPUT_PNG_LEVEL) < 0) {
			die("cannot write '%s': %s", output, vlt_error_last());
		}
		vlt_buf_release(&png);
		vlt_image_release(&img);
	}
	if (json)
		mesh_json(a, b, &ma, &mb, &d, output);
	else if (!quiet)
		mesh_human(a, b, &ma, &mb, &d);
	cli_flush_stdout();
	rc = (d.nadded || d.nremoved || d.nchanged ||
	      memcmp(&d.before, &d.after, sizeof(d.before))) ?
	     VLT_EXIT_NO : VLT_EXIT_OK;
	vlt_mesh_diff_release(&d);
	vlt_mesh_release(&ma);
	vlt_mesh_release(&mb);
	input_release(a);
	input_release(b);
	if (cli_repo)
		vlt_repo_free(cli_repo);
	return rc;
}

static void parse_color(const char *s, uint8_t rgb[3])
{
	char *end;
	unsigned long v;

	if (*s == '#')
		s++;
	v = strtoul(s, &end, 16);
	if (strlen(s) != 6 || *end)
		usage_error(usage_str, "'%s' is not a colour (RRGGBB)", s);
	rgb[0] = (uint8_t)(v >> 16);
	rgb[1] = (uint8_t)(v >> 8);
	rgb[2] = (uint8_t)v;
}

/* PSNR and SSIM are numbers; an infinite PSNR (no difference) is null. */
static json_t *json_number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* The comparison after scaling A to B's size (images of other sizes). */
static json_t *scaled_json(const struct vlt_vdiff *s)
{
	json_t *o = json_object();

	if (!o)
		die("out of memory");
	cli_json_set(o, "width", json_integer(s->width));
	cli_json_set(o, "height", json_integer(s->height));
	cli_json_set(o, "changed_pixels", json_integer((json_int_t)s->changed_pixels));
	cli_json_set(o, "total_pixels", json_integer((json_int_t)s->total_pixels));
	cli_json_set(o, "percent", json_real(s->percent));
	cli_json_set(o, "regions_total", json_integer((json_int_t)s->total_regions));
	cli_json_set(o, "psnr", json_number(s->psnr));
	cli_json_set(o, "ssim", json_number(s->ssim));
	return o;
}

static void print_json(const struct input *a, const struct input *b,
		       const struct vlt_vdiff *d, const struct vlt_vdiff *scaled,
		       const struct vlt_vdiff_opts *o,
		       const char *output, enum vlt_vdiff_mode mode)
{
	json_t *regions = json_array(), *root;

	if (!regions)
		die("out of memory");
	for (size_t i = 0; i < d->nr_regions; i++) {
		const struct vlt_vdiff_region *g = &d->regions[i];
		json_t *r = json_pack("{s:I, s:I, s:I, s:I, s:I}",
				      "x", (json_int_t)g->x,
				      "y", (json_int_t)g->y,
				      "width", (json_int_t)g->width,
				      "height", (json_int_t)g->height,
				      "pixels", (json_int_t)g->pixels);

		if (!r || json_array_append_new(regions, r) < 0)
			die("out of memory");
	}
	root = json_pack("{s:s, s:o, s:o, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I,"
			 " s:b, s:I}",
			 "kind", "image",
			 "a", print_json_string(a->name),
			 "b", print_json_string(b->name),
			 "format_a", a->img.format,
			 "format_b", b->img.format,
			 "width_a", (json_int_t)d->width_a,
			 "height_a", (json_int_t)d->height_a,
			 "width_b", (json_int_t)d->width_b,
			 "height_b", (json_int_t)d->height_b,
			 "width", (json_int_t)d->width,
			 "height", (json_int_t)d->height,
			 "size_changed", d->size_changed,
			 "outside_pixels", (json_int_t)d->outside_pixels);
	if (!root)
		die("out of memory");
	cli_json_set(root, "metric", json_string(vlt_vdiff_metric_name(o->metric)));
	cli_json_set(root, "threshold", json_real(o->threshold));
	cli_json_set(root, "include_aa", json_boolean(o->include_aa));
	cli_json_set(root, "background",
		 json_string(vlt_vdiff_background_name(o->background)));
	cli_json_set(root, "identical", json_boolean(d->identical));
	cli_json_set(root, "changed_pixels", json_integer((json_int_t)d->changed_pixels));
	cli_json_set(root, "darker_pixels", json_integer((json_int_t)d->darker_pixels));
	cli_json_set(root, "aa_pixels", json_integer((json_int_t)d->aa_pixels));
	cli_json_set(root, "total_pixels", json_integer((json_int_t)d->total_pixels));
	cli_json_set(root, "percent", json_real(d->percent));
	cli_json_set(root, "regions", regions);
	cli_json_set(root, "regions_total", json_integer((json_int_t)d->total_regions));
	cli_json_set(root, "psnr", json_number(d->psnr));
	cli_json_set(root, "ssim", json_number(d->ssim));
	cli_json_set(root, "output", output ? print_json_string(output) : json_null());
	cli_json_set(root, "mode", json_string(vlt_vdiff_mode_name(mode)));
	cli_json_set(root, "resized", json_boolean(d->size_changed));
	cli_json_set(root, "scaled", scaled ? scaled_json(scaled) : json_null());
	cli_json_print(root, CLI_JSON_PRECISION(10));
}

/*
 * Of images of different sizes, the scaled comparison is the report (the
 * regions, PSNR and SSIM are its); the common top-left area compared as
 * is gets one line of its own.
 */
static void print_human(const struct input *a, const struct input *b,
			const struct vlt_vdiff *top_left,
			const struct vlt_vdiff *scaled)
{
	const struct vlt_vdiff *d = scaled ? scaled : top_left;

	printf("a: %s (%" PRIu32 "x%" PRIu32 " %s)\n", a->name,
	       top_left->width_a, top_left->height_a, a->img.format);
	printf("b: %s (%" PRIu32 "x%" PRIu32 " %s)\n", b->name,
	       top_left->width_b, top_left->height_b, b->img.format);
	if (scaled) {
		printf("resized %" PRIu32 "×%" PRIu32 " → %" PRIu32 "×%" PRIu32
		       "\n", top_left->width_a, top_left->height_a,
		       top_left->width_b, top_left->height_b);
		printf("compared after scaling A to %" PRIu32 "×%" PRIu32
		       ": %.4g %% of pixels changed\n", scaled->width,
		       scaled->height, scaled->percent);
		printf("without scaling, the common top-left %" PRIu32 "x%" PRIu32
		       " area: %.4g %% of pixels changed (%" PRIu64 " pixels "
		       "outside it)\n", top_left->width, top_left->height,
		       top_left->percent, top_left->outside_pixels);
	}
	printf("changed pixels: %" PRIu64 " of %" PRIu64 " (%.4g%%)\n",
	       d->changed_pixels, d->total_pixels, d->percent);
	if (d->aa_pixels)
		printf("anti-aliased pixels (not counted): %" PRIu64 "\n",
		       d->aa_pixels);
	printf("regions: %zu\n", d->total_regions);
	for (size_t i = 0; i < d->nr_regions && i < 10; i++) {
		const struct vlt_vdiff_region *g = &d->regions[i];

		printf("  %" PRIu32 "x%" PRIu32 "+%" PRIu32 "+%" PRIu32
		       " (%" PRIu64 " pixels)\n", g->width, g->height, g->x,
		       g->y, g->pixels);
	}
	if (d->total_regions > 10)
		printf("  ... and %zu more\n", d->total_regions - 10);
	if (isinf(d->psnr))
		printf("psnr: inf\n");
	else
		printf("psnr: %.2f dB\n", d->psnr);
	printf("ssim: %.6f\n", d->ssim);
}

static void write_output(const struct vlt_vdiff *d, const struct vlt_image *a,
			 const struct vlt_image *b, enum vlt_vdiff_mode mode,
			 const struct vlt_vdiff_opts *o, const char *path)
{
	struct vlt_image out;

	if (vlt_vdiff_render(&out, d, a, b, mode, o) < 0)
		die("cannot draw the difference: %s", vlt_error_last());
	if (!strcmp(path, "-")) {
		struct vlt_buf png = VLT_BUF_INIT;

		if (vlt_image_encode_png_level(&out, OUTPUT_PNG_LEVEL, &png) < 0)
			die("%s", vlt_error_last());
		cli_write_stdout(png.data, png.len);
		vlt_buf_release(&png);
	} else if (vlt_image_write_png_level(&out, path, OUTPUT_PNG_LEVEL) < 0) {
		die("cannot write '%s': %s", path, vlt_error_last());
	}
	vlt_image_release(&out);
}

int main(int argc, char **argv)
{
	struct vlt_vdiff_opts o;
	struct vlt_vdiff d, scaled;
	struct vlt_image scaled_a;
	struct input a = { 0 }, b = { 0 };
	enum vlt_vdiff_mode mode = VLT_VDIFF_HIGHLIGHT;
	const char *output = NULL;
	int opt, json = 0, quiet = 0, alt_set = 0, labels = 1, failed, rc;

	cli_init("vault-diff-visual");
	vlt_vdiff_opts_init(&o);
	while ((opt = cli_getopt(argc, argv, "o:q", longopts, usage_str)) != -1) {
		char *end;

		switch (opt) {
		case 'o':
			output = optarg;
			break;
		case OPT_MODE:
			if (vlt_vdiff_mode_parse(optarg, &mode) < 0)
				usage_error(usage_str, "%s", vlt_error_last());
			break;
		case OPT_THRESHOLD:
			errno = 0;
			o.threshold = strtod(optarg, &end);
			if (errno || end == optarg || *end ||
			    !(o.threshold >= 0 && o.threshold <= 1))
				usage_error(usage_str, "--threshold: '%s' is not "
					    "a number from 0 to 1", optarg);
			break;
		case OPT_METRIC:
			if (vlt_vdiff_metric_parse(optarg, &o.metric) < 0)
				usage_error(usage_str, "%s", vlt_error_last());
			break;
		case OPT_INCLUDE_AA:
			o.include_aa = 1;
			break;
		case OPT_BACKGROUND:
			if (vlt_vdiff_background_parse(optarg, &o.background) < 0)
				usage_error(usage_str, "%s", vlt_error_last());
			break;
		case OPT_DIFF_COLOR:
			parse_color(optarg, o.diff_color);
			break;
		case OPT_ALT_COLOR:
			parse_color(optarg, o.darker_color);
			alt_set = 1;
			break;
		case OPT_THREADS: {
			unsigned long n = strtoul(optarg, &end, 10);

			if (*end || end == optarg || !n || n > 64)
				usage_error(usage_str, "--threads: '%s' is not "
					    "a number from 1 to 64", optarg);
			o.threads = (unsigned)n;
			break;
		}
		case OPT_JSON:
			json = 1;
			break;
		case OPT_NO_LABELS:
			labels = 0;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage_error(usage_str, "unexpected option");
		}
	}
	if (argc - optind != 2)
		usage_error(usage_str, "need two images, A and B");
	if (!alt_set)
		memcpy(o.darker_color, o.diff_color, 3);
	if (json && quiet)
		usage_error(usage_str, "--json and --quiet do not go together");
	if (output && !strcmp(output, "-")) {
		if (json)
			usage_error(usage_str, "--json and -o - both want "
				    "standard output");
		quiet = 1;
	}
	a.name = argv[optind];
	b.name = argv[optind + 1];

	read_input(&a);
	read_input(&b);
	if ((rc = diff_mesh(&a, &b, json, quiet, output, labels)) >= 0)
		return rc;
	if (vlt_image_decode_pair(&a.img, a.bytes, a.len, &b.img, b.bytes,
				  b.len, &failed) < 0)
		die("%s: %s", failed ? b.name : a.name, vlt_error_last());
	if (a.map)
		munmap(a.map, a.len);
	if (b.map)
		munmap(b.map, b.len);
	a.map = b.map = NULL;
	vlt_buf_release(&a.data);
	vlt_buf_release(&b.data);

	if (vlt_vdiff_compare(&d, &a.img, &b.img, &o) < 0)
		die("cannot compare: %s", vlt_error_last());
	vlt_vdiff_init(&scaled);
	vlt_image_init(&scaled_a);
	if (d.size_changed) {
		if (vlt_image_resize(&scaled_a, &a.img, b.img.width,
				     b.img.height) < 0 ||
		    vlt_vdiff_compare(&scaled, &scaled_a, &b.img, &o) < 0)
			die("cannot compare after scaling: %s", vlt_error_last());
	}
	if (output) {
		struct vlt_buf la = VLT_BUF_INIT;

		if (labels && mode == VLT_VDIFF_SIDE_BY_SIDE) {
			vlt_buf_adds(&la, a.name);
			if (d.size_changed)
				vlt_buf_addf(&la, " (scaled to %" PRIu32 "×%" PRIu32
					     ")", b.img.width, b.img.height);
			o.label_a = la.data;
			o.label_b = b.name;
		}
		if (d.size_changed)
			write_output(&scaled, &scaled_a, &b.img, mode, &o, output);
		else
			write_output(&d, &a.img, &b.img, mode, &o, output);
		o.label_a = o.label_b = NULL;
		vlt_buf_release(&la);
	}
	if (json)
		print_json(&a, &b, &d, d.size_changed ? &scaled : NULL, &o,
			   output, mode);
	else if (!quiet)
		print_human(&a, &b, &d, d.size_changed ? &scaled : NULL);
	cli_flush_stdout();
	rc = d.changed_pixels || d.size_changed ? VLT_EXIT_NO : VLT_EXIT_OK;
	vlt_vdiff_release(&d);
	vlt_vdiff_release(&scaled);
	vlt_image_release(&scaled_a);
	input_release(&a);
	input_release(&b);
	if (cli_repo)
		vlt_repo_free(cli_repo);
	return rc;
}
