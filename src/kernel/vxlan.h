/* SPDX-License-Identifier: MIT */
/* The data plane of overlay networks over rtnetlink: VXLAN devices, FDB entries, onlink routes. */
#ifndef NSNET_KERNEL_VXLAN_H
#define NSNET_KERNEL_VXLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/nl.h"
#include "util/inet.h"

/*
 * The overlay follows the routed model flannel's VXLAN backend made common: each host's VXLAN
 * device has a fixed MAC and the first address of the host's block; for every other host, one
 * permanent neighbour entry (its device's address -> its MAC), one FDB entry (its MAC -> its
 * underlay address) and one route (its block via its device's address, onlink). No learning, no
 * multicast, no miss notifications: everything the kernel needs is programmed (the neighbour
 * entries with kernel/neigh.h).
 */
struct vxlan_conf {
	const char *name;
	uint32_t vni;			/* 1..16777215 */
	uint16_t port;			/* UDP destination port, host order (4789) */
	struct nsnet_addr local;	/* this host's underlay address */
	int underlay_ifindex;		/* 0: chosen by route */
	unsigned int mtu;		/* 0: the kernel's choice */
	uint8_t mac[6];
};

/* `ip link add NAME address MAC mtu MTU type vxlan id VNI local IP dev DEV dstport PORT nolearning`,
 * created down. Returns 0 or -errno (-EEXIST when the name or the VNI on that port is taken). */
int vxlan_add(struct nl *nl, const struct vxlan_conf *c, struct nsnet_err *err);

/* `bridge fdb append MAC dev IFINDEX dst IP self permanent` (@add) or `bridge fdb del ...`.
 * @dst NULL (deleting): every destination of @mac. Returns 0 or -errno (deleting an absent entry: -ENOENT). */
int vxlan_fdb_set(struct nl *nl, int ifindex, const uint8_t mac[6], const struct nsnet_addr *dst, bool add,
		  struct nsnet_err *err);

/*
 * `bridge fdb show dev IFINDEX`: @fn sees each entry of the VXLAN device's own table that has a
 * destination (MAC, underlay address). Returns 0 or -errno.
 */
int vxlan_fdb_dump(struct nl *nl, int ifindex, void (*fn)(const uint8_t mac[6], const struct nsnet_addr *dst, void *data),
		   void *data, struct nsnet_err *err);

/* `ip route replace DST via GW dev IFINDEX onlink` (@add) or `ip route del DST via GW dev IFINDEX`. */
int vxlan_route_set(struct nl *nl, const struct nsnet_prefix *dst, const struct nsnet_addr *gw, int ifindex,
		    bool add, struct nsnet_err *err);

#endif
