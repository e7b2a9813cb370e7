// SPDX-License-Identifier: MIT
// Attach and detach: a namespace joins or leaves a network (see attach.h).
#include "core/attach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dns.h"
#include "core/drivers/drivers.h"
#include "core/limit.h"
#include "core/records.h"
#include "core/services.h"
#include "firewall/guard.h"
#include "ipam/ipam.h"
#include "kernel/link.h"
#include "kernel/netns.h"

/* The first "ethN" not used by an attachment of @ns. */
static void attach_next_ifname(const struct nsnet_namespace *ns, char *out)
{
	for (int n = 0;; n++) {
		bool used = false;

		snprintf(out, IFNAMSIZ, "eth%d", n);
		for (size_t i = 0; i < ns->n_att; i++)
			used |= !strcmp(ns->att[i].ifname, out);
		if (!used)
			return;
	}
}

/* Does @ns already have a default route of @family through another attachment? */
static bool attach_has_default(struct op *op, const struct nsnet_namespace *ns, int family)
{
	for (size_t i = 0; i < ns->n_att; i++) {
		struct nsnet_network other;

		if (!ns->att[i].default_route)
			continue;
		if (rec_network_load(op, ns->att[i].net, &other, NULL) == 0 &&
		    network_subnet(&other, family, NULL))
			return true;
	}
	return false;
}

/*
 * The host end's name and the guest's MAC: names_host_veth() and names_guest_mac() of (namespace,
 * network), or on a collision the same of ("NS#k", network) for k = 1, 2, ... ('#' is no valid
 * name character, so no namespace has these inputs). Distinct namespaces can hash alike (issue
 * 18, item 5), and then both names and MACs collide. Taken: a name an attachment record holds, a
 * name a link holds unless that link carries this state dir's mark and no record (a leftover
 * op_veth_add() replaces), a MAC an attachment of the same network has. A link that is not ours is
 * never touched. Both are recorded in the attachment (the MAC as mac_set when k > 0). What records
 * hold comes from the index of ends (core/ends.c): a few reads whatever the number of records;
 * a state dir from before the index is read whole, once (attach_apply() then writes the index).
 */
static int attach_names(struct op *op, const struct nsnet_namespace *ns, const char *net,
			struct nsnet_attachment *att, bool *absent, struct nsnet_err *err)
{
	struct nsnet_namespace *nss = NULL;
	char mark[OP_MARK_MAX] = "", key[NSNET_NAME_MAX + 16];
	bool indexed = rec_ends_indexed(op);
	struct nl *nl;
	int n = 0, r;

	/* An unreadable record is reported by check; the kernel's links still keep us off taken names. */
	if (!indexed && (n = rec_namespaces_load(op, &nss, NULL)) < 0)
		n = 0;
	if ((r = op_owner_mark(op, false, mark, err)) < 0 && r != -ENOENT)
		goto out;
	if ((r = op_nl(op, NULL, &nl, err)) < 0)
		goto out;
	for (unsigned int k = 0; k < 100; k++) {
		unsigned char mac[6], other[6];
		struct link_info li;
		bool taken = false;

		snprintf(key, sizeof(key), k ? "%s#%u" : "%s", ns->name, k);
		names_host_veth(key, net, att->host_ifname);
		names_guest_mac(key, net, mac);
		if (indexed)
			taken = rec_ends_taken(op, ns->name, net, att->host_ifname, mac);
		for (int i = 0; i < n && !taken; i++) {
			for (size_t a = 0; a < nss[i].n_att; a++) {
				taken |= !strcmp(nss[i].att[a].host_ifname, att->host_ifname);
				if (strcmp(nss[i].name, ns->name) && !strcmp(nss[i].att[a].net, net)) {
					attach_mac(nss[i].name, &nss[i].att[a], other);
					taken |= !memcmp(other, mac, 6);
				}
			}
		}
		/* A leftover of this state dir (or one marked going) is replaced by the veth step. */
		*absent = false;
		if (!taken && (r = link_get(nl, att->host_ifname, &li, NULL)) == 0 && op_link_owner(&li, mark) != LINK_OURS &&
		    op_link_owner(&li, mark) != LINK_GOING)
			taken = true;
		*absent = !taken && r == -ENODEV;
		if (taken)
			continue;
		if (k) {
			att->mac_set = true;
			memcpy(att->mac, mac, 6);
		}
		r = 0;
		goto out;
	}
	r = nsnet_err_set(err, EEXIST, "namespace %s: no free host-side veth name for network %s", ns->name, net);
out:
	free(nss);
	return r;
}

int attach_plan(struct op *op, const struct nsnet_namespace *ns, const struct attach_req *req,
		struct attach_plan *p, struct nsnet_err *err)
{
	struct nsnet_addr *used = NULL, gws[NSNET_MAX_SUBNETS];
	struct nsnet_leases leases = { 0 };
	size_t i, k, n_used = 0;
	int r;

	memset(p, 0, sizeof(*p));
	if ((r = names_check("network", req->net, err)) < 0)
		return r;
	if ((r = rec_network_load(op, req->net, &p->net, err)) < 0 || (r = net_driver_of(&p->net, &p->drv, err)) < 0)
		return r;
	if (ns->n_att >= NSNET_MAX_ATTACH)
		return nsnet_err_set(err, E2BIG, "namespace %s: at most %d networks", ns->name, NSNET_MAX_ATTACH);
	for (i = 0; i < ns->n_att; i++)
		if (!strcmp(ns->att[i].net, req->net))
			return nsnet_err_set(err, EEXIST, "namespace %s is already attached to network %s",
					     ns->name, req->net);
	snprintf(p->att.net, sizeof(p->att.net), "%s", req->net);
	p->att.limit = req->limit;
	if (req->ifname) {
		if ((r = names_check_ifname(req->ifname, err)) < 0)
			return r;
		for (i = 0; i < ns->n_att; i++)
			if (!strcmp(ns->att[i].ifname, req->ifname))
				return nsnet_err_set(err, EEXIST, "namespace %s already has an interface %s",
						     ns->name, req->ifname);
		snprintf(p->att.ifname, sizeof(p->att.ifname), "%s", req->ifname);
	} else {
		attach_next_ifname(ns, p->att.ifname);
	}
	if ((r = attach_names(op, ns, req->net, &p->att, &p->host_absent, err)) < 0)
		return r;

	/* Requested addresses: one per family, each in one of the network's subnets. */
	for (i = 0; i < req->n_ips; i++) {
		char buf[INET6_ADDRSTRLEN];

		if (!network_subnet(&p->net, req->ip[i].family, NULL))
			return nsnet_err_set(err, EINVAL, "address %s: network %s has no %s subnet",
					     nsnet_addr_str(&req->ip[i], buf), req->net,
					     req->ip[i].family == AF_INET ? "IPv4" : "IPv6");
		for (k = 0; k < i; k++)
			if (req->ip[k].family == req->ip[i].family)
				return nsnet_err_set(err, EINVAL, "address %s: only one address per family and network",
						     nsnet_addr_str(&req->ip[i], buf));
	}
	snprintf(p->owner, sizeof(p->owner), "%s", ns->name);
	/* An old single lease record: read whole this once (apply converts it), else one file per probe. */
	if ((p->legacy = state_has(&op->st, STATE_LEASES, req->net))) {
		if ((r = rec_leases_load(op, req->net, &leases, err)) < 0)
			return r;
		used = calloc(leases.n + NSNET_MAX_SUBNETS, sizeof(*used));
		if (!used) {
			r = nsnet_err_set(err, ENOMEM, "out of memory");
			goto fail;
		}
		for (i = 0; i < leases.n; i++)
			used[i] = leases.v[i].addr;
		n_used = i;
	}
	for (k = 0; k < p->net.n_subnets; k++)
		gws[k] = p->net.gateway[k];
	for (k = 0; k < p->net.n_subnets; k++) {
		const struct nsnet_prefix *pool = &p->net.subnet[k];
		const struct nsnet_addr *want = NULL;
		char buf[INET6_ADDRSTRLEN];
		struct nsnet_addr a, gw;

		for (size_t j = 0; j < req->n_ips; j++)
			if (req->ip[j].family == pool->addr.family)
				want = &req->ip[j];
		if (p->legacy) {
			for (size_t g = 0; g < p->net.n_subnets; g++)
				used[n_used + g] = gws[g];
			if (want)
				r = ipam_check(pool, want, used, n_used + p->net.n_subnets, err);
			else
				r = ipam_pick(pool, used, n_used + p->net.n_subnets, &a, err);
		} else if (want) {
			r = ipam_check(pool, want, gws, p->net.n_subnets, err);
			if (r == 0 && rec_lease_taken(op, req->net, want))
				r = nsnet_err_set(err, EADDRINUSE, "address %s is already in use", nsnet_addr_str(want, buf));
		} else {
			r = rec_lease_pick(op, &p->net, k, &a, err);
		}
		if (want)
			a = *want;
		if (r < 0) {
			nsnet_err_prefix(err, "attach %s to %s", ns->name, req->net);
			goto fail;
		}
		p->picked[p->n_addrs] = !want;
		p->addr[p->n_addrs] = a;
		p->att.addr[p->n_addrs] = a;
		net_driver_ns_view(p->drv, &p->net, k, &gw, &p->plen[p->n_addrs++]);
	}
	p->att.n_addrs = p->n_addrs;
	leases_free(&leases);
	free(used);
	for (k = 0; k < req->n_aliases; k++) {
		if (k == NSNET_MAX_ALIASES) {
			r = nsnet_err_set(err, EINVAL, "attach %s to %s: more than %d aliases", ns->name, req->net,
					  NSNET_MAX_ALIASES);
			goto fail;
		}
		if ((r = names_check("alias", req->aliases[k], err)) < 0)
			goto fail;
		snprintf(p->att.aliases[p->att.n_aliases++], sizeof(p->att.aliases[0]), "%s", req->aliases[k]);
	}
	/* Only the first attachment routes by default; an internal network never does. */
	p->att.default_route = !p->net.internal;
	for (k = 0; k < p->net.n_subnets && p->att.default_route; k++)
		if (attach_has_default(op, ns, p->net.subnet[k].addr.family))
			p->att.default_route = false;
	return 0;
fail:
	free(used);
	leases_free(&leases);
	attach_plan_free(p);
	return r;
}

void attach_plan_free(struct attach_plan *p)
{
	(void)p;	/* nothing allocated today */
}

void attach_mac(const char *ns, const struct nsnet_attachment *a, unsigned char *out)
{
	if (a->mac_set)
		memcpy(out, a->mac, 6);
	else
		names_guest_mac(ns, a->net, out);
}

int attach_apply(struct op *op, const char *ns, const struct attach_plan *p, struct nsnet_err *err)
{
	struct fw_guard_port port = { .ifname = p->att.host_ifname, .n_addrs = p->n_addrs, .addrs = p->addr };
	struct net_port np = { .host_ifname = p->att.host_ifname, .ns = ns, .ifname = p->att.ifname,
			       .mac = port.mac, .hairpin = !p->no_hairpin, .host_absent = p->host_absent,
			       .host_ifindex = op->batch ? NULL : &port.ifindex };
	struct dns_pending names = { .fd = -1 };
	int r;

	attach_mac(ns, &p->att, port.mac);
	/*
	 * The names first, their answer checked last: dnsmasq reads the new hosts file and answers the
	 * query for it while the kernel makes the port, instead of nsnet waiting for it at the end.
	 * Until the command returns, a name may answer an address that is not up yet.
	 */
	r = dns_host_put(op, &p->net, ns, p->cni, &p->att, p->addr, p->n_addrs, &names, err);
	if (r == 0)
		r = p->drv->port_add(op, &p->net, &np, err);
	/*
	 * IPv6 link-local addresses only where they serve: in the namespace only on a network with an
	 * IPv6 subnet (the driver keeps them off its host end). Each one would send duplicate address
	 * detection, listener reports and router solicitations that the bridge floods to every port:
	 * per new namespace, work for every namespace already there (docs/design.md). Before the
	 * namespace's end comes up, when no address exists yet.
	 */
	if (r == 0 && !network_subnet(&p->net, AF_INET6, NULL))
		r = op_link_configure(op, ns, p->att.ifname, false, err);
	if (r == 0)
		r = limit_attach_apply(op, ns, &p->att, err);
	/*
	 * A request of its own: in one RTM_NEWLINK the kernel applies IFF_UP before IFLA_AF_SPEC,
	 * so the link would come up with its link-local address made before addrgenmode none.
	 */
	if (r == 0)
		r = op_link_up(op, ns, p->att.ifname, err);
	if (r == 0 && p->drv->port_addrs)
		r = p->drv->port_addrs(op, &p->net, &np, p->addr, p->n_addrs, p->att.default_route, err);
	for (size_t i = 0; r == 0 && !p->drv->port_addrs && i < p->n_addrs; i++)
		r = op_addr_add(op, ns, p->att.ifname, &p->addr[i], p->plen[i], err);
	for (size_t i = 0; r == 0 && !p->drv->port_addrs && p->att.default_route && i < p->net.n_subnets; i++)
		r = op_route_default(op, ns, p->att.ifname, &p->net.gateway[i], err);
	if (r == 0 && p->drv->bridge_guard)
		r = op_guard(op, &port, GUARD_ADD, err);
	/* The leases: this attachment's records only (an old single record is converted first). */
	if (r == 0 && p->legacy)
		r = rec_leases_migrate(op, p->net.name, err);
	for (size_t i = 0; r == 0 && i < p->n_addrs; i++) {
		struct nsnet_lease l = { .addr = p->addr[i] };

		snprintf(l.owner, sizeof(l.owner), "%s", p->owner);
		snprintf(l.ifname, sizeof(l.ifname), "%s", p->att.ifname);
		r = rec_lease_take(op, &p->net, &l, p->picked[i], err);
	}
	if (r == 0)
		r = rec_ends_add(op, ns, &p->att, err);
	if (r == 0)
		r = dns_host_confirm(&names, err);
	dns_pending_drop(&names);
	return r;
}

/*
 * The addresses of @ns's attachment @att to @net: as the attachment records them, else (older
 * records) searched in the network's leases. Into @out (NSNET_MAX_SUBNETS), their number in *@n.
 */
static int attach_addrs(struct op *op, const char *ns, const char *net, const struct nsnet_attachment *att,
			struct nsnet_addr *out, size_t *n, struct nsnet_err *err)
{
	struct nsnet_leases l;
	int r;

	*n = att->n_addrs;
	memcpy(out, att->addr, sizeof(att->addr));
	if (*n)
		return 0;
	if ((r = rec_leases_load(op, net, &l, err)) < 0)
		return r;
	for (size_t i = 0; i < l.n && *n < NSNET_MAX_SUBNETS; i++)
		if (!strcmp(l.v[i].owner, ns) && !strcmp(l.v[i].ifname, att->ifname))
			out[(*n)++] = l.v[i].addr;
	leases_free(&l);
	return 0;
}

int detach_apply(struct op *op, struct nsnet_namespace *ns, const char *net, bool keep_link,
		 struct nsnet_err *err)
{
	struct nsnet_attachment *att = namespace_attachment(ns, net);
	const struct net_driver *drv = NULL;
	struct nsnet_network network = { 0 };
	struct nsnet_addr addrs[NSNET_MAX_SUBNETS];
	size_t n_addrs;
	int r;

	if (!att)
		return nsnet_err_set(err, ENOENT, "namespace %s is not attached to network %s", ns->name, net);
	/*
	 * The driver removes the port: know it before anything changes. The CNI DEL path keeps the
	 * link and may find the network gone; then the port is taken for a bridge port.
	 */
	if ((r = rec_network_load(op, net, &network, err)) == 0)
		r = net_driver_of(&network, &drv, err);
	if (r < 0 && !keep_link)
		return r;
	nsnet_err_clear(err);
	/* Services first: nothing may keep DNAT'ing to an address that is about to be released. */
	if ((r = svc_forget(op, ns->name, net, err)) < 0)
		return r;
	if ((r = rec_leases_migrate(op, net, err)) < 0 ||
	    (r = attach_addrs(op, ns->name, net, att, addrs, &n_addrs, err)) < 0)
		return r;
	/* The port's anti-spoofing elements go with it. */
	{
		struct fw_guard_port port = { .ifname = att->host_ifname, .addrs = addrs, .n_addrs = n_addrs };

		attach_mac(ns->name, att, port.mac);
		r = drv && !drv->bridge_guard ? 0 : op_guard(op, &port, keep_link ? GUARD_FORGET : GUARD_DEL, err);
	}
	if (r == 0 && !keep_link)
		r = drv->port_del(op, &network, att->host_ifname, err);
	if (r < 0)
		return r;
	/* Without the network's record (a CNI DEL after it went) the next-free hint is not lowered. */
	if (keep_link && rec_network_load(op, net, &network, NULL) < 0) {
		memset(&network, 0, sizeof(network));
		snprintf(network.name, sizeof(network.name), "%s", net);
	}
	for (size_t i = 0; r == 0 && i < n_addrs; i++)
		r = rec_lease_release(op, &network, &addrs[i], ns->name, att->ifname, err);
	if (r == 0)
		r = rec_leases_tidy(op, net, err);
	if (r == 0)
		r = rec_ends_del(op, ns->name, att, err);
	/* The names go with the addresses (a network without a readable record has no resolver to tell). */
	if (r == 0 && network.dns)
		dns_host_del(op, &network, ns->name, err);
	if (r < 0)
		return r;
	*att = ns->att[--ns->n_att];
	return 0;
}

int ns_attach_apply(struct op *op, const char *name, const struct attach_req *req, struct nsnet_err *err)
{
	struct nsnet_namespace ns;
	struct attach_plan p;
	int r;

	if ((r = names_check("namespace", name, err)) < 0)
		return r;
	if (!netns_exists(name))
		return nsnet_err_set(err, ENOENT, "namespace %s does not exist", name);
	r = rec_namespace_load(op, name, &ns, err);
	if (r == -ENOENT) {
		/* A namespace someone else made: nsnet attaches it but never removes it. */
		memset(&ns, 0, sizeof(ns));
		snprintf(ns.name, sizeof(ns.name), "%s", name);
		r = 0;
	}
	if (r < 0)
		return r;
	if ((r = attach_plan(op, &ns, req, &p, err)) < 0)
		return r;
	r = attach_apply(op, name, &p, err);
	if (r == 0) {
		ns.att[ns.n_att++] = p.att;
		r = rec_namespace_put(op, &ns, err);
	}
	if (r == 0)
		r = ns_resolv_update(op, &ns, err);
	attach_plan_free(&p);
	return r;
}

int ns_detach_apply(struct op *op, const char *name, const char *net, struct nsnet_err *err)
{
	struct nsnet_namespace ns;
	int r;

	if ((r = names_check("namespace", name, err)) < 0 || (r = names_check("network", net, err)) < 0)
		return r;
	r = rec_namespace_load(op, name, &ns, err);
	if (r == -ENOENT)
		r = nsnet_err_set(err, ENOENT, "namespace %s is not attached to network %s", name, net);
	if (r < 0)
		return r;
	if ((r = detach_apply(op, &ns, net, false, err)) < 0)
		return r;
	/* A foreign namespace's record exists only for its attachments. */
	if (!ns.managed && ns.n_att == 0)
		r = op_state_del(op, STATE_NAMESPACES, name, err);
	else
		r = rec_namespace_put(op, &ns, err);
	if (r == 0)
		r = ns_resolv_update(op, &ns, err);
	return r;
}

/* The command forms: one operation each, rolled back on failure. */
int core_attach(const struct nsnet_opts *o, const char *name, const struct attach_req *req,
		struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	return core_op_end(&op, r ? r : ns_attach_apply(&op, name, req, err), true);
}

int core_detach(const struct nsnet_opts *o, const char *name, const char *net, struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	return core_op_end(&op, r ? r : ns_detach_apply(&op, name, net, err), true);
}

int ns_aliases_apply(struct op *op, const char *name, const char *net, size_t n,
		     const char (*aliases)[NSNET_NAME_MAX + 1], struct nsnet_err *err)
{
	struct nsnet_addr addrs[NSNET_MAX_SUBNETS];
	struct nsnet_attachment *att;
	struct nsnet_namespace ns;
	struct nsnet_network nw;
	size_t n_addrs;
	int r;

	if (n > NSNET_MAX_ALIASES)
		return nsnet_err_set(err, EINVAL, "namespace %s on %s: more than %d aliases", name, net, NSNET_MAX_ALIASES);
	for (size_t k = 0; k < n; k++)
		if ((r = names_check("alias", aliases[k], err)) < 0)
			return r;
	if ((r = rec_namespace_load(op, name, &ns, err)) < 0 || (r = rec_network_load(op, net, &nw, err)) < 0)
		return r;
	if (!(att = namespace_attachment(&ns, net)))
		return nsnet_err_set(err, ENOENT, "namespace %s is not attached to network %s", name, net);
	att->n_aliases = n;
	memcpy(att->aliases, aliases, n * sizeof(aliases[0]));
	if ((r = attach_addrs(op, name, net, att, addrs, &n_addrs, err)) < 0)
		return r;
	/*
	 * The hosts file written whole again (its undo removes it: a rollback's resolver repair, or
	 * gc after a kill, writes it again from the records, as after any rolled-back apply), then
	 * the record.
	 */
	if ((r = dns_host_put(op, &nw, name, ns.cid[0] != 0, att, addrs, n_addrs, NULL, err)) < 0)
		return r;
	return rec_namespace_put(op, &ns, err);
}
