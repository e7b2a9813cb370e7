/* SPDX-License-Identifier: MIT */
/* Topology files (`nsnet apply`): YAML/JSON text -> a validated description of a lab, and back to text. */
#ifndef NSNET_TOPOLOGY_TOPOLOGY_H
#define NSNET_TOPOLOGY_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "model/rate.h"
#include "model/service.h"
#include "util/strbuf.h"

#define TOPO_VERSION 1
#define TOPO_FILE_MAX (4u << 20)	/* bytes of a topology file */

/*
 * The layer sits between model/ and core/: it parses and checks a file on its own (no state dir,
 * no kernel), so every refusal that needs only the file happens before an operation begins.
 * Each object keeps the line and column (1-based) of its entry in the file, for the refusals that
 * need the records (ownership, a clash with a port published by hand).
 */
struct topo_pos {
	unsigned int line, col;
};

struct topo_net {
	struct topo_pos pos;
	char name[NSNET_NAME_MAX + 1];
	bool external;			/* used, never created, changed or removed */
	char driver[NSNET_DRIVER_MAX + 1];	/* "": the default */
	char bridge[IFNAMSIZ];		/* "": derived from the name */
	size_t n_subnets;
	struct nsnet_prefix subnet[NSNET_MAX_SUBNETS];
	size_t n_gateways;
	struct nsnet_addr gateway[NSNET_MAX_SUBNETS];
	bool no_nat;
	bool internal;
	unsigned int mtu;		/* 0: the default */
	bool no_dns;			/* "dns: false": no resolver */
	char domain[NSNET_DOMAIN_MAX + 1];	/* "": the network's name */
	size_t n_upstream;		/* none: the host's /etc/resolv.conf */
	struct nsnet_addr upstream[NSNET_MAX_DNS];
};

struct topo_att {
	char net[NSNET_NAME_MAX + 1];
	size_t n_ips;
	struct nsnet_addr ip[NSNET_MAX_SUBNETS];
	char ifname[IFNAMSIZ];		/* "": the next free ethN */
	size_t n_aliases;		/* more names on the network's resolver */
	char aliases[NSNET_MAX_ALIASES][NSNET_NAME_MAX + 1];
	struct nsnet_limit limit;	/* bandwidth limits (model/rate.h); all 0: none */
};

struct topo_ns {
	struct topo_pos pos;
	char name[NSNET_NAME_MAX + 1];
	bool external;
	size_t n_att;
	struct topo_att att[NSNET_MAX_ATTACH];
	size_t n_dns;
	struct nsnet_addr dns[NSNET_MAX_DNS];
};

struct topo_vip {
	struct topo_pos pos;
	struct nsnet_vip v;		/* backends' NS:PORT unresolved (addr family 0) */
};

struct topo_port {
	struct topo_pos pos;
	struct nsnet_port p;		/* ns, host_ip, host_port, port, proto; net "" = the namespace's first */
};

struct topo {
	char project[NSNET_NAME_MAX + 1];
	size_t n_nets, n_ns, n_vips, n_ports;
	struct topo_net *nets;
	struct topo_ns *ns;
	struct topo_vip *vips;
	struct topo_port *ports;
};

/*
 * Parse and check a topology file of @len bytes (YAML 1.1, or JSON, which is YAML's flow style).
 * Refuses unknown and duplicate keys, anchors, aliases and tags, more than one document, wrong
 * types, references to networks or namespaces the file does not define, overlapping subnets,
 * duplicate fixed addresses, VIPs and ports defined twice or clashing. Every message starts with
 * "LINE:COL: ". Returns 0 (@t filled; topo_free it) or -EINVAL, -ENOMEM.
 */
int topo_parse(const char *text, size_t len, struct topo *t, struct nsnet_err *err);
void topo_free(struct topo *t);

/* Lookups by name; NULL when the file has none. */
const struct topo_net *topo_net_find(const struct topo *t, const char *name);
const struct topo_ns *topo_ns_find(const struct topo *t, const char *name);

/* Append one zeroed object of each kind; NULL on out-of-memory (for export, core/apply.c). */
struct topo_net *topo_net_new(struct topo *t);
struct topo_ns *topo_ns_new(struct topo *t);
struct topo_vip *topo_vip_new(struct topo *t);
struct topo_port *topo_port_new(struct topo *t);

/*
 * Write @t as a topology file in its canonical form: keys in a fixed order, defaults left out,
 * objects in the order of @t. topo_parse(topo_render(t)) gives @t back.
 */
void topo_render(const struct topo *t, struct strbuf *out);

#endif
