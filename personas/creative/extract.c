/*
 * vault extract / vault replace - one element out of an old version of a
 * file, and back into the current file.
 *
 * One program, two names (it names itself from argv[0]): vault-extract
 * writes the element of REV:FILE (or of a file on disk) as a file of its
 * own; vault-replace puts the element of an older version into the file
 * in the working folder. The formats are lib/media/extract.c's; this
 * reads the versions (revision syntax of lib/revparse.h), writes the
 * result (temporary file, fsync, rename) and tells what it could not
 * carry over.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "error.h"
#include "extract.h"
#include "fileobj.h"
#include "fsutil.h"
#include "image.h"
#include "media.h"
#include "repo.h"
#include "revparse.h"
#include "tree.h"

/* At most this many side files of one model are read. */
#define MAX_SIDES 16

static const char extract_usage[] =
"usage: vault extract REV:FILE ELEMENT -o OUT [--json] [-q]\n"
"   or: vault extract REV:FILE --list [--json]\n"
"\n"
"Writes one element of a version of FILE as a file of its own: a layer\n"
"of an OpenRaster (.ora) or Krita (.kra) file (by name, or by path such\n"
"as 'Group 1/Ink'), an object or group of an OBJ model (with the\n"
"materials it uses, in OUT's .mtl), a node (with its children) or mesh\n"
"of a glTF model (by name, or node:N / mesh:N; a .gltf OUT gets its\n"
"buffer in OUT's .bin, a .glb holds it), or a rectangle x,y,w,h of a\n"
"PNG, JPEG, WebP or TIFF picture. REV:FILE may also be a file on disk.\n"
"\n"
"    -o, --output OUT   the file to write ('-': standard output). Its\n"
"                       extension picks the format where there is a\n"
"                       choice: .png gives an OpenRaster layer's PNG;\n"
"                       .glb a GLB; a rectangle is written as .png,\n"
"                       .jpg, .webp, .tif\n"
"    -l, --list         list the elements: layers with their kind, OBJ\n"
"                       objects and groups, glTF nodes and meshes (with\n"
"                       vertex and face counts)\n"
"    --json             print what was done (or the list) as JSON\n"
"    -q, --quiet        no summary line (warnings are still printed)\n";

static const char replace_usage[] =
"usage: vault replace FILE ELEMENT --from REV [--as NAME] [--json] [-q]\n"
"\n"
"Puts ELEMENT of an older version of FILE into FILE in the working\n"
"folder: a layer of an .ora or .kra file (the layer of the same path is\n"
"replaced; every other member keeps its bytes), an OBJ object or group\n"
"(its lines in FILE are replaced by the old block, renumbered to fit),\n"
"a glTF mesh, or each mesh of a node (FILE's mesh of that name gets the\n"
"old primitives; their bytes are appended to its buffer, the .bin or the\n"
"GLB's BIN chunk), or a rectangle x,y,w,h of a picture (pasted, the\n"
"picture written in its own format). What cannot be carried over is\n"
"named in a warning.\n"
"\n"
"    --from REV         the version to take the element from: a snapshot\n"
"                       (FILE's path in it is used), REV:PATH, or a file\n"
"                       on disk\n"
"    --as NAME          layers: add the old layer on top under NAME\n"
"                       instead of replacing the layer of its name;\n"
"                       glTF: add the old mesh as a new mesh and node\n"
"    --json             print what was done as JSON\n"
"    -q, --quiet        no summary line (warnings are still printed)\n";

/* One version of a file: its bytes and how it was named. */
struct version {
	const char *spec;         /* as given */
	struct vlt_buf data;
	char *dir_spec;           /* "REV:dir/" or "dir/" for side files */
};

static void version_release(struct version *v)
{
	vlt_buf_release(&v->data);
	free(v->dir_spec);
}

/* The folder part of spec with its trailing '/', "" when none. */
static char *dir_part(const char *spec)
{
	const char *colon = strchr(spec, ':');
	const char *path = colon ? colon + 1 : spec;
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash + 1 - spec) :
		   (size_t)(path - spec);
	char *s = malloc(n + 1);

	if (!s)
		die("out of memory");
	memcpy(s, spec, n);
	s[n] = '\0';
	return s;
}

/* Read a version: a file on disk when one has that name, else REV:PATH
 * from the repository. Returns 0, or -1 when it does not exist (with
 * quiet set; else dies). */
static int read_version(struct version *v, const char *spec, int quiet)
{
	struct stat st;

	memset(v, 0, sizeof(*v));
	v->spec = spec;
	if (!stat(spec, &st)) {
		if (S_ISDIR(st.st_mode))
			die("'%s' is a directory", spec);
		if (vlt_read_file_max(spec, VLT_MEDIA_MAX_BYTES, &v->data) < 0)
			die("%s", vlt_error_last());
		v->dir_spec = dir_part(spec);
		return 0;
	}
	if (strchr(spec, ':')) {
		struct vlt_repo *r = cli_repo ? cli_repo : cli_try_open_repo();
		struct vlt_tree_entry e;

		if (!r) {
			if (quiet)
				return -1;
			die("'%s' is not a file, and there is no repository "
			    "to read a revision from", spec);
		}
		if (vlt_rev_parse_entry(r, spec, &e) < 0) {
			if (quiet) {
				vlt_error_clear();
				return -1;
			}
			die("%s", vlt_error_last());
		}
		if (e.type != VLT_ENTRY_FILE) {
			free(e.name);
			die("'%s' is not a file", spec);
		}
		if (vlt_file_object_read(r, &e.oid, VLT_MEDIA_MAX_BYTES,
					 &v->data) < 0)
			die("%s: %s", spec, vlt_error_last());
		free(e.name);
		v->dir_spec = dir_part(spec);
		return 0;
	}
	if (quiet)
		return -1;
	die("cannot read '%s': %s", spec, strerror(errno));
}

/* The path of spec's file, for format hints ("v1:a/b.obj" -> "a/b.obj"). */
static const char *file_name(const char *spec)
{
	const char *colon = strchr(spec, ':');
	struct stat st;

	if (!stat(spec, &st) || !colon)
		return spec;
	return colon + 1;
}

/* A model's side files (an OBJ's material libraries, a .gltf's
 * buffers), beside it in the same version: read into sidev, named in
 * sides (names point into names). */
static void read_sides(struct version *v, struct vlt_strlist *names,
		       struct vlt_extract_side *sides, struct version *sidev,
		       size_t *nsides)
{
	size_t i;

	*nsides = 0;
	if (vlt_extract_side_names(v->data.data, v->data.len,
				   file_name(v->spec), names) < 0)
		die("%s: %s", v->spec, vlt_error_last());
	for (i = 0; i < names->nr && *nsides < MAX_SIDES; i++) {
		struct vlt_buf p = VLT_BUF_INIT;
		size_t n = *nsides;

		if (strstr(names->v[i], "..") || *names->v[i] == '/')
			continue;
		vlt_buf_addf(&p, "%s%s", v->dir_spec, names->v[i]);
		if (!read_version(&sidev[n], p.data, 1)) {
			sides[n].name = names->v[i];
			sides[n].data = sidev[n].data.data;
			sides[n].len = sidev[n].data.len;
			sidev[n].spec = NULL;
			++*nsides;
		}
		vlt_buf_release(&p);
	}
}

static void print_warnings(const struct vlt_extract_result *res)
{
	size_t i;

	for (i = 0; i < res->warnings.nr; i++)
		warning("%s", res->warnings.v[i]);
}

/* The warnings as the last key of the JSON answer. */
static void json_warnings(json_t *j, const struct vlt_extract_result *res)
{
	json_t *a = cli_json_array();
	size_t i;

	for (i = 0; i < res->warnings.nr; i++)
		cli_json_append(a, json_string(res->warnings.v[i]));
	cli_json_set(j, "warnings", a);
}

static void write_out(const char *path, const struct vlt_buf *b, int mode)
{
	if (!strcmp(path, "-")) {
		cli_write_stdout(b->data, b->len);
		return;
	}
	if (vlt_write_file_atomic(path, b->data, b->len, mode, 0) < 0)
		die("cannot write %s: %s", path, vlt_error_last());
}

static int has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);

	return n >= e && !strcasecmp(name + n - e, ext);
}

/* OUT with its extension replaced by ext (".mtl", ".bin"). */
static char *side_path(const char *out, const char *ext)
{
	const char *slash = strrchr(out, '/');
	const char *dot = strrchr(slash ? slash + 1 : out, '.');
	size_t n = dot ? (size_t)(dot - out) : strlen(out);
	char *s = malloc(n + 5);

	if (!s)
		die("out of memory");
	memcpy(s, out, n);
	memcpy(s + n, ext, 5);
	return s;
}

/* OBJ objects and groups, glTF meshes: listed with their sizes. */
static int counted(const struct vlt_element *e)
{
	return !strcmp(e->kind, "object") || !strcmp(e->kind, "group") ||
	       !strcmp(e->kind, "mesh");
}

static void list_elements(struct version *v, int json)
{
	struct vlt_element_list l = { NULL, 0, 0 };
	const char *name = file_name(v->spec);
	json_t *j = NULL, *a = NULL;
	size_t i;

	if (vlt_extract_list(v->data.data, v->data.len, name, &l) < 0)
		die("%s: %s", v->spec, vlt_error_last());
	if (json) {
		j = cli_json_object();
		a = cli_json_array();
		cli_json_set(j, "file", json_string(v->spec));
	}
	if (vlt_extract_format_of(v->data.data, v->data.len, name) ==
	    VLT_EXTRACT_IMAGE) {
		struct vlt_image img;

		vlt_image_init(&img);
		if (vlt_image_decode(&img, v->data.data, v->data.len) < 0)
			die("%s: %s", v->spec, vlt_error_last());
		if (json) {
			cli_json_set(j, "width", json_integer(img.width));
			cli_json_set(j, "height", json_integer(img.height));
		} else {
			printf("%s: a %" PRIu32 "x%" PRIu32 " %s picture: its "
			       "elements are rectangles x,y,w,h\n", v->spec,
			       img.width, img.height, img.format);
		}
		vlt_image_release(&img);
	}
	for (i = 0; i < l.nr; i++) {
		const struct vlt_element *e = &l.v[i];

		if (json) {
			json_t *o = cli_json_object();

			cli_json_set(o, "path", json_string(e->path));
			cli_json_set(o, "kind", json_string(e->kind));
			if (counted(e)) {
				cli_json_set(o, "vertices",
					     json_integer((json_int_t)e->vertices));
				cli_json_set(o, "faces",
					     json_integer((json_int_t)e->faces));
			}
			cli_json_append(a, o);
		} else if (counted(e)) {
			printf("%-16s %s (%" PRIu64 " %s, %" PRIu64
			       " face%s)\n", e->kind, e->path, e->vertices,
			       e->vertices == 1 ? "vertex" : "vertices",
			       e->faces,
			       e->faces == 1 ? "" : "s");
		} else {
			printf("%-16s %s\n", e->kind, e->path);
		}
	}
	if (json) {
		cli_json_set(j, "elements", a);
		cli_json_print(j, 0);
	}
	cli_flush_stdout();
	vlt_element_list_release(&l);
}

static int extract_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "list", no_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'J' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_extract_side sides[MAX_SIDES];
	struct version v, sidev[MAX_SIDES];
	struct vlt_strlist sidenames = VLT_STRLIST_INIT;
	struct vlt_extract_result res;
	enum vlt_extract_format fmt;
	const char *out = NULL;
	char *side = NULL, *side_base = NULL;
	size_t nsides = 0, i;
	int c, list = 0, json = 0, quiet = 0;
	json_t *j = NULL;

	while ((c = cli_getopt(argc, argv, "o:lq", opts, extract_usage)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'l': list = 1; break;
		case 'J': json = 1; break;
		case 'q': quiet = 1; break;
		}
	}
	if (list) {
		if (argc - optind != 1)
			usage_error(extract_usage, "--list takes REV:FILE "
				    "alone");
		read_version(&v, argv[optind], 0);
		list_elements(&v, json);
		version_release(&v);
		return 0;
	}
	if (argc - optind != 2)
		usage_error(extract_usage, "give REV:FILE and ELEMENT");
	if (!out)
		usage_error(extract_usage, "give the file to write with -o OUT");
	if (!*argv[optind + 1])
		usage_error(extract_usage, "ELEMENT is empty");
	read_version(&v, argv[optind], 0);
	memset(&res, 0, sizeof(res));

	fmt = vlt_extract_format_of(v.data.data, v.data.len, file_name(v.spec));
	read_sides(&v, &sidenames, sides, sidev, &nsides);
	if (strcmp(out, "-") && (fmt == VLT_EXTRACT_OBJ ||
				 (fmt == VLT_EXTRACT_GLTF &&
				  !has_ext(out, ".glb")))) {
		char *copy;

		side = side_path(out, fmt == VLT_EXTRACT_OBJ ? ".mtl" : ".bin");
		copy = strdup(side);
		if (!copy || !(side_base = strdup(basename(copy))))
			die("out of memory");
		free(copy);
	}
	if (vlt_extract(v.data.data, v.data.len, file_name(v.spec),
			argv[optind + 1], out, sides, nsides, side_base,
			&res) < 0)
		die("%s: %s", v.spec, vlt_error_last());
	print_warnings(&res);
	write_out(out, &res.data, 0666);
	if (side && res.side.len)
		write_out(side, &res.side, 0666);
	if (json) {
		j = cli_json_object();
		cli_json_set(j, "file", json_string(v.spec));
		cli_json_set(j, "element", json_string(argv[optind + 1]));
		cli_json_set(j, "output", json_string(out));
		cli_json_set(j, "bytes", json_integer((json_int_t)res.data.len));
		if (side && res.side.len)
			cli_json_set(j, fmt == VLT_EXTRACT_OBJ ? "materials" :
				     "buffer", json_string(side));
		json_warnings(j, &res);
		cli_json_print(j, 0);
	} else if (!quiet && strcmp(out, "-")) {
		printf("wrote %s (%zu bytes): '%s' of %s\n", out, res.data.len,
		       argv[optind + 1], v.spec);
		if (side && res.side.len)
			printf("wrote %s: its %s\n", side,
			       fmt == VLT_EXTRACT_OBJ ? "materials" : "buffer");
	}
	cli_flush_stdout();
	for (i = 0; i < nsides; i++)
		version_release(&sidev[i]);
	vlt_strlist_release(&sidenames);
	vlt_extract_result_release(&res);
	version_release(&v);
	free(side);
	free(side_base);
	return 0;
}

/* Write b to a new temporary file beside path (mode, fsynced): its
 * name, for rename_staged. */
static char *stage(const char *path, const struct vlt_buf *b, int mode)
{
	struct vlt_buf t = VLT_BUF_INIT;
	uint32_t rnd = 0;
	int fd;

	if (vlt_random_bytes(&rnd, sizeof(rnd)) < 0)
		die("%s", vlt_error_last());
	vlt_buf_addf(&t, "%s.tmp-%ld-%08" PRIx32, path, (long)getpid(), rnd);
	fd = open(t.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		die("cannot write %s: %s", t.data, strerror(errno));
	if (vlt_write_full(fd, b->data ? b->data : "", b->len, t.data) < 0 ||
	    fsync(fd) < 0) {
		int e = errno;

		close(fd);
		unlink(t.data);
		die("cannot write %s: %s", path, vlt_error_last() ?
		    vlt_error_last() : strerror(e));
	}
	if (close(fd) < 0) {
		unlink(t.data);
		die("cannot write %s: %s", path, strerror(errno));
	}
	return vlt_buf_detach(&t, NULL);
}

/* The mode path has (0666 when it does not exist yet). */
static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? 0666 : (int)(st.st_mode & 07777);
}

/* FILE and, for a .gltf, its buffer side_path: both written to
 * temporary files first, then renamed (the buffer first: its new bytes
 * are only appended, so FILE as it was still reads it). */
static void write_replaced(const char *file, const struct vlt_buf *data,
			   const char *side_path, const struct vlt_buf *side)
{
	char *tmp_side = NULL, *tmp_file, *d;

	if (side_path)
		tmp_side = stage(side_path, side, mode_of(side_path));
	tmp_file = stage(file, data, mode_of(file));
	if (tmp_side && rename(tmp_side, side_path) < 0) {
		int e = errno;

		unlink(tmp_side);
		unlink(tmp_file);
		die("cannot write %s: %s", side_path, strerror(e));
	}
	if (rename(tmp_file, file) < 0) {
		int e = errno;

		unlink(tmp_file);
		die("cannot write %s: %s", file, strerror(e));
	}
	d = dir_part(file);
	if (vlt_fsync_dir(*d ? d : ".") < 0)
		die("cannot write %s: %s", file, vlt_error_last());
	free(d);
	free(tmp_side);
	free(tmp_file);
}

/* FILE's path in the repository (relative to the working folder). */
static char *repo_path(const char *file)
{
	struct vlt_repo *r = cli_open_repo();
	const char *wt = vlt_repo_worktree(r);
	struct vlt_buf rel = VLT_BUF_INIT;
	char root[PATH_MAX];

	if (!wt || !realpath(wt, root))
		die("the repository has no working folder to find '%s' in",
		    file);
	if (vlt_path_below(root, file, &rel) != 1 || !rel.len)
		die("'%s' is outside the working folder %s", file, root);
	return vlt_buf_detach(&rel, NULL);
}

static int replace_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "as", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'J' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_extract_side cur_sides[MAX_SIDES], old_sides[MAX_SIDES];
	struct version cur, old, cur_sidev[MAX_SIDES], old_sidev[MAX_SIDES];
	struct vlt_strlist cur_names = VLT_STRLIST_INIT,
			   old_names = VLT_STRLIST_INIT;
	struct vlt_extract_result res;
	struct vlt_buf spec = VLT_BUF_INIT, side = VLT_BUF_INIT;
	const char *from = NULL, *as = NULL, *file, *element;
	size_t ncur = 0, nold = 0, i;
	struct stat st;
	int c, json = 0, quiet = 0;
	json_t *j = NULL;

	while ((c = cli_getopt(argc, argv, "q", opts, replace_usage)) != -1) {
		switch (c) {
		case 'f': from = optarg; break;
		case 'a': as = optarg; break;
		case 'J': json = 1; break;
		case 'q': quiet = 1; break;
		}
	}
	if (argc - optind != 2)
		usage_error(replace_usage, "give FILE and ELEMENT");
	if (!from)
		usage_error(replace_usage, "give the version to take the "
			    "element from with --from REV");
	file = argv[optind];
	element = argv[optind + 1];
	if (!*element)
		usage_error(replace_usage, "ELEMENT is empty");
	if (stat(file, &st) < 0)
		die("cannot read '%s': %s", file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("'%s' is not a regular file", file);
	read_version(&cur, file, 0);
	if (!stat(from, &st) || strchr(from, ':')) {
		vlt_buf_adds(&spec, from);
	} else {
		char *rel = repo_path(file);

		vlt_buf_addf(&spec, "%s:%s", from, rel);
		free(rel);
	}
	read_version(&old, spec.data, 0);
	read_sides(&cur, &cur_names, cur_sides, cur_sidev, &ncur);
	read_sides(&old, &old_names, old_sides, old_sidev, &nold);
	memset(&res, 0, sizeof(res));
	if (vlt_replace_sides(cur.data.data, cur.data.len, cur_sides, ncur,
			      old.data.data, old.data.len, old_sides, nold,
			      file, element, as, &res) < 0)
		die("%s: %s", file, vlt_error_last());
	print_warnings(&res);
	if (res.side_name) {
		char *d = dir_part(file);

		vlt_buf_addf(&side, "%s%s", d, res.side_name);
		free(d);
	}
	write_replaced(file, &res.data, side.len ? side.data : NULL,
		       &res.side);
	if (json) {
		j = cli_json_object();
		cli_json_set(j, "file", json_string(file));
		cli_json_set(j, "element", json_string(element));
		cli_json_set(j, "from", json_string(spec.data));
		if (as)
			cli_json_set(j, "as", json_string(as));
		cli_json_set(j, "bytes", json_integer((json_int_t)res.data.len));
		if (side.len) {
			cli_json_set(j, "buffer", json_string(side.data));
			cli_json_set(j, "buffer_bytes", json_integer(
					(json_int_t)res.side.len));
		}
		json_warnings(j, &res);
		cli_json_print(j, 0);
	} else if (!quiet) {
		printf("%s: '%s' %s from %s\n", file, as ? as : element,
		       as ? "added" : "replaced", spec.data);
		if (side.len)
			printf("%s: its buffer, %zu bytes (appended to)\n",
			       side.data, res.side.len);
	}
	cli_flush_stdout();
	for (i = 0; i < ncur; i++)
		version_release(&cur_sidev[i]);
	for (i = 0; i < nold; i++)
		version_release(&old_sidev[i]);
	vlt_strlist_release(&cur_names);
	vlt_strlist_release(&old_names);
	vlt_extract_result_release(&res);
	vlt_buf_release(&spec);
	vlt_buf_release(&side);
	version_release(&cur);
	version_release(&old);
	return 0;
}

int main(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	const char *self = slash ? slash + 1 : argv[0];

	if (strstr(self, "replace")) {
		cli_init("vault-replace");
		return replace_main(argc, argv);
	}
	cli_init("vault-extract");
	return extract_main(argc, argv);
}
