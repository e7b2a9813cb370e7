/* SPDX-License-Identifier: MIT */
/* Traffic control over rtnetlink: a link's root qdisc as a token bucket filter (tbf), read and removed. */
#ifndef NSNET_KERNEL_TC_H
#define NSNET_KERNEL_TC_H

#include <stdint.h>

#include "kernel/nl.h"

/* A tbf as nsnet sets it: no peak rate, a byte-limited queue. */
struct tc_tbf {
	uint64_t rate;		/* bytes per second */
	uint32_t burst;		/* bytes the bucket holds */
	uint32_t limit;		/* bytes queued at most */
};

/* What a link's root qdisc is. */
struct tc_root {
	char kind[16];		/* "tbf", "htb", ...; "" for the link's default (noqueue, pfifo_fast, ...) */
	struct tc_tbf tbf;	/* kind "tbf": rate and limit as the kernel has them (burst: 0, see tc.c) */
};

/*
 * Make the root qdisc of link @ifindex a tbf @t (`tc qdisc replace dev IF root tbf ...`): a tbf
 * there already is changed in place, any other root qdisc replaced. Returns 0 or -errno.
 */
int tc_tbf_set(struct nl *nl, int ifindex, const struct tc_tbf *t, struct nsnet_err *err);

/* Delete the root qdisc of link @ifindex, giving it back its default. Returns 0, -ENOENT (none), -errno. */
int tc_root_del(struct nl *nl, int ifindex, struct nsnet_err *err);

/* Read the root qdisc of link @ifindex into @out. Returns 0 or -errno. */
int tc_root_get(struct nl *nl, int ifindex, struct tc_root *out, struct nsnet_err *err);

#endif
