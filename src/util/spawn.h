/* SPDX-License-Identifier: MIT */
/* Run a helper program (iptables-save, iptables-restore) with text on stdin, capturing its output;
 * start nsnet itself again, detached. */
#ifndef NSNET_UTIL_SPAWN_H
#define NSNET_UTIL_SPAWN_H

#include "util/err.h"
#include "util/strbuf.h"

/*
 * Run @argv (argv[0] looked up in PATH) with @in (may be NULL: /dev/null) on its stdin; its stdout
 * goes to @out and stderr to @errout (either may be NULL: discarded). The child gets no other fd
 * of ours (everything nsnet opens is close-on-exec). Returns the exit status (0..255), or -errno
 * when it could not run (-ENOENT: not installed) or was killed by a signal (-EINTR).
 */
int spawn_run(char *const argv[], const char *in, struct strbuf *out, struct strbuf *errout,
	      struct nsnet_err *err);

/*
 * Start this program again (the file /proc/self/exe names) with @argv, detached: its own session,
 * /dev/null on 0-2, no other descriptor but @keep_fd (>= 0) as its fd 3. Nobody waits for it.
 * Returns 0 or -errno.
 */
int spawn_self_detached(const char *const argv[], int keep_fd);

#endif
