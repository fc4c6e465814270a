/*
 * repo.c - creating, opening and discovering repositories (see repo.h).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "gc.h"
#include "odb.h"
#include "repo.h"

void vlt_init_opts_default(struct vlt_init_opts *o)
{
	memset(o, 0, sizeof(*o));
	vlt_chunker_params_default(&o->chunking, VLT_CHUNKER_FASTCDC);
	o->codec = VLT_CODEC_ZSTD;
	o->level = 1;
	o->pack_target = VLT_PACK_TARGET_DEFAULT;
	o->persona = getenv("VAULT_PERSONA");
	if (o->persona && !*o->persona)
		o->persona = NULL;
}

/* The keys a persona's profile adds to init's config (format.md section
 * 2). The game profile's chunk and pack sizes are init options (the
 * front end passes them) so that the user's own options win. */
static const struct {
	const char *persona, *key, *value;
} profile_keys[] = {
	{ "creative", "creative.visualDiff", "true" },
	{ "game", "attributes.defaults", "game" },
};

int vlt_repo_persona_check(const char *name)
{
	if (!strcmp(name, "creative") || !strcmp(name, "game"))
		return 0;
	return vlt_error_set(VLT_E_INVALID, "unknown persona '%s' (creative "
			     "or game)", name);
}

/* core.persona and the persona's profile keys into cfg */
static int set_profile(struct vlt_config *cfg, const char *persona)
{
	int err;

	if ((err = vlt_config_set(cfg, "core.persona", persona)) < 0)
		return err;
	for (size_t i = 0; i < sizeof(profile_keys) / sizeof(*profile_keys); i++)
		if (!strcmp(profile_keys[i].persona, persona) &&
		    (err = vlt_config_set(cfg, profile_keys[i].key,
					  profile_keys[i].value)) < 0)
			return err;
	return 0;
}

static int abs_path(const char *path, struct vlt_buf *out)
{
	char *real = realpath(path, NULL);

	if (!real)
		return vlt_error_set(errno == ENOENT ? VLT_E_NOTFOUND : VLT_E_IO,
				     "%s: %s", path, strerror(errno));
	vlt_buf_reset(out);
	int err = vlt_buf_adds(out, real);

	free(real);
	return err;
}

/* 1 if path has no entries (or does not exist). */
static int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int empty = 1;

	if (!d)
		return 1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

static int load_settings(struct vlt_repo *r)
{
	const char *v;
	int64_t ver = 0, level = r->level;
	uint64_t n;

	if ((v = vlt_config_get(&r->config, "core.formatversion")) == NULL)
		return vlt_error_set(VLT_E_CORRUPT, "%s/config: no core.formatVersion",
				     r->path);
	VLT_TRY(vlt_config_get_int(&r->config, "core.formatversion", &ver));
	if (ver != VLT_FORMAT_VERSION)
		return vlt_error_set(VLT_E_UNSUPPORTED, "repository format version "
				     "%lld is not supported (this vault reads %d)",
				     (long long)ver, VLT_FORMAT_VERSION);
	v = vlt_config_get(&r->config, "core.objecthash");
	if (vlt_idfn_parse(&r->idfn, v ? v : "sha256") < 0)
		return vlt_error_wrap(VLT_E_UNSUPPORTED, "config core.objectHash");
	v = vlt_config_get(&r->config, "core.seal");
	if (vlt_sealer_parse(&r->sealer, v ? v : "none") < 0)
		return vlt_error_wrap(VLT_E_UNSUPPORTED, "config core.seal");
	if ((v = vlt_config_get(&r->config, "core.sharedrepository")) != NULL)
		VLT_TRY(vlt_repo_shared_parse(v, &r->be->shared_group));
	v = vlt_config_get(&r->config, "core.id");
	snprintf(r->id, sizeof(r->id), "%s", v ? v : "");

	vlt_chunker_params_default(&r->chunking, VLT_CHUNKER_FASTCDC);
	if ((v = vlt_config_get(&r->config, "chunker.algo")) != NULL) {
		VLT_TRY(vlt_chunker_algo_parse(v, &r->chunking.algo));
		vlt_chunker_params_default(&r->chunking, r->chunking.algo);
	}
	n = r->chunking.min;
	VLT_TRY(vlt_config_get_size(&r->config, "chunker.min", &n));
	if (n > UINT32_MAX)
		return vlt_error_set(VLT_E_INVALID, "config chunker.min: %llu "
				     "is too large", (unsigned long long)n);
	r->chunking.min = (uint32_t)n;
	n = r->chunking.avg;
	VLT_TRY(vlt_config_get_size(&r->config, "chunker.avg", &n));
	if (n > UINT32_MAX)
		return vlt_error_set(VLT_E_INVALID, "config chunker.avg: %llu "
				     "is too large", (unsigned long long)n);
	r->chunking.avg = (uint32_t)n;
	n = r->chunking.max;
	VLT_TRY(vlt_config_get_size(&r->config, "chunker.max", &n));
	if (n > UINT32_MAX)
		return vlt_error_set(VLT_E_INVALID, "config chunker.max: %llu "
				     "is too large", (unsigned long long)n);
	r->chunking.max = (uint32_t)n;
	{
		struct vlt_chunker c;

		if (vlt_chunker_init(&c, &r->chunking) < 0)
			return vlt_error_wrap(VLT_E_INVALID, "config chunker");
	}
	r->codec = VLT_CODEC_ZSTD;
	if ((v = vlt_config_get(&r->config, "compression.algo")) != NULL)
		VLT_TRY(vlt_codec_parse(v, &r->codec));
	level = r->codec == VLT_CODEC_ZLIB ? 6 : 1;
	VLT_TRY(vlt_config_get_int(&r->config, "compression.level", &level));
	r->level = (int)level;
	{
		struct vlt_compressor cz;
		int err = vlt_compressor_init(&cz, r->codec, r->level);

		vlt_compressor_release(&cz);
		if (err < 0)
			return vlt_error_wrap(err, "config compression");
	}
	r->pack_target = VLT_PACK_TARGET_DEFAULT;
	VLT_TRY(vlt_config_get_size(&r->config, "pack.size", &r->pack_target));
	if (r->pack_target < 4096 || r->pack_target > 1ull << 30)
		return vlt_error_set(VLT_E_INVALID, "config pack.size must be "
				     "between 4k and 1g");
	r->verify_reads = 1;
	return 0;
}

static struct vlt_repo *repo_alloc(const char *path)
{
	struct vlt_repo *r = calloc(1, sizeof(*r));

	if (!r || !(r->path = strdup(path))) {
		free(r);
		vlt_error_set(VLT_E_NOMEM, "out of memory");
		return NULL;
	}
	vlt_config_init(&r->config);
	return r;
}

/* Set worktree when the repository directory is named ".vault". */
static int set_worktree(struct vlt_repo *r)
{
	size_t n = strlen(r->path);

	if (n >= 7 && !strcmp(r->path + n - 7, "/.vault")) {
		r->worktree = strndup(r->path, n == 7 ? 1 : n - 7);
		if (!r->worktree)
			return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	return 0;
}

int vlt_repo_open(const char *path, struct vlt_repo **out)
{
	struct vlt_buf abs = VLT_BUF_INIT, cfg = VLT_BUF_INIT;
	struct vlt_repo *r = NULL;
	int err;

	if ((err = abs_path(path, &abs)) < 0)
		goto fail;
	if (!(r = repo_alloc(abs.data))) {
		err = VLT_E_NOMEM;
		goto fail;
	}
	if ((err = set_worktree(r)) < 0 ||
	    (err = vlt_backend_local_open(r->path, &r->be)) < 0)
		goto fail;
	err = vlt_backend_get(r->be, "config", &cfg);
	if (err == VLT_E_NOTFOUND) {
		struct stat st;
		size_t n = strlen(path);

		/* a project folder given where its repository was meant */
		vlt_buf_reset(&cfg);
		while (n > 1 && path[n - 1] == '/')
			n--;
		if ((err = vlt_buf_addf(&cfg, "%s/.vault/config", r->path)) == 0 &&
		    stat(cfg.data, &st) == 0)
			err = vlt_error_set(VLT_E_NOTFOUND, "%s is not a vault "
					    "repository (no config); did you "
					    "mean %.*s/.vault?", r->path,
					    (int)n, path);
		else
			err = vlt_error_set(VLT_E_NOTFOUND, "%s is not a vault "
					    "repository (no config)", r->path);
		goto fail;
	}
	if (err < 0 ||
	    (err = vlt_config_parse(&r->config, cfg.data, cfg.len, "config")) < 0 ||
	    (err = load_settings(r)) < 0 ||
	    (err = vlt_odb_open(r)) < 0)
		goto fail;
	*out = r;
	goto done;
fail:
	if (err != VLT_E_NOMEM && r)
		vlt_error_wrap(err, "cannot open repository %s", r->path);
	vlt_repo_free(r);
done:
	vlt_buf_release(&abs);
	vlt_buf_release(&cfg);
	return err;
}

int vlt_repo_init(const char *path, const struct vlt_init_opts *o,
		  struct vlt_repo **out)
{
	struct vlt_buf dir = VLT_BUF_INIT, text = VLT_BUF_INIT;
	struct vlt_config cfg;
	struct vlt_backend *be = NULL;
	unsigned char rnd[16];
	char id[33], num[32];
	int err;

	vlt_config_init(&cfg);
	if (o->persona && vlt_repo_persona_check(o->persona) < 0) {
		err = vlt_error_set(VLT_E_INVALID, "VAULT_PERSONA is '%s', not "
				    "creative or game", o->persona);
		goto done;
	}
	if (o->bare) {
		struct stat st;

		if (stat(path, &st) == 0 && !dir_is_empty(path)) {
			char cfgpath[PATH_MAX];

			snprintf(cfgpath, sizeof(cfgpath), "%s/config", path);
			err = access(cfgpath, F_OK) == 0 ?
			      vlt_error_set(VLT_E_EXISTS, "%s is already a vault "
					    "repository", path) :
			      vlt_error_set(VLT_E_EXISTS, "%s exists and is not "
					    "empty", path);
			goto done;
		}
		if ((err = vlt_mkdir_p(path, 0755)) < 0 ||
		    (err = vlt_buf_adds(&dir, path)) < 0)
			goto done;
	} else if ((err = vlt_buf_addf(&dir, "%s/.vault", path)) < 0 ||
		   (err = vlt_mkdir_p(dir.data, 0755)) < 0) {
		goto done;
	}
	/* the repository folder: private, or the group's (setgid, so what
	 * is created inside keeps the group) */
	if (chmod(dir.data, o->shared_group ? VLT_REPO_DIR_MODE_GROUP :
		  VLT_REPO_DIR_MODE) < 0) {
		err = vlt_error_set(VLT_E_IO, "chmod %s: %s", dir.data,
				    strerror(errno));
		goto done;
	}
	if ((err = vlt_backend_local_open(dir.data, &be)) < 0)
		goto done;
	be->shared_group = o->shared_group;
	{
		struct vlt_stat st;

		if (vlt_backend_stat(be, "config", &st) == 0) {
			err = vlt_error_set(VLT_E_EXISTS, "%s is already a vault "
					    "repository", dir.data);
			goto done;
		}
	}
	if ((err = vlt_random_bytes(rnd, sizeof(rnd))) < 0)
		goto done;
	for (int i = 0; i < 16; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	snprintf(num, sizeof(num), "%d", VLT_FORMAT_VERSION);
	if ((err = vlt_config_set(&cfg, "core.formatVersion", num)) < 0 ||
	    (err = vlt_config_set(&cfg, "core.id", id)) < 0 ||
	    (err = vlt_config_set(&cfg, "core.objectHash", "sha256")) < 0 ||
	    (err = vlt_config_set(&cfg, "core.seal", "none")) < 0 ||
	    (o->shared_group &&
	     (err = vlt_config_set(&cfg, "core.sharedRepository", "group")) < 0) ||
	    (err = vlt_config_set(&cfg, "chunker.algo",
				  vlt_chunker_algo_name(o->chunking.algo))) < 0)
		goto done;
	snprintf(num, sizeof(num), "%u", o->chunking.min);
	if ((err = vlt_config_set(&cfg, "chunker.min", num)) < 0)
		goto done;
	snprintf(num, sizeof(num), "%u", o->chunking.avg);
	if ((err = vlt_config_set(&cfg, "chunker.avg", num)) < 0)
		goto done;
	snprintf(num, sizeof(num), "%u", o->chunking.max);
	if ((err = vlt_config_set(&cfg, "chunker.max", num)) < 0 ||
	    (err = vlt_config_set(&cfg, "compression.algo",
				  vlt_codec_name(o->codec))) < 0)
		goto done;
	snprintf(num, sizeof(num), "%d", o->level);
	if ((err = vlt_config_set(&cfg, "compression.level", num)) < 0)
		goto done;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)o->pack_target);
	if ((err = vlt_config_set(&cfg, "pack.size", num)) < 0 ||
	    (o->persona && (err = set_profile(&cfg, o->persona)) < 0) ||
	    (err = vlt_config_format(&cfg, &text)) < 0)
		goto done;
	/* HEAD first: a repository is recognised by its config */
	if ((err = vlt_backend_put(be, "HEAD", "ref: refs/snapshots/main\n",
				   25)) < 0)
		goto done;
	err = vlt_backend_put_if_absent(be, "config", text.data, text.len);
	if (err == VLT_E_EXISTS)
		err = vlt_error_set(VLT_E_EXISTS, "%s is already a vault "
				    "repository", dir.data);
	if (err < 0)
		goto done;
	vlt_backend_free(be);
	be = NULL;
	if (out)
		err = vlt_repo_open(dir.data, out);
done:
	vlt_backend_free(be);
	vlt_config_release(&cfg);
	vlt_buf_release(&dir);
	vlt_buf_release(&text);
	return err;
}

int vlt_repo_discover(const char *start, struct vlt_repo **out)
{
	const char *env = getenv("VAULT_DIR");
	struct vlt_buf cur = VLT_BUF_INIT, probe = VLT_BUF_INIT;
	int err;

	if (env && *env)
		return vlt_repo_open(env, out);
	if ((err = abs_path(start ? start : ".", &cur)) < 0)
		goto done;
	for (;;) {
		struct stat st;
		char *slash;

		vlt_buf_reset(&probe);
		if ((err = vlt_buf_addf(&probe, "%s%s.vault/config",
					cur.data, cur.len > 1 ? "/" : "")) < 0)
			goto done;
		if (stat(probe.data, &st) == 0) {
			vlt_buf_setlen(&probe, probe.len - 7);
			err = vlt_repo_open(probe.data, out);
			goto done;
		}
		if (cur.len <= 1)
			break;
		slash = strrchr(cur.data, '/');
		vlt_buf_setlen(&cur, slash == cur.data ? 1 : (size_t)(slash - cur.data));
	}
	err = vlt_error_set(VLT_E_NOTFOUND, "not a vault repository (or any "
			    "parent up to /); run 'vault init' or use --repo");
done:
	vlt_buf_release(&cur);
	vlt_buf_release(&probe);
	return err;
}

void vlt_repo_free(struct vlt_repo *r)
{
	if (!r)
		return;
	if (r->odb) {
		vlt_odb_flush(r);
		vlt_odb_close(r);
	}
	vlt_backend_free(r->be);
	vlt_config_release(&r->config);
	free(r->path);
	free(r->worktree);
	free(r);
}

const char *vlt_repo_path(const struct vlt_repo *r)
{
	return r->path;
}

const char *vlt_repo_worktree(const struct vlt_repo *r)
{
	return r->worktree;
}

struct vlt_config *vlt_repo_config(struct vlt_repo *r)
{
	return &r->config;
}

const struct vlt_idfn *vlt_repo_idfn(const struct vlt_repo *r)
{
	return &r->idfn;
}

const struct vlt_chunker_params *vlt_repo_chunking(const struct vlt_repo *r)
{
	return &r->chunking;
}

const struct vlt_sealer *vlt_repo_sealer(const struct vlt_repo *r)
{
	return &r->sealer;
}

int vlt_repo_config_save(struct vlt_repo *r)
{
	struct vlt_buf text = VLT_BUF_INIT;
	int err;

	if ((err = vlt_config_format(&r->config, &text)) == 0)
		err = vlt_backend_put(r->be, "config", text.data, text.len);
	vlt_buf_release(&text);
	return err;
}

int vlt_repo_cache_dir(struct vlt_repo *r, const char *sub, struct vlt_buf *out)
{
	vlt_buf_reset(out);
	VLT_TRY(vlt_buf_addf(out, "%s/cache/%s", r->path, sub));
	return vlt_mkdir_p(out->data, 0700);
}

int vlt_repo_shared_parse(const char *v, int *group)
{
	if (!strcasecmp(v, "group") || !strcasecmp(v, "true") ||
	    !strcmp(v, "1")) {
		*group = 1;
		return 0;
	}
	if (!strcasecmp(v, "false") || !strcasecmp(v, "private") ||
	    !strcasecmp(v, "umask") || !strcmp(v, "0")) {
		*group = 0;
		return 0;
	}
	return vlt_error_set(VLT_E_INVALID, "config core.sharedRepository: '%s' "
			     "is not group or private", v);
}

/* --- checking the config (fsck) ------------------------------------------ */

static const char *const own_sections[] = {
	"core", "chunker", "compression", "pack", "gc", "creative",
	"attributes",
};

/* Every key vault reads, as format.md section 2 spells it. */
static const char *const known_keys[] = {
	"core.formatVersion", "core.id", "core.objectHash", "core.seal",
	"core.refLockTimeout", "core.sharedRepository", "chunker.algo",
	"chunker.min", "chunker.avg",
	"chunker.max", "compression.algo", "compression.level", "pack.size",
	"gc.reflogExpire", "core.persona", "creative.visualDiff",
	"creative.thumbnails",
	"attributes.defaults",
};

struct cfg_check {
	vlt_check_fn fn;
	void *data;
	int errors;
};

static void cfg_bad(struct cfg_check *cc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void cfg_bad(struct cfg_check *cc, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cc->errors++;
	cc->fn(VLT_CHECK_ERROR, "config", msg, cc->data);
}

/* 1 if key's section (without subsection) is one of vault's own. */
static int own_section(const char *key)
{
	const char *dot = strchr(key, '.');
	size_t n = dot ? (size_t)(dot - key) : strlen(key);

	if (!dot || strchr(dot + 1, '.'))
		return 0;  /* [section "sub"]: not vault's */
	for (size_t i = 0; i < sizeof(own_sections) / sizeof(*own_sections); i++)
		if (strlen(own_sections[i]) == n &&
		    !strncasecmp(own_sections[i], key, n))
			return 1;
	return 0;
}

/* The size at key into *n (left alone when absent); 0, or -1 reported. */
static int cfg_size(struct cfg_check *cc, const struct vlt_config *c,
		    const char *key, uint64_t *n)
{
	if (vlt_config_get_size(c, key, n) == 0)
		return 0;
	cfg_bad(cc, "%s", vlt_error_last());
	vlt_error_clear();
	return -1;
}

int vlt_repo_config_check(const struct vlt_config *c, vlt_check_fn fn,
			  void *data)
{
	struct cfg_check cc = { fn, data, 0 };
	const char *v;
	int64_t n;

	for (size_t i = 0; i < c->nr; i++) {
		const char *k = c->entries[i].key;
		int known = 0;

		if (!own_section(k))
			continue;
		for (size_t j = 0; j < sizeof(known_keys) / sizeof(*known_keys); j++)
			known |= !strcasecmp(known_keys[j], k);
		if (!known)
			cfg_bad(&cc, "unknown key '%s' (= '%s') in vault's own "
				"section: a damaged or misspelt key, whose value "
				"vault ignores", k, c->entries[i].value);
	}

	/* core */
	if (!(v = vlt_config_get(c, "core.formatVersion")))
		cfg_bad(&cc, "no core.formatVersion");
	else if (vlt_config_get_int(c, "core.formatVersion", &n) < 0 ||
		 n != VLT_FORMAT_VERSION)
		cfg_bad(&cc, "core.formatVersion is '%s' (this vault reads %d)",
			v, VLT_FORMAT_VERSION);
	if (!(v = vlt_config_get(c, "core.id"))) {
		cfg_bad(&cc, "no core.id (init writes a random 32-digit hex id)");
	} else {
		size_t len = strlen(v);
		int hex = len == 32;

		for (size_t i = 0; i < len && hex; i++)
			hex = (v[i] >= '0' && v[i] <= '9') ||
			      (v[i] >= 'a' && v[i] <= 'f');
		if (!hex)
			cfg_bad(&cc, "core.id is '%s', not 32 lower-case hex "
				"digits", v);
	}
	{
		struct vlt_idfn idfn;
		struct vlt_sealer sealer;

		v = vlt_config_get(c, "core.objectHash");
		if (vlt_idfn_parse(&idfn, v ? v : "sha256") < 0)
			cfg_bad(&cc, "core.objectHash: %s", vlt_error_last());
		v = vlt_config_get(c, "core.seal");
		if (vlt_sealer_parse(&sealer, v ? v : "none") < 0)
			cfg_bad(&cc, "core.seal: %s", vlt_error_last());
	}
	if ((v = vlt_config_get(c, "core.sharedrepository")) != NULL) {
		int group;

		if (vlt_repo_shared_parse(v, &group) < 0) {
			cfg_bad(&cc, "%s", vlt_error_last());
			vlt_error_clear();
		}
	}
	if ((v = vlt_config_get(c, "core.refLockTimeout")) &&
	    (vlt_config_get_int(c, "core.refLockTimeout", &n) < 0 || n < 0))
		cfg_bad(&cc, "core.refLockTimeout is '%s', not a number of "
			"milliseconds", v);

	if ((v = vlt_config_get(c, "core.persona")) &&
	    vlt_repo_persona_check(v) < 0)
		cfg_bad(&cc, "core.persona: %s", vlt_error_last());

	/* chunker: the sizes only mean something with a valid algo */
	{
		struct vlt_chunker_params p;
		struct vlt_chunker ch;
		uint64_t min, avg, max;
		int ok = 1;

		vlt_chunker_params_default(&p, VLT_CHUNKER_FASTCDC);
		if ((v = vlt_config_get(c, "chunker.algo"))) {
			if (vlt_chunker_algo_parse(v, &p.algo) < 0) {
				cfg_bad(&cc, "chunker.algo: %s", vlt_error_last());
				ok = 0;
			} else {
				vlt_chunker_params_default(&p, p.algo);
			}
		}
		min = p.min, avg = p.avg, max = p.max;
		ok &= cfg_size(&cc, c, "chunker.min", &min) == 0;
		ok &= cfg_size(&cc, c, "chunker.avg", &avg) == 0;
		ok &= cfg_size(&cc, c, "chunker.max", &max) == 0;
		if (ok && (min > UINT32_MAX || avg > UINT32_MAX || max > UINT32_MAX)) {
			cfg_bad(&cc, "chunker sizes %" PRIu64 "/%" PRIu64 "/%"
				PRIu64 " exceed the limit of %u bytes", min, avg,
				max, VLT_CHUNK_SIZE_MAX);
			ok = 0;
		}
		p.min = (uint32_t)min, p.avg = (uint32_t)avg, p.max = (uint32_t)max;
		if (ok && vlt_chunker_init(&ch, &p) < 0)
			cfg_bad(&cc, "chunker.min/avg/max = %" PRIu64 "/%" PRIu64
				"/%" PRIu64 ": %s", min, avg, max, vlt_error_last());
	}

	/* compression */
	{
		enum vlt_codec codec = VLT_CODEC_ZSTD;
		struct vlt_compressor cz;
		int ok = 1;

		if ((v = vlt_config_get(c, "compression.algo")) &&
		    vlt_codec_parse(v, &codec) < 0) {
			cfg_bad(&cc, "compression.algo: %s", vlt_error_last());
			ok = 0;
		}
		n = codec == VLT_CODEC_ZLIB ? 6 : 1;
		if (vlt_config_get_int(c, "compression.level", &n) < 0) {
			cfg_bad(&cc, "%s", vlt_error_last());
			ok = 0;
		} else if (n < INT_MIN || n > INT_MAX) {
			cfg_bad(&cc, "compression.level %" PRId64 " is out of "
				"range", n);
			ok = 0;
		}
		if (ok) {
			if (vlt_compressor_init(&cz, codec, (int)n) < 0)
				cfg_bad(&cc, "compression %s level %" PRId64 ": %s",
					vlt_codec_name(codec), n, vlt_error_last());
			vlt_compressor_release(&cz);
		}
	}

	/* pack */
	{
		uint64_t size = VLT_PACK_TARGET_DEFAULT;

		if (cfg_size(&cc, c, "pack.size", &size) == 0 &&
		    (size < 4096 || size > 1ull << 30))
			cfg_bad(&cc, "pack.size is %" PRIu64 ", not between 4k "
				"and 1g", size);
	}

	/* the creative persona's profile */
	{
		int on;

		if ((v = vlt_config_get(c, "creative.visualDiff")) &&
		    vlt_config_get_bool(c, "creative.visualDiff", &on) < 0)
			cfg_bad(&cc, "creative.visualDiff is '%s', not true or "
				"false", v);
		if ((v = vlt_config_get(c, "creative.thumbnails")) &&
		    vlt_config_get_bool(c, "creative.thumbnails", &on) < 0)
			cfg_bad(&cc, "creative.thumbnails is '%s', not true or "
				"false", v);
	}

	/* attributes (attributes.c) */
	if ((v = vlt_config_get(c, "attributes.defaults")) &&
	    strcmp(v, "none") && strcmp(v, "game"))
		cfg_bad(&cc, "attributes.defaults is '%s', not game or none", v);

	/* gc */
	{
		int64_t secs;

		if ((v = vlt_config_get(c, "gc.reflogExpire")) &&
		    vlt_gc_parse_expire(v, &secs) < 0)
			cfg_bad(&cc, "gc.reflogExpire: %s", vlt_error_last());
	}
	vlt_error_clear();
	return cc.errors;
}
