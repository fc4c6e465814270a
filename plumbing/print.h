/*
 * print.h - output helpers shared by the programs: tree entry lines in
 * git's ls-tree style, C-style quoting of odd names.
 */
#ifndef VLT_PRINT_H
#define VLT_PRINT_H

#include "buf.h"
#include "tree.h"

/* git-style mode: 100644/100755 files, 040000 trees, 120000 symlinks. */
unsigned print_git_mode(const struct vlt_tree_entry *e);
/* Append name, C-quoted ("a\tb") if it has control characters, quotes or
 * backslashes; as is otherwise (UTF-8 stays readable). */
int print_quote_name(struct vlt_buf *out, const char *name);
/* "MODE TYPE ID[ SIZE]\tPATH" + terminator into out. */
int print_tree_line(struct vlt_buf *out, const struct vlt_tree_entry *e,
		    const char *path, int long_format, int nul);

#endif
