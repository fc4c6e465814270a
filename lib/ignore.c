/*
 * ignore.c - .vaultignore matching with git's semantics (see ignore.h).
 *
 * Rules are kept in groups: the --exclude patterns, the defaults, one
 * group per directory that has a .vaultignore and one per engine project
 * directory, found through two small hash tables keyed by the directory's
 * path. A path is tried against the --exclude group, then the .vaultignore
 * groups of its ancestors from the deepest up, then the engine groups the
 * same way, then the defaults; inside a group the rules are tried last to
 * first and
 * the first hit decides. That is git's last_matching_pattern_from_lists()
 * with its per-directory stack replaced by the hash lookup, so the rules
 * of sibling directories never meet and nothing has to be popped.
 *
 * Each line is parsed once the way git's parse_path_pattern() does it
 * (negation, directory-only, basename-only, length of the literal start).
 * A literal rule and a "*literal" basename rule are compared with memcmp;
 * everything else runs wild(), our implementation of the algorithm of
 * git's wildmatch.c with WM_PATHNAME, including its two abort codes, which
 * keep patterns such as "*a*a*a*a" from backtracking exponentially.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "ignore.h"

/*
 * The built-in rules, lowest precedence, so any .vaultignore can re-include
 * one with '!'. Only regenerable caches, editor litter and OS metadata
 * belong here; a rule that hides authored work loses data silently, so
 * when in doubt leave a name out.
 *
 * default_patterns apply everywhere, so they are only names no one gives
 * to a folder of work. An engine's caches have ordinary names ("Saved",
 * "Library", "Temp", "Logs", "Binaries"): those rules apply only in a
 * directory that is that engine's project, recognised by the files the
 * engine itself keeps there (engines[] below), and they are anchored to
 * it. Deliberately absent: "Build/" and "Builds/" (release builds are
 * often wanted), "*.bak" (often a user's deliberate copy), ".vscode/" and
 * ".idea/" (shared settings). Documentation/vaultignore.md lists both
 * tables; keep it exact.
 */
static const char *const default_patterns[] = {
	/* IDE and tool caches, recreated by the tools */
	".vs/", "__pycache__/",
	/* temporary files; vim swap files; backups ending in '~' (also
	 * Krita's *.kra~, GIMP/emacs/gedit backups); emacs lock links */
	"*.tmp", "*.temp", "*.swp", "*.swo", "*~", ".#*",
	/* OS folder metadata (Finder, Explorer thumbnails and view settings) */
	".DS_Store", "Thumbs.db", "desktop.ini",
	/* Blender's "Save Versions" backups: scene.blend1 ... (up to 32) */
	"*.blend[1-9]", "*.blend[1-9][0-9]",
};

/*
 * A project of some engine: a directory holding every marker (a name; a
 * trailing '/' wants a directory, a leading '*' any file ending so). Its
 * rules are anchored to that directory.
 */
struct engine {
	const char *source;        /* "<built-in: NAME>", in vlt_ignore_why */
	const char *markers[3];    /* all must be present; NULL-terminated */
	const char *rules[8];      /* NULL-terminated */
};

static const struct engine engines[] = {
	/* Unity: rebuilt from Assets/, Packages/ and ProjectSettings/ (the
	 * names as in GitHub's Unity.gitignore, either case of the initial) */
	{ "<built-in: unity>", { "Assets/", "ProjectSettings/", NULL },
	  { "/[Ll]ibrary/", "/[Tt]emp/", "/[Oo]bj/", "/[Ll]ogs/",
	    "/[Uu]ser[Ss]ettings/", "/[Mm]emoryCaptures/", NULL } },
	/* Unreal: build products, shader/asset caches, autosaves and logs,
	 * of the project and of its plug-ins */
	{ "<built-in: unreal>", { "*.uproject", NULL },
	  { "/Binaries/", "/Intermediate/", "/Saved/", "/DerivedDataCache/",
	    "/Plugins/**/Binaries/", "/Plugins/**/Intermediate/", NULL } },
	/* Godot: import cache and editor state, rebuilt when the project
	 * opens (.godot/ in Godot 4, .import/ in Godot 3) */
	{ "<built-in: godot>", { "project.godot", NULL },
	  { "/.godot/", "/.import/", NULL } },
	/* npm packages, reinstalled from package.json */
	{ "<built-in: node>", { "package.json", NULL },
	  { "/node_modules/", NULL } },
};

#define NR_ENGINES (sizeof(engines) / sizeof(engines[0]))

#define NR_DEFAULTS (sizeof(default_patterns) / sizeof(default_patterns[0]))

#define RULE_NEGATIVE	1u	/* '!': a match re-includes */
#define RULE_MUSTBEDIR	2u	/* trailing '/': directories only */
#define RULE_NODIR	4u	/* no '/' in the pattern: match the basename */
#define RULE_ENDSWITH	8u	/* '*' and then only literal characters */

struct rule {
	const char *pat;	/* no '!', no trailing '/', no leading '/' */
	size_t len;
	size_t prefix;		/* length of the literal start of pat */
	unsigned flags;
	unsigned line;
	const char *text;	/* the line as written (for vlt_ignore_why) */
	const char *source;
	char *mem;		/* owns text and pat */
};

struct group {
	char *dir;		/* "" for the root */
	size_t dirlen;
	uint64_t hash;
	struct rule *rules;
	size_t nr, alloc;
};

/* Groups by directory, linear probing. */
struct table {
	struct group **slots;
	size_t nr, size;	/* size: 0 or a power of two */
	size_t max_depth;	/* components of the deepest directory */
};

struct vlt_ignore {
	struct group exclude;	/* --exclude, highest precedence */
	struct table dirs;	/* .vaultignore rules, by directory */
	struct table engines;	/* engine rules, by project directory */
	struct table loaded;	/* empty groups: vlt_ignore_load_path() did */
	struct group defaults;	/* lowest */
	int use_defaults;	/* also decides whether engines are looked for */
	char **sources;		/* owned copies of the source names */
	size_t sources_nr, sources_alloc;
};

/* What is being matched: a NUL-terminated path and its last component. */
struct subject {
	const char *path;
	size_t len;
	const char *base;
	size_t baselen;
	int is_dir;
};

/* --- the glob matcher ------------------------------------------------- */

enum { WM_MATCH, WM_NOMATCH, WM_ABORT_ALL, WM_ABORT_TO_STARSTAR };

static int glob_special(unsigned char c)
{
	return c == '*' || c == '?' || c == '[' || c == '\\';
}

/* git's simple_length(): the literal characters before the first glob
 * character. A '\' counts as glob, so escaped patterns go to wild(). */
static size_t literal_length(const char *s)
{
	size_t n = 0;

	while (s[n] && !glob_special((unsigned char)s[n]))
		n++;
	return n;
}

/*
 * Is c in the POSIX class named by name[0..n)? 1/0, or -1 for an unknown
 * class name. ASCII only and locale-independent, like git's sane ctype
 * (whose "space" is exactly space, tab, LF and CR).
 */
static int in_ctype(const unsigned char *name, size_t n, unsigned char c)
{
	static const char *const names[] = {
		"alnum", "alpha", "blank", "cntrl", "digit", "graph",
		"lower", "print", "punct", "space", "upper", "xdigit",
	};
	int upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
	int digit = c >= '0' && c <= '9', graph = c > ' ' && c < 0x7f;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && !memcmp(names[i], name, n))
			break;
	switch (i) {
	case 0: return upper || lower || digit;
	case 1: return upper || lower;
	case 2: return c == ' ' || c == '\t';
	case 3: return c < ' ' || c == 0x7f;
	case 4: return digit;
	case 5: return graph;
	case 6: return lower;
	case 7: return graph || c == ' ';
	case 8: return graph && !upper && !lower && !digit;
	case 9: return c == ' ' || c == '\t' || c == '\n' || c == '\r';
	case 10: return upper;
	case 11: return digit || (c >= 'a' && c <= 'f') ||
			(c >= 'A' && c <= 'F');
	default: return -1;
	}
}

/*
 * A bracket expression at *pp (the '[') against the text character tc.
 * On a match *pp is left on the closing ']'. As in git: '!' or '^'
 * negates, a ']' right after the opening (or the negation) is a member,
 * '\' escapes, "a-z" is a range, "[:name:]" a class, and a class that
 * never closes makes the whole pattern fail (WM_ABORT_ALL), so an
 * unterminated '[' matches nothing. A class never matches '/'.
 */
static int match_bracket(const unsigned char **pp, unsigned char tc)
{
	const unsigned char *p = *pp;
	unsigned char pc = *++p, prev = 0;
	int negated, matched = 0;

	if (pc == '^')
		pc = '!';
	negated = pc == '!';
	if (negated)
		pc = *++p;
	do {
		if (!pc)
			return WM_ABORT_ALL;
		if (pc == '\\') {
			pc = *++p;
			if (!pc)
				return WM_ABORT_ALL;
			if (tc == pc)
				matched = 1;
		} else if (pc == '-' && prev && p[1] && p[1] != ']') {
			pc = *++p;
			if (pc == '\\') {
				pc = *++p;
				if (!pc)
					return WM_ABORT_ALL;
			}
			if (tc <= pc && tc >= prev)
				matched = 1;
			pc = 0;		/* a range cannot start another */
		} else if (pc == '[' && p[1] == ':') {
			const unsigned char *name = p + 2, *q = name;
			int r;

			while (*q && *q != ']')
				q++;
			if (!*q)
				return WM_ABORT_ALL;
			if (q == name || q[-1] != ':') {
				/* no ":]": this '[' is an ordinary member */
				if (tc == '[')
					matched = 1;
			} else {
				r = in_ctype(name, (size_t)(q - 1 - name), tc);
				if (r < 0)
					return WM_ABORT_ALL;
				if (r)
					matched = 1;
				p = q;
				pc = 0;
			}
		} else if (tc == pc) {
			matched = 1;
		}
		prev = pc;
		pc = *++p;
	} while (pc != ']');
	if (matched == negated || tc == '/')
		return WM_NOMATCH;
	*pp = p;
	return WM_MATCH;
}

/*
 * Match pattern p against text t, both NUL-terminated; git's dowild()
 * with WM_PATHNAME. '*', '?' and classes stop at '/'. A run of stars that
 * is a whole path component ("**" at the start or after '/', followed by
 * '/' or the end) also crosses '/', and a "**" component may stand for
 * no directory at all, so "a/<star><star>/b" matches a/b as well as a/x/y/b.
 * Any other "**" is a plain '*'.
 *
 * Besides WM_MATCH/WM_NOMATCH, a failed star returns WM_ABORT_TO_STARSTAR
 * (no later start for this '*' can succeed; an enclosing "**" may still
 * try further) or WM_ABORT_ALL (nothing further can succeed), which bounds
 * the backtracking.
 */
static int wild(const unsigned char *p, const unsigned char *t)
{
	const unsigned char *start = p;

	for (; *p; p++, t++) {
		unsigned char pc = *p, tc = *t;
		int cross, r;

		if (!tc && pc != '*')
			return WM_ABORT_ALL;
		switch (pc) {
		case '\\':
			pc = *++p;	/* a trailing '\' (pc == 0) fails below */
			/* fall through */
		default:
			if (tc != pc)
				return WM_NOMATCH;
			continue;
		case '?':
			if (tc == '/')
				return WM_NOMATCH;
			continue;
		case '[':
			r = match_bracket(&p, tc);
			if (r != WM_MATCH)
				return r;
			continue;
		case '*':
			break;
		}

		cross = 0;
		if (p[1] == '*') {
			const unsigned char *first = p;

			while (*++p == '*')
				;
			if ((first == start || first[-1] == '/') &&
			    (!*p || *p == '/' || (p[0] == '\\' && p[1] == '/'))) {
				/* try "**" + "/" as zero directories first */
				if (*p == '/' && wild(p + 1, t) == WM_MATCH)
					return WM_MATCH;
				cross = 1;
			}
		} else {
			p++;
		}
		if (!*p) {
			/* a trailing "**" takes everything, '*' one component */
			if (!cross && strchr((const char *)t, '/'))
				return WM_ABORT_TO_STARSTAR;
			return WM_MATCH;
		}
		if (!cross && *p == '/') {
			/* "*" + "/" takes exactly the rest of this component */
			const char *slash = strchr((const char *)t, '/');

			if (!slash)
				return WM_ABORT_ALL;
			t = (const unsigned char *)slash;
			continue;	/* the loop step consumes both slashes */
		}
		for (;;) {
			if (!tc)
				break;
			if (!glob_special(*p)) {
				/* skip ahead to the next possible start */
				pc = *p;
				while ((tc = *t) && (cross || tc != '/')) {
					if (tc == pc)
						break;
					t++;
				}
				if (tc != pc)
					return cross ? WM_ABORT_ALL :
						       WM_ABORT_TO_STARSTAR;
			}
			r = wild(p, t);
			if (r != WM_NOMATCH) {
				if (!cross || r != WM_ABORT_TO_STARSTAR)
					return r;
			} else if (!cross && tc == '/') {
				return WM_ABORT_TO_STARSTAR;
			}
			tc = *++t;
		}
		return WM_ABORT_ALL;
	}
	return *t ? WM_NOMATCH : WM_MATCH;
}

static int wildmatch(const char *pattern, const char *text)
{
	return wild((const unsigned char *)pattern,
		    (const unsigned char *)text) == WM_MATCH;
}

/* --- rules -------------------------------------------------------------- */

/* git's match_basename(): rules without a '/' look at the last component. */
static int match_basename(const struct rule *r, const char *base, size_t n)
{
	if (r->prefix == r->len)
		return r->len == n && !memcmp(r->pat, base, n);
	if (r->flags & RULE_ENDSWITH)
		return r->len - 1 <= n &&
		       !memcmp(r->pat + 1, base + n - (r->len - 1), r->len - 1);
	if (r->prefix > n || memcmp(r->pat, base, r->prefix))
		return 0;
	return wildmatch(r->pat, base);
}

/*
 * git's match_pathname(): name is the path relative to the rule's
 * directory. After the literal start is compared, one character of it is
 * kept for wild() so that a "**" right after it is not mistaken for the
 * start of the path (git 2.52: "foo**" + "/bar" does not match "foobar").
 */
static int match_pathname(const struct rule *r, const char *name, size_t n)
{
	if (!r->prefix)
		return wildmatch(r->pat, name);
	if (r->prefix > n || memcmp(r->pat, name, r->prefix))
		return 0;
	if (r->prefix == r->len)
		return n == r->len;
	return wildmatch(r->pat + r->prefix - 1, name + r->prefix - 1);
}

/* The last rule of g matching s; off is where the path below g's
 * directory starts. */
static const struct rule *match_group(const struct group *g,
				      const struct subject *s, size_t off)
{
	size_t i = g->nr;

	while (i--) {
		const struct rule *r = &g->rules[i];

		if ((r->flags & RULE_MUSTBEDIR) && !s->is_dir)
			continue;
		if (r->flags & RULE_NODIR) {
			if (match_basename(r, s->base, s->baselen))
				return r;
		} else if (match_pathname(r, s->path + off, s->len - off)) {
			return r;
		}
	}
	return NULL;
}

/*
 * Turn one line into a rule of g, the way git's parse_path_pattern()
 * reads it. A rule that can match nothing (empty once '!' and the
 * trailing '/' are taken off) is dropped: *added tells.
 */
static int add_rule(struct group *g, const char *line, const char *source,
		    unsigned lineno, int *added)
{
	const char *p = line;
	size_t n = strlen(line), len, prefix;
	unsigned flags = 0;
	struct rule *r;
	char *mem;

	*added = 0;
	if (*p == '!') {
		flags |= RULE_NEGATIVE;
		p++;
	}
	len = strlen(p);
	if (len && p[len - 1] == '/') {
		flags |= RULE_MUSTBEDIR;
		len--;
	}
	if (!memchr(p, '/', len))
		flags |= RULE_NODIR;
	prefix = literal_length(p);
	if (prefix > len)
		prefix = len;
	if (*p == '*' && !p[1 + literal_length(p + 1)])
		flags |= RULE_ENDSWITH;
	if (!(flags & RULE_NODIR) && *p == '/') {
		/* anchored: the directory of the rules is implied in front */
		p++;
		len--;
		prefix--;
	}
	if (!len)
		return 0;

	VLT_TRY(VLT_ALLOC_GROW(g->rules, g->nr + 1, g->alloc));
	mem = malloc(n + len + 2);
	if (!mem)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	memcpy(mem, line, n + 1);
	memcpy(mem + n + 1, p, len);
	mem[n + 1 + len] = '\0';

	r = &g->rules[g->nr++];
	r->mem = mem;
	r->text = mem;
	r->pat = mem + n + 1;
	r->len = len;
	r->prefix = prefix;
	r->flags = flags;
	r->line = lineno;
	r->source = source;
	*added = 1;
	return 0;
}

/* git's trim_trailing_spaces(): drop trailing ' ' unless escaped. */
static void trim_trailing_spaces(char *s)
{
	char *last_space = NULL;

	for (; *s; s++) {
		if (*s == ' ') {
			if (!last_space)
				last_space = s;
			continue;
		}
		if (*s == '\\' && !*++s)
			return;
		last_space = NULL;
	}
	if (last_space)
		*last_space = '\0';
}

static void group_release(struct group *g)
{
	size_t i;

	for (i = 0; i < g->nr; i++)
		free(g->rules[i].mem);
	free(g->rules);
	free(g->dir);
	memset(g, 0, sizeof(*g));
}

/* --- the directory table -------------------------------------------------- */

/* FNV-1a, continued from h over s[0..n): a directory's hash can be built
 * component by component while walking a path. */
static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

#define FNV_BASIS 0xcbf29ce484222325ULL

static struct group *lookup(const struct table *tb, uint64_t h,
			    const char *dir, size_t len)
{
	size_t mask = tb->size - 1, i;

	if (!tb->size)
		return NULL;
	for (i = (size_t)h & mask; tb->slots[i]; i = (i + 1) & mask) {
		struct group *g = tb->slots[i];

		if (g->hash == h && g->dirlen == len &&
		    !memcmp(g->dir, dir, len))
			return g;
	}
	return NULL;
}

static int table_grow(struct table *tb)
{
	size_t size = tb->size ? tb->size * 2 : 16, i, j;
	struct group **t = calloc(size, sizeof(*t));

	if (!t)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	for (i = 0; i < tb->size; i++) {
		struct group *g = tb->slots[i];

		if (!g)
			continue;
		for (j = (size_t)g->hash & (size - 1); t[j]; j = (j + 1) & (size - 1))
			;
		t[j] = g;
	}
	free(tb->slots);
	tb->slots = t;
	tb->size = size;
	return 0;
}

static void table_release(struct table *tb)
{
	for (size_t i = 0; i < tb->size; i++) {
		if (tb->slots[i]) {
			group_release(tb->slots[i]);
			free(tb->slots[i]);
		}
	}
	free(tb->slots);
	memset(tb, 0, sizeof(*tb));
}

/* The group of directory dir in tb, created empty if missing. */
static int dir_group(struct table *tb, const char *dir, struct group **out)
{
	size_t len, depth = 0, i;
	uint64_t h;
	struct group *g;

	while (*dir == '/' || (dir[0] == '.' && dir[1] == '/'))
		dir += *dir == '/' ? 1 : 2;
	if (!strcmp(dir, "."))
		dir = "";
	len = strlen(dir);
	while (len && dir[len - 1] == '/')
		len--;
	h = fnv(FNV_BASIS, dir, len);
	if ((*out = lookup(tb, h, dir, len)))
		return 0;

	if ((tb->nr + 1) * 2 > tb->size)
		VLT_TRY(table_grow(tb));
	g = calloc(1, sizeof(*g));
	if (!g || !(g->dir = malloc(len + 1))) {
		free(g);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	memcpy(g->dir, dir, len);
	g->dir[len] = '\0';
	g->dirlen = len;
	g->hash = h;
	for (i = (size_t)h & (tb->size - 1); tb->slots[i];
	     i = (i + 1) & (tb->size - 1))
		;
	tb->slots[i] = g;
	tb->nr++;

	if (len)
		for (depth = 1, i = 0; i < len; i++)
			depth += dir[i] == '/';
	if (depth > tb->max_depth)
		tb->max_depth = depth;
	*out = g;
	return 0;
}

/*
 * The groups of s's ancestors, deepest first. The ancestor in hand is
 * s->path[0..end) (end == 0: the root), with hash h and depth components;
 * recursion reaches the deeper ones first and stops at max_depth, the
 * deepest directory that has rules.
 */
static const struct rule *match_dirs(const struct table *tb,
				     const struct subject *s, size_t end,
				     uint64_t h, size_t depth)
{
	const struct group *g;

	if (depth < tb->max_depth) {
		size_t from = end ? end + 1 : 0;
		size_t upto = (size_t)(s->base - s->path);
		const char *slash = from < upto ?
			memchr(s->path + from, '/', upto - from) : NULL;

		if (slash) {
			size_t next = (size_t)(slash - s->path);
			const struct rule *r = match_dirs(tb, s, next,
				fnv(h, s->path + end, next - end), depth + 1);

			if (r)
				return r;
		}
	}
	g = lookup(tb, h, s->path, end);
	return g && g->nr ? match_group(g, s, end ? end + 1 : 0) : NULL;
}

/* The rule that decides path[0..len) (NUL-terminated there), or NULL. */
static const struct rule *decide(const struct vlt_ignore *ig,
				 const char *path, size_t len, int is_dir)
{
	struct subject s;
	const struct rule *r;
	const char *base = path + len;

	while (base > path && base[-1] != '/')
		base--;
	s.path = path;
	s.len = len;
	s.base = base;
	s.baselen = len - (size_t)(s.base - path);
	s.is_dir = is_dir;

	if (ig->exclude.nr && (r = match_group(&ig->exclude, &s, 0)))
		return r;
	if (ig->dirs.nr && (r = match_dirs(&ig->dirs, &s, 0, FNV_BASIS, 0)))
		return r;
	if (ig->engines.nr &&
	    (r = match_dirs(&ig->engines, &s, 0, FNV_BASIS, 0)))
		return r;
	return match_group(&ig->defaults, &s, 0);
}

/* --- the public functions ------------------------------------------------- */

const char *const *vlt_ignore_defaults(size_t *nr)
{
	*nr = NR_DEFAULTS;
	return default_patterns;
}

int vlt_ignore_new(int use_defaults, struct vlt_ignore **out)
{
	struct vlt_ignore *ig = calloc(1, sizeof(*ig));
	size_t i;
	int added, err;

	*out = NULL;
	if (!ig)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	ig->use_defaults = use_defaults;
	for (i = 0; use_defaults && i < NR_DEFAULTS; i++) {
		err = add_rule(&ig->defaults, default_patterns[i],
			       "<built-in>", (unsigned)i + 1, &added);
		if (err < 0) {
			vlt_ignore_free(ig);
			return err;
		}
	}
	*out = ig;
	return 0;
}

void vlt_ignore_free(struct vlt_ignore *ig)
{
	size_t i;

	if (!ig)
		return;
	group_release(&ig->exclude);
	group_release(&ig->defaults);
	table_release(&ig->dirs);
	table_release(&ig->engines);
	table_release(&ig->loaded);
	for (i = 0; i < ig->sources_nr; i++)
		free(ig->sources[i]);
	free(ig->sources);
	free(ig);
}

static int add_source(struct vlt_ignore *ig, const char *name,
		      const char **out)
{
	char *copy;

	VLT_TRY(VLT_ALLOC_GROW(ig->sources, ig->sources_nr + 1,
			       ig->sources_alloc));
	copy = strdup(name);
	if (!copy)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	ig->sources[ig->sources_nr++] = copy;
	*out = copy;
	return 0;
}

/* Lines as git's add_patterns_from_buffer() reads them. */
int vlt_ignore_add_rules(struct vlt_ignore *ig, const char *dir,
			 const char *text, size_t len,
			 const char *source_name)
{
	struct vlt_buf line = VLT_BUF_INIT;
	const char *p = text, *end = text + len, *source = NULL;
	struct group *g;
	unsigned lineno;
	int err, added;

	VLT_TRY(dir_group(&ig->dirs, dir ? dir : "", &g));
	VLT_TRY(add_source(ig, source_name ? source_name : ".vaultignore",
			   &source));
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	for (lineno = 1, err = 0; p < end && !err; lineno++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((eol ? eol : end) - p);

		if (n && *p != '#') {
			if (p[n - 1] == '\r')
				n--;
			err = vlt_buf_set(&line, p, n);
			if (!err) {
				trim_trailing_spaces(line.data);
				err = add_rule(g, line.data, source, lineno,
					       &added);
			}
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	vlt_buf_release(&line);
	return err;
}

int vlt_ignore_add_pattern(struct vlt_ignore *ig, const char *pattern)
{
	int added;

	VLT_TRY(add_rule(&ig->exclude, pattern, "<exclude>",
			 (unsigned)ig->exclude.nr + 1, &added));
	if (!added)
		return vlt_error_set(VLT_E_INVALID,
				     "exclude pattern '%s' matches nothing",
				     pattern);
	return 0;
}

static void fill_why(const struct rule *r, struct vlt_ignore_why *why)
{
	memset(why, 0, sizeof(*why));
	if (!r)
		return;
	why->source = r->source;
	why->line = r->line;
	why->pattern = r->text;
	why->negated = !!(r->flags & RULE_NEGATIVE);
}

int vlt_ignore_match(const struct vlt_ignore *ig, const char *relpath,
		     int is_dir)
{
	return vlt_ignore_match_why(ig, relpath, is_dir, NULL);
}

int vlt_ignore_match_why(const struct vlt_ignore *ig, const char *relpath,
			 int is_dir, struct vlt_ignore_why *why)
{
	const struct rule *r;
	size_t len = strlen(relpath);

	r = len ? decide(ig, relpath, len, is_dir) : NULL;
	if (why)
		fill_why(r, why);
	return r && !(r->flags & RULE_NEGATIVE);
}

int vlt_ignore_check(const struct vlt_ignore *ig, const char *relpath,
		     int is_dir, struct vlt_ignore_why *why)
{
	struct vlt_buf path = VLT_BUF_INIT;
	const struct rule *r = NULL;
	size_t len = strlen(relpath);
	char *q;
	int ignored;

	if (why)
		memset(why, 0, sizeof(*why));
	if (!len)
		return 0;
	VLT_TRY(vlt_buf_set(&path, relpath, len));
	/* as git's prep_exclude(): an ignored leading directory decides */
	for (q = path.data; (q = strchr(q, '/')); *q++ = '/') {
		*q = '\0';
		r = decide(ig, path.data, (size_t)(q - path.data), 1);
		if (r && !(r->flags & RULE_NEGATIVE))
			break;
		r = NULL;
	}
	if (!r)
		r = decide(ig, path.data, len, is_dir);
	vlt_buf_release(&path);

	ignored = r && !(r->flags & RULE_NEGATIVE);
	if (why)
		fill_why(r, why);
	return ignored;
}

/* --- engine projects and reading a directory's rules ------------------- */

/* Does the directory hold every marker of engine en? seen[i]: the
 * caller's listing had a name matching en->markers[i]; the type of a
 * plain name is checked here. */
static int is_project(int dirfd, const struct engine *en, const int *seen)
{
	for (size_t i = 0; en->markers[i]; i++) {
		const char *m = en->markers[i];
		size_t n = strlen(m);
		char name[64];
		struct stat st;

		if (!seen[i])
			return 0;
		if (m[0] == '*')
			continue;
		if (n >= sizeof(name))
			return 0;
		memcpy(name, m, n + 1);
		if (name[n - 1] == '/')
			name[--n] = '\0';
		/* markers may be symlinks: the engine follows them too */
		if (fstatat(dirfd, name, &st, 0) < 0)
			return 0;
		if (m[strlen(m) - 1] == '/' ? !S_ISDIR(st.st_mode) :
		    !S_ISREG(st.st_mode))
			return 0;
	}
	return 1;
}

/* Which markers some entry of the directory matches by name (one
 * listing, so a directory that is no project costs no further call). */
static int scan_markers(int dirfd, int has[NR_ENGINES][3])
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dp;
	struct dirent *de;

	if (fd < 0)
		return vlt_error_set(VLT_E_IO, "%s", strerror(errno));
	if (!(dp = fdopendir(fd))) {
		close(fd);
		return vlt_error_set(VLT_E_IO, "%s", strerror(errno));
	}
	while ((de = readdir(dp)) != NULL) {
		size_t n = strlen(de->d_name);

		for (size_t e = 0; e < NR_ENGINES; e++)
			for (size_t i = 0; engines[e].markers[i]; i++) {
				const char *m = engines[e].markers[i];
				size_t k = strlen(m);

				if (m[0] == '*') {
					/* "*.uproject": a file, by its ending */
					k--;
					if (n > k && de->d_type != DT_DIR &&
					    !memcmp(de->d_name + n - k, m + 1, k))
						has[e][i] = 1;
				} else {
					if (m[k - 1] == '/')
						k--;
					if (n == k && !memcmp(de->d_name, m, k))
						has[e][i] = 1;
				}
			}
	}
	closedir(dp);
	return 0;
}

int vlt_ignore_add_engines(struct vlt_ignore *ig, int dirfd, const char *dir)
{
	int has[NR_ENGINES][3];
	int found = 0, added;

	if (!ig->use_defaults)
		return 0;
	memset(has, 0, sizeof(has));
	VLT_TRY(scan_markers(dirfd, has));
	for (size_t e = 0; e < NR_ENGINES; e++) {
		struct group *g;

		if (!is_project(dirfd, &engines[e], has[e]))
			continue;
		VLT_TRY(dir_group(&ig->engines, dir, &g));
		for (size_t i = 0; engines[e].rules[i]; i++)
			VLT_TRY(add_rule(g, engines[e].rules[i], engines[e].source,
					 (unsigned)i + 1, &added));
		found++;
	}
	return found;
}

int vlt_ignore_load_dir(struct vlt_ignore *ig, int dirfd, const char *dir)
{
	struct vlt_buf text = VLT_BUF_INIT, name = VLT_BUF_INIT;
	size_t got;
	int fd, err;

	dir = dir ? dir : "";
	err = vlt_ignore_add_engines(ig, dirfd, dir);
	if (err < 0)
		return err;
	fd = openat(dirfd, ".vaultignore", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ELOOP ? 0 :
		       vlt_error_set(VLT_E_IO, "%s%s.vaultignore: %s", dir,
				     *dir ? "/" : "", strerror(errno));
	do {
		if ((err = vlt_buf_grow(&text, 65536)) < 0 ||
		    (err = vlt_read_upto(fd, text.data + text.len, 65536, &got,
					 ".vaultignore")) < 0)
			break;
		vlt_buf_setlen(&text, text.len + got);
	} while (got == 65536 && text.len < (16 << 20));
	close(fd);
	if (!err && !(err = vlt_buf_addf(&name, "%s%s.vaultignore", dir,
					  *dir ? "/" : "")))
		err = vlt_ignore_add_rules(ig, dir, text.data ? text.data : "",
					   text.len, name.data);
	vlt_buf_release(&text);
	vlt_buf_release(&name);
	return err;
}

int vlt_ignore_load_path(struct vlt_ignore *ig, int rootfd,
			 const char *relpath)
{
	struct vlt_buf dir = VLT_BUF_INIT;
	const char *p = relpath, *slash;
	int fd = dup(rootfd), err = 0;

	if (fd < 0)
		return vlt_error_set(VLT_E_IO, "dup: %s", strerror(errno));
	/* the root, then each leading directory of relpath (not relpath:
	 * a directory's rules apply only to what is inside it) */
	for (;;) {
		const char *d = dir.data ? dir.data : "";
		struct group *g;
		size_t n = ig->loaded.nr;
		int next;

		if ((err = dir_group(&ig->loaded, d, &g)) < 0)
			break;
		if (ig->loaded.nr != n &&
		    (err = vlt_ignore_load_dir(ig, fd, d)) < 0)
			break;
		if (!(slash = strchr(p, '/')))
			break;
		if ((err = vlt_buf_addf(&dir, "%s%.*s", dir.len ? "/" : "",
					(int)(slash - p), p)) < 0)
			break;
		next = openat(fd, dir.data + (dir.len - (size_t)(slash - p)),
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		if (fd < 0)
			break;	/* no such directory: nothing more to load */
		p = slash + 1;
	}
	if (fd >= 0)
		close(fd);
	vlt_buf_release(&dir);
	return err;
}
