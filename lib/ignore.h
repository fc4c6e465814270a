/*
 * ignore.h - which paths a backup leaves out: .vaultignore files,
 * --exclude patterns and a short list of built-in defaults.
 *
 * A .vaultignore has exactly the syntax and meaning of a .gitignore (man
 * gitignore; Documentation/vaultignore.md): blank lines and '#' comments,
 * trailing spaces dropped unless escaped with '\', '!' re-includes, a '/'
 * at the start or in the middle anchors the pattern to the directory of
 * the .vaultignore, a trailing '/' matches directories only, '*', '?',
 * '[a-z]', '[!x]', '[[:digit:]]', and '**' as a whole path component.
 * Nothing in a rules text is an error: malformed patterns (an unterminated
 * '[', a trailing '\') match nothing, as in git.
 *
 * Precedence, highest first (git's order for command line, .gitignore
 * files and core.excludesFile):
 *   1. --exclude patterns (vlt_ignore_add_pattern), anchored at the root;
 *   2. the .vaultignore of the path's own directory, then its parent's, and
 *      so on up to the root's;
 *   3. the built-in rules of the engine projects the path is in (deepest
 *      project first), then the built-in defaults (unless disabled).
 * Within one level the last matching rule wins. So a .vaultignore can
 * re-include a built-in rule with "!Library/", and a deeper file overrides a
 * shallower one. Rules of a directory only ever apply to paths below it,
 * so a walker adds each .vaultignore when it enters the directory and
 * never has to remove it.
 *
 * As in git, a path inside an ignored directory cannot be re-included: the
 * walker does not descend into an ignored directory at all, and
 * vlt_ignore_check() reports such a path as ignored by the rule that
 * matched the directory.
 *
 * Built-in rules (two tables in ignore.c; every entry is a regenerable
 * cache, editor litter or OS metadata, never authored work). The defaults
 * apply at any depth, so they are only names nobody gives a folder of
 * work:
 *   tools      .vs/  __pycache__/
 *   editors    *.tmp  *.temp  *.swp  *.swo  *~  .#*
 *   OS         .DS_Store  Thumbs.db  desktop.ini
 *   Blender    *.blend[1-9]  *.blend[1-9][0-9]   (.blend1 ... .blend99)
 * An engine's caches have ordinary names (Saved, Library, Temp, Logs), so
 * its rules apply only in a directory that is a project of that engine
 * (vlt_ignore_add_engines() looks when a walker enters a directory), and
 * are anchored there:
 *   Unity   (Assets/ and ProjectSettings/)  /[Ll]ibrary/ /[Tt]emp/ /[Oo]bj/
 *           /[Ll]ogs/ /[Uu]ser[Ss]ettings/ /[Mm]emoryCaptures/
 *   Unreal  (a *.uproject file)  /Binaries/ /Intermediate/ /Saved/
 *           /DerivedDataCache/, and Binaries/ and Intermediate/ at any
 *           depth below /Plugins/
 *   Godot   (project.godot)  /.godot/ /.import/
 *   node    (package.json)  /node_modules/
 * They report their source as "<built-in: unity>" and so on; the defaults
 * as "<built-in>". Documentation/vaultignore.md lists them exactly.
 *
 * Paths given to the matchers are relative to the backup root,
 * '/'-separated, without a leading "/" or "./" and without a trailing '/'.
 * Matching is case-sensitive and byte-wise (git with core.ignoreCase off).
 *
 * An ignore set is read-only while matching, so any number of threads may
 * call vlt_ignore_match()/vlt_ignore_check() at once; adding rules needs
 * exclusive access.
 */
#ifndef VLT_IGNORE_H
#define VLT_IGNORE_H

#include <stddef.h>

struct vlt_ignore;

/* A new, empty ignore set; use_defaults = 0 leaves out the built-in
 * defaults (--no-default-ignores). Free it with vlt_ignore_free(). */
int vlt_ignore_new(int use_defaults, struct vlt_ignore **out);
void vlt_ignore_free(struct vlt_ignore *ig);

/*
 * Add the rules of a .vaultignore found in directory dir ("" for the
 * root; '/'-separated, relative to the root, surrounding '/' tolerated).
 * text need not be NUL-terminated; a UTF-8 BOM and CRLF line ends are
 * accepted. source_name (e.g. "art/.vaultignore") is copied and only used
 * to report which rule matched. Adding to the same directory twice appends
 * (later lines win). Fails only with VLT_E_NOMEM.
 */
int vlt_ignore_add_rules(struct vlt_ignore *ig, const char *dir,
			 const char *text, size_t len,
			 const char *source_name);

/*
 * Add one --exclude pattern: one line of .vaultignore syntax anchored at
 * the root, taken verbatim (no comment or trailing-space processing, as
 * git's --exclude), with precedence over every .vaultignore. Returns
 * VLT_E_INVALID for a pattern that can match nothing ("", "!", "/").
 */
int vlt_ignore_add_pattern(struct vlt_ignore *ig, const char *pattern);

/*
 * 1 if relpath is ignored, else 0; is_dir says whether it is a directory.
 * This is the walker's question: the caller promises relpath's parent
 * directories are not ignored (it walks top-down and skips ignored
 * directories), so only relpath itself is matched. No allocation; cost is
 * one pass over the rules that can apply (literal and "*.ext" rules are
 * compared without the glob matcher).
 */
int vlt_ignore_match(const struct vlt_ignore *ig, const char *relpath,
		     int is_dir);

/* The rule that decided, for reporting (git check-ignore -v). The
 * strings belong to the ignore set, and stay the same for one rule, so
 * (source, line) pointers tell rules apart. */
struct vlt_ignore_why {
	const char *source;   /* source_name, "<built-in>", "<built-in: unity>"
				 ..., or "<exclude>"; NULL when no rule matched */
	unsigned line;        /* 1-based line in source (index for the others) */
	const char *pattern;  /* the rule as written, trailing spaces trimmed */
	int negated;          /* the rule starts with '!' (re-includes) */
};

/*
 * Like vlt_ignore_match, for any path: a path inside an ignored directory
 * is ignored too (each leading directory is matched first). Returns 1 or
 * 0, or VLT_E_NOMEM; why may be NULL. Slower: for check-ignore and tests,
 * not for walkers.
 */
int vlt_ignore_check(const struct vlt_ignore *ig, const char *relpath,
		     int is_dir, struct vlt_ignore_why *why);

/* vlt_ignore_match(), also saying which rule decided (why may be NULL;
 * why->source is NULL when no rule matched). Same cost. */
int vlt_ignore_match_why(const struct vlt_ignore *ig, const char *relpath,
			 int is_dir, struct vlt_ignore_why *why);

/*
 * A walker entering directory dir (open as dirfd; "" for the root): add
 * the built-in rules of each engine whose project dir is (markers found
 * there), anchored to dir. Nothing when the defaults are off. Returns the
 * number of engines found, or a negative error (the directory cannot be
 * listed).
 */
int vlt_ignore_add_engines(struct vlt_ignore *ig, int dirfd, const char *dir);

/*
 * Everything a walker does on entering dir: vlt_ignore_add_engines(),
 * then the rules of dir's .vaultignore if there is one (named
 * "DIR/.vaultignore" in vlt_ignore_why). An unreadable .vaultignore or
 * directory is VLT_E_IO; whatever could be read is added anyway.
 */
int vlt_ignore_load_dir(struct vlt_ignore *ig, int dirfd, const char *dir);

/*
 * For a question about one path (check-ignore, status): load the rules of
 * the root (rootfd) and of each leading directory of relpath that exists,
 * once per directory however many paths are asked about.
 */
int vlt_ignore_load_path(struct vlt_ignore *ig, int rootfd,
			 const char *relpath);

/* The built-in default patterns, in order; *nr gets their number. */
const char *const *vlt_ignore_defaults(size_t *nr);

#endif
