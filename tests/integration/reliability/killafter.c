// SPDX-License-Identifier: MIT
// t_crash_random.sh's helper: run a command and SIGKILL it a given number of microseconds after its start.
/*
 * Usage: killafter USEC COMMAND [ARG...]
 * Starts COMMAND (its output to /dev/null) and waits for it to end, at most USEC microseconds
 * from its start (a pidfd, ppoll); then kills it with SIGKILL if it is still running. Prints one
 * line: "killed US" when the signal ended it, "done US STATUS" when it ended on its own (US: the
 * microseconds from its start to its end or to the kill, STATUS its exit status). Exit 0, or 2
 * on a usage or start error.
 *
 * A shell cannot do this precisely: its `sleep` is a process of its own whose start alone takes
 * about as long as an nsnet command, so the kill landed after most commands had finished.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct timespec pause;
	struct pollfd pfd = { .events = POLLIN };
	long long t0, end, t1;
	char *stop;
	long usec;
	pid_t pid, got;
	int st, r;

	if (argc < 3 || (usec = strtol(argv[1], &stop, 10)) < 0 || *stop || usec > 60 * 1000 * 1000) {
		fprintf(stderr, "usage: killafter USEC COMMAND [ARG...] (USEC from 0 to 60000000)\n");
		return 2;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	t0 = now_us();
	r = posix_spawn(&pid, argv[2], &fa, NULL, argv + 2, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		fprintf(stderr, "killafter: start %s: %s\n", argv[2], strerror(r));
		return 2;
	}
	/* Readable once the child has exited. Without pidfds (before Linux 5.3): sleep the whole time. */
	pfd.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	end = t0 + usec;
	for (long long left; (left = end - now_us()) > 0;) {
		pause.tv_sec = left / 1000000;
		pause.tv_nsec = (left % 1000000) * 1000;
		if (pfd.fd >= 0 ? ppoll(&pfd, 1, &pause, NULL) > 0 : nanosleep(&pause, NULL) == 0)
			break;
	}
	t1 = now_us();
	/* Not reaped yet, so the PID is still this child's, even if it has just exited. */
	kill(pid, SIGKILL);
	while ((got = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (got < 0) {
		fprintf(stderr, "killafter: wait: %s\n", strerror(errno));
		return 2;
	}
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		printf("killed %lld\n", t1 - t0);
	else
		printf("done %lld %d\n", t1 - t0, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
