// SPDX-License-Identifier: MIT
// rtnetlink request/ack loop over libmnl, with sequence checks and extended-ack messages.
#include "kernel/nl.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int nl_open(struct nl *nl, int netns_fd, struct nsnet_err *err)
{
	return nl_open_bus(nl, NETLINK_ROUTE, netns_fd, err);
}

int nl_open_bus(struct nl *nl, int bus, int netns_fd, struct nsnet_err *err)
{
	int self = -1, r = 0, one = 1;

	memset(nl, 0, sizeof(*nl));
	if (netns_fd >= 0) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return nsnet_err_set(err, errno, "open /proc/self/ns/net: %s", strerror(errno));
		if (setns(netns_fd, CLONE_NEWNET) < 0) {
			r = nsnet_err_set(err, errno, "enter namespace: %s", strerror(errno));
			close(self);
			return r;
		}
	}
	nl->sock = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!nl->sock)
		r = nsnet_err_set(err, errno, "netlink socket: %s", strerror(errno));
	if (self >= 0) {
		/* Returning must not fail silently: we would act in the wrong namespace afterwards. */
		if (setns(self, CLONE_NEWNET) < 0 && r == 0)
			r = nsnet_err_set(err, errno, "return to own namespace: %s", strerror(errno));
		close(self);
	}
	if (r < 0) {
		nl_close(nl);
		return r;
	}
	/* Best effort: older kernels lack these; errors then just carry less text. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = nsnet_err_set(err, errno, "netlink bind: %s", strerror(errno));
		nl_close(nl);
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* Pull the extended-ack message out of an NLMSG_ERROR, if the kernel sent one. */
static const char *nl_extack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	/* Without NLM_F_CAPPED the kernel echoes the whole request after the error header. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(attr);
	}
	return NULL;
}

int nl_request(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, struct nsnet_err *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint32_t seq = ++nl->seq;
	/*
	 * NLM_F_DUMP is NLM_F_ROOT|NLM_F_MATCH, the same bits as NLM_F_REPLACE|NLM_F_EXCL of new
	 * requests; ours create with NLM_F_CREATE|NLM_F_EXCL, never with both of those.
	 */
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

	/* Dumps end with NLMSG_DONE and get no ack; everything else is acked. */
	nlh->nlmsg_flags |= NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK);
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return nsnet_err_set(err, errno, "netlink send: %s", strerror(errno));

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		size_t len;

		if (n < 0)
			return nsnet_err_set(err, errno, "netlink receive: %s", strerror(errno));
		len = (size_t)n;
		for (; mnl_nlmsg_ok(m, (int)len); m = mnl_nlmsg_next(m, (int *)&len)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != nl->portid)
				continue;	/* a stale reply of an earlier, failed request */
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
				const char *ext;

				if (e->error == 0)
					return 0;
				ext = nl_extack_msg(m);
				if (ext && *ext)
					return nsnet_err_set(err, -e->error, "%s (%s)", strerror(-e->error), ext);
				return nsnet_err_set(err, -e->error, "%s", strerror(-e->error));
			}
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb && cb(m, data) < 0)
				return nsnet_err_set(err, EPROTO, "netlink: malformed reply");
		}
	}
}
