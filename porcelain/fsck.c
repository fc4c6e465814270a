/*
 * vault-fsck - check a repository: packs, indexes, refs, and every object
 * reachable from them; name the damaged files of each snapshot.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "error.h"
#include "gc.h"
#include "lock.h"
#include "odb.h"
#include "oidset.h"
#include "pack.h"
#include "print.h"
#include "records.h"
#include "refs.h"
#include "seal.h"
#include "tree.h"
#include "workspace.h"
#include "walk.h"

static const char usage[] =
"usage: vault fsck [--full] [--repair] [-q] [--json]\n"
"\n"
"Checks every pack (header, entries, trailer checksum, agreement with its\n"
"index), every index, every ref and reflog, and that every object reachable\n"
"from the refs exists. With --full every object is also decompressed and\n"
"re-hashed. Damage is reported by snapshot and file: which files of which\n"
"snapshots cannot be restored. The undamaged rest can still be restored.\n"
"Locks of dead processes (same host, pid gone) and their temporary files\n"
"are removed first, each with a note on stderr. HEAD, the config (every\n"
"key of vault's own sections: unknown keys are errors), the marks of\n"
"forgotten snapshots and gc's plans, done markers and record of refs are\n"
"checked too. Not detectable, by design and harmless: a deleted reflog,\n"
"gc record of refs or done marker, or a deleted plan that was swept.\n"
"\n"
"    --full       re-hash every object (reads all data)\n"
"    --repair     index again the packs found without an index (from\n"
"                 their own bytes), then check\n"
"    -q, --quiet  print only problems\n"
"    --json       print a JSON report\n"
"\n"
"Exit status: 0 when the repository is sound, 1 when damage was found,\n"
"128 when the check could not run.\n";

static int quiet, json, full, repair;
static uint64_t problems, warnings;
static json_t *jproblems, *jdamaged;
static struct vlt_oidset bad;      /* objects known damaged or missing */

static void problem(const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(const char *kind, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	problems++;
	if (json) {
		json_t *o = json_object();

		cli_json_set(o, "kind", print_json_string(kind));
		cli_json_set(o, "message", print_json_string(msg));
		cli_json_append(jproblems, o);
	} else {
		fprintf(stderr, "error: %s\n", msg);
	}
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void note(const char *fmt, ...)
{
	va_list ap;

	if (quiet || json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* --- packs --------------------------------------------------------------- */

/* Check every object of p; returns how many cannot be read anywhere;
 * *ndamaged (may be NULL) gets how many copies in p are damaged. */
static uint64_t check_objects_of(struct vlt_repo *r, struct vlt_pack *p,
				 uint64_t *ndamaged)
{
	struct vlt_buf b = VLT_BUF_INIT;
	uint64_t lost = 0, nd = 0;

	for (uint32_t i = 0; i < p->count; i++) {
		struct vlt_pack_entry e;

		vlt_pack_entry_at(p, i, &e);
		if (vlt_odb_read_in_pack(r, p, i, &b) == 0)
			continue;
		nd++;
		{
			char msg[1024];

			snprintf(msg, sizeof(msg), "%s", vlt_error_last());
			/* the next backup of an intact original re-stores it */
			if (vlt_odb_mark_damaged(r, &e.oid, p->name) < 0)
				warning("cannot record the damage: %s",
					vlt_error_last());
			if (vlt_odb_read(r, &e.oid, NULL, &b) == 0) {
				warnings++;
				note("warning: %s (another copy is intact)\n", msg);
			} else {
				lost++;
				if (vlt_oidset_insert(&bad, &e.oid) == 1)
					problem("object", "%s", msg);
			}
		}
	}
	vlt_buf_release(&b);
	if (ndamaged)
		*ndamaged = nd;
	return lost;
}

static void check_packs(struct vlt_repo *r)
{
	struct vlt_strlist k = VLT_STRLIST_INIT;
	struct vlt_buf data = VLT_BUF_INIT, key = VLT_BUF_INIT;
	uint64_t npacks = 0, nobjs = 0, bytes = 0;
	const char *msg;

	if (vlt_odb_load_errors(r, &msg))
		problem("index", "%d pack index(es) cannot be loaded; first: %s",
			vlt_odb_load_errors(r, NULL), msg);
	if (vlt_pack_list_files(r, &k) < 0)
		die("cannot list packs: %s", vlt_error_last());
	vlt_strlist_sort(&k);
	for (size_t i = 0; i < k.nr; i++) {
		const char *b = strrchr(k.v[i], '/') + 1;
		size_t n = strlen(b);
		struct vlt_pack *p = NULL;
		char name[VLT_OID_HEXSZ + 1];
		uint32_t count;

		if (n == VLT_OID_HEXSZ + 4 && !strcmp(b + VLT_OID_HEXSZ, ".idx")) {
			memcpy(name, b, VLT_OID_HEXSZ);
			name[VLT_OID_HEXSZ] = '\0';
			vlt_pack_key(&key, name, "pack");
			if (!vlt_strlist_has_sorted(&k, key.data))
				problem("pack", "index %s has no pack: its objects "
					"are lost", b);
			continue;
		}
		if (n != VLT_OID_HEXSZ + 5 || strcmp(b + VLT_OID_HEXSZ, ".pack")) {
			warnings++;
			note("warning: unexpected file %s\n", k.v[i]);
			continue;
		}
		memcpy(name, b, VLT_OID_HEXSZ);
		name[VLT_OID_HEXSZ] = '\0';
		for (size_t j = 0; j < vlt_odb_pack_count(r); j++)
			if (!strcmp(vlt_odb_pack_at(r, j)->name, name))
				p = vlt_odb_pack_at(r, j);
		if (!p) {
			vlt_pack_key(&key, name, "idx");
			if (!vlt_strlist_has_sorted(&k, key.data)) {
				/* its objects are invisible until it is indexed;
				 * a writer storing it right now stores its index
				 * next (then this is harmless) */
				warnings++;
				note("warning: pack %s has no index: its objects "
				     "cannot be read until it is indexed again from "
				     "its own contents, which 'vault fsck --repair' "
				     "and 'vault gc' do (a backup storing it right "
				     "now stores its index next)\n", name);
			}
			continue;  /* a damaged index was reported above */
		}
		npacks++;
		if (vlt_pack_file_read(r, name, "pack", &data) < 0) {
			problem("pack", "pack %s: %s", name, vlt_error_last());
			check_objects_of(r, p, NULL);
			continue;
		}
		bytes += data.len;
		if (vlt_pack_verify((const unsigned char *)data.data, data.len, p,
				    vlt_repo_idfn(r), vlt_repo_sealer(r), 0,
				    &count) < 0) {
			char why[1024];
			uint64_t ndamaged = 0;

			snprintf(why, sizeof(why), "%s", vlt_error_last());
			if (check_objects_of(r, p, &ndamaged)) {
				problem("pack", "pack %s: %s", name, why);
			} else if (ndamaged) {
				/* recorded: the next backup or gc heals it */
				warnings++;
				note("warning: pack %s: %s; every damaged object in "
				     "it has an intact copy ('vault gc' rewrites "
				     "it)\n", name, why);
			} else {
				/*
				 * Every object reads and re-hashes: the damage is
				 * in the header, the trailer or an entry's flags.
				 * Recorded, so that gc rewrites the pack.
				 */
				if (vlt_odb_mark_pack_damaged(r, name) < 0)
					warning("cannot record the damage: %s",
						vlt_error_last());
				problem("pack", "pack %s: %s; the damage is outside "
					"its objects (header, trailer or entry "
					"flags): each object still reads and "
					"re-hashes correctly, and 'vault gc' copies "
					"them into a new pack and deletes this one",
					name, why);
			}
			continue;
		}
		nobjs += count;
		if (full)
			check_objects_of(r, p, NULL);
	}
	note("packs: %" PRIu64 " (%s, %" PRIu64 " objects)%s\n", npacks,
	     print_human_size(bytes), nobjs, full ? ", every object re-hashed" : "");
	vlt_strlist_release(&k);
	vlt_buf_release(&data);
	vlt_buf_release(&key);
}

/* --- reachability ----------------------------------------------------- */

struct walker {
	struct vlt_repo *r;
	struct vlt_oidset clean;      /* trees/files known intact */
	struct vlt_oidset seen_snaps;
	struct vlt_oidset forgotten;
	const char *snapname;
	struct vlt_oid snap;
	uint64_t damaged_files, snapshots, objects;
};

static int object_ok(struct walker *w, const struct vlt_oid *oid,
		     enum vlt_obj_kind want)
{
	enum vlt_obj_kind kind;

	if (vlt_oidset_contains(&bad, oid))
		return 0;
	if (vlt_odb_info(w->r, oid, &kind, NULL) < 0) {
		vlt_oidset_insert(&bad, oid);
		return 0;
	}
	w->objects++;
	return kind == want;
}

static void damaged(struct walker *w, const char *path, const char *why)
{
	w->damaged_files++;
	problems++;
	if (json) {
		json_t *o = json_object();

		cli_json_set(o, "snapshot", json_string(vlt_oid_hex(&w->snap)));
		cli_json_set(o, "ref", print_json_string(w->snapname));
		cli_json_set(o, "path", print_json_string(path));
		cli_json_set(o, "reason", print_json_string(why));
		cli_json_append(jdamaged, o);
	} else {
		fprintf(stderr, "damaged: snapshot %.12s (%s): %s: %s\n",
			vlt_oid_hex(&w->snap), w->snapname, path, why);
	}
}

/* 1 if the file can be restored, else 0 (and why). */
static int check_file(struct walker *w, const struct vlt_oid *oid,
		      char *why, size_t whylen)
{
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_file f;
	int ok = 1;

	if (vlt_oidset_contains(&w->clean, oid))
		return 1;
	if (!object_ok(w, oid, VLT_OBJ_FILE) ||
	    vlt_odb_read(w->r, oid, NULL, &b) < 0 ||
	    vlt_file_decode(b.data, b.len, &f) < 0) {
		snprintf(why, whylen, "file object %.12s is missing or damaged",
			 vlt_oid_hex(oid));
		vlt_buf_release(&b);
		return 0;
	}
	for (size_t i = 0; i < f.nr && ok; i++)
		if (!object_ok(w, &f.chunks[i].oid, VLT_OBJ_CHUNK)) {
			snprintf(why, whylen, "chunk %zu (%.12s) is missing or "
				 "damaged", i, vlt_oid_hex(&f.chunks[i].oid));
			ok = 0;
		}
	vlt_file_release(&f);
	vlt_buf_release(&b);
	if (ok)
		vlt_oidset_insert(&w->clean, oid);
	return ok;
}

/* Returns 1 if the whole tree is intact. */
static int check_tree(struct walker *w, const struct vlt_oid *oid,
		      const char *prefix, size_t depth)
{
	struct vlt_buf b = VLT_BUF_INIT, path = VLT_BUF_INIT;
	struct vlt_tree t;
	int ok = 1;
	char why[256];

	if (vlt_oidset_contains(&w->clean, oid))
		return 1;
	if (vlt_tree_depth_check(depth, prefix) < 0) {
		size_t n = strlen(prefix);

		/* the path is thousands of levels long: its tail is enough */
		vlt_buf_addf(&path, "%s%s", n > 64 ? "..." : "",
			     prefix + (n > 64 ? n - 64 : 0));
		damaged(w, path.data, "directories nested deeper than the "
			"format's limit of " VLT_STR(VLT_TREE_DEPTH_MAX)
			" levels: everything below is not checked");
		vlt_buf_release(&path);
		return 0;
	}
	if (!object_ok(w, oid, VLT_OBJ_TREE) ||
	    vlt_odb_read(w->r, oid, NULL, &b) < 0 ||
	    vlt_tree_decode(b.data, b.len, &t) < 0) {
		damaged(w, *prefix ? prefix : "/", "directory listing (tree) is "
			"missing or damaged: everything below is lost");
		vlt_buf_release(&b);
		return 0;
	}
	for (size_t i = 0; i < t.nr; i++) {
		const struct vlt_tree_entry *e = &t.entries[i];

		vlt_buf_reset(&path);
		vlt_buf_addf(&path, "%s%s%s", prefix, *prefix ? "/" : "", e->name);
		if (e->type == VLT_ENTRY_DIR) {
			ok &= check_tree(w, &e->oid, path.data, depth + 1);
		} else if (e->type == VLT_ENTRY_FILE) {
			if (!check_file(w, &e->oid, why, sizeof(why))) {
				damaged(w, path.data, why);
				ok = 0;
			}
		} else if (!object_ok(w, &e->oid, VLT_OBJ_CHUNK)) {
			damaged(w, path.data, "symlink target is missing");
			ok = 0;
		}
	}
	vlt_tree_release(&t);
	vlt_buf_release(&b);
	vlt_buf_release(&path);
	if (ok)
		vlt_oidset_insert(&w->clean, oid);
	return ok;
}

static void check_history(struct walker *w, const char *ref,
			  const struct vlt_oid *start)
{
	struct vlt_oid cur = *start;
	struct vlt_buf b = VLT_BUF_INIT;
	char label[300];
	int depth = 0;

	for (;;) {
		struct vlt_snapshot s;

		if (vlt_oidset_insert(&w->seen_snaps, &cur) != 1)
			break;  /* checked through another ref */
		w->snapshots++;
		snprintf(label, sizeof(label), depth ? "%s~%d" : "%s", ref, depth);
		w->snapname = label;
		w->snap = cur;
		if (!object_ok(w, &cur, VLT_OBJ_SNAPSHOT) ||
		    vlt_odb_read(w->r, &cur, NULL, &b) < 0 ||
		    vlt_snapshot_decode(b.data, b.len, &s) < 0) {
			problem("snapshot", "snapshot %s (%s) is missing or "
				"damaged: its history is cut here",
				vlt_oid_hex(&cur), label);
			break;
		}
		/* a forgotten snapshot's data may be gone: by design */
		if (!depth || !vlt_oidset_contains(&w->forgotten, &cur))
			check_tree(w, &s.tree, "", 0);
		/* merges: follow the other parents as their own histories */
		for (size_t i = 1; i < s.nparents; i++)
			check_history(w, label, &s.parents[i]);
		if (!s.nparents || vlt_odb_has(w->r, &s.parents[0]) != 1) {
			/* a forgotten parent may be gone: by design */
			if (s.nparents && !vlt_oidset_contains(&w->forgotten,
							       &s.parents[0]))
				problem("snapshot", "snapshot %s (%s): parent %s is "
					"missing and was not forgotten",
					vlt_oid_hex(&cur), label,
					vlt_oid_hex(&s.parents[0]));
			vlt_snapshot_release(&s);
			break;
		}
		cur = s.parents[0];
		vlt_snapshot_release(&s);
		depth++;
	}
	vlt_buf_release(&b);
}

struct refwalk {
	struct walker *w;
	uint64_t refs;
};

/* A record a ref reaches (format.md, 6.5): it must read back, and what
 * it links to must be there; linked snapshots, trees and records are
 * checked like the ones refs name. */
static void check_record(struct walker *w, const char *label,
			 const struct vlt_oid *oid, size_t depth)
{
	struct vlt_record rec;
	char sub[300], why[256];

	if (vlt_oidset_insert(&w->seen_snaps, oid) != 1)
		return;  /* checked through another ref or link */
	if (depth > VLT_TREE_DEPTH_MAX) {
		problem("record", "record %s (%s): records link each other "
			"deeper than %d levels: not checked further",
			vlt_oid_hex(oid), label, VLT_TREE_DEPTH_MAX);
		return;
	}
	w->objects++;
	if (vlt_record_read(w->r, oid, &rec) < 0) {
		problem("record", "%s (%s)", vlt_error_last(), label);
		vlt_error_clear();
		vlt_oidset_insert(&bad, oid);
		return;
	}
	for (size_t i = 0; i < rec.nlinks; i++) {
		const struct vlt_record_link *l = &rec.links[i];

		snprintf(sub, sizeof(sub), "%.200s -> %.12s", label,
			 vlt_oid_hex(&l->oid));
		switch (l->kind) {
		case VLT_OBJ_SNAPSHOT:
			check_history(w, sub, &l->oid);
			break;
		case VLT_OBJ_RECORD:
			check_record(w, sub, &l->oid, depth + 1);
			break;
		case VLT_OBJ_TREE:
			w->snapname = sub;
			w->snap = l->oid;
			check_tree(w, &l->oid, "", 0);
			break;
		case VLT_OBJ_FILE:
			if (!check_file(w, &l->oid, why, sizeof(why)))
				problem("record", "record %s (%s): %s",
					vlt_oid_hex(oid), label, why);
			break;
		default:
			object_ok(w, &l->oid, l->kind);
			break;
		}
	}
	vlt_record_release(&rec);
}

static int check_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	struct refwalk *rw = data;
	struct vlt_reflog_entry *ents = NULL;
	enum vlt_obj_kind kind;
	char a[VLT_OID_HEXSZ + 1], b[VLT_OID_HEXSZ + 1];
	size_t n = 0;

	rw->refs++;
	if (vlt_reflog_read(rw->w->r, name, &ents, &n) < 0 &&
	    vlt_error_last_code() != VLT_E_NOTFOUND)
		problem("reflog", "reflog of %s: %s", name, vlt_error_last());
	/* each update is logged under the ref's lock: every entry's old
	 * value is the new value of the one before (or zeros: the ref was
	 * created again after it was lost), the last one's new value is the
	 * ref (a flipped digit of an id breaks the chain) */
	for (size_t i = 1; i < n; i++)
		if (vlt_oid_cmp(&ents[i].old_oid, &ents[i - 1].new_oid) &&
		    !vlt_oid_is_zero(&ents[i].old_oid)) {
			vlt_oid_to_hex(&ents[i].old_oid, a);
			vlt_oid_to_hex(&ents[i - 1].new_oid, b);
			problem("reflog", "reflog of %s is damaged: entry %zu "
				"says the ref was %.12s, but the entry before "
				"set it to %.12s", name, i + 1, a, b);
			break;
		}
	if (n && vlt_oid_cmp(&ents[n - 1].new_oid, oid)) {
		vlt_oid_to_hex(&ents[n - 1].new_oid, a);
		vlt_oid_to_hex(oid, b);
		problem("reflog", "reflog of %s is damaged or behind: its last "
			"entry sets the ref to %.12s, but the ref is %.12s", name,
			a, b);
	}
	vlt_reflog_free(ents, n);
	if (vlt_odb_info(rw->w->r, oid, &kind, NULL) < 0) {
		problem("ref", "ref %s points to %s, which does not exist", name,
			vlt_oid_hex(oid));
		return 0;
	}
	if (kind == VLT_OBJ_SNAPSHOT)
		check_history(rw->w, name, oid);
	else if (kind == VLT_OBJ_TREE) {
		rw->w->snapname = name;
		rw->w->snap = *oid;
		check_tree(rw->w, oid, "", 0);
	} else if (kind == VLT_OBJ_RECORD) {
		check_record(rw->w, name, oid, 0);
	}
	return 0;
}

/* A reflog whose ref is gone: the ref file was lost (deleting a ref with
 * vault deletes its log too). */
static int check_orphan_log(const char *name, void *data)
{
	struct vlt_repo *r = data;
	struct vlt_reflog_entry *ents = NULL;
	size_t n = 0;
	int exists = vlt_ref_exists(r, name);

	if (!strcmp(name, "HEAD") || exists != 0)
		return 0;
	if (vlt_reflog_read(r, name, &ents, &n) < 0) {
		problem("reflog", "reflog of %s: %s (and the ref is gone)", name,
			vlt_error_last());
		return 0;
	}
	if (n)
		problem("ref", "ref %s is missing, but its reflog is there: the "
			"ref was lost (vault deletes a ref's reflog with it). Its "
			"last value was %s; restore it with 'vault update-ref %s "
			"%s'", name, vlt_oid_hex(&ents[n - 1].new_oid), name,
			vlt_oid_hex(&ents[n - 1].new_oid));
	vlt_reflog_free(ents, n);
	return 0;
}

static int first_ref(const char *name, const struct vlt_oid *oid, void *data)
{
	(void)oid;
	/* workspace snapshots (application settings) are no project
	 * history: a repository holding only those has no branch yet */
	if (vlt_workspace_ref_is(name))
		return 0;
	snprintf(data, 256, "%s", name);
	return 1;
}

/* HEAD names a branch that does not exist while the repository has refs
 * or a HEAD history: HEAD was damaged, or names a deleted branch. (A new
 * repository's HEAD names a branch before its first backup: that is fine.) */
static void check_head_target(struct vlt_repo *r, const char *target)
{
	struct vlt_reflog_entry *ents = NULL;
	size_t n = 0;
	char some[256] = "";
	struct vlt_oid oid;

	if (!strcmp(target, "HEAD") || vlt_ref_read(r, "HEAD", &oid) == 0)
		return;
	vlt_error_clear();
	if (vlt_ref_for_each_all(r, first_ref, some) < 0)
		vlt_error_clear();
	if (vlt_reflog_read(r, "HEAD", &ents, &n) < 0)
		vlt_error_clear();
	vlt_reflog_free(ents, n);
	if (!*some && !n)
		return;
	problem("ref", "HEAD points to %s, which does not exist, but the "
		"repository has %s: HEAD is damaged or names a deleted branch "
		"('vault log' shows nothing). Point it at a branch again, e.g. "
		"'vault update-ref --no-deref HEAD %s' (HEAD is then detached "
		"at that snapshot)", target, *some ? "refs" : "a HEAD history",
		*some ? some : "<snapshot id>");
}

/* Findings of the library's metadata checks (config, gc, forgotten). */
static void meta_report(enum vlt_check_severity sev, const char *file,
			const char *msg, void *data)
{
	const char *kind = data;

	if (sev == VLT_CHECK_ERROR) {
		problem(kind, "%s: %s", file, msg);
	} else if (sev == VLT_CHECK_WARNING) {
		warnings++;
		note("warning: %s: %s\n", file, msg);
	} else {
		note("note: %s: %s\n", file, msg);
	}
}

static void check_meta(struct vlt_repo *r)
{
	int rc;

	if (vlt_repo_config_check(vlt_repo_config(r), meta_report,
				  "config") < 0)
		die("cannot check the config: %s", vlt_error_last());
	vlt_error_clear();
	if ((rc = vlt_forgotten_check(r, meta_report, "forgotten")) < 0)
		problem("forgotten", "%s", vlt_error_last());
	if ((rc = vlt_gc_check(r, meta_report, "gc")) < 0)
		problem("gc", "%s", vlt_error_last());
}

static int report_lock(const char *key, const struct vlt_lock_info *info,
		       void *data)
{
	(void)data;
	if (info && vlt_lock_is_stale(info)) {
		warnings++;
		note("warning: stale lock %s (pid %ld on %s is gone); remove it "
		     "with 'vault unlock --remove-stale'\n", key, info->pid,
		     info->host);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "full", no_argument, NULL, 'F' },
		{ "repair", no_argument, NULL, 'R' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct walker w;
	struct refwalk rw;
	struct vlt_repo *r;
	struct vlt_clean_stats dead = { 0, 0, 0 };
	int c;

	cli_init("vault-fsck");
	while ((c = cli_getopt(argc, argv, "q", opts, usage)) != -1) {
		if (c == 'F')
			full = 1;
		else if (c == 'R')
			repair = 1;
		else if (c == 'q')
			quiet = 1;
		else if (c == 'J')
			json = 1;
	}
	if (optind != argc)
		usage_error(usage, "no arguments expected");
	if (json) {
		jproblems = json_array();
		jdamaged = json_array();
	}
	r = cli_open_repo();
	if (repair) {
		uint64_t made, nbad;
		char why[512];

		if (vlt_gc_reindex(r, &made, &nbad, why, sizeof(why)) < 0)
			die("cannot index packs: %s", vlt_error_last());
		if (made)
			note("repaired: %" PRIu64 " pack(s) without an index were "
			     "indexed again from their own contents\n", made);
		if (nbad)
			problem("pack", "%" PRIu64 " pack(s) without an index "
				"cannot be indexed (first: %s)", nbad, why);
	}
	/* what killed writers left: removed, with a note on stderr each */
	if (vlt_repo_clean_dead_writers(r, &dead) < 0)
		problem("lock", "%s", vlt_error_last());
	check_meta(r);
	check_packs(r);

	memset(&w, 0, sizeof(w));
	w.r = r;
	if (vlt_forgotten_load(r, &w.forgotten) < 0)
		problem("forgotten", "%s", vlt_error_last());
	rw.w = &w;
	rw.refs = 0;
	if (vlt_ref_for_each_all(r, check_ref, &rw) < 0)
		problem("ref", "%s", vlt_error_last());
	{
		struct vlt_buf target = VLT_BUF_INIT;
		struct vlt_oid head;

		if (vlt_ref_resolve_name(r, "HEAD", &target) < 0)
			problem("ref", "%s", vlt_error_last());
		else if (!strcmp(target.data, "HEAD") &&
			 vlt_ref_read(r, "HEAD", &head) == 0)
			check_ref("HEAD", &head, &rw);
		else
			check_head_target(r, target.data);
		vlt_buf_release(&target);
	}
	if (vlt_reflog_for_each_name(r, check_orphan_log, r) < 0)
		problem("reflog", "%s", vlt_error_last());
	vlt_lock_for_each(r, report_lock, NULL);
	note("refs: %" PRIu64 ", snapshots: %" PRIu64 ", object references checked: %"
	     PRIu64 "\n", rw.refs, w.snapshots, w.objects);
	if (json) {
		json_t *o = json_object();

		cli_json_set(o, "ok", json_boolean(!problems));
		cli_json_set(o, "full", json_boolean(full));
		cli_json_set(o, "snapshots", json_integer((json_int_t)w.snapshots));
		cli_json_set(o, "objects", json_integer((json_int_t)w.objects));
		cli_json_set(o, "warnings", json_integer((json_int_t)warnings));
		cli_json_set(o, "stale_locks_removed",
			     json_integer((json_int_t)dead.locks));
		cli_json_set(o, "temp_files_removed",
			     json_integer((json_int_t)dead.temps));
		cli_json_set(o, "problems", jproblems);
		cli_json_set(o, "damaged_files", jdamaged);
		cli_json_print(o, 0);
	} else if (problems) {
		fprintf(stderr, "fsck found %" PRIu64 " problem(s); %" PRIu64
			" damaged file(s)\n", problems, w.damaged_files);
	} else {
		note("no damage found\n");
	}
	vlt_oidset_release(&w.clean);
	vlt_oidset_release(&w.seen_snaps);
	vlt_oidset_release(&w.forgotten);
	vlt_oidset_release(&bad);
	vlt_repo_free(r);
	return problems ? VLT_EXIT_NO : 0;
}
