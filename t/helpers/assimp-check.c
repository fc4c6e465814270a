/*
 * assimp-check - does vault's model loader read what assimp reads?
 *
 *     assimp-check [-t SECONDS] FILE...
 *
 * For each FILE, first assimp itself (aiImportFile with the flags vault
 * uses: none; then the file alone from memory, hinted by its extension)
 * in child processes under a time limit, then vault's loader twice: from
 * memory under the file's name (vlt_mesh_load_mem: how vault diff
 * --visual and vault creative status load a file of a snapshot) and by
 * path (vlt_mesh_load_file, which lets an OBJ find its MTL): the format
 * sniffing, the pre-checks and the sandboxed import, each in a child
 * too, so that a crash in the pre-checks shows as a crash instead of
 * taking the tool down. One tab-separated line per file:
 *
 *     VERDICT<TAB>FILE<TAB>ASSIMP<TAB>VAULT-MEMORY<TAB>VAULT-PATH
 *
 * ASSIMP is "loads N faces" or "loads, no triangles" (then "; memory:
 * loads|fails|hangs|crashes"), "fails: MESSAGE", "crashed (signal N)" or
 * "hangs"; each VAULT is "reads N vertices N triangles", "refused CODE:
 * MESSAGE", "crashed (signal N)" or "hangs". VERDICT is one of
 *
 *     read       assimp loads triangles and vault reads the model
 *     notri      assimp loads a scene without triangles (points, lines,
 *                cameras, animation only) and vault refuses it
 *     limit      assimp loads it and vault refuses it for a documented
 *                limit (more than VLT_MESH_MAX_* vertices, too large,
 *                a non-finite coordinate)
 *     onefile    vault reads it by path; from memory neither assimp nor
 *                vault can (the file needs the files beside it)
 *     skip       assimp itself cannot load it (not vault's business)
 *     REFUSED    assimp loads triangles, vault refuses it otherwise
 *     CRASH      vault crashed or hung
 *
 * Exit status 0 when no line is REFUSED or CRASH, 1 otherwise, 128 on a
 * usage or system error. Built for t/cli/assimp-testmodels.bats.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <assimp/cimport.h>
#include <assimp/scene.h>

#include "buf.h"
#include "error.h"
#include "fsutil.h"
#include "mesh.h"

static unsigned timeout_s = 30;

/* Run fn(path, buf, n) in a child killed after secs; its answer
 * (one line) comes back in buf. Returns 0, or -1 crashed (*sig set),
 * -2 hung. */
static int in_child(void (*fn)(const char *, char *, size_t),
		    const char *path, unsigned secs, char *buf, size_t n,
		    int *sig)
{
	int pf[2], status;
	size_t got = 0;
	pid_t pid;

	if (pipe(pf) < 0) {
		perror("pipe");
		exit(128);
	}
	if ((pid = fork()) < 0) {
		perror("fork");
		exit(128);
	}
	if (!pid) {
		char out[1024];
		size_t len;

		close(pf[0]);
		alarm(secs);
		out[0] = '\0';
		fn(path, out, sizeof(out));
		len = strlen(out);
		if (write(pf[1], out, len) != (ssize_t)len)
			_exit(3);
		_exit(0);
	}
	close(pf[1]);
	for (;;) {
		ssize_t k = read(pf[0], buf + got, n - 1 - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
		if (got == n - 1)
			break;
	}
	buf[got] = '\0';
	close(pf[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		*sig = WTERMSIG(status);
		return *sig == SIGALRM ? -2 : -1;
	}
	return 0;
}

/* Tabs and newlines out of a message. */
static void flatten(char *s)
{
	for (; *s; s++)
		if (*s == '\t' || *s == '\n' || *s == '\r')
			*s = ' ';
}

static const char *ext_of(const char *path)
{
	const char *slash = strrchr(path, '/'), *dot;

	dot = strrchr(slash ? slash + 1 : path, '.');
	return dot && dot[1] ? dot + 1 : "";
}

static int read_all(const char *path, struct vlt_buf *b)
{
	return vlt_read_file(path, b);
}

static unsigned long long faces_of(const struct aiScene *s)
{
	unsigned long long tris = 0;

	for (unsigned i = 0; i < s->mNumMeshes; i++)
		for (unsigned f = 0; f < s->mMeshes[i]->mNumFaces; f++)
			if (s->mMeshes[i]->mFaces[f].mNumIndices >= 3)
				tris++;
	return tris;
}

/* "loads N faces", "loads, no triangles" or "fails: MESSAGE". */
static void ask_assimp(const char *path, char *out, size_t n)
{
	const struct aiScene *s;
	unsigned long long tris;

	aiDetachAllLogStreams();
	if (!(s = aiImportFile(path, 0))) {
		snprintf(out, n, "fails: %s", aiGetErrorString());
		return;
	}
	tris = faces_of(s);
	aiReleaseImport(s);
	if (tris)
		snprintf(out, n, "loads %llu faces", tris);
	else
		snprintf(out, n, "loads, no triangles");
}

/* The file alone, from memory, hinted by its extension (as a program
 * reading a snapshot hands it over): "loads" or "fails". */
static void ask_assimp_mem(const char *path, char *out, size_t n)
{
	const struct aiScene *s = NULL;
	struct vlt_buf b = VLT_BUF_INIT;

	aiDetachAllLogStreams();
	if (read_all(path, &b) == 0 && b.len)
		s = aiImportFileFromMemory(b.data, (unsigned)b.len, 0,
					   ext_of(path));
	snprintf(out, n, s ? "loads" : "fails");
	if (s)
		aiReleaseImport(s);
	vlt_buf_release(&b);
}

static void vault_result(int err, const struct vlt_mesh *m, char *out,
			 size_t n)
{
	if (err < 0)
		snprintf(out, n, "refused %d: %s", vlt_error_last_code(),
			 vlt_error_last());
	else
		snprintf(out, n, "reads %u vertices %u triangles",
			 m->nvertices, m->ntriangles);
}

/* The file's bytes under its name, as vault diff --visual and vault
 * creative status load a model of a snapshot. */
static void ask_vault_mem(const char *path, char *out, size_t n)
{
	struct vlt_mesh m;
	struct vlt_mesh_load_opts o = { 0, timeout_s * 1000u };
	struct vlt_buf b = VLT_BUF_INIT;
	int err;

	vlt_mesh_init(&m);
	if ((err = read_all(path, &b)) == 0)
		err = vlt_mesh_load_mem_opts(&m, b.data, b.len, NULL, path, &o);
	vault_result(err, &m, out, n);
	vlt_mesh_release(&m);
	vlt_buf_release(&b);
}

/* The file by its path (an OBJ finds its MTL, a .gltf its buffers). */
static void ask_vault_file(const char *path, char *out, size_t n)
{
	struct vlt_mesh m;
	struct vlt_mesh_load_opts o = { 0, timeout_s * 1000u };

	vlt_mesh_init(&m);
	vault_result(vlt_mesh_load_file_opts(&m, path, &o), &m, out, n);
	vlt_mesh_release(&m);
}

/* The verdict on one of vault's answers v, given assimp's a (mem: v is
 * the from-memory load). */
static const char *verdict_of(const char *a, const char *v, int mem)
{
	if (!v[0] || !strncmp(v, "crashed", 7) || !strcmp(v, "hangs"))
		return "CRASH";
	if (strncmp(a, "loads", 5))
		return "skip";
	if (!strncmp(v, "reads", 5))
		return "read";
	if (!strncmp(a, "loads, no triangles", 19))
		return "notri";
	if (strstr(v, "refused -11:") && (strstr(v, ": more than") ||
					  strstr(v, "too large")))
		return "limit";
	if (strstr(v, "non-finite coordinate"))
		return "limit";
	if (mem && !strstr(a, "memory: loads"))
		return "onefile";
	return "REFUSED";
}

static int bad_verdict(const char *v)
{
	return !strcmp(v, "REFUSED") || !strcmp(v, "CRASH");
}

int main(int argc, char **argv)
{
	int c, bad = 0;

	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c == 't' && atoi(optarg) > 0) {
			timeout_s = (unsigned)atoi(optarg);
		} else {
			fprintf(stderr, "usage: assimp-check [-t SECONDS] "
				"FILE...\n");
			return 128;
		}
	}
	for (int i = optind; i < argc; i++) {
		char a[1024], v[1024], f[1024];
		const char *verdict, *vf;
		int sig = 0, ra, rv, rf;

		ra = in_child(ask_assimp, argv[i], timeout_s, a, sizeof(a), &sig);
		if (ra == -1)
			snprintf(a, sizeof(a), "crashed (signal %d)", sig);
		else if (ra == -2)
			snprintf(a, sizeof(a), "hangs");
		if (!strncmp(a, "loads", 5)) {
			char m[64];
			size_t k = strlen(a);

			ra = in_child(ask_assimp_mem, argv[i], timeout_s, m,
				      sizeof(m), &sig);
			snprintf(a + k, sizeof(a) - k, "; memory: %s",
				 ra == -2 ? "hangs" : ra == -1 ? "crashes" :
				 !strcmp(m, "loads") ? "loads" : "fails");
		}
		/* vault's own limit is the same: its sandbox kills its
		 * child first, or ours tells a hang */
		rv = in_child(ask_vault_mem, argv[i], 2 * timeout_s + 5, v,
			      sizeof(v), &sig);
		if (rv == -1)
			snprintf(v, sizeof(v), "crashed (signal %d)", sig);
		else if (rv == -2)
			snprintf(v, sizeof(v), "hangs");
		rf = in_child(ask_vault_file, argv[i], 2 * timeout_s + 5, f,
			      sizeof(f), &sig);
		if (rf == -1)
			snprintf(f, sizeof(f), "crashed (signal %d)", sig);
		else if (rf == -2)
			snprintf(f, sizeof(f), "hangs");
		flatten(a);
		flatten(v);
		flatten(f);
		verdict = verdict_of(a, v, 1);
		vf = verdict_of(a, f, 0);
		if (bad_verdict(vf) && !bad_verdict(verdict))
			verdict = vf;
		if (bad_verdict(verdict))
			bad = 1;
		printf("%s\t%s\t%s\t%s\t%s\n", verdict, argv[i], a, v, f);
		fflush(stdout);
	}
	return bad;
}
