/*
 * csv.c - unit tests for lib/csv.c: plain and quoted fields, doubled
 * quotes, line breaks inside quotes (and the line numbers after them),
 * CRLF, empty fields and lines, and each kind of malformed text with the
 * line it is reported on.
 */
#include <string.h>

#include "csv.h"
#include "error.h"
#include "tap.h"

/* All rows of text joined as "a|b;c|d;" (fields by '|', rows by ';'),
 * or "ERR <message>". */
static const char *rows(const char *text, char *out, size_t n)
{
	struct vlt_csv c;
	struct vlt_csv_row row = { 0 };
	size_t used = 0;
	int rc;

	out[0] = '\0';
	vlt_csv_init(&c, text, strlen(text));
	while ((rc = vlt_csv_next(&c, &row)) == 1) {
		for (size_t i = 0; i < row.nr; i++)
			used += (size_t)snprintf(out + used, n - used, "%s%s",
						 i ? "|" : "", row.fields[i]);
		used += (size_t)snprintf(out + used, n - used, ";");
	}
	if (rc < 0)
		snprintf(out, n, "ERR %s", vlt_error_last());
	vlt_csv_row_release(&row);
	return out;
}

static size_t line_of_row(const char *text, size_t k)
{
	struct vlt_csv c;
	struct vlt_csv_row row = { 0 };
	size_t line = 0;

	vlt_csv_init(&c, text, strlen(text));
	for (size_t i = 0; i <= k && vlt_csv_next(&c, &row) == 1; i++)
		line = row.line;
	vlt_csv_row_release(&row);
	return line;
}

int main(void)
{
	char b[512];

	tap_plan_lazy();
	is_str(rows("a,b,c\n1,2,3\n", b, sizeof(b)), "a|b|c;1|2|3;",
	       "plain fields and rows");
	is_str(rows("a,b\n1,2", b, sizeof(b)), "a|b;1|2;",
	       "the last row needs no line break");
	is_str(rows("a,b\r\n1,2\r\n", b, sizeof(b)), "a|b;1|2;", "CRLF rows");
	is_str(rows("\"x, y\",\"say \"\"hi\"\"\"\n", b, sizeof(b)),
	       "x, y|say \"hi\";", "quoted commas and doubled quotes");
	is_str(rows("\"two\nlines\",z\n", b, sizeof(b)), "two\nlines|z;",
	       "a line break inside quotes");
	is_str(rows(",,\n", b, sizeof(b)), "||;", "empty fields");
	is_str(rows("\"\",a\n", b, sizeof(b)), "|a;", "an empty quoted field");
	is_str(rows("a\n\n\nb\n", b, sizeof(b)), "a;b;", "empty lines skipped");
	is_str(rows("", b, sizeof(b)), "", "empty text: no rows");
	is_int(line_of_row("h\n\"a\nb\"\nc\n", 2), 4,
	       "line numbers count the breaks inside quotes");
	is_int(line_of_row("h\n\nx\n", 1), 3, "and skipped empty lines");
	is_str(rows("h,t\nok,1\n\"open,2\nmore\n", b, sizeof(b)),
	       "ERR line 3: unterminated quoted field",
	       "an unterminated quote names the line it opens on");
	is_str(rows("a,b\"c\n", b, sizeof(b)),
	       "ERR line 1: a quote inside an unquoted field",
	       "a quote inside an unquoted field");
	is_str(rows("h\n\"a\"b,c\n", b, sizeof(b)),
	       "ERR line 2: text after the closing quote of a field",
	       "text after a closing quote");
	{
		static const char nul[] = "a,b\nc\0d\n";
		struct vlt_csv c;
		struct vlt_csv_row row = { 0 };

		vlt_csv_init(&c, nul, sizeof(nul) - 1);
		ok(vlt_csv_next(&c, &row) == 1 &&
		   vlt_csv_next(&c, &row) == VLT_E_CORRUPT,
		   "a NUL byte is refused");
		is_str(vlt_error_last(), "line 2: a NUL byte", "on its line");
		vlt_csv_row_release(&row);
	}
	return tap_done();
}
