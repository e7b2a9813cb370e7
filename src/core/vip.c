// SPDX-License-Identifier: MIT
// vip add / set / rm: a virtual IP balanced over backends (rules in firewall/nft_services.c).
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/overlay.h"
#include "core/records.h"
#include "core/services.h"
#include "firewall/fw.h"

/* Resolve NS:PORT backends, check families and duplicates. */
static int vip_resolve(struct op *op, struct nsnet_vip *v, struct nsnet_err *err)
{
	char a[NSNET_KEY_MAX], b[NSNET_KEY_MAX];
	int r;

	for (size_t i = 0; i < v->n_backends; i++) {
		struct nsnet_backend *be = &v->backend[i];

		if (be->ns[0]) {
			char net[NSNET_NAME_MAX + 1];

			if ((r = svc_ns_addr(op, be->ns, NULL, v->vip.addr.family, &be->ep.addr, net, err)) < 0) {
				nsnet_err_prefix(err, "backend %s:%u", be->ns, be->ep.port);
				return r;
			}
			if ((r = overlay_agent_keep_named(op, net, err)) < 0)
				return r;
		} else if (be->ep.addr.family != v->vip.addr.family) {
			return nsnet_err_set(err, EINVAL, "backend %s: not of the VIP's address family (%s)",
					     endpoint_str(&be->ep, a), endpoint_str(&v->vip, b));
		}
		for (size_t k = 0; k < i; k++)
			if (nsnet_addr_equal(&v->backend[k].ep.addr, &be->ep.addr) &&
			    v->backend[k].ep.port == be->ep.port)
				return nsnet_err_set(err, EINVAL, "backend %s is given twice", endpoint_str(&be->ep, a));
	}
	return 0;
}

/* TCP needs nothing: its connections end, new ones take the new rules. */
void vip_flush_removed(struct op *op, const struct nsnet_vip *old, const struct nsnet_vip *new)
{
	struct nsnet_err ignored;

	if (old->proto != IPPROTO_UDP)
		return;
	for (size_t i = 0; i < old->n_backends; i++) {
		const struct nsnet_endpoint *b = &old->backend[i].ep;
		bool kept = false;

		for (size_t k = 0; new && k < new->n_backends && !kept; k++)
			kept = nsnet_addr_equal(&new->backend[k].ep.addr, &b->addr) && new->backend[k].ep.port == b->port;
		if (!kept && op_conntrack_flush(op, old->proto, &old->vip.addr, old->vip.port, &b->addr, b->port,
						&ignored) < 0)
			op_note(op->opts, 1, "warning: %s", ignored.msg);
	}
}

/*
 * Apply firewall text @do_ (undone by @undo) and store @rec as record @kind/@key, or remove it
 * (@rec json_null(); NULL is a record that could not be built: out of memory).
 * @fast: @do_ is exactly vip_shared(@new) + vip_del(@old) + vip_add(@new), or vip_rm(@old) alone,
 * which op_fw_vip() may apply without libnftables.
 */
static int svc_commit_vip(struct op *op, struct strbuf *do_, struct strbuf *undo, const char *kind,
			  const char *key, json_t *rec, bool fast, const struct nsnet_vip *old,
			  const struct nsnet_vip *new, struct nsnet_err *err)
{
	int r;

	if (do_->oom || undo->oom)
		r = nsnet_err_set(err, ENOMEM, "out of memory");
	else if ((r = fast ? op_fw_vip(op, strbuf_str(do_), strbuf_str(undo), old, new, err)
			   : op_fw(op, strbuf_str(do_), strbuf_str(undo), false, err)) == 0)
		r = json_is_null(rec) ? op_state_del(op, kind, key, err)	/* json_null(): remove */
		    : rec ? op_state_put(op, kind, key, rec, err) : nsnet_err_set(err, ENOMEM, "out of memory");
	json_decref(rec);
	return r;
}

/* Why @a cannot be a VIP (NULL: it can): packets to it would never reach the NAT hooks as a service. */
static const char *vip_addr_unusable(const struct nsnet_addr *a)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *b = a->b;

	if (a->family == AF_INET) {
		if (!memcmp(b, zero, 4))
			return "the unspecified address";
		if (b[0] == 127)
			return "a loopback address";
		if (b[0] >= 224 && b[0] <= 239)
			return "a multicast address";
		if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
			return "the broadcast address";
		if (b[0] == 169 && b[1] == 254)
			return "a link-local address";
		return NULL;
	}
	if (!memcmp(b, zero, 16))
		return "the unspecified address";
	if (!memcmp(b, zero, 15) && b[15] == 1)
		return "the loopback address";
	if (b[0] == 0xff)
		return "a multicast address";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "a link-local address";
	if (!memcmp(b, mapped, 12))
		return "an IPv4-mapped address (write the IPv4 address itself)";
	return NULL;
}

static int vip_check_new(struct op *op, const struct nsnet_vip *v, struct nsnet_err *err)
{
	struct nsnet_network *nets;
	char a[NSNET_KEY_MAX], b[NSNET_PREFIX_STRLEN];
	const char *why = vip_addr_unusable(&v->vip.addr);
	int n, r = 0;

	if (why)
		return nsnet_err_set(err, EINVAL, "VIP %s: %s cannot be a virtual IP", endpoint_str(&v->vip, a), why);
	if ((n = rec_networks_load(op, &nets, err)) < 0)
		return n;
	for (int i = 0; i < n && r == 0; i++)
		for (size_t k = 0; k < nets[i].n_subnets && r == 0; k++)
			if (nsnet_prefix_contains(&nets[i].subnet[k], &v->vip.addr))
				r = nsnet_err_set(err, EINVAL, "VIP %s is inside subnet %s of network %s; choose an address no network uses",
						  endpoint_str(&v->vip, a), nsnet_prefix_str(&nets[i].subnet[k], b), nets[i].name);
	free(nets);
	return r;
}

int vip_add_apply(struct op *op, const struct nsnet_vip *req, struct nsnet_err *err)
{
	struct strbuf add = { 0 }, undo = { 0 }, tail = { 0 };
	struct nsnet_vip v = *req;
	bool fast;
	char key[NSNET_KEY_MAX], a[NSNET_KEY_MAX];
	json_t *old;
	int r;

	vip_key(&v, key);
	if (state_read(&op->st, STATE_VIPS, key, &old, NULL) == 0) {
		json_decref(old);
		r = nsnet_err_set(err, EEXIST, "VIP %s/%s already exists (change its backends with 'nsnet vip set')",
				  endpoint_str(&v.vip, a), proto_name(v.proto));
		goto out;
	}
	if ((r = vip_check_new(op, &v, err)) < 0 || (r = vip_resolve(op, &v, err)) < 0)
		goto out;
	if ((r = svc_next_id(op, "vip", &v.id, err)) < 0)
		goto out;
	if ((r = svc_base_if_first(op, &add, err)) < 0)
		goto out;
	fast = add.len == 0;	/* the table exists: only this VIP's objects (and its pick chain) */
	if ((r = svc_vip_shared(op, &v, &add, &tail, err)) < 0)
		goto out;
	op->fw->vip_add(&v, &add);
	op->fw->vip_del(&v, &undo);
	strbuf_printf(&undo, "%s", strbuf_str(&tail));
	if ((r = svc_table_gone_if_last(op, STATE_VIPS, -1, &undo, err)) < 0)
		goto out;
	r = svc_commit_vip(op, &add, &undo, STATE_VIPS, key, vip_to_json(&v), fast, NULL, &v, err);
out:
	strbuf_free(&add);
	strbuf_free(&undo);
	strbuf_free(&tail);
	return r;
}

/* Load the VIP of @proto/@ep, or fail naming it. */
static int vip_load(struct op *op, uint8_t proto, const struct nsnet_endpoint *ep, struct nsnet_vip *v,
		    char *key, struct nsnet_err *err)
{
	char a[NSNET_KEY_MAX];
	json_t *j;
	int r;

	vip_key_of(proto, ep, key);
	r = state_read(&op->st, STATE_VIPS, key, &j, err);
	if (r == -ENOENT)
		return nsnet_err_set(err, ENOENT, "VIP %s/%s does not exist", endpoint_str(ep, a), proto_name(proto));
	if (r < 0)
		return r;
	r = vip_from_json(j, v, err);
	json_decref(j);
	return r;
}

int vip_set_apply(struct op *op, const struct nsnet_vip *req, struct nsnet_err *err)
{
	struct strbuf change = { 0 }, undo = { 0 }, tail = { 0 };
	struct nsnet_vip old, v = *req;
	char key[NSNET_KEY_MAX];
	int r;

	if ((r = vip_load(op, req->proto, &req->vip, &old, key, err)) < 0 || (r = vip_resolve(op, &v, err)) < 0)
		goto out;
	v.id = old.id;
	if (!v.name[0])
		snprintf(v.name, sizeof(v.name), "%s", old.name);
	if (!v.affinity)
		v.affinity = old.affinity;
	/* One transaction: the old chain and elements go, the new ones come; no packet sees a mix. */
	if ((r = svc_vip_shared(op, &v, &change, &tail, err)) < 0)
		goto out;
	op->fw->vip_del(&old, &change);
	op->fw->vip_add(&v, &change);
	op->fw->vip_del(&v, &undo);
	op->fw->vip_add(&old, &undo);
	strbuf_printf(&undo, "%s", strbuf_str(&tail));
	svc_affinity_keep(op, &old, &v, &change);
	r = svc_commit_vip(op, &change, &undo, STATE_VIPS, key, vip_to_json(&v), true, &old, &v, err);
	if (r == 0)
		vip_flush_removed(op, &old, &v);
out:
	strbuf_free(&change);
	strbuf_free(&undo);
	strbuf_free(&tail);
	return r;
}

int vip_rm_apply(struct op *op, uint8_t proto, const struct nsnet_endpoint *endpoint, struct nsnet_err *err)
{
	struct strbuf del = { 0 }, undo = { 0 };
	struct nsnet_vip v;
	char key[NSNET_KEY_MAX];
	int r;

	if ((r = vip_load(op, proto, endpoint, &v, key, err)) < 0)
		goto out;
	op->fw->vip_rm(&v, &del);
	op->fw->vip_add(&v, &undo);
	if ((r = svc_table_gone_if_last(op, STATE_VIPS, 1, &del, err)) < 0)
		goto out;
	/* r == 1: the last object went, and the text removes the whole table instead. */
	r = svc_commit_vip(op, &del, &undo, STATE_VIPS, key, json_null(), r == 0, &v, NULL, err);
	if (r == 0)
		vip_flush_removed(op, &v, NULL);
out:
	strbuf_free(&del);
	strbuf_free(&undo);
	return r;
}

/* The command forms: one operation each, rolled back on failure. */
int core_vip_add(const struct nsnet_opts *o, const struct nsnet_vip *req, struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	return core_op_end(&op, r ? r : vip_add_apply(&op, req, err), true);
}

int core_vip_set(const struct nsnet_opts *o, const struct nsnet_vip *req, struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	return core_op_end(&op, r ? r : vip_set_apply(&op, req, err), true);
}

int core_vip_rm(const struct nsnet_opts *o, uint8_t proto, const void *endpoint, struct nsnet_err *err)
{
	struct op op;
	int r = op_begin(&op, o, true, err);

	return core_op_end(&op, r ? r : vip_rm_apply(&op, proto, endpoint, err), true);
}
