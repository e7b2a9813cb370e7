// SPDX-License-Identifier: MIT
// Overlay networks: joining the store (definition, block, announcement) and leaving it, with undo entries for keys.
#include "core/overlay.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/undo.h"
#include "kernel/addr.h"
#include "kernel/link.h"
#include "kernel/vxlan.h"

/*
 * Theory of operation (docs/overlay.md). An overlay network on this host is a bridge network whose
 * subnet is this host's block of the overlay's subnet, plus a VXLAN device holding the block's
 * network address (/32) and, for every other live host, a permanent neighbour entry, an FDB entry
 * and a route to its block: the routed VXLAN model. Every key written to the store during an
 * operation is journaled first (UNDO_ETCD_DEL, write-ahead like every other step): a failed or
 * killed join leaves no key behind. Only this host's liveness key is left to a lease the agent
 * (core/agent.c) keeps alive.
 */

#define OVERLAY_STORE_TIMEOUT_MS 3000

void overlay_def_of(const char *name, const struct nsnet_overlay *ov, struct overlay_def *d)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->subnet = ov->subnet;
	d->host_prefix = ov->host_prefix;
	d->vni = ov->vni;
	d->port = ov->port;
}

void overlay_mac(const struct nsnet_addr *vtep_ip, uint8_t mac[6])
{
	mac[0] = 0x0e, mac[1] = 0x00;
	memcpy(mac + 2, vtep_ip->b, 4);
}

void overlay_host_id(const struct nsnet_overlay *ov, char *out, size_t len)
{
	char s[INET6_ADDRSTRLEN];

	snprintf(out, len, "%s", nsnet_addr_str(&ov->local, s));
}

int overlay_store_open(const char *store, struct etcd **e, struct nsnet_err *err)
{
	struct etcd_opts o = { .endpoints = store, .timeout_ms = OVERLAY_STORE_TIMEOUT_MS };

	return etcd_open(e, &o, err);
}

/* The link holding address @a: its index and MTU. */
struct addr_find {
	const struct nsnet_addr *want;
	int ifindex;
	struct nsnet_addr first, first6;	/* the first IPv4 / global IPv6 address of link ifindex (by name) */
};

static void addr_find_cb(const struct addr_info *ai, void *data)
{
	struct addr_find *f = data;

	if (f->want && nsnet_addr_equal(&ai->addr, f->want))
		f->ifindex = ai->ifindex;
	if (f->want || ai->ifindex != f->ifindex)
		return;
	if (!f->first.family && ai->addr.family == AF_INET)
		f->first = ai->addr;
	if (!f->first6.family && ai->addr.family == AF_INET6 && !(ai->addr.b[0] == 0xfe && (ai->addr.b[1] & 0xc0) == 0x80))
		f->first6 = ai->addr;
}

static void link_mtu_cb(const struct link_info *li, void *data)
{
	struct link_info *want = data;

	if (li->ifindex == want->ifindex)
		*want = *li;
}

/* The source address of the route to the first endpoint of @store (a connected UDP socket's). */
static int overlay_route_source(const char *store, struct nsnet_addr *out, struct nsnet_err *err)
{
	char host[256], port[16] = "2379";
	const char *p = strstr(store, "://");
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	size_t n;
	int fd, r;

	p = p ? p + 3 : store;
	if (*p == '[') {	/* http://[fd00::2]:2379 */
		n = strcspn(++p, "]");
		if (p[n] != ']')
			n = 0;
	} else {
		n = strcspn(p, ":/,");
	}
	if (n == 0 || n >= sizeof(host))
		return nsnet_err_set(err, EINVAL, "--store %s: expected http://HOST:PORT", store);
	snprintf(host, sizeof(host), "%.*s", (int)n, p);
	p += n + (p[n] == ']');
	if (*p == ':')
		snprintf(port, sizeof(port), "%.*s", (int)strcspn(p + 1, "/,"), p + 1);
	if ((r = getaddrinfo(host, port, &hints, &ai)) != 0)
		return nsnet_err_set(err, EHOSTUNREACH, "--store %s: %s: %s", store, host, gai_strerror(r));
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	r = fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) < 0
		    ? -errno : 0;
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	if (r < 0)
		return nsnet_err_set(err, -r, "no route to the store %s: %s (give --underlay)", host, strerror(-r));
	memset(out, 0, sizeof(*out));
	out->family = ss.ss_family;
	if (ss.ss_family == AF_INET6)
		memcpy(out->b, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	else
		memcpy(out->b, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	return 0;
}

/* This host's underlay address and the MTU of the link holding it. */
static int overlay_underlay(struct op *op, const struct overlay_req *o, struct nsnet_addr *local,
			    unsigned int *mtu, struct nsnet_err *err)
{
	struct addr_find f = { 0 };
	struct link_info li = { .ifindex = 0 };
	char s[INET6_ADDRSTRLEN];
	unsigned int overhead;
	struct nl *nl;
	int r;

	if ((r = op_nl(op, NULL, &nl, err)) < 0)
		return r;
	if (o->underlay && nsnet_addr_parse(o->underlay, local, NULL) < 0) {
		if ((r = link_get(nl, o->underlay, &li, NULL)) < 0)
			return nsnet_err_set(err, EINVAL, "--underlay %s: expected an IP address or the name of a link",
					     o->underlay);
		f.ifindex = li.ifindex;
		if ((r = addr_dump(nl, AF_UNSPEC, addr_find_cb, &f, err)) < 0)
			return r;
		if (!f.first.family && !f.first6.family)
			return nsnet_err_set(err, EADDRNOTAVAIL, "--underlay %s: the link has no IPv4 or global IPv6 address",
					     o->underlay);
		*local = f.first.family ? f.first : f.first6;	/* IPv4 first: 20 bytes less per packet */
	} else if (!o->underlay && (r = overlay_route_source(o->store, local, err)) < 0) {
		return r;
	}
	f.want = local;
	f.ifindex = 0;
	if ((r = addr_dump(nl, AF_UNSPEC, addr_find_cb, &f, err)) < 0)
		return r;
	if (!f.ifindex)
		return nsnet_err_set(err, EADDRNOTAVAIL, "--underlay %s: no link of this host holds that address",
				     nsnet_addr_str(local, s));
	li.ifindex = f.ifindex;
	if ((r = link_dump(nl, link_mtu_cb, &li, err)) < 0)
		return r;
	/* 20 IPv4 (40 IPv6) + 8 UDP + 8 VXLAN + 14 Ethernet */
	overhead = local->family == AF_INET6 ? 70 : 50;
	*mtu = li.mtu > overhead ? li.mtu - overhead : 0;
	return 0;
}

/* Write-ahead: how to take back key @key (value @value; "" any; @key ending in '/': every key under it holding @value). */
static int overlay_push_key(struct op *op, const char *store, const char *key, const char *value, struct nsnet_err *err)
{
	return op_push(op, UNDO_ETCD_DEL, store, key, value, NULL, err);
}

bool overlay_undo_ok(const struct op_undo *u)
{
	const char *store = u->arg[0], *key = u->arg[1];

	return (!strncmp(store, "http://", 7) || !strncmp(store, "https://", 8)) && !strpbrk(store, " \t\r\n'\"") &&
	       !strncmp(key, "/nsnet/overlay/", 15) && !strstr(key, "..") && strlen(key) < OVERLAY_KEY_MAX;
}

void overlay_undo_run(struct op *op, const struct op_undo *u)
{
	struct nsnet_err ignored = { 0 };
	const char *key = u->arg[1], *value = u->text ? u->text : "";
	struct etcd_kvs kvs;
	struct etcd *e;

	(void)op;
	if (overlay_store_open(u->arg[0], &e, &ignored) < 0)
		return;
	if (key[0] && key[strlen(key) - 1] == '/') {
		if (etcd_get_prefix(e, key, &kvs, &ignored) == 0) {
			for (size_t i = 0; i < kvs.n; i++)
				if (!strcmp(kvs.v[i].value, value))
					etcd_delete_if(e, kvs.v[i].key, value, &ignored);
			etcd_kvs_free(&kvs);
		}
	} else if (!value[0]) {
		etcd_delete(e, key, &ignored);
	} else {
		etcd_delete_if(e, key, value, &ignored);
	}
	etcd_close(e);
}

/* The first block nobody holds (dry-run: what a claim would take). */
static int overlay_block_guess(struct etcd *e, const struct overlay_def *d, struct nsnet_prefix *block,
			       struct nsnet_err *err)
{
	char prefix[OVERLAY_KEY_MAX], k[OVERLAY_KEY_MAX];
	uint64_t count = 1ull << (d->host_prefix - d->subnet.len);
	struct etcd_kvs held;
	int r;

	overlay_key(prefix, d, "blocks/");
	if ((r = etcd_get_prefix(e, prefix, &held, err)) < 0)
		return r;
	r = -ENOSPC;
	for (uint64_t b = 0; b < count && r < 0; b++) {
		bool taken = false;

		block->len = d->host_prefix;
		nsnet_prefix_nth(&d->subnet, b << (32 - d->host_prefix), &block->addr);
		overlay_block_key(k, d, block);
		for (size_t i = 0; i < held.n && !taken; i++)
			taken = !strcmp(k, held.v[i].key);
		if (!taken)
			r = 0;
	}
	etcd_kvs_free(&held);
	return r < 0 ? nsnet_err_set(err, ENOSPC, "overlay %s: every block is taken", d->name) : 0;
}

int overlay_join_plan(struct op *op, const struct network_req *req, struct network_req *breq,
		      struct nsnet_overlay *ov, struct nsnet_err *err)
{
	const struct overlay_req *o = req->overlay;
	char k[OVERLAY_KEY_MAX], id[64], sub[NSNET_PREFIX_STRLEN], *text = NULL;
	struct overlay_def d;
	struct nsnet_prefix block;
	struct etcd_kvs cur;
	struct etcd *e = NULL;
	unsigned int mtu = 0, h;
	int64_t lease;
	bool held;
	int r;

	memset(ov, 0, sizeof(*ov));
	if (req->n_subnets != 1 || req->subnet[0].addr.family != AF_INET)
		return nsnet_err_set(err, EINVAL, "network %s: --driver vxlan takes exactly one IPv4 --subnet", req->name);
	if (!o->store || !o->store[0] || strlen(o->store) > NSNET_STORE_MAX ||
	    (strncmp(o->store, "http://", 7) && strncmp(o->store, "https://", 8)) || strpbrk(o->store, " \t'\""))
		return nsnet_err_set(err, EINVAL, "network %s: --driver vxlan needs --store http://HOST:PORT[,...]",
				     req->name);
	if (req->n_gateways || req->bridge || req->internal)
		return nsnet_err_set(err, EINVAL, "network %s: --gateway, --bridge and --internal do not apply to --driver vxlan",
				     req->name);
	snprintf(ov->store, sizeof(ov->store), "%s", o->store);
	ov->subnet = req->subnet[0];
	ov->host_prefix = o->host_prefix ? o->host_prefix : OVERLAY_HOST_PREFIX_DEFAULT;
	ov->vni = o->vni ? o->vni : 1;
	ov->port = o->port ? o->port : OVERLAY_PORT_DEFAULT;
	ov->ttl = o->ttl ? o->ttl : OVERLAY_TTL_DEFAULT;
	if (ov->host_prefix <= ov->subnet.len || ov->host_prefix > 30)
		return nsnet_err_set(err, EINVAL, "--host-prefix %u: expected %u to 30 (longer than the subnet's /%u)",
				     ov->host_prefix, ov->subnet.len + 1, ov->subnet.len);
	h = names_hash(NAMES_FNV_INIT, req->name, strlen(req->name));
	snprintf(ov->vxlan, sizeof(ov->vxlan), NSNET_BRIDGE_PREFIX "x%08x", h);
	if ((r = overlay_underlay(op, o, &ov->local, &mtu, err)) < 0)
		return r;
	if (req->mtu)
		mtu = req->mtu;
	overlay_def_of(req->name, ov, &d);
	overlay_host_id(ov, id, sizeof(id));
	if ((r = overlay_store_open(ov->store, &e, err)) < 0)
		return r;
	/* The definition: written by the first host (and taken back if this join fails), compared by the others. */
	overlay_key(k, &d, "config");
	if ((r = etcd_get(e, k, &cur, err)) < 0) {
		nsnet_err_prefix(err, "network %s: the store is unreachable, nothing changed", req->name);
		goto out;
	}
	held = cur.n > 0;
	etcd_kvs_free(&cur);
	if (!(text = overlay_def_text(&d))) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (!held) {
		op_echo(op, "etcdctl --endpoints %s txn  # if create(%s) = 0: put %s '%s'", ov->store, k, k, text);
		if (!op->opts->dry_run && (r = overlay_push_key(op, ov->store, k, text, err)) < 0)
			goto out;
	}
	if ((held || !op->opts->dry_run) && (r = overlay_def_publish(e, &d, err)) < 0)
		goto out;
	if (!held && !op->opts->dry_run)
		op_applied(op);
	/* The block: the one this host holds already (it came back), else the first free one. */
	r = overlay_block_held(e, &d, id, &block, err);
	if (r < 0 && r != -ENOENT)
		goto out;
	held = r == 0;
	if (op->opts->dry_run) {
		if (!held && (r = overlay_block_guess(e, &d, &block, err)) < 0)
			goto out;
		overlay_block_key(k, &d, &block);
		op_echo(op, "etcdctl --endpoints %s lease grant %d", ov->store, OVERLAY_BLOCK_TTL);
		op_echo(op, "etcdctl --endpoints %s txn  # if create(%s) = 0: put %s %s --lease=LEASE", ov->store, k, k, id);
	} else {
		overlay_key(k, &d, "blocks/");
		if (!held && (r = overlay_push_key(op, ov->store, k, id, err)) < 0)
			goto out;
		if ((r = etcd_lease_grant(e, OVERLAY_BLOCK_TTL, &lease, err)) < 0 ||
		    (r = overlay_block_claim(e, &d, id, lease, &block, err)) < 0)
			goto out;
		if (!held)
			op_applied(op);
	}
	*breq = *req;
	breq->driver = NSNET_DRIVER_VXLAN;
	breq->subnet[0] = block;
	breq->mtu = mtu;
	op_note(op->opts, 1, "network %s: this host's block is %s", req->name, nsnet_prefix_str(&block, sub));
	r = 0;
out:
	free(text);
	etcd_close(e);
	return r;
}
