// SPDX-License-Identifier: MIT
// struct topo -> a topology file in canonical YAML (export), and the topo's object lists.
#include <stdlib.h>
#include <string.h>

#include "topology/topology.h"

static void *topo_grow(void **v, size_t *n, size_t size)
{
	char *p = realloc(*v, (*n + 1) * size);

	if (!p)
		return NULL;
	*v = p;
	memset(p + *n * size, 0, size);
	return p + (*n)++ * size;
}

struct topo_net *topo_net_new(struct topo *t)
{
	return topo_grow((void **)&t->nets, &t->n_nets, sizeof(*t->nets));
}

struct topo_ns *topo_ns_new(struct topo *t)
{
	return topo_grow((void **)&t->ns, &t->n_ns, sizeof(*t->ns));
}

struct topo_vip *topo_vip_new(struct topo *t)
{
	return topo_grow((void **)&t->vips, &t->n_vips, sizeof(*t->vips));
}

struct topo_port *topo_port_new(struct topo *t)
{
	return topo_grow((void **)&t->ports, &t->n_ports, sizeof(*t->ports));
}

void topo_free(struct topo *t)
{
	free(t->nets);
	free(t->ns);
	free(t->vips);
	free(t->ports);
	memset(t, 0, sizeof(*t));
}

const struct topo_net *topo_net_find(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_nets; i++)
		if (!strcmp(t->nets[i].name, name))
			return &t->nets[i];
	return NULL;
}

const struct topo_ns *topo_ns_find(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_ns; i++)
		if (!strcmp(t->ns[i].name, name))
			return &t->ns[i];
	return NULL;
}

/* A name YAML reads back as the same string when written plain (not a bool, number or null). */
static bool plain_ok(const char *s)
{
	static const char *const words[] = { "true", "false", "yes", "no", "on", "off", "null", "y", "n", NULL };

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
		      *c == '-' || *c == '.'))
			return false;
	for (size_t i = 0; words[i]; i++)
		if (!strcasecmp(s, words[i]))
			return false;
	return true;
}

/*
 * A string value: plain when safe, else double-quoted, with '"' and '\' escaped and any other
 * byte below 0x20 as \xXX (the loader's checks leave names without them; an ifname may have '"').
 */
static void str_put(struct strbuf *out, const char *s)
{
	if (plain_ok(s)) {
		strbuf_printf(out, "%s", s);
		return;
	}
	strbuf_printf(out, "\"");
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			strbuf_printf(out, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			strbuf_printf(out, "\\x%02x", *c);
		else
			strbuf_printf(out, "%c", *c);
	}
	strbuf_printf(out, "\"");
}

static void addrs_put(struct strbuf *out, const struct nsnet_addr *a, size_t n)
{
	char buf[INET6_ADDRSTRLEN];

	strbuf_printf(out, "[");
	for (size_t i = 0; i < n; i++) {
		strbuf_printf(out, "%s", i ? ", " : "");
		str_put(out, nsnet_addr_str(&a[i], buf));
	}
	strbuf_printf(out, "]");
}

/* "    KEY: VALUE" on a line of its own, VALUE as str_put() writes it; nothing when VALUE is "". */
static void field_put(struct strbuf *out, const char *key, const char *value)
{
	if (!value[0])
		return;
	strbuf_printf(out, "    %s: ", key);
	str_put(out, value);
	strbuf_printf(out, "\n");
}

static void net_put(struct strbuf *out, const struct topo_net *n)
{
	char buf[NSNET_PREFIX_STRLEN];

	strbuf_printf(out, "  ");
	str_put(out, n->name);
	if (n->external) {
		strbuf_printf(out, ": {external: true}\n");
		return;
	}
	strbuf_printf(out, ":\n    subnet: [");
	for (size_t i = 0; i < n->n_subnets; i++) {
		strbuf_printf(out, "%s", i ? ", " : "");
		str_put(out, nsnet_prefix_str(&n->subnet[i], buf));
	}
	strbuf_printf(out, "]\n");
	if (n->n_gateways) {
		strbuf_printf(out, "    gateway: ");
		addrs_put(out, n->gateway, n->n_gateways);
		strbuf_printf(out, "\n");
	}
	if (n->internal)
		strbuf_printf(out, "    internal: true\n");
	else if (n->no_nat)
		strbuf_printf(out, "    nat: false\n");
	if (n->mtu)
		strbuf_printf(out, "    mtu: %u\n", n->mtu);
	field_put(out, "driver", n->driver);
	field_put(out, "bridge", n->bridge);
	if (n->no_dns)
		strbuf_printf(out, "    dns: false\n");
	field_put(out, "domain", n->domain);
	if (n->n_upstream) {
		strbuf_printf(out, "    dns_upstream: ");
		addrs_put(out, n->upstream, n->n_upstream);
		strbuf_printf(out, "\n");
	}
}

/* An attachment's aliases and limits, as ", key: value" pairs of its flow map. */
static void att_opts_put(struct strbuf *out, const struct topo_att *a)
{
	const struct nsnet_limit *l = &a->limit;
	char b[NSNET_RATE_STRLEN];

	if (a->n_aliases) {
		strbuf_printf(out, ", aliases: [");
		for (size_t i = 0; i < a->n_aliases; i++) {
			strbuf_printf(out, "%s", i ? ", " : "");
			str_put(out, a->aliases[i]);
		}
		strbuf_printf(out, "]");
	}
	if (l->rate_in)
		strbuf_printf(out, ", rate_in: %s", rate_str(l->rate_in, b));
	if (l->rate_out)
		strbuf_printf(out, ", rate_out: %s", rate_str(l->rate_out, b));
	/* One "burst" when every limited direction has the same; else one per direction. */
	if ((!l->rate_in || !l->rate_out || l->burst_in == l->burst_out) && (l->burst_in || l->burst_out)) {
		strbuf_printf(out, ", burst: %s", size_str(l->rate_in ? l->burst_in : l->burst_out, b));
	} else if (l->rate_in && l->rate_out && l->burst_in != l->burst_out) {
		if (l->burst_in)
			strbuf_printf(out, ", burst_in: %s", size_str(l->burst_in, b));
		if (l->burst_out)
			strbuf_printf(out, ", burst_out: %s", size_str(l->burst_out, b));
	}
}

static void ns_put(struct strbuf *out, const struct topo_ns *ns)
{
	strbuf_printf(out, "  ");
	str_put(out, ns->name);
	if (ns->external) {
		strbuf_printf(out, ": {external: true}\n");
		return;
	}
	if (!ns->n_att && !ns->n_dns) {
		strbuf_printf(out, ": {}\n");
		return;
	}
	strbuf_printf(out, ":\n");
	if (ns->n_att)
		strbuf_printf(out, "    networks:\n");
	for (size_t i = 0; i < ns->n_att; i++) {
		const struct topo_att *a = &ns->att[i];

		strbuf_printf(out, "      - {network: ");
		str_put(out, a->net);
		if (a->n_ips) {
			strbuf_printf(out, ", ip: ");
			addrs_put(out, a->ip, a->n_ips);
		}
		if (a->ifname[0]) {
			strbuf_printf(out, ", ifname: ");
			str_put(out, a->ifname);
		}
		att_opts_put(out, a);
		strbuf_printf(out, "}\n");
	}
	if (ns->n_dns) {
		strbuf_printf(out, "    dns: ");
		addrs_put(out, ns->dns, ns->n_dns);
		strbuf_printf(out, "\n");
	}
}

static void vip_put(struct strbuf *out, const struct nsnet_vip *v)
{
	char a[NSNET_KEY_MAX], b[NSNET_KEY_MAX + NSNET_NAME_MAX + 8];

	snprintf(b, sizeof(b), "%s/%s", endpoint_str(&v->vip, a), proto_name(v->proto));
	strbuf_printf(out, "  - {vip: \"%s\", backends: [", b);
	for (size_t i = 0; i < v->n_backends; i++) {
		const struct nsnet_backend *be = &v->backend[i];

		if (be->ns[0])
			snprintf(b, sizeof(b), "%s:%u", be->ns, be->ep.port);
		else
			endpoint_str(&be->ep, b);
		strbuf_printf(out, "%s\"%s\"", i ? ", " : "", b);
	}
	strbuf_printf(out, "]");
	if (v->name[0]) {
		strbuf_printf(out, ", name: ");
		str_put(out, v->name);
	}
	if (v->affinity)
		strbuf_printf(out, ", affinity: %u", v->affinity);
	strbuf_printf(out, "}\n");
}

static void port_put(struct strbuf *out, const struct nsnet_port *p)
{
	char h[INET6_ADDRSTRLEN];

	strbuf_printf(out, "  - {namespace: ");
	str_put(out, p->ns);
	strbuf_printf(out, ", port: \"");
	if (p->host_ip.family == AF_INET6)
		strbuf_printf(out, "[%s]:", nsnet_addr_str(&p->host_ip, h));
	else if (p->host_ip.family)
		strbuf_printf(out, "%s:", nsnet_addr_str(&p->host_ip, h));
	strbuf_printf(out, "%u:%u/%s\"", p->host_port, p->port, proto_name(p->proto));
	if (p->net[0]) {
		strbuf_printf(out, ", network: ");
		str_put(out, p->net);
	}
	strbuf_printf(out, "}\n");
}

void topo_render(const struct topo *t, struct strbuf *out)
{
	strbuf_printf(out, "version: %d\nproject: ", TOPO_VERSION);
	str_put(out, t->project);
	strbuf_printf(out, "\n");
	if (t->n_nets)
		strbuf_printf(out, "networks:\n");
	for (size_t i = 0; i < t->n_nets; i++)
		net_put(out, &t->nets[i]);
	if (t->n_ns)
		strbuf_printf(out, "namespaces:\n");
	for (size_t i = 0; i < t->n_ns; i++)
		ns_put(out, &t->ns[i]);
	if (t->n_vips)
		strbuf_printf(out, "vips:\n");
	for (size_t i = 0; i < t->n_vips; i++)
		vip_put(out, &t->vips[i].v);
	if (t->n_ports)
		strbuf_printf(out, "publish:\n");
	for (size_t i = 0; i < t->n_ports; i++)
		port_put(out, &t->ports[i].p);
}
