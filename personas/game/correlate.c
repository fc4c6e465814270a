/*
 * correlate.c - rates, rises and suspect scores for vault-feedback (see
 * correlate.h). No I/O: numbers in, numbers and reasons out.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "correlate.h"

double correlate_rate(unsigned count, double hours)
{
	return hours > 0 ? count / hours : (double)count;
}

int correlate_rose(double a, double b, unsigned count_b, unsigned min_count)
{
	if (count_b < min_count || b <= 0)
		return 0;
	return a <= 0 || b >= CORRELATE_MIN_RATIO * a;
}

static int ext_in(const char *ext, const char *const *list)
{
	for (; *list; list++)
		if (!strcasecmp(ext, *list))
			return 1;
	return 0;
}

const char *correlate_kind(const char *path, double *weight)
{
	static const char *const scene[] = {
		"tscn", "tres", "scn", "gd", "cs", "lua", "py", "js", "ts",
		"c", "cc", "cpp", "h", "hpp", "json", "yaml", "yml", "ini",
		"cfg", "unity", "prefab", "asset", "umap", "uasset", NULL,
	};
	static const char *const model[] = {
		"glb", "gltf", "fbx", "obj", "blend", "dae", "stl", "ply",
		"anim", "shader", "gdshader", "hlsl", "glsl", "mat", NULL,
	};
	static const char *const media[] = {
		"png", "jpg", "jpeg", "tga", "dds", "ktx", "ktx2", "webp",
		"psd", "exr", "hdr", "bmp", "tif", "tiff", "ctex", "wav",
		"ogg", "mp3", "flac", "opus", NULL,
	};
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot && dot != base) {
		if (ext_in(dot + 1, scene)) {
			*weight = 3;
			return "scene/script";
		}
		if (ext_in(dot + 1, model)) {
			*weight = 2;
			return "model/shader";
		}
		if (ext_in(dot + 1, media)) {
			*weight = 1;
			return "texture/audio";
		}
	}
	*weight = 1;
	return "other";
}

static const char *status_word(char status)
{
	switch (status) {
	case 'A': return "added";
	case 'D': return "removed";
	case 'R': return "renamed";
	default: return "modified";
	}
}

double correlate_score(const char *path, char status, uint64_t old_size,
		       uint64_t new_size, unsigned nloaded,
		       struct vlt_buf *reason)
{
	double weight, score;
	const char *kind = correlate_kind(path, &weight);
	uint64_t delta = new_size > old_size ? new_size - old_size :
					       old_size - new_size;

	score = weight * (1 + log2(1 + (double)delta / 1024) / 4);
	if (status == 'D')
		score /= 2;
	if (nloaded)
		score *= 3;
	vlt_buf_addf(reason, "%s %s (%c%llu B)", kind, status_word(status),
		     new_size >= old_size ? '+' : '-',
		     (unsigned long long)delta);
	if (nloaded)
		vlt_buf_addf(reason, ", loaded by %u playtest%s of the bad "
			     "build", nloaded, nloaded == 1 ? "" : "s");
	return score;
}

long correlate_bisect(size_t good, size_t bad, size_t *left)
{
	if (bad <= good + 1) {
		*left = 0;
		return -1;
	}
	*left = bad - good - 1;
	return (long)(good + (bad - good) / 2);
}
