// SPDX-License-Identifier: MIT
// A topology file's tree -> struct topo: every key, type and value checked, with its line and column.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topology/topology.h"
#include "topology/ytree.h"

#define AT(n) (n)->line, (n)->col

/*
 * A parser's refusal of a value, prefixed with where it is ("LINE:COL[: WHAT]"): every refusal of a file
 * is -EINVAL (a malformed file), whatever code the parser gave (an unusable subnet, say).
 */
static int refused_at(struct nsnet_err *err, unsigned int line, unsigned int col, const char *what)
{
	if (what)
		nsnet_err_prefix(err, "%u:%u: %s", line, col, what);
	else
		nsnet_err_prefix(err, "%u:%u", line, col);
	if (err)
		err->code = EINVAL;
	return -EINVAL;
}

/* Every key of map @m must be one of @keys (NULL-terminated). */
static int keys_check(const struct ynode *m, const char *what, const char *const *keys, struct nsnet_err *err)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct ynode *k = m->kids[2 * i];
		size_t j;

		for (j = 0; keys[j] && strcmp(keys[j], k->str); j++)
			;
		if (!keys[j]) {
			char list[256] = "";

			for (j = 0; keys[j]; j++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", j ? ", " : "", keys[j]);
			return nsnet_err_set(err, EINVAL, "%u:%u: unknown key \"%s\" in %s (expected %s)", AT(k), k->str,
					     what, list);
		}
	}
	return 0;
}

static int want(const struct ynode *n, enum ynode_kind kind, const char *what, struct nsnet_err *err)
{
	static const char *const names[] = { "a map", "a list", "a string" };

	if (n->kind != kind)
		return nsnet_err_set(err, EINVAL, "%u:%u: %s: expected %s", AT(n), what, names[kind]);
	return 0;
}

/* A string value that fits @size bytes (with its NUL). */
static int get_str(const struct ynode *n, const char *what, char *out, size_t size, struct nsnet_err *err)
{
	int r;

	if ((r = want(n, Y_STR, what, err)) < 0)
		return r;
	if (strlen(n->str) >= size)
		return nsnet_err_set(err, EINVAL, "%u:%u: %s \"%s\": expected at most %zu bytes", AT(n), what, n->str,
				     size - 1);
	memcpy(out, n->str, strlen(n->str) + 1);
	return 0;
}

static int get_bool(const struct ynode *n, const char *what, bool *out, struct nsnet_err *err)
{
	if (n->kind == Y_STR && n->plain && !strcmp(n->str, "true"))
		*out = true;
	else if (n->kind == Y_STR && n->plain && !strcmp(n->str, "false"))
		*out = false;
	else
		return nsnet_err_set(err, EINVAL, "%u:%u: %s: expected true or false", AT(n), what);
	return 0;
}

static int get_uint(const struct ynode *n, const char *what, unsigned int min, unsigned int max, unsigned int *out,
		    struct nsnet_err *err)
{
	char *end;
	unsigned long v;

	if (n->kind != Y_STR)
		return nsnet_err_set(err, EINVAL, "%u:%u: %s: expected a number %u-%u", AT(n), what, min, max);
	if (!n->plain || n->str[0] < '0' || n->str[0] > '9')
		return nsnet_err_set(err, EINVAL, "%u:%u: %s \"%s\": expected a number %u-%u", AT(n), what, n->str, min,
				     max);
	v = strtoul(n->str, &end, 10);
	if (*end || v < min || v > max)
		return nsnet_err_set(err, EINVAL, "%u:%u: %s %s: expected a number %u-%u", AT(n), what, n->str, min, max);
	*out = (unsigned int)v;
	return 0;
}

/* Call @fn for one string or for each string of a list; at most @max of them. */
static int each_str(const struct ynode *n, const char *what, size_t max, size_t *count,
		    int (*fn)(const struct ynode *s, void *data, struct nsnet_err *err), void *data,
		    struct nsnet_err *err)
{
	int r;

	*count = 0;
	if (n->kind == Y_STR) {
		*count = 1;
		return fn(n, data, err);
	}
	if ((r = want(n, Y_SEQ, what, err)) < 0)
		return r;
	if (n->n > max || n->n == 0)
		return nsnet_err_set(err, EINVAL, "%u:%u: %s: expected 1 to %zu values", AT(n), what, max);
	for (size_t i = 0; i < n->n; i++) {
		if ((r = want(n->kids[i], Y_STR, what, err)) < 0 || (r = fn(n->kids[i], data, err)) < 0)
			return r;
		(*count)++;
	}
	return 0;
}

/* Parsers for each_str: @data is the array to fill, at index *count (set by each_str before the call). */
struct addr_sink {
	struct nsnet_addr *v;
	size_t n;
	const char *what;
};

static int one_addr(const struct ynode *s, void *data, struct nsnet_err *err)
{
	struct addr_sink *k = data;

	if (nsnet_addr_parse(s->str, &k->v[k->n], err) < 0) {
		return refused_at(err, AT(s), k->what);
	}
	for (size_t i = 0; i < k->n; i++)
		if (nsnet_addr_equal(&k->v[i], &k->v[k->n]))
			return nsnet_err_set(err, EINVAL, "%u:%u: %s %s is given twice", AT(s), k->what, s->str);
	k->n++;
	return 0;
}

struct prefix_sink {
	struct nsnet_prefix *v;
	size_t n;
};

static int one_prefix(const struct ynode *s, void *data, struct nsnet_err *err)
{
	struct prefix_sink *k = data;

	if (nsnet_prefix_parse(s->str, &k->v[k->n], err) < 0 || nsnet_subnet_check(&k->v[k->n], err) < 0) {
		return refused_at(err, AT(s), "subnet");
	}
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].addr.family == k->v[k->n].addr.family)
			return nsnet_err_set(err, EINVAL, "%u:%u: subnet %s: a network has one subnet per family", AT(s),
					     s->str);
	k->n++;
	return 0;
}

/* A network's resolver: "dns" (true, the default, or false), "domain", "dns_upstream" (up to 3). */
static int net_dns_load(struct topo_net *n, const struct ynode *v, bool *dns, struct nsnet_err *err)
{
	const struct ynode *x;
	size_t cnt;
	int r;

	if ((x = ytree_get(v, "dns")) && (r = get_bool(x, "dns", dns, err)) < 0)
		return r;
	n->no_dns = !*dns;
	if ((x = ytree_get(v, "domain"))) {
		if ((r = get_str(x, "domain", n->domain, sizeof(n->domain), err)) < 0)
			return r;
		if (domain_check(n->domain, err) < 0) {
			return refused_at(err, AT(x), NULL);
		}
	}
	if ((x = ytree_get(v, "dns_upstream"))) {
		struct addr_sink as = { n->upstream, 0, "dns_upstream" };

		if ((r = each_str(x, "dns_upstream", NSNET_MAX_DNS, &cnt, one_addr, &as, err)) < 0)
			return r;
		n->n_upstream = as.n;
	}
	if (n->no_dns && (n->domain[0] || n->n_upstream))
		return nsnet_err_set(err, EINVAL, "%u:%u: network %s: \"%s\" needs the resolver (drop \"dns: false\")",
				     AT(ytree_get(v, n->domain[0] ? "domain" : "dns_upstream")), n->name,
				     n->domain[0] ? "domain" : "dns_upstream");
	return 0;
}

static int net_load(struct topo *t, const struct ynode *k, const struct ynode *v, struct nsnet_err *err)
{
	static const char *const keys[] = { "subnet", "gateway", "nat", "internal", "mtu", "driver", "bridge",
					    "dns", "domain", "dns_upstream", "external", NULL };
	struct topo_net *n = topo_net_new(t);
	const struct ynode *x;
	bool nat = true, dns = true;
	size_t cnt;
	int r;

	if (!n)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	n->pos = (struct topo_pos){ AT(k) };
	if ((r = get_str(k, "network name", n->name, sizeof(n->name), err)) < 0)
		return r;
	if (names_check("network", n->name, err) < 0) {
		return refused_at(err, AT(k), NULL);
	}
	if ((r = want(v, Y_MAP, "network", err)) < 0 || (r = keys_check(v, "a network", keys, err)) < 0)
		return r;
	if ((x = ytree_get(v, "external")) && (r = get_bool(x, "external", &n->external, err)) < 0)
		return r;
	if (n->external) {
		if (v->n > 1)
			return nsnet_err_set(err, EINVAL, "%u:%u: network %s is external: it takes no other key", AT(k),
					     n->name);
		return 0;
	}
	if (!(x = ytree_get(v, "subnet")))
		return nsnet_err_set(err, EINVAL, "%u:%u: network %s: missing \"subnet\"", AT(k), n->name);
	struct prefix_sink ps = { n->subnet, 0 };

	if ((r = each_str(x, "subnet", NSNET_MAX_SUBNETS, &cnt, one_prefix, &ps, err)) < 0)
		return r;
	n->n_subnets = ps.n;
	if ((x = ytree_get(v, "gateway"))) {
		struct addr_sink as = { n->gateway, 0, "gateway" };

		if ((r = each_str(x, "gateway", NSNET_MAX_SUBNETS, &cnt, one_addr, &as, err)) < 0)
			return r;
		n->n_gateways = as.n;
		for (size_t i = 0; i < as.n; i++) {
			bool in = false;
			char a[INET6_ADDRSTRLEN];

			for (size_t s = 0; s < n->n_subnets; s++)
				in |= nsnet_prefix_contains(&n->subnet[s], &n->gateway[i]);
			if (!in)
				return nsnet_err_set(err, EINVAL, "%u:%u: gateway %s is in no subnet of network %s", AT(x),
						     nsnet_addr_str(&n->gateway[i], a), n->name);
		}
	}
	if ((x = ytree_get(v, "nat")) && (r = get_bool(x, "nat", &nat, err)) < 0)
		return r;
	n->no_nat = !nat;
	if ((x = ytree_get(v, "internal")) && (r = get_bool(x, "internal", &n->internal, err)) < 0)
		return r;
	if ((x = ytree_get(v, "mtu")) && (r = get_uint(x, "mtu", 68, 65535, &n->mtu, err)) < 0)
		return r;
	if ((x = ytree_get(v, "driver")) && (r = get_str(x, "driver", n->driver, sizeof(n->driver), err)) < 0)
		return r;
	/* An overlay spans hosts: each makes its part with `network create` (its store's settings). */
	if (x && !strcmp(n->driver, "vxlan"))
		return nsnet_err_set(err, EINVAL, "%u:%u: driver vxlan: an overlay network is made on each host with `nsnet network create --driver vxlan`; use it here as \"external: true\"",
				     AT(x));
	if (x && strcmp(n->driver, "bridge") && strcmp(n->driver, "routed"))
		return nsnet_err_set(err, EINVAL, "%u:%u: driver \"%s\": expected bridge or routed", AT(x), n->driver);
	if ((x = ytree_get(v, "bridge"))) {
		if ((r = get_str(x, "bridge", n->bridge, sizeof(n->bridge), err)) < 0)
			return r;
		if (names_check_ifname(n->bridge, err) < 0) {
			return refused_at(err, AT(x), NULL);
		}
	}
	if ((r = net_dns_load(n, v, &dns, err)) < 0)
		return r;
	/* Subnets of two networks of the file may not overlap (nor may two bridge names match). */
	for (size_t i = 0; i + 1 < t->n_nets; i++) {
		const struct topo_net *o = &t->nets[i];
		char a[NSNET_PREFIX_STRLEN], b[NSNET_PREFIX_STRLEN];

		for (size_t s = 0; s < n->n_subnets; s++)
			for (size_t q = 0; q < o->n_subnets; q++)
				if (nsnet_prefix_overlap(&n->subnet[s], &o->subnet[q]))
					return nsnet_err_set(err, EINVAL,
							     "%u:%u: subnet %s of network %s overlaps subnet %s of network %s (line %u)",
							     AT(ytree_get(v, "subnet")), nsnet_prefix_str(&n->subnet[s], a),
							     n->name, nsnet_prefix_str(&o->subnet[q], b), o->name,
							     o->pos.line);
		if (n->bridge[0] && !strcmp(n->bridge, o->bridge))
			return nsnet_err_set(err, EINVAL, "%u:%u: bridge %s is also network %s's (line %u)",
					     AT(ytree_get(v, "bridge")), n->bridge, o->name, o->pos.line);
	}
	return 0;
}

/*
 * The keys an attachment and a namespace share (as `attach` and `ns add` share the options):
 * "aliases", "rate_in", "rate_out", "burst" (both directions' burst; "burst_in" and "burst_out"
 * for one). A namespace's apply to each of its attachments; an attachment's own replace them key
 * by key.
 */
struct att_opts {
	const struct ynode *aliases, *rate_in, *rate_out, *burst, *burst_in, *burst_out;	/* NULL: not given */
};

static void att_opts_get(const struct ynode *m, struct att_opts *o)
{
	o->aliases = ytree_get(m, "aliases");
	o->rate_in = ytree_get(m, "rate_in");
	o->rate_out = ytree_get(m, "rate_out");
	o->burst = ytree_get(m, "burst");
	o->burst_in = ytree_get(m, "burst_in");
	o->burst_out = ytree_get(m, "burst_out");
}

static int one_alias(const struct ynode *s, void *data, struct nsnet_err *err)
{
	struct topo_att *a = data;

	if (names_check("alias", s->str, err) < 0) {
		return refused_at(err, AT(s), NULL);
	}
	for (size_t i = 0; i < a->n_aliases; i++)
		if (!strcmp(a->aliases[i], s->str))
			return nsnet_err_set(err, EINVAL, "%u:%u: alias %s is given twice", AT(s), s->str);
	snprintf(a->aliases[a->n_aliases++], sizeof(a->aliases[0]), "%s", s->str);
	return 0;
}

/* Attachment @a's aliases and limits from its own keys @own, else the namespace's @def. */
static int att_opts_apply(struct topo_att *a, const struct att_opts *own, const struct att_opts *def,
			  struct nsnet_err *err)
{
	const struct ynode *al = own->aliases ? own->aliases : def->aliases;
	const struct ynode *ri = own->rate_in ? own->rate_in : def->rate_in;
	const struct ynode *ro = own->rate_out ? own->rate_out : def->rate_out;
	const struct ynode *bu = own->burst ? own->burst : def->burst;
	const struct ynode *bi = own->burst_in ? own->burst_in : def->burst_in;
	const struct ynode *bo = own->burst_out ? own->burst_out : def->burst_out;
	uint64_t burst = 0, burst_in = 0, burst_out = 0;
	size_t cnt;
	int r;

	if (al) {
		a->n_aliases = 0;
		if ((r = each_str(al, "aliases", NSNET_MAX_ALIASES, &cnt, one_alias, a, err)) < 0)
			return r;
	}
	struct {
		const struct ynode *n;
		const char *what;
		uint64_t *out;
		bool size;
	} v[] = { { ri, "rate_in", &a->limit.rate_in, false }, { ro, "rate_out", &a->limit.rate_out, false },
		  { bu, "burst", &burst, true }, { bi, "burst_in", &burst_in, true },
		  { bo, "burst_out", &burst_out, true } };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (!v[i].n)
			continue;
		if ((r = want(v[i].n, Y_STR, v[i].what, err)) < 0)
			return r;
		r = v[i].size ? size_parse(v[i].what, v[i].n->str, v[i].out, err)
			      : rate_parse(v[i].what, v[i].n->str, v[i].out, err);
		if (r < 0) {
			return refused_at(err, AT(v[i].n), NULL);
		}
	}
	if (bu && !a->limit.rate_in && !a->limit.rate_out)
		return nsnet_err_set(err, EINVAL, "%u:%u: burst: needs rate_in or rate_out", AT(bu));
	if (bi && !a->limit.rate_in)
		return nsnet_err_set(err, EINVAL, "%u:%u: burst_in: needs rate_in", AT(bi));
	if (bo && !a->limit.rate_out)
		return nsnet_err_set(err, EINVAL, "%u:%u: burst_out: needs rate_out", AT(bo));
	/* As `--burst` with `--rate-in`/`--rate-out`: the burst of each direction limited. */
	a->limit.burst_in = a->limit.rate_in ? (bi ? burst_in : burst) : 0;
	a->limit.burst_out = a->limit.rate_out ? (bo ? burst_out : burst) : 0;
	return 0;
}

/* One entry of a namespace's "networks": a name, or {network, ip, ifname, aliases, rate_in, rate_out, burst}. */
static int att_load(struct topo *t, struct topo_ns *ns, const struct ynode *e, const struct att_opts *def,
		    struct nsnet_err *err)
{
	static const char *const keys[] = { "network", "ip", "ifname", "aliases", "rate_in", "rate_out", "burst",
					    "burst_in", "burst_out", NULL };
	struct att_opts own = { 0 };
	struct topo_att *a = &ns->att[ns->n_att];
	const struct ynode *name = e, *x;
	const struct topo_net *net;
	size_t cnt;
	int r;

	if (e->kind == Y_MAP) {
		if ((r = keys_check(e, "an attachment", keys, err)) < 0)
			return r;
		if (!(name = ytree_get(e, "network")))
			return nsnet_err_set(err, EINVAL, "%u:%u: attachment: missing \"network\"", AT(e));
	}
	if ((r = get_str(name, "network", a->net, sizeof(a->net), err)) < 0)
		return r;
	if (!(net = topo_net_find(t, a->net)))
		return nsnet_err_set(err, EINVAL, "%u:%u: namespace %s: network %s is not defined in this file", AT(name),
				     ns->name, a->net);
	for (size_t i = 0; i < ns->n_att; i++)
		if (!strcmp(ns->att[i].net, a->net))
			return nsnet_err_set(err, EINVAL, "%u:%u: namespace %s: network %s is listed twice", AT(name),
					     ns->name, a->net);
	if (e->kind == Y_MAP && (x = ytree_get(e, "ifname"))) {
		if ((r = get_str(x, "ifname", a->ifname, sizeof(a->ifname), err)) < 0)
			return r;
		if (names_check_ifname(a->ifname, err) < 0) {
			return refused_at(err, AT(x), NULL);
		}
		for (size_t i = 0; i < ns->n_att; i++)
			if (!strcmp(ns->att[i].ifname, a->ifname))
				return nsnet_err_set(err, EINVAL, "%u:%u: namespace %s: ifname %s is given twice", AT(x),
						     ns->name, a->ifname);
	}
	if (e->kind == Y_MAP && (x = ytree_get(e, "ip"))) {
		struct addr_sink as = { a->ip, 0, "ip" };

		if ((r = each_str(x, "ip", NSNET_MAX_SUBNETS, &cnt, one_addr, &as, err)) < 0)
			return r;
		a->n_ips = as.n;
		for (size_t i = 0; i < a->n_ips && !net->external; i++) {
			char s[INET6_ADDRSTRLEN];
			bool in = false;

			nsnet_addr_str(&a->ip[i], s);
			for (size_t k = 0; k < net->n_subnets; k++) {
				in |= nsnet_prefix_contains(&net->subnet[k], &a->ip[i]);
				if (nsnet_addr_equal(&net->gateway[k], &a->ip[i]) && k < net->n_gateways)
					return nsnet_err_set(err, EINVAL, "%u:%u: ip %s is network %s's gateway", AT(x),
							     nsnet_addr_str(&a->ip[i], s), net->name);
			}
			if (!in)
				return nsnet_err_set(err, EINVAL, "%u:%u: ip %s is outside every subnet of network %s",
						     AT(x), nsnet_addr_str(&a->ip[i], s), net->name);
			/* The same fixed address twice on one network. */
			for (size_t m = 0; m < t->n_ns; m++)
				for (size_t q = 0; q < t->ns[m].n_att; q++) {
					const struct topo_att *o = &t->ns[m].att[q];

					if (&t->ns[m] == ns && q >= ns->n_att)
						continue;
					for (size_t z = 0; z < o->n_ips && !strcmp(o->net, a->net); z++)
						if (nsnet_addr_equal(&o->ip[z], &a->ip[i]))
							return nsnet_err_set(err, EINVAL,
									     "%u:%u: ip %s on network %s is also namespace %s's",
									     AT(x), s, a->net, t->ns[m].name);
				}
		}
	}
	if (e->kind == Y_MAP)
		att_opts_get(e, &own);
	if ((r = att_opts_apply(a, &own, def, err)) < 0)
		return r;
	ns->n_att++;
	return 0;
}

static int ns_load(struct topo *t, const struct ynode *k, const struct ynode *v, struct nsnet_err *err)
{
	static const char *const keys[] = { "networks", "dns", "aliases", "rate_in", "rate_out", "burst", "burst_in",
					    "burst_out", "external", NULL };
	struct topo_ns *ns = topo_ns_new(t);
	struct att_opts def = { 0 };
	const struct ynode *x;
	size_t cnt;
	int r;

	if (!ns)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	ns->pos = (struct topo_pos){ AT(k) };
	if ((r = get_str(k, "namespace name", ns->name, sizeof(ns->name), err)) < 0)
		return r;
	if (names_check("namespace", ns->name, err) < 0) {
		return refused_at(err, AT(k), NULL);
	}
	if ((r = want(v, Y_MAP, "namespace", err)) < 0 || (r = keys_check(v, "a namespace", keys, err)) < 0)
		return r;
	if ((x = ytree_get(v, "external")) && (r = get_bool(x, "external", &ns->external, err)) < 0)
		return r;
	if (ns->external && v->n > 1)
		return nsnet_err_set(err, EINVAL, "%u:%u: namespace %s is external: it takes no other key", AT(k),
				     ns->name);
	att_opts_get(v, &def);
	x = def.aliases ? def.aliases : def.rate_in ? def.rate_in : def.rate_out ? def.rate_out : def.burst ? def.burst
	    : def.burst_in ? def.burst_in : def.burst_out;
	if (x && !ytree_get(v, "networks"))
		return nsnet_err_set(err, EINVAL, "%u:%u: namespace %s: aliases and limits need a network", AT(x),
				     ns->name);
	if ((x = ytree_get(v, "networks"))) {
		if ((r = want(x, Y_SEQ, "networks", err)) < 0)
			return r;
		if (x->n > NSNET_MAX_ATTACH)
			return nsnet_err_set(err, EINVAL, "%u:%u: namespace %s: at most %d networks", AT(x), ns->name,
					     NSNET_MAX_ATTACH);
		for (size_t i = 0; i < x->n; i++)
			if ((r = att_load(t, ns, x->kids[i], &def, err)) < 0)
				return r;
	}
	if ((x = ytree_get(v, "dns"))) {
		struct addr_sink as = { ns->dns, 0, "dns" };

		if ((r = each_str(x, "dns", NSNET_MAX_DNS, &cnt, one_addr, &as, err)) < 0)
			return r;
		ns->n_dns = as.n;
	}
	return 0;
}

static int vip_load(struct topo *t, const struct ynode *e, struct nsnet_err *err)
{
	static const char *const keys[] = { "vip", "backends", "name", "affinity", NULL };
	struct topo_vip *tv = topo_vip_new(t);
	const struct ynode *x;
	char a[NSNET_KEY_MAX];
	int r;

	if (!tv)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	tv->pos = (struct topo_pos){ AT(e) };
	if ((r = want(e, Y_MAP, "vip", err)) < 0 || (r = keys_check(e, "a vip", keys, err)) < 0)
		return r;
	if (!(x = ytree_get(e, "vip")))
		return nsnet_err_set(err, EINVAL, "%u:%u: vip: missing \"vip\" (ADDR:PORT[/PROTO])", AT(e));
	if ((r = want(x, Y_STR, "vip", err)) < 0)
		return r;
	if (endpoint_parse(x->str, &tv->v.vip, &tv->v.proto, err) < 0) {
		return refused_at(err, AT(x), NULL);
	}
	for (size_t i = 0; i + 1 < t->n_vips; i++)
		if (t->vips[i].v.proto == tv->v.proto && t->vips[i].v.vip.port == tv->v.vip.port &&
		    nsnet_addr_equal(&t->vips[i].v.vip.addr, &tv->v.vip.addr))
			return nsnet_err_set(err, EINVAL, "%u:%u: VIP %s/%s is defined twice (line %u)", AT(x),
					     endpoint_str(&tv->v.vip, a), proto_name(tv->v.proto), t->vips[i].pos.line);
	if ((x = ytree_get(e, "name")) && (r = get_str(x, "name", tv->v.name, sizeof(tv->v.name), err)) < 0)
		return r;
	/* As `vip add --name`. */
	if (x && names_check("VIP", tv->v.name, err) < 0)
		return refused_at(err, AT(x), NULL);
	if ((x = ytree_get(e, "affinity")) &&
	    (r = get_uint(x, "affinity", 1, NSNET_AFFINITY_MAX, &tv->v.affinity, err)) < 0)
		return r;
	if (!(x = ytree_get(e, "backends")))
		return nsnet_err_set(err, EINVAL, "%u:%u: vip: missing \"backends\"", AT(e));
	if ((r = want(x, Y_SEQ, "backends", err)) < 0)
		return r;
	if (x->n == 0 || x->n > NSNET_MAX_BACKENDS)
		return nsnet_err_set(err, EINVAL, "%u:%u: backends: expected 1 to %d", AT(x), NSNET_MAX_BACKENDS);
	for (size_t i = 0; i < x->n; i++) {
		const struct ynode *b = x->kids[i];
		struct nsnet_backend *be = &tv->v.backend[i];

		if ((r = want(b, Y_STR, "backend", err)) < 0)
			return r;
		if (backend_parse(b->str, be, err) < 0) {
			return refused_at(err, AT(b), NULL);
		}
		if (be->ns[0] && !topo_ns_find(t, be->ns))
			return nsnet_err_set(err, EINVAL, "%u:%u: backend %s: namespace %s is not defined in this file",
					     AT(b), b->str, be->ns);
		tv->v.n_backends++;
	}
	return 0;
}

/* Do published ports @a and @b take the same host port? "Every address" covers all but loopback. */
static bool ports_clash(const struct nsnet_port *a, const struct nsnet_port *b)
{
	const struct nsnet_addr *one;

	if (a->proto != b->proto || a->host_port != b->host_port)
		return false;
	if (!a->host_ip.family && !b->host_ip.family)
		return true;
	if (a->host_ip.family && b->host_ip.family)
		return nsnet_addr_equal(&a->host_ip, &b->host_ip);
	one = a->host_ip.family ? &a->host_ip : &b->host_ip;
	return !nsnet_addr_special(one) || strcmp(nsnet_addr_special(one), "loopback");
}

static int port_load(struct topo *t, const struct ynode *e, struct nsnet_err *err)
{
	static const char *const keys[] = { "namespace", "port", "network", "host_ip", "protocol", NULL };
	struct topo_port *tp = topo_port_new(t);
	const struct topo_ns *ns;
	const struct ynode *x, *y;
	int r;

	if (!tp)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	tp->pos = (struct topo_pos){ AT(e) };
	if ((r = want(e, Y_MAP, "publish", err)) < 0 || (r = keys_check(e, "a published port", keys, err)) < 0)
		return r;
	if (!(x = ytree_get(e, "namespace")) || !(y = ytree_get(e, "port")))
		return nsnet_err_set(err, EINVAL, "%u:%u: publish: \"namespace\" and \"port\" are required", AT(e));
	if ((r = get_str(x, "namespace", tp->p.ns, sizeof(tp->p.ns), err)) < 0)
		return r;
	if (!(ns = topo_ns_find(t, tp->p.ns)))
		return nsnet_err_set(err, EINVAL, "%u:%u: publish: namespace %s is not defined in this file", AT(x),
				     tp->p.ns);
	if ((r = want(y, Y_STR, "port", err)) < 0)
		return r;
	if (port_spec_parse(y->str, &tp->p, err) < 0) {
		return refused_at(err, AT(y), NULL);
	}
	if ((x = ytree_get(e, "host_ip"))) {
		if (tp->p.host_ip.family)
			return nsnet_err_set(err, EINVAL, "%u:%u: host_ip is given twice (also in \"port\")", AT(x));
		if ((r = want(x, Y_STR, "host_ip", err)) < 0)
			return r;
		if (nsnet_addr_parse(x->str, &tp->p.host_ip, err) < 0) {
			return refused_at(err, AT(x), "host_ip");
		}
		if (nsnet_addr_special(&tp->p.host_ip) && !strcmp(nsnet_addr_special(&tp->p.host_ip), "unspecified"))
			tp->p.host_ip.family = 0;
	}
	if ((x = ytree_get(e, "protocol"))) {
		if (strchr(y->str, '/'))
			return nsnet_err_set(err, EINVAL, "%u:%u: protocol is given twice (also in \"port\")", AT(x));
		if (x->kind == Y_STR && !strcmp(x->str, "udp"))
			tp->p.proto = IPPROTO_UDP;
		else if (!(x->kind == Y_STR && !strcmp(x->str, "tcp")))
			return nsnet_err_set(err, EINVAL, "%u:%u: protocol: expected tcp or udp", AT(x));
	}
	if ((x = ytree_get(e, "network"))) {
		bool on = false;

		if ((r = get_str(x, "network", tp->p.net, sizeof(tp->p.net), err)) < 0)
			return r;
		for (size_t i = 0; i < ns->n_att; i++)
			on |= !strcmp(ns->att[i].net, tp->p.net);
		if (!on)
			return nsnet_err_set(err, EINVAL, "%u:%u: publish: namespace %s is not on network %s", AT(x),
					     ns->name, tp->p.net);
	} else if (!ns->external && ns->n_att == 0) {
		return nsnet_err_set(err, EINVAL, "%u:%u: publish: namespace %s is on no network", AT(e), ns->name);
	}
	for (size_t i = 0; i + 1 < t->n_ports; i++)
		if (ports_clash(&t->ports[i].p, &tp->p))
			return nsnet_err_set(err, EINVAL, "%u:%u: host port %u/%s is already published at line %u", AT(y),
					     tp->p.host_port, proto_name(tp->p.proto), t->ports[i].pos.line);
	return 0;
}

static int top_load(struct topo *t, const struct ynode *root, struct nsnet_err *err)
{
	static const char *const keys[] = { "version", "project", "networks", "namespaces", "vips", "publish", NULL };
	const struct ynode *x;
	unsigned int version;
	int r;

	if ((r = want(root, Y_MAP, "topology", err)) < 0 || (r = keys_check(root, "the topology", keys, err)) < 0)
		return r;
	if (!(x = ytree_get(root, "version")))
		return nsnet_err_set(err, EINVAL, "%u:%u: missing \"version: 1\"", AT(root));
	if ((r = get_uint(x, "version", TOPO_VERSION, TOPO_VERSION, &version, err)) < 0)
		return r;
	if (!(x = ytree_get(root, "project")))
		return nsnet_err_set(err, EINVAL, "%u:%u: missing \"project\" (the name that owns what the file makes)",
				     AT(root));
	if ((r = get_str(x, "project", t->project, sizeof(t->project), err)) < 0)
		return r;
	if (names_check("project", t->project, err) < 0) {
		return refused_at(err, AT(x), NULL);
	}
	if ((x = ytree_get(root, "networks"))) {
		if ((r = want(x, Y_MAP, "networks", err)) < 0)
			return r;
		for (size_t i = 0; i < x->n; i++)
			if ((r = net_load(t, x->kids[2 * i], x->kids[2 * i + 1], err)) < 0)
				return r;
	}
	if ((x = ytree_get(root, "namespaces"))) {
		if ((r = want(x, Y_MAP, "namespaces", err)) < 0)
			return r;
		for (size_t i = 0; i < x->n; i++)
			if ((r = ns_load(t, x->kids[2 * i], x->kids[2 * i + 1], err)) < 0)
				return r;
	}
	if ((x = ytree_get(root, "vips"))) {
		if ((r = want(x, Y_SEQ, "vips", err)) < 0)
			return r;
		for (size_t i = 0; i < x->n; i++)
			if ((r = vip_load(t, x->kids[i], err)) < 0)
				return r;
	}
	if ((x = ytree_get(root, "publish"))) {
		if ((r = want(x, Y_SEQ, "publish", err)) < 0)
			return r;
		for (size_t i = 0; i < x->n; i++)
			if ((r = port_load(t, x->kids[i], err)) < 0)
				return r;
	}
	return 0;
}

int topo_parse(const char *text, size_t len, struct topo *t, struct nsnet_err *err)
{
	struct ynode *root = NULL;
	int r;

	memset(t, 0, sizeof(*t));
	if (len > TOPO_FILE_MAX)
		return nsnet_err_set(err, EINVAL, "1:1: the file has %zu bytes: at most %u", len, TOPO_FILE_MAX);
	if ((r = ytree_parse(text, len, &root, err)) < 0)
		return r;
	r = top_load(t, root, err);
	ytree_free(root);
	if (r < 0)
		topo_free(t);
	return r;
}
