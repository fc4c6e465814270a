/*
 * progress.h - the one progress meter of vault's programs.
 *
 * One line on stderr, rewritten in place ("\r"), shown only when stderr
 * is a terminal and the program asked for it (not with -q or --json).
 * Updates come at most every 100 ms (the first at once); a line is cut at
 * CLI_PROGRESS_WIDTH columns so that it never wraps on an 80-column
 * terminal. die(), error(), warning(), the library's notices and the exit
 * of the program erase the line first (cli.c), so no message is printed
 * over it. Safe to call from several threads.
 */
#ifndef VLT_CLI_PROGRESS_H
#define VLT_CLI_PROGRESS_H

#define CLI_PROGRESS_WIDTH 79

/* Turn the meter on (when enabled and stderr is a terminal) or off. */
void cli_progress_start(int enabled);
/* Show the formatted line in place of the previous one, unless the
 * previous one is younger than 100 ms or the meter is off. */
void cli_progress_update(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
/* Erase the line if one is shown; the next update shows at once. */
void cli_progress_clear(void);

#endif
