// SPDX-License-Identifier: MIT
// nsnet exec: run a command inside a namespace, with its /etc/netns files, the way `ip netns exec` does.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "core/core.h"
#include "kernel/netns.h"

/* Bind /etc/netns/NS/FILE over /etc/FILE for every file there, in our private mount namespace. */
static int exec_bind_etc(const char *ns, struct nsnet_err *err)
{
	char dir[PATH_MAX], src[PATH_MAX * 2], dst[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/%s", NETNS_ETC_DIR, ns);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, de->d_name);
		snprintf(dst, sizeof(dst), "/etc/%s", de->d_name);
		/*
		 * A file with no twin in /etc has nothing to cover: `ip netns exec` warns and goes on, so
		 * does nsnet (the warning is the command line's, cmd_exec). Binding needs the target.
		 */
		if (access(dst, F_OK) < 0 && errno == ENOENT)
			continue;
		if (mount(src, dst, "none", MS_BIND, NULL) < 0) {
			int e = errno;

			closedir(d);
			return nsnet_err_set(err, e, "bind %s over %s: %s", src, dst, strerror(e));
		}
	}
	closedir(d);
	return 0;
}

int core_exec(const char *ns, char **argv, bool *exec_failed, struct nsnet_err *err)
{
	int fd, r;

	*exec_failed = false;
	if ((r = names_check("namespace", ns, err)) < 0)
		return r;
	fd = netns_open(ns, err);
	if (fd < 0)
		return fd;
	r = setns(fd, CLONE_NEWNET);
	close(fd);
	if (r < 0)
		return nsnet_err_set(err, errno, "enter namespace %s: %s", ns, strerror(errno));
	/* A private mount namespace, so the bind mounts below are seen by the command only. */
	if (unshare(CLONE_NEWNS) < 0)
		return nsnet_err_set(err, errno, "new mount namespace: %s", strerror(errno));
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return nsnet_err_set(err, errno, "make / a slave mount: %s", strerror(errno));
	/* A sysfs of this namespace, so /sys/class/net lists its own interfaces. */
	if (umount2("/sys", MNT_DETACH) == 0)
		mount(ns, "/sys", "sysfs", 0, NULL);
	if ((r = exec_bind_etc(ns, err)) < 0)
		return r;
	/* The command replaces us: its exit status is ours and signals reach it directly. */
	execvp(argv[0], argv);
	*exec_failed = true;
	return nsnet_err_set(err, errno, "exec %s: %s", argv[0], strerror(errno));
}
