// SPDX-License-Identifier: MIT
// CNI sandboxes: CHECK (records and the container's kernel state), GC of the invalid ones, STATUS.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/drivers/drivers.h"
#include "core/attach.h"
#include "core/core.h"
#include "core/records.h"
#include "core/sandbox.h"
#include "ipam/ipam.h"
#include "kernel/addr.h"
#include "kernel/link.h"
#include "kernel/netns.h"

/* What CHECK finds in the container's namespace (sandbox_check_kernel()). */
struct sandbox_seen {
	int ifindex;				/* the container interface */
	struct sandbox_result *res;		/* its leased addresses; collects the routes present */
	bool addr[NSNET_MAX_SUBNETS];		/* res->addr[i]/plen[i] is on the interface */
	bool route[NSNET_MAX_SUBNETS];		/* a default route via res->gateway[i] leaves by it */
};

static void sandbox_seen_addr(const struct addr_info *ai, void *data)
{
	struct sandbox_seen *s = data;

	/* The prefix length counts: with another one the subnet's other hosts are off the link. */
	for (size_t i = 0; i < s->res->n_addrs; i++)
		if (ai->ifindex == s->ifindex && ai->len == s->res->plen[i] && nsnet_addr_equal(&ai->addr, &s->res->addr[i]))
			s->addr[i] = true;
}

static void sandbox_seen_route(const struct route_info *ri, void *data)
{
	struct sandbox_seen *s = data;
	struct sandbox_result *res = s->res;

	for (size_t i = 0; i < res->n_addrs; i++)
		if (ri->dst.len == 0 && ri->oif == s->ifindex && res->gateway[i].family &&
		    nsnet_addr_equal(&ri->gw, &res->gateway[i]))
			s->route[i] = true;
	if (res->n_present == SANDBOX_MAX_PRESENT_ROUTES) {
		res->present_more = true;
		return;
	}
	res->present[res->n_present].dst = ri->dst;
	res->present[res->n_present++].gw = ri->gw;
}

/*
 * The kernel's side of CHECK, in the container's namespace behind @nl: each address of @res on
 * link @ifindex (@ifname) with its subnet's prefix length, and with @default_route a default
 * route via each gateway out of that link. Records can be intact while someone (a tool inside
 * the container, a restarted network manager) took these away. Fills @res's present routes on
 * the way. Returns 0, -EPROTO naming the first thing missing, or -errno.
 */
static int sandbox_check_kernel(struct nl *nl, const char *cid, const char *ifname, int ifindex, bool default_route,
				struct sandbox_result *res, struct nsnet_err *err)
{
	struct sandbox_seen s = { .ifindex = ifindex, .res = res };
	char a[INET6_ADDRSTRLEN];
	int r;

	res->n_present = 0;
	res->present_more = false;
	if ((r = addr_dump(nl, AF_UNSPEC, sandbox_seen_addr, &s, err)) < 0 ||
	    (r = route_dump(nl, AF_INET, sandbox_seen_route, &s, err)) < 0 ||
	    (r = route_dump(nl, AF_INET6, sandbox_seen_route, &s, err)) < 0) {
		nsnet_err_prefix(err, "container %s: reading its addresses and routes", cid);
		return r;
	}
	/* Addresses first: the kernel drops the routes through a link that lost its last address. */
	for (size_t i = 0; i < res->n_addrs; i++)
		if (!s.addr[i])
			return nsnet_err_set(err, EPROTO, "container %s: address %s/%u is not on %s", cid,
					     nsnet_addr_str(&res->addr[i], a), res->plen[i], ifname);
	for (size_t i = 0; default_route && i < res->n_addrs; i++)
		if (res->gateway[i].family && !s.route[i])
			return nsnet_err_set(err, EPROTO, "container %s: no default route via %s on %s", cid,
					     nsnet_addr_str(&res->gateway[i], a), ifname);
	return 0;
}

int core_sandbox_check(const struct nsnet_opts *o, const char *cid, const char *ifname, const char *netns,
		       const char *net, struct sandbox_result *res, struct nsnet_err *err)
{
	char name[NSNET_NAME_MAX + 1], b[NSNET_PREFIX_STRLEN];
	struct nsnet_namespace ns;
	struct nsnet_network network;
	struct nsnet_leases l = { 0 };
	const struct net_driver *drv;
	struct link_info host, in;
	unsigned char mac[6];
	unsigned long long dev, ino;
	bool leased = false;
	struct nl *nl;
	struct op op;
	int r;

	if ((r = sandbox_key_check(cid, ifname, err)) < 0)
		return r;
	if ((r = op_begin(&op, o, false, err)) < 0)
		goto out;
	r = sandbox_load(&op, cid, ifname, name, &ns, err);
	if (r == -ENOENT)
		r = nsnet_err_set(err, ENOENT, "container %s has no interface %s on any nsnet network", cid, ifname);
	if (r < 0)
		goto out;
	if (strcmp(ns.att[0].net, net)) {
		r = nsnet_err_set(err, EPROTO, "container %s: %s is attached to network %s, not %s", cid, ifname,
				  ns.att[0].net, net);
		goto out;
	}
	if ((r = rec_network_load(&op, net, &network, err)) < 0)
		goto out;
	if ((r = op_netns_path(&op, name, netns, &dev, &ino, err)) < 0)
		goto out;
	if (dev != ns.netns_dev || ino != ns.netns_ino) {
		r = nsnet_err_set(err, EPROTO, "container %s: %s is not the namespace it was added in", cid, netns);
		goto out;
	}
	if ((r = op_nl(&op, NULL, &nl, err)) < 0)
		goto out;
	/* The driver judges its link and the host end (a port of the bridge, or in the routed network's group). */
	if ((r = net_driver_of(&network, &drv, err)) < 0)
		goto out;
	if (link_get(nl, ns.att[0].host_ifname, &host, NULL) < 0) {
		r = nsnet_err_set(err, EPROTO, "container %s: host end %s is missing", cid, ns.att[0].host_ifname);
		goto out;
	}
	{
		struct link_info two[2] = { host };
		struct link_list links = { .n = link_get(nl, network.bridge, &two[1], NULL) == 0 ? 2 : 1, .v = two };

		if ((r = drv->check(&network, NULL, &links, err)) < 0 ||
		    (r = drv->check(&network, host.name, &links, err)) < 0) {
			r = -EPROTO;
			nsnet_err_prefix(err, "container %s", cid);
			goto out;
		}
	}
	if ((r = op_nl(&op, name, &nl, err)) < 0)
		goto out;
	attach_mac(name, &ns.att[0], mac);
	if (link_get(nl, ifname, &in, NULL) < 0 || !in.up || memcmp(in.mac, mac, 6)) {
		r = nsnet_err_set(err, EPROTO, "container %s: interface %s is missing, down or has another MAC", cid, ifname);
		goto out;
	}
	if ((r = rec_leases_load(&op, net, &l, err)) < 0)
		goto out;
	memset(res, 0, sizeof(*res));
	snprintf(res->ifname, sizeof(res->ifname), "%s", ifname);
	snprintf(res->host_ifname, sizeof(res->host_ifname), "%s", ns.att[0].host_ifname);
	memcpy(res->mac, mac, 6);
	memcpy(res->host_mac, host.mac, 6);
	res->default_route = ns.att[0].default_route;
	for (size_t i = 0; i < l.n; i++) {
		size_t k;

		if (strcmp(l.v[i].owner, name) || strcmp(l.v[i].ifname, ifname))
			continue;
		leased = true;
		if (res->n_addrs < NSNET_MAX_SUBNETS && network_subnet(&network, l.v[i].addr.family, &k)) {
			res->addr[res->n_addrs] = l.v[i].addr;
			net_driver_ns_view(drv, &network, k, &res->gateway[res->n_addrs], &res->plen[res->n_addrs]);
			res->n_addrs++;
		}
	}
	if (!leased)
		r = nsnet_err_set(err, EPROTO, "container %s: no address of %s is leased to %s", cid,
				  nsnet_prefix_str(&network.subnet[0], b), ifname);
	else
		r = sandbox_check_kernel(nl, cid, ifname, in.ifindex, ns.att[0].default_route, res, err);
	/* What else the driver needs there (a routed network's neighbour entries, both sides). */
	if (r == 0 && drv->port_check) {
		struct net_port_seen seen = { .inner = nl, .host_ifindex = host.ifindex, .ifindex = in.ifindex,
					      .host_ifname = host.name, .ns = name, .ifname = ifname, .mac = mac,
					      .addr = res->addr, .n_addrs = res->n_addrs };

		if ((r = op_nl(&op, NULL, &seen.host, err)) == 0 && (r = drv->port_check(&network, &seen, err)) < 0) {
			r = -EPROTO;
			nsnet_err_prefix(err, "container %s", cid);
		}
	}
out:
	leases_free(&l);
	op_end(&op);
	return r;
}

static bool sandbox_valid(const struct nsnet_namespace *ns, char *const *valid, size_t n)
{
	size_t cl = strlen(ns->cid);

	for (size_t i = 0; i < n; i++)
		if (!strncmp(valid[i], ns->cid, cl) && valid[i][cl] == '/' && !strcmp(valid[i] + cl + 1, ns->att[0].ifname))
			return true;
	return false;
}

int core_sandbox_gc(const struct nsnet_opts *o, const char *net, char *const *valid, size_t n_valid,
		    struct nsnet_err *err)
{
	struct nsnet_namespace *nss = NULL;
	int n = 0, r, done = 0;
	struct op op;

	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	if ((n = rec_namespaces_load(&op, &nss, err)) < 0) {
		r = n;
		goto out;
	}
	for (int i = 0; i < n && r == 0; i++) {
		if (!nss[i].cid[0] || nss[i].n_att != 1 || strcmp(nss[i].att[0].net, net) ||
		    sandbox_valid(&nss[i], valid, n_valid))
			continue;
		op_note(o, 1, "gc: container %s (%s) is not a valid attachment: removing it", nss[i].cid,
			nss[i].att[0].ifname);
		/* Each removal is best effort; go on with the others and report the first error. */
		{
			struct nsnet_err e1;
			int r1 = sandbox_release(&op, &nss[i], false, NULL, &e1);

			if (r1 < 0 && r == 0) {
				*err = e1;
				r = r1;
			}
		}
		done++;
	}
	if (r == 0)
		r = done;
out:
	free(nss);
	op_end(&op);
	if (r >= 0) {
		int r2 = sandbox_net_gone(o, net, err);

		r = r2 < 0 ? r2 : r;
	}
	return r;
}

int core_sandbox_status(const struct nsnet_opts *o, const struct network_req *req, struct nsnet_err *err)
{
	struct nsnet_network net;
	struct nsnet_leases l = { 0 };
	struct nsnet_addr *used = NULL;
	struct link_info li;
	struct nl *nl;
	struct op op;
	int r;

	/* Taking the write lock creates the state dir if needed: the test that ADD could record. */
	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	r = rec_network_load(&op, req->name, &net, NULL);
	if (r == -ENOENT) {
		r = 0;	/* created by the first ADD */
		goto out;
	}
	if (r < 0 && (r = rec_network_load(&op, req->name, &net, err)) < 0)
		goto out;
	if ((r = op_nl(&op, NULL, &nl, err)) < 0)
		goto out;
	if (link_get(nl, net.bridge, &li, NULL) < 0) {
		r = nsnet_err_set(err, ENETDOWN, "network %s: bridge %s is missing (nsnet check, nsnet gc)", net.name,
				  net.bridge);
		goto out;
	}
	if ((r = rec_leases_load(&op, net.name, &l, err)) < 0)
		goto out;
	used = calloc(l.n + NSNET_MAX_SUBNETS, sizeof(*used));
	if (!used) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		used[i] = l.v[i].addr;
	for (size_t k = 0; k < net.n_subnets; k++)
		used[l.n + k] = net.gateway[k];
	for (size_t k = 0; k < net.n_subnets && r == 0; k++) {
		struct nsnet_addr a;

		r = ipam_pick(&net.subnet[k], used, l.n + net.n_subnets, &a, err);
		if (r < 0)
			nsnet_err_prefix(err, "network %s", net.name);
	}
out:
	free(used);
	leases_free(&l);
	op_end(&op);
	return r;
}
