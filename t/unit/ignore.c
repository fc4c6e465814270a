/*
 * ignore.c - unit tests for .vaultignore matching.
 *
 * Most cases are one table row: the top .vaultignore, optionally a second
 * one in a subdirectory, the defaults on or off, a path, and the answer
 * git would give. Rows in mode CHECK ask vlt_ignore_check() (a path under
 * an ignored directory is ignored, as git check-ignore says); rows in mode
 * WALK ask vlt_ignore_match(), the walker's single-path question.
 *
 * `ignore --dump` prints the CHECK rows as JSON lines so that a script can
 * replay them with `git check-ignore` (.gitignore files, the defaults as
 * core.excludesFile); see the comment at dump_cases().
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "ignore.h"
#include "tap.h"

enum { CHECK, WALK };
enum { F = 0, D = 1 };  /* file or directory */

struct icase {
	int mode;
	int defaults;
	const char *rules;	/* the top .vaultignore */
	const char *dir2;	/* optional second .vaultignore, in dir2 */
	const char *rules2;
	const char *path;
	int is_dir;
	int want;
	const char *why;	/* what the row shows */
};

static const struct icase cases[] = {
	/* blank lines, comments, escapes */
	{ CHECK, 0, "", 0, 0, "foo", F, 0, "no rules ignore nothing" },
	{ CHECK, 0, "\n\n# foo\n", 0, 0, "foo", F, 0, "blank lines and comments are no rules" },
	{ CHECK, 0, "#foo\n", 0, 0, "#foo", F, 0, "a '#' line is a comment, not a rule" },
	{ CHECK, 0, "\\#foo\n", 0, 0, "#foo", F, 1, "'\\#' matches a leading '#'" },
	{ CHECK, 0, " #foo\n", 0, 0, " #foo", F, 1, "'#' after a space is literal" },
	{ CHECK, 0, "\\!important\n", 0, 0, "!important", F, 1, "'\\!' matches a leading '!'" },
	{ CHECK, 0, "!important\n", 0, 0, "important", F, 0, "'!' alone only re-includes" },
	{ CHECK, 0, "foo   \n", 0, 0, "foo", F, 1, "trailing spaces are dropped" },
	{ CHECK, 0, "foo   \n", 0, 0, "foo ", F, 0, "... so they do not match" },
	{ CHECK, 0, "foo\\ \n", 0, 0, "foo ", F, 1, "an escaped trailing space is kept" },
	{ CHECK, 0, "foo\\ \n", 0, 0, "foo", F, 0, "... and is required" },
	{ CHECK, 0, "foo\\    \n", 0, 0, "foo ", F, 1, "spaces after an escaped one go" },
	{ CHECK, 0, "foo\\  \\ \n", 0, 0, "foo   ", F, 1, "spaces before an escaped one stay" },
	{ CHECK, 0, "foo\t\n", 0, 0, "foo", F, 0, "a trailing tab is not trimmed" },
	{ CHECK, 0, "foo\t\n", 0, 0, "foo\t", F, 1, "... it is part of the name" },
	{ CHECK, 0, "  foo\n", 0, 0, "  foo", F, 1, "leading spaces are part of the name" },
	{ CHECK, 0, "  foo\n", 0, 0, "foo", F, 0, "... and are required" },
	{ CHECK, 0, "foo\r\nbar\r\n", 0, 0, "bar", F, 1, "CRLF line ends" },
	{ CHECK, 0, "\xef\xbb\xbf" "foo\n", 0, 0, "foo", F, 1, "a UTF-8 BOM is skipped" },
	{ CHECK, 0, "a\nlast", 0, 0, "last", F, 1, "the last line needs no newline" },
	{ CHECK, 0, "fo\\o\n", 0, 0, "foo", F, 1, "'\\' before an ordinary character" },
	{ CHECK, 0, "foo\\\n", 0, 0, "foo", F, 0, "a trailing '\\' matches nothing" },
	{ CHECK, 0, "foo\\\n", 0, 0, "foo\\", F, 0, "... not even a backslash" },

	/* anchoring: a '/' at the start or in the middle */
	{ CHECK, 0, "/foo\n", 0, 0, "foo", F, 1, "leading '/' anchors: top" },
	{ CHECK, 0, "/foo\n", 0, 0, "a/foo", F, 0, "leading '/' anchors: not below" },
	{ CHECK, 0, "foo\n", 0, 0, "a/b/foo", F, 1, "no '/': any level" },
	{ CHECK, 0, "doc/frotz/\n", 0, 0, "doc/frotz", D, 1, "man page: doc/frotz/ matches doc/frotz" },
	{ CHECK, 0, "doc/frotz/\n", 0, 0, "a/doc/frotz", D, 0, "man page: doc/frotz/ not a/doc/frotz" },
	{ CHECK, 0, "frotz/\n", 0, 0, "frotz", D, 1, "man page: frotz/ matches frotz" },
	{ CHECK, 0, "frotz/\n", 0, 0, "a/frotz", D, 1, "man page: frotz/ matches a/frotz" },
	{ CHECK, 0, "foo/*\n", 0, 0, "foo/test.json", F, 1, "man page: foo/* matches foo/test.json" },
	{ CHECK, 0, "foo/*\n", 0, 0, "foo/bar", D, 1, "man page: foo/* matches foo/bar" },
	{ WALK, 0, "foo/*\n", 0, 0, "foo/bar/hello.c", F, 0, "man page: foo/* does not match foo/bar/hello.c" },
	{ CHECK, 0, "foo/*\n", 0, 0, "foo/bar/hello.c", F, 1, "... but foo/bar is ignored, so it is too" },
	{ CHECK, 0, "a/b\n", 0, 0, "a/b", F, 1, "middle '/' anchors: top" },
	{ CHECK, 0, "a/b\n", 0, 0, "x/a/b", F, 0, "middle '/' anchors: not below" },
	{ CHECK, 0, "*.c\n", 0, 0, "x/y/z.c", F, 1, "*.c at any level" },
	{ CHECK, 0, "/*.c\n", 0, 0, "cat-file.c", F, 1, "man page: /*.c matches cat-file.c" },
	{ CHECK, 0, "/*.c\n", 0, 0, "mozilla-sha1/sha1.c", F, 0, "man page: /*.c not mozilla-sha1/sha1.c" },
	{ CHECK, 0, "Documentation/*.html\n", 0, 0, "Documentation/git.html", F, 1, "man page: Documentation/*.html" },
	{ CHECK, 0, "Documentation/*.html\n", 0, 0, "Documentation/ppc/ppc.html", F, 0, "man page: '*' stops at '/'" },
	{ CHECK, 0, "Documentation/*.html\n", 0, 0, "tools/perf/Documentation/perf.html", F, 0, "man page: anchored" },
	{ CHECK, 0, "a/*/c\n", 0, 0, "a/b/c", F, 1, "'*' is one component" },
	{ CHECK, 0, "a/*/c\n", 0, 0, "a/b/d/c", F, 0, "'*' is only one component" },
	{ CHECK, 0, "a/*\n", 0, 0, "a", D, 0, "a/* does not match a itself" },

	/* trailing '/' */
	{ CHECK, 0, "build/\n", 0, 0, "build", D, 1, "trailing '/' matches a directory" },
	{ CHECK, 0, "build/\n", 0, 0, "build", F, 0, "trailing '/' does not match a file" },
	{ CHECK, 0, "build/\n", 0, 0, "src/build", D, 1, "trailing '/' alone does not anchor" },
	{ CHECK, 0, "build/\n", 0, 0, "build/x.o", F, 1, "files under an ignored directory" },
	{ WALK, 0, "build/\n", 0, 0, "build/x.o", F, 0, "the walker never asks about them" },
	{ CHECK, 0, "build\n", 0, 0, "build", D, 1, "no trailing '/': directories too" },
	{ CHECK, 0, "*.tmp\n", 0, 0, "cache.tmp", D, 1, "*.tmp matches a directory" },

	/* wildcards and classes */
	{ CHECK, 0, "?.txt\n", 0, 0, "a.txt", F, 1, "'?' one character" },
	{ CHECK, 0, "?.txt\n", 0, 0, "ab.txt", F, 0, "'?' exactly one" },
	{ CHECK, 0, "x/a?b\n", 0, 0, "x/a/b", F, 0, "'?' never matches '/'" },
	{ CHECK, 0, "*\n", 0, 0, "a/b", F, 1, "'*' matches every name" },
	{ CHECK, 0, "a*\n", 0, 0, "x/abc", F, 1, "prefix glob at any level" },
	{ CHECK, 0, "*o*o*\n", 0, 0, "foo.ogg", F, 1, "several stars" },
	{ CHECK, 0, "[a-c].txt\n", 0, 0, "b.txt", F, 1, "range" },
	{ CHECK, 0, "[a-c].txt\n", 0, 0, "d.txt", F, 0, "range, outside" },
	{ CHECK, 0, "[!a-c].txt\n", 0, 0, "d.txt", F, 1, "negated range" },
	{ CHECK, 0, "[!a-c].txt\n", 0, 0, "b.txt", F, 0, "negated range, inside" },
	{ CHECK, 0, "[^a].txt\n", 0, 0, "b.txt", F, 1, "'^' negates too" },
	{ CHECK, 0, "[]].txt\n", 0, 0, "].txt", F, 1, "']' first is a member" },
	{ CHECK, 0, "[!]].txt\n", 0, 0, "].txt", F, 0, "... also after '!'" },
	{ CHECK, 0, "[a-]x\n", 0, 0, "-x", F, 1, "'-' last is a member" },
	{ CHECK, 0, "[\\]]x\n", 0, 0, "]x", F, 1, "escaped ']' in a class" },
	{ CHECK, 0, "[[:digit:]]x\n", 0, 0, "5x", F, 1, "[:digit:]" },
	{ CHECK, 0, "[[:digit:]]x\n", 0, 0, "ax", F, 0, "[:digit:], outside" },
	{ CHECK, 0, "[[:upper:][:digit:]]\n", 0, 0, "Q", F, 1, "two classes" },
	{ CHECK, 0, "[[:space:]]x\n", 0, 0, " x", F, 1, "[:space:]" },
	{ CHECK, 0, "[[:bogus:]]x\n", 0, 0, "5x", F, 0, "an unknown class matches nothing" },
	{ CHECK, 0, "[[:digit]x\n", 0, 0, "[x", F, 1, "'[:' without ':]' is a plain '[' member (git)" },
	{ CHECK, 0, "[[:digit]x\n", 0, 0, "tx", F, 1, "... and the rest are members too" },
	{ CHECK, 0, "[abc\n", 0, 0, "[abc", F, 0, "unterminated '[' matches nothing" },
	{ CHECK, 0, "[abc\n", 0, 0, "a", F, 0, "... not even its members" },
	{ CHECK, 0, "foo[\n", 0, 0, "foo[", F, 0, "'[' at the end matches nothing" },
	{ CHECK, 0, "*[!\n", 0, 0, "x[!", F, 0, "'[!' at the end matches nothing" },
	{ CHECK, 0, "\\[ab]\n", 0, 0, "[ab]", F, 1, "escaped '[' is literal" },
	{ CHECK, 0, "\\*\n", 0, 0, "*", F, 1, "escaped '*' is literal" },
	{ CHECK, 0, "\\*\n", 0, 0, "x", F, 0, "... and matches only '*'" },
	{ CHECK, 0, "a[/]b\n", 0, 0, "a/b", F, 0, "a class never matches '/'" },

	/* '**' */
	{ CHECK, 0, "**/foo\n", 0, 0, "foo", F, 1, "man page: **/foo matches foo" },
	{ CHECK, 0, "**/foo\n", 0, 0, "a/b/foo", D, 1, "man page: **/foo anywhere" },
	{ CHECK, 0, "**/foo/bar\n", 0, 0, "x/y/foo/bar", F, 1, "man page: **/foo/bar" },
	{ CHECK, 0, "**/foo/bar\n", 0, 0, "foo/bar", F, 1, "**/foo/bar at the top" },
	{ CHECK, 0, "abc/**\n", 0, 0, "abc/x", F, 1, "man page: abc/** matches inside" },
	{ WALK, 0, "abc/**\n", 0, 0, "abc/x/y", F, 1, "abc/** at any depth inside" },
	{ CHECK, 0, "abc/**\n", 0, 0, "abc", D, 0, "abc/** does not match abc" },
	{ CHECK, 0, "a/**/b\n", 0, 0, "a/b", F, 1, "man page: a/**/b matches a/b" },
	{ CHECK, 0, "a/**/b\n", 0, 0, "a/x/b", F, 1, "man page: a/**/b matches a/x/b" },
	{ CHECK, 0, "a/**/b\n", 0, 0, "a/x/y/b", F, 1, "man page: a/**/b matches a/x/y/b" },
	{ CHECK, 0, "a/**/b\n", 0, 0, "a/xb", F, 0, "a/**/b needs a component b" },
	{ CHECK, 0, "a/**/b\n", 0, 0, "x/a/b", F, 0, "a/**/b is anchored" },
	{ CHECK, 0, "a**b\n", 0, 0, "axyb", F, 1, "'**' inside a name is '*'" },
	{ WALK, 0, "x/a**b\n", 0, 0, "x/a/c/b", F, 0, "... so it stops at '/'" },
	{ CHECK, 0, "foo**/bar\n", 0, 0, "foo/bar", F, 1, "foo**/bar matches foo/bar" },
	{ CHECK, 0, "foo**/bar\n", 0, 0, "foobar", F, 0, "foo**/bar not foobar (git 2.52)" },
	{ CHECK, 0, "**\n", 0, 0, "a/b", F, 1, "'**' matches everything" },
	{ CHECK, 0, "/**/x\n", 0, 0, "a/x", F, 1, "/**/x anywhere" },
	{ CHECK, 0, "**/\n", 0, 0, "a", D, 1, "**/ matches directories" },
	{ CHECK, 0, "**/\n", 0, 0, "a", F, 0, "**/ not files" },
	{ CHECK, 0, "a/**/\n", 0, 0, "a/b", F, 0, "a/**/ not files" },
	{ CHECK, 0, "a/**/*.o\n", 0, 0, "a/x/y/z.o", F, 1, "a/**/*.o deep" },
	{ CHECK, 0, "a/**/*.o\n", 0, 0, "a/z.o", F, 1, "a/**/*.o shallow" },

	/* negation */
	{ CHECK, 0, "*.log\n!keep.log\n", 0, 0, "keep.log", F, 0, "'!' re-includes" },
	{ CHECK, 0, "*.log\n!keep.log\n", 0, 0, "x.log", F, 1, "'!' only what it matches" },
	{ CHECK, 0, "!foo\nfoo\n", 0, 0, "foo", F, 1, "the last match wins (exclude)" },
	{ CHECK, 0, "foo\n!foo\n", 0, 0, "foo", F, 0, "the last match wins (include)" },
	{ CHECK, 0, "build/\n!build/keep.txt\n", 0, 0, "build/keep.txt", F, 1, "no re-include under an ignored directory" },
	{ CHECK, 0, "build/*\n!build/keep.txt\n", 0, 0, "build/keep.txt", F, 0, "re-include when only the contents are ignored" },
	{ CHECK, 0, "build/*\n!build/keep.txt\n", 0, 0, "build/sub/keep.txt", F, 1, "... not below an ignored subdirectory" },
	{ CHECK, 0, "/*\n!/foo\n/foo/*\n!/foo/bar\n", 0, 0, "foo/bar", F, 0, "man page: everything but foo/bar" },
	{ CHECK, 0, "/*\n!/foo\n/foo/*\n!/foo/bar\n", 0, 0, "foo/baz", F, 1, "man page: foo/baz ignored" },
	{ CHECK, 0, "/*\n!/foo\n/foo/*\n!/foo/bar\n", 0, 0, "x", F, 1, "man page: x ignored" },
	{ CHECK, 0, "/*\n!/foo\n/foo/*\n!/foo/bar\n", 0, 0, "foo", D, 0, "man page: foo kept" },
	{ CHECK, 0, "*\n!*/\n!*.c\n", 0, 0, "src/x/main.c", F, 0, "everything but .c files" },
	{ CHECK, 0, "*\n!*/\n!*.c\n", 0, 0, "src/x/main.h", F, 1, "... the others ignored" },

	/* nested .vaultignore files */
	{ CHECK, 0, "*.psd\n", "art", "!*.psd\n", "art/x.psd", F, 0, "deeper '!' overrides the top" },
	{ CHECK, 0, "*.psd\n", "art", "!*.psd\n", "x.psd", F, 1, "... not outside its directory" },
	{ CHECK, 0, "*.psd\n", "art", "!*.psd\n", "music/x.psd", F, 1, "... nor in a sibling" },
	{ CHECK, 0, "*.psd\n", "art", "!*.psd\n", "art/a/b/x.psd", F, 0, "... but at any depth below" },
	{ CHECK, 0, "!*.wav\n", "sfx", "*.wav\n", "sfx/x.wav", F, 1, "deeper exclude beats a top '!'" },
	{ CHECK, 0, "a/x\n", "a", "!x\n", "a/x", F, 0, "deeper beats an anchored top rule" },
	{ CHECK, 0, "", "a", "/x\n", "a/x", F, 1, "'/' anchors to the file's directory" },
	{ CHECK, 0, "", "a", "/x\n", "a/b/x", F, 0, "... not deeper" },
	{ CHECK, 0, "", "a", "/x\n", "x", F, 0, "... not above" },
	{ CHECK, 0, "", "a", "b/c\n", "a/b/c", F, 1, "middle '/' relative to the file" },
	{ CHECK, 0, "", "a", "b/c\n", "b/c", F, 0, "... not at the top" },
	{ CHECK, 0, "", "a", "x\n", "a/d/x", F, 1, "unanchored below the file" },
	{ CHECK, 0, "", "a", "x\n", "b/x", F, 0, "unanchored, not in a sibling" },
	{ CHECK, 0, "", "a", "*\n", "a", D, 0, "a file's rules do not apply to its directory" },
	{ CHECK, 0, "", "a/b", "**/z\n", "a/b/c/z", F, 1, "**/ relative to a nested file" },
	{ CHECK, 0, "", "a/b", "**/z\n", "a/z", F, 0, "... not above it" },
	{ CHECK, 0, "x\n", "a/b", "!x\n", "a/c/x", F, 1, "a deep '!' only below it" },

	/* defaults */
	{ CHECK, 1, "", 0, 0, "tools/__pycache__", D, 1, "default: __pycache__/" },
	{ CHECK, 1, "", 0, 0, ".vs", D, 1, "default: .vs/" },
	{ CHECK, 1, "", 0, 0, "a/b.tmp", F, 1, "default: *.tmp" },
	{ CHECK, 1, "", 0, 0, "a/b.TMP", F, 0, "default: *.tmp is case-sensitive" },
	{ CHECK, 1, "", 0, 0, "x.temp", F, 1, "default: *.temp" },
	{ CHECK, 1, "", 0, 0, ".notes.txt.swp", F, 1, "default: *.swp" },
	{ CHECK, 1, "", 0, 0, "notes.txt~", F, 1, "default: *~" },
	{ CHECK, 1, "", 0, 0, "art/hero.kra~", F, 1, "default: *~ covers Krita backups" },
	{ CHECK, 1, "", 0, 0, ".#notes.txt", F, 1, "default: .#*" },
	{ CHECK, 1, "", 0, 0, "a/.DS_Store", F, 1, "default: .DS_Store" },
	{ CHECK, 1, "", 0, 0, "Thumbs.db", F, 1, "default: Thumbs.db" },
	{ CHECK, 1, "", 0, 0, "x/desktop.ini", F, 1, "default: desktop.ini" },
	{ CHECK, 1, "", 0, 0, "scene.blend1", F, 1, "default: *.blend1" },
	{ CHECK, 1, "", 0, 0, "scene.blend2", F, 1, "default: *.blend2" },
	{ CHECK, 1, "", 0, 0, "scene.blend32", F, 1, "default: *.blend32" },
	{ CHECK, 1, "", 0, 0, "scene.blend", F, 0, "default: the .blend itself is kept" },
	{ CHECK, 1, "", 0, 0, "scene.blend0", F, 0, "default: .blend0 is no backup" },
	{ CHECK, 1, "", 0, 0, "obj", D, 0, "default: lowercase obj/ is kept" },
	/* engine caches have ordinary names: never ignored by name alone
	 * (outside a project; see test_engines) */
	{ CHECK, 1, "", 0, 0, "art/Saved", D, 0, "default: Saved/ outside an Unreal project is work" },
	{ CHECK, 1, "", 0, 0, "art/Saved/final_painting.kra", F, 0, "default: ... and so is what is in it" },
	{ CHECK, 1, "", 0, 0, "Library", D, 0, "default: Library/ outside a Unity project is kept" },
	{ CHECK, 1, "", 0, 0, "Temp", D, 0, "default: Temp/ is kept" },
	{ CHECK, 1, "", 0, 0, "Logs", D, 0, "default: Logs/ is kept" },
	{ CHECK, 1, "", 0, 0, "Binaries", D, 0, "default: Binaries/ is kept" },
	{ CHECK, 1, "", 0, 0, "Intermediate", D, 0, "default: Intermediate/ is kept" },
	{ CHECK, 1, "", 0, 0, "game/.godot", D, 0, "default: .godot/ without project.godot is kept" },
	{ CHECK, 1, "", 0, 0, "web/node_modules", D, 0, "default: node_modules/ without package.json is kept" },
	{ CHECK, 1, "", 0, 0, "Assets/hero.png", F, 0, "default: ordinary files kept" },
	{ CHECK, 0, "", 0, 0, "x.tmp", F, 0, "defaults off: *.tmp kept" },
	{ CHECK, 1, "!*.tmp\n", 0, 0, "a/b.tmp", F, 0, "'!*.tmp' re-includes a default" },

	/* the examples of Documentation/vaultignore.md */
	{ CHECK, 1, "blendcache_*/\n!/main.blend1\n", 0, 0, "blendcache_main", D, 1, "doc: Blender disk caches" },
	{ CHECK, 1, "blendcache_*/\n!/main.blend1\n", 0, 0, "main.blend1", F, 0, "doc: keep one .blend1" },
	{ CHECK, 1, "blendcache_*/\n!/main.blend1\n", 0, 0, "shots/main.blend1", F, 1, "doc: ... only that one" },
	{ CHECK, 1, "/exports/\n.mono/\n", 0, 0, "exports", D, 1, "doc: Godot exports" },
	{ CHECK, 1, "/exports/\n.mono/\n", 0, 0, "levels/exports", D, 0, "doc: ... anchored" },
};

#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/*
 * One JSON object per CHECK row:
 *   {"defaults":0,"rules":"...","dir2":"...","rules2":"...",
 *    "path":"...","is_dir":1,"want":1,"why":"..."}
 * then {"default_patterns":[...]}. Non-ASCII bytes pass through
 * unescaped (a BOM is the only one), so read the output as UTF-8.
 */
static int dump_cases(void)
{
	size_t i, nr;
	const char *const *defs = vlt_ignore_defaults(&nr);

	for (i = 0; i < NR_CASES; i++) {
		const struct icase *c = &cases[i];

		if (c->mode != CHECK)
			continue;
		printf("{\"defaults\":%d,\"rules\":", c->defaults);
		json_str(c->rules);
		printf(",\"dir2\":");
		json_str(c->dir2 ? c->dir2 : "");
		printf(",\"rules2\":");
		json_str(c->rules2 ? c->rules2 : "");
		printf(",\"path\":");
		json_str(c->path);
		printf(",\"is_dir\":%d,\"want\":%d,\"why\":", c->is_dir, c->want);
		json_str(c->why);
		printf("}\n");
	}
	printf("{\"default_patterns\":[");
	for (i = 0; i < nr; i++) {
		if (i)
			putchar(',');
		json_str(defs[i]);
	}
	printf("]}\n");
	return 0;
}

static void run_case(const struct icase *c)
{
	struct vlt_ignore *ig = NULL;
	int got;

	if (vlt_ignore_new(c->defaults, &ig) < 0 ||
	    vlt_ignore_add_rules(ig, "", c->rules, strlen(c->rules),
				 ".vaultignore") < 0 ||
	    (c->dir2 && vlt_ignore_add_rules(ig, c->dir2, c->rules2,
					      strlen(c->rules2), "sub") < 0)) {
		ok(0, "%s: setup: %s", c->why, vlt_error_last());
		vlt_ignore_free(ig);
		return;
	}
	if (c->mode == CHECK)
		got = vlt_ignore_check(ig, c->path, c->is_dir, NULL);
	else
		got = vlt_ignore_match(ig, c->path, c->is_dir);
	if (!ok(got == c->want, "%s", c->why))
		tap_diag("  rules '%s'%s%s%s path '%s'%s: got %d, want %d",
			 c->rules, c->dir2 ? " + " : "", c->dir2 ? c->dir2 : "",
			 c->dir2 ? "/.vaultignore" : "", c->path,
			 c->is_dir ? " (dir)" : "", got, c->want);
	vlt_ignore_free(ig);
}

static void test_exclude(void)
{
	struct vlt_ignore *ig;
	static const char top[] = "!*.mp4\n!/only-root\n";

	vlt_ignore_new(1, &ig);
	vlt_ignore_add_rules(ig, "", top, strlen(top), ".vaultignore");
	ok(vlt_ignore_add_pattern(ig, "*.mp4") == 0, "--exclude adds a pattern");
	ok(vlt_ignore_add_pattern(ig, "/only-root") == 0, "--exclude anchored");
	ok(vlt_ignore_add_pattern(ig, "#raw") == 0, "--exclude takes '#' literally");
	ok(vlt_ignore_add_pattern(ig, "!*.temp") == 0, "--exclude may re-include");
	ok(vlt_ignore_match(ig, "clips/x.mp4", 0), "--exclude beats a .vaultignore '!'");
	ok(vlt_ignore_match(ig, "only-root", 0), "--exclude '/x' matches at the top");
	ok(!vlt_ignore_match(ig, "a/only-root", 0), "--exclude '/x' is anchored at the root");
	ok(vlt_ignore_match(ig, "#raw", 0), "--exclude '#raw' is a pattern, not a comment");
	ok(!vlt_ignore_match(ig, "a.temp", 0) && vlt_ignore_match(ig, "a.tmp", 0),
	   "--exclude '!*.temp' re-includes a default");
	is_int(vlt_ignore_add_pattern(ig, ""), VLT_E_INVALID, "--exclude '' refused");
	is_int(vlt_ignore_add_pattern(ig, "!"), VLT_E_INVALID, "--exclude '!' refused");
	is_int(vlt_ignore_add_pattern(ig, "/"), VLT_E_INVALID, "--exclude '/' refused");
	ok(vlt_ignore_add_pattern(ig, "foo ") == 0 &&
	   vlt_ignore_match(ig, "foo ", 0) && !vlt_ignore_match(ig, "foo", 0),
	   "--exclude keeps trailing spaces (taken verbatim, as git)");
	vlt_ignore_free(ig);
}

static void test_why(void)
{
	struct vlt_ignore *ig;
	struct vlt_ignore_why why;
	static const char top[] = "# art\n*.psd\nbuild/   \n";
	static const char sub[] = "\n!keep.psd\n";

	vlt_ignore_new(1, &ig);
	vlt_ignore_add_rules(ig, "", top, strlen(top), ".vaultignore");
	vlt_ignore_add_rules(ig, "art/", sub, strlen(sub), "art/.vaultignore");

	ok(vlt_ignore_check(ig, "x.psd", 0, &why) == 1 && why.source &&
	   !strcmp(why.source, ".vaultignore") && why.line == 2 &&
	   !strcmp(why.pattern, "*.psd") && !why.negated,
	   "why: source, line and pattern of the deciding rule");
	ok(vlt_ignore_check(ig, "art/keep.psd", 0, &why) == 0 && why.source &&
	   !strcmp(why.source, "art/.vaultignore") && why.line == 2 &&
	   !strcmp(why.pattern, "!keep.psd") && why.negated,
	   "why: a re-including rule is reported too");
	ok(vlt_ignore_check(ig, "build/a/b.o", 0, &why) == 1 && why.source &&
	   !strcmp(why.pattern, "build/") && why.line == 3,
	   "why: the rule that ignored a leading directory, trimmed");
	ok(vlt_ignore_check(ig, "x/.vs/y", 0, &why) == 1 && why.source &&
	   !strcmp(why.source, "<built-in>") && !strcmp(why.pattern, ".vs/"),
	   "why: a default");
	ok(vlt_ignore_check(ig, "readme.txt", 0, &why) == 0 && !why.source,
	   "why: no rule matched");
	ok(vlt_ignore_check(ig, "", 1, &why) == 0, "the root is never ignored");
	ok(!vlt_ignore_match(ig, "", 1), "the root is never ignored (match)");
	vlt_ignore_free(ig);
}

/* make each path below root: "x/" a directory, else a file */
static void make_paths(const char *root, const char *const *paths)
{
	for (; *paths; paths++) {
		struct vlt_buf p = VLT_BUF_INIT;
		size_t n = strlen(*paths);

		vlt_buf_addf(&p, "%s/%s", root, *paths);
		if ((*paths)[n - 1] == '/') {
			vlt_mkdir_p(p.data, 0755);
		} else {
			char *slash = strrchr(p.data, '/');

			*slash = '\0';
			vlt_mkdir_p(p.data, 0755);
			*slash = '/';
			vlt_write_file_atomic(p.data, "x\n", 2, 0644, 0);
		}
		vlt_buf_release(&p);
	}
}

/* what a walker would answer for path, with the rules of its directories
 * loaded from disk; why's source and pattern in src/pat ("" if none) */
static int ask(int rootfd, int defaults, const char *path, int is_dir,
	       char *src, char *pat)
{
	struct vlt_ignore *ig;
	struct vlt_ignore_why why;
	int got;

	if (vlt_ignore_new(defaults, &ig) < 0 ||
	    vlt_ignore_load_path(ig, rootfd, path) < 0) {
		vlt_ignore_free(ig);
		return -1;
	}
	got = vlt_ignore_check(ig, path, is_dir, &why);
	snprintf(src, 64, "%s", why.source ? why.source : "");
	snprintf(pat, 64, "%s", why.pattern ? why.pattern : "");
	vlt_ignore_free(ig);
	return got;
}

static void test_engines(void)
{
	static const char *const paths[] = {
		"games/kart/Assets/Library/lib.cs", "games/kart/ProjectSettings/",
		"games/kart/Library/cache.bin", "games/kart/Temp/", "games/kart/obj/",
		"games/kart/Logs/", "games/kart/Assets/hero.png",
		"games/shooter/Shooter.uproject", "games/shooter/Saved/Logs/x.log",
		"games/shooter/Binaries/", "games/shooter/Content/Saved/",
		"games/shooter/Plugins/Fx/Binaries/", "games/shooter/Plugins/Fx/Intermediate/",
		"games/shooter/DerivedDataCache/", "games/shooter/Intermediate/",
		"games/g/project.godot", "games/g/.godot/", "games/g/.import/",
		"web/package.json", "web/node_modules/", "lib/node_modules/",
		"art/Saved/final_painting.kra", "art/Library/", "art/Temp/",
		"half/Assets/", "half/Library/",
		"kept/Assets/", "kept/ProjectSettings/", "kept/Library/",
		NULL,
	};
	static const struct {
		const char *path;
		int is_dir, want;
		const char *source, *pattern, *why;
	} rows[] = {
		{ "games/kart/Library", 1, 1, "<built-in: unity>", "/[Ll]ibrary/", "Unity: Library/ beside Assets/ and ProjectSettings/" },
		{ "games/kart/Library/cache.bin", 0, 1, "<built-in: unity>", "/[Ll]ibrary/", "Unity: ... and what is in it" },
		{ "games/kart/Temp", 1, 1, "<built-in: unity>", "/[Tt]emp/", "Unity: Temp/" },
		{ "games/kart/obj", 1, 1, "<built-in: unity>", "/[Oo]bj/", "Unity: obj/" },
		{ "games/kart/Logs", 1, 1, "<built-in: unity>", "/[Ll]ogs/", "Unity: Logs/" },
		{ "games/kart/Assets/Library/lib.cs", 0, 0, "", "", "Unity: a Library/ inside Assets/ is content" },
		{ "games/kart/Assets/hero.png", 0, 0, "", "", "Unity: assets are kept" },
		{ "games/shooter/Saved/Logs/x.log", 0, 1, "<built-in: unreal>", "/Saved/", "Unreal: Saved/ beside a .uproject" },
		{ "games/shooter/Binaries", 1, 1, "<built-in: unreal>", "/Binaries/", "Unreal: Binaries/" },
		{ "games/shooter/Intermediate", 1, 1, "<built-in: unreal>", "/Intermediate/", "Unreal: Intermediate/" },
		{ "games/shooter/DerivedDataCache", 1, 1, "<built-in: unreal>", "/DerivedDataCache/", "Unreal: DerivedDataCache/" },
		{ "games/shooter/Plugins/Fx/Binaries", 1, 1, "<built-in: unreal>", "/Plugins/**/Binaries/", "Unreal: a plug-in's Binaries/" },
		{ "games/shooter/Plugins/Fx/Intermediate", 1, 1, "<built-in: unreal>", "/Plugins/**/Intermediate/", "Unreal: a plug-in's Intermediate/" },
		{ "games/shooter/Content/Saved", 1, 0, "", "", "Unreal: a Saved/ in Content/ is content" },
		{ "games/g/.godot", 1, 1, "<built-in: godot>", "/.godot/", "Godot: .godot/ beside project.godot" },
		{ "games/g/.import", 1, 1, "<built-in: godot>", "/.import/", "Godot: .import/" },
		{ "web/node_modules", 1, 1, "<built-in: node>", "/node_modules/", "npm: node_modules/ beside package.json" },
		{ "lib/node_modules", 1, 0, "", "", "npm: node_modules/ alone is kept" },
		{ "art/Saved/final_painting.kra", 0, 0, "", "", "an artist's Saved/ is backed up" },
		{ "art/Library", 1, 0, "", "", "an artist's Library/ is backed up" },
		{ "art/Temp", 1, 0, "", "", "an artist's Temp/ is backed up" },
		{ "half/Library", 1, 0, "", "", "Assets/ without ProjectSettings/ is no Unity project" },
		{ "kept/Library", 1, 0, "kept/.vaultignore", "!Library/", "a project's .vaultignore re-includes an engine rule" },
	};
	char root[512], src[64], pat[64];
	int rootfd, n;

	snprintf(root, sizeof(root), "%s/engines", tap_tmpdir());
	vlt_mkdir_p(root, 0755);
	make_paths(root, paths);
	{
		char f[600];

		snprintf(f, sizeof(f), "%s/kept/.vaultignore", root);
		vlt_write_file_atomic(f, "!Library/\n", 10, 0644, 0);
	}
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = ask(rootfd, 1, rows[i].path, rows[i].is_dir, src, pat);

		if (!ok(got == rows[i].want && !strcmp(src, rows[i].source) &&
			!strcmp(pat, rows[i].pattern), "%s", rows[i].why))
			tap_diag("  %s: got %d '%s' '%s'", rows[i].path, got, src, pat);
	}
	ok(ask(rootfd, 0, "games/kart/Library", 1, src, pat) == 0,
	   "no engine rules with the defaults off");
	{
		struct vlt_ignore *ig;
		int fd = openat(rootfd, "games/shooter", O_RDONLY | O_DIRECTORY);

		vlt_ignore_new(1, &ig);
		n = vlt_ignore_add_engines(ig, fd, "games/shooter");
		is_int(n, 1, "add_engines finds one project");
		ok(vlt_ignore_match(ig, "games/shooter/Saved", 1) &&
		   !vlt_ignore_match(ig, "games/Saved", 1) &&
		   !vlt_ignore_match(ig, "games/shooter/x/Saved", 1),
		   "engine rules are anchored to the project");
		vlt_ignore_free(ig);
		close(fd);
	}
	close(rootfd);
}

static void test_dirs(void)
{
	struct vlt_ignore *ig;

	vlt_ignore_new(0, &ig);
	vlt_ignore_add_rules(ig, "/a/b/", "x\n", 2, "1");
	vlt_ignore_add_rules(ig, "./c", "y\n", 2, "2");
	vlt_ignore_add_rules(ig, ".", "/top\n", 5, "3");
	vlt_ignore_add_rules(ig, NULL, "z\n", 2, NULL);
	ok(vlt_ignore_match(ig, "a/b/x", 0) && !vlt_ignore_match(ig, "a/x", 0),
	   "dir '/a/b/' means a/b");
	ok(vlt_ignore_match(ig, "c/y", 0) && !vlt_ignore_match(ig, "y", 0),
	   "dir './c' means c");
	ok(vlt_ignore_match(ig, "top", 0) && vlt_ignore_match(ig, "q/z", 0),
	   "dir '.' and NULL mean the top");
	/* the same directory twice: appended, later wins */
	vlt_ignore_add_rules(ig, "a/b", "!x\n", 3, "4");
	ok(!vlt_ignore_match(ig, "a/b/x", 0), "rules added later to a directory win");
	/* rules added deep first, shallow later: depth still decides */
	vlt_ignore_add_rules(ig, "a", "!q\n", 3, "5");
	vlt_ignore_add_rules(ig, "", "q\n", 2, "6");
	ok(!vlt_ignore_match(ig, "a/q", 0) && vlt_ignore_match(ig, "b/q", 0),
	   "precedence follows depth, not the order of adding");
	vlt_ignore_free(ig);
}

static void test_malformed(void)
{
	static const char nul[] = "foo\0bar\nbaz\n";
	static const char *const odd[] = {
		"[", "[!", "[^", "[]", "[!]", "[\\", "[a-", "[a-\\", "[[:", "[[:a",
		"[[:alpha:", "[[:alpha:]", "\\", "\\\\", "*\\", "**\\", "a/**\\",
		"!", "!/", "/", "//", "///", "**", "***", "/**/", "**/**", "*/",
		"[z-a]", "[--/]", "a/[", "?", "\\ ", "\\\\ ", " ", "!\\",
	};
	static const char *const paths[] = {
		"a", "[", "\\", "a/b", "-", " ", "a/b/c", "[a", "x/[",
	};
	struct vlt_ignore *ig;
	size_t i, j;
	int crashed = 0;

	vlt_ignore_new(0, &ig);
	ok(vlt_ignore_add_rules(ig, "", nul, sizeof(nul) - 1, "nul") == 0,
	   "a NUL byte in the rules is accepted");
	ok(vlt_ignore_match(ig, "foo", 0) && vlt_ignore_match(ig, "baz", 0) &&
	   !vlt_ignore_match(ig, "bar", 0), "... and ends its line there, as in git");
	vlt_ignore_free(ig);

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		vlt_ignore_new(0, &ig);
		if (vlt_ignore_add_rules(ig, "", odd[i], strlen(odd[i]), "odd") < 0)
			crashed = 1;
		for (j = 0; j < sizeof(paths) / sizeof(paths[0]); j++) {
			int r = vlt_ignore_check(ig, paths[j], (int)(j & 1), NULL);

			if (r != 0 && r != 1)
				crashed = 1;
		}
		vlt_ignore_free(ig);
	}
	ok(!crashed, "odd patterns are accepted and answer 0 or 1");

	vlt_ignore_new(0, &ig);
	vlt_ignore_add_rules(ig, "", "[z-a]\n[a-\n", 10, "odd");
	ok(!vlt_ignore_match(ig, "m", 0), "a reversed range matches nothing");
	ok(!vlt_ignore_match(ig, "a", 0) && !vlt_ignore_match(ig, "[a-", 0),
	   "'[a-' unterminated matches nothing");
	vlt_ignore_free(ig);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_speed(void)
{
	struct vlt_ignore *ig;
	static const char top[] =
		"*.psd\n!keep/*.psd\n/build/\nsrc/**/gen/\n*.[oa]\nfoo*bar\n";
	char path[128], dir[64];
	double t0, dt;
	long hits = 0;
	int i;

	vlt_ignore_new(1, &ig);
	vlt_ignore_add_rules(ig, "", top, strlen(top), ".vaultignore");
	ok(!vlt_ignore_match(ig, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 0),
	   "warm-up");
	vlt_ignore_add_rules(ig, "", "*a*a*a*a*a*a*a*a*a*a*a*a\n", 25, "slow");
	t0 = now();
	ok(!vlt_ignore_match(ig, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", 0),
	   "*a*a*a...: no match");
	ok(now() - t0 < 1.0, "*a*a*a... does not backtrack exponentially");

	/* 1000 directories with their own .vaultignore */
	for (i = 0; i < 1000; i++) {
		snprintf(dir, sizeof(dir), "d%d/sub%d", i % 100, i);
		vlt_ignore_add_rules(ig, dir, "*.cache\n!x.psd\n", 15, "d");
	}
	t0 = now();
	for (i = 0; i < 200000; i++) {
		snprintf(path, sizeof(path), "d%d/sub%d/level/file%d.%s",
			 i % 100, i % 1000, i, i % 3 ? "png" : "cache");
		hits += vlt_ignore_match(ig, path, 0);
	}
	dt = now() - t0;
	/* i % 3 == 0 picks .cache; sub(i % 1000) lies in d(i % 100): always */
	is_int(hits, 66667, "200000 matches with 1000 .vaultignore files");
	tap_diag("200000 matches: %.3f s (%.0f ns each)", dt, dt / 200000 * 1e9);
	ok(dt < 5.0, "matching is fast");
	vlt_ignore_free(ig);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc > 1 && !strcmp(argv[1], "--dump"))
		return dump_cases();
	tap_plan_lazy();
	for (i = 0; i < NR_CASES; i++)
		run_case(&cases[i]);
	test_exclude();
	test_why();
	test_dirs();
	test_engines();
	test_malformed();
	test_speed();
	return tap_done();
}
