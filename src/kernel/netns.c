// SPDX-License-Identifier: MIT
// Persistent named network namespaces (see netns.h).
#include "kernel/netns.h"

#include "util/dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

static void netns_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", NETNS_RUN_DIR, name);
}

/*
 * iproute2 makes /run/netns a shared mount point so namespace mounts made later propagate into
 * mount namespaces that were copied before (for example by `ip netns exec`). Do the same.
 */
static int netns_run_dir_prepare(struct nsnet_err *err)
{
	bool bound = false, made = false;

	/*
	 * Not MS_REC as iproute2 does: that walks every namespace mount below on each call, and the
	 * mounts made later join the peer group of the directory anyway. The directory is made only
	 * when the mount finds none (it is there but on a machine's very first namespace).
	 */
	while (mount("", NETNS_RUN_DIR, "none", MS_SHARED, NULL) < 0) {
		if (errno == ENOENT && !made) {
			if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
				return nsnet_err_set(err, errno, "create %s: %s", NETNS_RUN_DIR, strerror(errno));
			made = true;
			continue;
		}
		if (errno != EINVAL || bound)
			return nsnet_err_set(err, errno, "make %s a shared mount: %s", NETNS_RUN_DIR,
					     strerror(errno));
		/* Not a mount point yet: bind it onto itself, then retry. */
		if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			return nsnet_err_set(err, errno, "bind %s: %s", NETNS_RUN_DIR, strerror(errno));
		bound = true;
	}
	return 0;
}

/* The empty file /run/netns/@name (into @path) that a namespace is bind-mounted on. 0 or -errno. */
static int netns_mount_point(const char *name, char *path, struct nsnet_err *err)
{
	int fd, r;

	if ((r = netns_run_dir_prepare(err)) < 0)
		return r;
	netns_path(name, path, PATH_MAX);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		if (errno == EEXIST)
			return nsnet_err_set(err, EEXIST, "namespace %s already exists", name);
		return nsnet_err_set(err, errno, "create %s: %s", path, strerror(errno));
	}
	close(fd);
	return 0;
}

int netns_add(const char *name, struct netns_open *out, struct nsnet_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	int self, r;

	if (out) {
		memset(out, 0, sizeof(*out));
		out->fd = -1;
	}
	if ((r = netns_mount_point(name, path, err)) < 0)
		return r;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		r = nsnet_err_set(err, errno, "open /proc/self/ns/net: %s", strerror(errno));
		goto fail;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		r = nsnet_err_set(err, errno, "new network namespace: %s", strerror(errno));
		close(self);
		goto fail;
	}
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
		r = nsnet_err_set(err, errno, "bind namespace to %s: %s", path, strerror(errno));
	/* The caller's socket in there, while we are in there (best effort: opened later otherwise). */
	if (r == 0 && out)
		out->nl_ok = nl_open(&out->nl, -1, NULL) == 0;
	if (setns(self, CLONE_NEWNET) < 0 && r == 0)
		r = nsnet_err_set(err, errno, "return to own namespace: %s", strerror(errno));
	close(self);
	if (r == 0 && out && (out->fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0 && fstat(out->fd, &st) == 0) {
		out->dev = (unsigned long long)st.st_dev;
		out->ino = (unsigned long long)st.st_ino;
	}
	if (r == 0)
		return 0;
	if (out && out->nl_ok)
		nl_close(&out->nl);
	if (out)
		out->nl_ok = false;
	umount2(path, MNT_DETACH);
fail:
	unlink(path);
	return r;
}

int netns_new_unnamed(struct nsnet_err *err)
{
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		return nsnet_err_set(err, errno, "new network namespace: %s", strerror(errno));
	/* This thread's namespace: /proc/self would name the main thread's. */
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nsnet_err_set(err, errno, "open /proc/thread-self/ns/net: %s", strerror(errno));
	return fd;
}

int netns_name(const char *name, int nsfd, struct nsnet_err *err)
{
	char path[PATH_MAX], src[64];
	int r;

	if ((r = netns_mount_point(name, path, err)) < 0)
		return r;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", nsfd);
	if (mount(src, path, "none", MS_BIND, NULL) == 0)
		return 0;
	r = nsnet_err_set(err, errno, "bind namespace to %s: %s", path, strerror(errno));
	unlink(path);
	return r;
}

int netns_del(const char *name, struct nsnet_err *err)
{
	char path[PATH_MAX];

	netns_path(name, path, sizeof(path));
	umount2(path, MNT_DETACH);	/* fails harmlessly when not mounted */
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return nsnet_err_set(err, errno, "remove %s: %s", path, strerror(errno));
	}
	return 0;
}

int netns_open(const char *name, struct nsnet_err *err)
{
	char path[PATH_MAX];
	int fd;

	netns_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nsnet_err_set(err, errno, "namespace %s: %s", name,
				     errno == ENOENT ? "does not exist" : strerror(errno));
	return fd;
}

int netns_open_path(const char *path, unsigned long long *dev, unsigned long long *ino, struct nsnet_err *err)
{
	struct statfs sf;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return nsnet_err_set(err, errno, "network namespace %s: %s", path,
				     errno == ENOENT ? "does not exist" : strerror(errno));
	if (fstatfs(fd, &sf) < 0 || sf.f_type != NSFS_MAGIC || fstat(fd, &st) < 0) {
		close(fd);
		return nsnet_err_set(err, ENOTNAM, "%s is not a network namespace", path);
	}
	/* /proc/PID/ns/mnt is nsfs too: ask the kernel which kind this is (Linux 4.11+). */
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		close(fd);
		return nsnet_err_set(err, ENOTNAM, "%s is not a network namespace", path);
	}
	if (dev)
		*dev = (unsigned long long)st.st_dev;
	if (ino)
		*ino = (unsigned long long)st.st_ino;
	return fd;
}

bool netns_path_is(const char *path, unsigned long long dev, unsigned long long ino)
{
	struct statfs sf;
	struct stat st;

	return statfs(path, &sf) == 0 && sf.f_type == NSFS_MAGIC && stat(path, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

bool netns_exists(const char *name)
{
	char path[PATH_MAX];
	struct statfs sf;

	netns_path(name, path, sizeof(path));
	/*
	 * A namespace is the nsfs bind mount, not the file under it: `ip netns del` (or nsnet)
	 * interrupted between unmount and unlink leaves a plain file whose namespace is gone.
	 */
	return statfs(path, &sf) == 0 && sf.f_type == NSFS_MAGIC;
}

/*
 * Every process of the machine is looked at. Reading the link /proc/PID/ns/net relative to an
 * open /proc is the cheap way: it formats "net:[INODE]", where stat() of the same path makes the
 * kernel build an nsfs dentry per process (measured: about a quarter more per process, and this
 * loop is most of what `ns rm` does itself). Namespaces live on one nsfs: the inode names one.
 */
int netns_pids(const char *name, pid_t *pids, size_t max, struct nsnet_err *err)
{
	char path[PATH_MAX], link[64], want[64];
	struct stat st;
	struct dirent *de;
	DIR *proc;
	int n = 0, fd;

	netns_path(name, path, sizeof(path));
	if (stat(path, &st) < 0)
		return nsnet_err_set(err, errno, "namespace %s: %s", name, strerror(errno));
	snprintf(want, sizeof(want), "net:[%llu]", (unsigned long long)st.st_ino);
	proc = opendir("/proc");
	if (!proc)
		return nsnet_err_set(err, errno, "open /proc: %s", strerror(errno));
	fd = dirfd(proc);
	while ((de = readdir(proc))) {
		size_t digits = strspn(de->d_name, "0123456789");
		ssize_t len;
		long pid;

		/* "PID/ns/net" built by hand: a formatted print per process showed in the profile. */
		if (!digits || de->d_name[digits] || digits > 10)
			continue;
		memcpy(path, de->d_name, digits);
		memcpy(path + digits, "/ns/net", sizeof("/ns/net"));
		pid = strtol(de->d_name, NULL, 10);
		if (pid <= 0)
			continue;
		if ((len = readlinkat(fd, path, link, sizeof(link) - 1)) < 0)
			continue;	/* gone, or a zombie */
		link[len] = 0;
		if (strcmp(link, want))
			continue;
		if ((size_t)n < max)
			pids[n] = (pid_t)pid;
		n++;
	}
	closedir(proc);
	return n;
}

int netns_list(char ***names, struct nsnet_err *err)
{
	return dir_names(NETNS_RUN_DIR, NULL, names, err);
}

void netns_list_free(char **names, int n)
{
	dir_names_free(names, n);
}
