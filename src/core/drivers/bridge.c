// SPDX-License-Identifier: MIT
// The bridge driver: a network is a Linux bridge, an attachment a veth pair with its host end a port of it.
#include <errno.h>
#include <string.h>

#include "core/drivers/drivers.h"

/*
 * The bridge, with the fixed MAC op_bridge_add() derives from its name, then the gateway
 * addresses on it: the namespaces route through the bridge itself. On an IPv4-only network the
 * bridge gets no IPv6 link-local address either (docs/design.md): set while it has no port, so
 * no carrier and no address yet.
 */
static int bridge_create(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	int r;

	if ((r = op_bridge_add(op, net, "bridge", err)) < 0)
		return r;
	if (!network_subnet(net, AF_INET6, NULL) && (r = op_link_configure(op, NULL, net->bridge, false, err)) < 0)
		return r;
	for (size_t i = 0; i < net->n_subnets; i++)
		if ((r = op_addr_add(op, NULL, net->bridge, &net->gateway[i], net->subnet[i].len, err)) < 0)
			return r;
	return 0;
}

/* Deleting the bridge frees its ports; namespaces still attached keep only their own ends. */
static int bridge_remove(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	return op_link_del(op, NULL, net->bridge, err);
}

/*
 * One RTM_NEWLINK makes the veth pair: the host end up and already a port of the bridge, the
 * other end in the namespace with its final name. The port's hairpin mode and addrgenmode go in
 * the request that marks it (op_veth_add()): a bridge port forwards and has no address, so no
 * IPv6 link-local either (docs/design.md, "Kernel objects and their marks").
 */
static int bridge_port_add(struct op *op, const struct nsnet_network *net, const struct net_port *port,
			   struct nsnet_err *err)
{
	int r = op_veth_add(op, port->host_ifname, NULL, net->bridge, 0, port->ns, port->ifname, port->mac, net->mtu,
			    port->hairpin, port->host_absent, port->host_ifindex, err);

	/*
	 * The kernel refuses a bridge's 1,024th port (BR_MAX_PORTS) with EXFULL while enslaving, and
	 * then unregisters the new veth pair itself: nothing is left to undo.
	 */
	if (r == -EXFULL)
		return nsnet_err_set(err, EXFULL,
				     "network %s is full: a Linux bridge holds at most 1,023 ports; use --driver routed for more",
				     net->name);
	return r;
}

static int bridge_rejoin(struct op *op, const struct nsnet_network *net, const char *host_ifname, bool hairpin,
			 struct nsnet_err *err)
{
	return op_link_master(op, host_ifname, net->bridge, hairpin, err);
}

/* The peer goes with its host end. */
static int bridge_port_del(struct op *op, const struct nsnet_network *net, const char *host_ifname,
			   struct nsnet_err *err)
{
	(void)net;
	return op_link_del(op, NULL, host_ifname, err);
}

static int bridge_check(const struct nsnet_network *net, const char *host_ifname, const struct link_list *links,
			struct nsnet_err *err)
{
	const struct link_info *br = link_list_find(links, net->bridge), *port;

	if (!host_ifname) {
		if (!br || strcmp(br->kind, "bridge"))
			return nsnet_err_set(err, ENOENT, "network %s: bridge %s is missing", net->name, net->bridge);
		if (!br->up)
			return nsnet_err_set(err, ENETDOWN, "network %s: bridge %s is down", net->name, net->bridge);
		return 0;
	}
	port = link_list_find(links, host_ifname);
	if (port && (!br || port->master != br->ifindex))
		return nsnet_err_set(err, EPROTO, "%s is not a port of bridge %s", host_ifname, net->bridge);
	return 0;
}

/* nsnet's bridges are named NSNET_BRIDGE_PREFIX...; one of another name (--bridge) is never taken for a leftover. */
static bool bridge_gc(const struct link_info *li, const struct nsnet_network *nets, size_t n, bool *owned)
{
	*owned = false;
	if (strncmp(li->name, NSNET_BRIDGE_PREFIX, strlen(NSNET_BRIDGE_PREFIX)) || strcmp(li->kind, "bridge"))
		return false;
	for (size_t k = 0; k < n && !*owned; k++)
		*owned = !strcmp(nets[k].bridge, li->name);
	return true;
}

const struct net_driver net_driver_bridge = {
	.name = "bridge",
	.create = bridge_create,
	.remake = bridge_create,
	.rejoin = bridge_rejoin,
	.remove = bridge_remove,
	.port_add = bridge_port_add,
	.bridge_guard = true,
	.gateway_local = true,
	.port_del = bridge_port_del,
	.check = bridge_check,
	.gc = bridge_gc,
};
