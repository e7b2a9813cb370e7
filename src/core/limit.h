/* SPDX-License-Identifier: MIT */
/* Bandwidth limits of attachments: tbf qdiscs on both ends of the veth, as operation steps (core/limit.c). */
#ifndef NSNET_CORE_LIMIT_H
#define NSNET_CORE_LIMIT_H

#include "core/core.h"

/*
 * A change of one attachment's limits (`nsnet limit NS NET ...`). A rate of 0 leaves that
 * direction as it is; @burst (0: not given) goes with the rates given, or without any rate to
 * every direction that has one; @clear first removes every limit (a rate given as well is then
 * the only one left).
 */
struct limit_req {
	uint64_t rate_in, rate_out;	/* bits per second */
	uint64_t burst;			/* bytes */
	bool clear;
};

/*
 * Step: make the root qdisc of @ifname in @ns (NULL or "": the host) a tbf of rate @bps (bits per
 * second) and burst @burst (0: the default for the rate), or with @bps 0 remove it. @old_bps and
 * @old_burst say what is there now (0: nothing of nsnet's), which the undo puts back. Echoes the
 * `tc qdisc` command. Returns 0 or -errno.
 */
int op_qdisc(struct op *op, const char *ns, const char *ifname, uint64_t bps, uint64_t burst, uint64_t old_bps,
	     uint64_t old_burst, struct nsnet_err *err);

/* The limits of new attachment @att of @ns (its veth just made): its qdiscs, nothing when unlimited. */
int limit_attach_apply(struct op *op, const char *ns, const struct nsnet_attachment *att, struct nsnet_err *err);

/* In-operation form of `nsnet limit`: change @ns's limits on network @net as @req says, and its record. */
int limit_set_apply(struct op *op, const char *ns, const char *net, const struct limit_req *req,
		    struct nsnet_err *err);
/* In-operation form for `nsnet apply`: the limits of @ns's attachment to @net made exactly @want. */
int limit_put_apply(struct op *op, const char *ns, const char *net, const struct nsnet_limit *want,
		    struct nsnet_err *err);
int core_limit(const struct nsnet_opts *o, const char *ns, const char *net, const struct limit_req *req,
	       struct nsnet_err *err);

/*
 * check: does the kernel have the qdiscs of attachment @a of @ns (@host: the host's socket,
 * @host_ifindex: its host end, 0 when missing)? Adds a finding per difference to @fs; returns how many. Attachments without
 * limits are not looked at (another tool, say the CNI bandwidth plugin, may shape them).
 */
int limit_check(struct nl *host, const struct nsnet_namespace *ns, const struct nsnet_attachment *a,
		int host_ifindex, struct nsnet_findings *fs);

#endif
