// SPDX-License-Identifier: MIT
// /proc/sys access (see sysctl.h).
#include "kernel/sysctl.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void sysctl_path(const char *key, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "/proc/sys/%s", key);
	for (i = strlen("/proc/sys/"); buf[i]; i++)
		if (buf[i] == '.')
			buf[i] = '/';
}

int sysctl_get(const char *key, char *buf, size_t len, struct nsnet_err *err)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	sysctl_path(key, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return nsnet_err_set(err, errno, "sysctl %s: %s", key, strerror(errno));
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return nsnet_err_set(err, errno, "sysctl %s: %s", key, strerror(errno));
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

int sysctl_set(const char *key, const char *value, struct nsnet_err *err)
{
	char path[PATH_MAX];
	size_t len = strlen(value);
	int fd;

	sysctl_path(key, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return nsnet_err_set(err, errno, "sysctl %s: %s", key, strerror(errno));
	if (write(fd, value, len) != (ssize_t)len) {
		int e = errno;

		close(fd);
		return nsnet_err_set(err, e, "sysctl -w %s=%s: %s", key, value, strerror(e));
	}
	close(fd);
	return 0;
}
