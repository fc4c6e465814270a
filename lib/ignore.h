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
 *   3. the built-in defaults (unless disabled).
 * Within one level the last matching rule wins. So a .vaultignore can
 * re-include a default with "!Library/", and a deeper file overrides a
 * shallower one. Rules of a directory only ever apply to paths below it,
 * so a walker adds each .vaultignore when it enters the directory and
 * never has to remove it.
 *
 * As in git, a path inside an ignored directory cannot be re-included: the
 * walker does not descend into an ignored directory at all, and
 * vlt_ignore_check() reports such a path as ignored by the rule that
 * matched the directory.
 *
 * Built-in defaults (one table in ignore.c; every entry is a regenerable
 * cache, editor litter or OS metadata, never authored work):
 *   Godot      .godot/  .import/
 *   Unity      Library/  Temp/  Obj/  Logs/  UserSettings/
 *   Unreal     Intermediate/  Saved/  DerivedDataCache/  Binaries/
 *   tools      .vs/  __pycache__/  node_modules/
 *   editors    *.tmp  *.temp  *.swp  *.swo  *~  .#*
 *   OS         .DS_Store  Thumbs.db  desktop.ini
 *   Blender    *.blend[1-9]  *.blend[1-9][0-9]   (.blend1 ... .blend99)
 * Entries ending in '/' match directories only; none contains a '/'
 * otherwise, so each applies at any depth (Unity's and Unreal's folders
 * included: projects are often nested inside a larger backup root).
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
 * strings belong to the ignore set. */
struct vlt_ignore_why {
	const char *source;   /* source_name, "<defaults>" or "<exclude>";
				 NULL when no rule matched */
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

/* The built-in default patterns, in order; *nr gets their number. */
const char *const *vlt_ignore_defaults(size_t *nr);

#endif
