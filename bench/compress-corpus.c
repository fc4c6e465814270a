/*
 * compress-corpus.c - what compression costs on a real folder, with the
 * engine's own rule (vlt_compress_ref: sample large blocks, keep the
 * result only if it saves 1/32).
 *
 * usage: find DIR -type f | compress-corpus [LEVEL...]   (default: 1 3 -1)
 *
 * Each file is cut into 256 KiB blocks (the default average chunk; no
 * deduplication), and each block goes through vlt_compress_ref at each
 * zstd LEVEL on one thread. Prints, per level: bytes in, bytes out, how
 * much of the input was kept compressed, and the CPU time. See
 * bench/RESULTS.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compress.h"
#include "error.h"

#define BLOCK (256u * 1024)

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const char *defaults[] = { "1", "3", "-1" };
	const char **levels = argc > 1 ? (const char **)argv + 1 : defaults;
	int nlevels = argc > 1 ? argc - 1 : 3;
	struct vlt_compressor *cz = calloc((size_t)nlevels, sizeof(*cz));
	unsigned long long *in = calloc((size_t)nlevels, sizeof(*in));
	unsigned long long *out = calloc((size_t)nlevels, sizeof(*out));
	unsigned long long *kept = calloc((size_t)nlevels, sizeof(*kept));
	double *cpu = calloc((size_t)nlevels, sizeof(*cpu));
	unsigned char *block = malloc(BLOCK);
	struct vlt_buf scratch = VLT_BUF_INIT;
	char path[4096];

	if (!cz || !in || !out || !kept || !cpu || !block) {
		fprintf(stderr, "compress-corpus: out of memory\n");
		return 1;
	}
	for (int l = 0; l < nlevels; l++)
		if (vlt_compressor_init(&cz[l], VLT_CODEC_ZSTD,
					atoi(levels[l])) < 0) {
			fprintf(stderr, "compress-corpus: %s\n", vlt_error_last());
			return 2;
		}
	while (fgets(path, sizeof(path), stdin)) {
		FILE *f;
		size_t n;

		path[strcspn(path, "\n")] = '\0';
		if (!(f = fopen(path, "rb"))) {
			perror(path);
			continue;
		}
		while ((n = fread(block, 1, BLOCK, f)) > 0)
			for (int l = 0; l < nlevels; l++) {
				const void *res;
				size_t reslen;
				enum vlt_codec used;
				double t0 = cpu_now();

				if (vlt_compress_ref(&cz[l], block, n, &scratch,
						     &res, &reslen, &used) < 0) {
					fprintf(stderr, "compress-corpus: %s\n",
						vlt_error_last());
					return 1;
				}
				cpu[l] += cpu_now() - t0;
				in[l] += n;
				out[l] += reslen;
				if (used != VLT_CODEC_NONE)
					kept[l] += n;
			}
		fclose(f);
	}
	printf("%-7s %10s %10s %15s %8s %8s\n", "level", "in MB", "out MB",
	       "compressed MB", "CPU s", "MB/s");
	for (int l = 0; l < nlevels; l++) {
		printf("%-7s %10.1f %10.1f %15.1f %8.3f %8.0f\n", levels[l],
		       in[l] / 1048576.0, out[l] / 1048576.0,
		       kept[l] / 1048576.0, cpu[l],
		       cpu[l] > 0 ? in[l] / 1e6 / cpu[l] : 0.0);
		vlt_compressor_release(&cz[l]);
	}
	vlt_buf_release(&scratch);
	free(cz);
	free(in);
	free(out);
	free(kept);
	free(cpu);
	free(block);
	return 0;
}
