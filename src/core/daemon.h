/* SPDX-License-Identifier: MIT */
/* Detached helper processes nsnet starts and supervises (dnsmasq, later the overlay agent). */
#ifndef NSNET_CORE_DAEMON_H
#define NSNET_CORE_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/err.h"

/*
 * Theory of operation. nsnet has no daemon of its own: an operation that needs a long-running
 * helper starts it detached (its own session, stdin /dev/null, stdout and stderr to a log file,
 * no other fd of nsnet) and records who it is: the PID together with the process's start time
 * from /proc/PID/stat (field 22), which a recycled PID does not share. Every later look at it
 * (alive? signal it? stop it?) first checks both, so nsnet never signals a process that merely
 * inherited the number. A dead helper may linger as a zombie (PID 1 of a container does not
 * always reap orphans, and kill(pid, 0) succeeds on zombies): alive means the state letter of
 * /proc/PID/stat is neither Z nor X.
 */
struct daemon_id {
	pid_t pid;
	unsigned long long start;	/* clock ticks after boot, /proc/PID/stat field 22 */
};

#define DAEMON_ID_STRLEN 48

/* "PID:START" into @buf (DAEMON_ID_STRLEN); parse returns 0 or -EINVAL. */
const char *daemon_id_str(const struct daemon_id *id, char *buf);
int daemon_id_parse(const char *s, struct daemon_id *id);
/* The identity recorded in file @path ("PID:START" and a newline; read as untrusted): 0, or -ENOENT. */
int daemon_id_read(const char *path, struct daemon_id *id);

/* Start time and state letter of @pid. Returns 0, or -ENOENT (no such process) / -errno. */
int daemon_stat(pid_t pid, unsigned long long *start, char *state);

/* Is @id running (same PID and start time, not a zombie)? */
bool daemon_alive(const struct daemon_id *id);

/*
 * Start @argv[0] (an absolute path) with @argv detached, stdout and stderr appended to @log
 * (created 0600; NULL: /dev/null), and fill @id. Returns 0 or -errno (-ENOENT: not installed).
 */
int daemon_spawn(char *const argv[], const char *log, struct daemon_id *id, struct nsnet_err *err);

/* Send @sig to @id if it is still that process. Returns 0, -ESRCH (gone or replaced), -errno. */
int daemon_signal(const struct daemon_id *id, int sig);

/*
 * Stop @id: SIGTERM, then SIGKILL after @grace_ms, and wait (bounded) until it is gone or a
 * zombie. A process that is not @id any more is left alone. Returns 0 or -errno.
 */
int daemon_stop(const struct daemon_id *id, int grace_ms);
/* daemon_stop() of @n processes at once: each signalled first, then all waited for together. */
int daemon_stop_all(const struct daemon_id *ids, size_t n, int grace_ms);

/*
 * PIDs of processes running @exe (absolute path) with argument @arg exactly (a helper found
 * by its command line, e.g. when a crash came before its PID was recorded). Returns how many,
 * at most @max, or -errno.
 */
int daemon_find(const char *exe, const char *arg, pid_t *pids, int max);
/*
 * daemon_find, but only processes in the caller's network namespace. A command line names a
 * path, and the same path is another file in another mount namespace: a helper of another
 * nsnet (another container or test sandbox using the same state dir path) has the same command
 * line. Helpers nsnet starts run in its own network namespace; those elsewhere are not its own.
 */
int daemon_find_local(const char *exe, const char *arg, pid_t *pids, int max);

/*
 * Who holds local port @port (@proto IPPROTO_UDP/TCP) on address @addr (family @family, 4 or 16
 * bytes; a socket bound to the wildcard address counts)? Fills @out with "PID (COMM)" of the first
 * process found. Returns 0 when one was found, -ENOENT otherwise.
 */
int daemon_port_holder(int family, const void *addr, int proto, unsigned int port, char *out, size_t len);

#endif
