/* SPDX-License-Identifier: MIT */
/* nsnet's operations: each validates into a plan, applies it step by step and rolls back on failure. */
#ifndef NSNET_CORE_CORE_H
#define NSNET_CORE_CORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/op.h"
#include "model/model.h"
#include "model/service.h"
#include "util/strbuf.h"

/* What the user asked for when creating a network; unset fields get defaults. */
/* --driver vxlan: the overlay's store and parameters (core/overlay.c, docs/overlay.md). */
struct overlay_req {
	const char *store;		/* etcd endpoints, "http://IP:2379[,...]" */
	uint32_t vni;			/* 0: 1 */
	uint16_t port;			/* 0: 4789 */
	unsigned int host_prefix;	/* 0: 24 */
	const char *underlay;		/* IP or IFNAME; NULL: the source address of the route to the store */
	unsigned int ttl;		/* liveness lease, s; 0: 10 */
	/* TLS to the store (https endpoints only) and etcd authentication; NULL: none. */
	const char *cacert, *cert, *key;	/* files, recorded by their absolute paths */
	const char *user;
	const char *password;		/* kept in the state dir (0600), or ... */
	const char *password_file;	/* ... read from this file by every later operation and the agent */
};

struct network_req {
	const char *name;
	const char *driver;		/* NULL: NSNET_DRIVER_DEFAULT (core/drivers/) */
	size_t n_subnets;
	struct nsnet_prefix subnet[NSNET_MAX_SUBNETS];
	size_t n_gateways;
	struct nsnet_addr gateway[NSNET_MAX_SUBNETS];
	const char *bridge;		/* NULL: derived from the name */
	bool no_nat;
	bool internal;
	unsigned int mtu;		/* 0: NSNET_MTU_DEFAULT */
	bool cni;			/* made by a CNI ADD (goes with its last CNI container) */
	const char *project;		/* NULL: none; else `nsnet apply`'s project (core/apply.c) */
	bool no_dns;			/* no resolver (core/dns.c) */
	const char *domain;		/* NULL: the network's name */
	size_t n_upstream;		/* none: the host's /etc/resolv.conf */
	struct nsnet_addr upstream[NSNET_MAX_DNS];
	const struct overlay_req *overlay;	/* driver vxlan only */
};

/* One attachment request: a network, optionally fixed addresses (one per family) and ifname. */
struct attach_req {
	const char *net;
	size_t n_ips;
	struct nsnet_addr ip[NSNET_MAX_SUBNETS];
	const char *ifname;		/* NULL: next free ethN */
	struct nsnet_limit limit;	/* bandwidth limits (core/limit.c); all 0: none */
	size_t n_aliases;		/* extra names on the network's resolver */
	const char *aliases[NSNET_MAX_ALIASES];
};

struct ns_req {
	const char *name;
	size_t n_att;
	struct attach_req att[NSNET_MAX_ATTACH];
	size_t n_dns;
	struct nsnet_addr dns[NSNET_MAX_DNS];
	const char *project;		/* NULL: none; else `nsnet apply`'s project (core/apply.c) */
};

int core_network_create(const struct nsnet_opts *o, const struct network_req *req, struct nsnet_err *err);
/* `nsnet agent`: serve the overlay networks of the state dir until signalled or none is left
 * (core/agent.c). @ttl: the liveness lease's TTL, 0: each network's own. */
int core_agent_run(const struct nsnet_opts *o, unsigned int ttl, struct nsnet_err *err);
/* @force: detach attached namespaces first instead of refusing. */
int core_network_rm(const struct nsnet_opts *o, const char *name, bool force, struct nsnet_err *err);

int core_ns_add(const struct nsnet_opts *o, const struct ns_req *req, struct nsnet_err *err);
/* @force: kill the processes still inside instead of refusing. */
int core_ns_rm(const struct nsnet_opts *o, const char *name, bool force, struct nsnet_err *err);

int core_attach(const struct nsnet_opts *o, const char *ns, const struct attach_req *req,
		struct nsnet_err *err);
int core_detach(const struct nsnet_opts *o, const char *ns, const char *net, struct nsnet_err *err);

/*
 * Services. A VIP request carries parsed backends whose NS:PORT ones are resolved to the
 * namespace's address of the VIP's family. vip set replaces the backend list in one transaction.
 */
struct nsnet_vip;
struct nsnet_port;
int core_vip_add(const struct nsnet_opts *o, const struct nsnet_vip *req, struct nsnet_err *err);
int core_vip_set(const struct nsnet_opts *o, const struct nsnet_vip *req, struct nsnet_err *err);
int core_vip_rm(const struct nsnet_opts *o, uint8_t proto, const void *endpoint, struct nsnet_err *err);
/* Publish @req (host ip/port, port, proto parsed) of namespace @ns through network @net (NULL: its first). */
int core_publish(const struct nsnet_opts *o, const char *ns, const char *net, const struct nsnet_port *req,
		 struct nsnet_err *err);
int core_unpublish(const struct nsnet_opts *o, const char *ns, const struct nsnet_port *req, struct nsnet_err *err);

/*
 * In-operation forms. Each does the work of its command inside operation @op that the caller
 * opened (op_begin) and ends (op_end, after op_rollback on failure), so one operation can chain
 * any number of them and a rollback undoes them all, newest first (docs/design.md, "Composing
 * operations"). A failing form leaves its own completed steps on the undo stack: the caller rolls
 * back. The core_* commands above are these wrapped in one operation each. Removals (network rm,
 * ns rm, detach, vip rm, unpublish) are best effort and cannot bring back a deleted kernel
 * object: compose them after the steps that may fail.
 */
/* Fills @net (may be NULL) with the network as created. */
int network_create_apply(struct op *op, const struct network_req *req, struct nsnet_network *net,
			 struct nsnet_err *err);
/* Does a network of @driver called @name get a resolver when its creation says nothing of DNS? */
bool network_dns_default(const char *driver, const char *name);
/* Rules first, then the driver's link, leases and record; @force: detach attached namespaces first. */
int network_rm_apply(struct op *op, const char *name, bool force, struct nsnet_err *err);
int ns_add_apply(struct op *op, const struct ns_req *req, struct nsnet_err *err);
int ns_rm_apply(struct op *op, const char *name, bool force, struct nsnet_err *err);
/* Attach namespace @ns (nsnet's or someone else's) to @req->net and store its record. */
int ns_attach_apply(struct op *op, const char *ns, const struct attach_req *req, struct nsnet_err *err);
int ns_detach_apply(struct op *op, const char *ns, const char *net, struct nsnet_err *err);
/* The names of @ns's attachment to @net besides its own: @n @aliases, in place (`nsnet apply`). */
int ns_aliases_apply(struct op *op, const char *ns, const char *net, size_t n,
		     const char (*aliases)[NSNET_NAME_MAX + 1], struct nsnet_err *err);
int vip_add_apply(struct op *op, const struct nsnet_vip *req, struct nsnet_err *err);
int vip_set_apply(struct op *op, const struct nsnet_vip *req, struct nsnet_err *err);
int vip_rm_apply(struct op *op, uint8_t proto, const struct nsnet_endpoint *endpoint, struct nsnet_err *err);
int publish_apply(struct op *op, const char *ns, const char *net, const struct nsnet_port *req,
		  struct nsnet_err *err);
int unpublish_apply(struct op *op, const char *ns, const struct nsnet_port *req, struct nsnet_err *err);
/*
 * The end of a command form: with @undo, roll the operation back when @r (its result) is a
 * failure; then end it. Returns @r. `return core_op_end(&op, r ? r : X_apply(&op, ...), true);`
 */
static inline int core_op_end(struct op *op, int r, bool undo)
{
	if (r < 0 && undo)
		op_rollback(op);
	op_end(op);
	return r;
}

/*
 * CNI sandboxes (src/core/sandbox.c): a runtime's namespace, given by path, attached to one
 * network under the key (container ID, ifname). The CNI layer (src/cni) turns the protocol into
 * these calls.
 */
#define SANDBOX_GIVEN_GATEWAY 0x1u	/* which network_req fields the config set explicitly */
#define SANDBOX_GIVEN_BRIDGE 0x2u
#define SANDBOX_GIVEN_NAT 0x4u
#define SANDBOX_GIVEN_INTERNAL 0x8u
#define SANDBOX_GIVEN_MTU 0x10u
#define SANDBOX_MAX_PORTS 64

#define NSNET_MAX_ROUTES 16
/* Routes of a container namespace a CHECK result holds; a namespace with more is unusual. */
#define SANDBOX_MAX_PRESENT_ROUTES 256

struct sandbox_req {
	const char *cid;
	const char *ifname;
	const char *netns;		/* path */
	struct network_req net;		/* used as is, or created if missing */
	unsigned int given;		/* SANDBOX_GIVEN_*: compared with an existing network */
	size_t n_ips;			/* static addresses, one per family at most */
	struct nsnet_addr ip[NSNET_MAX_SUBNETS];
	bool mac_set;
	unsigned char mac[6];
	bool no_default_route;		/* isGateway false */
	bool no_hairpin;		/* hairpinMode false */
	struct nsnet_limit limit;	/* runtimeConfig.bandwidth */
	size_t n_ports;			/* portMappings */
	struct nsnet_port *ports;
	size_t n_aliases;		/* runtimeConfig.aliases of this network: names on its resolver */
	const char *aliases[NSNET_MAX_ALIASES];
	size_t n_routes;		/* extra routes (a delegated IPAM plugin's); gw family 0: the subnet's gateway */
	struct sandbox_route {
		struct nsnet_prefix dst;
		struct nsnet_addr gw;
	} route[NSNET_MAX_ROUTES];
};

struct sandbox_result {
	char host_ifname[IFNAMSIZ];
	unsigned char host_mac[6];
	char ifname[IFNAMSIZ];
	unsigned char mac[6];
	size_t n_addrs;
	struct nsnet_addr addr[NSNET_MAX_SUBNETS];
	unsigned int plen[NSNET_MAX_SUBNETS];
	struct nsnet_addr gateway[NSNET_MAX_SUBNETS];	/* of addr[i]'s subnet */
	bool default_route;
	unsigned int mtu;
	bool dns;			/* the network has a resolver: nameservers = its gateways, search @domain */
	char domain[NSNET_DOMAIN_MAX + 1];
	size_t n_dns;
	struct nsnet_addr dns_servers[NSNET_MAX_SUBNETS];
	size_t n_routes;		/* the request's extra routes, as added */
	struct sandbox_route route[NSNET_MAX_ROUTES];
	/*
	 * CHECK only: the unicast routes of the main table in the container's namespace as the kernel
	 * has them (both families, any interface; gw family 0: none), for comparing with the routes of
	 * a prevResult. present_more: the namespace had more than fit, so a route missing from the
	 * list may still exist.
	 */
	size_t n_present;
	struct sandbox_route present[SANDBOX_MAX_PRESENT_ROUTES];
	bool present_more;
};

/*
 * ADD: attach the namespace at @req->netns to network @req->net.name (created first when
 * missing; -EEXIST "... conflicts ..." when one of that name differs), publish its ports, record
 * it. All or nothing. Returns 0 and fills @res, -ENOTNAM/-ENOENT when the path is no network
 * namespace, -EEXIST when (cid, ifname) is attached already, or -errno.
 */
int core_sandbox_add(const struct nsnet_opts *o, const struct sandbox_req *req, struct sandbox_result *res,
		     struct nsnet_err *err);
/*
 * DEL: release everything of (@cid, @ifname); fine when nothing (or only part) is left. Then
 * network @net (may be NULL) goes if a CNI ADD made it and nothing uses it any more.
 */
/*
 * `nsnet __link-del NAME IFINDEX ALIAS` (hidden), the process a CNI DEL leaves its veth's deletion
 * to: delete host link NAME if it still has that index and alias and is down. 0 or -errno.
 */
int core_link_del_going(const char *name, const char *ifindex, const char *alias);
int core_sandbox_del(const struct nsnet_opts *o, const char *cid, const char *ifname, const char *net,
		     struct nsnet_err *err);
/*
 * CHECK: (@cid, @ifname) is attached to @net with the namespace at @netns, its links, MAC, lease
 * and bridge port in place, and in the kernel: each leased address on the container interface
 * with its subnet's prefix length, and (when the attachment gave them) the default routes via the
 * network's gateways out of it. Fills @res with what it has and the namespace's routes (for
 * comparing with a prevResult). Returns 0, -ENOENT (unknown container) or -EPROTO naming the
 * difference.
 */
int core_sandbox_check(const struct nsnet_opts *o, const char *cid, const char *ifname, const char *netns,
		       const char *net, struct sandbox_result *res, struct nsnet_err *err);
/* GC: detach every sandbox of network @net whose "cid/ifname" is not among @valid. Returns how many. */
int core_sandbox_gc(const struct nsnet_opts *o, const char *net, char *const *valid, size_t n_valid,
		    struct nsnet_err *err);
/*
 * STATUS of network @req (may not exist yet): -EROFS/-EACCES when the state dir cannot be written,
 * -ENOSPC when no address is left, -ENETDOWN when the network's bridge is missing, else 0.
 */
int core_sandbox_status(const struct nsnet_opts *o, const struct network_req *req, struct nsnet_err *err);
/* The record name of (@cid, @ifname): "cni-" + 16 hex digits of a hash. @out: NSNET_NAME_MAX + 1. */
void sandbox_name(const char *cid, const char *ifname, char *out);

/*
 * nsnet as an IPAM plugin (src/core/pool.c): address pools named after the CNI network, leases
 * keyed by (container ID, ifname), no kernel work. add returns the existing lease when there is one.
 */
struct pool_req {
	const char *name;
	size_t n_subnets;
	struct nsnet_prefix subnet[NSNET_MAX_SUBNETS];
	size_t n_gateways;
	struct nsnet_addr gateway[NSNET_MAX_SUBNETS];
	size_t n_ips;
	struct nsnet_addr ip[NSNET_MAX_SUBNETS];
};
/*
 * Refuse (-EEXIST) a subnet of @net that overlaps an IPAM pool's (other than pool @self), or, when
 * @self names a pool being created, a network's: each runs its own allocator. 0 or -errno.
 */
struct op;
int pool_subnets_check(struct op *op, const struct nsnet_network *net, const char *self, struct nsnet_err *err);
int core_pool_add(const struct nsnet_opts *o, const struct pool_req *req, const char *cid, const char *ifname,
		  struct sandbox_result *res, struct nsnet_err *err);
int core_pool_del(const struct nsnet_opts *o, const char *pool, const char *cid, const char *ifname,
		  struct nsnet_err *err);
/* Is (@cid, @ifname) leased in @pool? 0, -ENOENT, or -errno. */
int core_pool_check(const struct nsnet_opts *o, const char *pool, const char *cid, const char *ifname,
		    struct nsnet_err *err);
int core_pool_gc(const struct nsnet_opts *o, const char *pool, char *const *valid, size_t n_valid,
		 struct nsnet_err *err);
/* -ENOSPC when @req's pool has no free address, -EACCES/-EROFS when the state dir is not writable. */
int core_pool_status(const struct nsnet_opts *o, const struct pool_req *req, struct nsnet_err *err);

/*
 * What gc, check and doctor find, handed back to the caller instead of printed (library code never
 * prints). @kind says what sort of finding it is ("veth-missing"), @object what it is about as
 * TYPE/NAME ("namespace/web", "link/nv1a2b3c4d"), @message the sentence a person reads. doctor also
 * sets @level ("ok", "note" or "blocker") and, when there is something to do, @fix. A message or fix
 * may hold '\n' where a person's terminal should break the line; a machine reader joins with a space.
 */
struct nsnet_finding {
	const char *kind;		/* static */
	const char *level;		/* static; NULL but for doctor */
	char *object;
	char *message;
	char *fix;			/* NULL: none */
};

struct nsnet_findings {
	struct nsnet_finding *v;
	size_t n, cap;
	bool oom;			/* a finding was lost for want of memory */
	/*
	 * Called with each finding as it is added, when set: the command line shows it at once, in
	 * order with an operation's step trace (--dry-run, -v).
	 */
	void (*added)(const struct nsnet_finding *f, void *data);
	void *data;
};

/* Append a finding; on out-of-memory set @fs->oom and return -ENOMEM. @fix may be NULL. */
int findings_add(struct nsnet_findings *fs, const char *kind, const char *level, const char *object,
		 const char *fix, const char *fmt, ...) NSNET_PRINTF(6, 7);
void findings_free(struct nsnet_findings *fs);

/*
 * Remove leftovers of interrupted operations: records of vanished namespaces, leases nobody holds,
 * nsnet links no record owns, and nft state that does not match the records. Adds one finding to
 * @fs per repair (with --dry-run: per repair it would make). Returns the number of repairs, or
 * -errno (@fs keeps what was found and done before the failure).
 */
int core_gc(const struct nsnet_opts *o, struct nsnet_findings *fs, struct nsnet_err *err);

/*
 * Compare the state dir with the kernel (links, bridge ports, leases, nft chains, namespaces,
 * pending journals). Adds one finding to @fs per difference. Returns how many, or -errno.
 */
int core_check(const struct nsnet_opts *o, struct nsnet_findings *fs, struct nsnet_err *err);
/* The same inside operation @op (apply's plan finds drift with it). */
struct op;
int check_op(struct op *op, struct nsnet_findings *fs, struct nsnet_err *err);

/*
 * Look at the host for what would break nsnet (nftables missing, other tables dropping forwarded
 * traffic, routes overlapping a network) and say what to do: one finding per thing looked at, level
 * "ok", "note" or "blocker". Returns the number of blockers, or -errno.
 */
int core_doctor(const struct nsnet_opts *o, struct nsnet_findings *fs, struct nsnet_err *err);

/*
 * Everything nsnet knows, as JSON: {"networks": [...], "namespaces": [...]} (see docs/cli.md).
 * Returns 0 with *out (caller decrefs) or -errno.
 */
int core_query(const struct nsnet_opts *o, json_t **out, struct nsnet_err *err);

/*
 * Run @argv inside namespace @ns the way `ip netns exec` does: enter it, give the command a private
 * mount namespace with each file of /etc/netns/NS bind-mounted over its /etc twin, and a matching /sys, then exec.
 * Returns only on failure (-errno); *@exec_failed tells whether everything up to the exec itself
 * worked (so the caller can answer 126/127 as a shell does, and 1 for nsnet's own failures).
 */
int core_exec(const char *ns, char **argv, bool *exec_failed, struct nsnet_err *err);

/*
 * resolv.conf content for a namespace: "nameserver X" for each of @dns, or when none are given,
 * the host's /etc/resolv.conf nameservers that a namespace can reach (not loopback) plus its
 * search/options lines. Writes "" when nothing usable remains. What was skipped goes to @o's note
 * sink (level 1).
 */
void core_resolv_conf(const struct nsnet_addr *dns, size_t n_dns, const struct nsnet_opts *o,
		      struct strbuf *out);
/*
 * resolv.conf content for a namespace on the @n networks @nets that have a resolver: their
 * gateways as nameservers (at most NSNET_MAX_DNS), their domains as search. "" when none has one.
 */
void core_resolv_conf_nets(const struct nsnet_network *nets, size_t n, struct strbuf *out);

#endif
