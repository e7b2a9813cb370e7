// SPDX-License-Identifier: MIT
// `nsnet apply`, `down` and `export`: a whole topology converged in ONE operation of in-operation forms.
/*
 * Theory of operation: apply_diff_build (apply_plan.c) decides what each object needs; this file
 * carries it out inside one operation, so one undo journal holds every step and a failure or a
 * kill rolls all of it back. The order puts what can be undone completely first and the removals
 * (which cannot bring back a deleted namespace, veth or bridge) after every step that may fail:
 *   1. unpublish and vip rm (replaced or removed ones: rules and records come back on undo)
 *   2. network create, ns add, attach without detach, vip add/set, publish (not late)
 *   3. detach, ns rm, network rm (removed and replaced), network create (replaced)
 *   4. ns add, attach, vip add/set, publish that follow a namespace that moved (late)
 * An apply that replaces or removes nothing never reaches 3, so any failure leaves the system as
 * it was. One that does is still one operation: a failure in 3 or 4 rolls back every record and
 * rule, but not the kernel objects step 3 deleted (docs/topology.md).
 * The operation runs in batch mode (core/op.h): the anti-spoofing elements of every new port go
 * in one commit, and the resolvers started and the names written are waited for once, at the end
 * (op_flush), as steps of the same operation: a failure there rolls everything back too. The
 * namespaces it makes are made ahead by a thread of their own and only named by the steps
 * (core/netns_pool.c): nothing of them persists before their step is journaled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apply.h"
#include "core/dns.h"
#include "core/limit.h"
#include "core/records.h"
#include "core/services.h"

static void net_req_of(const struct topo_net *n, const char *project, struct network_req *req)
{
	memset(req, 0, sizeof(*req));
	req->name = n->name;
	req->driver = n->driver[0] ? n->driver : NULL;
	req->n_subnets = n->n_subnets;
	memcpy(req->subnet, n->subnet, sizeof(req->subnet));
	req->n_gateways = n->n_gateways;
	memcpy(req->gateway, n->gateway, sizeof(req->gateway));
	req->bridge = n->bridge[0] ? n->bridge : NULL;
	req->no_nat = n->no_nat;
	req->internal = n->internal;
	req->mtu = n->mtu;
	req->project = project;
	req->no_dns = n->no_dns;
	req->domain = n->domain[0] ? n->domain : NULL;
	req->n_upstream = n->n_upstream;
	memcpy(req->upstream, n->upstream, sizeof(req->upstream));
}

static void att_req_of(const struct topo_att *a, struct attach_req *req)
{
	memset(req, 0, sizeof(*req));
	req->net = a->net;
	req->n_ips = a->n_ips;
	memcpy(req->ip, a->ip, sizeof(req->ip));
	req->ifname = a->ifname[0] ? a->ifname : NULL;
	req->limit = a->limit;
	req->n_aliases = a->n_aliases;
	for (size_t i = 0; i < a->n_aliases; i++)
		req->aliases[i] = a->aliases[i];
}

static int ns_create(struct op *op, const struct topo_ns *f, const char *project, struct nsnet_err *err)
{
	struct ns_req req = { .name = f->name, .n_att = f->n_att, .n_dns = f->n_dns, .project = project };

	for (size_t i = 0; i < f->n_att; i++)
		att_req_of(&f->att[i], &req.att[i]);
	memcpy(req.dns, f->dns, sizeof(req.dns));
	return ns_add_apply(op, &req, err);
}

static int ns_attach_all(struct op *op, const struct topo_ns *f, uint32_t mask, struct nsnet_err *err)
{
	for (size_t i = 0; i < f->n_att; i++) {
		struct attach_req req;
		int r;

		if (!(mask & (1u << i)))
			continue;
		att_req_of(&f->att[i], &req);
		if ((r = ns_attach_apply(op, f->name, &req, err)) < 0)
			return r;
	}
	return 0;
}

/*
 * The attachments kept whose bandwidth limits (@limits) or aliases (@aliases) change: in place
 * (`nsnet limit`; the names on the resolver written again).
 */
static int ns_in_place(struct op *op, const struct topo_ns *f, uint32_t limits, uint32_t aliases, struct nsnet_err *err)
{
	for (size_t i = 0; i < f->n_att; i++) {
		const struct topo_att *a = &f->att[i];
		int r;

		if ((limits & (1u << i)) && (r = limit_put_apply(op, f->name, a->net, &a->limit, err)) < 0)
			return r;
		if ((aliases & (1u << i)) && (r = ns_aliases_apply(op, f->name, a->net, a->n_aliases, a->aliases, err)) < 0)
			return r;
	}
	return 0;
}

static int vip_do(struct op *op, const struct topo *t, const struct apply_diff *d, size_t i, struct nsnet_err *err)
{
	static struct nsnet_vip v;	/* large: 64 backends */

	v = t->vips[i].v;
	snprintf(v.project, sizeof(v.project), "%s", t->project);
	if (d->vip_act[i] == APPLY_CREATE || d->vip_act[i] == APPLY_REPLACE)
		return vip_add_apply(op, &v, err);
	if (d->vip_act[i] == APPLY_CHANGE)
		return vip_set_apply(op, &v, err);
	return 0;
}

static int port_do(struct op *op, const struct topo *t, const struct apply_diff *d, size_t i, struct nsnet_err *err)
{
	struct nsnet_port p = t->ports[i].p;

	if (d->port_act[i] != APPLY_CREATE && d->port_act[i] != APPLY_REPLACE)
		return 0;
	snprintf(p.project, sizeof(p.project), "%s", t->project);
	return publish_apply(op, p.ns, p.net[0] ? p.net : NULL, &p, err);
}

/* Steps 1 and 2: everything a rollback undoes completely. */
static int apply_early(struct op *op, const struct topo *t, struct apply_diff *d, struct nsnet_err *err)
{
	int r;

	for (int k = 0; k < d->n_ports; k++) {
		bool redo = d->rport_rm[k];

		for (size_t i = 0; i < t->n_ports; i++)
			redo |= d->port_rec[i] == k && d->port_act[i] == APPLY_REPLACE;
		if (redo && (r = unpublish_apply(op, d->ports[k].ns, &d->ports[k], err)) < 0)
			return r;
	}
	for (int k = 0; k < d->n_vips; k++) {
		bool redo = d->rvip_rm[k];

		for (size_t i = 0; i < t->n_vips; i++)
			redo |= d->vip_rec[i] == k && d->vip_act[i] == APPLY_REPLACE;
		if (redo && (r = vip_rm_apply(op, d->vips[k]->proto, &d->vips[k]->vip, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < t->n_nets; i++) {
		struct network_req req;

		if (d->net_act[i] != APPLY_CREATE)
			continue;
		net_req_of(&t->nets[i], t->project, &req);
		if ((r = network_create_apply(op, &req, NULL, err)) < 0)
			return r;
	}
	/* Their rules go in on a thread while the namespaces are made (batch mode, core/op.h). */
	if ((r = op_net_fw_begin(op, err)) < 0)
		return r;
	for (size_t i = 0; i < t->n_ns; i++) {
		if (d->ns_late[i])
			continue;
		if (d->ns_act[i] == APPLY_CREATE && (r = ns_create(op, &t->ns[i], t->project, err)) < 0)
			return r;
		if (d->ns_act[i] == APPLY_CHANGE && ((r = ns_attach_all(op, &t->ns[i], d->ns_attach[i], err)) < 0 ||
						     (r = ns_in_place(op, &t->ns[i], d->ns_limit[i], d->ns_alias[i], err)) < 0))
			return r;
	}
	/* The rules are in by now; nothing after this runs beside their commit. */
	if ((r = op_net_fw_join(op, err)) < 0)
		return r;
	/* The namespaces' links are made: the resolvers start now (batch mode), ready by the end. */
	if (op->batch && (r = dns_start_pending(op, err)) < 0)
		return r;
	for (size_t i = 0; i < t->n_vips; i++)
		if (!d->vip_late[i] && (r = vip_do(op, t, d, i, err)) < 0)
			return r;
	for (size_t i = 0; i < t->n_ports; i++)
		if (!d->port_late[i] && (r = port_do(op, t, d, i, err)) < 0)
			return r;
	return 0;
}

/* Steps 3 and 4: removals and replacements, then what follows the namespaces that moved. */
static int apply_late(struct op *op, const struct topo *t, struct apply_diff *d, bool force, struct nsnet_err *err)
{
	int r;

	for (size_t i = 0; i < t->n_ns; i++) {
		const struct nsnet_namespace *rec = d->ns_rec[i] >= 0 ? &d->nss[d->ns_rec[i]] : NULL;

		for (size_t a = rec && d->ns_act[i] == APPLY_CHANGE ? rec->n_att : 0; a-- > 0;)
			if ((d->ns_detach[i] & (1u << a)) && ((r = op_link_park(op, rec->name, rec->att[a].ifname, err)) < 0 ||
							     (r = ns_detach_apply(op, rec->name, rec->att[a].net, err)) < 0))
				return r;
		if (rec && d->ns_act[i] == APPLY_REPLACE) {
			/* Made again under the same name: removed now (not undone: docs/topology.md). */
			op->park = false;
			r = ns_rm_apply(op, rec->name, force, err);
			op->park = !op->opts->dry_run;
			if (r < 0)
				return r;
		}
	}
	for (int k = 0; k < d->n_nss; k++)
		if (d->rns_rm[k] && (r = ns_rm_apply(op, d->nss[k].name, force, err)) < 0)
			return r;
	for (int k = 0; k < d->n_nets; k++)
		if (d->rnet_rm[k] && (r = network_rm_apply(op, d->nets[k].name, false, err)) < 0)
			return r;
	for (size_t i = 0; i < t->n_nets; i++) {
		struct network_req req;

		if (d->net_act[i] != APPLY_REPLACE)
			continue;
		net_req_of(&t->nets[i], t->project, &req);
		if ((r = network_rm_apply(op, t->nets[i].name, false, err)) < 0 ||
		    (r = network_create_apply(op, &req, NULL, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < t->n_ns; i++) {
		if ((d->ns_act[i] == APPLY_CREATE && d->ns_late[i]) || d->ns_act[i] == APPLY_REPLACE)
			r = ns_create(op, &t->ns[i], t->project, err);
		else if (d->ns_act[i] == APPLY_CHANGE && d->ns_late[i]) {
			r = ns_attach_all(op, &t->ns[i], d->ns_attach[i], err);
			if (r == 0)
				r = ns_in_place(op, &t->ns[i], d->ns_limit[i], d->ns_alias[i], err);
		} else {
			r = 0;
		}
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < t->n_vips; i++)
		if (d->vip_late[i] && (r = vip_do(op, t, d, i, err)) < 0)
			return r;
	for (size_t i = 0; i < t->n_ports; i++)
		if (d->port_late[i] && (r = port_do(op, t, d, i, err)) < 0)
			return r;
	return 0;
}

/* Rules of the project are missing (drift): rebuilt from the records as gc does, before the apply. */
static int apply_fw_repair(const struct nsnet_opts *o, struct apply_result *res, struct nsnet_err *err)
{
	struct nsnet_findings fs = { 0 };
	int r = core_gc(o, &fs, err);

	findings_free(&fs);
	apply_result_free(res);
	if (r < 0)
		return r;
	return apply_line_add(res, APPLY_CHANGE, "rules", "", "rebuilt from the records (drift)") < 0
	       ? nsnet_err_set(err, ENOMEM, "out of memory") : 0;
}

/*
 * End an apply or down. A failure rolls everything back; a resolver its removals stopped (a
 * network parked, core/dns.c) is started again from the records, as gc would.
 */
static int apply_end(struct op *op, int r)
{
	const struct nsnet_opts *o = op->opts;
	struct nsnet_err ignored;

	r = core_op_end(op, r, true);
	if (r < 0)
		dns_repair_all(o, &ignored);
	return r;
}

int core_apply(const struct nsnet_opts *o, const struct topo *t, bool force, struct apply_result *res,
	       struct nsnet_err *err)
{
	bool repaired = false;
	struct apply_diff d;
	struct op op;
	int r;

again:
	if ((r = op_begin(&op, o, true, err)) < 0) {
		op_end(&op);
		return r;
	}
	r = apply_diff_build(&op, t, &d, res, err);
	if (r == 0 && res->fw_repair && !repaired && !o->dry_run) {
		apply_diff_free(&d);
		op_end(&op);
		if ((r = apply_fw_repair(o, res, err)) < 0)
			return r;
		repaired = true;
		goto again;
	}
	/* Removals wait for the end: every step, removals too, is undone on failure (core/op.c, park mode). */
	op.park = !o->dry_run;
	/* So do the anti-spoofing elements (one commit) and the resolvers' waits (core/op.h, batch mode). */
	op.batch = !o->dry_run;
	/* The namespaces to make come from a thread that makes them ahead (core/netns_pool.c). */
	if (r == 0 && res->changes) {
		size_t n = 0;

		for (size_t i = 0; i < t->n_ns; i++)
			n += d.ns_act[i] == APPLY_CREATE || d.ns_act[i] == APPLY_REPLACE;
		op_netns_pool_start(&op, n);
	}
	if (r == 0 && res->changes)
		r = apply_early(&op, t, &d, err);
	if (r == 0 && res->changes)
		r = apply_late(&op, t, &d, force, err);
	if (r == 0)
		r = op_flush(&op, err);
	if (r == 0)
		r = op_guard_drop_end(&op, err);
	apply_diff_free(&d);
	return apply_end(&op, r < 0 ? r : (int)res->changes);
}

int core_down(const struct nsnet_opts *o, const char *project, bool force, struct apply_result *res,
	      struct nsnet_err *err)
{
	struct topo empty = { 0 };
	struct apply_diff d;
	struct op op;
	int r;

	if ((r = names_check("project", project, err)) < 0)
		return r;
	snprintf(empty.project, sizeof(empty.project), "%s", project);
	if ((r = op_begin(&op, o, true, err)) < 0) {
		op_end(&op);
		return r;
	}
	/* Down is an apply of a file with nothing in it: every object of the project goes. */
	r = apply_diff_build(&op, &empty, &d, res, err);
	op.park = !o->dry_run;
	if (r == 0 && res->changes)
		r = apply_early(&op, &empty, &d, err);
	if (r == 0 && res->changes)
		r = apply_late(&op, &empty, &d, force, err);
	if (r == 0)
		r = op_guard_drop_end(&op, err);
	apply_diff_free(&d);
	return apply_end(&op, r < 0 ? r : (int)res->changes);
}

static bool mine(const char *rec_project, const char *project)
{
	return !project || !strcmp(rec_project, project);
}

static int by_name_net(const void *a, const void *b)
{
	return strcmp(((const struct nsnet_network *)a)->name, ((const struct nsnet_network *)b)->name);
}

static int by_name_ns(const void *a, const void *b)
{
	return strcmp(((const struct nsnet_namespace *)a)->name, ((const struct nsnet_namespace *)b)->name);
}

static int by_id_vip(const void *a, const void *b)
{
	const struct nsnet_vip *x = *(struct nsnet_vip *const *)a, *y = *(struct nsnet_vip *const *)b;

	return (int)x->id - (int)y->id;
}

static int by_id_port(const void *a, const void *b)
{
	return (int)((const struct nsnet_port *)a)->id - (int)((const struct nsnet_port *)b)->id;
}

static int export_net(const struct nsnet_network *rec, struct topo *t)
{
	struct topo_net *n = topo_net_new(t);
	bool default_gw = true;
	char bridge[IFNAMSIZ];

	if (!n)
		return -ENOMEM;
	snprintf(n->name, sizeof(n->name), "%s", rec->name);
	n->n_subnets = rec->n_subnets;
	memcpy(n->subnet, rec->subnet, sizeof(n->subnet));
	for (size_t i = 0; i < rec->n_subnets; i++) {
		struct nsnet_addr gw;

		nsnet_prefix_nth(&rec->subnet[i], 1, &gw);
		default_gw &= nsnet_addr_equal(&gw, &rec->gateway[i]);
	}
	if (!default_gw) {
		n->n_gateways = rec->n_subnets;
		memcpy(n->gateway, rec->gateway, sizeof(n->gateway));
	}
	n->internal = rec->internal;
	n->no_nat = !rec->nat && !rec->internal;
	n->mtu = rec->mtu == NSNET_MTU_DEFAULT ? 0 : rec->mtu;
	if (strcmp(rec->driver, NSNET_DRIVER_DEFAULT))
		snprintf(n->driver, sizeof(n->driver), "%s", rec->driver);
	names_bridge(rec->name, bridge);
	if (strcmp(bridge, rec->bridge))
		snprintf(n->bridge, sizeof(n->bridge), "%s", rec->bridge);
	/* The resolver: "dns: false" only where the defaults would have given one. */
	n->no_dns = !rec->dns && network_dns_default(rec->driver, rec->name);
	if (rec->dns && strcmp(rec->domain, rec->name))
		snprintf(n->domain, sizeof(n->domain), "%s", rec->domain);
	n->n_upstream = rec->dns ? rec->n_upstream : 0;
	memcpy(n->upstream, rec->upstream, sizeof(n->upstream));
	return 0;
}

static int export_ns(struct op *op, const struct nsnet_namespace *rec, struct topo *t, struct nsnet_err *err)
{
	struct topo_ns *ns = topo_ns_new(t);
	int r;

	if (!ns)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	snprintf(ns->name, sizeof(ns->name), "%s", rec->name);
	ns->n_dns = rec->n_dns;
	memcpy(ns->dns, rec->dns, sizeof(ns->dns));
	for (size_t a = 0; a < rec->n_att; a++) {
		struct topo_att *f = &ns->att[ns->n_att++];
		struct nsnet_leases l = { 0 };
		char eth[IFNAMSIZ];

		snprintf(f->net, sizeof(f->net), "%s", rec->att[a].net);
		snprintf(eth, sizeof(eth), "eth%zu", a);
		if (strcmp(eth, rec->att[a].ifname))
			snprintf(f->ifname, sizeof(f->ifname), "%s", rec->att[a].ifname);
		f->limit = rec->att[a].limit;
		f->n_aliases = rec->att[a].n_aliases;
		memcpy(f->aliases, rec->att[a].aliases, sizeof(f->aliases));
		if ((r = rec_leases_load(op, rec->att[a].net, &l, err)) < 0)
			return r;
		/* IPv4 first, then IPv6: the order the file's subnets have no say in. */
		for (int fam = 0; fam < 2; fam++)
			for (size_t i = 0; i < l.n && f->n_ips < NSNET_MAX_SUBNETS; i++)
				if (!strcmp(l.v[i].owner, rec->name) && !strcmp(l.v[i].ifname, rec->att[a].ifname) &&
				    (l.v[i].addr.family == AF_INET) == (fam == 0))
					f->ip[f->n_ips++] = l.v[i].addr;
		leases_free(&l);
	}
	return 0;
}

int core_export(const struct nsnet_opts *o, const char *project, struct topo *t, struct nsnet_err *err)
{
	struct apply_diff d = { 0 };
	struct op op;
	int r;

	memset(t, 0, sizeof(*t));
	snprintf(t->project, sizeof(t->project), "%s", project ? project : "default");
	if ((r = op_begin(&op, o, false, err)) < 0) {
		op_end(&op);
		return r;
	}
	if ((r = apply_records_load(&op, &d, err)) < 0)
		goto out;
	/* (qsort of nothing: a NULL array is undefined, however short) */
	if (d.n_nets)
		qsort(d.nets, (size_t)d.n_nets, sizeof(*d.nets), by_name_net);
	if (d.n_nss)
		qsort(d.nss, (size_t)d.n_nss, sizeof(*d.nss), by_name_ns);
	if (d.n_vips)
		qsort(d.vips, (size_t)d.n_vips, sizeof(*d.vips), by_id_vip);
	if (d.n_ports)
		qsort(d.ports, (size_t)d.n_ports, sizeof(*d.ports), by_id_port);
	for (int k = 0; k < d.n_nets && r == 0; k++)
		if (mine(d.nets[k].project, project) && !d.nets[k].cni && export_net(&d.nets[k], t) < 0)
			r = nsnet_err_set(err, ENOMEM, "out of memory");
	for (int k = 0; k < d.n_nss && r == 0; k++)
		if (mine(d.nss[k].project, project) && d.nss[k].managed && !d.nss[k].cid[0])
			r = export_ns(&op, &d.nss[k], t, err);
	for (int k = 0; k < d.n_vips && r == 0; k++) {
		struct topo_vip *v;

		if (!mine(d.vips[k]->project, project))
			continue;
		if (!(v = topo_vip_new(t))) {
			r = nsnet_err_set(err, ENOMEM, "out of memory");
			break;
		}
		vip_copy(&v->v, d.vips[k]);
		v->v.id = 0;
		v->v.project[0] = '\0';
	}
	for (int k = 0; k < d.n_ports && r == 0; k++) {
		struct topo_port *p;

		if (!mine(d.ports[k].project, project))
			continue;
		if (!(p = topo_port_new(t))) {
			r = nsnet_err_set(err, ENOMEM, "out of memory");
			break;
		}
		p->p = d.ports[k];
		p->p.id = 0;
		p->p.project[0] = '\0';
	}
out:
	apply_diff_free(&d);
	op_end(&op);
	if (r < 0)
		topo_free(t);
	return r;
}

/* Drift for plan and apply: what `nsnet check` finds wrong in the kernel, for a project's objects. */
/*
 * Theory of operation: apply_drift_find() runs the check machinery (core/check.c, check_op())
 * inside the plan's operation and keeps the findings about objects of the file's project:
 *   - a namespace whose interface is missing, unbridged, misplaced or lacks a recorded address
 *     (or, on a routed network, a neighbour entry): ns_drift; the diff then detaches and
 *     attaches that attachment again (all of them when the finding does not say which), the
 *     others untouched (a "~" line);
 *   - a missing chain or map element of a VIP, published port or network of the project, or all
 *     of nsnet's rules missing: fw_drift; apply then rebuilds the rules from the records after
 *     its operation, the way `nsnet gc` does (a "~ rules" line; core/apply.c).
 * A missing bridge or namespace is found by the diff itself (apply_plan.c): it is made again.
 * Each finding kept is a "!" line with check's own sentence.
 */


static const char *const ns_kinds[] = { "veth-missing", "veth-unbridged", "veth-misplaced", "iface-missing",
					"address-missing", "neighbour-missing", NULL };
static const char *const fw_kinds[] = { "chain-missing", "element-missing", "rules-missing", "table-missing", NULL };

static bool kind_in(const char *kind, const char *const *kinds)
{
	for (size_t i = 0; kinds[i]; i++)
		if (!strcmp(kind, kinds[i]))
			return true;
	return false;
}

/* Is the firewall finding's object (TYPE/NAME) one of @project's? Whole-ruleset findings: any object. */
static bool fw_object_mine(const struct apply_diff *d, const char *obj, const char *project)
{
	unsigned long id = 0;
	bool any = false;

	if (!strncmp(obj, "vip/", 4) || !strncmp(obj, "port/", 5))
		id = strtoul(strchr(obj, '/') + 1, NULL, 10);
	for (int k = 0; k < d->n_vips; k++) {
		any |= !strcmp(d->vips[k]->project, project);
		if (!strncmp(obj, "vip/", 4) && d->vips[k]->id == id)
			return !strcmp(d->vips[k]->project, project);
	}
	for (int k = 0; k < d->n_ports; k++) {
		any |= !strcmp(d->ports[k].project, project);
		if (!strncmp(obj, "port/", 5) && d->ports[k].id == id)
			return !strcmp(d->ports[k].project, project);
	}
	for (int k = 0; k < d->n_nets; k++) {
		any |= !strcmp(d->nets[k].project, project);
		if (!strncmp(obj, "network/", 8) && !strcmp(d->nets[k].name, obj + 8))
			return !strcmp(d->nets[k].project, project);
	}
	return !strncmp(obj, "rules/", 6) || !strncmp(obj, "table/", 6) ? any : false;
}

/* The file attachments of @f a finding's sentence names (" of its NET attachment"), else all. */
static uint32_t drift_atts(const struct topo_ns *f, const char *msg)
{
	const char *p = strstr(msg, " of its ");
	uint32_t m = 0;

	for (size_t a = 0; p && a < f->n_att; a++) {
		size_t len = strlen(f->att[a].net);

		if (!strncmp(p + 8, f->att[a].net, len) && !strncmp(p + 8 + len, " attachment", 11))
			m |= 1u << a;
	}
	return m ? m : (1u << f->n_att) - 1;
}

int apply_drift_find(struct op *op, const struct topo *t, struct apply_diff *d, struct apply_result *res,
		     struct nsnet_err *err)
{
	struct nsnet_findings fs = { 0 };
	int r;

	res->fw_repair = false;
	/* Only the findings below count: the other backend's rules (two execs with nft) are not looked for. */
	op->drift_only = true;
	r = check_op(op, &fs, err);
	op->drift_only = false;
	if (r < 0)
		goto out;
	r = 0;
	for (size_t i = 0; i < fs.n && r == 0; i++) {
		const struct nsnet_finding *f = &fs.v[i];

		if (kind_in(f->kind, ns_kinds) && !strncmp(f->object, "namespace/", 10)) {
			const char *name = f->object + 10;

			for (size_t k = 0; k < t->n_ns; k++)
				if (!t->ns[k].external && !strcmp(t->ns[k].name, name)) {
					size_t pre = strlen(name) + 12;	/* "namespace NAME: " of check's sentence */

					d->ns_drift[k] |= drift_atts(&t->ns[k], f->message);
					r = apply_line_add(res, APPLY_DRIFT, "namespace", name, "%s",
							   strlen(f->message) > pre + 4 ? f->message + pre : f->message);
				}
		} else if (kind_in(f->kind, fw_kinds) && fw_object_mine(d, f->object, t->project)) {
			d->fw_drift = true;
			r = apply_line_add(res, APPLY_DRIFT, "rules", f->object, "%s", f->message);
		}
	}
	if (r == 0 && d->fw_drift) {
		res->fw_repair = true;
		r = apply_line_add(res, APPLY_CHANGE, "rules", op->fw->name, "rebuilt from the records (drift)");
	}
	if (r < 0)
		r = nsnet_err_set(err, ENOMEM, "out of memory");
out:
	findings_free(&fs);
	return r;
}
