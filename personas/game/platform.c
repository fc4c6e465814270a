/*
 * vault-platform - the platforms a game ships on (windows, linux,
 * switch, web...): game.platform records named by the platform, which
 * `vault build record --platform P` requires (format.md 6.5.1).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "error.h"
#include "gamerec.h"
#include "json.h"
#include "print.h"
#include "records.h"

#define KIND "game.platform"

static const char usage[] =
"usage: vault-platform add NAME [--note TEXT]\n"
"   or: vault-platform list [--json]\n"
"\n"
"The platforms builds are recorded for (vault build record --platform\n"
"NAME). NAME is one ref component: letters, digits, '-', '_', '.'.\n"
"\n"
"    --note TEXT     add: a note (the SDK, the store, the device)\n"
"    --json          list: print JSON\n";

static const char *note_opt;
static int json_out;

static int cmd_add(struct vlt_repo *r, const char *name)
{
	struct vlt_record rec;
	struct vlt_buf ref = VLT_BUF_INIT;
	json_t *b;

	if (vlt_record_ref_name(KIND, name, &ref) < 0 || strchr(name, '/'))
		die("bad platform name '%s' (letters, digits, '-', '_', '.')",
		    name);
	vlt_buf_release(&ref);
	gamerec_new(&rec, KIND);
	b = json_pack("{s:s,s:s}", "name", name, "note", note_opt ? note_opt : "");
	if (!b)
		die("out of memory");
	gamerec_set_body(&rec, b);
	if (vlt_record_save(r, &rec, name, NULL, NULL, NULL, NULL) < 0) {
		if (vlt_error_last_code() == VLT_E_EXISTS)
			gamerec_refuse("platform '%s' exists already", name);
		die("cannot record the platform: %s", vlt_error_last());
	}
	printf("added platform %s\n", name);
	json_decref(b);
	vlt_record_release(&rec);
	return 0;
}

static int list_one(const struct vlt_oid *oid, const struct vlt_record *rec,
		    const char *ref, void *data)
{
	json_t *b;
	const char *name, *note;

	(void)oid;
	if (!ref || !(name = vlt_record_ref_short(KIND, ref)))
		return 0;
	b = gamerec_body(rec);
	note = json_string_value(json_object_get(b, "note"));
	if (data) {
		cli_json_append(data, json_pack("{s:s,s:s,s:s}", "name", name,
			"note", note ? note : "",
			"date", print_date_iso(rec->time, rec->tz_minutes)));
	} else {
		printf("%-12s %s\n", name, note ? note : "");
	}
	json_decref(b);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "note", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vlt_repo *r;
	const char *cmd;
	int c, n;

	cli_init(argv[0]);
	while ((c = cli_getopt(argc, argv, "", opts, usage)) != -1) {
		switch (c) {
		case 'n': note_opt = optarg; break;
		case 'J': json_out = 1; break;
		}
	}
	if (optind >= argc)
		usage_error(usage, "no subcommand");
	cmd = argv[optind];
	n = argc - optind - 1;
	if (note_opt && strcmp(cmd, "add"))
		usage_error(usage, "--note goes with add");
	r = cli_open_repo();
	if (!strcmp(cmd, "add") && n == 1) {
		cmd_add(r, argv[optind + 1]);
	} else if (!strcmp(cmd, "list") && !n) {
		json_t *a = json_out ? cli_json_array() : NULL;

		if (vlt_record_list(r, KIND, list_one, a) < 0)
			die("%s", vlt_error_last());
		if (a)
			cli_json_print(a, 0);
	} else {
		usage_error(usage, "unknown subcommand or wrong arguments: %s",
			    cmd);
	}
	vlt_repo_free(r);
	cli_flush_stdout();
	return 0;
}
