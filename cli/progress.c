/*
 * progress.c - the one progress meter (see progress.h).
 *
 * The line is padded with spaces to the length of the one it replaces and
 * erased the same way, so it works on any terminal without escape
 * sequences. stderr is line-buffered (cli_init) and these lines end in
 * "\r", hence the explicit flushes.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define INTERVAL_NS 100000000LL

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int enabled;
static int shown;             /* columns of the line on screen, 0 if none */
static long long last_ns;     /* when it was written; 0: update at once */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void cli_progress_start(int on)
{
	pthread_mutex_lock(&lock);
	enabled = on && isatty(2);
	last_ns = 0;
	pthread_mutex_unlock(&lock);
}

void cli_progress_update(const char *fmt, ...)
{
	char line[CLI_PROGRESS_WIDTH + 1];
	long long now;
	va_list ap;
	int n;

	pthread_mutex_lock(&lock);
	now = now_ns();
	if (!enabled || (last_ns && now - last_ns < INTERVAL_NS)) {
		pthread_mutex_unlock(&lock);
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > CLI_PROGRESS_WIDTH)
		n = CLI_PROGRESS_WIDTH;
	fprintf(stderr, "\r%.*s%*s", n, line, shown > n ? shown - n : 0, "");
	fflush(stderr);
	/* a shorter line left the old one's tail blank: that much is shown */
	shown = shown > n ? shown : n;
	last_ns = now;
	pthread_mutex_unlock(&lock);
}

void cli_progress_clear(void)
{
	pthread_mutex_lock(&lock);
	if (shown) {
		fprintf(stderr, "\r%*s\r", shown, "");
		fflush(stderr);
	}
	shown = 0;
	last_ns = 0;
	pthread_mutex_unlock(&lock);
}
