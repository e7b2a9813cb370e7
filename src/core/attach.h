/* SPDX-License-Identifier: MIT */
/* The steps of joining and leaving a network (port, addresses, routes, lease): shared by ns add/rm, attach, detach, network rm and CNI. */
#ifndef NSNET_CORE_ATTACH_H
#define NSNET_CORE_ATTACH_H

#include "core/core.h"

struct net_driver;
struct attach_plan {
	struct nsnet_network net;
	const struct net_driver *drv;	/* the network's driver */
	struct nsnet_attachment att;
	size_t n_addrs;
	struct nsnet_addr addr[NSNET_MAX_SUBNETS];
	unsigned int plen[NSNET_MAX_SUBNETS];
	bool picked[NSNET_MAX_SUBNETS];	/* addr[i] was chosen by IPAM (not requested) */
	char owner[NSNET_NAME_MAX + 1];	/* whom the leases are for (the namespace record's name) */
	bool legacy;			/* the network's leases are an old single record (converted on apply) */
	bool no_hairpin;		/* CNI hairpinMode false */
	bool cni;			/* a CNI sandbox: only its aliases are names on the resolver */
	bool host_absent;		/* planning saw no link named att.host_ifname */
};

/* The MAC of @ns's interface of attachment @a: the one recorded, or derived from the names. */
void attach_mac(const char *ns, const struct nsnet_attachment *a, unsigned char *out);

/*
 * Plan attaching @ns (its record, possibly without attachments yet) to network @req->net: check the
 * network exists and is not joined yet, choose the interface names, lease addresses (requested
 * ones checked, others picked by IPAM) and whether this attachment gives the default route.
 * Nothing is changed. Returns 0 or -errno; free with attach_plan_free().
 */
int attach_plan(struct op *op, const struct nsnet_namespace *ns, const struct attach_req *req,
		struct attach_plan *p, struct nsnet_err *err);
void attach_plan_free(struct attach_plan *p);

/* Create the veth, addresses and routes of @p in namespace @ns, and store @p's leases. */
int attach_apply(struct op *op, const char *ns, const struct attach_plan *p, struct nsnet_err *err);

/*
 * Release @ns's attachment to @net: delete the host veth (unless @keep_link, when the veth is about
 * to go another way: with its namespace, or deleted later by its index), release its leases, and
 * drop it from @ns (the caller stores @ns). Missing links are fine. With @keep_link the port's
 * anti-spoofing elements are listed as stale instead of deleted (see firewall/guard.h).
 */
int detach_apply(struct op *op, struct nsnet_namespace *ns, const char *net, bool keep_link,
		 struct nsnet_err *err);

/*
 * Rewrite the resolv.conf of @ns (a namespace nsnet made, without --dns) for its attachments as
 * recorded: the resolvers of its networks, or the host's nameservers when none has one. Unchanged
 * content is not rewritten (core/namespace.c). 0 or -errno.
 */
int ns_resolv_update(struct op *op, const struct nsnet_namespace *ns, struct nsnet_err *err);

#endif
