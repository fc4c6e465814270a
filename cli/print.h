/*
 * print.h - output helpers shared by the programs: tree entry lines in
 * git's ls-tree style, C-style quoting of odd names, human-readable sizes
 * and dates.
 */
#ifndef VLT_PRINT_H
#define VLT_PRINT_H

#include <stdint.h>

#include "buf.h"
#include "tree.h"

struct vlt_diff_summary;  /* lib/diff.h */

/* git-style mode: 100644/100755 files, 040000 trees, 120000 symlinks. */
unsigned print_git_mode(const struct vlt_tree_entry *e);
/* Append name, C-quoted ("a\tb") if it has control characters, quotes or
 * backslashes; as is otherwise (UTF-8 stays readable). */
int print_quote_name(struct vlt_buf *out, const char *name);
/* "MODE TYPE ID[ SIZE]\tPATH" + terminator into out. */
int print_tree_line(struct vlt_buf *out, const struct vlt_tree_entry *e,
		    const char *path, int long_format, int nul);

/*
 * The functions below return thread-local rotating buffers (like
 * vlt_oid_hex): up to 4 results of each may be used at a time.
 */

/* Binary units with one decimal: "0 B", "999 B", "1.0 KiB", "1.3 MiB". */
const char *print_human_size(uint64_t bytes);
/* git's default date format, in the given offset east of UTC (minutes):
 * "Wed Nov 25 12:58:35 2026 +0000". */
const char *print_date(int64_t time, int tz_minutes);
/* Short form for one-line listings: "2026-11-25 12:58". */
const char *print_date_short(int64_t time, int tz_minutes);
/* ISO 8601 for machine output: "2026-11-25T12:58:35+00:00". */
const char *print_date_iso(int64_t time, int tz_minutes);
/* ls -l mode string: "drwxr-xr-x", "-rw-r--r--", "lrwxrwxrwx" (setuid,
 * setgid and sticky bits as s/S, t/T). buf holds at least 11 bytes. */
char *print_mode_string(const struct vlt_tree_entry *e, char buf[11]);

/*
 * A new jansson string for s (for --json output). jansson refuses text
 * that is not UTF-8; names and messages may hold any bytes, so each byte
 * of an invalid sequence becomes U+FFFD instead; a NULL s is JSON null.
 * NULL only when out of memory. The caller owns the reference.
 */
struct json_t;
struct json_t *print_json_string(const char *s);

/* The one-line summary of a diff, shared by `vault diff --stat` and
 * `vault show`: " 3 files changed (1 added, 2 modified), +1.2 MiB,
 * -12 B\n" (" no changes\n" when empty). */
int print_diff_summary(struct vlt_buf *out, const struct vlt_diff_summary *s);
/* The same as a JSON object (documented in Documentation/vault-diff.md);
 * NULL when out of memory. */
struct json_t *print_diff_summary_json(const struct vlt_diff_summary *s);

/* A snapshot message indented by four spaces per line, as git log shows
 * it; "    (no message)" when it is empty. */
int print_indented_message(struct vlt_buf *out, const char *msg);

/*
 * The author of a snapshot for people to read, with the host beside it
 * shown once: without an email configured, vault records "NAME
 * <NAME@HOST>", which says nothing the host line does not, so that email
 * is left out ("root"); a real one stays ("Ada <ada@studio.example>").
 */
int print_author(struct vlt_buf *out, const char *author, const char *host);
/* The author's name alone and the host, for one-column listings:
 * "Ada@studio", "root@vm". */
int print_author_at_host(struct vlt_buf *out, const char *author,
			 const char *host);

/* "note: older snapshots were forgotten" on stderr, once per process:
 * what a history walk says when it reaches forgotten history. */
void print_note_forgotten(void);

#endif
