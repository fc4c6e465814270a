/*
 * refs.c - refs: names, reading, compare-and-swap updates, listing and the
 * reflog.
 *
 * Every change follows one protocol (Documentation/format.md, "Refs"):
 * create <ref>.lock with put-if-absent, read the ref again under the lock,
 * compare with the value the caller expects, prepare the reflog
 * (logs/<ref> plus one line), put the new value (an atomic replace), put
 * the reflog (also an atomic replace, safe because only the lock holder
 * writes it), delete the lock. Readers take no lock: every put is atomic,
 * so they see the old value or the new one. An update through a symbolic
 * ref (HEAD) locks the symbolic ref first, then its target, and logs to
 * both. Only the storage backend is used, so this runs unchanged on S3.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "lock.h"
#include "refs.h"

#define MAX_SYMREF_DEPTH 5
#define BRANCH_PREFIX "refs/snapshots/"
#define TAG_PREFIX "refs/tags/"

enum ref_kind {
	REF_MISSING,
	REF_DIRECT,    /* 64 hex digits and a newline */
	REF_SYMBOLIC,  /* "ref: <name>\n" */
};

static int bad_name_char(unsigned char c)
{
	return c < 0x20 || c == 0x7f || (c && strchr(" ~^:?*[\\", c));
}

int vlt_ref_name_valid(const char *name)
{
	const char *p;

	if (!strcmp(name, "HEAD"))
		return 1;
	if (strncmp(name, "refs/", 5) || !name[5])
		return 0;
	/* ".tmp-" marks a backend's temporary files, which are never listed */
	if (strstr(name, "..") || strstr(name, "@{") || strstr(name, ".tmp-"))
		return 0;
	for (p = name;;) {
		const char *end = p + strcspn(p, "/");
		size_t n = (size_t)(end - p);

		if (!n || p[0] == '.' || p[n - 1] == '.' ||
		    (n >= 5 && !memcmp(end - 5, ".lock", 5)))
			return 0;
		for (const char *q = p; q < end; q++)
			if (bad_name_char((unsigned char)*q))
				return 0;
		if (!*end)
			return 1;
		p = end + 1;
	}
}

static int invalid_name(const char *name)
{
	return vlt_error_set(VLT_E_INVALID, "invalid ref name '%s'", name);
}

static int is_lower_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* Exactly 64 lower-case hex digits at p (no terminator needed). */
static int parse_hex_oid(const char *p, struct vlt_oid *oid)
{
	char hex[VLT_OID_HEXSZ + 1];

	if (!is_lower_hex(p, VLT_OID_HEXSZ))
		return -1;
	memcpy(hex, p, VLT_OID_HEXSZ);
	hex[VLT_OID_HEXSZ] = '\0';
	return vlt_oid_from_hex(oid, hex) < 0 ? -1 : 0;
}

static int parse_ref(const char *name, const struct vlt_buf *b,
		     enum ref_kind *kind, struct vlt_oid *oid,
		     struct vlt_buf *target)
{
	const char *d = b->data;
	size_t len = b->len;
	int err;

	if (len == VLT_OID_HEXSZ + 1 && d[VLT_OID_HEXSZ] == '\n' &&
	    parse_hex_oid(d, oid) == 0) {
		*kind = REF_DIRECT;
		return 0;
	}
	if (len > 6 && !memcmp(d, "ref: ", 5) && d[len - 1] == '\n' &&
	    !memchr(d, '\0', len)) {
		if ((err = vlt_buf_set(target, d + 5, len - 6)) < 0)
			return err;
		if (!strncmp(target->data, "refs/", 5) &&
		    vlt_ref_name_valid(target->data)) {
			*kind = REF_SYMBOLIC;
			return 0;
		}
	}
	return vlt_error_set(VLT_E_CORRUPT, "ref %s is corrupt (want 64 hex "
			     "digits and a newline, or \"ref: <name>\")", name);
}

/* One ref's own content; a missing ref is REF_MISSING, not an error. */
static int read_raw(struct vlt_repo *r, const char *name, enum ref_kind *kind,
		    struct vlt_oid *oid, struct vlt_buf *target)
{
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_stat st;
	int err = vlt_backend_get(r->be, name, &b);

	/* a local directory (refs/a for refs/a/b) is no ref: stat says so */
	if (err < 0 && err != VLT_E_NOTFOUND &&
	    vlt_backend_stat(r->be, name, &st) == VLT_E_NOTFOUND)
		err = VLT_E_NOTFOUND;
	if (err == VLT_E_NOTFOUND) {
		vlt_error_clear();
		*kind = REF_MISSING;
		err = 0;
	} else if (err < 0) {
		vlt_error_wrap(err, "cannot read ref %s", name);
	} else {
		err = parse_ref(name, &b, kind, oid, target);
	}
	vlt_buf_release(&b);
	return err;
}

/* Follow symbolic refs from name: final gets the last name of the chain,
 * kind (REF_MISSING or REF_DIRECT) and oid its value. */
static int resolve(struct vlt_repo *r, const char *name, struct vlt_buf *final,
		   enum ref_kind *kind, struct vlt_oid *oid)
{
	struct vlt_buf target = VLT_BUF_INIT;
	int err;

	if ((err = vlt_buf_set(final, name, strlen(name))) < 0)
		return err;
	for (int depth = 0; depth <= MAX_SYMREF_DEPTH; depth++) {
		if ((err = read_raw(r, final->data, kind, oid, &target)) < 0)
			goto done;
		/* init writes HEAD before anything else: it is never absent */
		if (!depth && *kind == REF_MISSING && !strcmp(name, "HEAD")) {
			err = vlt_error_set(VLT_E_CORRUPT, "HEAD is missing (every "
					    "repository has one: it names the "
					    "branch backups go to); recreate it, "
					    "e.g. with printf 'ref: "
					    "refs/snapshots/main\\n' > %s/HEAD "
					    "(or another branch of refs/snapshots/)",
					    r->path);
			goto done;
		}
		if (*kind != REF_SYMBOLIC)
			goto done;
		if ((err = vlt_buf_set(final, target.data, target.len)) < 0)
			goto done;
	}
	err = vlt_error_set(VLT_E_CORRUPT, "ref %s: more than %d levels of "
			    "symbolic refs", name, MAX_SYMREF_DEPTH);
done:
	vlt_buf_release(&target);
	return err;
}

int vlt_ref_read(struct vlt_repo *r, const char *name, struct vlt_oid *out)
{
	struct vlt_buf final = VLT_BUF_INIT;
	enum ref_kind kind;
	int err;

	if (!vlt_ref_name_valid(name))
		return invalid_name(name);
	if ((err = resolve(r, name, &final, &kind, out)) == 0 &&
	    kind == REF_MISSING) {
		if (strcmp(final.data, name))
			err = vlt_error_set(VLT_E_NOTFOUND, "ref %s (-> %s) does "
					    "not exist", name, final.data);
		else
			err = vlt_error_set(VLT_E_NOTFOUND, "ref %s does not "
					    "exist", name);
	}
	vlt_buf_release(&final);
	return err;
}

int vlt_ref_resolve_name(struct vlt_repo *r, const char *name,
			 struct vlt_buf *out)
{
	enum ref_kind kind;
	struct vlt_oid oid;

	if (!vlt_ref_name_valid(name))
		return invalid_name(name);
	return resolve(r, name, out, &kind, &oid);
}

int vlt_ref_dwim(struct vlt_repo *r, const char *shortname,
		 struct vlt_buf *full, struct vlt_oid *oid)
{
	static const char *const rules[] = {
		"%s", "refs/snapshots/%s", "refs/tags/%s", "refs/%s",
	};
	struct vlt_buf cand = VLT_BUF_INIT;
	struct vlt_oid o;
	int err = 0;

	for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
		vlt_buf_reset(&cand);
		if ((err = vlt_buf_addf(&cand, rules[i], shortname)) < 0)
			goto done;
		if (!vlt_ref_name_valid(cand.data))
			continue;
		err = vlt_ref_read(r, cand.data, &o);
		if (err == VLT_E_NOTFOUND)
			continue;
		if (err < 0)
			goto done;
		if (full && (err = vlt_buf_set(full, cand.data, cand.len)) < 0)
			goto done;
		if (oid)
			*oid = o;
		goto done;
	}
	err = vlt_error_set(VLT_E_NOTFOUND, "no ref matches '%s'", shortname);
done:
	vlt_buf_release(&cand);
	return err;
}

static long lock_timeout(struct vlt_repo *r)
{
	int64_t ms = VLT_REF_LOCK_TIMEOUT_DEFAULT;

	if (vlt_config_get_int(&r->config, "core.refLockTimeout", &ms) < 0) {
		vlt_error_clear();
		ms = VLT_REF_LOCK_TIMEOUT_DEFAULT;
	}
	return ms < 0 ? 0 : (long)ms;
}

static int stop_at_first(const char *key, const struct vlt_stat *st,
			 void *data)
{
	(void)key;
	(void)st;
	(void)data;
	return 1;
}

/*
 * A ref cannot be created where it would be both a file and a directory
 * (refs/a and refs/a/b): the local backend could not store it, and S3
 * must refuse it too so a repository moves between them unchanged.
 */
static int check_df(struct vlt_repo *r, const char *name)
{
	struct vlt_buf key = VLT_BUF_INIT;
	struct vlt_stat st;
	int err = 0;

	if (strncmp(name, "refs/", 5))
		return 0;  /* HEAD */
	for (const char *s = strchr(name + 5, '/'); s; s = strchr(s + 1, '/')) {
		if ((err = vlt_buf_set(&key, name, (size_t)(s - name))) < 0)
			goto done;
		err = vlt_backend_stat(r->be, key.data, &st);
		if (err == 0) {
			err = vlt_error_set(VLT_E_EXISTS, "cannot create ref %s: "
					    "ref %s exists", name, key.data);
			goto done;
		}
		if (err != VLT_E_NOTFOUND)
			goto done;
	}
	vlt_buf_reset(&key);
	if ((err = vlt_buf_addf(&key, "%s/", name)) < 0)
		goto done;
	err = vlt_backend_list(r->be, key.data, stop_at_first, NULL);
	if (err == 1)
		err = vlt_error_set(VLT_E_EXISTS, "cannot create ref %s: refs "
				    "exist under %s", name, key.data);
	else if (err == 0)
		vlt_error_clear();
done:
	vlt_buf_release(&key);
	return err;
}

static int lock_ref(struct vlt_repo *r, const char *name, const char *verb,
		    struct vlt_buf *key)
{
	struct vlt_buf what = VLT_BUF_INIT;
	int err;

	vlt_buf_reset(key);
	if ((err = vlt_buf_addf(key, "%s.lock", name)) < 0 ||
	    (err = vlt_buf_addf(&what, "%s %s", verb, name)) < 0)
		goto done;
	err = vlt_lock_key_wait(r, key->data, what.data, lock_timeout(r));
	if (err < 0 && err != VLT_E_LOCKED && err != VLT_E_NOMEM) {
		/* on a local disk, refs/a existing makes refs/a/b.lock fail
		 * as an I/O error: say why instead */
		char *saved = strdup(vlt_error_last());
		int dferr = check_df(r, name);

		if (dferr < 0)
			err = dferr;
		else
			vlt_error_set(err, "cannot lock ref %s: %s", name,
				      saved ? saved : "out of memory");
		free(saved);
	} else if (err < 0) {
		vlt_error_wrap(err, "cannot lock ref %s", name);
	}
done:
	vlt_buf_release(&what);
	return err;
}

/* Release a lock; on an error path, keep the error that got us there. */
static int unlock_ref(struct vlt_repo *r, const char *key, int err)
{
	char *saved;
	int uerr;

	if (err >= 0)
		return vlt_unlock_key(r, key);
	saved = strdup(vlt_error_last());
	uerr = vlt_unlock_key(r, key);
	vlt_error_set(err, "%s%s%s", saved ? saved : "out of memory",
		      uerr < 0 ? "; also: " : "", uerr < 0 ? vlt_error_last() : "");
	free(saved);
	return err;
}

static void sanitize(char *s, int space_ok)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || (!space_ok && *s == ' '))
			*s = space_ok ? ' ' : '_';
}

static int reflog_who(struct vlt_buf *out)
{
	const char *user = getenv("USER");
	char host[256];
	size_t start = out->len;
	int err;

	if (!user || !*user) {
		struct passwd *pw = getpwuid(getuid());

		user = pw ? pw->pw_name : "unknown";
	}
	if (gethostname(host, sizeof(host)) < 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	if ((err = vlt_buf_addf(out, "%s@%s", user, host)) < 0)
		return err;
	sanitize(out->data + start, 0);
	return 0;
}

/* logs/<name> as it will be after this change, in log (key in logkey).
 * Read and checked before anything changes, so a damaged log stops the
 * update instead of being extended. */
static int reflog_prepare(struct vlt_repo *r, const char *name,
			  const struct vlt_oid *old_oid,
			  const struct vlt_oid *new_oid, const char *msg,
			  struct vlt_buf *logkey, struct vlt_buf *log)
{
	size_t start;
	int err;

	vlt_buf_reset(logkey);
	if ((err = vlt_buf_addf(logkey, "logs/%s", name)) < 0)
		return err;
	err = vlt_backend_get(r->be, logkey->data, log);
	if (err == VLT_E_NOTFOUND) {
		vlt_error_clear();
		vlt_buf_reset(log);
	} else if (err < 0) {
		return vlt_error_wrap(err, "cannot read reflog %s", logkey->data);
	} else if (log->len && log->data[log->len - 1] != '\n') {
		return vlt_error_set(VLT_E_CORRUPT, "reflog %s is corrupt (last "
				     "line incomplete)", logkey->data);
	}
	if ((err = vlt_buf_addf(log, "%s %s %lld ", vlt_oid_hex(old_oid),
				vlt_oid_hex(new_oid),
				(long long)time(NULL))) < 0 ||
	    (err = reflog_who(log)) < 0 ||
	    (err = vlt_buf_addch(log, '\t')) < 0)
		return err;
	start = log->len;
	if ((err = vlt_buf_adds(log, msg ? msg : "")) < 0)
		return err;
	sanitize(log->data + start, 1);
	return vlt_buf_addch(log, '\n');
}

static int put_checked(struct vlt_repo *r, const char *key, const char *data,
		       size_t len, const char *what)
{
	int err = vlt_backend_put(r->be, key, data, len);

	if (err < 0)
		vlt_error_wrap(err, "cannot write %s %s", what, key);
	return err;
}

static int check_old(const char *name, int have, const struct vlt_oid *cur,
		     const struct vlt_oid *old)
{
	if (vlt_oid_is_zero(old))
		return have ? vlt_error_set(VLT_E_CONFLICT, "%s already exists "
					    "at %s", name, vlt_oid_hex(cur)) : 0;
	if (!have)
		return vlt_error_set(VLT_E_CONFLICT, "%s does not exist "
				     "(expected %s)", name, vlt_oid_hex(old));
	if (vlt_oid_cmp(cur, old))
		return vlt_error_set(VLT_E_CONFLICT, "%s is at %s, not %s", name,
				     vlt_oid_hex(cur), vlt_oid_hex(old));
	return 0;
}

/*
 * The one path for update (new_oid set) and delete (new_oid NULL). The
 * key whose content changes is `ref`: name itself, or the end of its
 * symbolic chain. have/cur is the value compared with old_oid.
 */
static int ref_change(struct vlt_repo *r, const char *name,
		      const struct vlt_oid *new_oid,
		      const struct vlt_oid *old_oid, const char *msg,
		      unsigned flags)
{
	struct vlt_buf key1 = VLT_BUF_INIT, key2 = VLT_BUF_INIT;
	struct vlt_buf target = VLT_BUF_INIT, final = VLT_BUF_INIT;
	struct vlt_buf logkey = VLT_BUF_INIT, log = VLT_BUF_INIT;
	struct vlt_buf hlogkey = VLT_BUF_INIT, hlog = VLT_BUF_INIT;
	const char *verb = new_oid ? "update" : "delete";
	const char *ref = name;
	enum ref_kind kind;
	struct vlt_oid cur;
	int err, have, present, via_symref = 0;

	if (!vlt_ref_name_valid(name))
		return invalid_name(name);
	if (new_oid && vlt_oid_is_zero(new_oid))
		return vlt_error_set(VLT_E_INVALID, "cannot set ref %s to the "
				     "zero id (delete it instead)", name);
	if ((err = lock_ref(r, name, verb, &key1)) < 0)
		goto out;
	if ((err = read_raw(r, name, &kind, &cur, &target)) < 0)
		goto unlock;
	present = kind != REF_MISSING;
	if (kind == REF_SYMBOLIC) {
		if ((err = resolve(r, target.data, &final, &kind, &cur)) < 0)
			goto unlock;
		if (!(flags & VLT_REF_NO_DEREF)) {
			ref = final.data;
			if ((err = lock_ref(r, ref, verb, &key2)) < 0)
				goto unlock;
			via_symref = 1;
			/* it may have moved before we held its lock */
			if ((err = read_raw(r, ref, &kind, &cur, &target)) < 0)
				goto unlock;
			if (kind == REF_SYMBOLIC) {
				err = vlt_error_set(VLT_E_CONFLICT, "ref %s "
						    "changed while %s was being "
						    "updated", ref, name);
				goto unlock;
			}
			present = kind != REF_MISSING;
		}
	}
	have = kind == REF_DIRECT;
	if (!have)
		vlt_oid_clear(&cur);
	if (old_oid && (err = check_old(name, have, &cur, old_oid)) < 0)
		goto unlock;

	if (!new_oid) {
		if (!present) {
			if (!old_oid)
				err = vlt_error_set(VLT_E_NOTFOUND, "ref %s does "
						    "not exist", name);
			goto unlock;  /* asserted absent and is: done */
		}
		if ((err = vlt_backend_del(r->be, ref)) < 0) {
			vlt_error_wrap(err, "cannot delete ref %s", ref);
			goto unlock;
		}
		vlt_buf_reset(&logkey);
		if ((err = vlt_buf_addf(&logkey, "logs/%s", ref)) < 0)
			goto unlock;
		err = vlt_backend_del(r->be, logkey.data);
		if (err == VLT_E_NOTFOUND) {
			vlt_error_clear();
			err = 0;
		} else if (err < 0) {
			vlt_error_wrap(err, "ref %s deleted, but not its reflog",
				       ref);
		}
		goto unlock;
	}

	if (!present && (err = check_df(r, ref)) < 0)
		goto unlock;
	if ((err = reflog_prepare(r, ref, &cur, new_oid, msg, &logkey,
				  &log)) < 0 ||
	    (via_symref &&
	     (err = reflog_prepare(r, name, &cur, new_oid, msg, &hlogkey,
				   &hlog)) < 0))
		goto unlock;
	{
		char line[VLT_OID_HEXSZ + 2];

		vlt_oid_to_hex(new_oid, line);
		line[VLT_OID_HEXSZ] = '\n';
		line[VLT_OID_HEXSZ + 1] = '\0';
		if ((err = put_checked(r, ref, line, VLT_OID_HEXSZ + 1,
				       "ref")) < 0)
			goto unlock;
	}
	if ((err = put_checked(r, logkey.data, log.data, log.len,
			       "reflog")) < 0 ||
	    (via_symref &&
	     (err = put_checked(r, hlogkey.data, hlog.data, hlog.len,
				"reflog")) < 0))
		vlt_error_wrap(err, "ref %s updated, but", ref);

unlock:
	/* only keys we created: a failed lock_ref is someone else's lock */
	if (via_symref)
		err = unlock_ref(r, key2.data, err);
	err = unlock_ref(r, key1.data, err);
out:
	vlt_buf_release(&key1);
	vlt_buf_release(&key2);
	vlt_buf_release(&target);
	vlt_buf_release(&final);
	vlt_buf_release(&logkey);
	vlt_buf_release(&log);
	vlt_buf_release(&hlogkey);
	vlt_buf_release(&hlog);
	return err;
}

int vlt_ref_update_flags(struct vlt_repo *r, const char *name,
			 const struct vlt_oid *new_oid,
			 const struct vlt_oid *old_oid, const char *msg,
			 unsigned flags)
{
	if (!new_oid)
		return vlt_error_set(VLT_E_INVALID, "update of ref %s without "
				     "a new value", name);
	return ref_change(r, name, new_oid, old_oid, msg, flags);
}

int vlt_ref_update(struct vlt_repo *r, const char *name,
		   const struct vlt_oid *new_oid, const struct vlt_oid *old_oid,
		   const char *msg)
{
	return vlt_ref_update_flags(r, name, new_oid, old_oid, msg, 0);
}

int vlt_ref_delete_flags(struct vlt_repo *r, const char *name,
			 const struct vlt_oid *old_oid, const char *msg,
			 unsigned flags)
{
	return ref_change(r, name, NULL, old_oid, msg, flags);
}

int vlt_ref_delete(struct vlt_repo *r, const char *name,
		   const struct vlt_oid *old_oid, const char *msg)
{
	return ref_change(r, name, NULL, old_oid, msg, 0);
}

int vlt_ref_set_symbolic(struct vlt_repo *r, const char *name,
			 const char *target)
{
	struct vlt_buf key = VLT_BUF_INIT, content = VLT_BUF_INIT;
	struct vlt_stat st;
	int err;

	if (!vlt_ref_name_valid(name))
		return invalid_name(name);
	if (strncmp(target, "refs/", 5) || !vlt_ref_name_valid(target))
		return vlt_error_set(VLT_E_INVALID, "invalid symbolic ref "
				     "target '%s'", target);
	if (!strcmp(name, target))
		return vlt_error_set(VLT_E_INVALID, "ref %s cannot point to "
				     "itself", name);
	if ((err = lock_ref(r, name, "symref", &key)) < 0)
		goto out;
	err = vlt_backend_stat(r->be, name, &st);
	if (err == VLT_E_NOTFOUND)
		err = check_df(r, name);
	if (err < 0 ||
	    (err = vlt_buf_addf(&content, "ref: %s\n", target)) < 0)
		goto unlock;
	err = put_checked(r, name, content.data, content.len, "ref");
unlock:
	err = unlock_ref(r, key.data, err);
out:
	vlt_buf_release(&key);
	vlt_buf_release(&content);
	return err;
}

struct name_list {
	const char *prefix;
	struct vlt_strlist names;
};

static int collect_ref(const char *key, const struct vlt_stat *st, void *data)
{
	struct name_list *l = data;

	(void)st;
	if (strncmp(key, l->prefix, strlen(l->prefix)) ||
	    !vlt_ref_name_valid(key))
		return 0;  /* lock keys, and names outside the prefix */
	return vlt_strlist_add(&l->names, key);
}

int vlt_ref_for_each(struct vlt_repo *r, const char *prefix, vlt_ref_fn fn,
		     void *data)
{
	struct name_list l = { prefix, VLT_STRLIST_INIT };
	struct vlt_buf dir = VLT_BUF_INIT;
	const char *slash = strrchr(prefix, '/');
	int err;

	/* the backend lists directories: list the one holding prefix */
	if (strncmp(prefix, "refs/", 5) || !slash)
		err = vlt_buf_adds(&dir, "refs/");
	else
		err = vlt_buf_add(&dir, prefix, (size_t)(slash - prefix) + 1);
	if (err < 0 ||
	    (err = vlt_backend_list(r->be, dir.data, collect_ref, &l)) < 0)
		goto done;
	vlt_strlist_sort(&l.names);
	for (size_t i = 0; i < l.names.nr; i++) {
		struct vlt_oid oid;

		err = vlt_ref_read(r, l.names.v[i], &oid);
		if (err == VLT_E_NOTFOUND) {
			/* deleted since listed, or a dangling symbolic ref */
			vlt_error_clear();
			err = 0;
			continue;
		}
		if (err < 0 || (err = fn(l.names.v[i], &oid, data)) != 0)
			break;
	}
done:
	vlt_strlist_release(&l.names);
	vlt_buf_release(&dir);
	return err;
}

int vlt_ref_branch_name(struct vlt_buf *out, const char *shortname)
{
	vlt_buf_reset(out);
	return vlt_buf_addf(out, BRANCH_PREFIX "%s", shortname);
}

int vlt_ref_tag_name(struct vlt_buf *out, const char *shortname)
{
	vlt_buf_reset(out);
	return vlt_buf_addf(out, TAG_PREFIX "%s", shortname);
}

const char *vlt_ref_shorten(const char *full, enum vlt_ref_kind *kind)
{
	enum vlt_ref_kind k = VLT_REF_OTHER;
	const char *s = full;

	if (!strncmp(full, BRANCH_PREFIX, strlen(BRANCH_PREFIX))) {
		k = VLT_REF_BRANCH;
		s = full + strlen(BRANCH_PREFIX);
	} else if (!strncmp(full, TAG_PREFIX, strlen(TAG_PREFIX))) {
		k = VLT_REF_TAG;
		s = full + strlen(TAG_PREFIX);
	}
	if (kind)
		*kind = k;
	return s;
}

struct short_each {
	vlt_ref_fn fn;
	void *data;
};

static int call_short(const char *name, const struct vlt_oid *oid, void *data)
{
	struct short_each *se = data;

	return se->fn(vlt_ref_shorten(name, NULL), oid, se->data);
}

int vlt_tag_for_each(struct vlt_repo *r, vlt_ref_fn fn, void *data)
{
	struct short_each se = { fn, data };

	return vlt_ref_for_each(r, TAG_PREFIX, call_short, &se);
}

int vlt_branch_for_each(struct vlt_repo *r, vlt_ref_fn fn, void *data)
{
	struct short_each se = { fn, data };

	return vlt_ref_for_each(r, BRANCH_PREFIX, call_short, &se);
}

int vlt_ref_for_each_all(struct vlt_repo *r, vlt_ref_fn fn, void *data)
{
	return vlt_ref_for_each(r, "refs/", fn, data);
}

void vlt_reflog_free(struct vlt_reflog_entry *e, size_t nr)
{
	for (size_t i = 0; e && i < nr; i++) {
		free(e[i].who);
		free(e[i].msg);
	}
	free(e);
}

static int parse_reflog_line(const char *p, size_t n,
			     struct vlt_reflog_entry *e)
{
	const char *q, *sp, *end = p + n, *tab;
	char num[24];
	size_t len;
	char *ep;

	if (n < 2 * VLT_OID_HEXSZ + 4 || memchr(p, '\0', n) ||
	    parse_hex_oid(p, &e->old_oid) < 0 || p[VLT_OID_HEXSZ] != ' ' ||
	    parse_hex_oid(p + VLT_OID_HEXSZ + 1, &e->new_oid) < 0 ||
	    p[2 * VLT_OID_HEXSZ + 1] != ' ')
		return -1;
	q = p + 2 * VLT_OID_HEXSZ + 2;
	if (!(sp = memchr(q, ' ', (size_t)(end - q))))
		return -1;
	len = (size_t)(sp - q);
	if (!len || len >= sizeof(num))
		return -1;
	memcpy(num, q, len);
	num[len] = '\0';
	e->time = strtoll(num, &ep, 10);
	if (*ep || (num[0] != '-' && (num[0] < '0' || num[0] > '9')))
		return -1;
	q += len + 1;
	if (!(tab = memchr(q, '\t', (size_t)(end - q))))
		return -1;
	e->who = strndup(q, (size_t)(tab - q));
	e->msg = strndup(tab + 1, (size_t)(end - tab - 1));
	return 0;
}

int vlt_reflog_read(struct vlt_repo *r, const char *name,
		    struct vlt_reflog_entry **out, size_t *nr)
{
	struct vlt_buf key = VLT_BUF_INIT, b = VLT_BUF_INIT;
	struct vlt_reflog_entry *v = NULL;
	size_t n = 0, alloc = 0, lineno = 0;
	const char *p, *end;
	int err;

	*out = NULL;
	*nr = 0;
	if (!vlt_ref_name_valid(name))
		return invalid_name(name);
	if ((err = vlt_buf_addf(&key, "logs/%s", name)) < 0)
		goto done;
	err = vlt_backend_get(r->be, key.data, &b);
	if (err == VLT_E_NOTFOUND) {
		vlt_error_clear();
		err = 0;
		goto done;
	}
	if (err < 0)
		goto done;
	for (p = b.data, end = b.data + b.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		lineno++;
		if ((err = VLT_ALLOC_GROW(v, n + 1, alloc)) < 0) {
			vlt_error_set(err, "out of memory");
			goto done;
		}
		memset(&v[n], 0, sizeof(v[n]));
		if (!nl || parse_reflog_line(p, (size_t)(nl - p), &v[n]) < 0) {
			n++;
			err = vlt_error_set(VLT_E_CORRUPT, "reflog %s line %zu "
					    "is corrupt", key.data, lineno);
			goto done;
		}
		if (!v[n++].msg || !v[n - 1].who) {
			err = vlt_error_set(VLT_E_NOMEM, "out of memory");
			goto done;
		}
		p = nl + 1;
	}
	*out = v;
	*nr = n;
	v = NULL;
done:
	if (v)
		vlt_reflog_free(v, n);
	vlt_buf_release(&key);
	vlt_buf_release(&b);
	return err;
}

/* --- tags ---------------------------------------------------------------- */

#define TAG_MESSAGE "tag message: "

int vlt_tag_set(struct vlt_repo *r, const char *name,
		const struct vlt_oid *oid, const struct vlt_oid *old_oid,
		const char *message)
{
	struct vlt_buf ref = VLT_BUF_INIT, msg = VLT_BUF_INIT;
	int err;

	if ((err = vlt_buf_addf(&ref, "refs/tags/%s", name)) < 0)
		goto done;
	if (!vlt_ref_name_valid(ref.data)) {
		err = vlt_error_set(VLT_E_INVALID, "'%s' is not a valid tag name",
				    name);
		goto done;
	}
	if (message) {
		/* escaped as snapshot meta values are, so that the message
		 * comes back whole from its one reflog line */
		err = vlt_buf_adds(&msg, TAG_MESSAGE);
		for (const char *p = message; *p && err == 0; p++) {
			if (*p == '\\')
				err = vlt_buf_adds(&msg, "\\\\");
			else if (*p == '\n')
				err = vlt_buf_adds(&msg, "\\n");
			else if (*p == '\t')
				err = vlt_buf_adds(&msg, "\\t");
			else
				err = vlt_buf_addch(&msg, *p);
		}
	} else {
		err = vlt_buf_addf(&msg, "tag: set %s", name);
	}
	if (err == 0)
		err = vlt_ref_update(r, ref.data, oid, old_oid, msg.data);
done:
	vlt_buf_release(&ref);
	vlt_buf_release(&msg);
	return err;
}

int vlt_tag_message(struct vlt_repo *r, const char *name, struct vlt_buf *out)
{
	struct vlt_reflog_entry *e = NULL;
	struct vlt_buf ref = VLT_BUF_INIT;
	struct vlt_oid cur;
	size_t nr = 0;
	int err;

	if ((err = vlt_buf_addf(&ref, "refs/tags/%s", name)) < 0 ||
	    (err = vlt_ref_read(r, ref.data, &cur)) < 0 ||
	    (err = vlt_reflog_read(r, ref.data, &e, &nr)) < 0)
		goto done;
	/* the entry that set today's value, if it carried a message */
	if (nr && !vlt_oid_cmp(&e[nr - 1].new_oid, &cur) &&
	    !strncmp(e[nr - 1].msg, TAG_MESSAGE, strlen(TAG_MESSAGE))) {
		const char *p = e[nr - 1].msg + strlen(TAG_MESSAGE);

		vlt_buf_reset(out);
		for (err = 0; *p && err == 0; p++) {
			if (*p == '\\' && (p[1] == 'n' || p[1] == 't' ||
					    p[1] == '\\')) {
				p++;
				err = vlt_buf_addch(out, *p == 'n' ? '\n' :
						    *p == 't' ? '\t' : '\\');
			} else {
				err = vlt_buf_addch(out, *p);
			}
		}
		if (err == 0 && !out->data)
			err = vlt_buf_adds(out, "");
		if (err == 0)
			err = 1;
	}
done:
	vlt_reflog_free(e, nr);
	vlt_buf_release(&ref);
	return err;
}

struct log_list {
	struct vlt_strlist names;
};

static int collect_log(const char *key, const struct vlt_stat *st, void *data)
{
	struct log_list *l = data;

	(void)st;
	if (strncmp(key, "logs/", 5) || !vlt_ref_name_valid(key + 5))
		return 0;  /* temporary files, stray keys */
	return vlt_strlist_add(&l->names, key + 5);
}

int vlt_reflog_for_each_name(struct vlt_repo *r, vlt_reflog_name_fn fn,
			     void *data)
{
	struct log_list l = { VLT_STRLIST_INIT };
	int err = vlt_backend_list(r->be, "logs/", collect_log, &l);

	if (err == VLT_E_NOTFOUND) {
		vlt_error_clear();
		err = 0;
	}
	if (err < 0)
		goto done;
	vlt_strlist_sort(&l.names);
	for (size_t i = 0; i < l.names.nr; i++)
		if ((err = fn(l.names.v[i], data)) != 0)
			break;
done:
	vlt_strlist_release(&l.names);
	return err;
}

int vlt_ref_exists(struct vlt_repo *r, const char *name)
{
	struct vlt_buf key = VLT_BUF_INIT;
	struct vlt_stat st;
	int err;

	if (!vlt_ref_name_valid(name))
		return invalid_name(name);
	if ((err = vlt_buf_adds(&key, name)) == 0)
		err = vlt_backend_stat(r->be, key.data, &st);
	vlt_buf_release(&key);
	if (err == VLT_E_NOTFOUND) {
		vlt_error_clear();
		return 0;
	}
	return err < 0 ? err : 1;
}
