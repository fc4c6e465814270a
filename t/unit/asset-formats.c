/*
 * asset-formats.c - the Blender and Unity asset-reference parsers
 * (lib/assets/blend.c, lib/assets/unity.c) on real files: .blend files
 * written by t/helpers/make-blend.py in every header and pointer
 * variant, plain, zstd and gzip, .blend files saved by Blender 3.4
 * (t/data/blend/), Unity YAML written here, and hostile input of each.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "parsers.h"
#include "tap.h"

/* What a parser reported, one line per ref or id. */
struct got {
	struct vlt_buf text;
	int refs, ids;
	int stop_after;		/* >0: the sink returns 7 at that ref */
};

static int on_ref(const struct vlt_asset_ref *r, void *ctx)
{
	struct got *g = ctx;

	g->refs++;
	vlt_buf_addf(&g->text, "%s %s %s %u %zu %zu\n", r->kind,
		     r->type == VLT_ASSET_ID ? "id" : "path", r->target,
		     r->line, r->off, r->len);
	if (g->stop_after && g->refs == g->stop_after)
		return 7;
	return 0;
}

static int on_id(const struct vlt_asset_id *id, void *ctx)
{
	struct got *g = ctx;

	g->ids++;
	vlt_buf_addf(&g->text, "declares %s %s\n", id->id, id->path);
	return 0;
}

static int parse(vlt_asset_parser fn, const char *path, const void *buf,
		 size_t len, struct got *g)
{
	struct vlt_asset_sink sink = { on_ref, on_id, g };

	vlt_buf_reset(&g->text);
	vlt_buf_adds(&g->text, "");
	g->refs = g->ids = 0;
	vlt_error_clear();
	return fn(path, buf, len, &sink);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !(buf = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return NULL;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

static const char *srcdir(void)
{
	const char *s = getenv("VAULT_SRCDIR");

	return s ? s : getenv("top_srcdir") ? getenv("top_srcdir") : ".";
}

/* Run make-blend.py with args into tmpdir/name; the file's bytes. */
static unsigned char *make_blend(const char *name, const char *args,
				 size_t *len)
{
	char cmd[2048], path[1024];

	snprintf(path, sizeof(path), "%s/%s", tap_tmpdir(), name);
	snprintf(cmd, sizeof(cmd), "python3 '%s/t/helpers/make-blend.py' %s "
		 "'%s'", srcdir(), args, path);
	if (system(cmd) != 0) {
		tap_diag("failed: %s", cmd);
		return NULL;
	}
	return slurp(path, len);
}

/* What make-blend.py's file holds, as on_ref prints it. */
static const char blend_expected[] =
	"image path textures/wood.png 0 0 0\n"
	"image path textures/skin.<UDIM>.png 0 0 0\n"
	"image path /home/artist/refs/sky.exr 0 0 0\n"
	"image path textures/win/bark.png 0 0 0\n"
	"library path lib/props.blend 0 0 0\n"
	"font path fonts/Title.ttf 0 0 0\n"
	"sound path audio/step.wav 0 0 0\n"
	"movieclip path footage/plate.mov 0 0 0\n"
	"cache path cache/sim.abc 0 0 0\n"
	"volume path vdb/smoke.vdb 0 0 0\n";

static void test_blend_variants(struct got *g)
{
	static const struct {
		const char *args, *what;
	} v[] = {
		{ "--ptr 8", "64-bit little-endian" },
		{ "--ptr 4", "32-bit little-endian" },
		{ "--ptr 8 --big", "64-bit big-endian" },
		{ "--ptr 4 --big", "32-bit big-endian" },
		{ "--large", "Blender 5 header, LargeBHead8" },
		{ "--old-names", "Blender 2.7x field names" },
		{ "--old-names --ptr 4 --big", "2.7x names, 32-bit big-endian" },
		{ "--zstd", "zstd, several frames and a seek table" },
		{ "--zstd --ptr 4 --big", "zstd, 32-bit big-endian" },
		{ "--gzip", "gzip (Blender 2.x compression)" },
	};
	size_t i, len;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unsigned char *buf = make_blend("v.blend", v[i].args, &len);
		int r;

		if (!buf) {
			ok(0, "blend %s: generated", v[i].what);
			continue;
		}
		r = parse(vlt_asset_blend_parse, "scene.blend", buf, len, g);
		if (!ok(r == 0, "blend %s: parses", v[i].what))
			tap_diag("  %s", vlt_error_last());
		is_str(g->text.data, blend_expected, "blend: every reference");
		free(buf);
	}
}

static void test_blend_sink_stop(struct got *g)
{
	size_t len;
	unsigned char *buf = make_blend("s.blend", "", &len);
	int r;

	if (!buf) {
		ok(0, "blend: generated for the sink test");
		return;
	}
	g->stop_after = 2;
	r = parse(vlt_asset_blend_parse, "scene.blend", buf, len, g);
	g->stop_after = 0;
	is_int(r, 7, "blend: the sink's non-zero value stops the parse");
	is_int(g->refs, 2, "blend: no reference after the sink said stop");
	free(buf);
}

/* A hostile file: VLT_E_CORRUPT, a message holding `want`, no refs. */
static void hostile_blend(struct got *g, const char *args, const char *want,
			  const char *what)
{
	size_t len;
	unsigned char *buf = make_blend("h.blend", args, &len);
	int r;

	if (!buf) {
		ok(0, "blend %s: generated", what);
		return;
	}
	r = parse(vlt_asset_blend_parse, "bad.blend", buf, len, g);
	is_int(r, VLT_E_CORRUPT, what);
	if (!ok(strstr(vlt_error_last(), "bad.blend") &&
		strstr(vlt_error_last(), want),
		"%s: the message names the file and says '%s'", what, want))
		tap_diag("  message: %s", vlt_error_last());
	is_int(g->refs, 0, "nothing reported");
	free(buf);
}

static void test_blend_hostile(struct got *g)
{
	static const unsigned char junk[] = "BLENDER-v3";
	size_t len;
	unsigned char *buf;
	int r;

	hostile_blend(g, "--lie block-length", "claims 2147483632 bytes",
		      "blend: a block longer than the file");
	hostile_blend(g, "--lie dna-index", "out of range",
		      "blend: a DNA field naming a type past the table");
	hostile_blend(g, "--lie dna-count", "NAME count 2147483647 larger",
		      "blend: a DNA name table claiming 2^31-1 entries");
	hostile_blend(g, "--lie sdna", "names struct 999",
		      "blend: a block naming a struct the DNA lacks");
	hostile_blend(g, "--lie count", "2147483647 Image structs",
		      "blend: a block claiming 2^31-1 structs");
	hostile_blend(g, "--lie struct-size", "fields add up to",
		      "blend: a DNA whose struct length disagrees");
	hostile_blend(g, "--lie truncate", "claims 904 bytes, only 604",
		      "blend: cut in the middle of the DNA");
	hostile_blend(g, "--lie no-endb", "without an ENDB",
		      "blend: no ENDB block");
	hostile_blend(g, "--lie no-dna", "no DNA1",
		      "blend: no DNA1 block");
	hostile_blend(g, "--zstd --lie truncate", "truncated",
		      "blend: zstd, cut in the middle");
	hostile_blend(g, "--zstd --lie bomb", "inflates past",
		      "blend: a zstd bomb (3 GiB of zeros) stops at the cap");

	r = parse(vlt_asset_blend_parse, "bad.blend", junk, sizeof(junk) - 1,
		  g);
	is_int(r, VLT_E_CORRUPT, "blend: 10 bytes are not a .blend");
	r = parse(vlt_asset_blend_parse, "bad.blend", "PNG\r\n\x1a\n......",
		  14, g);
	ok(r == VLT_E_CORRUPT && strstr(vlt_error_last(), "no BLENDER header"),
	   "blend: another format is refused: %s", vlt_error_last());
	r = parse(vlt_asset_blend_parse, "bad.blend", "BLENDER17-02v0600", 17,
		  g);
	ok(r == VLT_E_UNSUPPORTED && strstr(vlt_error_last(), "format 02"),
	   "blend: an unknown file format version is named: %s",
	   vlt_error_last());

	/* every prefix of a real file: an error or the full answer, never
	 * a crash (ASan watches the reads) */
	buf = make_blend("p.blend", "--ptr 4", &len);
	if (buf) {
		size_t cut, bad = 0;

		for (cut = 0; cut < len; cut += 97) {
			r = parse(vlt_asset_blend_parse, "cut.blend", buf, cut,
				  g);
			if (r != VLT_E_CORRUPT)
				bad++;
		}
		is_int(bad, 0, "blend: every truncation is VLT_E_CORRUPT");
		/* flip bytes all over the DNA: no crash, no wrong success */
		for (cut = len > 4000 ? len - 4000 : 0; cut < len; cut += 13) {
			unsigned char save = buf[cut];

			buf[cut] ^= 0xFF;
			parse(vlt_asset_blend_parse, "flip.blend", buf, len, g);
			buf[cut] = save;
		}
		ok(1, "blend: bytes flipped through the DNA do not crash");
		free(buf);
	}
}

/* The .blend files saved by Blender 3.4 itself (t/data/blend/README). */
static void test_blend_real(struct got *g)
{
	static const struct {
		const char *file, *want;
	} v[] = {
		{ "image-missing.blend",
		  "image path textures/skin.<UDIM>.png 0 0 0\n"
		  "image path textures/wood.png 0 0 0\n" },
		{ "compressed.blend",
		  "image path textures/skin.<UDIM>.png 0 0 0\n"
		  "image path textures/wood.png 0 0 0\n" },
		{ "linked.blend", "library path lib/props.blend 0 0 0\n" },
	};
	size_t i, len;
	char path[1024];

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		unsigned char *buf;
		int r;

		snprintf(path, sizeof(path), "%s/t/data/blend/%s", srcdir(),
			 v[i].file);
		if (!(buf = slurp(path, &len))) {
			ok(0, "blender's %s: read %s", v[i].file, path);
			continue;
		}
		r = parse(vlt_asset_blend_parse, v[i].file, buf, len, g);
		if (!ok(r == 0, "blender's %s: parses", v[i].file))
			tap_diag("  %s", vlt_error_last());
		is_str(g->text.data, v[i].want,
		       "blender's file: its images (the packed one left out) "
		       "or its library");
		free(buf);
	}
}

static const char unity_prefab[] =
	"%YAML 1.1\n"
	"%TAG !u! tag:unity3d.com,2011:\n"
	"--- !u!1 &1873250423451806\n"
	"GameObject:\n"
	"  m_ObjectHideFlags: 0\n"
	"  m_Component:\n"
	"  - component: {fileID: 4412345678901234}\n"
	"  - component: {fileID: 23456789012345678}\n"
	"  m_Name: Crate \xc3\xa9t\xc3\xa9\n"
	"--- !u!23 &23456789012345678\n"
	"MeshRenderer:\n"
	"  m_GameObject: {fileID: 1873250423451806}\n"
	"  m_Materials:\n"
	"  - {fileID: 2100000, guid: 7f3b2a1c9d8e4f5061728394a5b6c7d8, type: 2}\n"
	"  - {fileID: 10303, guid: 0000000000000000f000000000000000, type: 0}\n"
	"  m_StaticBatchRoot: {fileID: 0}\n"
	"--- !u!1001 &100100000 stripped\n"
	"PrefabInstance:\n"
	"  m_SourcePrefab:\n"
	"    fileID: 100100000\n"
	"    guid: 0123456789ABCDEF0123456789abcdef\n"
	"    type: 3\n"
	"  m_Modification:\n"
	"    m_Modifications:\n"
	"    - target: {fileID: 4000010, guid: 00000000000000000000000000000000, type: 0}\n"
	"      value: \"\xc3\xa9\xc3\xa9 {fileID: 1, guid: 11111111111111111111111111111111}\"\n"
	"      objectReference: {fileID: 0}\n"
	"  m_Script: {fileID: 11500000, guid: 5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d, type: 3}\n"
	"  m_Tag: {n: \"\xc3\xa9t\xc3\xa9\", fileID: 5, guid: 22222222222222222222222222222222, type: 2}\n"
	"  m_Note: {guid: 99999999999999999999999999999999}\n";

static const char unity_meta[] =
	"fileFormatVersion: 2\n"
	"guid: 7f3b2a1c9d8e4f5061728394a5b6c7d8\n"
	"ModelImporter:\n"
	"  externalObjects:\n"
	"  - first:\n"
	"      type: UnityEngine:Material\n"
	"      name: Bark\n"
	"    second: {fileID: 2100000, guid: aaaabbbbccccddddeeeeffff00001111, type: 2}\n"
	"  userData: \n";

static void test_unity(struct got *g)
{
	const char *at;
	int r;

	r = parse(vlt_asset_unity_parse, "Assets/Crate.prefab", unity_prefab,
		  sizeof(unity_prefab) - 1, g);
	if (!ok(r == 0, "unity: a prefab with stripped documents parses"))
		tap_diag("  %s", vlt_error_last());
	is_str(g->text.data,
	       "guid id 7f3b2a1c9d8e4f5061728394a5b6c7d8 14 354 32\n"
	       "guid id 0123456789ABCDEF0123456789abcdef 21 597 32\n"
	       "guid id 5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d 28 906 32\n"
	       "guid id 22222222222222222222222222222222 29 988 32\n",
	       "unity: GUID references with lines and offsets; built-in, "
	       "zero, fileID-less and in-string GUIDs left out");
	at = strstr(unity_prefab, "22222222");
	is_int(at ? at - unity_prefab : -1, 988,
	       "unity: the offset is the guid's byte offset (after UTF-8)");

	r = parse(vlt_asset_unity_parse, "Assets/Models/tree.fbx.meta",
		  unity_meta, sizeof(unity_meta) - 1, g);
	ok(r == 0, "unity: a .meta parses");
	is_str(g->text.data,
	       "guid id aaaabbbbccccddddeeeeffff00001111 8 191 32\n"
	       "declares 7f3b2a1c9d8e4f5061728394a5b6c7d8 tree.fbx\n",
	       "unity: a .meta declares its file's GUID and reports its "
	       "remapped material");

	at = "%YAML 1.1\n--- !u!21 &2100000\nMaterial:\n  m_Name: x\n"
	     "  m_Parent: {fileID: 1, guid: 7f3b2a1c9d8e4f5061728394a5b6c7d8}\n"
	     "  m_Shader: {fileID: 4800000, guid: [\n  bad: : :\n";
	r = parse(vlt_asset_unity_parse, "Assets/Bad.mat", at, strlen(at), g);
	ok(r == VLT_E_CORRUPT && strstr(vlt_error_last(), "Assets/Bad.mat") &&
	   strstr(vlt_error_last(), "line "),
	   "unity: malformed YAML: VLT_E_CORRUPT with the file and line: %s",
	   vlt_error_last());
	is_int(g->refs, 0, "unity: nothing reported from malformed YAML");

	r = parse(vlt_asset_unity_parse, "Assets/Level.unity",
		  "\x01\x00\x00\x00\x10\x20\x00\x00\x11\x00\x00\x00", 12, g);
	ok(r == VLT_E_UNSUPPORTED && strstr(vlt_error_last(), "binary") &&
	   strstr(vlt_error_last(), "Force Text"),
	   "unity: a binary-serialised asset is named as such: %s",
	   vlt_error_last());

	at = "fileFormatVersion: 2\nTextureImporter:\n  guid: x\n";
	r = parse(vlt_asset_unity_parse, "Assets/a.png.meta", at, strlen(at),
		  g);
	ok(r == VLT_E_CORRUPT && strstr(vlt_error_last(), "no guid"),
	   "unity: a .meta without a guid is an error: %s", vlt_error_last());

	{
		struct vlt_buf deep = VLT_BUF_INIT;
		int i;

		vlt_buf_adds(&deep, "a: ");
		for (i = 0; i < 5000; i++)
			vlt_buf_addch(&deep, '[');
		r = parse(vlt_asset_unity_parse, "Assets/deep.asset",
			  deep.data, deep.len, g);
		ok(r == VLT_E_CORRUPT, "unity: 5000 nested sequences are "
		   "refused: %s", vlt_error_last());
		vlt_buf_release(&deep);
	}

	ok(vlt_asset_unity_handles("Assets/x.prefab") &&
	   vlt_asset_unity_handles("Assets/x.png.meta") &&
	   vlt_asset_unity_handles("Assets/Main.unity") &&
	   !vlt_asset_unity_handles("Assets/x.png") &&
	   !vlt_asset_unity_handles(".meta"),
	   "unity: vlt_asset_unity_handles knows the extensions");
}

int main(void)
{
	struct got g;

	memset(&g, 0, sizeof(g));
	tap_plan_lazy();
	test_blend_variants(&g);
	test_blend_sink_stop(&g);
	test_blend_hostile(&g);
	test_blend_real(&g);
	test_unity(&g);
	vlt_buf_release(&g.text);
	return tap_done();
}
