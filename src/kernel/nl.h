/* SPDX-License-Identifier: MIT */
/* One rtnetlink socket (libmnl) bound to one network namespace, with checked acks and extended-ack text. */
#ifndef NSNET_KERNEL_NL_H
#define NSNET_KERNEL_NL_H

#include <libmnl/libmnl.h>
#include <stdint.h>

#include "util/err.h"

struct nl {
	struct mnl_socket *sock;
	unsigned int portid;
	uint32_t seq;
};

/*
 * Open a NETLINK_ROUTE socket inside the namespace behind @netns_fd (-1: the caller's own).
 * A netlink socket stays bound to the namespace it was created in, so the caller switches in,
 * creates it and switches back; everything sent on it later acts in that namespace.
 * Returns 0 or -errno.
 */
int nl_open(struct nl *nl, int netns_fd, struct nsnet_err *err);
/* The same for another netlink bus (NETLINK_NETFILTER for conntrack). */
int nl_open_bus(struct nl *nl, int bus, int netns_fd, struct nsnet_err *err);
void nl_close(struct nl *nl);

/*
 * Send @nlh (its type and flags set by the caller; NLM_F_REQUEST and NLM_F_ACK are added) and read
 * replies until the ack, the end of a dump, or an error. @cb (may be NULL) sees each data message.
 * Returns 0, or -errno with err->msg = the kernel's extended-ack text or strerror.
 */
int nl_request(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct nsnet_err *err);

#endif
