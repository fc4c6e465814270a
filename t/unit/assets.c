/*
 * assets.c - unit tests of lib/assets/'s parsers: what each reports,
 * and that every reported span [off, off + len) holds exactly the
 * reference's text as stored (what a move rewrites).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "parsers.h"
#include "tap.h"

struct got {
	char target[8][128];
	char kind[8][32];
	char span[8][128];
	unsigned line[8];
	int fallback[8];
	enum vlt_asset_target type[8];
	int n;
	char id[4][64], idpath[4][64];
	int nids;
	const char *buf;
};

static int on_ref(const struct vlt_asset_ref *r, void *ctx)
{
	struct got *g = ctx;

	if (g->n >= 8)
		return 0;
	snprintf(g->target[g->n], sizeof(g->target[0]), "%s", r->target);
	snprintf(g->kind[g->n], sizeof(g->kind[0]), "%s", r->kind);
	snprintf(g->span[g->n], sizeof(g->span[0]), "%.*s", (int)r->len,
		 r->len ? g->buf + r->off : "");
	g->line[g->n] = r->line;
	g->fallback[g->n] = r->fallback;
	g->type[g->n] = r->type;
	g->n++;
	return 0;
}

static int on_id(const struct vlt_asset_id *id, void *ctx)
{
	struct got *g = ctx;

	if (g->nids < 4) {
		snprintf(g->id[g->nids], sizeof(g->id[0]), "%s", id->id);
		snprintf(g->idpath[g->nids], sizeof(g->idpath[0]), "%s", id->path);
		g->nids++;
	}
	return 0;
}

static int run(vlt_asset_parser p, const char *path, const char *text,
	       struct got *g)
{
	struct vlt_asset_sink sink = { on_ref, on_id, g };

	memset(g, 0, sizeof(*g));
	g->buf = text;
	return p(path, text, strlen(text), &sink);
}

static void test_obj_mtl(void)
{
	struct got g;

	is_int(run(vlt_asset_obj_parse, "m.obj",
		   "v 0 0 0\nmtllib a.mtl my file.mtl  \r\n", &g), 0,
	       "obj parses");
	is_int(g.n, 2, "obj: two mtllib names on one line");
	is_str(g.target[1], "my file.mtl", "obj: a name with a space");
	is_str(g.span[1], "my file.mtl", "obj: its span");
	is_int(g.line[0], 2, "obj: line");

	run(vlt_asset_mtl_parse, "m.mtl",
	    "newmtl x\n  map_Kd -o 1 2 -bm 0.5 tex/a b.png\n"
	    "bump -s 1 1 1 -clamp on n.png\nmap_Ks\ndisp -mm 0 1 d.png\n", &g);
	is_int(g.n, 3, "mtl: three maps (an empty one skipped)");
	is_str(g.target[0], "tex/a b.png", "mtl: options before the name");
	is_str(g.span[0], "tex/a b.png", "mtl: span of the name");
	is_str(g.kind[0], "map_Kd", "mtl: kind is the keyword");
	is_str(g.target[1], "n.png", "mtl: -s with three numbers, -clamp on");
	is_str(g.target[2], "d.png", "mtl: -mm takes two words");
}

static void test_godot(void)
{
	struct got g;

	run(vlt_asset_godot_parse, "s.tscn",
	    "[gd_scene format=3 uid=\"uid://self\"]\n\n"
	    "[ext_resource type=\"Texture2D\" uid=\"uid://abc\" "
	    "path=\"res://a.png\" id=\"1\"]\n"
	    "[ext_resource type=\"Script\" path=\"res://p.gd\" id=\"2\"]\n", &g);
	is_int(g.nids, 1, "tscn: the scene declares its own uid");
	is_str(g.idpath[0], "s.tscn", "tscn: for itself");
	is_int(g.n, 3, "tscn: uid, its fallback path, a plain path");
	ok(g.type[0] == VLT_ASSET_ID && g.fallback[1] == 1 && g.fallback[2] == 0,
	   "tscn: the path after a uid is its fallback");
	is_str(g.span[1], "res://a.png", "tscn: path span");

	run(vlt_asset_godot_parse, "p.gd",
	    "extends \"res://base.gd\"\n# preload(\"res://no.png\")\n"
	    "var s = 'preload(\"res://no2.png\")'\n"
	    "var a = preload(\"res://a.png\")\nvar b = load('x/b.ogg')\n"
	    "var u = load(\"user://save.dat\")\n", &g);
	is_int(g.n, 3, "gd: extends, preload, load; comments and strings skipped");
	is_str(g.kind[0], "extends", "gd: extends");
	is_str(g.target[1], "res://a.png", "gd: preload");
	is_int(g.line[2], 5, "gd: load line");

	is_int(run(vlt_asset_godot_parse, "t/a.png.uid", "uid://xyz\n", &g), 0,
	       ".uid parses");
	is_str(g.idpath[0], "a.png", ".uid declares the file beside it");
	ok(run(vlt_asset_godot_parse, "t/a.png.uid", "hello\n", &g) ==
	   VLT_E_CORRUPT, ".uid: not a uid is an error");

	run(vlt_asset_godot_parse, "a.png.import",
	    "[remap]\nuid=\"uid://q\"\npath=\"res://.godot/imported/a.ctex\"\n"
	    "[deps]\nsource_file=\"res://a.png\"\n"
	    "dest_files=[\"res://.godot/imported/a.ctex\"]\n", &g);
	ok(g.nids == 1 && !strcmp(g.id[0], "uid://q") &&
	   !strcmp(g.idpath[0], "a.png"), ".import declares its asset's uid");
	ok(g.n == 1 && !strcmp(g.kind[0], "source_file"),
	   ".import: source_file only, not dest_files");
}

static void test_gltf(void)
{
	struct got g;
	const char *doc =
		"{\"images\":[{\"uri\":\"a%20b.png\"},{\"uri\":\"data:x,1\"}],\n"
		" \"buffers\":[{\"uri\":\"d\\/m.bin\"}], \"x\": \"uri\"}";

	is_int(run(vlt_asset_gltf_parse, "a.gltf", doc, &g), 0, "gltf parses");
	is_int(g.n, 2, "gltf: data: URI skipped");
	is_str(g.target[0], "d/m.bin", "gltf: buffers first, JSON-decoded");
	is_str(g.span[0], "d\\/m.bin", "gltf: span holds the raw text");
	is_str(g.target[1], "a b.png", "gltf: percent-decoded");
	is_int(g.line[0], 2, "gltf: line of the uri");
	ok(run(vlt_asset_gltf_parse, "a.gltf", "{\"images\": [", &g) ==
	   VLT_E_CORRUPT, "gltf: malformed JSON is an error");
	ok(strstr(vlt_error_last(), "a.gltf") != NULL, "gltf: error names the file");
	ok(run(vlt_asset_glb_parse, "a.glb", "glTF\2\0\0\0", &g) == VLT_E_CORRUPT,
	   "glb: truncated is an error");
}

static void test_svg(void)
{
	struct got g;
	const char *doc =
		"<svg xmlns=\"http://www.w3.org/2000/svg\" "
		"xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
		"<image xlink:href='a &amp; b.png'/>\n<use href=\"#x\"/>\n"
		"<use href=\"p.svg#w\"/></svg>\n";

	is_int(run(vlt_asset_svg_parse, "a.svg", doc, &g), 0, "svg parses");
	is_int(g.n, 2, "svg: #x is inside the document");
	is_str(g.target[0], "a & b.png", "svg: decoded value");
	is_str(g.span[0], "a &amp; b.png", "svg: span of the raw value");
	is_str(g.target[1], "p.svg", "svg: fragment cut");
	is_str(g.span[1], "p.svg", "svg: span without the fragment");
	ok(run(vlt_asset_svg_parse, "b.svg", "<svg><image", &g) == VLT_E_CORRUPT,
	   "svg: malformed XML is an error");
	ok(run(vlt_asset_svg_parse, "c.svg",
	       "<!DOCTYPE s [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
	       "<svg><image href=\"&e;\"/></svg>", &g) <= 0 &&
	   (g.n == 0 || !strstr(g.target[0], "root")),
	   "svg: an external entity is never read");
}

static void test_join(void)
{
	struct vlt_buf b = VLT_BUF_INIT;

	ok(vlt_asset_path_join("a/b", "../c/./d.png", &b) == 0 &&
	   !strcmp(b.data, "a/c/d.png"), "join: .. and .");
	ok(vlt_asset_path_join("a", "..\\x\\y.png", &b) == 0 &&
	   !strcmp(b.data, "x/y.png"), "join: backslashes read as /");
	is_int(vlt_asset_path_join("a", "../../x", &b), 1, "join: above the top");
	vlt_buf_release(&b);
}

int main(void)
{
	tap_plan_lazy();
	test_obj_mtl();
	test_godot();
	test_gltf();
	test_svg();
	test_join();
	return tap_done();
}
