/*
 * mesh.c - unit tests for lib/media/mesh-*.c: every format loads with the right
 * counts and bounding box (OBJ, ASCII and binary STL, ASCII and binary
 * PLY, glTF with a data: URI, GLB, ASCII FBX), a moved vertex is found
 * exactly, a re-triangulated and scaled cube falls back to the Hausdorff
 * distance with the value worked out by hand, objects added and removed
 * by name, damaged input fails with a message and prints nothing, and the
 * renderer draws both sides and colours what changed. The models are
 * written here.
 */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "image.h"
#include "mesh-internal.h"  /* VLT_MESH_TEST_HOOK_ENV */
#include "mesh.h"
#include "tap.h"

/* ---- models ------------------------------------------------------------ */

/* A cube of side s at the origin corner; its 6 faces as quads. */
static void cube(float v[8][3], float s)
{
	for (int i = 0; i < 8; i++) {
		v[i][0] = (i & 1) ? s : 0;
		v[i][1] = (i & 2) ? s : 0;
		v[i][2] = (i & 4) ? s : 0;
	}
}

static const int quads[6][4] = {
	{ 0, 2, 3, 1 }, { 4, 5, 7, 6 }, { 0, 1, 5, 4 },
	{ 2, 6, 7, 3 }, { 0, 4, 6, 2 }, { 1, 3, 7, 5 },
};

/* The 12 triangles of the quads, split on one diagonal or the other. */
static void cube_tris(int t[12][3], int other_diagonal)
{
	for (int q = 0; q < 6; q++) {
		const int *a = quads[q];
		int k = other_diagonal ? 1 : 0;

		t[2 * q][0] = a[k];
		t[2 * q][1] = a[k + 1];
		t[2 * q][2] = a[k + 2];
		t[2 * q + 1][0] = a[k];
		t[2 * q + 1][1] = a[k + 2];
		t[2 * q + 1][2] = a[(k + 3) % 4];
	}
}

enum { ALONE, TRI, PYRAMID };

/* An OBJ: object Cube (two materials, triangles), then object Tri or
 * object Pyramid (or nothing). */
static void obj_text(struct vlt_buf *b, float v[8][3], int tris[12][3],
		     int other)
{
	vlt_buf_adds(b, "# vault test cube\nmtllib cube.mtl\no Cube\n");
	for (int i = 0; i < 8; i++)
		vlt_buf_addf(b, "v %.9g %.9g %.9g\n", v[i][0], v[i][1], v[i][2]);
	vlt_buf_adds(b, "usemtl red\n");
	for (int i = 0; i < 12; i++) {
		if (i == 6)
			vlt_buf_adds(b, "usemtl blue\n");
		vlt_buf_addf(b, "f %d %d %d\n", tris[i][0] + 1, tris[i][1] + 1,
			     tris[i][2] + 1);
	}
	if (other == PYRAMID)
		vlt_buf_adds(b, "o Pyramid\nv 3 0 0\nv 4 0 0\nv 3.5 0 1\n"
			     "v 3.5 1 0.5\nf 9 10 11\nf 9 10 12\nf 10 11 12\n"
			     "f 11 9 12\n");
	else if (other == TRI)
		vlt_buf_adds(b, "o Tri\nv 3 0 0\nv 4 0 0\nv 3 1 0\nf 9 10 11\n");
}

static void stl_ascii(struct vlt_buf *b, float v[8][3], int t[12][3])
{
	vlt_buf_adds(b, "solid box\n");
	for (int i = 0; i < 12; i++) {
		vlt_buf_adds(b, " facet normal 0 0 0\n  outer loop\n");
		for (int k = 0; k < 3; k++)
			vlt_buf_addf(b, "   vertex %.9g %.9g %.9g\n", v[t[i][k]][0],
				     v[t[i][k]][1], v[t[i][k]][2]);
		vlt_buf_adds(b, "  endloop\n endfacet\n");
	}
	vlt_buf_adds(b, "endsolid box\n");
}

static void add_le32(struct vlt_buf *b, uint32_t x)
{
	unsigned char p[4] = { x, x >> 8, x >> 16, x >> 24 };

	vlt_buf_add(b, p, 4);
}

static void add_f32(struct vlt_buf *b, float f)
{
	uint32_t x;

	memcpy(&x, &f, 4);
	add_le32(b, x);
}

/* A binary STL whose 80-byte header starts with "solid", as some
 * exporters write it. */
static void stl_binary(struct vlt_buf *b, float v[8][3], int t[12][3])
{
	char head[80];

	memset(head, ' ', sizeof(head));
	memcpy(head, "solid but binary", 16);
	vlt_buf_add(b, head, sizeof(head));
	add_le32(b, 12);
	for (int i = 0; i < 12; i++) {
		for (int k = 0; k < 3; k++)
			add_f32(b, 0);
		for (int k = 0; k < 3; k++)
			for (int c = 0; c < 3; c++)
				add_f32(b, v[t[i][k]][c]);
		vlt_buf_add(b, "\0\0", 2);
	}
}

static void ply_ascii(struct vlt_buf *b, float v[8][3])
{
	vlt_buf_adds(b, "ply\nformat ascii 1.0\ncomment vault test\n"
		     "element vertex 8\nproperty float x\nproperty float y\n"
		     "property float z\nelement face 6\n"
		     "property list uchar int vertex_indices\nend_header\n");
	for (int i = 0; i < 8; i++)
		vlt_buf_addf(b, "%.9g %.9g %.9g\n", v[i][0], v[i][1], v[i][2]);
	for (int q = 0; q < 6; q++)
		vlt_buf_addf(b, "4 %d %d %d %d\n", quads[q][0], quads[q][1],
			     quads[q][2], quads[q][3]);
}

static void ply_binary(struct vlt_buf *b, float v[8][3])
{
	vlt_buf_adds(b, "ply\nformat binary_little_endian 1.0\n"
		     "element vertex 8\nproperty float x\nproperty float y\n"
		     "property float z\nelement face 6\n"
		     "property list uchar int vertex_indices\nend_header\n");
	for (int i = 0; i < 8; i++)
		for (int c = 0; c < 3; c++)
			add_f32(b, v[i][c]);
	for (int q = 0; q < 6; q++) {
		vlt_buf_addch(b, 4);
		for (int k = 0; k < 4; k++)
			add_le32(b, (uint32_t)quads[q][k]);
	}
}

static void base64(struct vlt_buf *out, const unsigned char *p, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		uint32_t x = (uint32_t)p[i] << 16 |
			     (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);

		vlt_buf_addch(out, al[x >> 18 & 63]);
		vlt_buf_addch(out, al[x >> 12 & 63]);
		vlt_buf_addch(out, i + 1 < n ? al[x >> 6 & 63] : '=');
		vlt_buf_addch(out, i + 2 < n ? al[x & 63] : '=');
	}
}

/* glTF: one mesh used by node Box (moved by +10 in x) and node Big
 * (scaled by 2); bin gets the buffer, json the document. With uri, the
 * buffer is embedded as a data: URI. */
static void gltf_parts(struct vlt_buf *json, struct vlt_buf *bin,
		       float v[8][3], int t[12][3], int uri)
{
	struct vlt_buf b64 = VLT_BUF_INIT;

	for (int i = 0; i < 8; i++)
		for (int c = 0; c < 3; c++)
			add_f32(bin, v[i][c]);
	for (int i = 0; i < 12; i++)
		for (int k = 0; k < 3; k++) {
			unsigned char s[2] = { (unsigned char)t[i][k], 0 };

			vlt_buf_add(bin, s, 2);
		}
	if (uri) {
		vlt_buf_adds(&b64, "\"uri\": \"data:application/octet-stream;base64,");
		base64(&b64, (const unsigned char *)bin->data, bin->len);
		vlt_buf_adds(&b64, "\", ");
	}
	vlt_buf_addf(json,
		"{\"asset\": {\"version\": \"2.0\"}, \"scene\": 0,"
		" \"scenes\": [{\"nodes\": [0, 1]}],"
		" \"nodes\": [{\"name\": \"Box\", \"mesh\": 0, \"translation\": [10, 0, 0]},"
		" {\"name\": \"Big\", \"mesh\": 0, \"scale\": [2, 2, 2]}],"
		" \"meshes\": [{\"name\": \"boxmesh\", \"primitives\": [{\"attributes\":"
		" {\"POSITION\": 0}, \"indices\": 1, \"material\": 0}]}],"
		" \"materials\": [{\"name\": \"steel\"}],"
		" \"buffers\": [{%s\"byteLength\": %zu}],"
		" \"bufferViews\": [{\"buffer\": 0, \"byteOffset\": 0, \"byteLength\": 96},"
		" {\"buffer\": 0, \"byteOffset\": 96, \"byteLength\": 72}],"
		" \"accessors\": [{\"bufferView\": 0, \"componentType\": 5126,"
		" \"count\": 8, \"type\": \"VEC3\", \"min\": [0, 0, 0], \"max\": [1, 1, 1]},"
		" {\"bufferView\": 1, \"componentType\": 5123, \"count\": 36,"
		" \"type\": \"SCALAR\"}]}",
		uri ? b64.data : "", bin->len);
	vlt_buf_release(&b64);
}

static void gltf(struct vlt_buf *b, float v[8][3], int t[12][3])
{
	struct vlt_buf bin = VLT_BUF_INIT;

	gltf_parts(b, &bin, v, t, 1);
	vlt_buf_release(&bin);
}

static void glb(struct vlt_buf *b, float v[8][3], int t[12][3])
{
	struct vlt_buf json = VLT_BUF_INIT, bin = VLT_BUF_INIT;

	gltf_parts(&json, &bin, v, t, 0);
	while (json.len % 4)
		vlt_buf_addch(&json, ' ');
	while (bin.len % 4)
		vlt_buf_addch(&bin, 0);
	vlt_buf_add(b, "glTF", 4);
	add_le32(b, 2);
	add_le32(b, (uint32_t)(12 + 8 + json.len + 8 + bin.len));
	add_le32(b, (uint32_t)json.len);
	vlt_buf_add(b, "JSON", 4);
	vlt_buf_add(b, json.data, json.len);
	add_le32(b, (uint32_t)bin.len);
	vlt_buf_add(b, "BIN\0", 4);
	vlt_buf_add(b, bin.data, bin.len);
	vlt_buf_release(&json);
	vlt_buf_release(&bin);
}

/* An ASCII FBX 7.4 with one model, Cube, translated by +5 in x. */
static void fbx(struct vlt_buf *b, float v[8][3])
{
	vlt_buf_adds(b, "; FBX 7.4.0 project file\n"
		     "FBXHeaderExtension:  {\n\tFBXHeaderVersion: 1003\n"
		     "\tFBXVersion: 7400\n}\n"
		     "Objects:  {\n"
		     "\tGeometry: 1000, \"Geometry::Cube\", \"Mesh\" {\n"
		     "\t\tVertices: *24 {\n\t\t\ta: ");
	for (int i = 0; i < 8; i++)
		vlt_buf_addf(b, "%s%.9g,%.9g,%.9g", i ? "," : "", v[i][0],
			     v[i][1], v[i][2]);
	vlt_buf_adds(b, "\n\t\t}\n\t\tPolygonVertexIndex: *24 {\n\t\t\ta: ");
	for (int q = 0; q < 6; q++)
		vlt_buf_addf(b, "%s%d,%d,%d,%d", q ? "," : "", quads[q][0],
			     quads[q][1], quads[q][2], -quads[q][3] - 1);
	vlt_buf_adds(b, "\n\t\t}\n\t\tGeometryVersion: 124\n\t}\n"
		     "\tModel: 2000, \"Model::Cube\", \"Mesh\" {\n"
		     "\t\tVersion: 232\n\t\tProperties70:  {\n"
		     "\t\t\tP: \"Lcl Translation\", \"Lcl Translation\", \"\", \"A\",5,0,0\n"
		     "\t\t}\n\t}\n}\n"
		     "Connections:  {\n\tC: \"OO\",2000,0\n\tC: \"OO\",1000,2000\n}\n");
}

/* ---- helpers ---------------------------------------------------------- */

static int near(double got, double want, double tol)
{
	return fabs(got - want) <= tol;
}

static int bbox_is(const struct vlt_mesh *m, float x0, float y0, float z0,
		   float x1, float y1, float z1)
{
	return near(m->bbox_min[0], x0, 1e-6) && near(m->bbox_min[1], y0, 1e-6) &&
	       near(m->bbox_min[2], z0, 1e-6) && near(m->bbox_max[0], x1, 1e-6) &&
	       near(m->bbox_max[1], y1, 1e-6) && near(m->bbox_max[2], z1, 1e-6);
}

static int load(struct vlt_mesh *m, const struct vlt_buf *b, const char *name)
{
	int err = vlt_mesh_load_mem(m, b->data, b->len, NULL, name);

	if (err < 0)
		tap_diag("load %s: %s", name, vlt_error_last());
	return err;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok_ = f && fwrite(p, 1, n, f) == n;

	if (f && fclose(f))
		ok_ = 0;
	return ok_ ? 0 : -1;
}

/* Send this process's stdout and stderr to a file while bad input is
 * loaded; what landed there is returned by capture_end. */
static int saved_out = -1, saved_err = -1;
static char capture_path[512];

static void capture_begin(void)
{
	int fd;

	snprintf(capture_path, sizeof(capture_path), "%s/captured",
		 tap_tmpdir());
	fflush(stdout);
	fflush(stderr);
	fd = open(capture_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	saved_out = dup(1);
	saved_err = dup(2);
	if (fd < 0 || saved_out < 0 || saved_err < 0 || dup2(fd, 1) < 0 ||
	    dup2(fd, 2) < 0)
		abort();
	close(fd);
}

static long capture_end(void)
{
	struct stat st;

	fflush(stdout);
	fflush(stderr);
	if (dup2(saved_out, 1) < 0 || dup2(saved_err, 2) < 0)
		abort();
	close(saved_out);
	close(saved_err);
	return stat(capture_path, &st) ? -1 : (long)st.st_size;
}

/* ---- tests -------------------------------------------------------------- */

static void check_cube(const char *what, struct vlt_buf *b, const char *name,
		       const char *fmt, uint32_t objects, size_t materials,
		       float x0, float x1, float s1)
{
	struct vlt_mesh m;
	const char *sn = vlt_mesh_sniff(b->data, b->len, name);

	vlt_mesh_init(&m);
	is_str(sn, fmt, what);
	if (!ok(load(&m, b, name) == 0, "%s loads", what)) {
		vlt_mesh_release(&m);
		return;
	}
	ok(m.nvertices == 8 * objects && m.ntriangles == 12 * objects &&
	   m.nobjects == objects && m.materials.nr == materials,
	   "%s: %u vertices, %u triangles, %u objects, %zu materials",
	   what, m.nvertices, m.ntriangles, m.nobjects, m.materials.nr);
	ok(bbox_is(&m, x0, 0, 0, x1, s1, s1), "%s: bounding box (%g %g %g)-"
	   "(%g %g %g)", what, m.bbox_min[0], m.bbox_min[1], m.bbox_min[2],
	   m.bbox_max[0], m.bbox_max[1], m.bbox_max[2]);
	is_str(m.format, fmt, "format recorded");
	vlt_mesh_release(&m);
}

static void test_formats(void)
{
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_mesh m;
	float v[8][3];
	int t[12][3];

	cube(v, 1);
	cube_tris(t, 0);
	vlt_mesh_init(&m);

	obj_text(&b, v, t, TRI);
	is_str(vlt_mesh_sniff(b.data, b.len, NULL), "obj", "OBJ sniffed");
	if (ok(load(&m, &b, "cube.obj") == 0, "OBJ loads")) {
		ok(m.nvertices == 11 && m.ntriangles == 13 && m.nobjects == 2,
		   "OBJ: 11 vertices, 13 triangles, 2 objects");
		ok(m.materials.nr == 2 && !strcmp(m.materials.v[0], "red") &&
		   !strcmp(m.materials.v[1], "blue"),
		   "OBJ from memory: materials named by usemtl");
		ok(!strcmp(m.objects[0].name, "Cube") &&
		   m.objects[0].nvertices == 8 && m.objects[0].ntriangles == 12 &&
		   m.objects[0].material == 0 && !strcmp(m.objects[1].name, "Tri") &&
		   m.objects[1].first_vertex == 8 &&
		   m.objects[1].first_triangle == 12, "OBJ objects and ranges");
		ok(bbox_is(&m, 0, 0, 0, 4, 1, 1), "OBJ bounding box");
		ok(vlt_mesh_find_object(&m, "Tri") == 1 &&
		   vlt_mesh_find_object(&m, "Nope") == -1, "find object by name");
	}
	vlt_buf_reset(&b);

	stl_ascii(&b, v, t);
	check_cube("ASCII STL", &b, "box.stl", "stl", 1, 0, 0, 1, 1);
	vlt_buf_reset(&b);
	stl_binary(&b, v, t);
	check_cube("binary STL (header says solid)", &b, "box.stl", "stl", 1,
		   0, 0, 1, 1);
	vlt_buf_reset(&b);
	ply_ascii(&b, v);
	check_cube("ASCII PLY", &b, "box.ply", "ply", 1, 0, 0, 1, 1);
	vlt_buf_reset(&b);
	ply_binary(&b, v);
	check_cube("binary PLY", &b, "box.ply", "ply", 1, 0, 0, 1, 1);
	vlt_buf_reset(&b);
	gltf(&b, v, t);
	/* node Box at +10, node Big scaled by 2: world space x in [0, 11] */
	check_cube("glTF with a data: URI", &b, "box.gltf", "gltf", 2, 1, 0, 11,
		   2);
	vlt_buf_reset(&b);
	glb(&b, v, t);
	check_cube("GLB", &b, "box.glb", "glb", 2, 1, 0, 11, 2);
	vlt_buf_reset(&b);
	fbx(&b, v);
	check_cube("ASCII FBX", &b, "box.fbx", "fbx", 1, 0, 5, 6, 1);

	vlt_buf_reset(&b);
	stl_binary(&b, v, t);
	is_str(vlt_mesh_sniff(b.data, b.len - 1, "box.stl"), "stl",
	       "a binary STL of the wrong size is still an STL by its name");
	ok(vlt_mesh_sniff(b.data, b.len - 1, "box.bin") == NULL,
	   "... and nothing without it");
	ok(vlt_mesh_sniff("\x89PNG\r\n\x1a\n....", 12, "x.png") == NULL,
	   "a PNG is not a model");
	vlt_mesh_release(&m);
	vlt_buf_release(&b);
}

/* From a file: the OBJ finds the MTL beside it, which also defines a
 * material no face uses (not counted). */
static void test_file(void)
{
	struct vlt_buf b = VLT_BUF_INIT, path = VLT_BUF_INIT;
	struct vlt_mesh m;
	struct vlt_mesh_load_opts in_process = { VLT_MESH_LOAD_IN_PROCESS, 0 };
	const char *mtl = "newmtl red\nKd 1 0 0\nnewmtl blue\nKd 0 0 1\n"
			  "newmtl unused\nKd 0 1 0\n";
	float v[8][3];
	int t[12][3], err;

	cube(v, 1);
	cube_tris(t, 0);
	obj_text(&b, v, t, TRI);
	vlt_mesh_init(&m);
	vlt_buf_addf(&path, "%s/cube.mtl", tap_tmpdir());
	write_file(path.data, mtl, strlen(mtl));
	vlt_buf_reset(&path);
	vlt_buf_addf(&path, "%s/cube.obj", tap_tmpdir());
	write_file(path.data, b.data, b.len);
	err = vlt_mesh_load_file(&m, path.data);
	ok(err == 0 && m.nobjects == 2 && m.materials.nr == 2 &&
	   !strcmp(m.materials.v[0], "red") && !strcmp(m.materials.v[1], "blue"),
	   "OBJ file with its MTL: used materials only");
	err = vlt_mesh_load_file_opts(&m, path.data, &in_process);
	ok(err == 0 && m.nvertices == 11, "the same loaded in this process");
	vlt_buf_reset(&path);
	vlt_buf_addf(&path, "%s/missing.obj", tap_tmpdir());
	is_int(vlt_mesh_load_file(&m, path.data), VLT_E_NOTFOUND,
	       "a missing file is not found");
	vlt_mesh_release(&m);
	vlt_buf_release(&b);
	vlt_buf_release(&path);
}

/* Index of the vertex at (x, y, z) in m, or -1. */
static long find_vertex(const struct vlt_mesh *m, float x, float y, float z)
{
	for (uint32_t i = 0; i < m->nvertices; i++)
		if (m->vertices[3 * i] == x && m->vertices[3 * i + 1] == y &&
		    m->vertices[3 * i + 2] == z)
			return i;
	return -1;
}

static void test_vertex_move(void)
{
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_mesh a, m;
	struct vlt_mesh_diff d;
	float v[8][3];
	int t[12][3];
	long moved;

	cube(v, 1);
	cube_tris(t, 0);
	vlt_mesh_init(&a);
	vlt_mesh_init(&m);
	vlt_mesh_diff_init(&d);

	obj_text(&b, v, t, TRI);
	load(&a, &b, "a.obj");
	vlt_buf_reset(&b);
	v[7][0] += 0.25f;  /* corner (1, 1, 1) moves to (1.25, 1, 1) */
	obj_text(&b, v, t, TRI);
	load(&m, &b, "b.obj");
	moved = find_vertex(&m, 1.25f, 1, 1);
	ok(vlt_mesh_diff(&a, &m, &d) == 0, "diff runs");
	is_int(d.method, VLT_MESH_DIFF_VERTEX, "same topology: per vertex");
	ok(near(d.max_displacement, 0.25, 1e-5), "max displacement is the "
	   "move, 0.25 (got %.9g)", d.max_displacement);
	ok(moved >= 0 && d.max_vertex == (uint32_t)moved,
	   "the vertex that moved is named (%u, want %ld)", d.max_vertex, moved);
	ok(d.max_object == 0 && d.moved_vertices == 1, "in object Cube, alone");
	ok(near(d.mean_displacement, 0.25 / 11, 1e-7) &&
	   near(d.rms_displacement, sqrt(0.0625 / 11), 1e-7),
	   "mean and RMS over the 11 vertices");
	ok(d.nobjects == 2 && d.objects[0].change == VLT_MESH_CHANGED &&
	   !strcmp(d.objects[0].name, "Cube") &&
	   near(d.objects[0].max_displacement, 0.25, 1e-5) &&
	   d.objects[1].change == VLT_MESH_SAME && d.nchanged == 1 &&
	   !d.nadded && !d.nremoved, "Cube changed, Tri the same");
	ok(near(d.bbox_before_max[0], 4, 0) && near(d.bbox_after_max[0], 4, 0) &&
	   d.before.vertices == 11 && d.after.vertices == 11 &&
	   d.before.materials == 2 && d.after.triangles == 13,
	   "counts and boxes before and after");
	ok(d.nvertex_delta == m.nvertices && moved >= 0 &&
	   d.vertex_delta[moved] == 0.25f, "per-vertex move kept for drawing");

	/* The same in binary STL, stored a vertex per corner: the weld
	 * numbers vertices the same way in both versions. */
	cube(v, 1);
	vlt_buf_reset(&b);
	stl_binary(&b, v, t);
	load(&a, &b, "a.stl");
	v[7][0] += 0.25f;
	vlt_buf_reset(&b);
	stl_binary(&b, v, t);
	load(&m, &b, "b.stl");
	moved = find_vertex(&m, 1.25f, 1, 1);
	vlt_mesh_diff(&a, &m, &d);
	ok(d.method == VLT_MESH_DIFF_VERTEX &&
	   near(d.max_displacement, 0.25, 1e-5) && moved >= 0 &&
	   d.max_vertex == (uint32_t)moved && d.moved_vertices == 1,
	   "binary STL: the same vertex found, 0.25");

	/* a glTF model (two instances of one mesh) against itself */
	cube(v, 1);
	vlt_buf_reset(&b);
	gltf(&b, v, t);
	load(&a, &b, "a.gltf");
	vlt_mesh_diff(&a, &a, &d);
	ok(d.method == VLT_MESH_DIFF_VERTEX && d.max_displacement == 0 &&
	   d.nchanged == 0 && d.moved_vertices == 0, "a model against itself: "
	   "nothing moved");

	vlt_mesh_diff_release(&d);
	vlt_mesh_diff_release(&d);
	vlt_mesh_release(&a);
	vlt_mesh_release(&m);
	vlt_buf_release(&b);
}

/*
 * Mean distance from a face of the cube [-e, s+e]^3 to the cube [0, s]^3:
 * a point (y, z) on the face x = s + e lies sqrt(e^2 + dy^2 + dz^2) away,
 * dy and dz how far y and z stick out of [0, s]. Midpoint rule.
 */
static double face_mean(double s, double e)
{
	const int n = 2000;
	double sum = 0, h = (s + 2 * e) / n;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			double y = -e + (i + 0.5) * h, z = -e + (j + 0.5) * h;
			double dy = y < 0 ? -y : y > s ? y - s : 0;
			double dz = z < 0 ? -z : z > s ? z - s : 0;

			sum += sqrt(e * e + dy * dy + dz * dz);
		}
	return sum / ((double)n * n);
}

static void test_hausdorff(void)
{
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_mesh a, m;
	struct vlt_mesh_diff d, d2;
	float v[8][3];
	int t[12][3];
	double e = 0.1, want_ba = e * sqrt(3), want_mean;

	vlt_mesh_init(&a);
	vlt_mesh_init(&m);
	vlt_mesh_diff_init(&d);
	vlt_mesh_diff_init(&d2);

	/* A: the cube [0, 2]^3 */
	cube(v, 2);
	cube_tris(t, 0);
	obj_text(&b, v, t, TRI);
	load(&a, &b, "a.obj");

	/* the same cube split on the other diagonals: same surface */
	cube_tris(t, 1);
	vlt_buf_reset(&b);
	obj_text(&b, v, t, TRI);
	load(&m, &b, "b.obj");
	vlt_mesh_diff(&a, &m, &d);
	is_int(d.method, VLT_MESH_DIFF_HAUSDORFF,
	       "re-triangulated: falls back to Hausdorff");
	ok(d.max_displacement < 1e-6, "same surface: distance 0 (%g)",
	   d.max_displacement);
	ok(d.nchanged == 1 && !d.objects[0].topology_kept &&
	   d.objects[1].topology_kept, "Cube changed topology, Tri did not");

	/*
	 * B: the cube scaled by 1.1 about its centre, [-0.1, 2.1]^3. Every
	 * point of A is 0.1 inside a face of B: h(A, B) = 0.1. B's corners
	 * are 0.1 out along all three axes from A's: h(B, A) = 0.1 * sqrt(3),
	 * the Hausdorff distance. The mean takes as many random points on
	 * each surface: (0.1 + the mean over a face of B) / 2. (The cubes
	 * alone this time: Tri, in both, would pull the mean down.)
	 */
	cube_tris(t, 0);
	vlt_buf_reset(&b);
	obj_text(&b, v, t, ALONE);
	load(&a, &b, "a.obj");
	for (int i = 0; i < 8; i++)
		for (int c = 0; c < 3; c++)
			v[i][c] = v[i][c] ? 2.1f : -0.1f;
	cube_tris(t, 1);
	vlt_buf_reset(&b);
	obj_text(&b, v, t, ALONE);
	load(&m, &b, "b.obj");
	vlt_mesh_diff(&a, &m, &d);
	want_mean = (e + face_mean(2, e)) / 2;
	is_int(d.method, VLT_MESH_DIFF_HAUSDORFF, "scaled and re-triangulated");
	ok(near(d.hausdorff_ab, e, 1e-5), "h(A, B) = 0.1 (got %.9g)",
	   d.hausdorff_ab);
	ok(near(d.hausdorff_ba, want_ba, 1e-5), "h(B, A) = 0.1 sqrt 3 = %.6f "
	   "(got %.9g)", want_ba, d.hausdorff_ba);
	ok(near(d.max_displacement, want_ba, 1e-5),
	   "Hausdorff distance is the larger");
	ok(near(d.mean_displacement, want_mean, 1e-3), "mean distance %.5f "
	   "(got %.5f)", want_mean, d.mean_displacement);
	ok(d.samples >= 2 * 20000 && d.max_object == -1, "sampled points "
	   "counted (%u)", d.samples);
	ok(d.nvertex_delta == m.nvertices &&
	   near(d.vertex_delta[0], want_ba, 1e-5),
	   "each vertex of B has its distance to A");
	vlt_mesh_diff(&a, &m, &d2);
	ok(d2.max_displacement == d.max_displacement &&
	   d2.mean_displacement == d.mean_displacement,
	   "deterministic: the same numbers twice");

	vlt_mesh_diff_release(&d);
	vlt_mesh_diff_release(&d2);
	vlt_mesh_release(&a);
	vlt_mesh_release(&m);
	vlt_buf_release(&b);
}

static void test_objects(void)
{
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_mesh a, m;
	struct vlt_mesh_diff d;
	float v[8][3];
	int t[12][3];

	cube(v, 1);
	cube_tris(t, 0);
	vlt_mesh_init(&a);
	vlt_mesh_init(&m);
	vlt_mesh_diff_init(&d);
	obj_text(&b, v, t, TRI);
	load(&a, &b, "a.obj");
	vlt_buf_reset(&b);
	obj_text(&b, v, t, PYRAMID);
	load(&m, &b, "b.obj");
	ok(vlt_mesh_diff(&a, &m, &d) == 0 && d.nobjects == 3, "three names");
	ok(!strcmp(d.objects[0].name, "Cube") &&
	   d.objects[0].change == VLT_MESH_SAME &&
	   !strcmp(d.objects[1].name, "Pyramid") &&
	   d.objects[1].change == VLT_MESH_ADDED && d.objects[1].a == -1 &&
	   d.objects[1].nvertices_after == 4 &&
	   !strcmp(d.objects[2].name, "Tri") &&
	   d.objects[2].change == VLT_MESH_REMOVED && d.objects[2].b == -1 &&
	   d.objects[2].ntriangles_before == 1,
	   "Pyramid added, Tri removed, Cube the same");
	ok(d.nadded == 1 && d.nremoved == 1 && d.nchanged == 0 &&
	   d.before.objects == 2 && d.after.objects == 2, "tallies");
	/* the added and removed objects are not displacement: Cube, on both
	 * sides and untouched, moved nothing */
	is_int(d.method, VLT_MESH_DIFF_VERTEX, "Cube kept its topology: "
	       "vertex by vertex");
	is_int((int)d.ncommon, 1, "one object on both sides");
	ok(d.max_displacement == 0 && d.moved_vertices == 0,
	   "nothing moved (max %g)", d.max_displacement);
	vlt_mesh_diff_release(&d);
	vlt_mesh_release(&a);
	vlt_mesh_release(&m);
	vlt_buf_release(&b);
}

static void expect_error(const char *what, const void *data, size_t len,
			 const char *name, int want)
{
	struct vlt_mesh m;
	int err;
	long printed;

	vlt_mesh_init(&m);
	vlt_error_clear();
	capture_begin();
	err = vlt_mesh_load_mem(&m, data, len, NULL, name);
	printed = capture_end();
	if (!ok(err == want && strstr(vlt_error_last(), name) &&
		m.nvertices == 0 && m.objects == NULL, "%s: error", what))
		tap_diag("  got %d '%s'", err, vlt_error_last());
	else
		tap_diag("  %s", vlt_error_last());
	ok(printed == 0, "%s: nothing printed", what);
	vlt_mesh_release(&m);
}

static void test_errors(void)
{
	struct vlt_buf b = VLT_BUF_INIT;
	struct vlt_mesh m;
	struct vlt_mesh_load_opts in_process = { VLT_MESH_LOAD_IN_PROCESS, 0 };
	struct vlt_mesh_load_opts quick = { 0, 300 };
	unsigned char junk[600];
	long printed;
	int err;
	uint64_t x = 12345;
	float v[8][3];
	int t[12][3];

	cube(v, 1);
	cube_tris(t, 0);
	for (size_t i = 0; i < sizeof(junk); i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		junk[i] = (unsigned char)(x >> 56);
	}
	expect_error("empty", "", 0, "empty.obj", VLT_E_CORRUPT);
	expect_error("garbage, no known name", junk, sizeof(junk), "junk.bin",
		     VLT_E_UNSUPPORTED);
	expect_error("garbage named .stl", junk, sizeof(junk), "junk.stl",
		     VLT_E_CORRUPT);
	expect_error("garbage named .glb", junk, sizeof(junk), "junk.glb",
		     VLT_E_CORRUPT);
	expect_error("garbage named .fbx", junk, sizeof(junk), "junk.fbx",
		     VLT_E_CORRUPT);

	stl_binary(&b, v, t);
	expect_error("truncated binary STL", b.data, b.len - 7, "cut.stl",
		     VLT_E_CORRUPT);
	vlt_buf_reset(&b);
	stl_ascii(&b, v, t);
	expect_error("truncated ASCII STL", b.data, b.len / 2, "cut.stl",
		     VLT_E_CORRUPT);
	vlt_buf_reset(&b);
	ply_ascii(&b, v);
	/* assimp 5.2 loops forever on this one */
	expect_error("PLY cut in its header", b.data, 40, "cut.ply",
		     VLT_E_CORRUPT);
	expect_error("PLY cut in its faces", b.data, b.len - 10, "cut.ply",
		     VLT_E_CORRUPT);
	vlt_buf_reset(&b);
	ply_binary(&b, v);
	expect_error("binary PLY cut short", b.data, b.len - 3, "cut.ply",
		     VLT_E_CORRUPT);
	vlt_buf_reset(&b);
	gltf(&b, v, t);
	expect_error("truncated glTF", b.data, b.len / 2, "cut.gltf",
		     VLT_E_UNSUPPORTED);
	vlt_buf_reset(&b);
	glb(&b, v, t);
	expect_error("truncated GLB", b.data, b.len - 20, "cut.glb",
		     VLT_E_CORRUPT);
	vlt_buf_reset(&b);
	fbx(&b, v);
	expect_error("truncated FBX", b.data, b.len / 2, "cut.fbx",
		     VLT_E_CORRUPT);
	vlt_buf_reset(&b);
	vlt_buf_adds(&b, "o Dots\nv 0 0 0\nv 1 0 0\np 1 2\n");
	expect_error("OBJ with points only", b.data, b.len, "dots.obj",
		     VLT_E_UNSUPPORTED);
	vlt_buf_reset(&b);
	vlt_buf_adds(&b, "o Bad\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 9\n");
	expect_error("OBJ face index out of range", b.data, b.len, "bad.obj",
		     VLT_E_CORRUPT);

	vlt_mesh_init(&m);
	ok(vlt_mesh_load_mem_opts(&m, "", 0, "obj", "e.obj", &in_process) ==
	   VLT_E_CORRUPT, "in-process load refuses empty input too");

	/* the sandbox survives an importer that aborts or never returns */
	vlt_buf_reset(&b);
	obj_text(&b, v, t, TRI);
	setenv(VLT_MESH_TEST_HOOK_ENV, "abort", 1);
	capture_begin();
	err = vlt_mesh_load_mem(&m, b.data, b.len, NULL, "boom.obj");
	printed = capture_end();
	ok(err == VLT_E_CORRUPT && strstr(vlt_error_last(), "boom.obj") &&
	   strstr(vlt_error_last(), "crashed") &&
	   strstr(vlt_error_last(), "ai_assert failure in test") && !printed,
	   "an import that aborts is an error quoting its last words");
	tap_diag("  %s", vlt_error_last());
	setenv(VLT_MESH_TEST_HOOK_ENV, "hang", 1);
	err = vlt_mesh_load_mem_opts(&m, b.data, b.len, NULL, "stuck.obj",
				     &quick);
	ok(err == VLT_E_CORRUPT && strstr(vlt_error_last(), "did not finish"),
	   "an import that hangs is killed at the time limit");
	tap_diag("  %s", vlt_error_last());
	unsetenv(VLT_MESH_TEST_HOOK_ENV);
	ok(vlt_mesh_load_mem(&m, b.data, b.len, NULL, "fine.obj") == 0 &&
	   m.nvertices == 11, "and the next import works");
	vlt_mesh_release(&m);
	vlt_buf_release(&b);
}

/* Pixels in columns [x0, x1) that are not background or separator, and
 * those of them that are coloured (not grey). */
static void count_pixels(const struct vlt_image *img, uint32_t x0, uint32_t x1,
			 long *drawn, long *coloured, long *green, long *red)
{
	*drawn = *coloured = *green = *red = 0;
	for (uint32_t y = 0; y < img->height; y++)
		for (uint32_t x = x0; x < x1; x++) {
			const uint8_t *p = img->rgba + 4 * ((size_t)y * img->width + x);
			uint32_t rgb = (uint32_t)p[0] << 16 | p[1] << 8 | p[2];
			int r = p[0], g = p[1], bl = p[2];

			if (rgb == VLT_MESH_RENDER_BG ||
			    rgb == VLT_MESH_RENDER_SEPARATOR)
				continue;
			(*drawn)++;
			if (abs(r - g) > 24 || abs(g - bl) > 24 || abs(r - bl) > 24)
				(*coloured)++;
			if (g > r + 40 && g > bl + 40)
				(*green)++;
			if (r > g + 40 && r > bl + 40)
				(*red)++;
		}
}

/* Pixels of exactly this colour in [x0, x1) x [y0, y1). */
static long count_rgb(const struct vlt_image *img, uint32_t x0, uint32_t x1,
		      uint32_t y0, uint32_t y1, int r, int g, int b)
{
	long n = 0;

	for (uint32_t y = y0; y < y1 && y < img->height; y++)
		for (uint32_t x = x0; x < x1 && x < img->width; x++) {
			const uint8_t *p = img->rgba + 4 * ((size_t)y * img->width + x);

			n += p[0] == r && p[1] == g && p[2] == b;
		}
	return n;
}

static void test_render(void)
{
	struct vlt_buf b = VLT_BUF_INIT, path = VLT_BUF_INIT;
	struct vlt_mesh a, m;
	struct vlt_mesh_diff d;
	struct vlt_image img;
	float v[8][3];
	int t[12][3];
	long drawn, coloured, green, red;

	cube(v, 1);
	cube_tris(t, 0);
	vlt_mesh_init(&a);
	vlt_mesh_init(&m);
	vlt_mesh_diff_init(&d);
	vlt_image_init(&img);
	obj_text(&b, v, t, TRI);
	load(&a, &b, "a.obj");
	v[7][0] += 0.25f;
	vlt_buf_reset(&b);
	obj_text(&b, v, t, TRI);
	load(&m, &b, "b.obj");
	vlt_mesh_diff(&a, &m, &d);

	ok(vlt_mesh_render(&a, &m, &d, &img, 321, 160) == 0 &&
	   img.width == 321 && img.height == 160 && img.rgba,
	   "render side by side");
	count_pixels(&img, 0, 160, &drawn, &coloured, &green, &red);
	ok(drawn > 2000 && coloured == 0, "left: a drawn, all grey (%ld "
	   "pixels)", drawn);
	count_pixels(&img, 161, 321, &drawn, &coloured, &green, &red);
	ok(drawn > 2000 && coloured > 100 && red > 0, "right: b drawn, the "
	   "move coloured (%ld of %ld, %ld red)", coloured, drawn, red);
	vlt_buf_addf(&path, "%s/move.png", tap_tmpdir());
	if (!vlt_image_write_png(&img, path.data))
		tap_diag("  wrote %s (VAULT_TEST_KEEP=1 keeps it)", path.data);

	vlt_mesh_diff(&a, &a, &d);
	vlt_mesh_render(&a, &a, &d, &img, 321, 160);
	count_pixels(&img, 161, 321, &drawn, &coloured, &green, &red);
	ok(drawn > 2000 && coloured == 0, "nothing moved: nothing coloured");

	/* Pyramid added (green on the right), Tri removed (red on the left) */
	cube(v, 1);
	vlt_buf_reset(&b);
	obj_text(&b, v, t, PYRAMID);
	load(&m, &b, "c.obj");
	vlt_mesh_diff(&a, &m, &d);
	vlt_mesh_render(&a, &m, &d, &img, 400, 200);
	count_pixels(&img, 0, 200, &drawn, &coloured, &green, &red);
	ok(red > 0 && green == 0, "removed object red on the left");
	count_pixels(&img, 201, 400, &drawn, &coloured, &green, &red);
	ok(green > 0 && red == 0, "added object green on the right");
	ok(count_rgb(&img, 201, 400, 0, img.height, 255, 215, 0) == 0,
	   "nothing moved: no ring (the added object did not move)");

	/* captions and the key: the cube's corner moved by 0.5 */
	v[0][0] += 0.5f;
	vlt_buf_reset(&b);
	obj_text(&b, v, t, PYRAMID);
	load(&m, &b, "d.obj");
	vlt_mesh_diff(&a, &m, &d);
	ok(d.method == VLT_MESH_DIFF_VERTEX && near(d.max_displacement, 0.5, 1e-6),
	   "with an added object, the cube's move is measured alone (%g)",
	   d.max_displacement);
	ok(vlt_mesh_render_labelled(&a, &m, &d, &img, 400, 200, "v1:c.obj",
				    "v2:c.obj") == 0 &&
	   img.width == 400 && img.height == 200 + 25 + 50,
	   "labelled render: a caption strip over, a key under (%ux%u)",
	   img.width, img.height);
	ok(400 * 25 - count_rgb(&img, 0, 400, 0, 25,
				(VLT_MESH_RENDER_BG >> 16) & 0xff,
				(VLT_MESH_RENDER_BG >> 8) & 0xff,
				VLT_MESH_RENDER_BG & 0xff) > 100,
	   "the caption strip has text");
	ok(count_rgb(&img, 0, 400, 225, img.height, 40, 70, 255) > 0 &&
	   count_rgb(&img, 0, 400, 225, img.height, 255, 30, 40) > 0,
	   "the key shows both ends of the ramp");
	ok(count_rgb(&img, 0, 400, 225, img.height, 60, 205, 90) > 50 &&
	   count_rgb(&img, 0, 400, 225, img.height, 225, 60, 50) > 50,
	   "the key has the added and the removed colour");
	ok(count_rgb(&img, 201, 400, 25, 225, 255, 215, 0) > 0,
	   "the most moved vertex is ringed");
	vlt_buf_reset(&path);
	vlt_buf_addf(&path, "%s/labelled.png", tap_tmpdir());
	vlt_image_write_png(&img, path.data);
	vlt_buf_reset(&path);
	vlt_buf_addf(&path, "%s/objects.png", tap_tmpdir());
	vlt_image_write_png(&img, path.data);

	ok(vlt_mesh_thumbnail(&a, &img, 64, 64) == 0 && img.width == 64,
	   "thumbnail of one model");
	count_pixels(&img, 0, 64, &drawn, &coloured, &green, &red);
	ok(drawn > 300 && coloured == 0, "thumbnail drawn, grey (%ld)", drawn);
	ok(vlt_mesh_render(&a, NULL, NULL, &img, 0, 10) == VLT_E_INVALID &&
	   img.rgba == NULL, "zero width refused");

	vlt_image_release(&img);
	vlt_mesh_diff_release(&d);
	vlt_mesh_release(&a);
	vlt_mesh_release(&m);
	vlt_buf_release(&b);
	vlt_buf_release(&path);
}

int main(void)
{
	tap_plan_lazy();
	test_formats();
	test_file();
	test_vertex_move();
	test_hausdorff();
	test_objects();
	test_errors();
	test_render();
	return tap_done();
}
