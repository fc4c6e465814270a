/*
 * json.h - the one JSON writer of vault's programs (over jansson).
 *
 * Commands build a jansson value with the helpers below and print it with
 * cli_json_print(). Keys come out in the order they were set (insertion
 * order, JSON_PRESERVE_ORDER), in every command and in nested objects
 * alike; no command sorts keys. A write error on stdout (disk full, a
 * closed pipe) is fatal: "fatal: write error on standard output: ...",
 * exit 128, never a truncated document with exit 0.
 */
#ifndef VLT_CLI_JSON_H
#define VLT_CLI_JSON_H

#include <jansson.h>

/* A new empty object or array; dies when out of memory. */
json_t *cli_json_object(void);
json_t *cli_json_array(void);

/* o[key] = v, taking over the caller's reference to v. v may be the
 * result of a constructor that failed (NULL): that dies with "out of
 * memory", so that a missing field never goes unnoticed. */
void cli_json_set(json_t *o, const char *key, json_t *v);
/* Append v to the array a, taking over the reference; NULL v dies too. */
void cli_json_append(json_t *a, json_t *v);

/* cli_json_print flags; 0 is two-space indent and a final newline. */
#define CLI_JSON_COMPACT 0x1   /* one line without indentation */
/* One element of a JSON text the caller streams itself (its brackets and
 * commas): no newline after it and no flush; the caller ends its output
 * with cli_flush_stdout(). */
#define CLI_JSON_ELEMENT 0x2
/* Significant digits for reals (1..31); jansson's default is 17. */
#define CLI_JSON_PRECISION(n) (((n) & 0x1f) << 8)

/*
 * Print v to stdout, in insertion key order, with a newline and a flush
 * (see CLI_JSON_ELEMENT), then drop the caller's reference to v. Dies
 * with exit 128 when the text cannot be written.
 */
void cli_json_print(json_t *v, int flags);

#endif
