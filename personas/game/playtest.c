/*
 * vault-playtest - playtest sessions tied to the exact snapshot played:
 * who played which build on which platform, for how long, what it
 * measured, what it loaded, and its logs, screenshots and videos.
 *
 * A session is a game.playtest record named by its number (1, 2, ...;
 * body: format.md 6.5.1) linking the snapshot and each attachment's file
 * object, which is stored under the writer lock with the record
 * (vlt_record_save's prepare). Stopping an open session writes its next
 * version.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "error.h"
#include "fileobj.h"
#include "fsutil.h"
#include "gamerec.h"
#include "json.h"
#include "print.h"
#include "records.h"
#include "repo.h"

#define KIND "game.playtest"

static const char usage[] =
"usage: vault-playtest record --build REV --duration TIME [--platform P]\n"
"                             [--tester T] [--metric NAME=VALUE]...\n"
"                             [--attach FILE]... [--loaded FILE]\n"
"   or: vault-playtest start [--build REV] [--platform P] [--tester T]\n"
"   or: vault-playtest stop [--tester T] [--duration TIME]\n"
"                           [--metric NAME=VALUE]... [--attach FILE]...\n"
"                           [--loaded FILE]\n"
"   or: vault-playtest list [--build REV] [--json]\n"
"   or: vault-playtest show [--json] ID [--attachment NAME -o OUT]\n"
"\n"
"A playtest session is tied to the exact snapshot played (REV is resolved\n"
"to its id), with the platform, the tester, the time played, metrics,\n"
"the scenes and assets it loaded and attachments (logs, screenshots, a\n"
"video) stored in the repository. record writes a finished session;\n"
"start opens one (one open session per tester) and stop closes it.\n"
"\n"
"    --build REV         the snapshot played (start: HEAD when left out)\n"
"    --duration TIME     time played: 45m, 1h30m, 90s, 2h (a bare number\n"
"                        is minutes); stop: instead of the time since start\n"
"    --platform P        the platform played on (windows, switch, ...)\n"
"    --tester T          who played ($VAULT_AUTHOR_NAME when left out)\n"
"    --metric NAME=VALUE a measurement: fps=58, crashes=1 (repeatable)\n"
"    --attach FILE       store FILE with the session (repeatable)\n"
"    --loaded FILE       FILE lists the scenes and assets the session\n"
"                        loaded, one path per line\n"
"    --attachment NAME   show: write that attachment (to -o OUT)\n"
"    -o, --output OUT    show --attachment: the file to write ('-': stdout)\n"
"    --json              list, show: print JSON\n";

static const char *build_opt, *duration_opt, *platform_opt, *tester_opt,
		  *loaded_opt, *attachment_opt, *output_opt;
static char **attach, **metrics;
static int nattach, nmetrics, json_out;

/* "45m", "1h30m", "90s", "2h", "45": seconds, or -1. */
static long long parse_duration(const char *s)
{
	long long total = 0;
	int any = 0;

	while (*s) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (end == s || errno || v < 0 || v > 100000000)
			return -1;
		switch (*end) {
		case 'h': total += v * 3600; end++; break;
		case 'm': total += v * 60; end++; break;
		case 's': total += v; end++; break;
		case '\0':
			if (any)
				return -1;  /* "1h30": ambiguous */
			total += v * 60;
			break;
		default: return -1;
		}
		any = 1;
		s = end;
	}
	return any ? total : -1;
}

/* 2700 -> "45m", 5400 -> "1h30m", 59 -> "59s" (a static buffer). */
static const char *fmt_duration(json_int_t secs)
{
	static char buf[48];
	long long h = secs / 3600, m = secs % 3600 / 60, s = secs % 60;
	int n = 0;

	buf[0] = '\0';
	if (h)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%lldh", h);
	if (m)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "%lldm", m);
	if (s || !n)
		snprintf(buf + n, sizeof(buf) - (size_t)n, "%llds", s);
	return buf;
}

static const char *tester_name(void)
{
	const char *t = tester_opt ? tester_opt : getenv("VAULT_AUTHOR_NAME");

	return t && *t ? t : "unknown";
}

/* Everything the options add to a session's body, checked before any
 * object is written: the metrics, the loaded list, the attachments'
 * names (each must be a readable regular file). */
static void add_metrics(json_t *body)
{
	json_t *m = json_object_get(body, "metrics");

	for (int i = 0; i < nmetrics; i++) {
		char *eq = strchr(metrics[i], '='), *end;
		double v;

		if (!eq || eq == metrics[i])
			usage_error(usage, "bad metric '%s' (want NAME=VALUE)",
				    metrics[i]);
		*eq = '\0';
		errno = 0;
		v = strtod(eq + 1, &end);
		if (eq[1] && !*end && !errno) {
			if (v == (double)(json_int_t)v)
				json_object_set_new(m, metrics[i],
						    json_integer((json_int_t)v));
			else
				json_object_set_new(m, metrics[i], json_real(v));
		} else {
			json_object_set_new(m, metrics[i], json_string(eq + 1));
		}
	}
}

static void add_loaded(json_t *body)
{
	json_t *l = json_object_get(body, "loaded");
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!loaded_opt)
		return;
	if (!(f = fopen(loaded_opt, "r")))
		die("cannot read the loaded list '%s': %s", loaded_opt,
		    strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n)
			json_array_append_new(l, print_json_string(line));
	}
	if (ferror(f))
		die("cannot read the loaded list '%s': %s", loaded_opt,
		    strerror(errno));
	free(line);
	fclose(f);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static void check_attachments(const json_t *body)
{
	const json_t *a = json_object_get(body, "attachments"), *it;
	size_t k;

	for (int i = 0; i < nattach; i++) {
		struct stat st;

		if (stat(attach[i], &st) < 0)
			die("cannot attach '%s': %s (nothing written)",
			    attach[i], strerror(errno));
		if (!S_ISREG(st.st_mode))
			die("cannot attach '%s': not a regular file (nothing "
			    "written)", attach[i]);
		if (access(attach[i], R_OK) < 0)
			die("cannot attach '%s': %s (nothing written)",
			    attach[i], strerror(errno));
		for (int j = 0; j < i; j++)
			if (!strcmp(base_name(attach[i]), base_name(attach[j])))
				die("two attachments named '%s'",
				    base_name(attach[i]));
		json_array_foreach(a, k, it)
			if (!strcmp(json_string_value(json_object_get(it, "name")),
				    base_name(attach[i])))
				die("the session has an attachment named '%s' "
				    "already", base_name(attach[i]));
	}
}

/* Under the writer lock: store the attachments, link them, set the body. */
struct prep {
	json_t *body;
	struct vlt_oid build;
};

static int prepare(struct vlt_repo *r, struct vlt_record *rec, void *data)
{
	struct prep *p = data;
	json_t *a = json_object_get(p->body, "attachments");
	int err;

	for (int i = 0; i < nattach; i++) {
		struct vlt_oid oid;
		uint64_t size;
		int fd = open(attach[i], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return vlt_error_set(VLT_E_IO, "cannot attach '%s': %s",
					     attach[i], strerror(errno));
		err = vlt_file_from_fd(r, vlt_repo_idfn(r), vlt_repo_chunking(r),
				       fd, attach[i], &oid, &size, NULL);
		close(fd);
		if (err < 0)
			return err;
		if ((err = vlt_record_add_link(rec, VLT_OBJ_FILE, &oid)) < 0)
			return err;
		json_array_append_new(a, json_pack("{s:o,s:s,s:I}", "name",
			print_json_string(base_name(attach[i])), "file",
			vlt_oid_hex(&oid), "size", (json_int_t)size));
	}
	if ((err = vlt_record_add_link(rec, VLT_OBJ_SNAPSHOT, &p->build)) < 0)
		return err;
	gamerec_set_body(rec, p->body);
	return 0;
}

static void save(struct vlt_repo *r, const char *name, json_t *body,
		 const struct vlt_oid *build, const struct vlt_oid *old)
{
	struct vlt_record rec;
	struct prep p = { body, *build };

	gamerec_new(&rec, KIND);
	if (vlt_record_save(r, &rec, name, old, prepare, &p, NULL) < 0)
		die("cannot record the playtest: %s", vlt_error_last());
	vlt_record_release(&rec);
}

/* --- listing ----------------------------------------------------------- */

struct session_scan {
	unsigned long max;              /* the highest session number */
	const char *tester;             /* find this tester's open session */
	char open_name[32];
	int have_build;
	struct vlt_oid build;           /* list --build */
	struct vlt_repo *r;
	json_t *a;                      /* list --json */
	int listing;
};

static int scan_one(const struct vlt_oid *oid, const struct vlt_record *rec,
		    const char *ref, void *data)
{
	struct session_scan *sc = data;
	const char *name;
	char *end;
	unsigned long n;
	json_t *b;
	struct vlt_oid build;
	const char *hex;

	(void)oid;
	if (!ref || !(name = vlt_record_ref_short(KIND, ref)))
		return 0;
	n = strtoul(name, &end, 10);
	if (!*end && n > sc->max)
		sc->max = n;
	b = gamerec_body(rec);
	hex = json_string_value(json_object_get(b, "build"));
	if (!hex || vlt_oid_from_hex(&build, hex) < 0)
		die("playtest %s has no build", name);
	if (sc->tester && json_is_true(json_object_get(b, "open")) &&
	    !strcmp(json_string_value(json_object_get(b, "tester")) ?
		    json_string_value(json_object_get(b, "tester")) : "",
		    sc->tester))
		snprintf(sc->open_name, sizeof(sc->open_name), "%s", name);
	if (sc->listing && (!sc->have_build || !vlt_oid_cmp(&build, &sc->build))) {
		json_t *o = json_deep_copy(b);

		json_object_set_new(o, "record", json_string(vlt_oid_hex(oid)));
		cli_json_append(sc->a, o);
	}
	json_decref(b);
	return 0;
}

static void scan(struct vlt_repo *r, struct session_scan *sc)
{
	sc->r = r;
	if (vlt_record_list(r, KIND, scan_one, sc) < 0)
		die("%s", vlt_error_last());
}

static json_t *new_body(const char *name, const struct vlt_oid *build,
			int64_t now, int tz)
{
	json_t *b = json_pack("{s:s,s:s,s:o,s:o,s:s,s:I}", "id", name,
			      "build", vlt_oid_hex(build),
			      "platform", platform_opt ? print_json_string(platform_opt) : json_null(),
			      "tester", print_json_string(tester_name()),
			      "started", print_date_iso(now, tz),
			      "start_time", (json_int_t)now);

	if (!b)
		die("out of memory");
	return b;
}

static void finish_body(json_t *b, long long secs)
{
	json_object_set_new(b, "duration", json_integer(secs));
	json_object_set_new(b, "open", json_false());
	if (!json_object_get(b, "metrics"))
		json_object_set_new(b, "metrics", json_object());
	if (!json_object_get(b, "loaded"))
		json_object_set_new(b, "loaded", json_array());
	if (!json_object_get(b, "attachments"))
		json_object_set_new(b, "attachments", json_array());
	add_metrics(b);
	add_loaded(b);
	check_attachments(b);
}

static void now_of(int64_t *now, int *tz)
{
	struct vlt_record rec;

	vlt_record_init(&rec);
	if (vlt_record_set_defaults(&rec) < 0)
		die("%s", vlt_error_last());
	*now = rec.time;
	*tz = rec.tz_minutes;
	vlt_record_release(&rec);
}

static int cmd_record(struct vlt_repo *r)
{
	struct session_scan sc = { 0 };
	struct vlt_oid build;
	char name[32];
	long long secs;
	int64_t now;
	int tz;
	json_t *b;

	if (!build_opt)
		usage_error(usage, "record needs --build REV");
	if (!duration_opt)
		usage_error(usage, "record needs --duration TIME");
	if ((secs = parse_duration(duration_opt)) < 0)
		usage_error(usage, "bad duration '%s' (want 45m, 1h30m, 90s)",
			    duration_opt);
	gamerec_snapshot(r, build_opt, &build);
	scan(r, &sc);
	snprintf(name, sizeof(name), "%lu", sc.max + 1);
	now_of(&now, &tz);
	b = new_body(name, &build, now, tz);
	finish_body(b, secs);
	save(r, name, b, &build, NULL);
	printf("playtest %s: %s of %.12s recorded\n", name, fmt_duration(secs),
	       vlt_oid_hex(&build));
	json_decref(b);
	return 0;
}

static int cmd_start(struct vlt_repo *r)
{
	struct session_scan sc = { 0 };
	struct vlt_oid build;
	char name[32];
	int64_t now;
	int tz;
	json_t *b;

	if (duration_opt || nmetrics || nattach || loaded_opt)
		usage_error(usage, "start takes --build, --platform and --tester "
			    "only (the rest goes with stop)");
	gamerec_snapshot(r, build_opt ? build_opt : "HEAD", &build);
	sc.tester = tester_name();
	scan(r, &sc);
	if (sc.open_name[0])
		gamerec_refuse("%s has playtest %s open already; stop it first",
			       sc.tester, sc.open_name);
	snprintf(name, sizeof(name), "%lu", sc.max + 1);
	now_of(&now, &tz);
	b = new_body(name, &build, now, tz);
	json_object_set_new(b, "duration", json_null());
	json_object_set_new(b, "open", json_true());
	json_object_set_new(b, "metrics", json_object());
	json_object_set_new(b, "loaded", json_array());
	json_object_set_new(b, "attachments", json_array());
	save(r, name, b, &build, NULL);
	printf("playtest %s started: %s on %.12s\n", name, sc.tester,
	       vlt_oid_hex(&build));
	json_decref(b);
	return 0;
}

static json_t *load(struct vlt_repo *r, const char *name, struct vlt_oid *oid,
		    struct vlt_record *rec, struct vlt_oid *build)
{
	json_t *b;
	const char *hex;

	if (vlt_record_lookup(r, KIND, name, oid, rec) < 0)
		die("%s", vlt_error_last());
	b = gamerec_body(rec);
	hex = json_string_value(json_object_get(b, "build"));
	if (!hex || vlt_oid_from_hex(build, hex) < 0)
		die("playtest %s has no build", name);
	return b;
}

static int cmd_stop(struct vlt_repo *r)
{
	struct session_scan sc = { 0 };
	struct vlt_record rec;
	struct vlt_oid oid, build;
	long long secs;
	int64_t now;
	int tz;
	json_t *b;

	if (build_opt || platform_opt)
		usage_error(usage, "stop takes no --build or --platform (the "
			    "session has them)");
	sc.tester = tester_name();
	scan(r, &sc);
	if (!sc.open_name[0])
		gamerec_refuse("%s has no open playtest", sc.tester);
	b = load(r, sc.open_name, &oid, &rec, &build);
	vlt_record_release(&rec);
	now_of(&now, &tz);
	if (duration_opt) {
		if ((secs = parse_duration(duration_opt)) < 0)
			usage_error(usage, "bad duration '%s' (want 45m, "
				    "1h30m, 90s)", duration_opt);
	} else {
		secs = (long long)(now - json_integer_value(
			json_object_get(b, "start_time")));
		if (secs < 0)
			secs = 0;
	}
	finish_body(b, secs);
	save(r, sc.open_name, b, &build, &oid);
	printf("playtest %s stopped: %s\n", sc.open_name, fmt_duration(secs));
	json_decref(b);
	return 0;
}

static int by_number(const void *a, const void *b)
{
	unsigned long x = strtoul(json_string_value(json_object_get(
				*(json_t *const *)a, "id")), NULL, 10);
	unsigned long y = strtoul(json_string_value(json_object_get(
				*(json_t *const *)b, "id")), NULL, 10);

	return x < y ? -1 : x > y;
}

static int cmd_list(struct vlt_repo *r)
{
	struct session_scan sc = { 0 };
	json_t **v, *it, *sorted;
	size_t n, k;

	sc.listing = 1;
	if (build_opt) {
		gamerec_snapshot(r, build_opt, &sc.build);
		sc.have_build = 1;
	}
	sc.a = cli_json_array();
	scan(r, &sc);
	/* refs come in name order ("10" before "2"): sessions by number */
	n = json_array_size(sc.a);
	if (!(v = calloc(n ? n : 1, sizeof(*v))))
		die("out of memory");
	json_array_foreach(sc.a, k, it)
		v[k] = it;
	if (n)
		qsort(v, n, sizeof(*v), by_number);
	sorted = cli_json_array();
	for (k = 0; k < n; k++) {
		json_t *b = v[k], *d = json_object_get(b, "duration");
		const char *pl = json_string_value(json_object_get(b, "platform"));

		cli_json_append(sorted, json_incref(b));
		if (json_out)
			continue;
		printf("%-4s %.12s  %-10s %-12s %7s  %s\n",
		       json_string_value(json_object_get(b, "id")),
		       json_string_value(json_object_get(b, "build")),
		       pl ? pl : "-",
		       json_string_value(json_object_get(b, "tester")),
		       json_is_integer(d) ? fmt_duration(json_integer_value(d))
					  : "open",
		       json_string_value(json_object_get(b, "started")));
	}
	free(v);
	json_decref(sc.a);
	if (json_out)
		cli_json_print(sorted, 0);
	else
		json_decref(sorted);
	return 0;
}

static int write_attachment(struct vlt_repo *r, const json_t *b,
			    const char *id)
{
	const json_t *it;
	struct vlt_oid file;
	size_t k;
	int fd;

	json_array_foreach(json_object_get(b, "attachments"), k, it) {
		if (strcmp(json_string_value(json_object_get(it, "name")),
			   attachment_opt))
			continue;
		if (vlt_oid_from_hex(&file, json_string_value(
				json_object_get(it, "file"))) < 0)
			die("playtest %s: a bad attachment id", id);
		if (!strcmp(output_opt, "-")) {
			if (vlt_file_object_write_fd(r, &file, 1, "stdout") < 0)
				die("%s", vlt_error_last());
			return 0;
		}
		{
			/* streamed into OUT.tmp-PID, fsynced, renamed */
			struct vlt_buf tmp = VLT_BUF_INIT;

			if (vlt_buf_addf(&tmp, "%s.tmp-%ld", output_opt,
					 (long)getpid()) < 0)
				die("out of memory");
			fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL |
				  O_CLOEXEC, 0644);
			if (fd < 0)
				die("cannot write %s: %s", output_opt,
				    strerror(errno));
			if (vlt_file_object_write_fd(r, &file, fd, output_opt) < 0) {
				close(fd);
				unlink(tmp.data);
				die("cannot write %s: %s", output_opt,
				    vlt_error_last());
			}
			if (fsync(fd) < 0 || close(fd) < 0 ||
			    rename(tmp.data, output_opt) < 0) {
				unlink(tmp.data);
				die("cannot write %s: %s", output_opt,
				    strerror(errno));
			}
			vlt_buf_release(&tmp);
		}
		return 0;
	}
	die("playtest %s has no attachment named '%s'", id, attachment_opt);
}

static int cmd_show(struct vlt_repo *r, const char *id)
{
	struct vlt_record rec;
	struct vlt_oid oid, build;
	json_t *b = load(r, id, &oid, &rec, &build), *it, *v;
	const char *key, *pl;
	size_t k;

	if (attachment_opt) {
		write_attachment(r, b, id);
		goto out;
	}
	if (json_out) {
		json_t *o = json_deep_copy(b);

		json_object_set_new(o, "record", json_string(vlt_oid_hex(&oid)));
		cli_json_print(o, 0);
		goto out;
	}
	pl = json_string_value(json_object_get(b, "platform"));
	printf("playtest %s\n", id);
	printf("build     %s\n          %s\n", vlt_oid_hex(&build),
	       gamerec_snapshot_line(r, &build, NULL));
	printf("platform  %s\n", pl ? pl : "-");
	printf("tester    %s\n", json_string_value(json_object_get(b, "tester")));
	printf("started   %s\n", json_string_value(json_object_get(b, "started")));
	v = json_object_get(b, "duration");
	printf("duration  %s\n", json_is_integer(v) ?
	       fmt_duration(json_integer_value(v)) : "(open)");
	json_object_foreach(json_object_get(b, "metrics"), key, v) {
		char *s = json_dumps(v, JSON_ENCODE_ANY);

		printf("metric    %s=%s\n", key, json_is_string(v) ?
		       json_string_value(v) : s ? s : "?");
		free(s);
	}
	json_array_foreach(json_object_get(b, "loaded"), k, it)
		printf("loaded    %s\n", json_string_value(it));
	json_array_foreach(json_object_get(b, "attachments"), k, it)
		printf("attached  %s (%s)\n",
		       json_string_value(json_object_get(it, "name")),
		       print_human_size((uint64_t)json_integer_value(
			       json_object_get(it, "size"))));
out:
	json_decref(b);
	vlt_record_release(&rec);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "build", required_argument, NULL, 'b' },
		{ "duration", required_argument, NULL, 'd' },
		{ "platform", required_argument, NULL, 'p' },
		{ "tester", required_argument, NULL, 't' },
		{ "metric", required_argument, NULL, 'm' },
		{ "attach", required_argument, NULL, 'a' },
		{ "loaded", required_argument, NULL, 'l' },
		{ "attachment", required_argument, NULL, 'A' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_repo *r;
	const char *cmd;
	int c, n, rc;

	cli_init(argv[0]);
	if (!(attach = calloc((size_t)argc, sizeof(*attach))) ||
	    !(metrics = calloc((size_t)argc, sizeof(*metrics))))
		die("out of memory");
	while ((c = cli_getopt(argc, argv, "o:", opts, usage)) != -1) {
		switch (c) {
		case 'b': build_opt = optarg; break;
		case 'd': duration_opt = optarg; break;
		case 'p': platform_opt = optarg; break;
		case 't': tester_opt = optarg; break;
		case 'm': metrics[nmetrics++] = optarg; break;
		case 'a': attach[nattach++] = optarg; break;
		case 'l': loaded_opt = optarg; break;
		case 'A': attachment_opt = optarg; break;
		case 'o': output_opt = optarg; break;
		case 'J': json_out = 1; break;
		}
	}
	if (optind >= argc)
		usage_error(usage, "no subcommand");
	cmd = argv[optind];
	n = argc - optind - 1;
	if (!!attachment_opt != !!output_opt)
		usage_error(usage, "--attachment NAME and -o OUT go together");
	r = cli_open_repo();
	if (!strcmp(cmd, "record") && !n) {
		rc = cmd_record(r);
	} else if (!strcmp(cmd, "start") && !n) {
		rc = cmd_start(r);
	} else if (!strcmp(cmd, "stop") && !n) {
		rc = cmd_stop(r);
	} else if (!strcmp(cmd, "list") && !n) {
		rc = cmd_list(r);
	} else if (!strcmp(cmd, "show") && n == 1) {
		rc = cmd_show(r, argv[optind + 1]);
	} else if (strcmp(cmd, "record") && strcmp(cmd, "start") &&
		   strcmp(cmd, "stop") && strcmp(cmd, "list") &&
		   strcmp(cmd, "show")) {
		usage_error(usage, "unknown subcommand '%s'", cmd);
	} else {
		usage_error(usage, "wrong number of arguments for %s", cmd);
	}
	vlt_repo_free(r);
	free(attach);
	free(metrics);
	cli_flush_stdout();
	return rc;
}
