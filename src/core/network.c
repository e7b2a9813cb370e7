// SPDX-License-Identifier: MIT
// network create / network rm: the driver's link, forwarding, firewall rules, records.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/attach.h"
#include "core/core.h"
#include "core/dns.h"
#include "core/overlay.h"
#include "core/drivers/drivers.h"
#include "core/records.h"
#include "core/services.h"
#include "firewall/fw.h"
#include "firewall/guard.h"
#include "kernel/addr.h"
#include "kernel/link.h"

/* Turn a request into a complete network and its driver, checking it against the networks that exist. */
static int network_plan(struct op *op, const struct network_req *req, struct nsnet_network *net,
			const struct net_driver **drv, struct nsnet_err *err)
{
	struct nsnet_network *all = NULL;
	char a[NSNET_PREFIX_STRLEN], b[NSNET_PREFIX_STRLEN];
	size_t i, k;
	int n, r;

	memset(net, 0, sizeof(*net));
	if ((r = names_check("network", req->name, err)) < 0)
		return r;
	snprintf(net->name, sizeof(net->name), "%s", req->name);
	snprintf(net->driver, sizeof(net->driver), "%s", req->driver ? req->driver : NSNET_DRIVER_DEFAULT);
	if ((r = net_driver_of(net, drv, err)) < 0)
		return r;
	if (req->n_subnets == 0)
		return nsnet_err_set(err, EINVAL, "network %s: at least one --subnet is required", req->name);
	for (i = 0; i < req->n_subnets; i++) {
		for (k = 0; k < i; k++)
			if (req->subnet[k].addr.family == req->subnet[i].addr.family)
				return nsnet_err_set(err, EINVAL, "network %s: subnet %s: only one %s subnet per network",
						     req->name, nsnet_prefix_str(&req->subnet[i], a),
						     req->subnet[i].addr.family == AF_INET ? "IPv4" : "IPv6");
		if (nsnet_prefix_hosts(&req->subnet[i]) < 2)
			return nsnet_err_set(err, EINVAL, "network %s: subnet %s is too small (a gateway and at least one host are needed)",
					     req->name, nsnet_prefix_str(&req->subnet[i], a));
		net->subnet[i] = req->subnet[i];
		if ((r = nsnet_prefix_nth(&net->subnet[i], 1, &net->gateway[i])) < 0)
			return nsnet_err_set(err, EINVAL, "subnet %s has no first host", nsnet_prefix_str(&net->subnet[i], a));
	}
	net->n_subnets = req->n_subnets;
	for (i = 0; i < req->n_gateways; i++) {
		const struct nsnet_addr *gw = &req->gateway[i];

		if (!network_subnet(net, gw->family, &k) || !nsnet_prefix_is_host(&net->subnet[k], gw))
			return nsnet_err_set(err, EINVAL, "gateway %s: not a host address of the network's subnets",
					     nsnet_addr_str(gw, a));
		net->gateway[k] = *gw;
	}
	if (req->bridge) {
		if ((r = names_check_ifname(req->bridge, err)) < 0)
			return r;
		snprintf(net->bridge, sizeof(net->bridge), "%s", req->bridge);
	} else {
		names_bridge(req->name, net->bridge);
	}
	net->internal = req->internal;
	net->cni = req->cni;
	snprintf(net->project, sizeof(net->project), "%s", req->project ? req->project : "");
	net->nat = !req->no_nat && !req->internal;
	net->mtu = req->mtu ? req->mtu : NSNET_MTU_DEFAULT;
	/* A resolver listens on the gateway: only where the gateway is an address of the host. */
	if (!(*drv)->gateway_local && !req->no_dns && (req->domain || req->n_upstream))
		return nsnet_err_set(err, EINVAL, "network %s: a %s network has no gateway address on the host for "
				     "a resolver: --domain and --dns-upstream need --driver bridge", req->name, net->driver);
	net->dns = !req->no_dns && (*drv)->gateway_local;
	/* A valid network name that is no DNS domain (a label is at most 63 bytes) gets no resolver,
	 * with a notice, rather than a refusal: names are for those who ask for a domain. */
	if (net->dns && !req->domain && !network_dns_default(net->driver, req->name)) {
		op_note(op->opts, 0, "network %s: no resolver: its name is no DNS domain (give one with --domain NAME)",
			req->name);
		net->dns = false;
	}
	if (net->dns) {
		const char *domain = req->domain ? req->domain : req->name;

		if ((r = domain_check(domain, err)) < 0)
			return r;
		snprintf(net->domain, sizeof(net->domain), "%s", domain);
		net->n_upstream = req->n_upstream;
		memcpy(net->upstream, req->upstream, sizeof(net->upstream));
	} else if (req->domain || req->n_upstream) {
		return nsnet_err_set(err, EINVAL, "network %s: --domain and --dns-upstream need the resolver (drop --no-dns)",
				     req->name);
	}
	if (net->mtu < 68 || net->mtu > 65535 || (network_subnet(net, AF_INET6, NULL) && net->mtu < 1280))
		return nsnet_err_set(err, EINVAL, "mtu %u: expected 68-65535 (1280-65535 with IPv6)", net->mtu);

	r = 0;
	n = rec_networks_load(op, &all, err);
	if (n < 0)
		return n;
	for (int j = 0; j < n && r == 0; j++) {
		if (!strcmp(all[j].name, net->name))
			r = nsnet_err_set(err, EEXIST, "network %s already exists", net->name);
		else if (!strcmp(all[j].bridge, net->bridge))
			r = nsnet_err_set(err, EEXIST, "network %s: bridge %s is already used by network %s",
					  net->name, net->bridge, all[j].name);
		else if (network_group(net) && network_group(net) == network_group(&all[j]))
			r = nsnet_err_set(err, EEXIST, "network %s: interface group %u is already used by network %s (choose another name with --bridge)",
					  net->name, network_group(net), all[j].name);
		for (i = 0; i < net->n_subnets && r == 0; i++)
			for (k = 0; k < all[j].n_subnets && r == 0; k++)
				if (nsnet_prefix_overlap(&net->subnet[i], &all[j].subnet[k]))
					r = nsnet_err_set(err, EEXIST, "subnet %s overlaps subnet %s of network %s",
							  nsnet_prefix_str(&net->subnet[i], a),
							  nsnet_prefix_str(&all[j].subnet[k], b), all[j].name);
	}
	free(all);
	return r < 0 ? r : pool_subnets_check(op, net, NULL, err);
}

/*
 * A subnet holding an address of this host that no --gateway names on purpose is refused
 * (issue 18, item 10): nsnet's gateway, routes and NAT would fight the host's own network.
 * The gateways of nsnet's own networks are skipped: a subnet holding one overlaps that network,
 * which network_plan() refuses with a better message. So are the addresses of a bridge this
 * operation parked (apply replacing a network by one of the same subnet): they go with it.
 */
static int network_host_check(struct op *op, const struct network_req *req, struct nsnet_err *err)
{
	struct nsnet_addr host[256];
	struct nsnet_network *all = NULL;
	char a[NSNET_PREFIX_STRLEN], b[INET6_ADDRSTRLEN];
	int n, nn, r = 0;

	if ((n = addr_local_list(host, sizeof(host) / sizeof(host[0]), err)) < 0)
		return n;
	if ((nn = rec_networks_load(op, &all, err)) < 0)
		return nn;
	for (int j = 0; j < nn; j++)
		for (size_t k = 0; k < all[j].n_subnets; k++)
			for (int h = 0; h < n; h++)
				if (nsnet_addr_equal(&host[h], &all[j].gateway[k]))
					host[h--] = host[--n];
	free(all);
	for (size_t i = 0; i < req->n_subnets && r == 0; i++) {
		for (int h = 0; h < n && r == 0; h++) {
			bool named = false;

			if (!nsnet_prefix_contains(&req->subnet[i], &host[h]) || op_parked_holds(op, &host[h]))
				continue;
			for (size_t g = 0; g < req->n_gateways; g++)
				named |= nsnet_addr_equal(&req->gateway[g], &host[h]);
			if (!named)
				r = nsnet_err_set(err, EADDRINUSE,
						  "network %s: subnet %s holds %s, an address of this host: refused (pick a free subnet, or --gateway %s to adopt it on purpose)",
						  req->name, nsnet_prefix_str(&req->subnet[i], a), nsnet_addr_str(&host[h], b),
						  nsnet_addr_str(&host[h], b));
		}
	}
	return r;
}

bool network_dns_default(const char *driver, const char *name)
{
	const struct net_driver *drv = net_driver_find(driver);

	return drv && drv->gateway_local && domain_check(name, NULL) == 0;
}

int network_create_apply(struct op *op, const struct network_req *req, struct nsnet_network *out,
			 struct nsnet_err *err)
{
	struct strbuf add = { 0 }, undo = { 0 }, guard = { 0 }, guard_undo = { 0 };
	const struct net_driver *drv;
	struct nsnet_network net;
	struct network_req breq;
	struct nsnet_overlay ov;
	struct link_info li;
	struct nl *nl;
	int r;

	/* An overlay's local part is a network of this host's block (core/overlay.c). */
	if (req->overlay && (r = overlay_join_plan(op, req, &breq, &ov, err)) < 0)
		goto out;
	if (req->overlay)
		req = &breq;
	if ((r = network_host_check(op, req, err)) < 0 || (r = network_plan(op, req, &net, &drv, err)) < 0)
		goto out;
	if (req->overlay)
		net.ov = ov;
	else if (!strcmp(net.driver, NSNET_DRIVER_VXLAN)) {
		r = nsnet_err_set(err, EINVAL, "network %s: --driver vxlan needs --store", net.name);
		goto out;
	}
	/*
	 * The resolver's port is checked before anything changes (dns_start checks it again), once
	 * the resolvers this operation stops are gone: the network this one replaces may have had
	 * one on the same address.
	 */
	if (net.dns)
		dns_stops_wait(op);
	if (net.dns && (r = dns_port_check(&net, err)) < 0)
		goto out;
	/* A link of that name that nsnet did not record belongs to someone else: refuse. */
	if ((r = op_nl(op, NULL, &nl, err)) < 0)
		goto out;
	if (link_get(nl, net.bridge, &li, NULL) == 0) {
		r = nsnet_err_set(err, EEXIST, "network %s: a link named %s already exists (choose another with --bridge)",
				  net.name, net.bridge);
		goto out;
	}
	{
		/* The first network brings the anti-spoofing table; undoing it takes the tables away. */
		int nets = state_count(&op->st, STATE_NETWORKS, 1, err), svcs = svc_count(op, 1, err);

		if (nets < 0 || svcs < 0) {
			r = nets < 0 ? nets : svcs;
			goto out;
		}
		/* The base rules: left out when this operation's last firewall step asserted them (apply). */
		op->fw->network_add(&net, !op->fw_base_ok, &add);
		op->fw->network_del(&net, nets == 0 && svcs == 0, &undo);
		/*
		 * The anti-spoofing table comes with the first network (op_fw_guarded: how it is
		 * applied); undone by deleting it, unless this operation removed the network before
		 * (park mode): then the table is still there, with that network's elements.
		 */
		if (nets == 0) {
			fw_guard_table(&guard);
			if (!op->guard_drop)
				strbuf_printf(&guard_undo, "delete table bridge %s\n", NSNET_NFT_TABLE);
		}
	}
	if (add.oom || undo.oom || guard.oom || guard_undo.oom) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if ((r = drv->create(op, &net, err)) < 0)
		goto out;
	/* An overlay's VXLAN filter accepts the peers just programmed, in the same transaction. */
	if (net.ov.vxlan[0] && ((r = overlay_filter_text(op->fw, op->opts->dry_run ? NULL : nl, &net, &add, err)) < 0 ||
				(add.oom && (r = nsnet_err_set(err, ENOMEM, "out of memory")) < 0)))
		goto out;
	if (network_subnet(&net, AF_INET, NULL) && (r = op_sysctl(op, "net.ipv4.ip_forward", "1", false, err)) < 0)
		goto out;
	if (network_subnet(&net, AF_INET6, NULL) &&
	    (r = op_sysctl(op, "net.ipv6.conf.all.forwarding", "1", false, err)) < 0)
		goto out;
	/* (Batch mode gathers the rules of all the networks the operation makes: one step, op_fw_network.) */
	if ((r = op_fw_network(op, strbuf_str(&add), strbuf_str(&undo), strbuf_str(&guard), strbuf_str(&guard_undo),
				 err)) < 0)
		goto out;
	op->fw_base_ok = true;
	if ((r = dns_start(op, &net, err)) < 0)
		goto out;
	r = rec_network_put(op, &net, err);
	if (r == 0 && net.ov.vxlan[0])
		r = overlay_agent_ensure(op, err);
	if (r == 0 && out)
		*out = net;
out:
	strbuf_free(&add);
	strbuf_free(&undo);
	strbuf_free(&guard);
	strbuf_free(&guard_undo);
	return r;
}

int core_network_create(const struct nsnet_opts *o, const struct network_req *req, struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	return core_op_end(&op, r ? r : network_create_apply(&op, req, NULL, err), true);
}

int core_network_rm(const struct nsnet_opts *o, const char *name, bool force, struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	return core_op_end(&op, r ? r : network_rm_apply(&op, name, force, err), false);
}

int network_rm_apply(struct op *op, const char *name, bool force, struct nsnet_err *err)
{
	struct nsnet_namespace *nss = NULL;
	struct strbuf del = { 0 }, users = { 0 }, guard = { 0 }, add = { 0 };
	const struct net_driver *drv;
	struct nsnet_network net;
	char **names = NULL;
	const struct nsnet_opts *o = op->opts;
	int r, n = 0, n_nets = 0, svcs = 0;

	if ((r = names_check("network", name, err)) < 0)
		return r;
	if ((r = rec_network_load(op, name, &net, err)) < 0 || (r = net_driver_of(&net, &drv, err)) < 0)
		goto out;
	if ((n = rec_namespaces_load(op, &nss, err)) < 0) {
		r = n;
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (namespace_attachment(&nss[i], name))
			strbuf_printf(&users, "%s%s", users.len ? ", " : "", nss[i].name);
	if (users.len && !force) {
		r = nsnet_err_set(err, EBUSY, "network %s still has namespaces attached (%s); detach them or use --force",
				  name, strbuf_str(&users));
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!namespace_attachment(&nss[i], name))
			continue;
		if ((r = detach_apply(op, &nss[i], name, false, err)) < 0)
			goto out;
		if (!nss[i].managed && nss[i].n_att == 0)
			r = op_state_del(op, STATE_NAMESPACES, nss[i].name, err);
		else
			r = rec_namespace_put(op, &nss[i], err);
		if (r < 0)
			goto out;
	}
	if ((n_nets = state_names(&op->st, STATE_NETWORKS, &names, err)) < 0) {
		r = n_nets;
		goto out;
	}
	if ((svcs = svc_count(op, 1, err)) < 0) {
		r = svcs;
		goto out;
	}
	/* The table goes with the last network, unless services still live in it. */
	op->fw->network_del(&net, n_nets <= 1 && svcs == 0, &del);
	if (n_nets <= 1)
		strbuf_printf(&guard, "delete table bridge %s\n", NSNET_NFT_TABLE);
	/*
	 * Rules first, then the bridge: traffic never flows unfiltered. Deletion is best effort,
	 * except in park mode (apply): the bridge stays until the end, and its rules come back.
	 */
	if (op->park) {
		op->fw->network_add(&net, true, &add);
		r = op_fw(op, strbuf_str(&del), strbuf_str(&add), false, err);
		/* Its elements could not come back on a rollback: the table goes at the end, if still unused. */
		op->guard_drop |= r == 0 && guard.len;
		if (r < 0)
			goto out;
	} else {
		r = op_fw_guarded(op, strbuf_str(&del), NULL, strbuf_str(&guard), NULL, false, err);
	}
	if (r < 0)
		op_note(o, 1, "warning: %s", err->msg);
	nsnet_err_clear(err);
	r = 0;
	if ((r = dns_stop(op, name, err)) < 0 || (r = drv->remove(op, &net, err)) < 0)
		goto out;
	if ((r = rec_leases_put(op, name, &(struct nsnet_leases){ 0 }, err)) < 0 || (r = rec_leases_tidy(op, name, err)) < 0)
		goto out;
	if (n_nets <= 1 && !op->park && (r = op_guard_purge_stale(op)) < 0)	/* went with the bridge table */
		goto out;
	if (n_nets <= 1 && (r = rec_ends_forget(op, err)) < 0)
		goto out;
	/* Nothing of nsnet is left: the id counters start again, as with the last VIP or port. */
	if (n_nets <= 1 && svcs == 0 &&
	    ((r = op_state_del(op, STATE_IDS, "vip", err)) < 0 || (r = op_state_del(op, STATE_IDS, "port", err)) < 0))
		goto out;
	r = op_state_del(op, STATE_NETWORKS, name, err);
out:
	state_names_free(names, n_nets > 0 ? n_nets : 0);
	free(nss);
	strbuf_free(&del);
	strbuf_free(&users);
	strbuf_free(&guard);
	strbuf_free(&add);
	return r;
}
