/*
 * delta.c - unit tests of lib/delta.c on generated binaries: a rebuilt
 * executable (relocated words everywhere, a shifted insertion, rewritten
 * functions), a repacked archive (members reordered, one replaced), empty
 * and identical inputs, damaged deltas and the size limit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "delta.h"
#include "error.h"
#include "tap.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static void fill_random(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)next32();
}

/*
 * A "build": code-like bytes (a small alphabet, so it compresses a bit
 * like machine code does) in functions of 1..16 KiB.
 */
static unsigned char *make_build(size_t n)
{
	unsigned char *p = malloc(n);

	for (size_t i = 0; p && i < n; i++)
		p[i] = (unsigned char)(next32() % 48);
	return p;
}

/*
 * The same build after a small source change: 1000 bytes inserted at a
 * third (everything after shifts), three 16 KiB functions rewritten, and
 * a relocated 4-byte address every 8 KiB (what defeats chunk dedup).
 */
static unsigned char *rebuild(const unsigned char *base, size_t n,
			      size_t *out_n)
{
	size_t ins = 1000, at = n / 3, len = n + ins;
	unsigned char *p = malloc(len);

	if (!p)
		return NULL;
	memcpy(p, base, at);
	fill_random(p + at, ins);
	memcpy(p + at + ins, base + at, n - at);
	for (int k = 1; k <= 3; k++)
		fill_random(p + (size_t)k * len / 5, 16384);
	for (size_t off = 4096; off + 4 <= len; off += 8192) {
		uint32_t v = next32();

		memcpy(p + off, &v, 4);
	}
	*out_n = len;
	return p;
}

static int round_trip(const void *base, size_t base_len, const void *nw,
		      size_t new_len, size_t *delta_len)
{
	struct vlt_buf d = VLT_BUF_INIT, out = VLT_BUF_INIT;
	int ok = 0;

	if (vlt_delta_create(base, base_len, nw, new_len, NULL, &d) == 0 &&
	    vlt_delta_apply(base, base_len, d.data, d.len, 0, &out) == 0 &&
	    out.len == new_len && (!new_len || !memcmp(out.data, nw, new_len)))
		ok = 1;
	else
		tap_diag("  %s", vlt_error_last());
	*delta_len = d.len;
	vlt_buf_release(&d);
	vlt_buf_release(&out);
	return ok;
}

static void test_rebuilt_executable(void)
{
	size_t n = 4 << 20, new_n, dlen;
	unsigned char *base = make_build(n);
	unsigned char *nw = base ? rebuild(base, n, &new_n) : NULL;

	if (!nw) {
		ok(0, "rebuilt executable: out of memory");
		free(base);
		return;
	}
	ok(round_trip(base, n, nw, new_n, &dlen),
	   "rebuilt executable: apply gives the new build back");
	ok(dlen < new_n / 20, "rebuilt executable: delta is under 5%% of the "
	   "build (%zu of %zu bytes)", dlen, new_n);
	free(base);
	free(nw);
}

static void test_repacked_archive(void)
{
	enum { MEMBERS = 24, MEMBER = 96 * 1024 };
	size_t n = (size_t)MEMBERS * MEMBER, dlen;
	unsigned char *base = malloc(n), *nw = malloc(n);
	int order[MEMBERS];

	if (!base || !nw) {
		ok(0, "repacked archive: out of memory");
		free(base);
		free(nw);
		return;
	}
	fill_random(base, n);
	for (int i = 0; i < MEMBERS; i++)
		order[i] = i;
	for (int i = MEMBERS - 1; i > 0; i--) {
		int j = (int)(next32() % (uint32_t)(i + 1)), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (int i = 0; i < MEMBERS; i++)
		memcpy(nw + (size_t)i * MEMBER, base + (size_t)order[i] * MEMBER,
		       MEMBER);
	fill_random(nw + 5 * MEMBER, MEMBER);     /* one member replaced */
	ok(round_trip(base, n, nw, n, &dlen),
	   "repacked archive: apply gives the new archive back");
	ok(dlen < 2 * MEMBER, "repacked archive: delta holds about the one "
	   "new member (%zu bytes for %d)", dlen, MEMBER);
	free(base);
	free(nw);
}

static void test_empty_and_identical(void)
{
	size_t n = 1 << 20, dlen;
	unsigned char *data = malloc(n), *copy = malloc(n);

	if (!data || !copy) {
		ok(0, "empty and identical: out of memory");
		free(data);
		free(copy);
		return;
	}
	fill_random(data, n);
	ok(round_trip(NULL, 0, data, n, &dlen),
	   "empty base: apply gives the content back");
	ok(dlen >= n && dlen < n + 1024, "empty base: the delta is the whole "
	   "content (%zu bytes)", dlen);
	ok(round_trip(data, n, NULL, 0, &dlen), "empty new version: round trip");
	ok(round_trip(NULL, 0, NULL, 0, &dlen), "both empty: round trip");
	memcpy(copy, data, n);
	ok(round_trip(data, n, copy, n, &dlen),
	   "identical versions: round trip");
	ok(dlen < 1024, "identical versions: delta of a few bytes (%zu)", dlen);
	free(data);
	free(copy);
}

static void test_damage(void)
{
	size_t n = 256 * 1024;
	unsigned char *base = malloc(n), *nw = malloc(n), *other = malloc(n);
	struct vlt_buf d = VLT_BUF_INIT, out = VLT_BUF_INIT;
	struct vlt_delta_header h;
	int err;

	if (!base || !nw || !other ||
	    (fill_random(base, n), memcpy(nw, base, n), fill_random(nw + 1000, 5000),
	     memcpy(other, base, n), other[7] ^= 1,
	     vlt_delta_create(base, n, nw, n, NULL, &d) < 0)) {
		ok(0, "damage: setup: %s", vlt_error_last());
		goto done;
	}
	ok(vlt_delta_info(d.data, d.len, &h) == 0 && h.base_size == n &&
	   h.new_size == n, "the header names both sizes");

	err = vlt_delta_apply(other, n, d.data, d.len, 0, &out);
	ok(err == VLT_E_CORRUPT && strstr(vlt_error_last(), "another base") &&
	   out.len == 0, "a delta applied to another base is refused: %s",
	   vlt_error_last());

	d.data[d.len - 10] ^= 0x40;
	err = vlt_delta_apply(base, n, d.data, d.len, 0, &out);
	ok(err == VLT_E_CORRUPT && out.len == 0,
	   "a flipped bit in the zstd frame is refused: %s", vlt_error_last());
	d.data[d.len - 10] ^= 0x40;

	err = vlt_delta_apply(base, n, d.data, d.len - 3, 0, &out);
	ok(err == VLT_E_CORRUPT && strstr(vlt_error_last(), "truncated"),
	   "a truncated delta is refused: %s", vlt_error_last());

	d.data[17] ^= 1;
	err = vlt_delta_apply(base, n, d.data, d.len, 0, &out);
	ok(err == VLT_E_CORRUPT && strstr(vlt_error_last(), "header"),
	   "a damaged header is refused: %s", vlt_error_last());
	d.data[17] ^= 1;

	err = vlt_delta_apply(base, n, "VDLT", 4, 0, &out);
	ok(err == VLT_E_CORRUPT && strstr(vlt_error_last(), "shorter"),
	   "four bytes are not a delta: %s", vlt_error_last());
	d.data[0] = 'X';
	err = vlt_delta_apply(base, n, d.data, d.len, 0, &out);
	ok(err == VLT_E_CORRUPT && strstr(vlt_error_last(), "magic"),
	   "a bad magic is refused: %s", vlt_error_last());
	d.data[0] = 'V';
	ok(vlt_delta_apply(base, n, d.data, d.len, 0, &out) == 0 &&
	   out.len == n && !memcmp(out.data, nw, n),
	   "the repaired delta applies again");
done:
	vlt_buf_release(&d);
	vlt_buf_release(&out);
	free(base);
	free(nw);
	free(other);
}

static void test_limit(void)
{
	size_t n = 2 << 20;
	unsigned char *data = calloc(1, n);
	struct vlt_delta_opts small = { 0, 1 << 20 };
	struct vlt_delta_opts bad = { 30, 0 };
	struct vlt_buf d = VLT_BUF_INIT, out = VLT_BUF_INIT;
	int err;

	if (!data) {
		ok(0, "limit: out of memory");
		return;
	}
	err = vlt_delta_create(data, n, data, 1000, &small, &d);
	ok(err == VLT_E_UNSUPPORTED && d.len == 0 &&
	   strstr(vlt_error_last(), "delta limit"),
	   "a base above the limit is refused, so the caller stores chunks: %s",
	   vlt_error_last());
	err = vlt_delta_create(data, 1000, data, n, &small, &d);
	ok(err == VLT_E_UNSUPPORTED, "a new version above the limit too");
	ok(vlt_delta_create(data, 1000, data, 1000, &bad, &d) == VLT_E_INVALID,
	   "level 30 is refused");
	if (vlt_delta_create(data, 1000, data, n, NULL, &d) == 0) {
		err = vlt_delta_apply(data, 1000, d.data, d.len, 1 << 20, &out);
		ok(err == VLT_E_UNSUPPORTED && out.len == 0,
		   "apply refuses to build more than its limit: %s",
		   vlt_error_last());
	} else {
		ok(0, "apply limit: %s", vlt_error_last());
	}
	vlt_buf_release(&d);
	vlt_buf_release(&out);
	free(data);
}

int main(void)
{
	tap_plan_lazy();
	test_rebuilt_executable();
	test_repacked_archive();
	test_empty_and_identical();
	test_damage();
	test_limit();
	return tap_done();
}
