/*
 * mesh-sandbox.c - importing a model in a forked child (see mesh.h).
 *
 * Isolation. A few malformed inputs make assimp 5.2 abort (assertions) or
 * loop forever (a PLY cut inside its header), so by default the import
 * runs in a forked child that sends the converted mesh back through a
 * pipe, with its stdout and stderr captured and a time limit. Known traps
 * are also caught before assimp sees them (empty input, PLY headers and
 * bodies walked in full, STL and GLB sizes).
 *
 * The child is a fork() of the caller, not a new program: it runs
 * vlt_mesh_import_here() and writes the result to a pipe, its stdout and
 * stderr going to a second pipe whose first line becomes part of the
 * error message if it dies. The parent reads both with poll() until the
 * deadline, then kills it (SIGKILL) if it has not finished.
 *
 * The wire format (one process, one machine: host byte order, no
 * padding; u32/i32 are 4 bytes, str is u32 length + bytes, no NUL):
 *
 *   u32 magic "VMS1" (0x31534d56)     i32 rc (0 or a VLT_E_* code)
 *   rc < 0:  str message               (the error, as vlt_error_last())
 *   rc == 0: char format[sizeof(vlt_mesh.format)]
 *            u32 nobjects, nvertices, ntriangles, nmaterials
 *            nobjects x { u32 first_vertex, nvertices, first_triangle,
 *                         ntriangles; i32 material; str name }
 *            float vertices[3 * nvertices]
 *            u32 triangles[3 * ntriangles]
 *            i32 triangle_materials[ntriangles]
 *            nmaterials x str name
 *
 * The reader checks every length against what is left, the counts
 * against the VLT_MESH_MAX_* limits and every triangle index against
 * nvertices, so a reply cut short is "garbled", never trusted.
 *
 * A test hook (VLT_MESH_TEST_HOOK_ENV in mesh-internal.h) makes the child
 * abort or hang, for t/unit/mesh.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "fsutil.h"
#include "mesh-internal.h"
#include "mesh.h"

/* The wire format: see the comment at the top of the file. */
#define WIRE_MAGIC 0x31534d56u  /* "VMS1" */

static int put(struct vlt_buf *b, const void *p, size_t n)
{
	return vlt_buf_add(b, p, n);
}

static int put_u32(struct vlt_buf *b, uint32_t v)
{
	return put(b, &v, 4);
}

static int serialise(struct vlt_buf *b, int rc, const struct vlt_mesh *m)
{
	uint32_t magic = WIRE_MAGIC;
	int32_t code = rc;

	VLT_TRY(put(b, &magic, 4));
	VLT_TRY(put(b, &code, 4));
	if (rc < 0) {
		const char *msg = vlt_error_last();

		VLT_TRY(put_u32(b, (uint32_t)strlen(msg)));
		return put(b, msg, strlen(msg));
	}
	VLT_TRY(put(b, m->format, sizeof(m->format)));
	VLT_TRY(put_u32(b, m->nobjects));
	VLT_TRY(put_u32(b, m->nvertices));
	VLT_TRY(put_u32(b, m->ntriangles));
	VLT_TRY(put_u32(b, (uint32_t)m->materials.nr));
	for (uint32_t i = 0; i < m->nobjects; i++) {
		const struct vlt_mesh_object *o = &m->objects[i];

		VLT_TRY(put_u32(b, o->first_vertex));
		VLT_TRY(put_u32(b, o->nvertices));
		VLT_TRY(put_u32(b, o->first_triangle));
		VLT_TRY(put_u32(b, o->ntriangles));
		VLT_TRY(put(b, &o->material, 4));
		VLT_TRY(put_u32(b, (uint32_t)strlen(o->name)));
		VLT_TRY(put(b, o->name, strlen(o->name)));
	}
	VLT_TRY(put(b, m->vertices, 12 * (size_t)m->nvertices));
	VLT_TRY(put(b, m->triangles, 12 * (size_t)m->ntriangles));
	VLT_TRY(put(b, m->triangle_materials, 4 * (size_t)m->ntriangles));
	for (size_t i = 0; i < m->materials.nr; i++) {
		VLT_TRY(put_u32(b, (uint32_t)strlen(m->materials.v[i])));
		VLT_TRY(put(b, m->materials.v[i], strlen(m->materials.v[i])));
	}
	return 0;
}

struct reader {
	const unsigned char *p, *end;
};

static int take(struct reader *r, void *out, size_t n)
{
	if ((size_t)(r->end - r->p) < n)
		return -1;
	memcpy(out, r->p, n);
	r->p += n;
	return 0;
}

static int take_str(struct reader *r, char **out)
{
	uint32_t n;

	if (take(r, &n, 4) < 0 || (size_t)(r->end - r->p) < n)
		return -1;
	*out = malloc((size_t)n + 1);
	if (!*out)
		return -1;
	memcpy(*out, r->p, n);
	(*out)[n] = '\0';
	r->p += n;
	return 0;
}

/* Rebuild the child's mesh (or its error) from the wire. */
static int deserialise(struct vlt_mesh *m, const struct vlt_buf *b,
		       const char *label)
{
	struct reader r = { (const unsigned char *)b->data,
			    (const unsigned char *)b->data + b->len };
	uint32_t magic, nmat;
	int32_t code;

	if (take(&r, &magic, 4) < 0 || magic != WIRE_MAGIC ||
	    take(&r, &code, 4) < 0)
		goto bad;
	if (code < 0) {
		char *msg;

		if (take_str(&r, &msg) < 0)
			goto bad;
		vlt_error_set(code, "%s", msg);
		free(msg);
		return code;
	}
	if (take(&r, m->format, sizeof(m->format)) < 0 ||
	    take(&r, &m->nobjects, 4) < 0 || take(&r, &m->nvertices, 4) < 0 ||
	    take(&r, &m->ntriangles, 4) < 0 || take(&r, &nmat, 4) < 0 ||
	    m->nobjects > VLT_MESH_MAX_OBJECTS ||
	    m->nvertices > VLT_MESH_MAX_VERTICES ||
	    m->ntriangles > VLT_MESH_MAX_TRIANGLES)
		goto bad;
	m->format[sizeof(m->format) - 1] = '\0';
	m->objects = calloc(m->nobjects ? m->nobjects : 1, sizeof(*m->objects));
	m->vertices = malloc(12 * (size_t)m->nvertices + 1);
	m->triangles = malloc(12 * (size_t)m->ntriangles + 1);
	m->triangle_materials = malloc(4 * (size_t)m->ntriangles + 1);
	if (!m->objects || !m->vertices || !m->triangles ||
	    !m->triangle_materials) {
		vlt_mesh_release(m);
		return vlt_error_set(VLT_E_NOMEM, "out of memory");
	}
	m->alloc_objects = m->nobjects;
	m->alloc_vertices = 3 * (size_t)m->nvertices;
	m->alloc_triangles = 3 * (size_t)m->ntriangles;
	for (uint32_t i = 0; i < m->nobjects; i++) {
		struct vlt_mesh_object *o = &m->objects[i];

		if (take(&r, &o->first_vertex, 4) < 0 ||
		    take(&r, &o->nvertices, 4) < 0 ||
		    take(&r, &o->first_triangle, 4) < 0 ||
		    take(&r, &o->ntriangles, 4) < 0 ||
		    take(&r, &o->material, 4) < 0 || take_str(&r, &o->name) < 0)
			goto bad;
	}
	if (take(&r, m->vertices, 12 * (size_t)m->nvertices) < 0 ||
	    take(&r, m->triangles, 12 * (size_t)m->ntriangles) < 0 ||
	    take(&r, m->triangle_materials, 4 * (size_t)m->ntriangles) < 0)
		goto bad;
	for (uint32_t i = 0; i < nmat; i++) {
		char *s;
		int err;

		if (take_str(&r, &s) < 0)
			goto bad;
		err = vlt_strlist_add(&m->materials, s);
		free(s);
		if (err < 0) {
			vlt_mesh_release(m);
			return err;
		}
	}
	for (size_t i = 0; i < 3 * (size_t)m->ntriangles; i++)
		if (m->triangles[i] >= m->nvertices)
			goto bad;
	vlt_mesh_compute_bbox(m);
	return 0;
bad:
	vlt_mesh_release(m);
	return vlt_error_set(VLT_E_GENERIC, "%s: garbled reply from the model "
			     "import process", label);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The test hook of mesh-internal.h: act out assimp's failures. */
static void test_hook(void)
{
	const char *act = getenv(VLT_MESH_TEST_HOOK_ENV);

	if (act && !strcmp(act, "abort")) {
		fputs("ai_assert failure in test\n", stderr);
		fflush(stderr);
		abort();
	}
	while (act && !strcmp(act, "hang"))
		pause();
}

/* The child: import, send the result, leave without running atexit. */
static void child_import(int out, int msgs, const char *fmt, const void *data,
			 size_t len, const char *path, const char *label)
{
	struct vlt_mesh m;
	struct vlt_buf b = VLT_BUF_INIT;
	int rc;

	if (dup2(msgs, 1) < 0 || dup2(msgs, 2) < 0)
		_exit(3);
	signal(SIGPIPE, SIG_DFL);
	test_hook();
	vlt_mesh_init(&m);
	rc = vlt_mesh_import_here(&m, fmt, data, len, path, label);
	if (serialise(&b, rc, &m) < 0 ||
	    vlt_write_full(out, b.data, b.len, "the import pipe") < 0)
		_exit(2);
	_exit(0);
}

int vlt_mesh_import_sandboxed(struct vlt_mesh *m, const char *fmt,
			      const void *data, size_t len, const char *path,
			      const char *label, unsigned timeout_ms)
{
	int res[2] = { -1, -1 }, msg[2] = { -1, -1 }, status = 0, timed_out = 0;
	struct vlt_buf out = VLT_BUF_INIT;
	char errtext[512];
	size_t errlen = 0;
	long long deadline;
	pid_t pid;
	int err;

	if (pipe2(res, O_CLOEXEC) < 0 || pipe2(msg, O_CLOEXEC) < 0) {
		err = vlt_error_set(VLT_E_IO, "pipe: %s", strerror(errno));
		goto done;
	}
	pthread_mutex_lock(&vlt_mesh_import_lock);  /* no import half-done in the copy */
	pid = fork();
	if (pid == 0) {
		close(res[0]);
		close(msg[0]);
		child_import(res[1], msg[1], fmt, data, len, path, label);
	}
	pthread_mutex_unlock(&vlt_mesh_import_lock);
	if (pid < 0) {
		err = vlt_error_set(VLT_E_IO, "fork: %s", strerror(errno));
		goto done;
	}
	close(res[1]);
	close(msg[1]);
	res[1] = msg[1] = -1;

	deadline = now_ms() + timeout_ms;
	while (res[0] >= 0 || msg[0] >= 0) {
		struct pollfd pf[2];
		long long left = deadline - now_ms();
		int n = 0, rc;

		if (left <= 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		if (res[0] >= 0)
			pf[n++] = (struct pollfd){ .fd = res[0], .events = POLLIN };
		if (msg[0] >= 0)
			pf[n++] = (struct pollfd){ .fd = msg[0], .events = POLLIN };
		rc = poll(pf, (nfds_t)n, left > 1000 ? 1000 : (int)left);
		if (rc < 0 && errno != EINTR) {
			kill(pid, SIGKILL);
			break;
		}
		for (int i = 0; i < n && rc > 0; i++) {
			ssize_t got;

			if (!pf[i].revents)
				continue;
			if (pf[i].fd == res[0]) {
				if (vlt_buf_grow(&out, 65536) < 0) {
					kill(pid, SIGKILL);
					close(res[0]);
					res[0] = -1;
					continue;
				}
				got = read(res[0], out.data + out.len, 65536);
				if (got > 0)
					vlt_buf_setlen(&out, out.len + (size_t)got);
			} else {
				char tmp[512];

				got = read(msg[0], tmp, sizeof(tmp));
				if (got > 0 && errlen < sizeof(errtext) - 1) {
					size_t k = (size_t)got;

					if (k > sizeof(errtext) - 1 - errlen)
						k = sizeof(errtext) - 1 - errlen;
					memcpy(errtext + errlen, tmp, k);
					errlen += k;
				}
			}
			if (got == 0 || (got < 0 && errno != EINTR &&
					 errno != EAGAIN)) {
				close(pf[i].fd);
				if (pf[i].fd == res[0])
					res[0] = -1;
				else
					msg[0] = -1;
			}
		}
	}
	errtext[errlen] = '\0';
	errtext[strcspn(errtext, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

	if (timed_out)
		err = vlt_error_set(VLT_E_CORRUPT, "%s: cannot read model: "
				    "assimp did not finish in %.3g s",
				    label, timeout_ms / 1000.0);
	else if (WIFSIGNALED(status))
		err = vlt_error_set(VLT_E_CORRUPT, "%s: cannot read model: "
				    "assimp crashed (signal %d)%s%s", label,
				    WTERMSIG(status), errlen ? ": " : "",
				    errtext);
	else if (out.len >= 8)
		err = deserialise(m, &out, label);
	else
		err = vlt_error_set(VLT_E_GENERIC, "%s: model import process "
				    "failed (exit %d)%s%s", label,
				    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				    errlen ? ": " : "", errtext);
done:
	for (int i = 0; i < 2; i++) {
		if (res[i] >= 0)
			close(res[i]);
		if (msg[i] >= 0)
			close(msg[i]);
	}
	vlt_buf_release(&out);
	return err;
}
