// SPDX-License-Identifier: MIT
// CNI sandboxes: a runtime's namespace, given by path, attached to a network and keyed by (container ID, ifname);
// their records, ADD and DEL (CHECK, GC and STATUS: sandbox_check.c).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/attach.h"
#include "core/drivers/drivers.h"
#include "core/core.h"
#include "core/records.h"
#include "core/sandbox.h"
#include "core/services.h"
#include "firewall/fw.h"
#include "ipam/ipam.h"
#include "kernel/addr.h"
#include "kernel/link.h"
#include "kernel/netns.h"
#include "util/spawn.h"

/*
 * Theory of operation. A sandbox is an ordinary namespace record, not managed (nsnet never
 * removes the namespace), with one attachment and a "cni" part: the container ID, the namespace's
 * path and that namespace's identity (device and inode of the nsfs file). The record's name is
 * derived from (container ID, ifname), so DEL, CHECK and GC find it from the CNI key alone, and
 * every other part of nsnet (leases, published ports, anti-spoofing, ls, check, gc) treats it as
 * the namespace it is. The path is opened once per operation (op_netns_path()): the runtime's
 * namespace needs no name in /run/netns.
 */

void sandbox_name(const char *cid, const char *ifname, char *out)
{
	unsigned int a = names_hash(NAMES_FNV_INIT, cid, strlen(cid));
	unsigned int b;

	a = names_hash(a, "/", 1);
	a = names_hash(a, ifname, strlen(ifname));
	/* A second, differently seeded hash: 64 bits keep collisions out of reach at any scale. */
	b = names_hash(0x9e3779b9u, ifname, strlen(ifname));
	b = names_hash(b, "/", 1);
	b = names_hash(b, cid, strlen(cid));
	snprintf(out, NSNET_NAME_MAX + 1, "cni-%08x%08x", a, b);
}

int sandbox_key_check(const char *cid, const char *ifname, struct nsnet_err *err)
{
	int r = cid_check(cid, err);

	if (r == 0)
		r = names_check_ifname(ifname, err);
	return r;
}

/* Load the sandbox record of (@cid, @ifname): 0, -ENOENT, or -errno (a name clash is -EEXIST). */
int sandbox_load(struct op *op, const char *cid, const char *ifname, char *name, struct nsnet_namespace *ns,
		 struct nsnet_err *err)
{
	int r;

	sandbox_name(cid, ifname, name);
	r = rec_namespace_load(op, name, ns, err);
	if (r < 0)
		return r;
	if (strcmp(ns->cid, cid) || ns->n_att != 1 || strcmp(ns->att[0].ifname, ifname))
		return nsnet_err_set(err, EEXIST, "record %s belongs to another container than %s/%s", name, cid, ifname);
	return 0;
}

/* Does network @net satisfy what @req asks for (subnets always; other fields when given)? */
static int sandbox_net_compare(const struct nsnet_network *net, const struct sandbox_req *req, struct nsnet_err *err)
{
	const struct network_req *w = &req->net;
	char a[NSNET_PREFIX_STRLEN], b[NSNET_PREFIX_STRLEN];
	bool same = net->n_subnets == w->n_subnets || w->n_subnets == 0;	/* none given: any */

	for (size_t i = 0; same && i < w->n_subnets; i++) {
		const struct nsnet_prefix *p = network_subnet(net, w->subnet[i].addr.family, NULL);

		same = p && p->len == w->subnet[i].len && nsnet_addr_equal(&p->addr, &w->subnet[i].addr);
	}
	if (!same)
		return nsnet_err_set(err, EEXIST, "network %s exists with subnet %s%s, the config asks for %s%s",
				     net->name, nsnet_prefix_str(&net->subnet[0], a), net->n_subnets > 1 ? " (and one more)" : "",
				     nsnet_prefix_str(&w->subnet[0], b), w->n_subnets > 1 ? " (and one more)" : "");
	for (size_t i = 0; (req->given & SANDBOX_GIVEN_GATEWAY) && i < w->n_gateways; i++) {
		size_t k;

		if (!network_subnet(net, w->gateway[i].family, &k) || !nsnet_addr_equal(&net->gateway[k], &w->gateway[i]))
			return nsnet_err_set(err, EEXIST, "network %s exists with another gateway than %s", net->name,
					     nsnet_addr_str(&w->gateway[i], a));
	}
	if ((req->given & SANDBOX_GIVEN_BRIDGE) && w->bridge && strcmp(w->bridge, net->bridge))
		return nsnet_err_set(err, EEXIST, "network %s exists with bridge %s, the config asks for %s", net->name,
				     net->bridge, w->bridge);
	if (w->driver && strcmp(w->driver, net->driver))
		return nsnet_err_set(err, EEXIST, "network %s exists with driver %s, the config asks for %s", net->name,
				     net->driver, w->driver);
	if ((req->given & SANDBOX_GIVEN_INTERNAL) && w->internal != net->internal)
		return nsnet_err_set(err, EEXIST, "network %s exists with internal %s, the config asks for %s", net->name,
				     net->internal ? "true" : "false", w->internal ? "true" : "false");
	if ((req->given & SANDBOX_GIVEN_NAT) && !w->internal && w->no_nat == net->nat)
		return nsnet_err_set(err, EEXIST, "network %s exists with ipMasq %s, the config asks for %s", net->name,
				     net->nat ? "true" : "false", w->no_nat ? "false" : "true");
	if ((req->given & SANDBOX_GIVEN_MTU) && w->mtu && w->mtu != net->mtu)
		return nsnet_err_set(err, EEXIST, "network %s exists with mtu %u, the config asks for %u", net->name,
				     net->mtu, w->mtu);
	return 0;
}

/* The network of @req: loaded and compared, or created in @op. */
static int sandbox_network(struct op *op, const struct sandbox_req *req, struct nsnet_network *net,
			   struct nsnet_err *err)
{
	int r = rec_network_load(op, req->net.name, net, NULL);

	if (r == -ENOENT && req->net.n_subnets == 0)
		return nsnet_err_set(err, EINVAL, "network %s does not exist and the configuration gives no subnet",
				     req->net.name);
	if (r == -ENOENT) {
		struct network_req nr = req->net;

		nr.cni = true;	/* ours to remove with its last container */
		return network_create_apply(op, &nr, net, err);
	}
	if (r < 0)
		return rec_network_load(op, req->net.name, net, err);
	r = sandbox_net_compare(net, req, err);
	if (r < 0)
		nsnet_err_prefix(err, "conflicting configuration");
	return r;
}

static void sandbox_default_cb(const struct route_info *ri, void *data)
{
	if (ri->dst.len == 0)
		*(bool *)data = true;
}

/*
 * Does the namespace behind @nl have a default route of @family already? A runtime may attach one
 * namespace to several networks (other ifnames, other plugins): only the first gives the route.
 */
static bool sandbox_has_default(struct nl *nl, int family)
{
	bool found = false;

	return route_dump(nl, family, sandbox_default_cb, &found, NULL) == 0 && found;
}

int core_link_del_going(const char *name, const char *ifindex, const char *alias)
{
	struct link_info li;
	struct nl nl;
	bool going;
	int r;

	if (!name || !ifindex || !alias || names_check_ifname(name, NULL) < 0)
		return -EINVAL;
	if ((r = nl_open(&nl, -1, NULL)) < 0)
		return r;
	/*
	 * Only the link the DEL left: same name, index and alias (an index may be reused, a name too),
	 * and either the going mark (only the DEL sets it; it disables a bridge port rather than
	 * setting it down, and the port may have lost its bridge since: a network's last DEL removes
	 * it) or, for a link without nsnet's mark, down as the DEL left it.
	 */
	going = strlen(alias) > strlen(OP_MARK_GOING) &&
		!strcmp(alias + strlen(alias) - strlen(OP_MARK_GOING), OP_MARK_GOING);
	if ((r = link_get(&nl, name, &li, NULL)) == 0)
		r = li.ifindex == atoi(ifindex) && !strcmp(li.alias, alias) && (going || !li.up)
		    ? link_del_index(&nl, li.ifindex, NULL) : -ESTALE;
	nl_close(&nl);
	return r;
}

/*
 * A network that a CNI ADD made goes with its last container: engines never say when a network
 * is no longer wanted (`podman network rm` only deletes its conflist), and a bridge left behind
 * would be the one thing a DEL leaves. Networks made with `nsnet network create` stay.
 */
static int sandbox_net_gone_if_empty(struct op *op, const char *name, struct nsnet_err *err)
{
	struct nsnet_namespace *nss = NULL;
	struct nsnet_port *ports = NULL;
	struct nsnet_network net;
	int n, np, r = 0;
	bool used = false;

	if (rec_network_load(op, name, &net, NULL) < 0 || !net.cni)
		return 0;
	/* Any lease left means a container still there (its record goes when the last lease does). */
	if (rec_leases_any(op, name))
		return 0;
	/* Then the slow, sure way, once, at the last container: no namespace or port names the network. */
	if ((n = rec_namespaces_load(op, &nss, err)) < 0)
		return n;
	for (int i = 0; i < n && !used; i++)
		used = namespace_attachment(&nss[i], name) != NULL;
	free(nss);
	if ((np = svc_ports_load(op, &ports, err)) < 0)
		return np;
	for (int i = 0; i < np && !used; i++)
		used = !strcmp(ports[i].net, name);
	free(ports);
	if (!used)
		r = network_rm_apply(op, name, false, err);
	return r;
}

/*
 * After a DEL or GC: network @name goes if a CNI ADD made it and nothing uses it any more. An
 * operation of its own, after the release is complete: killed half-way, the next DEL (which
 * finds no container, but names the network) or gc finishes it.
 */
int sandbox_net_gone(const struct nsnet_opts *o, const char *name, struct nsnet_err *err)
{
	struct op op;
	int r;

	if (!name || !*name || o->dry_run)
		return 0;
	if ((r = op_begin(&op, o, true, err)) == 0)
		r = sandbox_net_gone_if_empty(&op, name, err);
	op_end(&op);	/* removal is best effort: nothing restored */
	return r;
}

/*
 * Detach sandbox @ns and remove its record; what is gone already is fine. @later: set the host
 * end down now and leave its deletion to op_links_del_later() (*@ifindex, 0 when nothing is
 * left to delete), else delete it in the operation.
 */
int sandbox_release(struct op *op, struct nsnet_namespace *ns, bool later, struct link_info *gone,
		    struct nsnet_err *err)
{
	char mark[OP_MARK_MAX] = "", going[OP_MARK_MAX + sizeof(OP_MARK_GOING)];
	struct nsnet_network net;
	struct link_info li;
	struct nl *nl;
	int r;

	if (gone)
		gone->ifindex = 0;
	if (later && ns->n_att && op_nl(op, NULL, &nl, NULL) == 0 && link_get(nl, ns->att[0].host_ifname, &li, NULL) == 0) {
		/*
		 * Cut off at once: the container is off the network when DEL answers. Marked as going
		 * (with the down, or just before the disable), so check and gc know the link no record
		 * owns from here on is on its way out. A bridge port is disabled (no frame passes it either way) rather than set
		 * down: a down waits for an RCU grace period (dev_deactivate), the largest part of a
		 * DEL's own time when DELs follow each other (p10 2.5-2.6 -> 2.1 ms, 300 alternating),
		 * and the deleter follows at once (a port stays disabled until its carrier changes).
		 * Anything else (a routed host end, whose routes must go with it; a link without this
		 * state dir's mark, which gets no going mark) is set down.
		 */
		bool ours = op_owner_mark(op, false, mark, NULL) == 0 && op_link_owner(&li, mark) == LINK_OURS;
		int r2;

		snprintf(going, sizeof(going), "%s%s", mark, OP_MARK_GOING);
		if (li.master && ours) {
			op_echo(op, ours ? "ip link set %s alias '%s'" : "ip link set %s", li.name, going);
			op_echo(op, "bridge link set dev %s state 0", li.name);
			r2 = link_port_disable(nl, li.ifindex, ours ? going : NULL, NULL);
		} else {
			op_echo(op, ours ? "ip link set %s down alias '%s'" : "ip link set %s down", li.name, going);
			r2 = link_set_down(nl, li.ifindex, ours ? going : NULL, NULL);
		}
		if (gone && r2 == 0) {
			*gone = li;
			if (ours)
				snprintf(gone->alias, sizeof(gone->alias), "%s", going);
			gone->up = li.master && ours;
		}
	}
	later = later && gone && gone->ifindex;
	if (ns->n_att && rec_network_load(op, ns->att[0].net, &net, NULL) == 0) {
		if ((r = detach_apply(op, ns, ns->att[0].net, later, err)) < 0)
			return r;
	} else if (ns->n_att && !later) {
		/* The network went (network rm --force does not leave sandboxes behind, a damaged state might). */
		if ((r = op_link_del(op, NULL, ns->att[0].host_ifname, err)) < 0)
			return r;
	}
	return op_state_del(op, STATE_NAMESPACES, ns->name, err);
}

/*
 * An ADD of (container, ifname) finds the host end of its veth, which nothing owns: a DEL whose
 * deletion is still under way, or was cut short. Delete it (with its container end) first.
 */
static int sandbox_leftover(struct op *op, const char *name, const char *net, struct nsnet_err *err)
{
	struct nsnet_namespace *nss = NULL;
	char host[IFNAMSIZ], mark[OP_MARK_MAX] = "";
	struct link_info li;
	bool held = false;
	struct nl *nl;
	int r, n;

	names_host_veth(name, net, host);
	if ((r = op_nl(op, NULL, &nl, err)) < 0)
		return r;
	if (link_get(nl, host, &li, NULL) < 0)
		return 0;
	/* Only a link of this state dir that no record holds (another container's name may hash alike). */
	if ((r = op_owner_mark(op, false, mark, err)) < 0 && r != -ENOENT)
		return r;
	if (op_link_owner(&li, mark) != LINK_OURS && op_link_owner(&li, mark) != LINK_GOING)
		return 0;
	if ((n = rec_namespaces_load(op, &nss, err)) < 0)
		return n;
	for (int i = 0; i < n; i++)
		for (size_t a = 0; a < nss[i].n_att; a++)
			held |= !strcmp(nss[i].att[a].host_ifname, host);
	free(nss);
	return held ? 0 : op_link_del(op, NULL, host, err);
}

int core_sandbox_add(const struct nsnet_opts *o, const struct sandbox_req *req, struct sandbox_result *res,
		     struct nsnet_err *err)
{
	struct nsnet_namespace ns;
	struct nsnet_network net;
	struct attach_req areq = { 0 };
	struct attach_plan p;
	bool planned = false;
	unsigned int plen;
	char name[NSNET_NAME_MAX + 1];
	struct link_info li;
	struct nl *nl;
	struct op op;
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = sandbox_key_check(req->cid, req->ifname, err)) < 0)
		return r;
	if (strnlen(req->netns, NSNET_NETNS_PATH_MAX + 1) > NSNET_NETNS_PATH_MAX || req->netns[0] != '/')
		return nsnet_err_set(err, EINVAL, "namespace path '%.64s': expected an absolute path of at most %d bytes",
				     req->netns, NSNET_NETNS_PATH_MAX);
	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	r = sandbox_load(&op, req->cid, req->ifname, name, &ns, err);
	if (r == 0) {
		/* Alive as gc sees it: its path leads to its namespace, or its veth (which dies with it) exists. */
		if (rec_namespace_alive(&ns) ||
		    (op_nl(&op, NULL, &nl, NULL) == 0 && link_get(nl, ns.att[0].host_ifname, &li, NULL) == 0)) {
			r = nsnet_err_set(err, EALREADY, "container %s already has interface %s (on network %s)", req->cid,
					  req->ifname, ns.att[0].net);
			goto out;
		}
		/* Its namespace is gone and no DEL came: what is left of it makes room for the new one. */
		if ((r = sandbox_release(&op, &ns, false, NULL, err)) < 0)
			goto out;
	} else if (r != -ENOENT) {
		goto out;
	}
	memset(&ns, 0, sizeof(ns));
	snprintf(ns.name, sizeof(ns.name), "%s", name);
	snprintf(ns.cid, sizeof(ns.cid), "%s", req->cid);
	snprintf(ns.netns_path, sizeof(ns.netns_path), "%s", req->netns);
	r = op_netns_path(&op, name, req->netns, &ns.netns_dev, &ns.netns_ino, err);
	if (r == -ENOENT || r == -ENOTNAM)
		r = -ENOTNAM;	/* one answer for "the runtime's path is no namespace" */
	if (r < 0)
		goto out;
	if ((r = sandbox_leftover(&op, name, req->net.name, err)) < 0)
		goto out;
	/* The runtime names the interface: if the namespace has one of that name, it is not ours. */
	if ((r = op_nl(&op, name, &nl, err)) < 0)
		goto out;
	if (link_get(nl, req->ifname, &li, NULL) == 0) {
		r = nsnet_err_set(err, EALREADY, "namespace %s already has an interface %s", req->netns, req->ifname);
		goto out;
	}
	if ((r = sandbox_network(&op, req, &net, err)) < 0)
		goto out;

	areq.net = net.name;
	areq.ifname = req->ifname;
	areq.n_ips = req->n_ips;
	memcpy(areq.ip, req->ip, sizeof(areq.ip));
	areq.limit = req->limit;
	areq.n_aliases = req->n_aliases;
	memcpy(areq.aliases, req->aliases, sizeof(areq.aliases));
	if ((r = attach_plan(&op, &ns, &areq, &p, err)) < 0)
		goto out;
	planned = true;
	if (req->no_default_route)
		p.att.default_route = false;
	for (size_t i = 0; i < net.n_subnets && p.att.default_route && !o->dry_run; i++)
		if (sandbox_has_default(nl, net.subnet[i].addr.family))
			p.att.default_route = false;
	p.no_hairpin = p.att.no_hairpin = req->no_hairpin;
	p.cni = true;
	if (req->mac_set) {
		p.att.mac_set = true;
		memcpy(p.att.mac, req->mac, 6);
	}
	if ((r = attach_apply(&op, name, &p, err)) < 0)
		goto out;
	/* The IPAM plugin's routes; one without a gateway goes through the subnet's (as the reference bridge does). */
	res->n_routes = 0;
	for (size_t i = 0; i < req->n_routes; i++) {
		struct sandbox_route rt = req->route[i];
		size_t k = 0;

		if (rt.dst.len == 0 && p.att.default_route)
			continue;	/* the attachment gave it already */
		if (!rt.gw.family && network_subnet(&net, rt.dst.addr.family, &k))
			net_driver_ns_view(p.drv, &net, k, &rt.gw, &plen);
		if ((r = op_route_add(&op, name, p.att.ifname, &rt.dst, &rt.gw, err)) < 0)
			goto out;
		res->route[res->n_routes++] = rt;
	}
	ns.att[ns.n_att++] = p.att;
	/* Recorded before publishing: a port finds its target address through the record. */
	if ((r = rec_namespace_put(&op, &ns, err)) < 0)
		goto out;
	for (size_t i = 0; i < req->n_ports; i++) {
		if ((r = publish_apply(&op, name, net.name, &req->ports[i], err)) < 0) {
			nsnet_err_prefix(err, "portMappings: host port %u", req->ports[i].host_port);
			goto out;
		}
	}

	snprintf(res->host_ifname, sizeof(res->host_ifname), "%s", p.att.host_ifname);
	snprintf(res->ifname, sizeof(res->ifname), "%s", p.att.ifname);
	attach_mac(name, &p.att, res->mac);
	/* The host end's MAC: from the kernel's echo when the veth was made, else asked. */
	if (!o->dry_run && op_link_known_mac(&op, NULL, p.att.host_ifname, res->host_mac) < 0) {
		if ((r = op_nl(&op, NULL, &nl, err)) < 0 || (r = link_get(nl, p.att.host_ifname, &li, err)) < 0)
			goto out;
		memcpy(res->host_mac, li.mac, 6);
	}
	res->n_addrs = p.n_addrs;
	for (size_t i = 0; i < p.n_addrs; i++) {
		size_t k = 0;

		res->addr[i] = p.addr[i];
		res->plen[i] = p.plen[i];
		if (network_subnet(&net, p.addr[i].family, &k))
			net_driver_ns_view(p.drv, &net, k, &res->gateway[i], &plen);
	}
	res->default_route = p.att.default_route;
	res->mtu = net.mtu;
	if (net.dns) {
		res->dns = true;
		snprintf(res->domain, sizeof(res->domain), "%s", net.domain);
		for (size_t i = 0; i < net.n_subnets; i++)
			res->dns_servers[res->n_dns++] = net.gateway[i];
	}
out:
	if (planned)
		attach_plan_free(&p);
	if (r < 0)
		op_rollback(&op);
	op_end(&op);
	return r;
}

int core_sandbox_del(const struct nsnet_opts *o, const char *cid, const char *ifname, const char *net,
		     struct nsnet_err *err)
{
	char name[NSNET_NAME_MAX + 1], recorded[NSNET_NAME_MAX + 1] = "";
	struct link_info gone = { .ifindex = 0 };
	struct nsnet_namespace ns;
	bool busy = false;
	struct op op;
	int r;

	if ((r = sandbox_key_check(cid, ifname, err)) < 0)
		return r;
	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	r = sandbox_load(&op, cid, ifname, name, &ns, err);
	if (r == -ENOENT) {
		r = 0;	/* never added, or deleted already */
		goto out;
	}
	/* The network the container is on is the recorded one, whatever this DEL's config names. */
	if (r == 0 && ns.n_att)
		snprintf(recorded, sizeof(recorded), "%s", ns.att[0].net);
	if (r == 0)
		r = sandbox_release(&op, &ns, !o->dry_run, &gone, err);
	/*
	 * Another container's lease on the recorded network: it stays, and the operation that
	 * sandbox_net_gone() would start (state dir, lock, records: a third of the DEL's syscalls) is
	 * not needed. Known under this lock: whoever releases that lease looks again.
	 */
	if (r == 0 && recorded[0])
		busy = rec_leases_any(&op, recorded);
out:
	/* Removal is best effort, as ns rm: report the first error, restore nothing. */
	op_end(&op);
	if (r == 0 && recorded[0] && !busy && (!net || strcmp(recorded, net)))
		r = sandbox_net_gone(o, recorded, err);
	if (r == 0 && !(busy && net && !strcmp(recorded, net)))
		r = sandbox_net_gone(o, net, err);
	/* Last: the parent has nothing left to do after the fork but exit (no copy-on-write faults). */
	if (gone.ifindex)
		op_links_del_later(&gone, 1);
	return r;
}
