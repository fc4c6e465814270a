/*
 * csv.c - an RFC 4180 reader (csv.h). One pass over the text; each
 * field is copied out into its own string so quoted fields can lose
 * their doubled quotes.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "csv.h"
#include "error.h"

void vlt_csv_init(struct vlt_csv *c, const char *data, size_t len)
{
	c->data = data;
	c->len = len;
	c->pos = 0;
	c->line = 1;
}

static void clear_fields(struct vlt_csv_row *row)
{
	for (size_t i = 0; i < row->nr; i++)
		free(row->fields[i]);
	row->nr = 0;
}

void vlt_csv_row_release(struct vlt_csv_row *row)
{
	clear_fields(row);
	free(row->fields);
	row->fields = NULL;
	row->alloc = 0;
}

static int push(struct vlt_csv_row *row, struct vlt_buf *f)
{
	char *s;

	if (VLT_ALLOC_GROW(row->fields, row->nr + 1, row->alloc) < 0)
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	if (!(s = strdup(f->len ? f->data : "")))
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	row->fields[row->nr++] = s;
	vlt_buf_reset(f);
	return 0;
}

/* At a line break (CRLF or LF) at pos? Its length, else 0. */
static size_t eol(const struct vlt_csv *c)
{
	if (c->pos < c->len && c->data[c->pos] == '\n')
		return 1;
	if (c->pos + 1 < c->len && c->data[c->pos] == '\r' &&
	    c->data[c->pos + 1] == '\n')
		return 2;
	return 0;
}

/* A quoted field from the opening quote at pos, into f. */
static int quoted(struct vlt_csv *c, struct vlt_buf *f)
{
	size_t open_line = c->line;

	c->pos++;
	for (;;) {
		char ch;

		if (c->pos >= c->len)
			return vlt_error_set(VLT_E_CORRUPT, "line %zu: "
					     "unterminated quoted field",
					     open_line);
		ch = c->data[c->pos++];
		if (ch == '"') {
			if (c->pos < c->len && c->data[c->pos] == '"') {
				c->pos++;
				VLT_TRY(vlt_buf_addch(f, '"'));
				continue;
			}
			break;
		}
		if (!ch)
			return vlt_error_set(VLT_E_CORRUPT, "line %zu: a NUL "
					     "byte", c->line);
		if (ch == '\n')
			c->line++;
		VLT_TRY(vlt_buf_addch(f, ch));
	}
	if (c->pos < c->len && c->data[c->pos] != ',' && !eol(c))
		return vlt_error_set(VLT_E_CORRUPT, "line %zu: text after the "
				     "closing quote of a field", c->line);
	return 0;
}

int vlt_csv_next(struct vlt_csv *c, struct vlt_csv_row *row)
{
	struct vlt_buf f = VLT_BUF_INIT;
	size_t n;
	int err = 0;

	clear_fields(row);
	while ((n = eol(c)) > 0) {   /* empty lines */
		c->pos += n;
		c->line++;
	}
	if (c->pos >= c->len)
		return 0;
	row->line = c->line;
	for (;;) {
		if (c->pos < c->len && c->data[c->pos] == '"') {
			if ((err = quoted(c, &f)) < 0)
				break;
		} else {
			while (c->pos < c->len && c->data[c->pos] != ',' &&
			       !eol(c)) {
				char ch = c->data[c->pos];

				if (ch == '"' || !ch) {
					err = vlt_error_set(VLT_E_CORRUPT,
						"line %zu: %s", c->line, ch ?
						"a quote inside an unquoted "
						"field" : "a NUL byte");
					break;
				}
				if (ch == '\r' && c->pos + 1 == c->len)
					break;  /* a lone CR at the very end */
				if ((err = vlt_buf_addch(&f, ch)) < 0)
					break;
				c->pos++;
			}
			if (err < 0)
				break;
			if (c->pos + 1 == c->len && c->data[c->pos] == '\r')
				c->pos++;
		}
		if ((err = push(row, &f)) < 0)
			break;
		if (c->pos < c->len && c->data[c->pos] == ',') {
			c->pos++;
			continue;
		}
		if ((n = eol(c)) > 0) {
			c->pos += n;
			c->line++;
		}
		break;
	}
	vlt_buf_release(&f);
	return err < 0 ? err : 1;
}
