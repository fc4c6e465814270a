/*
 * config.c - unit tests for the INI config reader/writer.
 */
#include <string.h>

#include "config.h"
#include "error.h"
#include "tap.h"

int main(void)
{
	static const char text[] =
		"# a comment\n"
		"[core]\n"
		"\tformatVersion = 1\n"
		"\tObjectHash=sha256 ; trailing comment\n"
		"[remote \"Studio NAS\"]\n"
		"\turl = \"/mnt/nas vault\"\n"
		"\tbare\n"
		"[pack]\n"
		"\tsize = 16M\n";
	struct vlt_config c, c2;
	struct vlt_buf out = VLT_BUF_INIT;
	int64_t n = 0;
	uint64_t sz = 0;
	int b = 0;

	tap_plan_lazy();
	vlt_config_init(&c);
	ok(vlt_config_parse(&c, text, strlen(text), "t") == 0, "parses");
	is_str(vlt_config_get(&c, "core.formatversion"), "1", "value read");
	is_str(vlt_config_get(&c, "CORE.objecthash"), "sha256",
	       "keys are case-insensitive, comments stripped");
	is_str(vlt_config_get(&c, "remote.Studio NAS.url"), "/mnt/nas vault",
	       "subsections and quoted values");
	ok(vlt_config_get(&c, "remote.studio nas.url") == NULL,
	   "subsection names are case-sensitive");
	vlt_config_get_bool(&c, "remote.Studio NAS.bare", &b);
	ok(b == 1, "a bare key is true");
	vlt_config_get_int(&c, "core.formatversion", &n);
	is_int(n, 1, "integers");
	vlt_config_get_size(&c, "pack.size", &sz);
	is_int((long long)sz, 16 << 20, "sizes with suffixes");
	vlt_config_set(&c, "core.formatVersion", "2");
	vlt_config_set(&c, "chunker.algo", "fastcdc");
	vlt_config_format(&c, &out);
	vlt_config_init(&c2);
	ok(vlt_config_parse(&c2, out.data, out.len, "t2") == 0,
	   "formatted text parses again");
	is_str(vlt_config_get(&c2, "core.formatversion"), "2", "set replaces");
	is_str(vlt_config_get(&c2, "chunker.algo"), "fastcdc", "set adds");
	is_str(vlt_config_get(&c2, "remote.Studio NAS.url"), "/mnt/nas vault",
	       "round trip keeps quoted values");
	vlt_config_release(&c2);
	vlt_config_init(&c2);
	ok(vlt_config_parse(&c2, "[core\nx=1\n", 10, "bad") == VLT_E_INVALID,
	   "unterminated section is an error");
	ok(strstr(vlt_error_last(), "line 1") != NULL, "error names the line");
	ok(vlt_config_parse(&c2, "x = 1\n", 6, "bad") == VLT_E_INVALID,
	   "key outside a section is an error");
	ok(vlt_parse_size("12q", &sz) < 0 && vlt_parse_size("-1", &sz) < 0,
	   "bad sizes are refused");
	vlt_config_release(&c2);
	vlt_config_release(&c);
	vlt_buf_release(&out);
	return tap_done();
}
