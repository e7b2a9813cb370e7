/* SPDX-License-Identifier: MIT */
/* The plain data nsnet keeps: networks, namespaces with their attachments, leases; JSON forms. */
#ifndef NSNET_MODEL_MODEL_H
#define NSNET_MODEL_MODEL_H

#include <jansson.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "model/rate.h"
#include "util/err.h"
#include "util/inet.h"
#include "util/names.h"

#define NSNET_MAX_SUBNETS 2	/* one per family */
#define NSNET_MAX_ATTACH 8	/* networks one namespace may join */
#define NSNET_MAX_DNS 3		/* resolv.conf honours three nameservers */
#define NSNET_MTU_DEFAULT 1500
#define NSNET_CID_MAX 255		/* CNI container IDs, bytes */
#define NSNET_NETNS_PATH_MAX 511	/* CNI namespace paths (CNI_NETNS), bytes */
#define NSNET_DRIVER_MAX 15		/* network driver names ("bridge"), bytes */
#define NSNET_DRIVER_DEFAULT "bridge"
#define NSNET_DRIVER_ROUTED "routed"	/* no bridge: a network of routed point-to-point veths */
#define NSNET_MAX_ALIASES 8		/* extra DNS names of one attachment */
#define NSNET_DOMAIN_MAX 253		/* a network's DNS domain, bytes */
#define NSNET_DRIVER_VXLAN "vxlan"	/* a host's part of an overlay spanning hosts (docs/overlay.md) */
#define NSNET_STORE_MAX 511		/* an overlay's etcd endpoints, comma-separated, bytes */
#define NSNET_STORE_PATH_MAX 255	/* a TLS file or password file of the store, absolute path, bytes */
#define NSNET_STORE_USER_MAX 63		/* an etcd user name, bytes */

/*
 * Driver vxlan (core/drivers/vxlan.c): the overlay a network is this host's part of. The
 * network's own subnet[0] is this host's block of @subnet, its gateway the block's first host.
 */
struct nsnet_overlay {
	char store[NSNET_STORE_MAX + 1];
	struct nsnet_prefix subnet;	/* the whole overlay (IPv4) */
	unsigned int host_prefix;	/* length of each host's block */
	uint32_t vni;
	uint16_t port;			/* VXLAN UDP port */
	unsigned int ttl;		/* liveness lease, seconds */
	char vxlan[IFNAMSIZ];		/* the VXLAN device ("": not an overlay network) */
	struct nsnet_addr local;	/* this host's underlay address: its VTEP and its id in the store */
	/*
	 * How to reach the store: TLS files and the password file are absolute paths, never their
	 * contents ("": none). A @user without @password_file has its password in the state dir
	 * (record overlay/NET, 0600: core/overlay.c).
	 */
	char cacert[NSNET_STORE_PATH_MAX + 1], cert[NSNET_STORE_PATH_MAX + 1], key[NSNET_STORE_PATH_MAX + 1];
	char user[NSNET_STORE_USER_MAX + 1];
	char password_file[NSNET_STORE_PATH_MAX + 1];
};

struct nsnet_network {
	char name[NSNET_NAME_MAX + 1];
	char driver[NSNET_DRIVER_MAX + 1];	/* what the network is in the kernel (core/drivers/) */
	char bridge[IFNAMSIZ];		/* the network's link on the host (the bridge's name) */
	size_t n_subnets;
	struct nsnet_prefix subnet[NSNET_MAX_SUBNETS];
	struct nsnet_addr gateway[NSNET_MAX_SUBNETS];	/* gateway[i] belongs to subnet[i] */
	bool nat;
	bool internal;
	unsigned int mtu;
	bool cni;			/* made by a CNI ADD: it goes with its last CNI container */
	char project[NSNET_NAME_MAX + 1];	/* made by `nsnet apply` of this project ("": by hand) */
	/*
	 * Name service (core/dns.c): a resolver answers the names of the network's namespaces under
	 * @domain and forwards the rest to @upstream (none: the host's /etc/resolv.conf). Records
	 * without "dns" (made before it or with --no-dns) have none.
	 */
	bool dns;
	char domain[NSNET_DOMAIN_MAX + 1];
	size_t n_upstream;
	struct nsnet_addr upstream[NSNET_MAX_DNS];
	struct nsnet_overlay ov;	/* driver vxlan only ("overlay" in the record) */
};

struct nsnet_attachment {
	char net[NSNET_NAME_MAX + 1];
	char ifname[IFNAMSIZ];		/* inside the namespace */
	char host_ifname[IFNAMSIZ];	/* host end, on the network's bridge */
	bool default_route;		/* this attachment installed the namespace's default route(s) */
	bool mac_set;			/* mac was chosen by the caller (CNI); else names_guest_mac() */
	bool no_hairpin;		/* its bridge port without hairpin mode (CNI hairpinMode false): key "hairpin": false */
	unsigned char mac[6];
	struct nsnet_limit limit;	/* bandwidth limits (model/rate.h); all 0: none */
	/*
	 * The addresses leased to this attachment (record key "addrs"): where its lease files are
	 * (core/leases.c), so leaving a network reads no other lease. 0: a record from before they
	 * were kept (the leases are searched instead).
	 */
	size_t n_addrs;
	struct nsnet_addr addr[NSNET_MAX_SUBNETS];
	size_t n_aliases;		/* DNS names besides the namespace's own (core/dns.c) */
	char aliases[NSNET_MAX_ALIASES][NSNET_NAME_MAX + 1];
};

struct nsnet_namespace {
	char name[NSNET_NAME_MAX + 1];
	bool managed;			/* created by nsnet (and so removable by it) */
	size_t n_dns;
	struct nsnet_addr dns[NSNET_MAX_DNS];
	size_t n_att;
	struct nsnet_attachment att[NSNET_MAX_ATTACH];
	/*
	 * A CNI sandbox (cid[0] != 0): the runtime's namespace is a path (often /proc/PID/ns/net),
	 * not a name in /run/netns; netns_dev/ino tell whether the path still leads to it. The record
	 * is named after (cid, its one attachment's ifname): see core/sandbox.c. A named namespace
	 * (cid[0] == 0) keeps the nsfs identity of /run/netns/NAME at creation in netns_dev/ino
	 * (0: recorded before nsnet kept it): nsnet removes only the namespace it made.
	 */
	char cid[NSNET_CID_MAX + 1];
	char netns_path[NSNET_NETNS_PATH_MAX + 1];
	unsigned long long netns_dev, netns_ino;
	char project[NSNET_NAME_MAX + 1];	/* made by `nsnet apply` of this project ("": by hand) */
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
/*
 * The interface group (IFLA_GROUP) of a routed network's host ends, by which the firewall knows
 * its traffic, derived from the network's link name (unique among networks; network create also
 * refuses two networks of one group). 0 (the kernel's default group) for a network with a bridge.
 */
unsigned int network_group(const struct nsnet_network *net);

/* JSON forms. *_to_json return a new reference (NULL on OOM); *_from_json return 0 or -EBADMSG. */
json_t *network_to_json(const struct nsnet_network *net);
/* The "overlay" object of a vxlan network's record (model/overlay_rec.c); from_json validates it. */
json_t *overlay_rec_to_json(const struct nsnet_overlay *ov);
int overlay_rec_from_json(const json_t *j, struct nsnet_overlay *ov, struct nsnet_err *err);
/* Its store's TLS files and user (absent when unset), added to @j / read back and validated into @ov. */
int overlay_auth_to_json(json_t *j, const struct nsnet_overlay *ov);
int overlay_auth_from_json(const json_t *j, struct nsnet_overlay *ov, struct nsnet_err *err);
/* Does @ov reach its store with TLS files or a user? */
bool overlay_auth_any(const struct nsnet_overlay *ov);
int network_from_json(const json_t *j, struct nsnet_network *net, struct nsnet_err *err);
json_t *namespace_to_json(const struct nsnet_namespace *ns);
int namespace_from_json(const json_t *j, struct nsnet_namespace *ns, struct nsnet_err *err);
json_t *leases_to_json(const struct nsnet_leases *l);
int leases_from_json(const json_t *j, struct nsnet_leases *l, struct nsnet_err *err);

/*
 * One lease as its own record (core/leases.c): file name @name, the address in canonical form
 * (what nsnet_addr_str() prints), holding {"owner": NS, "ifname": IF}. lease_from_json() checks
 * both, as records read back are untrusted: 0 or -EBADMSG.
 */
json_t *lease_to_json(const struct nsnet_lease *l);
int lease_from_json(const char *name, const json_t *j, struct nsnet_lease *l, struct nsnet_err *err);

/* Lease sets. add returns 0 or -ENOMEM; remove_owner drops every lease of @owner(/@ifname if non-NULL). */
int leases_add(struct nsnet_leases *l, const struct nsnet_addr *a, const char *owner, const char *ifname);
size_t leases_remove_owner(struct nsnet_leases *l, const char *owner, const char *ifname);
void leases_free(struct nsnet_leases *l);

/*
 * CNI container IDs: 1..NSNET_CID_MAX bytes of [A-Za-z0-9_.-], starting with a letter or digit
 * (the spec's rule). Returns 0 or -EINVAL naming the value.
 */
int cid_check(const char *cid, struct nsnet_err *err);

/*
 * The optional "project" member of a record (`nsnet apply`, core/apply.c): absent or "" is no
 * project. project_from_json reads it into @out (NSNET_NAME_MAX + 1 bytes); returns 0 or -EBADMSG.
 */
void project_to_json(json_t *j, const char *project);
int project_from_json(const json_t *j, char *out, struct nsnet_err *err);
/* A DNS domain: names_check()'s bytes, dot-separated labels of 1-63. Returns 0 or -EINVAL naming it. */
int domain_check(const char *domain, struct nsnet_err *err);

/* The attachment of @ns to network @net, or NULL. */
struct nsnet_attachment *namespace_attachment(struct nsnet_namespace *ns, const char *net);

#endif
