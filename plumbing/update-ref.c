/*
 * vault-update-ref - set or delete a ref by compare-and-swap.
 *
 * Thin over lib/refs.c: the CAS, the lock and the reflog are the library's;
 * this program resolves NEW/OLD revisions, checks that NEW exists, and maps
 * a moved ref to exit 1 and everything else to 128.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "odb.h"
#include "refs.h"
#include "revparse.h"

static const char usage[] =
"usage: vault-update-ref [-m MSG] [--no-deref] REF NEW [OLD]\n"
"   or: vault-update-ref [-m MSG] [--no-deref] -d REF [OLD]\n"
"   or: vault-update-ref [-m MSG] [--no-deref] --stdin\n"
"\n"
"Sets REF to NEW, recording the change in REF's reflog. With OLD, only if\n"
"REF is at OLD now (compare-and-swap); OLD of 64 zeros or \"\" means REF\n"
"must not exist yet. NEW and OLD are ids or revisions (main, v1, HEAD~1,\n"
"unique prefixes). Exit 0; 1 if REF was not at OLD (or, for -d, does not\n"
"exist); 128 on other errors, a held lock included (its holder is named).\n"
"\n"
"    -m MSG        the reflog message (default \"update-ref\")\n"
"    -d            delete REF and its reflog\n"
"    --no-deref    change a symbolic ref (HEAD) itself, not its target\n"
"    --stdin       read one command per line, applied in order; the first\n"
"                  failure stops (changes before it stay):\n"
"                      update REF NEW [OLD]\n"
"                      delete REF [OLD]\n";

struct ctx {
	struct vlt_repo *r;
	const char *msg;
	unsigned flags;
};

/* OLD: "" or 64 zeros mean "must not exist". */
static void parse_old(struct ctx *c, const char *ref, const char *arg,
		      struct vlt_oid *out)
{
	if (!*arg || (strlen(arg) == VLT_OID_HEXSZ &&
		      strspn(arg, "0") == VLT_OID_HEXSZ)) {
		vlt_oid_clear(out);
		return;
	}
	if (vlt_rev_parse(c->r, arg, out) < 0)
		die("%s: invalid old value '%s': %s", ref, arg, vlt_error_last());
}

static void parse_new(struct ctx *c, const char *ref, const char *arg,
		      struct vlt_oid *out)
{
	int has;

	if (vlt_rev_parse(c->r, arg, out) < 0)
		die("%s: invalid new value '%s': %s", ref, arg, vlt_error_last());
	if (vlt_oid_is_zero(out))
		die("%s: cannot set a ref to the zero id (use -d)", ref);
	has = vlt_odb_has(c->r, out);
	if (has < 0)
		die("%s: %s", ref, vlt_error_last());
	if (!has)
		die("trying to write ref %s with nonexistent object %s", ref,
		    vlt_oid_hex(out));
}

/* Returns the exit code for this change (0 or 1); dies on other errors. */
static int apply(struct ctx *c, int del, const char *ref, const char *newarg,
		 const char *oldarg)
{
	struct vlt_oid new_oid, old_oid;
	int err;

	if (!vlt_ref_name_valid(ref))
		die("invalid ref name '%s'", ref);
	if (oldarg)
		parse_old(c, ref, oldarg, &old_oid);
	if (del) {
		err = vlt_ref_delete_flags(c->r, ref, oldarg ? &old_oid : NULL,
					   c->msg, c->flags);
	} else {
		parse_new(c, ref, newarg, &new_oid);
		err = vlt_ref_update_flags(c->r, ref, &new_oid,
					   oldarg ? &old_oid : NULL, c->msg,
					   c->flags);
	}
	if (err == VLT_E_CONFLICT || (del && err == VLT_E_NOTFOUND)) {
		error("%s", vlt_error_last());
		return VLT_EXIT_NO;
	}
	if (err < 0)
		die("%s", vlt_error_last());
	return 0;
}

/* Split line into at most max words separated by spaces or tabs. */
static int split_words(char *line, char **w, int max)
{
	int n = 0;

	for (char *p = strtok(line, " \t"); p; p = strtok(NULL, " \t")) {
		if (n == max)
			return max + 1;
		w[n++] = p;
	}
	return n;
}

static int run_stdin(struct ctx *c)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int rc = 0;

	while (!rc && (len = getline(&line, &cap, stdin)) >= 0) {
		char *w[5];
		int n;

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		n = split_words(line, w, 4);
		if (n == 0)
			continue;
		if (!strcmp(w[0], "update") && (n == 3 || n == 4))
			rc = apply(c, 0, w[1], w[2], n == 4 ? w[3] : NULL);
		else if (!strcmp(w[0], "delete") && (n == 2 || n == 3))
			rc = apply(c, 1, w[1], NULL, n == 3 ? w[2] : NULL);
		else
			die("stdin line %ld: expected 'update REF NEW [OLD]' or "
			    "'delete REF [OLD]'", lineno);
	}
	if (ferror(stdin))
		die("reading stdin failed");
	free(line);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-deref", no_argument, NULL, 'N' },
		{ "stdin", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c = { NULL, "update-ref", 0 };
	int del = 0, from_stdin = 0, nargs, rc, opt;

	cli_init(argv[0]);
	while ((opt = cli_getopt(argc, argv, "m:d", opts, usage)) != -1) {
		switch (opt) {
		case 'm': c.msg = optarg; break;
		case 'd': del = 1; break;
		case 'N': c.flags |= VLT_REF_NO_DEREF; break;
		case 'S': from_stdin = 1; break;
		}
	}
	nargs = argc - optind;
	if (from_stdin) {
		if (del || nargs)
			usage_error(usage, "--stdin takes no REF and no -d");
	} else if (del ? nargs < 1 || nargs > 2 : nargs < 2 || nargs > 3) {
		usage_error(usage, "wrong number of arguments");
	}
	c.r = cli_open_repo();
	if (from_stdin)
		rc = run_stdin(&c);
	else if (del)
		rc = apply(&c, 1, argv[optind], NULL,
			   nargs == 2 ? argv[optind + 1] : NULL);
	else
		rc = apply(&c, 0, argv[optind], argv[optind + 1],
			   nargs == 3 ? argv[optind + 2] : NULL);
	vlt_repo_free(c.r);
	return rc;
}
