/*
 * extract.c - unit tests for lib/media/extract.c: the layers of
 * OpenRaster and Krita files (listed, extracted bit-exact, replaced with
 * every other member kept), OBJ objects (renumbered, relative indices,
 * replaced without touching other objects' lines), glTF meshes, image
 * rectangles, and
 * hostile input (member names that climb out, entity declarations,
 * broken XML, face indices out of range, rectangles outside the
 * picture). The archives are made here with libzip, the layer PNGs with
 * image.c's encoder.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "buf.h"
#include "error.h"
#include "extract.h"
#include "image.h"
#include "tap.h"

struct member {
	const char *name;
	const void *data;
	size_t len;
};

/* A zip archive in memory, members in order, "mimetype" stored. */
static int mkzip(struct vlt_buf *out, const struct member *m, size_t n)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_int64_t size;
	size_t i;

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	zip_error_fini(&ze);
	if (!za)
		return -1;
	for (i = 0; i < n; i++) {
		zip_source_t *s = zip_source_buffer(za, m[i].data, m[i].len, 0);
		zip_int64_t idx = zip_file_add(za, m[i].name, s, 0);

		if (idx < 0)
			return -1;
		if (!strcmp(m[i].name, "mimetype"))
			zip_set_file_compression(za, (zip_uint64_t)idx,
						 ZIP_CM_STORE, 0);
	}
	zip_source_keep(src);
	if (zip_close(za) < 0)
		return -1;
	zip_source_open(src);
	zip_source_seek(src, 0, SEEK_END);
	size = zip_source_tell(src);
	zip_source_seek(src, 0, SEEK_SET);
	vlt_buf_reset(out);
	vlt_buf_grow(out, (size_t)size + 1);
	zip_source_read(src, out->data, (zip_uint64_t)size);
	vlt_buf_setlen(out, (size_t)size);
	zip_source_close(src);
	zip_source_free(src);
	return 0;
}

/* A member's bytes (or -1 when absent); *first: whether it is entry 0
 * and stored. */
static int unzip_member(const struct vlt_buf *z, const char *name,
			struct vlt_buf *out, int *first_stored)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_stat_t st;
	zip_file_t *f;
	zip_int64_t idx;

	zip_error_init(&ze);
	src = zip_source_buffer_create(z->data, z->len, 0, &ze);
	za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	zip_error_fini(&ze);
	if (!za) {
		zip_source_free(src);
		return -1;
	}
	idx = zip_name_locate(za, name, 0);
	if (idx < 0 || zip_stat_index(za, (zip_uint64_t)idx, 0, &st) < 0) {
		zip_discard(za);
		return -1;
	}
	if (first_stored)
		*first_stored = idx == 0 && st.comp_method == ZIP_CM_STORE;
	vlt_buf_reset(out);
	vlt_buf_grow(out, (size_t)st.size + 1);
	f = zip_fopen_index(za, (zip_uint64_t)idx, 0);
	if (!f || zip_fread(f, out->data, st.size) != (zip_int64_t)st.size) {
		if (f)
			zip_fclose(f);
		zip_discard(za);
		return -1;
	}
	vlt_buf_setlen(out, (size_t)st.size);
	zip_fclose(f);
	zip_discard(za);
	return 0;
}

static int same_member(const struct vlt_buf *a, const struct vlt_buf *b,
		       const char *name)
{
	struct vlt_buf x = VLT_BUF_INIT, y = VLT_BUF_INIT;
	int same = !unzip_member(a, name, &x, NULL) &&
		   !unzip_member(b, name, &y, NULL) && x.len == y.len &&
		   (!x.len || !memcmp(x.data, y.data, x.len));

	vlt_buf_release(&x);
	vlt_buf_release(&y);
	return same;
}

/* A w x h PNG filled with one colour. */
static void mkpng(struct vlt_buf *out, uint32_t w, uint32_t h,
		  uint8_t r, uint8_t g, uint8_t b, uint8_t a)
{
	struct vlt_image img;
	size_t i;

	vlt_image_init(&img);
	vlt_image_alloc(&img, w, h);
	for (i = 0; i < (size_t)w * h; i++) {
		img.rgba[i * 4] = r;
		img.rgba[i * 4 + 1] = g;
		img.rgba[i * 4 + 2] = b;
		img.rgba[i * 4 + 3] = a;
	}
	vlt_buf_reset(out);
	vlt_image_encode_png(&img, out);
	vlt_image_release(&img);
}

static const char stack_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<image version=\"0.0.5\" w=\"16\" h=\"8\">\n<stack>\n"
	" <layer name=\"Ink\" src=\"data/ink.png\" x=\"2\" y=\"1\"/>\n"
	" <stack name=\"Group 1\">\n"
	"  <layer name=\"Ink\" src=\"data/ink2.png\"/>\n"
	"  <layer name=\"Sketch\" src=\"data/sketch.png\"/>\n"
	" </stack>\n"
	" <layer name=\"Paper\" src=\"data/paper.png\"/>\n"
	"</stack>\n</image>\n";

/* An ORA whose Ink layer has colour c. */
static void mkora(struct vlt_buf *out, uint8_t c, const char *xml)
{
	struct vlt_buf ink = VLT_BUF_INIT, ink2 = VLT_BUF_INIT,
		       sk = VLT_BUF_INIT, pa = VLT_BUF_INIT;
	struct member m[7];

	mkpng(&ink, 8, 4, c, 0, 0, 255);
	mkpng(&ink2, 16, 8, 0, c, 0, 128);
	mkpng(&sk, 16, 8, 0, 0, 255, 64);
	mkpng(&pa, 16, 8, 255, 255, 255, 255);
	m[0] = (struct member){ "mimetype", "image/openraster", 16 };
	m[1] = (struct member){ "stack.xml", xml, strlen(xml) };
	m[2] = (struct member){ "data/ink.png", ink.data, ink.len };
	m[3] = (struct member){ "data/ink2.png", ink2.data, ink2.len };
	m[4] = (struct member){ "data/sketch.png", sk.data, sk.len };
	m[5] = (struct member){ "data/paper.png", pa.data, pa.len };
	m[6] = (struct member){ "mergedimage.png", pa.data, pa.len };
	mkzip(out, m, 7);
	vlt_buf_release(&ink);
	vlt_buf_release(&ink2);
	vlt_buf_release(&sk);
	vlt_buf_release(&pa);
}

static void test_ora(void)
{
	struct vlt_buf a = VLT_BUF_INIT, b = VLT_BUF_INIT, x = VLT_BUF_INIT,
		       y = VLT_BUF_INIT;
	struct vlt_element_list l = { NULL, 0, 0 };
	struct vlt_extract_result res;
	int first = 0, rc;

	mkora(&a, 200, stack_xml);
	mkora(&b, 50, stack_xml);
	is_int(vlt_extract_format_of(a.data, a.len, "x.bin"), VLT_EXTRACT_ORA,
	       "an .ora is known by its mimetype, not its name");
	ok(!vlt_extract_list(a.data, a.len, "a.ora", &l) && l.nr == 5 &&
	   !strcmp(l.v[1].path, "Group 1") && !strcmp(l.v[1].kind, "stack") &&
	   !strcmp(l.v[2].path, "Group 1/Ink"),
	   "ora layers are listed top first with their stack paths");
	vlt_element_list_release(&l);

	memset(&res, 0, sizeof(res));
	rc = vlt_extract(a.data, a.len, "a.ora", "Ink", "x.png", NULL, 0,
			 NULL, &res);
	ok(!rc && !unzip_member(&a, "data/ink.png", &x, NULL) &&
	   res.data.len == x.len, "a whole path wins over a name");
	vlt_extract_result_release(&res);

	memset(&res, 0, sizeof(res));
	ok(!vlt_extract(a.data, a.len, "a.ora", "Group 1/Ink", "ink.png",
			NULL, 0, NULL, &res) &&
	   !unzip_member(&a, "data/ink2.png", &x, NULL) &&
	   res.data.len == x.len && !memcmp(res.data.data, x.data, x.len),
	   "a layer extracted as .png is its PNG, bit-exact");
	vlt_extract_result_release(&res);

	memset(&res, 0, sizeof(res));
	ok(!vlt_extract(a.data, a.len, "a.ora", "Sketch", "s.ora", NULL, 0,
			NULL, &res), "a layer extracts as an .ora");
	ok(!unzip_member(&res.data, "mimetype", &x, &first) && first &&
	   x.len == 16 && !memcmp(x.data, "image/openraster", 16),
	   "its mimetype is the first member, stored");
	ok(same_member(&res.data, &a, "data/sketch.png"),
	   "its layer PNG is the old one, bit-exact");
	ok(!vlt_extract_list(res.data.data, res.data.len, "s.ora", &l) &&
	   l.nr == 1 && !strcmp(l.v[0].path, "Sketch"),
	   "and it holds that one layer");
	vlt_element_list_release(&l);
	ok(!unzip_member(&res.data, "mergedimage.png", &x, NULL) &&
	   !strcmp(vlt_image_sniff(x.data, x.len), "png"),
	   "with a merged image drawn from the layer");
	vlt_extract_result_release(&res);

	memset(&res, 0, sizeof(res));
	ok(!vlt_replace(b.data, b.len, a.data, a.len, "b.ora", "Ink", NULL,
			&res), "replace puts the old top layer back");
	ok(!unzip_member(&res.data, "data/ink.png", &x, NULL) &&
	   !unzip_member(&a, "data/ink.png", &y, NULL) && x.len == y.len &&
	   !memcmp(x.data, y.data, x.len),
	   "the replaced layer's bytes are the old version's");
	ok(same_member(&res.data, &b, "data/ink2.png") &&
	   same_member(&res.data, &b, "data/sketch.png") &&
	   same_member(&res.data, &b, "data/paper.png") &&
	   same_member(&res.data, &b, "mergedimage.png") &&
	   same_member(&res.data, &b, "mimetype"),
	   "every other member keeps the current bytes");
	ok(res.warnings.nr == 1 && strstr(res.warnings.v[0], "mergedimage"),
	   "the stale merged image is named");
	vlt_extract_result_release(&res);

	memset(&res, 0, sizeof(res));
	ok(!vlt_replace(b.data, b.len, a.data, a.len, "b.ora", "Group 1/Ink",
			"Old ink", &res) &&
	   !vlt_extract_list(res.data.data, res.data.len, "b.ora", &l) &&
	   l.nr == 6 && !strcmp(l.v[0].path, "Old ink"),
	   "--as adds the old layer on top under a new name");
	vlt_element_list_release(&l);
	ok(same_member(&res.data, &b, "data/ink2.png"),
	   "and leaves the layer of the old name alone");
	vlt_extract_result_release(&res);

	memset(&res, 0, sizeof(res));
	is_int(vlt_replace(b.data, b.len, a.data, a.len, "b.ora", "Ink",
			   "Paper", &res), VLT_E_EXISTS,
	       "--as with a name in use is refused");
	vlt_extract_result_release(&res);
	memset(&res, 0, sizeof(res));
	is_int(vlt_extract(a.data, a.len, "a.ora", "Nope", "x.ora", NULL, 0,
			   NULL, &res), VLT_E_NOTFOUND,
	       "an unknown layer is not found");
	vlt_extract_result_release(&res);
	vlt_buf_release(&a);
	vlt_buf_release(&b);
	vlt_buf_release(&x);
	vlt_buf_release(&y);
}

static void test_ora_hostile(void)
{
	static const char entities[] =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE image [\n"
		"<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>\n"
		"<image w=\"1\" h=\"1\"><stack><layer name=\"&b;\" "
		"src=\"data/ink.png\"/></stack></image>\n";
	static const char broken[] = "<image w=\"1\"><stack><layer name=";
	static const char climbs[] =
		"<image w=\"16\" h=\"8\"><stack><layer name=\"Ink\" "
		"src=\"../../etc/passwd\"/></stack></image>";
	static const char twice[] =
		"<image w=\"16\" h=\"8\"><stack>"
		"<stack name=\"A\"><layer name=\"Ink\" src=\"data/ink.png\"/>"
		"</stack><stack name=\"B\"><layer name=\"Ink\" "
		"src=\"data/ink2.png\"/></stack></stack></image>";
	struct vlt_buf z = VLT_BUF_INIT;
	struct vlt_extract_result res;
	struct member m[3];

	memset(&res, 0, sizeof(res));
	mkora(&z, 1, twice);
	is_int(vlt_extract(z.data, z.len, "t.ora", "Ink", "x.ora", NULL, 0,
			   NULL, &res), VLT_E_AMBIGUOUS,
	       "a name two layers share is ambiguous");
	ok(strstr(vlt_error_last(), "A/Ink") != NULL,
	   "the error names a path to give instead");
	mkora(&z, 1, entities);
	is_int(vlt_extract(z.data, z.len, "e.ora", "Ink", "x.ora", NULL, 0,
			   NULL, &res), VLT_E_UNSAFE,
	       "a stack.xml that declares entities is refused");
	mkora(&z, 1, broken);
	is_int(vlt_extract(z.data, z.len, "e.ora", "Ink", "x.ora", NULL, 0,
			   NULL, &res), VLT_E_CORRUPT,
	       "a malformed stack.xml is corrupt");
	ok(strstr(vlt_error_last(), "not valid XML") != NULL,
	   "and the error says so");
	mkora(&z, 1, climbs);
	is_int(vlt_extract(z.data, z.len, "e.ora", "Ink", "x.ora", NULL, 0,
			   NULL, &res), VLT_E_UNSAFE,
	       "a layer src climbing out of the archive is refused");
	m[0] = (struct member){ "mimetype", "image/openraster", 16 };
	m[1] = (struct member){ "stack.xml", stack_xml, strlen(stack_xml) };
	m[2] = (struct member){ "../../x", "boo", 3 };
	mkzip(&z, m, 3);
	is_int(vlt_extract_list(z.data, z.len, "e.ora", NULL), VLT_E_UNSAFE,
	       "a member named ../../x is refused before anything is read");
	ok(res.data.len == 0, "nothing was made");
	vlt_extract_result_release(&res);
	vlt_buf_release(&z);
}

static const char maindoc[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<!DOCTYPE DOC PUBLIC '-//KDE//DTD krita 2.0//EN' "
	"'http://www.calligra.org/DTDs/krita-2.0.dtd'>\n"
	"<DOC xmlns=\"http://www.calligra.org/DTD/krita\" syntaxVersion=\"2\">\n"
	" <IMAGE name=\"Pic\" width=\"16\" height=\"8\">\n  <layers>\n"
	"   <layer name=\"Levels\" nodetype=\"adjustmentlayer\" "
	"filename=\"layer4\" filtername=\"levels\"/>\n"
	"   <layer name=\"Ink\" nodetype=\"paintlayer\" filename=\"%s\"/>\n"
	"   <layer name=\"Back\" nodetype=\"paintlayer\" filename=\"%s\"/>\n"
	"  </layers>\n </IMAGE>\n</DOC>\n";

/* A Krita file; ink and back are the layers' file names. */
static void mkkra(struct vlt_buf *out, const char *ink, const char *back,
		  const char *ink_data)
{
	struct vlt_buf xml = VLT_BUF_INIT, n1 = VLT_BUF_INIT,
		       n2 = VLT_BUF_INIT, n3 = VLT_BUF_INIT;
	struct member m[7];

	vlt_buf_addf(&xml, maindoc, ink, back);
	vlt_buf_addf(&n1, "Pic/layers/%s", ink);
	vlt_buf_addf(&n2, "Pic/layers/%s.defaultpixel", ink);
	vlt_buf_addf(&n3, "Pic/layers/%s", back);
	m[0] = (struct member){ "mimetype", "application/x-krita", 19 };
	m[1] = (struct member){ "maindoc.xml", xml.data, xml.len };
	m[2] = (struct member){ n1.data, ink_data, strlen(ink_data) };
	m[3] = (struct member){ n2.data, "\0\0\0\0", 4 };
	m[4] = (struct member){ n3.data, "back tiles", 10 };
	m[5] = (struct member){ "Pic/layers/layer4.filterconfig", "<cfg/>", 6 };
	m[6] = (struct member){ "mergedimage.png", "x", 1 };
	mkzip(out, m, 7);
	vlt_buf_release(&xml);
	vlt_buf_release(&n1);
	vlt_buf_release(&n2);
	vlt_buf_release(&n3);
}

static void test_kra(void)
{
	struct vlt_buf a = VLT_BUF_INIT, b = VLT_BUF_INIT, x = VLT_BUF_INIT;
	struct vlt_element_list l = { NULL, 0, 0 };
	struct vlt_extract_result res;
	int first = 0;

	mkkra(&a, "layer2", "layer3", "old ink tiles");
	/* the current version has the names the other way round */
	mkkra(&b, "layer3", "layer2", "new ink tiles");
	ok(!vlt_extract_list(a.data, a.len, "a.kra", &l) && l.nr == 3 &&
	   !strcmp(l.v[0].kind, "adjustmentlayer") &&
	   !strcmp(l.v[1].kind, "paintlayer"),
	   "kra layers are listed with their node types");
	vlt_element_list_release(&l);

	memset(&res, 0, sizeof(res));
	ok(!vlt_extract(a.data, a.len, "a.kra", "Ink", "ink.kra", NULL, 0,
			NULL, &res), "a Krita layer extracts as a .kra");
	ok(!unzip_member(&res.data, "mimetype", &x, &first) && first,
	   "mimetype first and stored");
	ok(same_member(&res.data, &a, "Pic/layers/layer2") &&
	   same_member(&res.data, &a, "Pic/layers/layer2.defaultpixel"),
	   "the layer's files are copied bit-exact");
	ok(unzip_member(&res.data, "Pic/layers/layer3", &x, NULL) < 0,
	   "other layers' files are left out");
	vlt_extract_result_release(&res);

	memset(&res, 0, sizeof(res));
	ok(!vlt_extract(a.data, a.len, "a.kra", "Levels", "l.kra", NULL, 0,
			NULL, &res) && res.warnings.nr >= 1 &&
	   strstr(res.warnings.v[0], "filter layer"),
	   "a filter layer's lost effect is named");
	vlt_extract_result_release(&res);

	memset(&res, 0, sizeof(res));
	ok(!vlt_replace(b.data, b.len, a.data, a.len, "b.kra", "Ink", NULL,
			&res), "replace puts the old Krita layer back");
	ok(!unzip_member(&res.data, "Pic/layers/layer3", &x, NULL) &&
	   x.len == 13 && !memcmp(x.data, "old ink tiles", 13),
	   "under the current layer's file name, with the old bytes");
	ok(same_member(&res.data, &b, "Pic/layers/layer2") &&
	   same_member(&res.data, &b, "Pic/layers/layer4.filterconfig") &&
	   same_member(&res.data, &b, "mergedimage.png"),
	   "the other layers' members keep their bytes");
	vlt_extract_result_release(&res);

	memset(&res, 0, sizeof(res));
	ok(!vlt_replace(b.data, b.len, a.data, a.len, "b.kra", "Ink",
			"Old ink", &res) &&
	   !vlt_extract_list(res.data.data, res.data.len, "b.kra", &l) &&
	   l.nr == 4, "--as adds a Krita layer");
	vlt_element_list_release(&l);
	ok(!unzip_member(&res.data, "Pic/layers/layer2-1", &x, NULL) &&
	   x.len == 13 && same_member(&res.data, &b, "Pic/layers/layer2"),
	   "under a fresh file name when its own is taken");
	vlt_extract_result_release(&res);
	vlt_buf_release(&a);
	vlt_buf_release(&b);
	vlt_buf_release(&x);
}

static const char obj_a[] =
	"mtllib m.mtl\n"
	"o Cube\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvn 0 0 1\n"
	"usemtl Red\nf 1//1 2//1 3//1\nf 1//1 3//1 4//1\n"
	"o Lid\nv 0 0 1\nv 1 0 1\nv 1 1 1\nvt 0 0\nvt 1 0\nvt 1 1\n"
	"usemtl Blue\nf 5/1 6/2 7/3\nf -3/-3 -2/-2 -1/-1\n";
static const char obj_b[] =
	"mtllib m.mtl\n"
	"o Cube\nv 0 0 -1\nv 1 0 0\nv 1 1 0\nv 0 1 0\nvn 0 0 1\n"
	"usemtl Red\nf 1//1 2//1 3//1\nf 1//1 3//1 4//1\n"
	"o Lid\nv 0 0 1\nv 1 0 1\nv 9 9 9\n"
	"usemtl Blue\nf 5 6 7\n"
	"o Handle\nv 5 5 5\nf 8 8 8\n";
static const char mtl[] =
	"newmtl Red\nKd 1 0 0\n\nnewmtl Blue\nKd 0 0 1\nmap_Kd lid.png\n";

static void test_obj(void)
{
	struct vlt_extract_side side = { "m.mtl", mtl, sizeof(mtl) - 1 };
	struct vlt_element_list l = { NULL, 0, 0 };
	struct vlt_extract_result res, again;

	ok(!vlt_extract_list(obj_a, strlen(obj_a), "a.obj", &l) && l.nr == 2 &&
	   l.v[1].vertices == 3 && l.v[1].faces == 2,
	   "OBJ objects are listed with vertex and face counts");
	vlt_element_list_release(&l);

	memset(&res, 0, sizeof(res));
	ok(!vlt_extract(obj_a, strlen(obj_a), "a.obj", "Lid", "lid.obj", &side,
			1, "lid.mtl", &res), "an object extracts");
	ok(strstr(res.data.data, "mtllib lid.mtl\no Lid\nv 0 0 1\nv 1 0 1\n"
		  "v 1 1 1\nvt 0 0\nvt 1 0\nvt 1 1\nusemtl Blue\n"
		  "f 1/1 2/2 3/3\nf 1/1 2/2 3/3\n") != NULL,
	   "with its vertices renumbered from 1 (relative indices resolved)");
	ok(res.side.len && strstr(res.side.data, "newmtl Blue") &&
	   !strstr(res.side.data, "Red"),
	   "its material library holds only the material it uses");
	ok(res.warnings.nr == 1 && strstr(res.warnings.v[0], "lid.png"),
	   "the texture it does not carry is named");

	memset(&again, 0, sizeof(again));
	ok(!vlt_replace(obj_b, strlen(obj_b), obj_a, strlen(obj_a), "b.obj",
			"Lid", NULL, &again), "an object is replaced");
	ok(!strncmp(again.data.data, "mtllib m.mtl\no Cube\nv 0 0 -1\n", 29) &&
	   strstr(again.data.data, "o Handle\nv 5 5 5\nf 8 8 8\n"),
	   "the other objects' lines are unchanged");
	ok(strstr(again.data.data, "o Lid\nv 0 0 1\nv 1 0 1\nv 1 1 1\n"
		  "vt 0 0\nvt 1 0\nvt 1 1\nusemtl Blue\n"
		  "f 9/1 10/2 11/3\n") != NULL,
	   "the old block follows the current vertex lists");
	vlt_extract_result_release(&res);
	memset(&res, 0, sizeof(res));
	ok(!vlt_extract(again.data.data, again.data.len, "b.obj", "Lid",
			"x.obj", NULL, 0, NULL, &res) &&
	   strstr(res.data.data, "o Lid\nv 0 0 1\nv 1 0 1\nv 1 1 1\n"),
	   "extracting it again gives the old vertices");
	vlt_extract_result_release(&res);
	vlt_extract_result_release(&again);

	memset(&res, 0, sizeof(res));
	is_int(vlt_extract("o A\nv 0 0 0\nf 1 2 3\n", 20, "x.obj", "A",
			   "y.obj", NULL, 0, NULL, &res), VLT_E_CORRUPT,
	       "a face past the vertex list is corrupt");
	is_int(vlt_extract(obj_a, strlen(obj_a), "a.obj", "Wheel", "y.obj",
			   NULL, 0, NULL, &res), VLT_E_NOTFOUND,
	       "an unknown object is not found");
	vlt_extract_result_release(&res);
}

static void test_rect(void)
{
	struct vlt_buf a = VLT_BUF_INIT, b = VLT_BUF_INIT;
	struct vlt_image ia, ib, ir;
	struct vlt_extract_result res;
	uint32_t x, y;
	int inside_ok = 1, outside_ok = 1;

	vlt_image_init(&ia);
	vlt_image_init(&ib);
	vlt_image_init(&ir);
	vlt_image_alloc(&ia, 20, 10);
	vlt_image_alloc(&ib, 20, 10);
	for (y = 0; y < 10; y++)
		for (x = 0; x < 20; x++) {
			uint8_t *p = ia.rgba + (y * 20 + x) * 4;
			uint8_t *q = ib.rgba + (y * 20 + x) * 4;

			p[0] = (uint8_t)(x * 10); p[1] = (uint8_t)(y * 20);
			p[2] = 7; p[3] = 255;
			q[0] = 3; q[1] = (uint8_t)(x + y); q[2] = 200; q[3] = 255;
		}
	vlt_image_encode_png(&ia, &a);
	vlt_image_encode_png(&ib, &b);

	memset(&res, 0, sizeof(res));
	ok(!vlt_extract(a.data, a.len, "a.png", "4,2,5,3", "c.png", NULL, 0,
			NULL, &res) &&
	   !vlt_image_decode(&ir, res.data.data, res.data.len) &&
	   ir.width == 5 && ir.height == 3 &&
	   !memcmp(ir.rgba, ia.rgba + (2 * 20 + 4) * 4, 20) &&
	   !memcmp(ir.rgba + 40, ia.rgba + (4 * 20 + 4) * 4, 20),
	   "a rectangle extracts as a PNG of those pixels");
	vlt_image_release(&ir);
	vlt_extract_result_release(&res);

	memset(&res, 0, sizeof(res));
	ok(!vlt_replace(b.data, b.len, a.data, a.len, "b.png", "4,2,5,3",
			NULL, &res) &&
	   !vlt_image_decode(&ir, res.data.data, res.data.len),
	   "a rectangle is pasted into the current picture");
	for (y = 0; y < 10; y++)
		for (x = 0; x < 20; x++) {
			int in = x >= 4 && x < 9 && y >= 2 && y < 5;
			const uint8_t *want = (in ? ia.rgba : ib.rgba) +
					      (y * 20 + x) * 4;

			if (memcmp(ir.rgba + (y * 20 + x) * 4, want, 4)) {
				if (in)
					inside_ok = 0;
				else
					outside_ok = 0;
			}
		}
	ok(inside_ok, "inside the rectangle the pixels are the old ones");
	ok(outside_ok, "outside it they are the current ones, bit-exact");
	vlt_image_release(&ir);
	vlt_extract_result_release(&res);

	memset(&res, 0, sizeof(res));
	is_int(vlt_extract(a.data, a.len, "a.png", "18,0,5,5", "c.png", NULL,
			   0, NULL, &res), VLT_E_INVALID,
	       "a rectangle outside the picture is refused");
	is_int(vlt_extract(a.data, a.len, "a.png", "1,2,0,4", "c.png", NULL,
			   0, NULL, &res), VLT_E_INVALID,
	       "an empty rectangle is refused");
	is_int(vlt_extract(a.data, a.len, "a.png", "Ink", "c.png", NULL, 0,
			   NULL, &res), VLT_E_INVALID,
	       "a layer name is no rectangle of a picture");
	ok(res.data.len == 0, "nothing was made");
	vlt_extract_result_release(&res);
	vlt_image_release(&ia);
	vlt_image_release(&ib);
	vlt_buf_release(&a);
	vlt_buf_release(&b);
}

static void test_gltf(void)
{
	static const char tri[] =
		"{\"asset\":{\"version\":\"2.0\"},"
		"\"nodes\":[{\"name\":\"A\",\"mesh\":0,\"children\":[0]}],"
		"\"meshes\":[{\"name\":\"M\",\"primitives\":"
		"[{\"attributes\":{\"POSITION\":0}}]}],"
		"\"accessors\":[{\"bufferView\":0,\"componentType\":5126,"
		"\"count\":3,\"type\":\"VEC3\"}],"
		"\"bufferViews\":[{\"buffer\":0,\"byteLength\":36}],"
		"\"buffers\":[{\"uri\":\"t.bin\",\"byteLength\":36}]}";
	static const float pos[9] = { 0, 0, 0, 1, 0, 0, 0, 2, 0 };
	struct vlt_extract_side bin = { "t.bin", pos, sizeof(pos) };
	unsigned char glb[20] = { 'g', 'l', 'T', 'F', 2, 0, 0, 0, 0xe8, 3,
				  0, 0, 0, 0, 0, 0, 'J', 'S', 'O', 'N' };
	struct vlt_extract_result res;

	memset(&res, 0, sizeof(res));
	is_int(vlt_extract(glb, sizeof(glb), "x.glb", "A", "y.glb", NULL, 0,
			   NULL, &res), VLT_E_CORRUPT,
	       "a GLB whose header claims more bytes than it has is corrupt");
	is_int(vlt_extract("{\"nodes\":[", 10, "x.gltf", "A", "y.glb", NULL,
			   0, NULL, &res), VLT_E_CORRUPT,
	       "malformed glTF JSON is corrupt");
	is_int(vlt_extract(tri, strlen(tri), "t.gltf", "A", "y.glb", &bin, 1,
			   NULL, &res), VLT_E_CORRUPT,
	       "a node that is its own child is refused");
	ok(!vlt_extract(tri, strlen(tri), "t.gltf", "M", "y.glb", &bin, 1,
			NULL, &res) && res.data.len > 20 + 36 &&
	   !memcmp(res.data.data, "glTF", 4) &&
	   !memcmp(res.data.data + res.data.len - 36, pos, 36),
	   "a mesh comes out as a GLB with its vertex bytes");
	ok(strstr(res.data.data + 20, "\"min\":[0.0,0.0,0.0]") &&
	   strstr(res.data.data + 20, "\"max\":[1.0,2.0,0.0]"),
	   "POSITION without min/max gets them computed");
	vlt_extract_result_release(&res);
	memset(&res, 0, sizeof(res));
	is_int(vlt_extract(tri, strlen(tri), "t.gltf", "M", "y.glb", NULL, 0,
			   NULL, &res), VLT_E_NOTFOUND,
	       "a missing .bin is named");
	vlt_extract_result_release(&res);
}

/* A one-mesh .gltf: mesh M (POSITION of 3 floats x 3 from t.bin, material
 * Mat) on node N; buffer 0 of blen bytes. */
static char *one_mesh(unsigned blen, const char *mesh, const char *uri)
{
	char *s = NULL;

	if (asprintf(&s,
		     "{\"asset\":{\"version\":\"2.0\"},\"scene\":0,"
		     "\"scenes\":[{\"nodes\":[0]}],"
		     "\"nodes\":[{\"name\":\"N\",\"mesh\":0}],"
		     "\"meshes\":[{\"name\":\"%s\",\"primitives\":"
		     "[{\"attributes\":{\"POSITION\":0},\"material\":0}]}],"
		     "\"materials\":[{\"name\":\"Mat\"}],"
		     "\"accessors\":[{\"bufferView\":0,\"componentType\":5126,"
		     "\"count\":3,\"type\":\"VEC3\"}],"
		     "\"bufferViews\":[{\"buffer\":0,\"byteLength\":36}],"
		     "\"buffers\":[{\"uri\":\"%s\",\"byteLength\":%u}]}",
		     mesh, uri, blen) < 0)
		abort();
	return s;
}

static void test_gltf_replace(void)
{
	static const float old_pos[9] = { 0, 0, 0, 1, 0, 0, 0, 1, 0 };
	float cur_pos[10] = { 5, 5, 5, 6, 5, 5, 5, 6, 5, 0 };
	char *old = one_mesh(36, "M", "t.bin"), *cur = one_mesh(38, "M", "t.bin");
	char *other = one_mesh(36, "Other", "t.bin");
	char *datauri = one_mesh(36, "M", "data:application/octet-stream;base64,AAAA");
	struct vlt_extract_side os = { "t.bin", old_pos, sizeof(old_pos) };
	struct vlt_extract_side cs = { "t.bin", cur_pos, 38 };
	struct vlt_extract_result res, glb_old, glb_cur;
	const unsigned char *p;
	const char *q;
	uint32_t total, jl, bl;

	memset(&res, 0, sizeof(res));
	ok(!vlt_replace_sides(cur, strlen(cur), &cs, 1, old, strlen(old), &os,
			      1, "t.gltf", "M", NULL, &res),
	   "a .gltf mesh is replaced from its old version");
	is_str(res.side_name, "t.bin", "the buffer written is buffer 0's uri");
	is_int(res.side.len, 40 + 36, "the old bytes follow the current ones, "
	       "4-aligned");
	ok(res.side.len == 76 && !memcmp(res.side.data, cur_pos, 38) &&
	   !memcmp(res.side.data + 40, old_pos, 36),
	   "the current bytes are kept, the old mesh's appended");
	ok(res.data.data && strstr(res.data.data, "\"byteOffset\": 40") &&
	   strstr(res.data.data, "\"byteLength\": 76") &&
	   strstr(res.data.data, "\"POSITION\": 1"),
	   "a new bufferView and accessor; the mesh points at them");
	q = res.data.data ? strstr(res.data.data, "\"Mat\"") : NULL;
	ok(q && !strstr(q + 1, "\"Mat\""),
	   "the identical material is reused, not added");
	vlt_extract_result_release(&res);

	/* the same as GLBs: the BIN chunk grows */
	memset(&glb_old, 0, sizeof(glb_old));
	memset(&glb_cur, 0, sizeof(glb_cur));
	memset(&res, 0, sizeof(res));
	ok(!vlt_extract(old, strlen(old), "o.gltf", "N", "o.glb", &os, 1,
			NULL, &glb_old) &&
	   !vlt_extract(cur, strlen(cur), "c.gltf", "N", "c.glb", &cs, 1,
			NULL, &glb_cur), "two GLBs made");
	ok(!vlt_replace(glb_cur.data.data, glb_cur.data.len,
			glb_old.data.data, glb_old.data.len, "c.glb", "N", NULL,
			&res), "a GLB's node is replaced (its mesh)");
	p = (const unsigned char *)res.data.data;
	total = p ? (uint32_t)p[8] | (uint32_t)p[9] << 8 |
		    (uint32_t)p[10] << 16 : 0;
	jl = p ? (uint32_t)p[12] | (uint32_t)p[13] << 8 : 0;
	bl = p && 28 + jl <= res.data.len ?
	     (uint32_t)p[20 + jl] | (uint32_t)p[21 + jl] << 8 : 0;
	ok(p && total == res.data.len && jl % 4 == 0 && bl == 36 + 36 &&
	   28 + jl + bl == total, "the GLB's lengths add up");
	ok(p && bl == 72 && !memcmp(p + 28 + jl, cur_pos, 36) &&
	   !memcmp(p + 28 + jl + 36, old_pos, 36) && !res.side_name,
	   "its BIN chunk keeps the current bytes, then the old ones");
	vlt_extract_result_release(&res);
	memset(&res, 0, sizeof(res));

	is_int(vlt_replace(glb_cur.data.data, glb_cur.data.len,
			   glb_old.data.data, glb_old.data.len, "c.glb", "Q",
			   NULL, &res), VLT_E_NOTFOUND,
	       "an element the old version lacks is not found");
	ok(!res.data.len, "nothing comes back");
	is_int(vlt_replace_sides(other, strlen(other), &os, 1, old,
				 strlen(old), &os, 1, "t.gltf", "M", NULL,
				 &res), VLT_E_NOTFOUND,
	       "a mesh the current file lacks is not found");
	ok(!res.data.len && !res.side.len, "nothing comes back");
	ok(!vlt_replace_sides(other, strlen(other), &os, 1, old, strlen(old),
			      &os, 1, "t.gltf", "M", "N2", &res) &&
	   strstr(res.data.data, "\"name\": \"N2\"") &&
	   strstr(res.data.data, "\"nodes\": [\n        0,\n        1\n"),
	   "--as adds a mesh and a node at the scene's root");
	vlt_extract_result_release(&res);
	memset(&res, 0, sizeof(res));
	is_int(vlt_replace_sides(datauri, strlen(datauri), NULL, 0, old,
				 strlen(old), &os, 1, "t.gltf", "M", NULL,
				 &res), VLT_E_UNSUPPORTED,
	       "a current buffer that is a data: URI is refused");
	is_int(vlt_replace_sides(cur, strlen(cur), NULL, 0, old, strlen(old),
				 &os, 1, "t.gltf", "M", NULL, &res),
	       VLT_E_NOTFOUND, "a current .bin that is not there is named");
	ok(!res.data.len && !res.side.len && !res.side_name,
	   "nothing comes back");
	vlt_extract_result_release(&res);
	vlt_extract_result_release(&glb_old);
	vlt_extract_result_release(&glb_cur);
	free(old);
	free(cur);
	free(other);
	free(datauri);
}

int main(void)
{
	tap_plan_lazy();
	test_ora();
	test_ora_hostile();
	test_kra();
	test_obj();
	test_rect();
	test_gltf();
	test_gltf_replace();
	return tap_done();
}
