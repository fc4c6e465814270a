/*
 * vault assets - which file of the project uses which: missing and
 * unused assets, identical files, who uses a file and what breaks
 * without it, references changed between snapshots, and a move that
 * rewrites the references (lib/assets/assets.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "assets.h"
#include "buf.h"
#include "cli.h"
#include "error.h"
#include "fsutil.h"
#include "json.h"
#include "print.h"
#include "repo.h"
#include "revparse.h"

static const char usage[] =
"usage: vault assets scan [--json] [--check] [REV]\n"
"   or: vault assets why FILE [REV]\n"
"   or: vault assets impact FILE [REV]\n"
"   or: vault assets diff [--json] A [B]\n"
"   or: vault assets mv [-n | --dry-run] [-f | --force] OLD NEW\n"
"\n"
"Reads the references between the project's files (materials, textures,\n"
"scenes, scripts, layers) from their own formats, in the working folder or\n"
"in snapshot REV.\n"
"\n"
"    scan          missing references (file:line), unused assets, identical\n"
"                  files under different names\n"
"    why FILE      the chains of files that use FILE\n"
"    impact FILE   every file that breaks if FILE is deleted or renamed\n"
"    diff A [B]    references added, removed and broken from snapshot A to B\n"
"                  (default: the working folder)\n"
"    mv OLD NEW    rename a file or folder (with its .meta/.import/.uid) and\n"
"                  rewrite every reference to it\n"
"\n"
"    --json        print one JSON object\n"
"    --check       scan: exit 1 when a reference is missing\n"
"    -n, --dry-run mv: list the renames and edits, change nothing\n"
"    -f, --force   mv: move even when some references cannot be rewritten\n";

static const char *state_why(enum vlt_asset_state s)
{
	switch (s) {
	case VLT_ASSET_OUTSIDE: return "outside the project";
	case VLT_ASSET_UNKNOWN_ID: return "no file declares this id";
	default: return "not found";
	}
}

static int is_problem(const struct vlt_asset_edge *e)
{
	return e->state == VLT_ASSET_MISSING || e->state == VLT_ASSET_OUTSIDE ||
	       e->state == VLT_ASSET_UNKNOWN_ID;
}

/* "FILE:LINE" or "FILE(member):LINE" into b. */
static const char *where(const struct vlt_asset_graph *g,
			 const struct vlt_asset_edge *e, struct vlt_buf *b)
{
	vlt_buf_reset(b);
	vlt_buf_adds(b, g->files[e->from].path);
	if (e->member)
		vlt_buf_addf(b, "(%s)", e->member);
	if (e->line)
		vlt_buf_addf(b, ":%u", e->line);
	return b->data;
}

static const char *to_of(const struct vlt_asset_graph *g,
			 const struct vlt_asset_edge *e)
{
	return e->to >= 0 ? g->files[e->to].path : e->target;
}

static json_t *edge_json(const struct vlt_asset_graph *g,
			 const struct vlt_asset_edge *e)
{
	json_t *o = cli_json_object();

	cli_json_set(o, "from", print_json_string(g->files[e->from].path));
	cli_json_set(o, "to", print_json_string(to_of(g, e)));
	cli_json_set(o, "kind", print_json_string(e->kind));
	cli_json_set(o, "line", json_integer(e->line));
	if (e->member)
		cli_json_set(o, "member", print_json_string(e->member));
	if (is_problem(e))
		cli_json_set(o, "reason", print_json_string(state_why(e->state)));
	return o;
}

static struct vlt_asset_graph *load_graph(struct vlt_repo *r, const char *rev)
{
	struct vlt_asset_graph *g;
	struct vlt_oid oid;

	if (!rev) {
		if (!vlt_repo_worktree(r))
			die("this repository has no working folder: name a "
			    "snapshot");
		if (vlt_asset_graph_worktree(r, vlt_repo_worktree(r), &g) < 0)
			die("cannot read the project: %s", vlt_error_last());
		return g;
	}
	if (vlt_rev_parse(r, rev, &oid) < 0)
		die("%s", vlt_error_last());
	if (vlt_asset_graph_snapshot(r, &oid, &g) < 0)
		die("cannot read snapshot %s: %s", rev, vlt_error_last());
	return g;
}

/* Each file that could not be read, on stderr: 1 if any. */
static int report_errors(const struct vlt_asset_graph *g)
{
	size_t i;

	for (i = 0; i < g->nfiles; i++)
		if (g->files[i].error)
			error("%s", g->files[i].error);
	return g->nerrors > 0;
}

struct dup_out {
	json_t *json;
	size_t groups;
};

static int print_dup(const char *const *paths, size_t nr, void *data)
{
	struct dup_out *d = data;
	json_t *a;
	size_t i;

	if (d->json) {
		a = cli_json_array();
		for (i = 0; i < nr; i++)
			cli_json_append(a, print_json_string(paths[i]));
		cli_json_append(d->json, a);
	} else {
		if (!d->groups)
			printf("identical files (same content, different names):\n");
		for (i = 0; i < nr; i++)
			printf("  %s%s\n", i ? "= " : "", paths[i]);
	}
	d->groups++;
	return 0;
}

static int cmd_scan(struct vlt_repo *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "check", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_strlist unused = VLT_STRLIST_INIT;
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_asset_graph *g;
	struct dup_out dup = { NULL, 0 };
	size_t i, nmissing = 0, nrefs = 0;
	int c, json = 0, check = 0, bad;

	while ((c = cli_getopt(argc, argv, "+", opts, usage)) != -1) {
		if (c == 'j')
			json = 1;
		else if (c == 'c')
			check = 1;
	}
	if (argc - optind > 1)
		usage_error(usage, "scan takes at most one REV");
	g = load_graph(r, optind < argc ? argv[optind] : NULL);
	if (vlt_asset_unused(g, r, &unused) < 0)
		die("%s", vlt_error_last());
	for (i = 0; i < g->nedges; i++) {
		if (g->edges[i].state == VLT_ASSET_BACKUP)
			continue;
		nrefs++;
		nmissing += is_problem(&g->edges[i]);
	}
	bad = report_errors(g);
	if (json) {
		json_t *o = cli_json_object(), *refs = cli_json_array(),
		       *miss = cli_json_array(), *un = cli_json_array(),
		       *errs = cli_json_array();

		dup.json = cli_json_array();
		for (i = 0; i < g->nedges; i++) {
			const struct vlt_asset_edge *e = &g->edges[i];

			if (e->state == VLT_ASSET_BACKUP)
				continue;
			cli_json_append(is_problem(e) ? miss : refs,
					edge_json(g, e));
		}
		for (i = 0; i < unused.nr; i++)
			cli_json_append(un, print_json_string(unused.v[i]));
		if (vlt_asset_duplicates(g, print_dup, &dup) < 0)
			die("%s", vlt_error_last());
		for (i = 0; i < g->nfiles; i++) {
			json_t *e;

			if (!g->files[i].error)
				continue;
			e = cli_json_object();
			cli_json_set(e, "file", print_json_string(g->files[i].path));
			cli_json_set(e, "message", print_json_string(g->files[i].error));
			cli_json_append(errs, e);
		}
		cli_json_set(o, "references", refs);
		cli_json_set(o, "missing", miss);
		cli_json_set(o, "unused", un);
		cli_json_set(o, "duplicates", dup.json);
		cli_json_set(o, "errors", errs);
		cli_json_print(o, 0);
	} else {
		if (nmissing)
			printf("missing (%zu):\n", nmissing);
		for (i = 0; i < g->nedges; i++) {
			const struct vlt_asset_edge *e = &g->edges[i];

			if (is_problem(e))
				printf("  %s: %s %s (%s)\n", where(g, e, &b),
				       e->kind, e->target, state_why(e->state));
		}
		if (unused.nr)
			printf("unused (%zu, reached from no scene, model or "
			       "assets.root):\n", unused.nr);
		for (i = 0; i < unused.nr; i++)
			printf("  %s\n", unused.v[i]);
		if (vlt_asset_duplicates(g, print_dup, &dup) < 0)
			die("%s", vlt_error_last());
		printf("%zu file%s, %zu reference%s, %zu missing, %zu unused, "
		       "%zu group%s of identical files", g->nfiles,
		       g->nfiles == 1 ? "" : "s", nrefs, nrefs == 1 ? "" : "s",
		       nmissing, unused.nr, dup.groups, dup.groups == 1 ? "" : "s");
		if (bad)
			printf(", %zu file%s could not be read", g->nerrors,
			       g->nerrors == 1 ? "" : "s");
		printf("\n");
	}
	cli_flush_stdout();
	vlt_strlist_release(&unused);
	vlt_buf_release(&b);
	vlt_asset_graph_free(g);
	return bad || (check && nmissing) ? VLT_EXIT_NO : VLT_EXIT_OK;
}

/* A path as typed (relative to the current folder) -> a project path. */
static char *project_path(struct vlt_repo *r, const char *arg)
{
	const char *wt = vlt_repo_worktree(r);
	struct vlt_buf rel = VLT_BUF_INIT;
	char *top;
	int ret;

	if (!wt)
		return strdup(arg);
	top = realpath(wt, NULL);
	if (!top)
		die("%s: cannot resolve the working folder", wt);
	ret = vlt_path_below(top, arg, &rel);
	free(top);
	if (ret < 0)
		die("%s", vlt_error_last());
	if (ret == 0 || !rel.len)
		die("%s is not inside the project", arg);
	return vlt_buf_detach(&rel, NULL);
}

static long find_or_die(const struct vlt_asset_graph *g, const char *path)
{
	long i = vlt_asset_graph_find(g, path);

	if (i < 0)
		die("%s: no such file in the project", path);
	return i;
}

static void print_chain(const struct vlt_asset_graph *g, const size_t *next,
			const size_t *dist, size_t from)
{
	size_t u = from;

	printf("  %s", g->files[u].path);
	while (dist[u]) {
		u = next[u];
		printf(" -> %s", g->files[u].path);
	}
	printf("\n");
}

/* Users that are sidecars (.import source_file) follow their asset and
 * are left out of why and impact. */
static int counts(const struct vlt_asset_graph *g, size_t i, const size_t *dist)
{
	return dist[i] && !vlt_asset_is_sidecar(g->files[i].path);
}

static int cmd_why(struct vlt_repo *r, int argc, char **argv, int impact)
{
	struct vlt_asset_graph *g;
	struct vlt_buf b = VLT_BUF_INIT;
	size_t *dist, *next, i, e, n = 0;
	unsigned char *used;
	char *path;
	long file;

	static const struct option opts[] = { { NULL, 0, NULL, 0 } };

	while (cli_getopt(argc, argv, "+", opts, usage) != -1)
		;
	if (argc - optind < 1 || argc - optind > 2)
		usage_error(usage, "%s takes FILE and an optional REV",
			    impact ? "impact" : "why");
	path = project_path(r, argv[optind]);
	g = load_graph(r, optind + 1 < argc ? argv[optind + 1] : NULL);
	file = find_or_die(g, path);
	if (vlt_asset_users(g, (size_t)file, &dist, &next) < 0)
		die("%s", vlt_error_last());
	for (i = 0; i < g->nfiles; i++)
		n += counts(g, i, dist);
	if (!n) {
		printf("%s: no file refers to it\n", path);
		goto out;
	}
	if (impact) {
		printf("deleting or renaming %s breaks:\n", path);
		for (e = 0; e < g->nedges; e++) {
			const struct vlt_asset_edge *x = &g->edges[e];

			if (x->state == VLT_ASSET_OK && x->to == file &&
			    counts(g, x->from, dist))
				printf("  %s: %s %s\n", where(g, x, &b), x->kind,
				       x->target);
		}
		for (i = 0; i < g->nfiles; i++)
			if (counts(g, i, dist) && dist[i] > 1) {
				printf("and, through them:\n");
				break;
			}
		for (i = 0; i < g->nfiles; i++)
			if (counts(g, i, dist) && dist[i] > 1)
				printf("  %s (uses %s)\n", g->files[i].path,
				       g->files[next[i]].path);
		goto out;
	}
	/* why: one chain from every user nothing else uses */
	used = calloc(g->nfiles, 1);
	if (!used)
		die("out of memory");
	for (e = 0; e < g->nedges; e++) {
		const struct vlt_asset_edge *x = &g->edges[e];

		if (x->state == VLT_ASSET_OK && (size_t)x->to != x->from &&
		    !vlt_asset_is_sidecar(g->files[x->from].path))
			used[x->to] = 1;
	}
	printf("%s is used by %zu file%s:\n", path, n, n == 1 ? "" : "s");
	n = 0;
	for (i = 0; i < g->nfiles; i++)
		if (counts(g, i, dist) && !used[i]) {
			print_chain(g, next, dist, i);
			n++;
		}
	for (i = 0; !n && i < g->nfiles; i++)	/* only cycles: the direct users */
		if (counts(g, i, dist) && dist[i] == 1)
			print_chain(g, next, dist, i);
	free(used);
out:
	cli_flush_stdout();
	free(dist);
	free(next);
	free(path);
	vlt_buf_release(&b);
	vlt_asset_graph_free(g);
	return VLT_EXIT_OK;
}

/* --- diff ---------------------------------------------------------------- */

struct refkey {
	char *key;	/* from \t kind \t target */
	const struct vlt_asset_edge *e;
};

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct refkey *)a)->key,
		      ((const struct refkey *)b)->key);
}

static struct refkey *keys_of(const struct vlt_asset_graph *g, size_t *nr)
{
	struct refkey *v = calloc(g->nedges ? g->nedges : 1, sizeof(*v));
	struct vlt_buf b = VLT_BUF_INIT;
	size_t i, n = 0;

	if (!v)
		die("out of memory");
	for (i = 0; i < g->nedges; i++) {
		const struct vlt_asset_edge *e = &g->edges[i];

		if (e->state == VLT_ASSET_BACKUP)
			continue;
		vlt_buf_reset(&b);
		if (vlt_buf_addf(&b, "%s\t%s\t%s%s%s", g->files[e->from].path,
				 e->kind, e->target, e->udim ? "\t" : "",
				 e->udim ? to_of(g, e) : "") < 0)
			die("out of memory");
		v[n].key = vlt_buf_detach(&b, NULL);
		v[n++].e = e;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_key);
	*nr = n;
	return v;
}

static const struct refkey *lookup(const struct refkey *v, size_t n,
				   const char *key)
{
	struct refkey k = { (char *)key, NULL };

	return n ? bsearch(&k, v, n, sizeof(*v), cmp_key) : NULL;
}

static void diff_line(const char *what, const struct vlt_asset_graph *g,
		      const struct vlt_asset_edge *e, json_t *arr,
		      struct vlt_buf *b)
{
	if (arr) {
		cli_json_append(arr, edge_json(g, e));
		return;
	}
	printf("%-8s %s: %s %s", what, where(g, e, b), e->kind, e->target);
	if (is_problem(e))
		printf(" (%s)", state_why(e->state));
	printf("\n");
}

static int cmd_diff(struct vlt_repo *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_asset_graph *ga, *gb;
	struct refkey *ka, *kb;
	struct vlt_buf b = VLT_BUF_INIT;
	size_t na, nb, i, changes = 0;
	json_t *o = NULL, *add = NULL, *rem = NULL, *brk = NULL;
	int c, json = 0;

	while ((c = cli_getopt(argc, argv, "+", opts, usage)) != -1)
		if (c == 'j')
			json = 1;
	if (argc - optind < 1 || argc - optind > 2)
		usage_error(usage, "diff takes A and an optional B");
	ga = load_graph(r, argv[optind]);
	gb = load_graph(r, optind + 1 < argc ? argv[optind + 1] : NULL);
	ka = keys_of(ga, &na);
	kb = keys_of(gb, &nb);
	if (json) {
		o = cli_json_object();
		add = cli_json_array();
		rem = cli_json_array();
		brk = cli_json_array();
	}
	for (i = 0; i < nb; i++)
		if (!lookup(ka, na, kb[i].key)) {
			diff_line("added", gb, kb[i].e, add, &b);
			changes++;
		}
	for (i = 0; i < na; i++)
		if (!lookup(kb, nb, ka[i].key)) {
			diff_line("removed", ga, ka[i].e, rem, &b);
			changes++;
		}
	for (i = 0; i < nb; i++) {
		const struct refkey *old = lookup(ka, na, kb[i].key);

		if (is_problem(kb[i].e) && (!old || !is_problem(old->e))) {
			diff_line("broken", gb, kb[i].e, brk, &b);
			changes++;
		}
	}
	if (json) {
		cli_json_set(o, "added", add);
		cli_json_set(o, "removed", rem);
		cli_json_set(o, "broken", brk);
		cli_json_print(o, 0);
	} else if (!changes) {
		printf("no reference changed\n");
	}
	cli_flush_stdout();
	for (i = 0; i < na; i++)
		free(ka[i].key);
	for (i = 0; i < nb; i++)
		free(kb[i].key);
	free(ka);
	free(kb);
	vlt_buf_release(&b);
	vlt_asset_graph_free(ga);
	vlt_asset_graph_free(gb);
	return VLT_EXIT_OK;
}

/* --- mv ------------------------------------------------------------------ */

static int cmd_mv(struct vlt_repo *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_asset_move m;
	struct vlt_asset_graph *g;
	char *old, *new;
	size_t i;
	int c, dry = 0, force = 0;

	while ((c = cli_getopt(argc, argv, "+nf", opts, usage)) != -1) {
		if (c == 'n')
			dry = 1;
		else if (c == 'f')
			force = 1;
	}
	if (argc - optind != 2)
		usage_error(usage, "mv takes OLD and NEW");
	old = project_path(r, argv[optind]);
	new = project_path(r, argv[optind + 1]);
	g = load_graph(r, NULL);
	for (i = 0; i < g->nfiles; i++)
		if (g->files[i].error)
			warning("%s (its references are not rewritten)",
				g->files[i].error);
	vlt_asset_move_init(&m);
	if (vlt_asset_move_plan(g, old, new, &m) < 0)
		die("%s", vlt_error_last());
	for (i = 0; i < m.cannot.nr; i++)
		warning("cannot rewrite %s", m.cannot.v[i]);
	if (m.cannot.nr && !force) {
		error("%zu reference%s would break: nothing moved (--force "
		      "moves anyway)", m.cannot.nr, m.cannot.nr == 1 ? "" : "s");
		vlt_asset_move_release(&m);
		vlt_asset_graph_free(g);
		free(old);
		free(new);
		return VLT_EXIT_NO;
	}
	if (!dry && vlt_asset_move_apply(g, &m) < 0)
		die("%s", vlt_error_last());
	for (i = 0; i < m.nrenames; i++)
		printf("%s %s%s -> %s%s\n", dry ? "would rename" : "renamed",
		       m.renames[i].from, m.renames[i].is_dir ? "/" : "",
		       m.renames[i].to, m.renames[i].is_dir ? "/" : "");
	for (i = 0; i < m.nedits; i++) {
		const struct vlt_asset_edit *ed = &m.edits[i];

		printf("%s%s%s%s%s:%u: %s -> %s\n", dry ? "would edit " : "edited ",
		       ed->dest, ed->member ? "(" : "", ed->member ? ed->member : "",
		       ed->member ? ")" : "", ed->line, ed->old_text, ed->new_text);
	}
	cli_flush_stdout();
	vlt_asset_move_release(&m);
	vlt_asset_graph_free(g);
	free(old);
	free(new);
	return VLT_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct vlt_repo *r;
	const char *cmd;

	cli_init("vault-assets");
	/* -h/--help anywhere before "--": the usage, whatever else is given */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			usage_help(usage);
	if (argc < 2)
		usage_error(usage, "name a command: scan, why, impact, diff or mv");
	cmd = argv[1];
	argc--;
	argv++;
	if (strcmp(cmd, "scan") && strcmp(cmd, "why") && strcmp(cmd, "impact") &&
	    strcmp(cmd, "diff") && strcmp(cmd, "mv"))
		usage_error(usage, "unknown command '%s'", cmd);
	r = cli_open_repo();
	if (!strcmp(cmd, "scan"))
		return cmd_scan(r, argc, argv);
	if (!strcmp(cmd, "why"))
		return cmd_why(r, argc, argv, 0);
	if (!strcmp(cmd, "impact"))
		return cmd_why(r, argc, argv, 1);
	if (!strcmp(cmd, "diff"))
		return cmd_diff(r, argc, argv);
	return cmd_mv(r, argc, argv);
}
