/* SPDX-License-Identifier: MIT */
/* Interface addresses and routes over rtnetlink. */
#ifndef NSNET_KERNEL_ADDR_H
#define NSNET_KERNEL_ADDR_H

#include "kernel/nl.h"
#include "util/inet.h"

/*
 * Add @addr/@len to link @ifindex. IPv6 addresses skip duplicate address detection (IFA_F_NODAD):
 * nsnet's IPAM already guarantees uniqueness, and DAD would keep the address unusable for a second.
 * Returns 0 or -errno (-EEXIST when present).
 */
int addr_add(struct nl *nl, int ifindex, const struct nsnet_addr *addr, unsigned int len,
	     struct nsnet_err *err);

/* Delete @addr/@len from link @ifindex. Returns 0 or -errno (-EADDRNOTAVAIL when absent). */
int addr_del(struct nl *nl, int ifindex, const struct nsnet_addr *addr, unsigned int len, struct nsnet_err *err);

/* Add a default route of @gw's family via @gw on link @ifindex. Returns 0 or -errno. */
int route_add_default(struct nl *nl, const struct nsnet_addr *gw, int ifindex, struct nsnet_err *err);
/* Route to @dst through @gw (NULL or family 0: on the link) out of @ifindex. Returns 0 or -errno. */
int route_add(struct nl *nl, const struct nsnet_prefix *dst, const struct nsnet_addr *gw, int ifindex,
	      struct nsnet_err *err);
/* route_add(), with @onlink: @gw is on the link even though no route of this namespace leads to it. */
int route_add_onlink(struct nl *nl, const struct nsnet_prefix *dst, const struct nsnet_addr *gw, int ifindex,
		     bool onlink, struct nsnet_err *err);

/*
 * Delete the route to @dst out of @ifindex in the main table, whatever its scope, protocol and
 * metric. Returns 0 or -errno (-ESRCH / -ENOENT when there is none).
 */
int route_del(struct nl *nl, const struct nsnet_prefix *dst, int ifindex, struct nsnet_err *err);

/* An address as the kernel shows it: its link, the address itself and its prefix length. */
struct addr_info {
	int ifindex;
	struct nsnet_addr addr;
	unsigned int len;
};

/*
 * Call @fn for every address of @family (AF_UNSPEC: both) on every link of the namespace behind
 * @nl. Returns 0 or -errno.
 */
int addr_dump(struct nl *nl, int family, void (*fn)(const struct addr_info *ai, void *data), void *data,
	      struct nsnet_err *err);
/* The same for the addresses of link @ifindex only (filtered by the kernel). */
int addr_dump_dev(struct nl *nl, int family, int ifindex, void (*fn)(const struct addr_info *ai, void *data),
		  void *data, struct nsnet_err *err);

/*
 * The addresses of the caller's own network namespace (the host's), at most @max into @out.
 * Returns how many were stored, or -errno.
 */
int addr_local_list(struct nsnet_addr *out, size_t max, struct nsnet_err *err);

/* A route of the main table: destination prefix, gateway (family 0 if none) and output link (0 if none). */
struct route_info {
	struct nsnet_prefix dst;
	struct nsnet_addr gw;
	int oif;
};

/*
 * Call @fn for every unicast route of @family in the main table; a multipath route once per
 * path, each with that path's gateway and link. Returns 0 or -errno.
 */
int route_dump(struct nl *nl, int family, void (*fn)(const struct route_info *ri, void *data), void *data,
	       struct nsnet_err *err);
/* The same for the routes out of link @ifindex only (filtered by the kernel). */
int route_dump_dev(struct nl *nl, int family, int ifindex, void (*fn)(const struct route_info *ri, void *data),
		   void *data, struct nsnet_err *err);

#endif
