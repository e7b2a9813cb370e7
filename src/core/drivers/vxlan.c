// SPDX-License-Identifier: MIT
// The vxlan driver: this host's part of an overlay, a bridge holding its block plus a VXLAN device to the other hosts.
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/drivers/drivers.h"
#include "core/overlay.h"
#include "core/records.h"

/*
 * Theory of operation (docs/overlay.md). Locally an overlay network is a bridge network: the
 * network's subnet is this host's block, the bridge holds the block's gateway, and namespaces
 * attach, get VIPs and publish exactly as on a bridge (the port steps are the bridge driver's).
 * What the bridge driver lacks is the way to the other blocks: the VXLAN device with the block's
 * network address, the peers programmed on it, and this host's announcement in the store
 * (core/overlay_peers.c). The agent (core/agent.c) keeps the announcement alive and the peers
 * current.
 */

static int vxlan_create(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	int r;

	if ((r = net_driver_bridge.create(op, net, err)) < 0)
		return r;
	return overlay_join_apply(op, net, err);
}

/* Leave the store first (others drop this host at once), then the device and the bridge. */
static int vxlan_remove(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	struct nsnet_network *all = NULL;
	int n, others = 0, r;

	overlay_leave(op, net, err);
	if ((r = op_link_del(op, NULL, net->ov.vxlan, err)) < 0 || (r = net_driver_bridge.remove(op, net, err)) < 0)
		return r;
	if ((n = rec_networks_load(op, &all, err)) < 0)
		return n;
	for (int i = 0; i < n; i++)
		others += all[i].ov.vxlan[0] && strcmp(all[i].name, net->name);
	free(all);
	if (!others)
		overlay_agent_stop(op);
	return 0;
}

/* Ports are the bridge driver's; attaching or detaching also restarts a dead agent (as dns_ensure does the resolver). */
static int vxlan_port_add(struct op *op, const struct nsnet_network *net, const struct net_port *port,
			  struct nsnet_err *err)
{
	int r;

	if ((r = overlay_agent_keep(op, net, err)) < 0)
		return r;
	return net_driver_bridge.port_add(op, net, port, err);
}

static int vxlan_port_del(struct op *op, const struct nsnet_network *net, const char *host_ifname,
			  struct nsnet_err *err)
{
	if (overlay_agent_keep(op, net, err) < 0) {
		/* Detaching goes on all the same. */
		op_note(op->opts, 0, "warning: %s", err->msg);
		nsnet_err_clear(err);
	}
	return net_driver_bridge.port_del(op, net, host_ifname, err);
}

static int vxlan_check(const struct nsnet_network *net, const char *host_ifname, const struct link_list *links,
		       struct nsnet_err *err)
{
	const struct link_info *vx;
	int r;

	if ((r = net_driver_bridge.check(net, host_ifname, links, err)) < 0 || host_ifname)
		return r;
	vx = link_list_find(links, net->ov.vxlan);
	if (!vx || strcmp(vx->kind, "vxlan"))
		return nsnet_err_set(err, ENOENT, "network %s: VXLAN device %s is missing", net->name, net->ov.vxlan);
	if (!vx->up)
		return nsnet_err_set(err, ENETDOWN, "network %s: VXLAN device %s is down", net->name, net->ov.vxlan);
	return 0;
}

/* Its VXLAN device is nsnet-x + 8 hex digits; the bridge is the bridge driver's to judge. */
static bool vxlan_gc(const struct link_info *li, const struct nsnet_network *nets, size_t n, bool *owned)
{
	*owned = false;
	if (strncmp(li->name, NSNET_BRIDGE_PREFIX "x", strlen(NSNET_BRIDGE_PREFIX) + 1) || strcmp(li->kind, "vxlan"))
		return false;
	for (size_t k = 0; k < n && !*owned; k++)
		*owned = !strcmp(nets[k].ov.vxlan, li->name);
	return true;
}

const struct net_driver net_driver_vxlan = {
	.name = NSNET_DRIVER_VXLAN,
	.create = vxlan_create,
	.remove = vxlan_remove,
	.port_add = vxlan_port_add,
	.bridge_guard = true,
	.gateway_local = true,
	.port_del = vxlan_port_del,
	.check = vxlan_check,
	.gc = vxlan_gc,
};
