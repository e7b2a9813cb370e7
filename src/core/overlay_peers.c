// SPDX-License-Identifier: MIT
// Overlay networks in the kernel: the VXLAN device, the peers (neighbour, FDB, route) and leaving the store.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/overlay.h"
#include "core/undo.h"
#include "kernel/addr.h"
#include "kernel/link.h"
#include "kernel/neigh.h"
#include "kernel/vxlan.h"

/* One peer's three commands, as a person would type them. */
static void peer_echo(struct op *op, const char *dev, const struct overlay_host *h, bool add)
{
	char vtep[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN], blk[NSNET_PREFIX_STRLEN], mac[18];

	if (!op)
		return;
	nsnet_addr_str(&h->vtep, vtep);
	nsnet_addr_str(&h->block.addr, gw);
	nsnet_prefix_str(&h->block, blk);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", h->mac[0], h->mac[1], h->mac[2], h->mac[3],
		 h->mac[4], h->mac[5]);
	if (add) {
		op_echo(op, "ip neigh replace %s lladdr %s dev %s nud permanent", gw, mac, dev);
		op_echo(op, "bridge fdb append %s dev %s dst %s self permanent", mac, dev, vtep);
		op_echo(op, "ip route replace %s via %s dev %s onlink", blk, gw, dev);
	} else {
		op_echo(op, "ip route del %s via %s dev %s", blk, gw, dev);
		op_echo(op, "ip neigh del %s dev %s", gw, dev);
		op_echo(op, "bridge fdb del %s dev %s self", mac, dev);
	}
}

static bool prefix_equal(const struct nsnet_prefix *a, const struct nsnet_prefix *b)
{
	return a->len == b->len && nsnet_addr_equal(&a->addr, &b->addr);
}

struct peer_routes {
	int ifindex;
	unsigned int len;
	size_t n;
	struct route_info r[256];
};

static void peer_routes_cb(const struct route_info *ri, void *data)
{
	struct peer_routes *p = data;

	if (ri->oif == p->ifindex && ri->gw.family == AF_INET && ri->dst.len == p->len &&
	    p->n < sizeof(p->r) / sizeof(p->r[0]))
		p->r[p->n++] = *ri;
}

int overlay_peers_sync_op(struct op *op, struct nl *nl, int ifindex, const struct nsnet_overlay *ov,
			  const struct nsnet_prefix *self, const struct overlay_host *h, size_t n, struct nsnet_err *err);

int overlay_peers_sync_op(struct op *op, struct nl *nl, int ifindex, const struct nsnet_overlay *ov,
			  const struct nsnet_prefix *self, const struct overlay_host *h, size_t n, struct nsnet_err *err)
{
	struct peer_routes *cur = calloc(1, sizeof(*cur));
	int r = 0, changed = 0;

	if (!cur)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	cur->ifindex = ifindex;
	cur->len = ov->host_prefix;
	if (nl && (r = route_dump(nl, AF_INET, peer_routes_cb, cur, err)) < 0)
		goto out;
	/* Gone: routed through the device, but no live host has that block any more. */
	for (size_t i = 0; i < cur->n; i++) {
		struct overlay_host gone = { .block = cur->r[i].dst, .vtep = { .family = AF_INET } };
		bool live = false;

		for (size_t k = 0; k < n && !live; k++)
			live = prefix_equal(&h[k].block, &cur->r[i].dst) &&
			       nsnet_addr_equal(&h[k].block.addr, &cur->r[i].gw);
		if (live)
			continue;
		overlay_mac(&cur->r[i].gw, gone.mac);
		peer_echo(op, ov->vxlan, &gone, false);
		vxlan_route_set(nl, &cur->r[i].dst, &cur->r[i].gw, ifindex, false, NULL);
		neigh_set(nl, ifindex, &cur->r[i].gw, gone.mac, false, false, NULL);
		vxlan_fdb_set(nl, ifindex, gone.mac, NULL, false, NULL);
		changed++;
	}
	/* New: a live host whose block has no route through the device yet. */
	for (size_t k = 0; k < n; k++) {
		bool known = false;

		if (self && prefix_equal(&h[k].block, self))
			continue;
		/* A host on the other underlay family cannot be reached through this device. */
		if (!nsnet_prefix_contains(&ov->subnet, &h[k].block.addr) || h[k].block.len != ov->host_prefix ||
		    h[k].vtep.family != ov->local.family)
			continue;
		for (size_t i = 0; i < cur->n && !known; i++)
			known = prefix_equal(&h[k].block, &cur->r[i].dst);
		if (known)
			continue;
		peer_echo(op, ov->vxlan, &h[k], true);
		changed++;
		if (!nl)
			continue;
		vxlan_fdb_set(nl, ifindex, h[k].mac, NULL, false, NULL);	/* a host that came back from elsewhere */
		if ((r = neigh_set(nl, ifindex, &h[k].block.addr, h[k].mac, true, true, err)) < 0 ||
		    (r = vxlan_fdb_set(nl, ifindex, h[k].mac, &h[k].vtep, true, err)) < 0 ||
		    (r = vxlan_route_set(nl, &h[k].block, &h[k].block.addr, ifindex, true, err)) < 0) {
			nsnet_err_prefix(err, "peer %s", h[k].id);
			goto out;
		}
	}
	r = changed;
out:
	free(cur);
	return r;
}

int overlay_peers_sync(struct nl *nl, int ifindex, const struct nsnet_overlay *ov, const struct nsnet_prefix *self,
		       const struct overlay_host *h, size_t n, struct nsnet_err *err)
{
	return overlay_peers_sync_op(NULL, nl, ifindex, ov, self, h, n, err);
}

/* --- the VXLAN filter: UDP to this host's VTEP from known peers only ---------------------------- */

struct fdb_peers {
	int family;	/* the underlay's */
	size_t n;
	struct nsnet_addr v[OVERLAY_PEERS_MAX];
};

static void fdb_peer_cb(const uint8_t mac[6], const struct nsnet_addr *dst, void *data)
{
	struct fdb_peers *p = data;

	(void)mac;
	if (dst->family != p->family || p->n >= OVERLAY_PEERS_MAX)
		return;
	for (size_t i = 0; i < p->n; i++)
		if (nsnet_addr_equal(&p->v[i], dst))
			return;
	p->v[p->n++] = *dst;
}

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(((const struct nsnet_addr *)a)->b, ((const struct nsnet_addr *)b)->b, 16);
}

/* The underlay addresses programmed in the FDB of @net's VXLAN device, sorted (none without the device). */
static int overlay_fdb_peers(struct nl *nl, const struct nsnet_network *net, struct fdb_peers *p, struct nsnet_err *err)
{
	struct link_info li;
	int r;

	p->n = 0;
	p->family = net->ov.local.family;
	if (!nl || link_get(nl, net->ov.vxlan, &li, NULL) < 0)
		return 0;
	if ((r = vxlan_fdb_dump(nl, li.ifindex, fdb_peer_cb, p, err)) < 0)
		return r;
	qsort(p->v, p->n, sizeof(p->v[0]), addr_cmp);
	return 0;
}

int overlay_filter_text(const struct fw_backend *be, struct nl *nl, const struct nsnet_network *net,
			struct strbuf *out, struct nsnet_err *err)
{
	struct fdb_peers *p;
	int r;

	if (!net->ov.vxlan[0])
		return 0;
	if (!(p = calloc(1, sizeof(*p))))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	if ((r = overlay_fdb_peers(nl, net, p, err)) == 0)
		be->vxlan_peers(net, p->v, p->n, out);
	free(p);
	return r;
}

size_t overlay_hosts_peers(const struct nsnet_overlay *ov, const struct nsnet_prefix *self, const struct overlay_host *h,
			   size_t n, struct nsnet_addr *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		/* The hosts overlay_peers_sync() programs. */
		if ((self && prefix_equal(&h[i].block, self)) || !nsnet_prefix_contains(&ov->subnet, &h[i].block.addr) ||
		    h[i].block.len != ov->host_prefix || h[i].vtep.family != ov->local.family)
			continue;
		for (size_t j = 0; j < k && !dup; j++)
			dup = nsnet_addr_equal(&out[j], &h[i].vtep);
		if (!dup && k < OVERLAY_PEERS_MAX)
			out[k++] = h[i].vtep;
	}
	qsort(out, k, sizeof(out[0]), addr_cmp);
	return k;
}

int overlay_filter_write(struct op *op, const struct nsnet_network *net, const struct nsnet_addr *peers, size_t n,
			 struct nsnet_err *err)
{
	struct strbuf text = { 0 };
	int r = 0;

	op->fw->vxlan_peers(net, peers, n, &text);
	if (text.oom)
		r = nsnet_err_set(err, ENOMEM, "out of memory");
	/* One atomic change and no undo: the agent's next start (or gc) makes it exact again. */
	else if (text.len)
		r = op_fw(op, strbuf_str(&text), NULL, false, err);
	strbuf_free(&text);
	if (r < 0)
		nsnet_err_prefix(err, "network %s: the VXLAN filter", net->name);
	return r;
}

int overlay_filter_audit(struct op *op, const struct nsnet_network *nets, int n, struct nsnet_findings *fs,
			 struct nsnet_err *err)
{
	struct fdb_peers *want = calloc(1, sizeof(*want));
	struct nsnet_addr *got = calloc(OVERLAY_PEERS_MAX, sizeof(*got));
	struct nl *nl;
	int found = 0, r = 0;

	if (!want || !got) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < n && r >= 0; i++) {
		struct nsnet_err e = { 0 };
		char obj[NSNET_NAME_MAX + 16];
		int k;

		if (!nets[i].ov.vxlan[0])
			continue;
		if ((r = op_nl(op, NULL, &nl, err)) < 0 || (r = overlay_fdb_peers(nl, &nets[i], want, err)) < 0)
			break;
		snprintf(obj, sizeof(obj), "network/%s", nets[i].name);
		k = op->fw->vxlan_peers_get(&nets[i], got, OVERLAY_PEERS_MAX, &e);
		if (k == -ENOENT) {
			findings_add(fs, "vxlan-filter-missing", NULL, obj, NULL,
				     "network %s: the %s VXLAN filter is missing (%s): VXLAN from anyone reaches the overlay",
				     nets[i].name, op->fw->name, e.msg);
			found++;
			continue;
		}
		if (k < 0) {
			r = nsnet_err_set(err, -k, "%s", e.msg);
			break;
		}
		qsort(got, (size_t)k, sizeof(got[0]), addr_cmp);
		if ((size_t)k != want->n || (k && memcmp(got, want->v, (size_t)k * sizeof(got[0])))) {
			findings_add(fs, "vxlan-filter-drift", NULL, obj, NULL,
				     "network %s: the VXLAN filter accepts %d underlay address(es), the FDB has %zu peer(s)",
				     nets[i].name, k, want->n);
			found++;
		}
	}
out:
	free(want);
	free(got);
	return r < 0 ? r : found;
}

/* The VXLAN device, made down and marked as nsnet's; its removal is the undo (peers go with it). */
static int overlay_vxlan_add(struct op *op, const struct nsnet_network *net, int *ifindex, struct nsnet_err *err)
{
	const struct nsnet_overlay *ov = &net->ov;
	struct vxlan_conf c = { .name = ov->vxlan, .vni = ov->vni, .port = ov->port, .local = ov->local,
				.mtu = net->mtu };
	char local[INET6_ADDRSTRLEN], mark[OP_MARK_MAX];
	struct link_info li;
	struct nl *nl;
	int r;

	overlay_mac(&net->subnet[0].addr, c.mac);
	op_echo(op, "ip link add %s address %02x:%02x:%02x:%02x:%02x:%02x mtu %u type vxlan id %u local %s dstport %u nolearning",
		ov->vxlan, c.mac[0], c.mac[1], c.mac[2], c.mac[3], c.mac[4], c.mac[5], net->mtu, ov->vni,
		nsnet_addr_str(&ov->local, local), ov->port);
	if (op->opts->dry_run)
		return 0;
	if ((r = op_nl(op, NULL, &nl, err)) < 0 || (r = op_owner_mark(op, true, mark, err)) < 0)
		return r;
	if (link_get(nl, ov->vxlan, &li, NULL) == 0)
		return nsnet_err_set(err, EEXIST, "network %s: a link named %s already exists", net->name, ov->vxlan);
	if ((r = op_push(op, UNDO_LINK_DEL, "", ov->vxlan, NULL, NULL, err)) < 0)
		return r;
	if ((r = vxlan_add(nl, &c, err)) < 0) {
		op_pop(op);
		if (r == -EEXIST)
			return nsnet_err_set(err, EEXIST, "network %s: VNI %u on UDP port %u is taken on this host by another VXLAN device",
					     net->name, ov->vni, ov->port);
		nsnet_err_prefix(err, "create vxlan %s", ov->vxlan);
		return r;
	}
	op_applied(op);
	if ((r = link_set_alias(nl, ov->vxlan, mark, err)) < 0 || (r = link_get(nl, ov->vxlan, &li, err)) < 0)
		return r;
	*ifindex = li.ifindex;
	return 0;
}

int overlay_join_apply(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	const struct nsnet_overlay *ov = &net->ov;
	struct overlay_def d;
	struct overlay_host self = { .vtep = ov->local, .block = net->subnet[0] }, *hosts = NULL;
	char k[OVERLAY_KEY_MAX], what[96], ctl[OVERLAY_CTL_MAX];
	struct etcd *e = NULL;
	struct nl *nl = NULL;
	size_t n = 0, skipped = 0;
	int64_t rev, lease;
	int ifindex = 0, r;

	overlay_def_of(net->name, ov, &d);
	overlay_host_id(ov, self.id, sizeof(self.id));
	overlay_mac(&net->subnet[0].addr, self.mac);
	if ((r = overlay_vxlan_add(op, net, &ifindex, err)) < 0 ||
	    (r = op_addr_add(op, NULL, ov->vxlan, &net->subnet[0].addr, 32, err)) < 0 ||
	    (r = op_link_up(op, NULL, ov->vxlan, err)) < 0)
		return r;
	if ((r = overlay_store_open(&op->st, net->name, ov, &e, err)) < 0)
		return r;
	if ((r = overlay_hosts_list(e, &d, &hosts, &n, &skipped, &rev, err)) < 0)
		goto out;
	if (!op->opts->dry_run && (r = op_nl(op, NULL, &nl, err)) < 0)
		goto out;
	if ((r = overlay_peers_sync_op(op, nl, ifindex, ov, &net->subnet[0], hosts, n, err)) < 0)
		goto out;
	/* This host, live under a short lease that the agent keeps alive. */
	snprintf(what, sizeof(what), "hosts/%s", self.id);
	overlay_key(k, &d, what);
	overlay_etcdctl(ov, ctl, sizeof(ctl));
	op_echo(op, "%s lease grant %u", ctl, ov->ttl);
	op_echo(op, "%s put %s '{\"block\":...,\"mac\":...,\"vtep\":...}' --lease=LEASE", ctl, k);
	r = 0;
	if (op->opts->dry_run)
		goto out;
	if ((r = overlay_push_key(op, net->name, ov, k, "", err)) < 0)
		goto out;
	if ((r = etcd_lease_grant(e, (int)ov->ttl, &lease, err)) < 0 ||
	    (r = overlay_host_announce(e, &d, &self, lease, err)) < 0) {
		nsnet_err_prefix(err, "network %s: announce this host", net->name);
		goto out;
	}
	op_applied(op);
out:
	free(hosts);
	etcd_close(e);
	return r;
}

int overlay_leave(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	const struct nsnet_overlay *ov = &net->ov;
	char id[64], k[OVERLAY_KEY_MAX], what[96], ctl[OVERLAY_CTL_MAX];
	struct overlay_def d;
	struct etcd_kvs blocks;
	struct etcd *e = NULL;
	int r;

	overlay_def_of(net->name, ov, &d);
	overlay_host_id(ov, id, sizeof(id));
	snprintf(what, sizeof(what), "hosts/%s", id);
	overlay_key(k, &d, what);
	overlay_etcdctl(ov, ctl, sizeof(ctl));
	op_echo(op, "%s del %s", ctl, k);
	overlay_block_key(k, &d, &net->subnet[0]);
	op_echo(op, "%s txn  # if value(%s) = %s: del %s", ctl, k, id, k);
	overlay_key(k, &d, "config");
	op_echo(op, "%s del %s  # with the last block", ctl, k);
	if (op->opts->dry_run)
		return 0;
	if ((r = overlay_store_open(&op->st, net->name, ov, &e, err)) < 0 || (r = overlay_host_withdraw(e, &d, id, err)) < 0 ||
	    (r = overlay_block_release(e, &d, id, &net->subnet[0], err)) < 0)
		goto out;
	overlay_key(k, &d, "blocks/");
	if ((r = etcd_get_prefix(e, k, &blocks, err)) < 0)
		goto out;
	if (blocks.n == 0) {
		overlay_key(k, &d, "config");
		r = etcd_delete(e, k, err);
	}
	etcd_kvs_free(&blocks);
out:
	etcd_close(e);
	if (r < 0) {
		/* Best effort: the host key expires with its lease, the block after OVERLAY_BLOCK_TTL. */
		op_note(op->opts, 0, "warning: network %s: the store: %s (this host's keys expire with their leases)",
			net->name, err->msg);
		nsnet_err_clear(err);
	}
	/* The store password nsnet kept (core/overlay.c), after its last use. */
	if (ov->user[0] && !ov->password_file[0] && op_state_del(op, OVERLAY_DIR, net->name, err) < 0) {
		op_note(op->opts, 0, "warning: network %s: %s", net->name, err->msg);
		nsnet_err_clear(err);
	}
	return 0;
}
