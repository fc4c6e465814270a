/*
 * error.c - per-thread last-error buffer (see error.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static _Thread_local char last_msg[1024];
static _Thread_local int last_code;

int vlt_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	last_code = code;
	return code;
}

int vlt_error_wrap(int code, const char *fmt, ...)
{
	char inner[sizeof(last_msg)];
	size_t n, m;
	va_list ap;

	memcpy(inner, last_msg, sizeof(inner));
	va_start(ap, fmt);
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	va_end(ap);
	n = strlen(last_msg);
	m = strlen(inner);
	if (m && n + 3 < sizeof(last_msg)) {
		if (m > sizeof(last_msg) - n - 3)
			m = sizeof(last_msg) - n - 3;
		memcpy(last_msg + n, ": ", 2);
		memcpy(last_msg + n + 2, inner, m);
		last_msg[n + 2 + m] = '\0';
	}
	last_code = code;
	return code;
}

static vlt_notice_fn notice_fn;

void vlt_notice_set_handler(vlt_notice_fn fn)
{
	notice_fn = fn;
}

void vlt_notice(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!notice_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	notice_fn(msg);
}

static vlt_notice_fn warning_fn;

void vlt_warning_set_handler(vlt_notice_fn fn)
{
	warning_fn = fn;
}

void vlt_warning(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!warning_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warning_fn(msg);
}

const char *vlt_error_last(void)
{
	return last_msg;
}

int vlt_error_last_code(void)
{
	return last_code;
}

void vlt_error_clear(void)
{
	last_msg[0] = '\0';
	last_code = 0;
}

const char *vlt_error_name(int code)
{
	switch (code) {
	case VLT_OK: return "ok";
	case VLT_E_NOMEM: return "out of memory";
	case VLT_E_IO: return "i/o error";
	case VLT_E_NOTFOUND: return "not found";
	case VLT_E_EXISTS: return "already exists";
	case VLT_E_CORRUPT: return "corrupt";
	case VLT_E_INVALID: return "invalid";
	case VLT_E_LOCKED: return "locked";
	case VLT_E_CONFLICT: return "conflict";
	case VLT_E_AMBIGUOUS: return "ambiguous";
	case VLT_E_UNSUPPORTED: return "unsupported";
	case VLT_E_UNSAFE: return "unsafe path";
	default: return "error";
	}
}
