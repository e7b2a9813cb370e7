// SPDX-License-Identifier: MIT
// Run a helper program with stdin text and captured stdout/stderr (poll loop, no threads); start
// nsnet itself again, detached.
#include "util/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Append what is readable on @fd to @sb; returns 0 at EOF, 1 when more may come. */
static int spawn_drain(int fd, struct strbuf *sb)
{
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (sb)
		strbuf_printf(sb, "%.*s", (int)n, buf);
	return 1;
}

int spawn_run(char *const argv[], const char *in, struct strbuf *out, struct strbuf *errout,
	      struct nsnet_err *err)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, status, r;
	posix_spawn_file_actions_t fa;
	size_t in_len = in ? strlen(in) : 0, in_off = 0;
	pid_t pid;

	if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
		r = nsnet_err_set(err, errno, "%s: pipe: %s", argv[0], strerror(errno));
		goto close;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pin[0], 0);
	posix_spawn_file_actions_adddup2(&fa, pout[1], 1);
	posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		r = nsnet_err_set(err, r, "cannot run %s: %s", argv[0], strerror(r));
		goto close;
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	pin[0] = pout[1] = perr[1] = -1;
	if (in_len == 0) {
		close(pin[1]);
		pin[1] = -1;
	} else {
		fcntl(pin[1], F_SETFL, O_NONBLOCK);
	}
	/* A writer blocked on a full stdin while the child blocks on a full stdout would deadlock: poll all three. */
	{
		/* SIGPIPE if the child exits before reading everything: ignore it for the write. */
		struct sigaction ign = { .sa_handler = SIG_IGN }, old;
		bool out_open = true, err_open = true;

		sigaction(SIGPIPE, &ign, &old);
		while (out_open || err_open || pin[1] >= 0) {
			struct pollfd p[3] = {
				{ .fd = out_open ? pout[0] : -1, .events = POLLIN },
				{ .fd = err_open ? perr[0] : -1, .events = POLLIN },
				{ .fd = pin[1], .events = POLLOUT },
			};

			if (poll(p, 3, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (p[0].revents)
				out_open = spawn_drain(pout[0], out);
			if (p[1].revents)
				err_open = spawn_drain(perr[0], errout);
			if (pin[1] >= 0 && p[2].revents) {
				ssize_t n = (p[2].revents & POLLOUT) ? write(pin[1], in + in_off, in_len - in_off) : -1;

				if (n > 0)
					in_off += (size_t)n;
				if (n < 0 && errno == EAGAIN)
					continue;
				if (n <= 0 || in_off == in_len) {
					close(pin[1]);
					pin[1] = -1;
				}
			}
		}
		sigaction(SIGPIPE, &old, NULL);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = nsnet_err_set(err, errno, "%s: wait: %s", argv[0], strerror(errno));
			goto close;
		}
	}
	if (WIFEXITED(status))
		r = WEXITSTATUS(status);
	else
		r = nsnet_err_set(err, EINTR, "%s was killed by signal %d", argv[0], WTERMSIG(status));
close:
	for (int *fd = (int[]){ pin[0], pin[1], pout[0], pout[1], perr[0], perr[1] }, i = 0; i < 6; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return r;
}

int spawn_self_detached(const char *const argv[], int keep_fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char exe[PATH_MAX];
	int r, copy = -1;
	ssize_t n;
	pid_t pid;

	/* The path, not /proc/self/exe itself: under valgrind that is valgrind's own binary. */
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return -errno;
	exe[n] = 0;
	/* dup2 of a descriptor onto itself would keep it close-on-exec: 3 is handed over as a copy. */
	if (keep_fd == 3 && (keep_fd = copy = fcntl(3, F_DUPFD_CLOEXEC, 4)) < 0)
		return -errno;
	if ((r = posix_spawn_file_actions_init(&fa)) != 0)
		goto out;
	if ((r = posix_spawnattr_init(&at)) == 0) {
		/* Detached from whoever started us: it may wait for EOF on our stdout, not for this. */
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID);
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
		posix_spawn_file_actions_adddup2(&fa, 0, 1);
		posix_spawn_file_actions_adddup2(&fa, 0, 2);
		if (keep_fd >= 0)
			posix_spawn_file_actions_adddup2(&fa, keep_fd, 3);
		/* And what our own caller left open without close-on-exec. */
		posix_spawn_file_actions_addclosefrom_np(&fa, keep_fd >= 0 ? 4 : 3);
		r = posix_spawn(&pid, exe, &fa, &at, (char *const *)argv, environ);
		posix_spawnattr_destroy(&at);
	}
	posix_spawn_file_actions_destroy(&fa);
out:
	if (copy >= 0)
		close(copy);
	return -r;
}
