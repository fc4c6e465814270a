/*
 * asset-refs.c - print what the Blender and Unity parsers of lib/assets/
 * report for each file named, one line each, for tests and measurements
 * until `vault assets` reads these formats:
 *
 *   asset-refs FILE...
 *
 *   FILE: ref KIND TARGET [line LINE] [at OFF+LEN]
 *   FILE: id GUID PATH
 *   FILE: error: MESSAGE
 *
 * .blend files go to vlt_asset_blend_parse, the Unity extensions to
 * vlt_asset_unity_parse. Exit 0, or 1 when any file gave an error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "parsers.h"

static int on_ref(const struct vlt_asset_ref *r, void *ctx)
{
	printf("%s: ref %s %s", (const char *)ctx, r->kind, r->target);
	if (r->line)
		printf(" line %u", r->line);
	if (r->len)
		printf(" at %zu+%zu", r->off, r->len);
	putchar('\n');
	return 0;
}

static int on_id(const struct vlt_asset_id *id, void *ctx)
{
	printf("%s: id %s %s\n", (const char *)ctx, id->id, id->path);
	return 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (*len == cap) {
			char *nb = realloc(buf, cap = cap ? 2 * cap : 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		if (!n)
			break;
		*len += n;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fprintf(stderr, "usage: asset-refs FILE...\n");
		return argc < 2 ? 129 : 0;
	}
	for (i = 1; i < argc; i++) {
		struct vlt_asset_sink sink = { on_ref, on_id, argv[i] };
		size_t n = strlen(argv[i]), len;
		char *buf = slurp(argv[i], &len);
		int r;

		if (!buf) {
			printf("%s: error: %s\n", argv[i], strerror(errno));
			rc = 1;
			continue;
		}
		if (n > 6 && !strcmp(argv[i] + n - 6, ".blend"))
			r = vlt_asset_blend_parse(argv[i], buf, len, &sink);
		else if (vlt_asset_unity_handles(argv[i]))
			r = vlt_asset_unity_parse(argv[i], buf, len, &sink);
		else
			r = vlt_error_set(VLT_E_UNSUPPORTED, "%s: not a .blend "
					  "or a Unity asset", argv[i]);
		if (r < 0) {
			printf("%s: error: %s\n", argv[i], vlt_error_last());
			rc = 1;
		}
		free(buf);
	}
	return rc;
}
