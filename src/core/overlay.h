/* SPDX-License-Identifier: MIT */
/* Overlay networks in core: joining and leaving the store, peers in the kernel, the agent (internal). */
#ifndef NSNET_CORE_OVERLAY_H
#define NSNET_CORE_OVERLAY_H

#include "core/core.h"
#include "core/op.h"
#include "store/overlay.h"

#define OVERLAY_PORT_DEFAULT 4789
#define OVERLAY_HOST_PREFIX_DEFAULT 24
#define OVERLAY_TTL_DEFAULT 10
#define OVERLAY_BLOCK_TTL (24 * 3600)	/* a host's block outlives its liveness by this much */
#define OVERLAY_DIR "overlay"		/* in the state dir: the agent's pid file and log */

/* The store's view of @ov (network @name). */
void overlay_def_of(const char *name, const struct nsnet_overlay *ov, struct overlay_def *d);
/* The MAC of the VXLAN device whose address is @vtep_ip (the block's first address): 0e:00 and the address. */
void overlay_mac(const struct nsnet_addr *vtep_ip, uint8_t mac[6]);
/* This host's id in the store: its underlay address. */
void overlay_host_id(const struct nsnet_overlay *ov, char *out, size_t len);
#define OVERLAY_PASSWORD_MAX 255
#define OVERLAY_CTL_MAX (NSNET_STORE_MAX + 4 * NSNET_STORE_PATH_MAX + 128)
/*
 * Connect to the store of network @net as its record @ov says (endpoints, TLS files, user; the
 * password from its file or the state dir @st): 0 or -errno with @err saying which endpoint
 * failed and why.
 */
int overlay_store_open(struct state *st, const char *net, const struct nsnet_overlay *ov, struct etcd **e,
		       struct nsnet_err *err);
/* "etcdctl --endpoints ... [--cacert F] [--cert F --key F] [--user U:***]" for --dry-run (OVERLAY_CTL_MAX bytes). */
void overlay_etcdctl(const struct nsnet_overlay *ov, char *out, size_t len);
/*
 * Write-ahead: how to take back key @key of network @net (value @value; "" any; @key ending in
 * '/': every key under it holding @value), with the store reached as @ov says.
 */
int overlay_push_key(struct op *op, const char *net, const struct nsnet_overlay *ov, const char *key,
		     const char *value, struct nsnet_err *err);

/*
 * network create --driver vxlan, before network_plan(): contact the store, publish or compare the
 * definition, lease this host's block (each key written with its undo), and turn @req into
 * @breq, a request for the local part (the block as its subnet, the MTU), and @ov.
 */
int overlay_join_plan(struct op *op, const struct network_req *req, struct network_req *breq,
		      struct nsnet_overlay *ov, struct nsnet_err *err);
/* The VXLAN device and this host's announcement (after the bridge exists; undone on rollback). */
int overlay_join_apply(struct op *op, const struct nsnet_network *net, struct nsnet_err *err);
/* network rm: withdraw this host, free its block, drop the definition with the last block. Best effort. */
int overlay_leave(struct op *op, const struct nsnet_network *net, struct nsnet_err *err);

/*
 * Make the peers on VXLAN device @ifindex exactly the hosts @h (@n; the one with block @self is this
 * host, skipped): neighbour, FDB and route for each, and those routed through the device before that
 * are no host any more go. Returns how many entries changed, or -errno.
 */
int overlay_peers_sync(struct nl *nl, int ifindex, const struct nsnet_overlay *ov,
		       const struct nsnet_prefix *self, const struct overlay_host *h, size_t n, struct nsnet_err *err);

/*
 * The VXLAN filter (docs/overlay.md, Security): the firewall accepts VXLAN UDP to this host only
 * from the underlay addresses in the FDB of the network's VXLAN device, the peers. Append the
 * backend's text making it so to @out (@nl NULL or no device: no peer): network create, gc.
 * overlay_filter_audit() for check: findings vxlan-filter-missing and vxlan-filter-drift, their
 * count or -errno.
 */
#define OVERLAY_PEERS_MAX 256
int overlay_filter_text(const struct fw_backend *be, struct nl *nl, const struct nsnet_network *net,
			struct strbuf *out, struct nsnet_err *err);
/*
 * The agent's form: the underlay addresses of the hosts @h that overlay_peers_sync() programs
 * (sorted, at most OVERLAY_PEERS_MAX, into @out; returns how many), written to the filter before
 * the peers are, so a new peer's traffic is accepted by the time this host sends to it.
 */
size_t overlay_hosts_peers(const struct nsnet_overlay *ov, const struct nsnet_prefix *self, const struct overlay_host *h,
			   size_t n, struct nsnet_addr *out);
int overlay_filter_write(struct op *op, const struct nsnet_network *net, const struct nsnet_addr *peers, size_t n,
			 struct nsnet_err *err);
int overlay_filter_audit(struct op *op, const struct nsnet_network *nets, int n, struct nsnet_findings *fs,
			 struct nsnet_err *err);

/* The agent (core/agent.c): start it if it is not running (after the network's record exists). */
int overlay_agent_ensure(struct op *op, struct nsnet_err *err);
/*
 * Every operation on overlay network @net (a namespace attached or detached, a VIP or port on it)
 * restarts a dead agent: only the recorded PID is looked at, no store. No-op for other networks.
 */
int overlay_agent_keep(struct op *op, const struct nsnet_network *net, struct nsnet_err *err);
/* The same for the network named @name (its record is read only when the agent is not running). */
int overlay_agent_keep_named(struct op *op, const char *name, struct nsnet_err *err);
/* Stop it (the last overlay network is gone). */
void overlay_agent_stop(struct op *op);
/* check (@fix false) / gc: a finding when the agent is dead with overlays recorded, or runs with none; restarted or stopped with @fix. Returns the number of findings or -errno. */
int overlay_agent_audit(struct op *op, const struct nsnet_network *nets, int n, bool fix,
			struct nsnet_findings *fs, struct nsnet_err *err);

#endif
