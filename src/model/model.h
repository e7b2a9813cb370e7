/* SPDX-License-Identifier: MIT */
/* The plain data nsnet keeps: networks, namespaces with their attachments, leases; JSON forms. */
#ifndef NSNET_MODEL_MODEL_H
#define NSNET_MODEL_MODEL_H

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"
#include "util/inet.h"
#include "util/names.h"

#define NSNET_MAX_SUBNETS 2	/* one per family */
#define NSNET_MAX_ATTACH 8	/* networks one namespace may join */
#define NSNET_MAX_DNS 3		/* resolv.conf honours three nameservers */
#define NSNET_MTU_DEFAULT 1500

struct nsnet_network {
	char name[NSNET_NAME_MAX + 1];
	char bridge[IFNAMSIZ];
	size_t n_subnets;
	struct nsnet_prefix subnet[NSNET_MAX_SUBNETS];
	struct nsnet_addr gateway[NSNET_MAX_SUBNETS];	/* gateway[i] belongs to subnet[i] */
	bool nat;
	bool internal;
	unsigned int mtu;
};

struct nsnet_attachment {
	char net[NSNET_NAME_MAX + 1];
	char ifname[IFNAMSIZ];		/* inside the namespace */
	char host_ifname[IFNAMSIZ];	/* host end, on the network's bridge */
	bool default_route;		/* this attachment installed the namespace's default route(s) */
};

struct nsnet_namespace {
	char name[NSNET_NAME_MAX + 1];
	bool managed;			/* created by nsnet (and so removable by it) */
	size_t n_dns;
	struct nsnet_addr dns[NSNET_MAX_DNS];
	size_t n_att;
	struct nsnet_attachment att[NSNET_MAX_ATTACH];
};

/* One address leased on a network, to an owner (a namespace) and its interface. */
struct nsnet_lease {
	struct nsnet_addr addr;
	char owner[NSNET_NAME_MAX + 1];
	char ifname[IFNAMSIZ];
};

struct nsnet_leases {
	size_t n, cap;
	struct nsnet_lease *v;
};

/* The subnet of @net of @family, or NULL. */
const struct nsnet_prefix *network_subnet(const struct nsnet_network *net, int family, size_t *idx);

/* JSON forms. *_to_json return a new reference (NULL on OOM); *_from_json return 0 or -EBADMSG. */
json_t *network_to_json(const struct nsnet_network *net);
int network_from_json(const json_t *j, struct nsnet_network *net, struct nsnet_err *err);
json_t *namespace_to_json(const struct nsnet_namespace *ns);
int namespace_from_json(const json_t *j, struct nsnet_namespace *ns, struct nsnet_err *err);
json_t *leases_to_json(const struct nsnet_leases *l);
int leases_from_json(const json_t *j, struct nsnet_leases *l, struct nsnet_err *err);

/* Lease sets. add returns 0 or -ENOMEM; remove_owner drops every lease of @owner(/@ifname if non-NULL). */
int leases_add(struct nsnet_leases *l, const struct nsnet_addr *a, const char *owner, const char *ifname);
size_t leases_remove_owner(struct nsnet_leases *l, const char *owner, const char *ifname);
void leases_free(struct nsnet_leases *l);

/* The attachment of @ns to network @net, or NULL. */
struct nsnet_attachment *namespace_attachment(struct nsnet_namespace *ns, const char *net);

#endif
