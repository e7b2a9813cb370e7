// SPDX-License-Identifier: MIT
// The diff of a topology file against the records: one action per object, ownership refusals, plan lines.
/*
 * Theory of operation: the records are loaded once; every object of the file is matched with its
 * record by name (networks, namespaces) or by key (VIP: protocol, address, port; published port:
 * protocol, host address, host port). A network cannot change in place (no command changes
 * one), so any difference replaces it, and the namespaces on it are detached and attached again.
 * A namespace changes in place by detach/attach, unless its DNS servers change (replace). VIPs
 * change in place (vip set) unless the affinity or the name would go (replace). A published port
 * is replaced when anything about it differs. Objects that follow a changing namespace (a VIP
 * with a backend in it, a port into it) are redone after it: they are "late".
 */
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apply.h"
#include "core/records.h"
#include "core/services.h"
#include "kernel/netns.h"

const char *apply_symbol(enum apply_act act)
{
	static const char *const sym[] = { "=", "+", "~", "-/+", "-", "!" };

	return sym[act];
}

int apply_line_add(struct apply_result *res, enum apply_act act, const char *kind, const char *name,
		   const char *fmt, ...)
{
	struct apply_line *l;
	va_list ap;

	if (nsnet_array_room(&res->v, &res->cap, res->n + 1, sizeof(*res->v)) < 0)
		return -ENOMEM;
	l = &res->v[res->n++];
	memset(l, 0, sizeof(*l));
	l->act = act;
	l->kind = kind;
	snprintf(l->name, sizeof(l->name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(l->detail, sizeof(l->detail), fmt, ap);
	va_end(ap);
	if (act != APPLY_DRIFT)
		res->changes++;
	return 0;
}

void apply_result_free(struct apply_result *res)
{
	free(res->v);
	res->v = NULL;
	res->n = res->cap = res->changes = 0;
}

void apply_diff_free(struct apply_diff *d)
{
	free(d->nets);
	free(d->nss);
	svc_vips_free(d->vips, d->n_vips);
	free(d->ports);
	free(d->net_act);
	free(d->ns_act);
	free(d->vip_act);
	free(d->port_act);
	free(d->net_rec);
	free(d->ns_rec);
	free(d->vip_rec);
	free(d->port_rec);
	free(d->ns_late);
	free(d->vip_late);
	free(d->port_late);
	free(d->ns_detach);
	free(d->ns_attach);
	free(d->ns_drift);
	free(d->ns_limit);
	free(d->ns_alias);
	free(d->rnet_rm);
	free(d->rns_rm);
	free(d->rvip_rm);
	free(d->rport_rm);
	memset(d, 0, sizeof(*d));
}

static const char *owner_str(const char *project, char *buf, size_t size)
{
	if (!project[0])
		return "it was made outside any project";
	snprintf(buf, size, "it belongs to project %s", project);
	return buf;
}

/* Does the resolver of record @rec match what file network @n asks for? Fills @why if not. */
static bool dns_same(const struct topo_net *n, const struct nsnet_network *rec, char *why, size_t size)
{
	const char *domain = n->domain[0] ? n->domain : n->name;
	bool dns = !n->no_dns && network_dns_default(rec->driver, domain);
	char a[INET6_ADDRSTRLEN];

	if (rec->dns != dns) {
		snprintf(why, size, "resolver %s", dns ? "added" : "removed");
		return false;
	}
	if (!dns)
		return true;
	if (strcmp(domain, rec->domain)) {
		snprintf(why, size, "domain %s -> %s", rec->domain, domain);
		return false;
	}
	for (size_t i = 0; i < n->n_upstream || i < rec->n_upstream; i++)
		if (n->n_upstream != rec->n_upstream || !nsnet_addr_equal(&n->upstream[i], &rec->upstream[i])) {
			snprintf(why, size, "dns_upstream -> %s%s", n->n_upstream ? nsnet_addr_str(&n->upstream[0], a) : "the host's",
				 n->n_upstream > 1 ? ", ..." : "");
			return false;
		}
	return true;
}

/* Does record @rec match file network @n? Fills @why with the first difference. */
static bool net_same(const struct topo_net *n, const struct nsnet_network *rec, char *why, size_t size)
{
	char bridge[IFNAMSIZ], a[NSNET_PREFIX_STRLEN], b[NSNET_PREFIX_STRLEN];
	size_t i;

	if (n->bridge[0])
		snprintf(bridge, sizeof(bridge), "%s", n->bridge);
	else
		names_bridge(n->name, bridge);
	if (strcmp(n->driver[0] ? n->driver : NSNET_DRIVER_DEFAULT, rec->driver)) {
		snprintf(why, size, "driver %s -> %s", rec->driver, n->driver[0] ? n->driver : NSNET_DRIVER_DEFAULT);
		return false;
	}
	if (strcmp(bridge, rec->bridge)) {
		snprintf(why, size, "bridge %s -> %s", rec->bridge, bridge);
		return false;
	}
	for (i = 0; i < n->n_subnets || i < rec->n_subnets; i++) {
		const struct nsnet_prefix *f = i < n->n_subnets ? &n->subnet[i] : NULL;
		const struct nsnet_prefix *r = f ? network_subnet(rec, f->addr.family, NULL) : NULL;

		if (n->n_subnets != rec->n_subnets || !f || !r || r->len != f->len || !nsnet_addr_equal(&r->addr, &f->addr)) {
			snprintf(why, size, "subnet %s -> %s", nsnet_prefix_str(&rec->subnet[0], a),
				 nsnet_prefix_str(&n->subnet[0], b));
			if (f && r && n->n_subnets == rec->n_subnets)
				snprintf(why, size, "subnet %s -> %s", nsnet_prefix_str(r, a), nsnet_prefix_str(f, b));
			return false;
		}
	}
	for (i = 0; i < rec->n_subnets; i++) {
		struct nsnet_addr gw;

		nsnet_prefix_nth(&rec->subnet[i], 1, &gw);
		for (size_t g = 0; g < n->n_gateways; g++)
			if (n->gateway[g].family == gw.family)
				gw = n->gateway[g];
		if (!nsnet_addr_equal(&gw, &rec->gateway[i])) {
			snprintf(why, size, "gateway %s -> %s", nsnet_addr_str(&rec->gateway[i], a), nsnet_addr_str(&gw, b));
			return false;
		}
	}
	if (rec->internal != n->internal || rec->nat != (!n->no_nat && !n->internal)) {
		snprintf(why, size, "%s", rec->internal != n->internal ? "internal" : "nat");
		return false;
	}
	if (rec->mtu != (n->mtu ? n->mtu : NSNET_MTU_DEFAULT)) {
		snprintf(why, size, "mtu %u -> %u", rec->mtu, n->mtu ? n->mtu : NSNET_MTU_DEFAULT);
		return false;
	}
	return dns_same(n, rec, why, size);
}

/* The names on the resolver, in any order. */
static bool aliases_same(const struct topo_att *f, const struct nsnet_attachment *a)
{
	if (f->n_aliases != a->n_aliases)
		return false;
	for (size_t k = 0; k < f->n_aliases; k++) {
		bool found = false;

		for (size_t i = 0; i < a->n_aliases && !found; i++)
			found = !strcmp(f->aliases[k], a->aliases[i]);
		if (!found)
			return false;
	}
	return true;
}

/*
 * Does file attachment @f describe record attachment @a (addresses leased in @l)? NULL if so, else
 * what differs first ("network" when it is another network's). A fixed address must be the one
 * leased in its family; a family the file gives none for may hold any. Limits and aliases are not
 * compared: they change in place (d->ns_limit, d->ns_alias).
 */
static const char *att_diff(const struct topo_att *f, const char *ns, const struct nsnet_attachment *a,
			    const struct nsnet_leases *l)
{
	if (strcmp(f->net, a->net))
		return "network";
	if (f->ifname[0] && strcmp(f->ifname, a->ifname))
		return "ifname changed";
	for (size_t k = 0; k < f->n_ips; k++) {
		bool found = false;

		for (size_t i = 0; i < l->n && !found; i++)
			found = !strcmp(l->v[i].owner, ns) && !strcmp(l->v[i].ifname, a->ifname) &&
				nsnet_addr_equal(&f->ip[k], &l->v[i].addr);
		if (!found)
			return "address changed";
	}
	return NULL;
}

static bool vip_same_backends(const struct nsnet_vip *f, const struct nsnet_vip *r)
{
	if (f->n_backends != r->n_backends)
		return false;
	for (size_t i = 0; i < f->n_backends; i++) {
		const struct nsnet_backend *a = &f->backend[i], *b = &r->backend[i];

		if (a->ep.port != b->ep.port || strcmp(a->ns, b->ns) || (!a->ns[0] && !nsnet_addr_equal(&a->ep.addr, &b->ep.addr)))
			return false;
	}
	return true;
}

static void backends_str(const struct nsnet_vip *v, char *out, size_t size)
{
	char b[NSNET_KEY_MAX];
	size_t n = 0;

	out[0] = '\0';
	for (size_t i = 0; i < v->n_backends && n < size; i++) {
		if (v->backend[i].ns[0])
			snprintf(b, sizeof(b), "%s:%u", v->backend[i].ns, v->backend[i].ep.port);
		else
			endpoint_str(&v->backend[i].ep, b);
		n += (size_t)snprintf(out + n, size - n, "%s%s", i ? " " : "", b);
	}
}

static void vip_name(const struct nsnet_vip *v, char *out)
{
	char a[NSNET_KEY_MAX];

	snprintf(out, NSNET_KEY_MAX + NSNET_NAME_MAX, "%s/%s", endpoint_str(&v->vip, a), proto_name(v->proto));
}

static void port_name(const struct nsnet_port *p, char *out)
{
	char h[INET6_ADDRSTRLEN];

	if (p->host_ip.family)
		snprintf(out, NSNET_KEY_MAX + NSNET_NAME_MAX, "%s%s%s:%u/%s", p->host_ip.family == AF_INET6 ? "[" : "",
			 nsnet_addr_str(&p->host_ip, h), p->host_ip.family == AF_INET6 ? "]" : "", p->host_port,
			 proto_name(p->proto));
	else
		snprintf(out, NSNET_KEY_MAX + NSNET_NAME_MAX, "%u/%s", p->host_port, proto_name(p->proto));
}

static bool port_same_key(const struct nsnet_port *a, const struct nsnet_port *b)
{
	return a->proto == b->proto && a->host_port == b->host_port && a->host_ip.family == b->host_ip.family &&
	       (!a->host_ip.family || nsnet_addr_equal(&a->host_ip, &b->host_ip));
}

static bool port_clash(const struct nsnet_port *a, const struct nsnet_port *b)
{
	const struct nsnet_addr *one;

	if (a->proto != b->proto || a->host_port != b->host_port)
		return false;
	if (!a->host_ip.family || !b->host_ip.family) {
		one = a->host_ip.family ? &a->host_ip : &b->host_ip;
		return !one->family || !nsnet_addr_special(one) || strcmp(nsnet_addr_special(one), "loopback");
	}
	return nsnet_addr_equal(&a->host_ip, &b->host_ip);
}

#define ALLOC(p, n) (!((p) = calloc((n) ? (size_t)(n) : 1, sizeof(*(p)))))

/* Networks: create, replace (a difference, or its link missing), remove; ownership. */
static int diff_nets(const struct topo *t, struct apply_diff *d, struct apply_result *res, struct nsnet_err *err)
{
	char why[200], own[120];

	for (size_t i = 0; i < t->n_nets; i++) {
		const struct topo_net *n = &t->nets[i];
		const struct nsnet_network *rec = NULL;

		d->net_rec[i] = -1;
		for (int k = 0; k < d->n_nets; k++)
			if (!strcmp(d->nets[k].name, n->name))
				rec = &d->nets[d->net_rec[i] = k];
		if (n->external) {
			if (!rec)
				return nsnet_err_set(err, ENOENT, "%u:%u: external network %s does not exist", n->pos.line,
						     n->pos.col, n->name);
			continue;
		}
		if (!rec) {
			char a[NSNET_PREFIX_STRLEN], b[NSNET_PREFIX_STRLEN];

			d->net_act[i] = APPLY_CREATE;
			apply_line_add(res, APPLY_CREATE, "network", n->name, "%s%s%s%s", nsnet_prefix_str(&n->subnet[0], a),
				       n->n_subnets > 1 ? ", " : "", n->n_subnets > 1 ? nsnet_prefix_str(&n->subnet[1], b) : "",
				       n->internal ? ", internal" : "");
			continue;
		}
		if (strcmp(rec->project, t->project) || rec->cni)
			return nsnet_err_set(err, EEXIST,
					     "%u:%u: network %s exists and is not part of project %s (%s): add \"external: true\" to use it",
					     n->pos.line, n->pos.col, n->name, t->project,
					     rec->cni ? "it was made by a CNI runtime" : owner_str(rec->project, own, sizeof(own)));
		if (!net_same(n, rec, why, sizeof(why))) {
			d->net_act[i] = APPLY_REPLACE;
			apply_line_add(res, APPLY_REPLACE, "network", n->name, "%s", why);
		} else if (!if_nametoindex(rec->bridge)) {
			d->net_act[i] = APPLY_REPLACE;
			apply_line_add(res, APPLY_DRIFT, "network", n->name, "link %s is missing in the kernel", rec->bridge);
			apply_line_add(res, APPLY_REPLACE, "network", n->name, "made again (drift)");
		}
	}
	for (int k = 0; k < d->n_nets; k++)
		if (!strcmp(d->nets[k].project, t->project) && !topo_net_find(t, d->nets[k].name)) {
			d->rnet_rm[k] = true;
			apply_line_add(res, APPLY_REMOVE, "network", d->nets[k].name, "no longer in the file");
		}
	/* A network to make may not overlap one that stays (of any project, or of none). */
	for (size_t i = 0; i < t->n_nets; i++) {
		const struct topo_net *n = &t->nets[i];

		if (d->net_act[i] != APPLY_CREATE && d->net_act[i] != APPLY_REPLACE)
			continue;
		for (int k = 0; k < d->n_nets; k++) {
			const struct nsnet_network *o = &d->nets[k];

			if (d->rnet_rm[k] || !strcmp(o->name, n->name))
				continue;
			for (size_t a = 0; a < n->n_subnets; a++)
				for (size_t b = 0; b < o->n_subnets; b++) {
					char x[NSNET_PREFIX_STRLEN], y[NSNET_PREFIX_STRLEN];

					if (!nsnet_prefix_overlap(&n->subnet[a], &o->subnet[b]))
						continue;
					return nsnet_err_set(err, EEXIST, "%u:%u: subnet %s of network %s overlaps subnet %s of network %s (%s)",
							     n->pos.line, n->pos.col, nsnet_prefix_str(&n->subnet[a], x), n->name,
							     nsnet_prefix_str(&o->subnet[b], y), o->name,
							     owner_str(o->project, own, sizeof(own)));
				}
		}
	}
	return 0;
}

static enum apply_act net_act_of(const struct topo *t, const struct apply_diff *d, const char *net)
{
	for (size_t i = 0; i < t->n_nets; i++)
		if (!strcmp(t->nets[i].name, net))
			return d->net_act[i];
	return APPLY_NONE;
}

/* The non-empty ones of @parts, joined with "; " into @out. */
static const char *parts_join(const char *const *parts, size_t n, char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (parts[i][0])
			snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? "; " : "", parts[i]);
	return out;
}

/* Namespaces: create (late when a network it joins is replaced), change (detach/attach), replace, remove. */
static int diff_ns(struct op *op, const struct topo *t, struct apply_diff *d, struct apply_result *res,
		   struct nsnet_err *err)
{
	char own[120];
	int r;

	for (size_t i = 0; i < t->n_ns; i++) {
		const struct topo_ns *f = &t->ns[i];
		const struct nsnet_namespace *rec = NULL;
		char det[200] = "", att[200] = "", lim[200] = "", ali[200] = "", line[400];

		d->ns_rec[i] = -1;
		for (int k = 0; k < d->n_nss; k++)
			if (!strcmp(d->nss[k].name, f->name))
				rec = &d->nss[d->ns_rec[i] = k];
		if (f->external) {
			if (!rec && !netns_exists(f->name))
				return nsnet_err_set(err, ENOENT, "%u:%u: external namespace %s does not exist", f->pos.line,
						     f->pos.col, f->name);
			continue;
		}
		if (!rec && netns_exists(f->name))
			return nsnet_err_set(err, EEXIST,
					     "%u:%u: namespace %s exists and was not made by nsnet: add \"external: true\" to use it",
					     f->pos.line, f->pos.col, f->name);
		if (rec && (strcmp(rec->project, t->project) || !rec->managed || rec->cid[0]))
			return nsnet_err_set(err, EEXIST,
					     "%u:%u: namespace %s exists and is not part of project %s (%s): add \"external: true\" to use it",
					     f->pos.line, f->pos.col, f->name, t->project, owner_str(rec->project, own, sizeof(own)));
		if (!rec) {
			d->ns_act[i] = APPLY_CREATE;
			for (size_t a = 0; a < f->n_att; a++) {
				d->ns_late[i] |= net_act_of(t, d, f->att[a].net) == APPLY_REPLACE;
				snprintf(att + strlen(att), sizeof(att) - strlen(att), "%s%s", a ? ", " : "", f->att[a].net);
			}
			apply_line_add(res, APPLY_CREATE, "namespace", f->name, "%s", f->n_att ? att : "no network");
			continue;
		}
		if (!netns_exists(f->name)) {
			d->ns_act[i] = APPLY_REPLACE;
			apply_line_add(res, APPLY_DRIFT, "namespace", f->name, "missing in the kernel");
			apply_line_add(res, APPLY_REPLACE, "namespace", f->name, "made again (drift)");
			continue;
		}
		if (rec->n_dns != f->n_dns || memcmp(rec->dns, f->dns, f->n_dns * sizeof(f->dns[0]))) {
			d->ns_act[i] = APPLY_REPLACE;
			apply_line_add(res, APPLY_REPLACE, "namespace", f->name, "dns changed");
			continue;
		}
		/* Attachments: keep those the file still describes on networks that stay. */
		uint32_t keep_rec = 0, keep_file = 0;
		const char *why[NSNET_MAX_ATTACH] = { NULL };	/* a file attachment's network kept, but not as it was */

		for (size_t a = 0; a < rec->n_att; a++) {
			struct nsnet_leases l = { 0 };

			if (net_act_of(t, d, rec->att[a].net) == APPLY_REPLACE)
				continue;
			if ((r = rec_leases_load(op, rec->att[a].net, &l, err)) < 0)
				return r;
			for (size_t b = 0; b < f->n_att; b++) {
				const char *w;

				if (keep_file & (1u << b))
					continue;
				if ((w = att_diff(&f->att[b], f->name, &rec->att[a], &l)) && strcmp(w, "network"))
					why[b] = w;
				if (!w) {
					keep_rec |= 1u << a;
					keep_file |= 1u << b;
					if (!limit_eq(&f->att[b].limit, &rec->att[a].limit)) {
						d->ns_limit[i] |= 1u << b;
						snprintf(lim + strlen(lim), sizeof(lim) - strlen(lim), "%s%s",
							 lim[0] ? ", " : "limits on ", f->att[b].net);
					}
					if (!aliases_same(&f->att[b], &rec->att[a])) {
						d->ns_alias[i] |= 1u << b;
						snprintf(ali + strlen(ali), sizeof(ali) - strlen(ali), "%s%s",
							 ali[0] ? ", " : "aliases on ", f->att[b].net);
					}
					break;
				}
			}
			leases_free(&l);
		}
		for (size_t a = 0; a < rec->n_att; a++)
			if (!(keep_rec & (1u << a))) {
				d->ns_detach[i] |= 1u << a;
				snprintf(det + strlen(det), sizeof(det) - strlen(det), "%s%s", det[0] ? ", " : "detach ",
					 rec->att[a].net);
			}
		for (size_t b = 0; b < f->n_att; b++)
			if (!(keep_file & (1u << b))) {
				d->ns_attach[i] |= 1u << b;
				d->ns_late[i] |= net_act_of(t, d, f->att[b].net) == APPLY_REPLACE;
				snprintf(att + strlen(att), sizeof(att) - strlen(att), "%s%s%s%s", att[0] ? ", " : "attach ",
					 f->att[b].net, why[b] ? ": " : "", why[b] ? why[b] : "");
			}
		if (d->ns_drift[i] && !d->ns_detach[i] && !d->ns_attach[i]) {
			/* Drift: those attachments made again (the namespace and its processes stay). */
			for (size_t b = 0; b < f->n_att; b++)
				for (size_t a = 0; (d->ns_drift[i] & (1u << b)) && a < rec->n_att; a++)
					if (!strcmp(rec->att[a].net, f->att[b].net)) {
						d->ns_detach[i] |= 1u << a;
						d->ns_attach[i] |= 1u << b;
					}
			d->ns_act[i] = APPLY_CHANGE;
			d->ns_late[i] = true;
			const char *parts[] = { "attached again (drift)", lim, ali };

			apply_line_add(res, APPLY_CHANGE, "namespace", f->name, "%s", parts_join(parts, 3, line, sizeof(line)));
		} else if (d->ns_detach[i] || d->ns_attach[i] || d->ns_limit[i] || d->ns_alias[i]) {
			d->ns_act[i] = APPLY_CHANGE;
			d->ns_late[i] |= d->ns_detach[i] != 0;
			const char *parts[] = { det, att, lim, ali };

			apply_line_add(res, APPLY_CHANGE, "namespace", f->name, "%s", parts_join(parts, 4, line, sizeof(line)));
		}
	}
	for (int k = 0; k < d->n_nss; k++)
		if (!strcmp(d->nss[k].project, t->project) && !topo_ns_find(t, d->nss[k].name)) {
			d->rns_rm[k] = true;
			apply_line_add(res, APPLY_REMOVE, "namespace", d->nss[k].name, "no longer in the file");
		}
	/* A network to remove or replace may not keep namespaces of others on it. */
	for (int k = 0; k < d->n_nss; k++) {
		if (!strcmp(d->nss[k].project, t->project))
			continue;
		for (size_t a = 0; a < d->nss[k].n_att; a++) {
			const char *net = d->nss[k].att[a].net;
			bool gone = net_act_of(t, d, net) == APPLY_REPLACE;

			for (int m = 0; m < d->n_nets; m++)
				gone |= d->rnet_rm[m] && !strcmp(d->nets[m].name, net);
			if (gone)
				return nsnet_err_set(err, EBUSY,
						     "network %s of project %s is to be %s, but namespace %s (not of the project) is attached to it",
						     net, t->project, net_act_of(t, d, net) == APPLY_REPLACE ? "replaced" : "removed",
						     d->nss[k].name);
		}
	}
	return 0;
}

/* Namespace @name's action is one that may change its addresses: what follows it is redone after it. */
static bool ns_moves(const struct topo *t, const struct apply_diff *d, const char *name)
{
	for (size_t i = 0; i < t->n_ns; i++)
		if (!strcmp(t->ns[i].name, name))
			return d->ns_act[i] == APPLY_REPLACE || d->ns_late[i];
	return false;
}

static int diff_svc(const struct topo *t, struct apply_diff *d, struct apply_result *res, struct nsnet_err *err)
{
	char name[NSNET_KEY_MAX + NSNET_NAME_MAX], a[600], b[600], own[120];

	for (size_t i = 0; i < t->n_vips; i++) {
		const struct nsnet_vip *f = &t->vips[i].v;
		const struct nsnet_vip *rec = NULL;
		bool moves = false;

		d->vip_rec[i] = -1;
		vip_name(f, name);
		for (int k = 0; k < d->n_vips; k++)
			if (d->vips[k]->proto == f->proto && d->vips[k]->vip.port == f->vip.port &&
			    nsnet_addr_equal(&d->vips[k]->vip.addr, &f->vip.addr))
				rec = d->vips[d->vip_rec[i] = k];
		for (size_t k = 0; k < f->n_backends; k++)
			moves |= f->backend[k].ns[0] && ns_moves(t, d, f->backend[k].ns);
		d->vip_late[i] = moves;
		backends_str(f, a, sizeof(a));
		if (!rec) {
			d->vip_act[i] = APPLY_CREATE;
			apply_line_add(res, APPLY_CREATE, "vip", name, "%s", a);
			continue;
		}
		if (strcmp(rec->project, t->project))
			return nsnet_err_set(err, EEXIST,
					     "%u:%u: VIP %s exists and is not part of project %s (%s)", t->vips[i].pos.line,
					     t->vips[i].pos.col, name, t->project, owner_str(rec->project, own, sizeof(own)));
		backends_str(rec, b, sizeof(b));
		if ((!f->affinity && rec->affinity) || (!f->name[0] && rec->name[0])) {
			d->vip_act[i] = APPLY_REPLACE;
			apply_line_add(res, APPLY_REPLACE, "vip", name, "%s", !f->affinity && rec->affinity ? "affinity off" : "name removed");
		} else if (!vip_same_backends(f, rec) || f->affinity != rec->affinity || strcmp(f->name, rec->name)) {
			d->vip_act[i] = APPLY_CHANGE;
			apply_line_add(res, APPLY_CHANGE, "vip", name, "backends %s -> %s%s", b, a,
				       f->affinity != rec->affinity || strcmp(f->name, rec->name) ? "; name/affinity" : "");
		} else if (moves) {
			d->vip_act[i] = APPLY_CHANGE;
			apply_line_add(res, APPLY_CHANGE, "vip", name, "backend addresses follow their namespaces");
		}
	}
	for (int k = 0; k < d->n_vips; k++) {
		bool in = false;

		for (size_t i = 0; i < t->n_vips; i++)
			in |= d->vip_rec[i] == k;
		if (!in && !strcmp(d->vips[k]->project, t->project)) {
			d->rvip_rm[k] = true;
			vip_name(d->vips[k], name);
			apply_line_add(res, APPLY_REMOVE, "vip", name, "no longer in the file");
		}
	}
	for (size_t i = 0; i < t->n_ports; i++) {
		const struct nsnet_port *f = &t->ports[i].p;
		const struct nsnet_port *rec = NULL;
		const struct topo_ns *ns = topo_ns_find(t, f->ns);
		const char *net = f->net[0] ? f->net : ns && ns->n_att ? ns->att[0].net : NULL;

		d->port_rec[i] = -1;
		port_name(f, name);
		d->port_late[i] = ns_moves(t, d, f->ns);
		for (int k = 0; k < d->n_ports; k++) {
			if (port_same_key(&d->ports[k], f))
				rec = &d->ports[d->port_rec[i] = k];
			else if (strcmp(d->ports[k].project, t->project) && port_clash(&d->ports[k], f))
				return nsnet_err_set(err, EADDRINUSE, "%u:%u: host port %s is taken by namespace %s (%s)",
						     t->ports[i].pos.line, t->ports[i].pos.col, name, d->ports[k].ns,
						     owner_str(d->ports[k].project, own, sizeof(own)));
		}
		if (rec && strcmp(rec->project, t->project))
			return nsnet_err_set(err, EADDRINUSE, "%u:%u: host port %s is taken by namespace %s (%s)",
					     t->ports[i].pos.line, t->ports[i].pos.col, name, rec->ns,
					     owner_str(rec->project, own, sizeof(own)));
		if (!rec) {
			d->port_act[i] = APPLY_CREATE;
			apply_line_add(res, APPLY_CREATE, "port", name, "-> %s:%u", f->ns, f->port);
		} else if (strcmp(rec->ns, f->ns) || rec->port != f->port || (net && strcmp(net, rec->net)) ||
			   d->port_late[i]) {
			d->port_act[i] = APPLY_REPLACE;
			apply_line_add(res, APPLY_REPLACE, "port", name, "-> %s:%u", f->ns, f->port);
		}
	}
	for (int k = 0; k < d->n_ports; k++) {
		bool in = false;

		for (size_t i = 0; i < t->n_ports; i++)
			in |= d->port_rec[i] == k;
		if (!in && !strcmp(d->ports[k].project, t->project)) {
			d->rport_rm[k] = true;
			port_name(&d->ports[k], name);
			apply_line_add(res, APPLY_REMOVE, "port", name, "no longer in the file");
		}
	}
	return 0;
}

int apply_records_load(struct op *op, struct apply_diff *d, struct nsnet_err *err)
{
	int r;

	memset(d, 0, sizeof(*d));
	if ((d->n_nets = rec_networks_load(op, &d->nets, err)) < 0 || (d->n_nss = rec_namespaces_load(op, &d->nss, err)) < 0 ||
	    (d->n_vips = svc_vips_load(op, &d->vips, err)) < 0 || (d->n_ports = svc_ports_load(op, &d->ports, err)) < 0) {
		r = d->n_nets < 0 ? d->n_nets : d->n_nss < 0 ? d->n_nss : d->n_vips < 0 ? d->n_vips : d->n_ports;
		d->n_nets = d->n_nss = d->n_ports = 0;
		d->n_vips = d->n_vips < 0 ? 0 : d->n_vips;	/* the VIPs loaded, for svc_vips_free() */
		return r;
	}
	return 0;
}

int apply_diff_build(struct op *op, const struct topo *t, struct apply_diff *d, struct apply_result *res,
		     struct nsnet_err *err)
{
	int r;

	snprintf(res->project, sizeof(res->project), "%s", t->project);
	if ((r = apply_records_load(op, d, err)) < 0)
		return r;
	d->t = t;
	if (ALLOC(d->net_act, t->n_nets) || ALLOC(d->ns_act, t->n_ns) || ALLOC(d->vip_act, t->n_vips) ||
	    ALLOC(d->port_act, t->n_ports) || ALLOC(d->net_rec, t->n_nets) || ALLOC(d->ns_rec, t->n_ns) ||
	    ALLOC(d->vip_rec, t->n_vips) || ALLOC(d->port_rec, t->n_ports) || ALLOC(d->ns_late, t->n_ns) ||
	    ALLOC(d->vip_late, t->n_vips) || ALLOC(d->port_late, t->n_ports) || ALLOC(d->ns_detach, t->n_ns) ||
	    ALLOC(d->ns_attach, t->n_ns) || ALLOC(d->rnet_rm, d->n_nets) || ALLOC(d->rns_rm, d->n_nss) ||
	    ALLOC(d->rvip_rm, d->n_vips) || ALLOC(d->rport_rm, d->n_ports) || ALLOC(d->ns_drift, t->n_ns) ||
	    ALLOC(d->ns_limit, t->n_ns) || ALLOC(d->ns_alias, t->n_ns))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	if ((r = diff_nets(t, d, res, err)) < 0 || (r = apply_drift_find(op, t, d, res, err)) < 0 ||
	    (r = diff_ns(op, t, d, res, err)) < 0 ||
	    (r = diff_svc(t, d, res, err)) < 0)
		return r;
	return 0;
}

int core_apply_plan(const struct nsnet_opts *o, const struct topo *t, struct apply_result *res,
		    struct nsnet_err *err)
{
	struct apply_diff d;
	struct op op;
	int r;

	if ((r = op_begin(&op, o, false, err)) < 0) {
		op_end(&op);
		return r;
	}
	r = apply_diff_build(&op, t, &d, res, err);
	apply_diff_free(&d);
	op_end(&op);
	return r < 0 ? r : (int)res->changes;
}
