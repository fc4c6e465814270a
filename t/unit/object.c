/*
 * object.c - unit tests: ids (known answers), hex, buffers, varints,
 * compression round trips.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compress.h"
#include "error.h"
#include "hash.h"
#include "object.h"
#include "tap.h"

static void test_known_ids(void)
{
	struct vlt_idfn fn;
	struct vlt_oid oid;
	unsigned char raw[32];

	vlt_idfn_parse(&fn, "sha256");
	/* sha256("chunk 5\0hello"), computed with sha256sum */
	vlt_object_id(&fn, VLT_OBJ_CHUNK, "hello", 5, &oid);
	is_str(vlt_oid_hex(&oid),
	       "20629df502827a87bf37bd7c50cb33b72158871fdb4f2f3b37da3fbb755ddd5e",
	       "chunk 'hello' has the known id");
	vlt_object_id(&fn, VLT_OBJ_CHUNK, "", 0, &oid);
	is_str(vlt_oid_hex(&oid),
	       "ce52d1d29d0f102821fa46fa0b9f879f7b053c586087cd70e8ecda6646a58b8c",
	       "empty chunk has the known id");
	vlt_object_id(&fn, VLT_OBJ_TREE, "hello", 5, &oid);
	ok(strcmp(vlt_oid_hex(&oid),
		  "20629df502827a87bf37bd7c50cb33b72158871fdb4f2f3b37da3fbb755ddd5e"),
	   "the kind is part of the id");
	vlt_sha256("abc", 3, raw);
	memcpy(oid.id, raw, 32);
	is_str(vlt_oid_hex(&oid),
	       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	       "sha256('abc') matches FIPS 180-2");
	ok(vlt_idfn_parse(&fn, "md5") == VLT_E_UNSUPPORTED,
	   "unknown id functions are refused");
}

static void test_streaming_id(void)
{
	struct vlt_idfn fn;
	struct vlt_idctx ctx = { 0 };
	struct vlt_oid a, b;

	vlt_idfn_parse(&fn, "sha256");
	vlt_object_id(&fn, VLT_OBJ_FILE, "abcdef", 6, &a);
	vlt_object_id_begin(&ctx, &fn, VLT_OBJ_FILE, 6);
	vlt_idctx_update(&ctx, "abc", 3);
	vlt_idctx_update(&ctx, "def", 3);
	vlt_idctx_final(&ctx, &b);
	ok(!vlt_oid_cmp(&a, &b), "streaming id equals one-shot id");
}

static void test_hex(void)
{
	struct vlt_oid oid;
	const char *good =
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

	ok(vlt_oid_from_hex(&oid, good) == 0, "64 hex digits parse");
	is_str(vlt_oid_hex(&oid), good, "hex round trip");
	ok(vlt_oid_from_hex(&oid, "0011") < 0, "short hex refused");
	ok(vlt_oid_from_hex(&oid,
	   "00112233445566778899aabbccddeeff00112233445566778899aabbccddeefg") < 0,
	   "non-hex digit refused");
	ok(vlt_is_hex_prefix("abcd") && !vlt_is_hex_prefix("abc") &&
	   !vlt_is_hex_prefix("abcx"), "prefix rules: 4+ hex digits");
}

static void test_buf(void)
{
	struct vlt_buf b = VLT_BUF_INIT;
	const unsigned char *p;
	uint64_t vals[] = { 0, 1, 127, 128, 300, 1ull << 35, UINT64_MAX };
	int good = 1;

	vlt_buf_addf(&b, "%s-%d", "x", 42);
	is_str(b.data, "x-42", "addf formats");
	for (int i = 0; i < 1000; i++)
		vlt_buf_adds(&b, "0123456789");
	is_int(b.len, 10004, "buffer grows");
	vlt_buf_reset(&b);
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		vlt_buf_add_varint(&b, vals[i]);
	p = (const unsigned char *)b.data;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		uint64_t v;

		if (vlt_varint_get(&p, (const unsigned char *)b.data + b.len, &v) ||
		    v != vals[i])
			good = 0;
	}
	ok(good && p == (const unsigned char *)b.data + b.len,
	   "varints round trip, 0 to 2^64-1");
	{
		const unsigned char trunc[] = { 0x80, 0x80 };
		const unsigned char *q = trunc;
		uint64_t v;

		ok(vlt_varint_get(&q, trunc + 2, &v) == VLT_E_CORRUPT,
		   "truncated varint is corrupt");
	}
	vlt_buf_release(&b);
	vlt_buf_release(&b);
	ok(b.data == NULL, "release twice is safe");
}

static void test_compress(void)
{
	static const enum vlt_codec codecs[] = { VLT_CODEC_ZSTD, VLT_CODEC_ZLIB,
						 VLT_CODEC_NONE };
	size_t n = 1 << 20;
	unsigned char *text = malloc(n), *rnd = malloc(n), *back = malloc(n);
	uint64_t x = 88172645463325252ull;

	for (size_t i = 0; i < n; i++) {
		text[i] = "the quick brown fox "[i % 20];
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		rnd[i] = (unsigned char)x;
	}
	for (int c = 0; c < 3; c++) {
		struct vlt_compressor cz;
		struct vlt_buf out = VLT_BUF_INIT;
		enum vlt_codec used;

		vlt_compressor_init(&cz, codecs[c], codecs[c] == VLT_CODEC_ZLIB ? 6 : 3);
		vlt_compress(&cz, text, n, &out, &used);
		ok(used == codecs[c] && (codecs[c] == VLT_CODEC_NONE || out.len < n / 10),
		   "%s compresses text", vlt_codec_name(codecs[c]));
		ok(vlt_decompress(&cz, used, out.data, out.len, back, n) == 0 &&
		   !memcmp(back, text, n), "%s round trip", vlt_codec_name(codecs[c]));
		vlt_compress(&cz, rnd, n, &out, &used);
		ok(used == VLT_CODEC_NONE && out.len == n,
		   "%s stores random data raw", vlt_codec_name(codecs[c]));
		if (codecs[c] != VLT_CODEC_NONE) {
			vlt_compress(&cz, text, n, &out, &used);
			out.data[out.len / 2] ^= 0x55;
			out.data[out.len / 3] ^= 0x55;
			ok(vlt_decompress(&cz, used, out.data, out.len, back, n) < 0 ||
			   memcmp(back, text, n),
			   "%s damage is detected or changes the data",
			   vlt_codec_name(codecs[c]));
			ok(vlt_decompress(&cz, used, out.data, out.len / 2, back, n) < 0,
			   "%s truncated data is an error", vlt_codec_name(codecs[c]));
		}
		vlt_buf_release(&out);
		vlt_compressor_release(&cz);
	}
	free(text);
	free(rnd);
	free(back);
}

static void test_errors(void)
{
	vlt_error_set(VLT_E_IO, "inner %d", 1);
	vlt_error_wrap(VLT_E_CORRUPT, "outer");
	is_str(vlt_error_last(), "outer: inner 1", "wrap keeps the cause");
	is_int(vlt_error_last_code(), VLT_E_CORRUPT, "wrap sets the code");
}

int main(void)
{
	tap_plan_lazy();
	test_known_ids();
	test_streaming_id();
	test_hex();
	test_buf();
	test_compress();
	test_errors();
	return tap_done();
}
