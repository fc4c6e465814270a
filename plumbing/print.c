/*
 * print.c - see print.h.
 */
#include <inttypes.h>
#include <string.h>

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
