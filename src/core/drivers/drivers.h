/* SPDX-License-Identifier: MIT */
/* Network drivers: what a network is in the kernel, behind one table of steps chosen by the record's "driver". */
#ifndef NSNET_CORE_DRIVERS_H
#define NSNET_CORE_DRIVERS_H

#include <stdbool.h>

#include "core/op.h"
#include "kernel/link.h"
#include "model/model.h"

/*
 * Theory of operation. A network's record names its driver ("bridge" when it names none). The
 * generic code (network.c, attach.c) plans names, addresses and firewall rules for every network
 * alike and asks the driver only for the kernel objects that differ: the network's own link and
 * how one attachment's host end joins it. A driver's steps go through op_* functions, so they
 * echo for --dry-run and push their undo like every other step, in the order they are called.
 * A new kind of network (vxlan) is one more file here and one line in drivers.c; nothing
 * in attach/detach changes.
 */

/* One attachment's host side, as attach.c planned it. */
struct net_port {
	const char *host_ifname;	/* the host end */
	const char *ns;			/* the namespace holding the other end */
	const char *ifname;		/* the other end's name in @ns */
	const unsigned char *mac;	/* the other end's MAC */
	bool hairpin;			/* traffic may leave through the port it came in by */
	bool host_absent;		/* the caller has just seen no link named host_ifname */
	int *host_ifindex;		/* where the host end's index goes (may be NULL; 0: unknown) */
};

/* One attachment as check finds it in the kernel (net_driver.port_check). */
struct net_port_seen {
	struct nl *host, *inner;	/* sockets in the host's namespace and in the attachment's */
	int host_ifindex, ifindex;	/* its host end there, its other end here */
	const char *host_ifname, *ns, *ifname;	/* names, for messages */
	const unsigned char *mac;	/* the other end's MAC, as nsnet chose it */
	const struct nsnet_addr *addr;	/* the addresses the attachment records */
	size_t n_addrs;
};

struct net_driver {
	const char *name;
	/* Create @net's link with its gateway addresses (undone on rollback). */
	int (*create)(struct op *op, const struct nsnet_network *net, struct nsnet_err *err);
	/*
	 * Optional, gc: make @net's link again (with its gateway addresses) when it is gone, and put
	 * back on it each existing host end (rejoin, with its hairpin mode; NULL when host ends are
	 * not ports of it). NULL: gc only reports such a network (vxlan: its link is also the
	 * overlay's port and membership).
	 */
	int (*remake)(struct op *op, const struct nsnet_network *net, struct nsnet_err *err);
	int (*rejoin)(struct op *op, const struct nsnet_network *net, const char *host_ifname, bool hairpin,
		      struct nsnet_err *err);
	/* Remove @net's link; missing is fine. Called after its rules are gone. */
	int (*remove)(struct op *op, const struct nsnet_network *net, struct nsnet_err *err);
	/* Create @port's host end and the other end in its namespace, joined to @net (undone on rollback). */
	int (*port_add)(struct op *op, const struct nsnet_network *net, const struct net_port *port,
			struct nsnet_err *err);
	/*
	 * Optional: give the namespace end of @port its addresses @addr (one per subnet, in the
	 * subnets' order) and, with @default_route, the namespace's default routes. NULL: each address
	 * with its subnet's prefix length, default routes via the subnets' gateways (attach.c).
	 */
	int (*port_addrs)(struct op *op, const struct nsnet_network *net, const struct net_port *port,
			  const struct nsnet_addr *addr, size_t n, bool default_route, struct nsnet_err *err);
	/*
	 * Optional: the namespace's view of subnet @i: the gateway its routes use and the prefix
	 * length of its address there. NULL: the subnet's gateway and length (net_driver_ns_view()).
	 */
	void (*ns_view)(const struct nsnet_network *net, size_t i, struct nsnet_addr *gw, unsigned int *plen);
	/*
	 * The host ends are bridge ports, so anti-spoofing is table bridge nsnet's per-port elements
	 * (firewall/guard.h). false: the network's own firewall rules do it (routed).
	 */
	bool bridge_guard;
	/*
	 * The gateway address is on a host link (the bridge; a routed network's dummy), so the
	 * network's resolver can listen on it (core/dns.c). false: no resolver.
	 */
	bool gateway_local;
	/* Remove the host end @host_ifname (and so its peer); missing is fine. */
	int (*port_del)(struct op *op, const struct nsnet_network *net, const char *host_ifname,
			struct nsnet_err *err);
	/*
	 * check: compare @net's link (@host_ifname NULL) or one port of it with the host's @links.
	 * Returns 0, or -errno with @err naming the difference: -ENOENT the network's link is
	 * missing, -ENETDOWN it is down, -EPROTO anything else.
	 */
	int (*check)(const struct nsnet_network *net, const char *host_ifname, const struct link_list *links,
		     struct nsnet_err *err);
	/*
	 * Optional, check: what one attachment needs in the kernel beyond links and addresses (routed:
	 * the permanent neighbour entries). Returns 0, -ENOENT with @err naming the first thing
	 * missing, or another -errno when the kernel cannot be asked.
	 */
	int (*port_check)(const struct nsnet_network *net, const struct net_port_seen *seen, struct nsnet_err *err);
	/*
	 * gc: does host link @li carry this driver's marks (so a missing owner makes it a leftover)?
	 * *@owned tells whether one of the @n networks @nets owns it.
	 */
	bool (*gc)(const struct link_info *li, const struct nsnet_network *nets, size_t n, bool *owned);
};

extern const struct net_driver net_driver_bridge, net_driver_routed, net_driver_vxlan;
/* The MAC of every host end of a routed network, the namespaces' gateway entry (routed.c). */
extern const uint8_t routed_host_mac[6];

/* The driver called @name, or NULL. */
const struct net_driver *net_driver_find(const char *name);
/* @net's driver; -EINVAL naming the network and the unknown driver when there is no such driver. */
int net_driver_of(const struct nsnet_network *net, const struct net_driver **out, struct nsnet_err *err);
/* @drv's ns_view() of @net's subnet @i, or the subnet's own gateway and prefix length. */
void net_driver_ns_view(const struct net_driver *drv, const struct nsnet_network *net, size_t i,
			struct nsnet_addr *gw, unsigned int *plen);
/* Every driver, for gc and check; NULL-terminated. */
extern const struct net_driver *const net_drivers[];

#endif
