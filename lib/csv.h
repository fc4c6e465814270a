/*
 * csv.h - a reader of comma-separated values as RFC 4180 has them.
 *
 * Fields are separated by ',' and rows by CRLF or LF; a field in double
 * quotes may hold commas, line breaks and doubled quotes (""). Empty
 * lines are skipped. The reader works on text in memory (the caller
 * reads the file: imports are bounded by what they store) and names the
 * line of each row, so a caller can report "line 3: ..." for a bad row.
 */
#ifndef VLT_CSV_H
#define VLT_CSV_H

#include <stddef.h>

struct vlt_csv {
	const char *data;   /* not owned */
	size_t len, pos;
	size_t line;        /* of the byte at pos, from 1 */
};

/* One row: fields are NUL-terminated and owned by the row. */
struct vlt_csv_row {
	char **fields;
	size_t nr, alloc;
	size_t line;        /* the line the row starts on */
};

void vlt_csv_init(struct vlt_csv *c, const char *data, size_t len);
/* A zeroed row is empty; _release on it is safe. */
void vlt_csv_row_release(struct vlt_csv_row *row);

/*
 * Read the next row into row (its fields replaced). 1: a row; 0: the end
 * of the text; VLT_E_CORRUPT with "line N: ..." for a quoted field that
 * never ends (N the line its quote opens on), a quote inside an unquoted
 * field, text after a closing quote, or a NUL byte.
 */
int vlt_csv_next(struct vlt_csv *c, struct vlt_csv_row *row);

#endif
