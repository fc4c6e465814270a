/*
 * config-check.c - unit tests for vlt_repo_config_check (fsck's check of
 * the config's keys and values).
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "repo.h"
#include "tap.h"

static const char good[] =
	"[core]\n\tformatVersion = 1\n\tid = b5d02b66d834c9dc4182997f86dae1d5\n"
	"\tobjectHash = sha256\n\tseal = none\n"
	"[chunker]\n\talgo = fastcdc\n\tmin = 65536\n\tavg = 262144\n"
	"\tmax = 1048576\n"
	"[compression]\n\talgo = zstd\n\tlevel = 1\n"
	"[pack]\n\tsize = 33554432\n";

struct seen {
	int errors, others;
	char first[1024];
};

static void collect(enum vlt_check_severity sev, const char *file,
		    const char *msg, void *data)
{
	struct seen *s = data;

	if (sev == VLT_CHECK_ERROR) {
		if (!s->errors++)
			snprintf(s->first, sizeof(s->first), "%s: %s", file, msg);
	} else {
		s->others++;
	}
}

/* Check good with extra appended; errors reported, first message. */
static int check(const char *extra, struct seen *s)
{
	char text[2048];
	struct vlt_config c;
	int rc;

	snprintf(text, sizeof(text), "%s%s", good, extra);
	memset(s, 0, sizeof(*s));
	vlt_config_init(&c);
	if (vlt_config_parse(&c, text, strlen(text), "t") < 0)
		return -1000;
	rc = vlt_repo_config_check(&c, collect, s);
	vlt_config_release(&c);
	return rc;
}

int main(void)
{
	static const struct {
		const char *extra, *says;
	} bad[] = {
		{ "[chunker]\n\talgoz = fastcdc\n", "unknown key 'chunker.algoz'" },
		{ "[core]\n\tformatversion = 2\n", "core.formatVersion is '2'" },
		{ "[core]\n\tid = B5D02B66D834C9DC4182997F86DAE1D5\n", "core.id" },
		{ "[core]\n\tobjectHash = md5\n", "core.objectHash" },
		{ "[core]\n\tseal = rot13\n", "core.seal" },
		{ "[core]\n\trefLockTimeout = -5\n", "core.refLockTimeout" },
		{ "[chunker]\n\talgo = zfastcdc\n", "chunker.algo" },
		{ "[chunker]\n\tmin = 300000\n", "chunker.min/avg/max" },
		{ "[chunker]\n\tmax = 32\n", "chunker.min/avg/max" },
		{ "[chunker]\n\tavg = 8g\n", "exceed the limit" },
		{ "[chunker]\n\tavg = lots\n", "chunker.avg" },
		{ "[compression]\n\talgo = lzma\n", "compression.algo" },
		{ "[compression]\n\tlevel = 99\n", "level 99" },
		{ "[compression]\n\talgo = zlib\n\tlevel = 10\n", "zlib level 10" },
		{ "[compression]\n\tlevel = 1x\n", "compression.level" },
		{ "[pack]\n\tsize = 1k\n", "pack.size is 1024" },
		{ "[pack]\n\tsize = 2g\n", "pack.size" },
		{ "[gc]\n\treflogExpire = sometimes\n", "gc.reflogExpire" },
	};
	struct seen s;

	tap_plan_lazy();
	is_int(check("", &s), 0, "the config init writes is clean");
	is_int(s.others, 0, "and has no warnings");
	is_int(check("[remote \"nas\"]\n\turl = /mnt/x\n[mytool]\n\tk = v\n"
		     "[gc]\n\treflogExpire = 90d\n[core]\n\trefLockTimeout = 500\n",
		     &s), 0, "users' sections and valid optional keys are clean");
	is_int(check("[compression]\n\talgo = zlib\n\tlevel = 9\n", &s), 0,
	       "zlib 9 is fine");
	is_int(check("[chunker]\n\talgo = fixed\n", &s), 0,
	       "fixed chunking with fastcdc's sizes is fine");
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		int rc = check(bad[i].extra, &s);

		ok(rc >= 1 && s.errors == rc && strstr(s.first, bad[i].says) &&
		   !strncmp(s.first, "config: ", 8), "error for %s",
		   bad[i].says);
		if (!strstr(s.first, bad[i].says))
			tap_diag("got rc %d: %s", rc, s.first);
	}
	{
		struct vlt_config c;

		vlt_config_init(&c);
		memset(&s, 0, sizeof(s));
		is_int(vlt_repo_config_check(&c, collect, &s), 2,
		       "an empty config lacks formatVersion and id");
		vlt_config_release(&c);
	}
	return tap_done();
}
