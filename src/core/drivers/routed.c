// SPDX-License-Identifier: MIT
// The routed driver: no bridge; each namespace's veth is a point-to-point link the host routes to.
#include <errno.h>
#include <linux/neighbour.h>
#include <stdio.h>
#include <string.h>

#include "core/drivers/drivers.h"
#include "kernel/addr.h"
#include "kernel/neigh.h"
#include "kernel/sysctl.h"

/*
 * Theory of operation (docs/networks.md). A routed network's own link on the host is a bridge
 * without ports (a dummy would do, but not every kernel has the dummy driver), holding the
 * network's gateway addresses as /32 and /128: no namespace is behind it; it gives the network an
 * address of the host for its resolver (core/dns.c listens there, reached through the host ends
 * like any address of the host) and a gateway address to ping.
 * Each attachment is a veth pair whose host end is in the network's interface group
 * (network_group(), IFLA_GROUP: how the firewall tells the network's traffic from any other, as
 * a bridge's name does) and holds no address at all. The namespace end gets its leased
 * addresses as /32 and /128 and routes via a link-local gateway, 169.254.1.1 (fe80::1), so
 * everything it sends goes to the host, which routes it on by one /32 (/128) route per
 * namespace address out of its host end; two namespaces of one network talk through the host's
 * forwarding and its firewall.
 *
 * No address resolution happens on these links, either way: every host end has the same fixed
 * MAC, routed_host_mac (as Calico's host ends, which have no IPv4 address either and answer the
 * namespace's ARP by proxy ARP), and the namespace holds a permanent neighbour entry for each
 * gateway, 169.254.1.1 and fe80::1 -> that MAC; the host holds one for each namespace address
 * -> the namespace end's MAC, which nsnet chose when it made the veth. The gateways are no
 * addresses of the host: one on every host end cost each `ns add` and `ns rm` a walk over all of
 * them (169.254.1.1: one key of the local table 10,000 long, the address hash, the
 * address-lifetime worker that walks every IPv4 address after each new one, 1.43 ms at 10,000
 * namespaces; fe80::1: the IPv6 address hash and the local and prefix routes of each, 39 -> 18
 * ms for bench/floor's dual-stack add at 10,000; bench/README.md, "scale"). Without an address
 * the host's ARP for a namespace would take its source address from another link, and
 * answers would depend on the namespace's arp_ignore and rp_filter; and entries the kernel
 * learns count against the neighbour table's gc_thresh3 (1,024, for all namespaces together),
 * which permanent entries do not. One MAC for every host end is enough: each is one end of a
 * point-to-point link, where nothing else could carry it, and a constant keeps --dry-run exact
 * and lets check compare the namespace's entry with the link without reading it back. Neighbour
 * entries go with their link and with its going down, as its routes do.
 *
 * Anti-spoofing is a strict reverse-path check in the network's
 * firewall rules: a packet from a host end must come from an address routed to that host end,
 * which only the namespace's leases are.
 *
 * On a network without an IPv6 subnet the host ends take no part in IPv6 (disable_ipv6): a link
 * with IPv6 on holds at least its ff00::/8 route in the host's table, and the kernel walks every
 * IPv6 route of the namespace on each link that comes or goes, so with thousands of namespaces
 * each `ns add` and `ns rm` paid for all the others' host ends.
 */

/* The gateway every namespace of a routed network uses, for @family. */
static void routed_gateway(int family, struct nsnet_addr *gw, unsigned int *plen)
{
	memset(gw, 0, sizeof(*gw));
	gw->family = family;
	if (family == AF_INET) {
		gw->b[0] = 169, gw->b[1] = 254, gw->b[2] = 1, gw->b[3] = 1;
		*plen = 32;
	} else {
		gw->b[0] = 0xfe, gw->b[1] = 0x80, gw->b[15] = 1;
		*plen = 64;
	}
}

/* The namespace's side: a host address, routes via the link-local gateway. */
static void routed_ns_view(const struct nsnet_network *net, size_t i, struct nsnet_addr *gw, unsigned int *plen)
{
	int family = net->subnet[i].addr.family;

	routed_gateway(family, gw, plen);
	*plen = family == AF_INET ? 32 : 128;
}

/* The MAC of every host end: locally administered, unicast (Calico's too). */
const uint8_t routed_host_mac[6] = { 0xee, 0xee, 0xee, 0xee, 0xee, 0xee };

/* The kind of a routed network's gateway link. */
#define ROUTED_GW_KIND "bridge"

/*
 * The portless bridge with the gateway addresses as host addresses: no subnet route through it, the
 * namespaces' /32 (/128) routes through their host ends stay the only ones.
 */
static int routed_create(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	int r;

	if ((r = op_bridge_add(op, net, ROUTED_GW_KIND, err)) < 0)
		return r;
	for (size_t i = 0; i < net->n_subnets; i++)
		if ((r = op_addr_add(op, NULL, net->bridge, &net->gateway[i],
				     net->gateway[i].family == AF_INET ? 32 : 128, err)) < 0)
			return r;
	return 0;
}

static int routed_remove(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	return op_link_del(op, NULL, net->bridge, err);
}

/*
 * A route in namespace @ns (NULL: the host) out of @ifname, through @gw when given (@onlink: the
 * namespace has no route to the gateway, which is on the link all the same). No undo of its
 * own: a route goes with its link, and the link's creation pushed one.
 */
static int routed_route(struct op *op, const char *ns, const char *ifname, const struct nsnet_prefix *dst,
			const struct nsnet_addr *gw, bool onlink, struct nsnet_err *err)
{
	char d[NSNET_PREFIX_STRLEN], g[INET6_ADDRSTRLEN] = "", pre[NSNET_NAME_MAX + 16] = "ip";
	struct link_info li;
	struct nl *nl;
	int r;

	if (ns)
		snprintf(pre, sizeof(pre), "ip -n %s", ns);
	if (gw)
		nsnet_addr_str(gw, g);
	if (dst->len)
		nsnet_prefix_str(dst, d);
	else
		snprintf(d, sizeof(d), "default");
	op_echo(op, "%s%s route add %s%s%s dev %s%s", pre, dst->addr.family == AF_INET6 ? " -6" : "", d,
		gw ? " via " : "", g, ifname, onlink ? " onlink" : "");
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, ns, &nl, err)) < 0)
		return r;
	if ((r = link_get(nl, ifname, &li, err)) < 0 ||
	    (r = route_add_onlink(nl, dst, gw, li.ifindex, onlink, err)) < 0)
		nsnet_err_prefix(err, "add route %s%s%s dev %s", d, gw ? " via " : "", g, ifname);
	return r;
}

/* Host end @ifname takes no part in IPv6 (see the theory above); a kernel without IPv6 is fine. */
static int routed_no_ipv6(struct op *op, const char *ifname, struct nsnet_err *err)
{
	char key[IFNAMSIZ + 32];
	int r;

	snprintf(key, sizeof(key), "net.ipv6.conf.%s.disable_ipv6", ifname);
	op_echo(op, "sysctl -qw %s=1", key);
	if (op->opts->dry_run)
		return 0;
	r = sysctl_set(key, "1", err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		nsnet_err_prefix(err, "%s: no IPv6", ifname);
	return r;
}

/*
 * The veth pair, its host end in the network's group, a port of nothing, with the fixed MAC, no
 * address, and no IPv6 at all on an IPv4-only network.
 */
static int routed_port_add(struct op *op, const struct nsnet_network *net, const struct net_port *port,
			   struct nsnet_err *err)
{
	int r = op_veth_add(op, port->host_ifname, routed_host_mac, NULL, network_group(net), port->ns, port->ifname,
			    port->mac, net->mtu, false, port->host_absent, port->host_ifindex, err);

	if (r == 0 && !network_subnet(net, AF_INET6, NULL))
		r = routed_no_ipv6(op, port->host_ifname, err);
	return r;
}

/*
 * Each address as a host address in the namespace and a host route to it on the host, with the
 * host's neighbour entry first (no packet to it is ever sent unresolved); then the namespace's
 * neighbour entry for each gateway and its routes via the link-local gateway: the
 * default route, or (a second attachment, an internal network) only the network's subnet, so
 * its neighbours stay reachable.
 */
static int routed_port_addrs(struct op *op, const struct nsnet_network *net, const struct net_port *port,
			     const struct nsnet_addr *addr, size_t n, bool default_route, struct nsnet_err *err)
{
	int r = 0;

	for (size_t i = 0; r == 0 && i < n; i++) {
		struct nsnet_prefix host = { .addr = addr[i], .len = addr[i].family == AF_INET ? 32 : 128 };

		r = op_addr_add(op, port->ns, port->ifname, &addr[i], host.len, err);
		if (r == 0)
			r = op_neigh_add(op, NULL, port->host_ifname, &addr[i], port->mac, err);
		if (r == 0)
			r = routed_route(op, NULL, port->host_ifname, &host, NULL, false, err);
	}
	for (size_t i = 0; r == 0 && i < net->n_subnets; i++) {
		int family = net->subnet[i].addr.family;
		struct nsnet_prefix any = { .addr = { .family = family }, .len = 0 };
		struct nsnet_addr gw;
		unsigned int plen;

		routed_gateway(family, &gw, &plen);
		r = op_neigh_add(op, port->ns, port->ifname, &gw, routed_host_mac, err);
		if (r == 0)
			r = routed_route(op, port->ns, port->ifname, default_route ? &any : &net->subnet[i], &gw,
					 family == AF_INET, err);
	}
	return r;
}

/* The peer goes with its host end, and the routes with them (park mode: down, until the end). */
static int routed_port_del(struct op *op, const struct nsnet_network *net, const char *host_ifname,
			   struct nsnet_err *err)
{
	(void)net;
	return op_host_link_park(op, host_ifname, err);
}

/* "ee:ee:ee:ee:ee:ee" */
static const char *routed_mac_str(const uint8_t *mac, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

static int routed_check(const struct nsnet_network *net, const char *host_ifname, const struct link_list *links,
			struct nsnet_err *err)
{
	const struct link_info *port, *dummy;

	if (!host_ifname) {
		dummy = link_list_find(links, net->bridge);
		if (!dummy || strcmp(dummy->kind, ROUTED_GW_KIND))
			return nsnet_err_set(err, ENOENT, "network %s: its gateway link %s is missing", net->name,
					     net->bridge);
		if (!dummy->up)
			return nsnet_err_set(err, ENETDOWN, "network %s: its gateway link %s is down", net->name,
					     net->bridge);
		return 0;
	}
	port = link_list_find(links, host_ifname);
	if (port && port->master)
		return nsnet_err_set(err, EPROTO, "%s of routed network %s is a port of another link", host_ifname,
				     net->name);
	if (port && port->group != network_group(net))
		return nsnet_err_set(err, EPROTO, "%s is in interface group %u, not %u of network %s: its traffic is not the network's",
				     host_ifname, port->group, network_group(net), net->name);
	if (port && memcmp(port->mac, routed_host_mac, 6)) {
		char has[18], want[18];

		return nsnet_err_set(err, EPROTO, "%s has MAC %s, not %s: the namespace's entry for its gateway leads elsewhere",
				     host_ifname, routed_mac_str(port->mac, has), routed_mac_str(routed_host_mac, want));
	}
	return 0;
}

/* Link @ifindex of @nl holds the permanent entry @ip -> @mac, or -ENOENT saying what is there instead. */
static int routed_neigh_check(struct nl *nl, int ifindex, const char *where, const char *dev,
			      const struct nsnet_addr *ip, const uint8_t *mac, struct nsnet_err *err)
{
	static const uint8_t none[6];
	char a[INET6_ADDRSTRLEN], m[18], has[40];
	struct neigh_info ni;
	int r = neigh_has_permanent(nl, ifindex, ip, mac, &ni, err);

	if (r < 0 || r == 1)
		return r < 0 ? r : 0;
	nsnet_addr_str(ip, a);
	routed_mac_str(mac, m);
	if (!ni.state)
		return nsnet_err_set(err, ENOENT, "%s: neighbour entry %s lladdr %s is not on %s", where, a, m, dev);
	if (!memcmp(ni.mac, none, 6))
		snprintf(has, sizeof(has), "unresolved");
	else
		snprintf(has, sizeof(has), "%s lladdr %s", ni.state & NUD_PERMANENT ? "permanent" : "learnt",
			 routed_mac_str(ni.mac, m));
	routed_mac_str(mac, m);
	return nsnet_err_set(err, ENOENT, "%s: neighbour entry %s on %s is %s, not lladdr %s permanent", where, a, dev,
			     has, m);
}

/*
 * The neighbour entries of one attachment: each address's gateway (169.254.1.1, fe80::1) ->
 * routed_host_mac in the namespace, each address -> the namespace end's MAC on its host end.
 */
static int routed_port_check(const struct nsnet_network *net, const struct net_port_seen *seen,
			     struct nsnet_err *err)
{
	char ns[NSNET_NAME_MAX + 16];
	struct nsnet_addr gw;
	unsigned int plen;
	int r = 0;

	(void)net;
	snprintf(ns, sizeof(ns), "namespace %s", seen->ns);
	for (size_t i = 0; r == 0 && i < seen->n_addrs; i++) {
		const struct nsnet_addr *a = &seen->addr[i];

		routed_gateway(a->family, &gw, &plen);
		r = routed_neigh_check(seen->inner, seen->ifindex, ns, seen->ifname, &gw, routed_host_mac, err);
		if (r == 0)
			r = routed_neigh_check(seen->host, seen->host_ifindex, "host", seen->host_ifname, a, seen->mac, err);
	}
	return r;
}

/* A routed network's gateway link is a bridge of nsnet's name: the bridge driver's gc knows it. */
static bool routed_gc(const struct link_info *li, const struct nsnet_network *nets, size_t n, bool *owned)
{
	(void)li, (void)nets, (void)n;
	*owned = false;
	return false;
}

const struct net_driver net_driver_routed = {
	.name = NSNET_DRIVER_ROUTED,
	.create = routed_create,
	.remake = routed_create,	/* the host ends hold their own routes: nothing to rejoin */
	.remove = routed_remove,
	.port_add = routed_port_add,
	.port_addrs = routed_port_addrs,
	.ns_view = routed_ns_view,
	.bridge_guard = false,
	.gateway_local = true,
	.port_del = routed_port_del,
	.check = routed_check,
	.port_check = routed_port_check,
	.gc = routed_gc,
};
