/*
 * json.c - the one JSON writer of vault's programs (see json.h).
 */
#include <stdio.h>

#include "cli.h"
#include "json.h"

json_t *cli_json_object(void)
{
	json_t *o = json_object();

	if (!o)
		die("out of memory");
	return o;
}

json_t *cli_json_array(void)
{
	json_t *a = json_array();

	if (!a)
		die("out of memory");
	return a;
}

void cli_json_set(json_t *o, const char *key, json_t *v)
{
	if (!v || json_object_set_new(o, key, v) < 0)
		die("out of memory");
}

void cli_json_append(json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v) < 0)
		die("out of memory");
}

void cli_json_print(json_t *v, int flags)
{
	size_t jf = JSON_PRESERVE_ORDER | JSON_ENCODE_ANY;
	int prec = (flags >> 8) & 0x1f;

	jf |= (flags & CLI_JSON_COMPACT) ? JSON_COMPACT : JSON_INDENT(2);
	if (prec)
		jf |= JSON_REAL_PRECISION(prec);
	if (json_dumpf(v, stdout, jf) < 0 ||
	    (!(flags & CLI_JSON_ELEMENT) && fputc('\n', stdout) == EOF))
		cli_stdout_failed();
	json_decref(v);
	if (!(flags & CLI_JSON_ELEMENT))
		cli_flush_stdout();
}
