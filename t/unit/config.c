/*
 * config.c - unit tests for the INI config reader/writer.
 */
#include <string.h>

#include "config.h"
#include "error.h"
#include "tap.h"

/* Inputs a damaged or hand-edited config may hold: each parses into a
 * defined result or fails with a message, never crashes. */
static int parse(struct vlt_config *c, const char *s, const char *name)
{
	return vlt_config_parse(c, s, strlen(s), name);
}

static void hostile(void)
{
	struct vlt_config c;
	struct vlt_buf big = VLT_BUF_INIT;
	static const char nul[] = "[core]\n\tformatVersion = 1\0evil\n";
	int64_t n = 0;
	int rc;

	vlt_config_init(&c);
	ok(parse(&c, "[core]\nformatVersion =\n", "e") == 0,
	   "an empty value parses");
	is_str(vlt_config_get(&c, "core.formatversion"), "",
	       "an empty value reads as the empty string");
	ok(vlt_config_get_int(&c, "core.formatversion", &n) == VLT_E_INVALID,
	   "an empty value is not an integer");
	vlt_config_release(&c);

	vlt_config_init(&c);
	ok(parse(&c, "[core]\nx = \"\"\ny=   ;c\n", "e") == 0,
	   "quoted empty and comment-only values parse");
	is_str(vlt_config_get(&c, "core.x"), "", "quoted empty value");
	is_str(vlt_config_get(&c, "core.y"), "", "comment-only value");
	vlt_config_release(&c);

	vlt_config_init(&c);
	ok(parse(&c, "[core]\nbare\n", "e") == 0 &&
	   !strcmp(vlt_config_get(&c, "core.bare"), "true"),
	   "a key without '=' is true");
	vlt_config_release(&c);

	vlt_config_init(&c);
	ok(parse(&c, "[core]\n= 1\n", "e") == VLT_E_INVALID,
	   "a line with no key is an error");
	ok(parse(&c, "[]\nx = 1\n", "e") == VLT_E_INVALID,
	   "an empty section name is an error");
	ok(parse(&c, "[ \"s\"]\nx = 1\n", "e") == VLT_E_INVALID,
	   "a section with only a subsection is an error");
	ok(parse(&c, "[co/re]\nx = 1\n", "e") == VLT_E_INVALID,
	   "a section name with a slash is an error");
	ok(parse(&c, "x = 1\n[core]\n", "e") == VLT_E_INVALID,
	   "a key before any section is an error");
	ok(parse(&c, "[core]\nx = \"open\n", "e") == VLT_E_INVALID,
	   "an unterminated quote is an error");
	vlt_config_release(&c);

	vlt_config_init(&c);
	rc = vlt_config_parse(&c, nul, sizeof(nul) - 1, "nul");
	ok(rc == VLT_E_INVALID && strstr(vlt_error_last(), "NUL"),
	   "a NUL byte is an error naming it");
	vlt_config_release(&c);

	vlt_config_init(&c);
	vlt_buf_adds(&big, "[core]\nlong = ");
	for (int i = 0; i < 1 << 20; i++)
		vlt_buf_addch(&big, 'a' + i % 26);
	vlt_buf_adds(&big, "\n");
	ok(vlt_config_parse(&c, big.data, big.len, "big") == 0 &&
	   strlen(vlt_config_get(&c, "core.long")) == 1 << 20,
	   "a 1 MiB line parses whole");
	vlt_buf_reset(&big);
	vlt_buf_adds(&big, "[core]\n");
	for (int i = 0; i < 1 << 16; i++)
		vlt_buf_addch(&big, 'k');
	vlt_buf_adds(&big, " = 1\n");
	ok(vlt_config_parse(&c, big.data, big.len, "big") == 0,
	   "a 64 KiB key parses");
	vlt_config_release(&c);

	vlt_config_init(&c);
	ok(parse(&c, "[core]\nx = 1\nX = 2\n[CORE]\nx = 3\n", "dup") == 0,
	   "duplicate keys parse");
	is_str(vlt_config_get(&c, "core.x"), "3", "the last duplicate wins");
	vlt_config_release(&c);

	vlt_config_init(&c);
	ok(parse(&c, "[core]\nx = 1", "eof") == 0 &&
	   !strcmp(vlt_config_get(&c, "core.x"), "1"),
	   "a last line without newline parses");
	ok(parse(&c, "", "empty") == 0, "an empty file parses");
	ok(parse(&c, "[core]\nx = \\", "bs") == 0,
	   "a trailing backslash does not read past the end");
	vlt_config_release(&c);
	vlt_buf_release(&big);
}

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
	hostile();
	vlt_config_release(&c);
	vlt_buf_release(&out);
	return tap_done();
}
