/*
 * error.h - one error convention for the whole library.
 *
 * Every library function that can fail returns int: 0 on success, a
 * negative VLT_E_* code on failure. The human-readable message goes into a
 * per-thread buffer set by vlt_error_set() and read by vlt_error_last()
 * (libgit2's git_error_last() idea). The library never prints or exits.
 */
#ifndef VLT_ERROR_H
#define VLT_ERROR_H

enum vlt_error_code {
	VLT_OK = 0,
	VLT_E_GENERIC = -1,   /* anything not listed below */
	VLT_E_NOMEM = -2,     /* allocation failed */
	VLT_E_IO = -3,        /* read/write/fsync/rename failed */
	VLT_E_NOTFOUND = -4,  /* object, ref, file or key does not exist */
	VLT_E_EXISTS = -5,    /* put-if-absent found the key already there */
	VLT_E_CORRUPT = -6,   /* checksum, magic, length or hash mismatch */
	VLT_E_INVALID = -7,   /* bad argument or malformed input */
	VLT_E_LOCKED = -8,    /* a lock is held by someone else */
	VLT_E_CONFLICT = -9,  /* compare-and-swap saw another value */
	VLT_E_AMBIGUOUS = -10,/* id prefix matches more than one object */
	VLT_E_UNSUPPORTED = -11, /* format version or feature not supported */
	VLT_E_UNSAFE = -12,   /* path would escape its target */
};

/*
 * Record the error for this thread and return code, so callers can write
 * `return vlt_error_set(VLT_E_IO, "read %s: %s", path, strerror(errno));`.
 */
int vlt_error_set(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like vlt_error_set, but keeps the current message as a suffix:
 * "outer: inner". Use it to add context while an error travels up. */
int vlt_error_wrap(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The last message set on this thread ("" if none). Owned by the library;
 * valid until the next vlt_error_* call on this thread. */
const char *vlt_error_last(void);

/* The code last passed to vlt_error_set on this thread. */
int vlt_error_last_code(void);

void vlt_error_clear(void);

/*
 * Notices: things the library did on its own that the user should hear of
 * (a stale lock of a dead process taken over, temporary files of killed
 * writers removed). The library never prints; a program installs fn (the
 * front end prints "note: <msg>" to stderr). Without one they are dropped.
 */
typedef void (*vlt_notice_fn)(const char *msg);
void vlt_notice_set_handler(vlt_notice_fn fn);
void vlt_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Warnings: something did not work as it should but the work went on
 * without it (the caption font could not be loaded, so the pictures have
 * no captions). Same mechanism as notices, a handler of its own (the
 * front end prints "warning: <msg>"). The caller says it once.
 */
void vlt_warning_set_handler(vlt_notice_fn fn);
void vlt_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A short fixed name for a code ("corrupt", "not found", ...). */
const char *vlt_error_name(int code);

/* Forward a negative return: `VLT_TRY(f(x));` inside a function whose
 * cleanup needs nothing. Use `if ((err = f()) < 0) goto done;` otherwise. */
#define VLT_TRY(expr) do { int vlt_try_rc_ = (expr); \
	if (vlt_try_rc_ < 0) return vlt_try_rc_; } while (0)

#endif
