/*
 * print.c - see print.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "diff.h"
#include "error.h"
#include "print.h"

unsigned print_git_mode(const struct vlt_tree_entry *e)
{
	switch (e->type) {
	case VLT_ENTRY_DIR: return 040000;
	case VLT_ENTRY_SYMLINK: return 0120000;
	case VLT_ENTRY_FILE: return (e->mode & 0111) ? 0100755 : 0100644;
	}
	return 0;
}

int print_quote_name(struct vlt_buf *out, const char *name)
{
	const unsigned char *p;
	int need = 0;

	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f)
			need = 1;
	if (!need)
		return vlt_buf_adds(out, name);
	VLT_TRY(vlt_buf_addch(out, '"'));
	for (p = (const unsigned char *)name; *p; p++) {
		switch (*p) {
		case '"': VLT_TRY(vlt_buf_adds(out, "\\\"")); break;
		case '\\': VLT_TRY(vlt_buf_adds(out, "\\\\")); break;
		case '\n': VLT_TRY(vlt_buf_adds(out, "\\n")); break;
		case '\t': VLT_TRY(vlt_buf_adds(out, "\\t")); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				VLT_TRY(vlt_buf_addf(out, "\\%03o", *p));
			else
				VLT_TRY(vlt_buf_addch(out, *p));
		}
	}
	return vlt_buf_addch(out, '"');
}

int print_tree_line(struct vlt_buf *out, const struct vlt_tree_entry *e,
		    const char *path, int long_format, int nul)
{
	VLT_TRY(vlt_buf_addf(out, "%06o %s %s", print_git_mode(e),
			     vlt_entry_type_name(e->type), vlt_oid_hex(&e->oid)));
	if (long_format) {
		if (e->type == VLT_ENTRY_DIR)
			VLT_TRY(vlt_buf_addf(out, " %7s", "-"));
		else
			VLT_TRY(vlt_buf_addf(out, " %7" PRIu64, e->size));
	}
	VLT_TRY(vlt_buf_addch(out, '\t'));
	if (nul)
		VLT_TRY(vlt_buf_adds(out, path));
	else
		VLT_TRY(print_quote_name(out, path));
	return vlt_buf_addch(out, nul ? '\0' : '\n');
}

const char *print_human_size(uint64_t bytes)
{
	static const char *const units[] = {
		"KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	static _Thread_local char bufs[4][32];
	static _Thread_local int next;
	char *b;
	double v;
	int u;

	next = (next + 1) & 3;
	b = bufs[next];
	if (bytes < 1024) {
		snprintf(b, sizeof(bufs[0]), "%" PRIu64 " B", bytes);
		return b;
	}
	v = (double)bytes / 1024;
	for (u = 0; u < 5 && v >= 1024; u++)
		v /= 1024;
	/* 1023.96 KiB would print as "1024.0 KiB": show 1.0 MiB instead */
	if (v >= 1023.95 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(b, sizeof(bufs[0]), "%.1f %s", v, units[u]);
	return b;
}

/* The broken-down time of `time` shifted by the offset (never the
 * process's time zone, so output does not depend on $TZ). */
static int shifted_tm(int64_t time, int tz_minutes, struct tm *tm)
{
	time_t t = (time_t)(time + (int64_t)tz_minutes * 60);

	return gmtime_r(&t, tm) ? 0 : -1;
}

static char *date_buf(void)
{
	static _Thread_local char bufs[4][64];
	static _Thread_local int next;

	next = (next + 1) & 3;
	return bufs[next];
}

const char *print_date(int64_t time, int tz_minutes)
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
	};
	int tz = tz_minutes < 0 ? -tz_minutes : tz_minutes;
	char *b = date_buf();
	struct tm tm;

	if (shifted_tm(time, tz_minutes, &tm) < 0) {
		snprintf(b, 64, "@%" PRId64, time);
		return b;
	}
	/* English names whatever the locale, like git */
	snprintf(b, 64, "%s %s %d %02d:%02d:%02d %lld %c%02d%02d",
		 days[tm.tm_wday], months[tm.tm_mon], tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (long long)tm.tm_year + 1900,
		 tz_minutes < 0 ? '-' : '+', tz / 60, tz % 60);
	return b;
}

const char *print_date_short(int64_t time, int tz_minutes)
{
	char *b = date_buf();
	struct tm tm;

	if (shifted_tm(time, tz_minutes, &tm) < 0)
		snprintf(b, 64, "@%" PRId64, time);
	else
		snprintf(b, 64, "%04lld-%02d-%02d %02d:%02d",
			 (long long)tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min);
	return b;
}

const char *print_date_iso(int64_t time, int tz_minutes)
{
	int tz = tz_minutes < 0 ? -tz_minutes : tz_minutes;
	char *b = date_buf();
	struct tm tm;

	if (shifted_tm(time, tz_minutes, &tm) < 0)
		snprintf(b, 64, "@%" PRId64, time);
	else
		snprintf(b, 64, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
			 (long long)tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 tz_minutes < 0 ? '-' : '+', tz / 60, tz % 60);
	return b;
}

char *print_mode_string(const struct vlt_tree_entry *e, char buf[11])
{
	static const char rwx[] = "rwxrwxrwx";
	uint32_t m = e->type == VLT_ENTRY_SYMLINK ? 0777 : e->mode;

	buf[0] = e->type == VLT_ENTRY_DIR ? 'd' :
		 e->type == VLT_ENTRY_SYMLINK ? 'l' : '-';
	for (int i = 0; i < 9; i++)
		buf[1 + i] = (m & (0400u >> i)) ? rwx[i] : '-';
	if (m & 04000)
		buf[3] = (m & 0100) ? 's' : 'S';
	if (m & 02000)
		buf[6] = (m & 0010) ? 's' : 'S';
	if (m & 01000)
		buf[9] = (m & 0001) ? 't' : 'T';
	buf[10] = '\0';
	return buf;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (p[0] >= 0xe0 && p[0] <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xe0 && p[1] < 0xa0) ||   /* overlong */
		    (p[0] == 0xed && p[1] >= 0xa0))    /* surrogates */
			return 0;
		return 3;
	}
	if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
		    (p[3] & 0xc0) != 0x80)
			return 0;
		if ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

json_t *print_json_string(const char *s)
{
	struct vlt_buf b = VLT_BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	json_t *j;

	if (!s)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	/* not UTF-8 (the strings are NUL-free C strings, so the sequence
	 * checks never read past the terminator: it fails them first) */
	while (*p) {
		size_t n = utf8_seq(p);

		if (n) {
			if (vlt_buf_add(&b, p, n) < 0)
				goto oom;
			p += n;
		} else {
			if (vlt_buf_adds(&b, "\xef\xbf\xbd") < 0)
				goto oom;
			p++;
		}
	}
	j = json_stringn(b.data ? b.data : "", b.len);
oom:
	vlt_buf_release(&b);
	return j;
}

int print_diff_summary(struct vlt_buf *out, const struct vlt_diff_summary *s)
{
	const struct { uint64_t n; const char *what; } parts[] = {
		{ s->added, "added" }, { s->removed, "removed" },
		{ s->modified, "modified" }, { s->renamed, "renamed" },
	};
	const char *sep = " (";

	if (!s->changed)
		return vlt_buf_adds(out, " no changes\n");
	VLT_TRY(vlt_buf_addf(out, " %" PRIu64 " file%s changed", s->changed,
			     s->changed == 1 ? "" : "s"));
	for (size_t i = 0; i < sizeof(parts) / sizeof(*parts); i++) {
		if (!parts[i].n)
			continue;
		VLT_TRY(vlt_buf_addf(out, "%s%" PRIu64 " %s", sep, parts[i].n,
				     parts[i].what));
		sep = ", ";
	}
	return vlt_buf_addf(out, "), +%s, -%s\n",
			    print_human_size(s->bytes_plus),
			    print_human_size(s->bytes_minus));
}

json_t *print_diff_summary_json(const struct vlt_diff_summary *s)
{
	return json_pack("{s:I, s:{s:I, s:I}, s:{s:I, s:I}, "
			 "s:{s:I, s:I, s:I}, s:{s:I, s:I}, s:I, s:I}",
			 "files_changed", (json_int_t)s->changed,
			 "added", "files", (json_int_t)s->added,
			 "bytes", (json_int_t)s->added_bytes,
			 "removed", "files", (json_int_t)s->removed,
			 "bytes", (json_int_t)s->removed_bytes,
			 "modified", "files", (json_int_t)s->modified,
			 "old_bytes", (json_int_t)s->modified_old_bytes,
			 "new_bytes", (json_int_t)s->modified_new_bytes,
			 "renamed", "files", (json_int_t)s->renamed,
			 "bytes", (json_int_t)s->renamed_bytes,
			 "bytes_added", (json_int_t)s->bytes_plus,
			 "bytes_removed", (json_int_t)s->bytes_minus);
}

int print_indented_message(struct vlt_buf *out, const char *msg)
{
	if (!msg || !*msg)
		return vlt_buf_adds(out, "    (no message)\n");
	while (*msg) {
		size_t n = strcspn(msg, "\n");

		VLT_TRY(vlt_buf_addf(out, n ? "    %.*s\n" : "\n", (int)n, msg));
		msg += n;
		if (*msg == '\n')
			msg++;
	}
	return 0;
}

/* The length of the name part of "NAME <EMAIL>" (all of author without
 * an email), blanks before the '<' excluded. */
static size_t author_name_len(const char *author)
{
	const char *lt = strrchr(author, '<');
	size_t n = lt ? (size_t)(lt - author) : strlen(author);

	while (n && author[n - 1] == ' ')
		n--;
	return n ? n : strlen(author);
}

/* 1 if author is "NAME <NAME@HOST>", vault's default without an email. */
static int email_is_default(const char *author, const char *host)
{
	size_t n = author_name_len(author), hl = strlen(host);
	const char *p = author + n;

	if (strncmp(p, " <", 2))
		return 0;
	p += 2;
	return !strncmp(p, author, n) && p[n] == '@' &&
	       !strncmp(p + n + 1, host, hl) && !strcmp(p + n + 1 + hl, ">");
}

int print_author(struct vlt_buf *out, const char *author, const char *host)
{
	if (host && email_is_default(author, host))
		return vlt_buf_add(out, author, author_name_len(author));
	return vlt_buf_adds(out, author);
}

int print_author_at_host(struct vlt_buf *out, const char *author,
			 const char *host)
{
	VLT_TRY(vlt_buf_add(out, author, author_name_len(author)));
	return vlt_buf_addf(out, "@%s", host);
}

void print_note_forgotten(void)
{
	static int said;

	if (!said++)
		fputs("note: older snapshots were forgotten\n", stderr);
}
