/*
 * html.c - HTML escaping and the shared page frame. See html.h.
 */
#include "html.h"

void html_escape(struct vlt_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': vlt_buf_adds(b, "&amp;"); break;
		case '<': vlt_buf_adds(b, "&lt;"); break;
		case '>': vlt_buf_adds(b, "&gt;"); break;
		case '"': vlt_buf_adds(b, "&quot;"); break;
		case '\'': vlt_buf_adds(b, "&#39;"); break;
		default: vlt_buf_addch(b, *s);
		}
	}
}

void html_page_begin(struct vlt_buf *b, const char *title,
		     const char *extra_css)
{
	vlt_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
		     "<meta charset=\"utf-8\">\n<title>");
	html_escape(b, title);
	vlt_buf_adds(b, "</title>\n<style>body{font-family:sans-serif;"
		     "margin:1.5em;color:#222}"
		     "table{border-collapse:collapse}"
		     "td,th{padding:.2em .6em;text-align:left;"
		     "vertical-align:top}");
	if (extra_css)
		vlt_buf_adds(b, extra_css);
	vlt_buf_adds(b, "</style>\n</head>\n<body>\n");
}

void html_page_end(struct vlt_buf *b)
{
	vlt_buf_adds(b, "</body>\n</html>\n");
}
