/*
 * graph.c - the asset reference graph: files of a source (the working
 * folder or a snapshot), the references their parsers report, resolved
 * to files, and the reports built on them (missing, unused, identical
 * content, who uses a file).
 *
 * The format table below says which parser reads which file. Building
 * reads every file a parser exists for (whole: the formats need random
 * access, and the size is capped at VLT_ASSET_MAX_PARSE); a file that
 * fails to parse is kept with its error and the build goes on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assets.h"
#include "config.h"
#include "error.h"
#include "fileobj.h"
#include "fsutil.h"
#include "ignore.h"
#include "odb.h"
#include "parsers.h"
#include "revparse.h"
#include "tree.h"

/*
 * Which parser reads which file: a name ending in `suffix` (compared
 * without case), or, for a suffix without a leading '.', a file of
 * exactly that name.
 */
static const struct format {
	const char *suffix;
	vlt_asset_parser parse;
} formats[] = {
	{ ".obj", vlt_asset_obj_parse },
	{ ".mtl", vlt_asset_mtl_parse },
	{ ".gltf", vlt_asset_gltf_parse },
	{ ".glb", vlt_asset_glb_parse },
	{ ".svg", vlt_asset_svg_parse },
	{ ".ora", vlt_asset_ora_parse },
	{ ".kra", vlt_asset_kra_parse },
	{ "project.godot", vlt_asset_godot_parse },
	{ ".tscn", vlt_asset_godot_parse },
	{ ".tres", vlt_asset_godot_parse },
	{ ".gd", vlt_asset_godot_parse },
	{ ".gdshader", vlt_asset_godot_parse },
	{ ".gdshaderinc", vlt_asset_godot_parse },
	{ ".import", vlt_asset_godot_parse },
	{ ".uid", vlt_asset_godot_parse },
	{ ".blend", vlt_asset_blend_parse },
	/* Unity's many extensions: vlt_asset_unity_handles() in parser_for */
	{ NULL, NULL },
};

static int suffix_is(const char *path, const char *suffix)
{
	size_t n = strlen(path), m = strlen(suffix);

	return n >= m && !strcasecmp(path + n - m, suffix);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static vlt_asset_parser parser_for(const char *path)
{
	size_t k;

	for (k = 0; formats[k].suffix; k++) {
		if (formats[k].suffix[0] == '.' ? suffix_is(path, formats[k].suffix)
		    : !strcmp(base_name(path), formats[k].suffix))
			return formats[k].parse;
	}
	if (vlt_asset_unity_handles(path))
		return vlt_asset_unity_parse;
	return NULL;
}

int vlt_asset_is_sidecar(const char *path)
{
	return suffix_is(path, ".meta") || suffix_is(path, ".import") ||
	       suffix_is(path, ".uid");
}

int vlt_asset_is_asset_type(const char *path)
{
	static const char *const exts[] = {
		".png", ".jpg", ".jpeg", ".tga", ".tif", ".tiff", ".exr",
		".hdr", ".webp", ".bmp", ".gif", ".psd", ".kra", ".ora",
		".svg", ".xcf", ".obj", ".mtl", ".gltf", ".glb", ".bin",
		".fbx", ".blend", ".dae", ".stl", ".ply", ".3ds", ".abc",
		".usd", ".usda", ".usdc", ".wav", ".ogg", ".mp3", ".flac",
		".opus", ".ttf", ".otf", ".woff", ".woff2", ".tres", ".gd",
		".gdshader", ".gdshaderinc", ".mat", ".prefab", ".asset",
		".controller", ".anim", ".shader", NULL,
	};
	size_t k;

	for (k = 0; exts[k]; k++)
		if (suffix_is(path, exts[k]))
			return 1;
	return 0;
}

/* --- building ---------------------------------------------------------- */

struct decl {
	char *id;
	char *path;	/* resolved project path */
};

struct builder {
	struct vlt_repo *r;
	struct vlt_asset_graph *g;
	int dirfd;			/* the working folder, or -1 */
	size_t cur;			/* file being parsed */
	struct decl *decls;
	size_t ndecls, decls_alloc;
	struct vlt_strlist godot_roots;	/* folders of project.godot files */
};

static int add_file(struct vlt_asset_graph *g, const char *path, uint64_t size,
		    const struct vlt_oid *content)
{
	struct vlt_asset_file *f;

	if (VLT_ALLOC_GROW(g->files, g->nfiles + 1, g->files_alloc) < 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	f = &g->files[g->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	if (!f->path)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	f->size = size;
	if (content) {
		f->content = *content;
		f->has_content = 1;
	}
	g->nfiles++;
	return 0;
}

static int walk_dir(struct builder *b, struct vlt_ignore *ig, int dirfd,
		    const char *rel)
{
	struct vlt_buf path = VLT_BUF_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, ret = 0, sub;

	/* an unreadable .vaultignore is no reason to stop: what could be
	 * read applies, as in status and backup */
	(void)vlt_ignore_load_dir(ig, dirfd, rel);
	fd = dup(dirfd);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return vlt_error_set(VLT_E_IO, "cannot list %s: %s",
				     *rel ? rel : ".", strerror(errno));
	}
	while (!ret && (errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    !strcmp(de->d_name, ".vault"))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;	/* vanished while listing */
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
			continue;
		vlt_buf_reset(&path);
		if ((ret = vlt_buf_addf(&path, "%s%s%s", rel, *rel ? "/" : "",
					de->d_name)) < 0)
			break;
		if (vlt_ignore_match(ig, path.data, S_ISDIR(st.st_mode)))
			continue;
		if (S_ISREG(st.st_mode)) {
			ret = add_file(b->g, path.data, (uint64_t)st.st_size, NULL);
			continue;
		}
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY |
			     O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			ret = vlt_error_set(VLT_E_IO, "cannot open %s: %s",
					    path.data, strerror(errno));
			break;
		}
		ret = walk_dir(b, ig, sub, path.data);
		close(sub);
	}
	closedir(d);
	vlt_buf_release(&path);
	return ret;
}

static int walk_tree(struct builder *b, const struct vlt_oid *tree,
		     const char *rel, size_t depth)
{
	struct vlt_buf path = VLT_BUF_INIT;
	struct vlt_tree t;
	size_t i;
	int ret;

	if ((ret = vlt_tree_depth_check(depth, rel)) < 0)
		return ret;
	if ((ret = vlt_odb_read_tree(b->r, tree, &t)) < 0)
		return ret;
	for (i = 0; i < t.nr && !ret; i++) {
		const struct vlt_tree_entry *e = &t.entries[i];

		vlt_buf_reset(&path);
		if ((ret = vlt_buf_addf(&path, "%s%s%s", rel, *rel ? "/" : "",
					e->name)) < 0)
			break;
		if (e->type == VLT_ENTRY_FILE)
			ret = add_file(b->g, path.data, e->size, &e->oid);
		else if (e->type == VLT_ENTRY_DIR)
			ret = walk_tree(b, &e->oid, path.data, depth + 1);
	}
	vlt_tree_release(&t);
	vlt_buf_release(&path);
	return ret;
}

static int read_content(struct builder *b, const struct vlt_asset_file *f,
			struct vlt_buf *out)
{
	struct vlt_buf full = VLT_BUF_INIT;
	int ret;

	if (f->size > VLT_ASSET_MAX_PARSE)
		return vlt_error_set(VLT_E_INVALID, "%s: larger than %llu MiB, "
				     "not read", f->path,
				     (unsigned long long)(VLT_ASSET_MAX_PARSE >> 20));
	vlt_buf_reset(out);
	if (b->dirfd < 0)
		return vlt_file_object_read(b->r, &f->content,
					    VLT_ASSET_MAX_PARSE, out);
	if ((ret = vlt_buf_addf(&full, "%s/%s", b->g->root, f->path)) == 0)
		ret = vlt_read_file_max(full.data, VLT_ASSET_MAX_PARSE, out);
	vlt_buf_release(&full);
	return ret;
}

/* parsers.h */
int vlt_asset_path_join(const char *dir, const char *rel, struct vlt_buf *out)
{
	struct vlt_buf tmp = VLT_BUF_INIT;
	char *p, *save = NULL, *part;
	int ret = 0;

	vlt_buf_reset(out);
	if (vlt_buf_addf(&tmp, "%s/%s", dir, rel) < 0)
		return VLT_E_NOMEM;
	for (p = tmp.data; *p; p++)
		if (*p == '\\')
			*p = '/';
	for (part = strtok_r(tmp.data, "/", &save); part;
	     part = strtok_r(NULL, "/", &save)) {
		if (!strcmp(part, "."))
			continue;
		if (!strcmp(part, "..")) {
			char *slash;

			if (!out->len) {
				ret = 1;
				break;
			}
			slash = strrchr(out->data, '/');
			vlt_buf_setlen(out, slash ? (size_t)(slash - out->data) : 0);
			continue;
		}
		if ((out->len && vlt_buf_addch(out, '/') < 0) ||
		    vlt_buf_adds(out, part) < 0) {
			ret = VLT_E_NOMEM;
			break;
		}
	}
	vlt_buf_release(&tmp);
	if (ret == 0 && !out->data && vlt_buf_set(out, "", 0) < 0)
		ret = VLT_E_NOMEM;
	return ret;
}

static void dir_of(const char *path, struct vlt_buf *out)
{
	const char *slash = strrchr(path, '/');

	vlt_buf_reset(out);
	vlt_buf_set(out, path, slash ? (size_t)(slash - path) : 0);
}

static int sink_ref(const struct vlt_asset_ref *ref, void *ctx)
{
	struct builder *b = ctx;
	struct vlt_asset_graph *g = b->g;
	struct vlt_asset_edge *e;

	if (!ref->target || !ref->kind)
		return 0;
	if (VLT_ALLOC_GROW(g->edges, g->nedges + 1, g->edges_alloc) < 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	e = &g->edges[g->nedges];
	memset(e, 0, sizeof(*e));
	e->from = b->cur;
	e->to = -1;
	e->target = strdup(ref->target);
	e->kind = strdup(ref->kind);
	e->member = ref->member ? strdup(ref->member) : NULL;
	g->nedges++;
	if (!e->target || !e->kind || (ref->member && !e->member))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	e->type = ref->type;
	e->line = ref->line;
	e->off = ref->off;
	e->len = ref->len;
	e->quoting = ref->quoting;
	e->fallback = ref->fallback;
	e->udim = strstr(ref->target, "<UDIM>") != NULL;
	return 0;
}

static int sink_id(const struct vlt_asset_id *id, void *ctx)
{
	struct builder *b = ctx;
	struct vlt_buf dir = VLT_BUF_INIT, path = VLT_BUF_INIT;
	struct decl *d;
	int ret;

	if (!id->id || !id->path)
		return 0;
	dir_of(b->g->files[b->cur].path, &dir);
	ret = vlt_asset_path_join(dir.data ? dir.data : "", id->path, &path);
	vlt_buf_release(&dir);
	if (ret) {
		vlt_buf_release(&path);
		return ret < 0 ? ret : 0;
	}
	if (VLT_ALLOC_GROW(b->decls, b->ndecls + 1, b->decls_alloc) < 0) {
		vlt_buf_release(&path);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	d = &b->decls[b->ndecls++];
	d->id = strdup(id->id);
	d->path = vlt_buf_detach(&path, NULL);
	if (!d->id || !d->path)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const struct vlt_asset_file *)a)->path,
		      ((const struct vlt_asset_file *)b)->path);
}

static int cmp_decl(const void *a, const void *b)
{
	return strcmp(((const struct decl *)a)->id, ((const struct decl *)b)->id);
}

long vlt_asset_graph_find(const struct vlt_asset_graph *g, const char *path)
{
	size_t lo = 0, hi = g->nfiles;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(g->files[mid].path, path);

		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Where "res://" points for a file: the folder of the nearest
 * project.godot above it ("" when there is none). */
static const char *godot_root(const struct builder *b, const char *path)
{
	const char *best = "";
	size_t i, n, bestn = 0;

	for (i = 0; i < b->godot_roots.nr; i++) {
		const char *r = b->godot_roots.v[i];

		n = strlen(r);
		if ((n == 0 || (!strncmp(path, r, n) && path[n] == '/')) &&
		    n >= bestn) {
			best = r;
			bestn = n;
		}
	}
	return best;
}

/* "tex/a.<UDIM>.png" matches "tex/a.1001.png". */
static int udim_match(const char *pattern, const char *path)
{
	const char *tok = strstr(pattern, "<UDIM>");
	size_t pre = (size_t)(tok - pattern), k;

	if (strncmp(pattern, path, pre))
		return 0;
	for (k = 0; k < 4; k++)
		if (path[pre + k] < '0' || path[pre + k] > '9')
			return 0;
	return !strcmp(path + pre + 4, tok + 6);
}

/* The project path a path reference names: 0 and out set, 1 when it
 * leads outside the project. */
static int resolve_path(const struct builder *b, const struct vlt_asset_edge *e,
			struct vlt_buf *out)
{
	const char *from = b->g->files[e->from].path, *t = e->target;
	struct vlt_buf dir = VLT_BUF_INIT;
	int ret;

	if (!strncmp(t, "res://", 6)) {
		ret = vlt_asset_path_join(godot_root(b, from), t + 6, out);
	} else if (t[0] == '/' || t[0] == '\\' ||
		   (t[0] && t[1] == ':' && (t[2] == '/' || t[2] == '\\'))) {
		size_t n = b->g->root ? strlen(b->g->root) : 0;

		if (!n || strncmp(t, b->g->root, n) || t[n] != '/')
			return 1;
		ret = vlt_asset_path_join("", t + n + 1, out);
	} else {
		dir_of(from, &dir);
		ret = vlt_asset_path_join(dir.data ? dir.data : "", t, out);
		vlt_buf_release(&dir);
	}
	return ret;
}

static int resolve(struct builder *b)
{
	struct vlt_asset_graph *g = b->g;
	struct vlt_asset_edge *old = g->edges, *e;
	size_t nold = g->nedges, i, k;
	struct vlt_buf path = VLT_BUF_INIT;
	int ret = 0;

	if (b->ndecls)
		qsort(b->decls, b->ndecls, sizeof(*b->decls), cmp_decl);
	g->edges = NULL;
	g->nedges = g->edges_alloc = 0;
	for (i = 0; i < nold && !ret; i++) {
		e = &old[i];
		if (e->type == VLT_ASSET_ID) {
			struct decl key = { e->target, NULL }, *d = NULL;

			if (b->ndecls)
				d = bsearch(&key, b->decls, b->ndecls,
					    sizeof(*b->decls), cmp_decl);
			e->state = VLT_ASSET_UNKNOWN_ID;
			if (d) {
				e->to = vlt_asset_graph_find(g, d->path);
				e->state = e->to >= 0 ? VLT_ASSET_OK
						      : VLT_ASSET_MISSING;
			}
		} else {
			ret = resolve_path(b, e, &path);
			if (ret < 0)
				break;
			e->state = ret ? VLT_ASSET_OUTSIDE : VLT_ASSET_MISSING;
			ret = 0;
			if (e->state == VLT_ASSET_MISSING && !e->udim) {
				e->to = vlt_asset_graph_find(g, path.data);
				if (e->to >= 0)
					e->state = VLT_ASSET_OK;
			} else if (e->state == VLT_ASSET_MISSING) {
				/* one edge per tile that exists */
				int found = 0;

				for (k = 0; k < g->nfiles && !ret; k++) {
					struct vlt_asset_edge copy;

					if (!udim_match(path.data, g->files[k].path))
						continue;
					copy = *e;
					copy.to = (long)k;
					copy.state = VLT_ASSET_OK;
					if (found) {
						copy.target = strdup(e->target);
						copy.kind = strdup(e->kind);
						copy.member = e->member ?
							strdup(e->member) : NULL;
					}
					if (VLT_ALLOC_GROW(g->edges, g->nedges + 1,
							   g->edges_alloc) < 0)
						ret = vlt_error_set(VLT_E_NOMEM,
								    "out of memory");
					else
						g->edges[g->nedges++] = copy;
					found = 1;
				}
				if (found) {
					e->target = e->kind = e->member = NULL;
					continue;
				}
			}
			/* a backup path next to the id it backs up */
			if (e->fallback && g->nedges) {
				struct vlt_asset_edge *id = &g->edges[g->nedges - 1];

				if (id->from == e->from && id->type == VLT_ASSET_ID) {
					if (id->state == VLT_ASSET_OK)
						e->state = VLT_ASSET_BACKUP;
					else if (id->state != VLT_ASSET_OK)
						id->state = VLT_ASSET_BACKUP;
				}
			}
		}
		if (VLT_ALLOC_GROW(g->edges, g->nedges + 1, g->edges_alloc) < 0) {
			ret = vlt_error_set(VLT_E_NOMEM, "out of memory");
			break;
		}
		g->edges[g->nedges++] = *e;
		e->target = e->kind = e->member = NULL;
	}
	for (i = 0; i < nold; i++) {
		free(old[i].target);
		free(old[i].kind);
		free(old[i].member);
	}
	free(old);
	vlt_buf_release(&path);
	return ret;
}

/* Hash the working folder's files that share their size with another. */
static int cmp_size(const void *a, const void *b)
{
	const struct vlt_asset_file *x = *(struct vlt_asset_file *const *)a;
	const struct vlt_asset_file *y = *(struct vlt_asset_file *const *)b;

	return x->size < y->size ? -1 : x->size > y->size;
}

static int hash_file(struct builder *b, struct vlt_asset_file *f)
{
	struct vlt_idctx ctx;
	char chunk[65536];
	ssize_t n;
	int fd, ret;

	fd = openat(b->dirfd, f->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* gone: not a duplicate of anything */
	if ((ret = vlt_idctx_init(&ctx, vlt_repo_idfn(b->r))) < 0) {
		close(fd);
		return ret;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if ((ret = vlt_idctx_update(&ctx, chunk, (size_t)n)) < 0)
			break;
	if (n < 0)
		ret = vlt_error_set(VLT_E_IO, "read %s: %s", f->path,
				    strerror(errno));
	if (!ret && (ret = vlt_idctx_final(&ctx, &f->content)) == 0)
		f->has_content = 1;
	vlt_idctx_release(&ctx);
	close(fd);
	return ret;
}

static int hash_same_sizes(struct builder *b)
{
	struct vlt_asset_graph *g = b->g;
	struct vlt_asset_file **v;
	size_t i, j, k;
	int ret = 0;

	if (!g->nfiles)
		return 0;
	v = malloc(g->nfiles * sizeof(*v));
	if (!v)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (i = 0; i < g->nfiles; i++)
		v[i] = &g->files[i];
	qsort(v, g->nfiles, sizeof(*v), cmp_size);
	for (i = 0; i < g->nfiles && !ret; i = j) {
		for (j = i + 1; j < g->nfiles && v[j]->size == v[i]->size; j++)
			;
		if (j - i < 2 || v[i]->size == 0)
			continue;
		for (k = i; k < j && !ret; k++)
			ret = hash_file(b, v[k]);
	}
	free(v);
	return ret;
}

static int build(struct builder *b)
{
	struct vlt_asset_graph *g = b->g;
	struct vlt_buf content = VLT_BUF_INIT;
	struct vlt_asset_sink sink = { sink_ref, sink_id, b };
	vlt_asset_parser parse;
	size_t i;
	int ret = 0;

	if (g->nfiles)
		qsort(g->files, g->nfiles, sizeof(*g->files), cmp_file);
	for (i = 0; i < g->nfiles && !ret; i++) {
		if (!strcmp(base_name(g->files[i].path), "project.godot")) {
			struct vlt_buf dir = VLT_BUF_INIT;

			dir_of(g->files[i].path, &dir);
			ret = vlt_strlist_add(&b->godot_roots,
					      dir.data ? dir.data : "");
			vlt_buf_release(&dir);
		}
	}
	for (i = 0; i < g->nfiles && !ret; i++) {
		struct vlt_asset_file *f = &g->files[i];
		size_t mark = g->nedges, dmark = b->ndecls;

		if (!(parse = parser_for(f->path)))
			continue;
		b->cur = i;
		ret = read_content(b, f, &content);
		if (ret == 0)
			ret = parse(f->path, content.len ? content.data : "",
				    content.len, &sink);
		if (ret == VLT_E_NOMEM)
			break;
		if (ret) {
			/* what a file reported before its error is dropped:
			 * a half-read file's references are not trusted */
			while (g->nedges > mark) {
				struct vlt_asset_edge *e = &g->edges[--g->nedges];

				free(e->target);
				free(e->kind);
				free(e->member);
			}
			while (b->ndecls > dmark) {
				b->ndecls--;
				free(b->decls[b->ndecls].id);
				free(b->decls[b->ndecls].path);
			}
			f->error = strdup(ret < 0 && *vlt_error_last() ?
					  vlt_error_last() : "cannot be read");
			if (!f->error) {
				ret = vlt_error_set(VLT_E_NOMEM, "out of memory");
				break;
			}
			g->nerrors++;
			ret = 0;
			continue;
		}
		f->parsed = 1;
	}
	vlt_buf_release(&content);
	if (!ret)
		ret = resolve(b);
	if (!ret && b->dirfd >= 0)
		ret = hash_same_sizes(b);
	return ret;
}

static void builder_release(struct builder *b)
{
	size_t i;

	for (i = 0; i < b->ndecls; i++) {
		free(b->decls[i].id);
		free(b->decls[i].path);
	}
	free(b->decls);
	vlt_strlist_release(&b->godot_roots);
}

static struct vlt_asset_graph *graph_new(void)
{
	return calloc(1, sizeof(struct vlt_asset_graph));
}

int vlt_asset_graph_worktree(struct vlt_repo *r, const char *dir,
			     struct vlt_asset_graph **out)
{
	struct builder b;
	struct vlt_ignore *ig = NULL;
	int ret;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.r = r;
	b.g = graph_new();
	if (!b.g)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	b.g->root = realpath(dir, NULL);
	if (!b.g->root) {
		ret = vlt_error_set(VLT_E_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	b.dirfd = open(b.g->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b.dirfd < 0) {
		ret = vlt_error_set(VLT_E_IO, "cannot open %s: %s", dir,
				    strerror(errno));
		goto out;
	}
	b.g->is_worktree = 1;
	if ((ret = vlt_ignore_new(1, &ig)) == 0 &&
	    (ret = walk_dir(&b, ig, b.dirfd, "")) == 0)
		ret = build(&b);
out:
	vlt_ignore_free(ig);
	if (b.dirfd >= 0)
		close(b.dirfd);
	builder_release(&b);
	if (ret) {
		vlt_asset_graph_free(b.g);
		return ret;
	}
	*out = b.g;
	return 0;
}

int vlt_asset_graph_snapshot(struct vlt_repo *r, const struct vlt_oid *snap,
			     struct vlt_asset_graph **out)
{
	struct builder b;
	struct vlt_oid tree;
	const char *wt = vlt_repo_worktree(r);
	int ret;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	b.r = r;
	b.dirfd = -1;
	b.g = graph_new();
	if (!b.g)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	/* absolute paths inside the project folder still resolve */
	if (wt && !(b.g->root = realpath(wt, NULL)))
		b.g->root = strdup(wt);
	ret = vlt_rev_peel_tree(r, snap, &tree);
	if (!ret)
		ret = walk_tree(&b, &tree, "", 0);
	if (!ret)
		ret = build(&b);
	builder_release(&b);
	if (ret) {
		vlt_asset_graph_free(b.g);
		return ret;
	}
	*out = b.g;
	return 0;
}

void vlt_asset_graph_free(struct vlt_asset_graph *g)
{
	size_t i;

	if (!g)
		return;
	for (i = 0; i < g->nfiles; i++) {
		free(g->files[i].path);
		free(g->files[i].error);
	}
	for (i = 0; i < g->nedges; i++) {
		free(g->edges[i].target);
		free(g->edges[i].kind);
		free(g->edges[i].member);
	}
	free(g->files);
	free(g->edges);
	free(g->root);
	free(g);
}

/* --- reports ----------------------------------------------------------- */

static int is_scene(const char *path)
{
	return suffix_is(path, ".tscn") || suffix_is(path, ".scn") ||
	       suffix_is(path, ".unity") ||
	       !strcmp(base_name(path), "project.godot");
}

static int is_document(const char *path)
{
	static const char *const exts[] = {
		".obj", ".gltf", ".glb", ".blend", ".fbx", ".kra", ".ora",
		".svg", ".psd", ".xcf", NULL,
	};
	size_t k;

	for (k = 0; exts[k]; k++)
		if (suffix_is(path, exts[k]))
			return 1;
	return 0;
}

static int in_resources(const char *path)
{
	return !strncmp(path, "Resources/", 10) || strstr(path, "/Resources/");
}

static int named_root(struct vlt_repo *r, const char *path)
{
	const struct vlt_config *c = r ? vlt_repo_config(r) : NULL;
	size_t i, n;

	for (i = 0; c && i < c->nr; i++) {
		const char *v = c->entries[i].value;

		if (strcasecmp(c->entries[i].key, "assets.root"))
			continue;
		while (*v == '/')
			v++;
		n = strlen(v);
		while (n && v[n - 1] == '/')
			n--;
		if (!n || (!strncmp(path, v, n) &&
			   (path[n] == '\0' || path[n] == '/')))
			return 1;
	}
	return 0;
}

/*
 * The resolved edges grouped by the file they leave (reverse = 0) or
 * reach (reverse = 1): the edges of file i are list[start[i] ..
 * start[i + 1]), as indexes into g->edges. Caller frees both.
 */
static int adjacency(const struct vlt_asset_graph *g, int reverse,
		     size_t **start_out, size_t **list_out)
{
	size_t *start, *list, *fill, e, i;

	start = calloc(g->nfiles + 1, sizeof(*start));
	list = malloc((g->nedges ? g->nedges : 1) * sizeof(*list));
	fill = calloc(g->nfiles + 1, sizeof(*fill));
	if (!start || !list || !fill) {
		free(start);
		free(list);
		free(fill);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	for (e = 0; e < g->nedges; e++)
		if (g->edges[e].state == VLT_ASSET_OK)
			start[(reverse ? (size_t)g->edges[e].to
				       : g->edges[e].from) + 1]++;
	for (i = 0; i < g->nfiles; i++)
		start[i + 1] += start[i];
	for (e = 0; e < g->nedges; e++) {
		size_t n;

		if (g->edges[e].state != VLT_ASSET_OK)
			continue;
		n = reverse ? (size_t)g->edges[e].to : g->edges[e].from;
		list[start[n] + fill[n]++] = e;
	}
	free(fill);
	*start_out = start;
	*list_out = list;
	return 0;
}

int vlt_asset_unused(const struct vlt_asset_graph *g, struct vlt_repo *r,
		     struct vlt_strlist *out)
{
	unsigned char *seen;
	size_t *indeg, *queue, qn = 0, qi, i, e, *start = NULL, *list = NULL;
	struct vlt_strlist godot = VLT_STRLIST_INIT;
	int ret = 0;

	if (!g->nfiles)
		return 0;
	seen = calloc(g->nfiles, 1);
	indeg = calloc(g->nfiles, sizeof(*indeg));
	queue = malloc(g->nfiles * sizeof(*queue));
	if (!seen || !indeg || !queue) {
		ret = vlt_error_set(VLT_E_NOMEM, "out of memory");
		goto out;
	}
	for (e = 0; e < g->nedges; e++) {
		const struct vlt_asset_edge *x = &g->edges[e];

		if (x->state == VLT_ASSET_OK && (size_t)x->to != x->from &&
		    !vlt_asset_is_sidecar(g->files[x->from].path))
			indeg[x->to]++;
	}
	for (i = 0; i < g->nfiles; i++)
		if (!strcmp(base_name(g->files[i].path), "project.godot")) {
			struct vlt_buf dir = VLT_BUF_INIT;

			dir_of(g->files[i].path, &dir);
			ret = vlt_strlist_add(&godot, dir.data ? dir.data : "");
			vlt_buf_release(&dir);
			if (ret)
				goto out;
		}
	for (i = 0; i < g->nfiles; i++) {
		const char *p = g->files[i].path;
		int root = is_scene(p) || in_resources(p) || named_root(r, p);

		if (!root && is_document(p) && !indeg[i]) {
			size_t k, n;

			root = 1;
			for (k = 0; k < godot.nr && root; k++) {
				n = strlen(godot.v[k]);
				if (!n || (!strncmp(p, godot.v[k], n) && p[n] == '/'))
					root = 0;
			}
		}
		if (root) {
			seen[i] = 1;
			queue[qn++] = i;
		}
	}
	if ((ret = adjacency(g, 0, &start, &list)) < 0)
		goto out;
	for (qi = 0; qi < qn; qi++) {
		for (e = start[queue[qi]]; e < start[queue[qi] + 1]; e++) {
			const struct vlt_asset_edge *x = &g->edges[list[e]];

			if (!seen[x->to]) {
				seen[x->to] = 1;
				queue[qn++] = (size_t)x->to;
			}
		}
	}
	for (i = 0; i < g->nfiles && !ret; i++)
		if (!seen[i] && vlt_asset_is_asset_type(g->files[i].path) &&
		    !vlt_asset_is_sidecar(g->files[i].path))
			ret = vlt_strlist_add(out, g->files[i].path);
out:
	vlt_strlist_release(&godot);
	free(start);
	free(list);
	free(seen);
	free(indeg);
	free(queue);
	return ret;
}

static const struct vlt_asset_graph *sort_graph;

static int cmp_content(const void *a, const void *b)
{
	const struct vlt_asset_file *x = &sort_graph->files[*(const size_t *)a];
	const struct vlt_asset_file *y = &sort_graph->files[*(const size_t *)b];
	int c = vlt_oid_cmp(&x->content, &y->content);

	return c ? c : strcmp(x->path, y->path);
}

static int cmp_group(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return strcmp(sort_graph->files[x[0]].path, sort_graph->files[y[0]].path);
}

int vlt_asset_duplicates(const struct vlt_asset_graph *g,
			 vlt_asset_group_fn fn, void *data)
{
	size_t *v, *groups = NULL, n = 0, ng = 0, galloc = 0, i, j, k;
	const char **paths;
	int ret = 0;

	if (!g->nfiles)
		return 0;
	v = malloc(g->nfiles * sizeof(*v));
	paths = malloc(g->nfiles * sizeof(*paths));
	if (!v || !paths) {
		free(v);
		free(paths);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	for (i = 0; i < g->nfiles; i++)
		if (g->files[i].has_content && g->files[i].size > 0)
			v[n++] = i;
	sort_graph = g;
	if (n)
		qsort(v, n, sizeof(*v), cmp_content);
	/* groups as (start, count) pairs, sorted by their first path */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && !vlt_oid_cmp(&g->files[v[j]].content,
						      &g->files[v[i]].content); j++)
			;
		if (j - i < 2)
			continue;
		if (VLT_ALLOC_GROW(groups, 2 * ng + 2, galloc) < 0) {
			ret = vlt_error_set(VLT_E_NOMEM, "out of memory");
			goto out;
		}
		groups[2 * ng] = v[i];
		groups[2 * ng + 1] = i;
		ng++;
	}
	if (ng)
		qsort(groups, ng, 2 * sizeof(*groups), cmp_group);
	for (k = 0; k < ng && !ret; k++) {
		size_t start = groups[2 * k + 1], m = 0;

		for (j = start; j < n && !vlt_oid_cmp(&g->files[v[j]].content,
						      &g->files[v[start]].content); j++)
			paths[m++] = g->files[v[j]].path;
		ret = fn(paths, m, data);
	}
out:
	free(groups);
	free(v);
	free(paths);
	return ret;
}

int vlt_asset_users(const struct vlt_asset_graph *g, size_t file,
		    size_t **dist_out, size_t **next_out)
{
	size_t *dist, *next, *queue, qn = 0, qi, e, *start, *list;

	dist = calloc(g->nfiles ? g->nfiles : 1, sizeof(*dist));
	next = calloc(g->nfiles ? g->nfiles : 1, sizeof(*next));
	queue = malloc((g->nfiles ? g->nfiles : 1) * sizeof(*queue));
	if (!dist || !next || !queue) {
		free(dist);
		free(next);
		free(queue);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	if (adjacency(g, 1, &start, &list) < 0) {
		free(dist);
		free(next);
		free(queue);
		return VLT_E_NOMEM;
	}
	queue[qn++] = file;
	for (qi = 0; qi < qn; qi++) {
		size_t u = queue[qi];

		for (e = start[u]; e < start[u + 1]; e++) {
			const struct vlt_asset_edge *x = &g->edges[list[e]];

			if (x->from == file || dist[x->from])
				continue;
			dist[x->from] = dist[u] + 1;
			next[x->from] = u;
			queue[qn++] = x->from;
		}
	}
	free(queue);
	free(start);
	free(list);
	*dist_out = dist;
	*next_out = next;
	return 0;
}
