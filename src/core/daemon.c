// SPDX-License-Identifier: MIT
// Detached helper processes: start, identify by PID + start time, signal, stop, find (core/daemon.h).
#include "core/daemon.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *daemon_id_str(const struct daemon_id *id, char *buf)
{
	snprintf(buf, DAEMON_ID_STRLEN, "%d:%llu", (int)id->pid, id->start);
	return buf;
}

int daemon_id_parse(const char *s, struct daemon_id *id)
{
	char *end;
	long pid;

	errno = 0;
	pid = strtol(s, &end, 10);
	if (errno || end == s || *end != ':' || pid <= 1 || pid > 0x3fffffff)
		return -EINVAL;
	s = end + 1;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	id->start = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	id->pid = (pid_t)pid;
	return 0;
}

int daemon_stat(pid_t pid, unsigned long long *start, char *state)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces and ')': the fields start after the last ')'. */
	if (!(p = strrchr(buf, ')')) || p[1] != ' ')
		return -EIO;
	p += 2;
	if (state)
		*state = *p;
	/* Field 3 is the state; the start time is field 22: skip 19 more fields. */
	for (int i = 0; i < 19; i++) {
		if (!(p = strchr(p, ' ')))
			return -EIO;
		p++;
	}
	*start = strtoull(p, NULL, 10);
	return 0;
}

bool daemon_alive(const struct daemon_id *id)
{
	unsigned long long start;
	char state;

	if (id->pid <= 1 || daemon_stat(id->pid, &start, &state) < 0)
		return false;
	return start == id->start && state != 'Z' && state != 'X' && state != 'x';
}

int daemon_spawn(char *const argv[], const char *log, struct daemon_id *id, struct nsnet_err *err)
{
	struct timespec pause = { 0, 1000 * 1000 };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t all, none;
	char state;
	pid_t pid;
	int r, out;

	if (access(argv[0], X_OK) < 0)
		return nsnet_err_set(err, errno, "%s: %s", argv[0], strerror(errno));
	/* The log is opened here: one that cannot be opened leaves the helper's output to /dev/null. */
	out = log ? open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600) : -1;
	if (out < 0 && (out = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		return nsnet_err_set(err, errno, "/dev/null: %s", strerror(errno));
	if (out < 3) {
		/* Our own stdin/stdout was closed: the child's 0 to 2 are set below, keep it clear of them. */
		int high = fcntl(out, F_DUPFD_CLOEXEC, 3);

		close(out);
		if ((out = high) < 0)
			return nsnet_err_set(err, errno, "spawn %s: %s", argv[0], strerror(errno));
	}
	/*
	 * posix_spawn, not fork: the child shares our memory until it execs (glibc's CLONE_VM |
	 * CLONE_VFORK), so starting a resolver neither copies an apply's page tables nor makes each
	 * later write of ours fault until the child has exec'ed. In the child: every signal at its
	 * default and unblocked, a session of its own, stdin /dev/null, stdout and stderr the log,
	 * nothing else of nsnet's open (the state dir lock, netlink sockets), and / as its directory.
	 */
	sigfillset(&all);
	sigemptyset(&none);
	if ((r = posix_spawn_file_actions_init(&fa)) != 0) {
		close(out);
		return nsnet_err_set(err, r, "spawn %s: %s", argv[0], strerror(r));
	}
	if ((r = posix_spawnattr_init(&at)) == 0) {
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
		posix_spawnattr_setsigdefault(&at, &all);
		posix_spawnattr_setsigmask(&at, &none);
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDWR, 0);
		posix_spawn_file_actions_adddup2(&fa, out, 1);
		posix_spawn_file_actions_adddup2(&fa, out, 2);
		posix_spawn_file_actions_addclosefrom_np(&fa, 3);
		posix_spawn_file_actions_addchdir_np(&fa, "/");
		r = posix_spawn(&pid, argv[0], &fa, &at, argv, environ);
		posix_spawnattr_destroy(&at);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(out);
	if (r != 0)
		return nsnet_err_set(err, r, "spawn %s: %s", argv[0], strerror(r));
	id->pid = pid;
	/* The start time does not change at exec, so the child's is the helper's. */
	for (int i = 0; (r = daemon_stat(pid, &id->start, &state)) < 0 && i < 100; i++)
		nanosleep(&pause, NULL);
	if (r < 0)
		return nsnet_err_set(err, -r, "%s (PID %d): cannot read its start time", argv[0], (int)pid);
	return 0;
}

/* Does process @pid catch signal @sig yet (its SigCgt mask in /proc/PID/status)? */
static bool daemon_catches(pid_t pid, int sig)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigCgt: %llx", &mask) == 1) {
			found = true;
			break;
		}
	fclose(f);
	return found && (mask >> (sig - 1)) & 1;
}

int daemon_signal(const struct daemon_id *id, int sig)
{
	struct timespec pause = { 0, 2 * 1000 * 1000 };

	if (!daemon_alive(id))
		return -ESRCH;
	/*
	 * A signal that asks for something (SIGHUP: reload) kills a daemon that has not installed its
	 * handler yet (the default action): one started a moment ago is given up to 2 s to do so.
	 */
	for (int i = 0; sig != SIGTERM && sig != SIGKILL && i < 1000 && !daemon_catches(id->pid, sig); i++) {
		if (!daemon_alive(id))
			return -ESRCH;
		nanosleep(&pause, NULL);
	}
	return kill(id->pid, sig) < 0 ? -errno : 0;
}

int daemon_stop(const struct daemon_id *id, int grace_ms)
{
	return daemon_stop_all(id, 1, grace_ms);
}

int daemon_stop_all(const struct daemon_id *ids, size_t n, int grace_ms)
{
	struct timespec pause = { 0, 1000 * 1000 };

	for (size_t i = 0; i < n; i++)
		daemon_signal(&ids[i], SIGTERM);
	for (int waited = 0;; waited++) {
		size_t alive = 0;

		for (size_t i = 0; i < n; i++) {
			if (!daemon_alive(&ids[i]))
				continue;
			alive++;
			if (waited == grace_ms)
				daemon_signal(&ids[i], SIGKILL);
			waitpid(ids[i].pid, NULL, WNOHANG);	/* our own child: no zombie */
		}
		if (!alive)
			break;
		if (waited > grace_ms + 5000)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
	for (size_t i = 0; i < n; i++)
		waitpid(ids[i].pid, NULL, WNOHANG);
	return 0;
}

/* Does /proc/@pid run @exe with argument @arg? */
static bool daemon_cmdline_has(pid_t pid, const char *exe, const char *arg)
{
	char path[64], buf[8192], link[4096];
	ssize_t n;
	int fd;
	bool found = false;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
		return false;
	link[n] = '\0';
	if (strcmp(link, exe))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *p = buf; p < buf + n && !found; p += strlen(p) + 1)
		found = !strcmp(p, arg);
	return found;
}

/* Is process @pid in the network namespace @want (a stat of an ns/net link)? */
static bool daemon_in_netns(pid_t pid, const struct stat *want)
{
	char path[64];
	struct stat sb;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return stat(path, &sb) == 0 && sb.st_dev == want->st_dev && sb.st_ino == want->st_ino;
}

static int daemon_find_in(const char *exe, const char *arg, const struct stat *netns, pid_t *pids, int max)
{
	struct dirent *e;
	DIR *d = opendir("/proc");
	int n = 0;

	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		unsigned long long start;
		char state;

		if (*end || pid <= 1 || pid == getpid())
			continue;
		if (daemon_cmdline_has((pid_t)pid, exe, arg) && (!netns || daemon_in_netns((pid_t)pid, netns)) &&
		    daemon_stat((pid_t)pid, &start, &state) == 0 && state != 'Z' && state != 'X')
			pids[n++] = (pid_t)pid;
	}
	closedir(d);
	return n;
}

int daemon_find(const char *exe, const char *arg, pid_t *pids, int max)
{
	return daemon_find_in(exe, arg, NULL, pids, max);
}

int daemon_find_local(const char *exe, const char *arg, pid_t *pids, int max)
{
	struct stat self;

	/* The calling thread's namespace (a thread may have entered another one). */
	if (stat("/proc/thread-self/ns/net", &self) < 0 && stat("/proc/self/ns/net", &self) < 0)
		return -errno;
	return daemon_find_in(exe, arg, &self, pids, max);
}

/* The inode of a socket bound to @addr (or the wildcard) port @port in /proc/net/@table. */
static unsigned long daemon_socket_inode(const char *table, int family, const uint8_t *addr, unsigned int port)
{
	char path[64], line[512];
	unsigned long found = 0;
	size_t alen = family == AF_INET ? 4 : 16;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/%s", table);
	if (!(f = fopen(path, "re")))
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char local[64];
		unsigned int lport, st;
		unsigned long inode;
		uint8_t a[16];
		bool any = true;

		if (sscanf(line, " %*d: %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*s %*s %lu", local, &lport, &st,
			   &inode) != 4 || lport != port || strlen(local) != alen * 2)
			continue;
		/* /proc/net shows each 32-bit word in host order. */
		for (size_t w = 0; w < alen / 4; w++) {
			uint32_t v = (uint32_t)strtoul((char[9]){ local[w * 8], local[w * 8 + 1], local[w * 8 + 2],
								 local[w * 8 + 3], local[w * 8 + 4], local[w * 8 + 5],
								 local[w * 8 + 6], local[w * 8 + 7], 0 }, NULL, 16);
			memcpy(a + w * 4, &v, 4);
		}
		for (size_t i = 0; i < alen; i++)
			any &= a[i] == 0;
		if (any || !memcmp(a, addr, alen))
			found = inode;
	}
	fclose(f);
	return found;
}

int daemon_port_holder(int family, const void *addr, int proto, unsigned int port, char *out, size_t len)
{
	const char *table = proto == IPPROTO_UDP ? (family == AF_INET ? "udp" : "udp6")
						 : (family == AF_INET ? "tcp" : "tcp6");
	unsigned long inode = daemon_socket_inode(table, family, addr, port);
	char want[64], path[300], link[64];
	struct dirent *e, *fe;
	DIR *d;
	int r = -ENOENT;

	if (!inode && family == AF_INET)	/* an IPv6 wildcard socket takes IPv4 too */
		inode = daemon_socket_inode(proto == IPPROTO_UDP ? "udp6" : "tcp6", AF_INET6,
					    (const uint8_t[16]){ 0 }, port);
	if (!inode || !(d = opendir("/proc")))
		return -ENOENT;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	while (r < 0 && (e = readdir(d))) {
		DIR *fds;
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
		if (!(fds = opendir(path)))
			continue;
		while (r < 0 && (fe = readdir(fds))) {
			ssize_t n;

			snprintf(path, sizeof(path), "/proc/%ld/fd/%s", pid, fe->d_name);
			if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
				continue;
			link[n] = '\0';
			if (!strcmp(link, want)) {
				char comm[64] = "?";
				FILE *f;

				snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
				if ((f = fopen(path, "re"))) {
					if (fgets(comm, sizeof(comm), f))
						comm[strcspn(comm, "\n")] = '\0';
					fclose(f);
				}
				snprintf(out, len, "PID %ld (%s)", pid, comm);
				r = 0;
			}
		}
		closedir(fds);
	}
	closedir(d);
	return r;
}

int daemon_id_read(const char *path, struct daemon_id *id)
{
	char buf[DAEMON_ID_STRLEN + 2] = { 0 };
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	buf[strcspn(buf, "\n")] = '\0';
	return daemon_id_parse(buf, id) < 0 ? -ENOENT : 0;
}
