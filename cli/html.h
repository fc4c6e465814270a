/*
 * html.h - the one HTML writer of the programs' front end: escaping and
 * the page frame that every report (vault diff --visual, vault timeline
 * --html) shares, so they look alike and escape alike.
 */
#ifndef VLT_CLI_HTML_H
#define VLT_CLI_HTML_H

#include "buf.h"

/* Append s to b with &, <, >, " and ' escaped (text and attribute values
 * alike). */
void html_escape(struct vlt_buf *b, const char *s);
/* Append "<!DOCTYPE html>...<body>\n" with the escaped title, the shared
 * style sheet and any extra CSS (may be NULL). */
void html_page_begin(struct vlt_buf *b, const char *title,
		     const char *extra_css);
/* Append "</body>\n</html>\n". */
void html_page_end(struct vlt_buf *b);

#endif
