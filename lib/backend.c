/*
 * backend.c - key validation and dispatch for storage backends.
 */
#include <string.h>

#include "backend.h"
#include "error.h"

int vlt_backend_key_valid(const char *key)
{
	const char *p = key;

	if (!*key || *key == '/')
		return 0;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!end)
			break;
		p = end + 1;
		if (!*p)
			return 0;  /* trailing slash */
	}
	return 1;
}

#define CHECK_KEY(key) do { if (!vlt_backend_key_valid(key)) \
	return vlt_error_set(VLT_E_INVALID, "invalid storage key '%s'", key); \
	} while (0)

int vlt_backend_list(struct vlt_backend *be, const char *prefix,
		     vlt_list_fn fn, void *data)
{
	return be->ops->list(be, prefix, fn, data);
}

int vlt_backend_get(struct vlt_backend *be, const char *key, struct vlt_buf *out)
{
	CHECK_KEY(key);
	return be->ops->get(be, key, out);
}

int vlt_backend_get_range(struct vlt_backend *be, const char *key,
			  uint64_t off, void *dst, size_t len)
{
	CHECK_KEY(key);
	return be->ops->get_range(be, key, off, dst, len);
}

int vlt_backend_put_if_absent(struct vlt_backend *be, const char *key,
			      const void *data, size_t len)
{
	CHECK_KEY(key);
	return be->ops->put_if_absent(be, key, data, len);
}

int vlt_backend_put(struct vlt_backend *be, const char *key,
		    const void *data, size_t len)
{
	CHECK_KEY(key);
	return be->ops->put(be, key, data, len);
}

int vlt_backend_del(struct vlt_backend *be, const char *key)
{
	CHECK_KEY(key);
	return be->ops->del(be, key);
}

int vlt_backend_stat(struct vlt_backend *be, const char *key,
		     struct vlt_stat *st)
{
	CHECK_KEY(key);
	return be->ops->stat(be, key, st);
}

int vlt_backend_map(struct vlt_backend *be, const char *key,
		    const unsigned char **addr, size_t *len, int *mapped)
{
	struct vlt_buf b = VLT_BUF_INIT;
	int err;

	CHECK_KEY(key);
	if (be->ops->map) {
		*mapped = 1;
		return be->ops->map(be, key, addr, len);
	}
	*mapped = 0;
	if ((err = be->ops->get(be, key, &b)) < 0) {
		vlt_buf_release(&b);
		return err;
	}
	*addr = (const unsigned char *)vlt_buf_detach(&b, len);
	return 0;
}

void vlt_backend_unmap(struct vlt_backend *be, const unsigned char *addr,
		       size_t len, int mapped)
{
	if (mapped)
		be->ops->unmap(be, addr, len);
	else
		free((void *)addr);
}

void vlt_backend_free(struct vlt_backend *be)
{
	if (be)
		be->ops->free(be);
}
