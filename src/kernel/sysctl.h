/* SPDX-License-Identifier: MIT */
/* Reading and writing /proc/sys entries of the caller's network namespace. */
#ifndef NSNET_KERNEL_SYSCTL_H
#define NSNET_KERNEL_SYSCTL_H

#include <stddef.h>

#include "util/err.h"

/* Read sysctl @key ("net.ipv4.ip_forward") into @buf, trailing newline removed. Returns 0 or -errno. */
int sysctl_get(const char *key, char *buf, size_t len, struct nsnet_err *err);
/* Write @value to sysctl @key. Returns 0 or -errno. */
int sysctl_set(const char *key, const char *value, struct nsnet_err *err);

#endif
