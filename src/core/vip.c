// SPDX-License-Identifier: MIT
// Virtual IPs and published ports: validation, state records, nft transactions (rules in firewall/nft_services.c).
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/records.h"
#include "core/svc.h"
#include "firewall/fw.h"
#include "kernel/netns.h"

/*
 * Load the records of @kind whose name ends with @suffix (NULL: all): with it, a caller that
 * looks for one (protocol, port) reads the few records of that port, not every one (their names
 * are "PROTO-ADDRESS-PORT", model/service.h).
 */
static int svc_load_all(struct op *op, const char *kind, const char *suffix, size_t size, void **out,
			int (*parse)(const json_t *, void *, struct nsnet_err *), struct nsnet_err *err)
{
	char **names;
	char *v = NULL;
	int n = state_names(&op->st, kind, &names, err), k = 0, r = 0;
	size_t slen = suffix ? strlen(suffix) : 0;

	*out = NULL;
	if (n < 0)
		return n;
	if (n && !(v = calloc((size_t)n, size))) {
		state_names_free(names, n);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	for (int i = 0; i < n && r == 0; i++) {
		size_t len = strlen(names[i]);
		json_t *j;

		if (suffix && (len < slen || strcmp(names[i] + len - slen, suffix)))
			continue;
		r = state_read(&op->st, kind, names[i], &j, err);
		if (r == -ENOENT) {
			r = 0;
			continue;
		}
		if (r == 0) {
			r = parse(j, v + (size_t)k * size, err);
			json_decref(j);
			if (r < 0)
				nsnet_err_prefix(err, "state record %s/%s", kind, names[i]);
			else
				k++;
		}
	}
	state_names_free(names, n);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	return k;
}

static int svc_vip_parse(const json_t *j, void *p, struct nsnet_err *err)
{
	return vip_from_json(j, p, err);
}

static int svc_port_parse(const json_t *j, void *p, struct nsnet_err *err)
{
	return port_from_json(j, p, err);
}

int svc_vips_load(struct op *op, struct nsnet_vip **out, struct nsnet_err *err)
{
	return svc_load_all(op, STATE_VIPS, NULL, sizeof(**out), (void **)out, svc_vip_parse, err);
}

int svc_ports_load(struct op *op, struct nsnet_port **out, struct nsnet_err *err)
{
	return svc_load_all(op, STATE_PORTS, NULL, sizeof(**out), (void **)out, svc_port_parse, err);
}

/* The published ports on host port @port (any protocol and address). */
static int svc_ports_load_port(struct op *op, uint16_t port, struct nsnet_port **out, struct nsnet_err *err)
{
	char suffix[16];

	snprintf(suffix, sizeof(suffix), "-%u", port);
	return svc_load_all(op, STATE_PORTS, suffix, sizeof(**out), (void **)out, svc_port_parse, err);
}

int svc_count(struct op *op, int limit, struct nsnet_err *err)
{
	int n = state_count(&op->st, STATE_VIPS, limit, err), m;

	if (n < 0)
		return n;
	if ((m = state_count(&op->st, STATE_PORTS, limit, err)) < 0)
		return m;
	return n + m;
}

/*
 * The address of family @family that namespace @ns holds on network @net (NULL: the first of its
 * networks that has one). Fills @net_out (may be NULL). Returns 0, or -ENOENT with a message.
 */
static int svc_ns_addr(struct op *op, const char *ns, const char *net, int family, struct nsnet_addr *out,
		       char *net_out, struct nsnet_err *err)
{
	struct nsnet_namespace rec;
	int r = rec_namespace_load(op, ns, &rec, err);

	if ((r == -ENOENT && !netns_exists(ns)) || (r == 0 && !rec_namespace_alive(&rec)))
		return nsnet_err_set(err, ENOENT, "namespace %s does not exist", ns);
	if (r == -ENOENT)
		return nsnet_err_set(err, ENOENT, "namespace %s is on no nsnet network (attach it first)", ns);
	if (r < 0)
		return r;
	for (size_t i = 0; i < rec.n_att; i++) {
		struct nsnet_leases l;

		if (net && strcmp(rec.att[i].net, net))
			continue;
		if ((r = rec_leases_load(op, rec.att[i].net, &l, err)) < 0)
			return r;
		for (size_t k = 0; k < l.n; k++) {
			if (l.v[k].addr.family != family || strcmp(l.v[k].owner, ns) ||
			    strcmp(l.v[k].ifname, rec.att[i].ifname))
				continue;
			*out = l.v[k].addr;
			if (net_out)
				snprintf(net_out, NSNET_NAME_MAX + 1, "%s", rec.att[i].net);
			leases_free(&l);
			return 0;
		}
		leases_free(&l);
	}
	if (net)
		return nsnet_err_set(err, ENOENT, "namespace %s has no %s address on network %s", ns,
				     family == AF_INET ? "IPv4" : "IPv6", net);
	return nsnet_err_set(err, ENOENT, "namespace %s has no %s address on any nsnet network", ns,
			     family == AF_INET ? "IPv4" : "IPv6");
}

/* Does namespace @ns exist: in /run/netns, or as a live CNI container's? */
static bool svc_ns_exists(struct op *op, const char *ns)
{
	struct nsnet_namespace rec;

	if (netns_exists(ns))
		return true;
	return rec_namespace_load(op, ns, &rec, NULL) == 0 && rec_namespace_alive(&rec);
}

/* Resolve NS:PORT backends, check families and duplicates. */
static int vip_resolve(struct op *op, struct nsnet_vip *v, struct nsnet_err *err)
{
	char a[NSNET_KEY_MAX], b[NSNET_KEY_MAX];
	int r;

	for (size_t i = 0; i < v->n_backends; i++) {
		struct nsnet_backend *be = &v->backend[i];

		if (be->ns[0]) {
			if ((r = svc_ns_addr(op, be->ns, NULL, v->vip.addr.family, &be->ep.addr, NULL, err)) < 0) {
				nsnet_err_prefix(err, "backend %s:%u", be->ns, be->ep.port);
				return r;
			}
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

/*
 * Hand out the next id of @what ("vip", "port") from its counter record, so no listing of all
 * records is needed however many exist. The counter goes back with a rollback, and starts again
 * at 1 when the last record of its kind is removed (svc_table_gone_if_last()).
 */
static int svc_next_id(struct op *op, const char *what, unsigned int *id, struct nsnet_err *err)
{
	json_t *j = NULL;
	json_int_t next = 1;
	int r = state_read(&op->st, STATE_IDS, what, &j, err);

	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && json_is_integer(json_object_get(j, "next")))
		next = json_integer_value(json_object_get(j, "next"));
	json_decref(j);
	if (next < 1 || next > 1000000000)
		return nsnet_err_set(err, EBADMSG, "state record %s/%s: bad counter", STATE_IDS, what);
	*id = (unsigned int)next;
	j = json_pack("{s:I}", "next", next + 1);
	if (!j)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	r = op_state_put(op, STATE_IDS, what, j, err);
	json_decref(j);
	return r;
}

/*
 * After @old's backends were replaced by @new's (NULL: none), drop the UDP flows still pinned to
 * the backends that left. TCP needs nothing: its connections end, new ones take the new rules.
 * Failure is only reported: the rules are right already and flows would time out eventually.
 */
static void vip_flush_removed(struct op *op, const struct nsnet_vip *old, const struct nsnet_vip *new)
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
						&ignored) < 0 && op->opts->verbose)
			fprintf(stderr, "nsnet: warning: %s\n", ignored.msg);
	}
}

/*
 * Apply firewall text @do_ (undone by @undo) and store @rec as record @kind/@key, or remove it
 * (@rec json_null(); NULL is a record that could not be built: out of memory).
 * @fast: @do_ is exactly fw_vip_del(@old) + fw_vip_add(@new), which op_fw_vip() may apply
 * without libnftables.
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

static int svc_commit(struct op *op, struct strbuf *do_, struct strbuf *undo, const char *kind,
		      const char *key, json_t *rec, struct nsnet_err *err)
{
	return svc_commit_vip(op, do_, undo, kind, key, rec, false, NULL, NULL, err);
}

/* The table and base chains, when no record says they exist yet. */
static int svc_base_if_first(struct op *op, struct strbuf *out, struct nsnet_err *err)
{
	char **names;
	int nets = state_names(&op->st, STATE_NETWORKS, &names, err), svcs;

	if (nets < 0)
		return nets;
	state_names_free(names, nets);
	if ((svcs = svc_count(op, 1, err)) < 0)
		return svcs;
	if (nets + svcs == 0)
		op->fw->base(out);
	return 0;
}

/*
 * @removing (1: a VIP/port is being removed, -1: being added, for the undo of an add) records of
 * @kind go: with no network, VIP or port left, the table goes too (then @out becomes just that),
 * and the id counter of @kind starts again. Returns 1 when the table goes, 0 when not, or -errno.
 */
static int svc_table_gone_if_last(struct op *op, const char *kind, int removing, struct strbuf *out,
				  struct nsnet_err *err)
{
	int nets = state_count(&op->st, STATE_NETWORKS, 1, err), same, svcs, r;

	if (nets < 0)
		return nets;
	if ((same = state_count(&op->st, kind, 2, err)) < 0 || (svcs = svc_count(op, 2, err)) < 0)
		return same < 0 ? same : svcs;
	if (removing > 0 && same <= 1 &&
	    (r = op_state_del(op, STATE_IDS, !strcmp(kind, STATE_VIPS) ? "vip" : "port", err)) < 0)
		return r;
	if (nets == 0 && svcs <= removing) {
		op->fw->teardown(out);
		return 1;
	}
	return 0;
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

int core_vip_add(const struct nsnet_opts *o, const struct nsnet_vip *req, struct nsnet_err *err)
{
	struct strbuf add = { 0 }, undo = { 0 };
	struct nsnet_vip v = *req;
	bool fast;
	char key[NSNET_KEY_MAX], a[NSNET_KEY_MAX];
	json_t *old;
	struct op op;
	int r;

	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	vip_key(&v, key);
	if (state_read(&op.st, STATE_VIPS, key, &old, NULL) == 0) {
		json_decref(old);
		r = nsnet_err_set(err, EEXIST, "VIP %s/%s already exists (change its backends with 'nsnet vip set')",
				  endpoint_str(&v.vip, a), proto_name(v.proto));
		goto out;
	}
	if ((r = vip_check_new(&op, &v, err)) < 0 || (r = vip_resolve(&op, &v, err)) < 0)
		goto out;
	if ((r = svc_next_id(&op, "vip", &v.id, err)) < 0)
		goto out;
	if ((r = svc_base_if_first(&op, &add, err)) < 0)
		goto out;
	fast = add.len == 0;	/* the table exists: only this VIP's objects */
	op.fw->vip_add(&v, &add);
	op.fw->vip_del(&v, &undo);
	if ((r = svc_table_gone_if_last(&op, STATE_VIPS, -1, &undo, err)) < 0)
		goto out;
	r = svc_commit_vip(&op, &add, &undo, STATE_VIPS, key, vip_to_json(&v), fast, NULL, &v, err);
out:
	if (r < 0)
		op_rollback(&op);
	op_end(&op);
	strbuf_free(&add);
	strbuf_free(&undo);
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

int core_vip_set(const struct nsnet_opts *o, const struct nsnet_vip *req, struct nsnet_err *err)
{
	struct strbuf change = { 0 }, undo = { 0 };
	struct nsnet_vip old, v = *req;
	char key[NSNET_KEY_MAX];
	struct op op;
	int r;

	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	if ((r = vip_load(&op, req->proto, &req->vip, &old, key, err)) < 0 || (r = vip_resolve(&op, &v, err)) < 0)
		goto out;
	v.id = old.id;
	if (!v.name[0])
		snprintf(v.name, sizeof(v.name), "%s", old.name);
	if (!v.affinity)
		v.affinity = old.affinity;
	/* One transaction: the old chain and elements go, the new ones come; no packet sees a mix. */
	op.fw->vip_del(&old, &change);
	op.fw->vip_add(&v, &change);
	op.fw->vip_del(&v, &undo);
	op.fw->vip_add(&old, &undo);
	r = svc_commit_vip(&op, &change, &undo, STATE_VIPS, key, vip_to_json(&v), true, &old, &v, err);
	if (r == 0)
		vip_flush_removed(&op, &old, &v);
out:
	if (r < 0)
		op_rollback(&op);
	op_end(&op);
	strbuf_free(&change);
	strbuf_free(&undo);
	return r;
}

int core_vip_rm(const struct nsnet_opts *o, uint8_t proto, const void *endpoint, struct nsnet_err *err)
{
	struct strbuf del = { 0 }, undo = { 0 };
	struct nsnet_vip v;
	char key[NSNET_KEY_MAX];
	struct op op;
	int r;

	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	if ((r = vip_load(&op, proto, endpoint, &v, key, err)) < 0)
		goto out;
	op.fw->vip_del(&v, &del);
	op.fw->vip_add(&v, &undo);
	if ((r = svc_table_gone_if_last(&op, STATE_VIPS, 1, &del, err)) < 0)
		goto out;
	/* r == 1: the last object went, and the text removes the whole table instead. */
	r = svc_commit_vip(&op, &del, &undo, STATE_VIPS, key, json_null(), r == 0, &v, NULL, err);
	if (r == 0)
		vip_flush_removed(&op, &v, NULL);
out:
	if (r < 0)
		op_rollback(&op);
	op_end(&op);
	strbuf_free(&del);
	strbuf_free(&undo);
	return r;
}

int svc_publish(struct op *op, const char *ns, const char *net, const struct nsnet_port *req,
		struct nsnet_err *err)
{
	struct strbuf add = { 0 }, undo = { 0 };
	struct nsnet_port *all = NULL, p = *req;
	struct nsnet_network network;
	char key[NSNET_KEY_MAX], h[INET6_ADDRSTRLEN];
	int r, n = 0, family;
	bool fast;

	if ((r = names_check("namespace", ns, err)) < 0 || (net && (r = names_check("network", net, err)) < 0))
		return r;
	port_key(&p, key);
	if ((n = svc_ports_load_port(op, p.host_port, &all, err)) < 0) {
		r = n;
		goto out;
	}
	/*
	 * One owner per (address, port, protocol). "Every address" overlaps each single address
	 * except loopback, which it does not cover.
	 */
	for (int i = 0; i < n; i++) {
		const struct nsnet_addr *a = &all[i].host_ip, *b = &p.host_ip;

		if (all[i].proto != p.proto || all[i].host_port != p.host_port)
			continue;
		if (a->family && b->family ? !nsnet_addr_equal(a, b) :
		    (a->family == AF_INET && a->b[0] == 127) || (b->family == AF_INET && b->b[0] == 127))
			continue;
		r = nsnet_err_set(err, EADDRINUSE, "port %u/%s on %s is already published on %s (by namespace %s)",
				  p.host_port, proto_name(p.proto),
				  p.host_ip.family ? nsnet_addr_str(&p.host_ip, h) : "every address",
				  all[i].host_ip.family ? nsnet_addr_str(&all[i].host_ip, h) : "every address", all[i].ns);
		goto out;
	}
	if (net && (r = rec_network_load(op, net, &network, err)) < 0)
		goto out;
	if (p.host_ip.family == AF_INET6 && p.host_ip.b[15] == 1 && !memcmp(p.host_ip.b, (uint8_t[15]){ 0 }, 15)) {
		r = nsnet_err_set(err, EINVAL, "host address ::1: IPv6 cannot route loopback traffic to a namespace; publish on 127.0.0.1 or every address");
		goto out;
	}
	/* The target family follows the host address; on every address IPv4 is preferred. */
	family = p.host_ip.family ? p.host_ip.family : AF_INET;
	r = svc_ns_addr(op, ns, net, family, &p.target, p.net, err);
	if (r == -ENOENT && !p.host_ip.family && svc_ns_exists(op, ns)) {
		family = AF_INET6;
		r = svc_ns_addr(op, ns, net, family, &p.target, p.net, NULL);
		if (r < 0)
			r = nsnet_err_set(err, ENOENT, "namespace %s has no address on %s%s", ns,
					  net ? "network " : "any nsnet network", net ? net : "");
	}
	if (r < 0) {
		nsnet_err_prefix(err, "publish %s", ns);
		goto out;
	}
	snprintf(p.ns, sizeof(p.ns), "%s", ns);
	if ((r = rec_network_load(op, p.net, &network, err)) < 0)
		goto out;
	if ((r = svc_next_id(op, "port", &p.id, err)) < 0)
		goto out;
	if (p.host_ip.family == AF_INET && p.host_ip.b[0] == 127) {
		/* Only this bridge may carry loopback-sourced packets (and the guard chain drops any
		 * that arrive on it): see docs/services.md. */
		char sysctl[64];

		snprintf(sysctl, sizeof(sysctl), "net.ipv4.conf.%s.route_localnet", network.bridge);
		if ((r = op_sysctl(op, sysctl, "1", true, err)) < 0)
			goto out;
	}
	if ((r = svc_base_if_first(op, &add, err)) < 0)
		goto out;
	fast = add.len == 0;	/* the table exists: only this port's objects */
	op->fw->port_add(&p, &add);
	op->fw->port_del(&p, &undo);
	if ((r = svc_table_gone_if_last(op, STATE_PORTS, -1, &undo, err)) < 0)
		goto out;
	if (add.oom || undo.oom) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
	} else if ((r = fast ? op_fw_ports_add(op, strbuf_str(&add), strbuf_str(&undo), &p, 1, err)
			     : op_fw(op, strbuf_str(&add), strbuf_str(&undo), false, err)) == 0) {
		json_t *rec = port_to_json(&p);

		r = rec ? op_state_put(op, STATE_PORTS, key, rec, err) : nsnet_err_set(err, ENOMEM, "out of memory");
		json_decref(rec);
	}
out:
	free(all);
	strbuf_free(&add);
	strbuf_free(&undo);
	return r;
}

int core_publish(const struct nsnet_opts *o, const char *ns, const char *net, const struct nsnet_port *req,
		 struct nsnet_err *err)
{
	struct op op;
	int r;

	if ((r = op_begin(&op, o, true, err)) == 0)
		r = svc_publish(&op, ns, net, req, err);
	if (r < 0)
		op_rollback(&op);
	op_end(&op);
	return r;
}

/*
 * The last port published on a loopback address through @p's network is gone: turn the bridge's
 * route_localnet off again, so nothing keeps it on longer than needed.
 */
static int port_localnet_release(struct op *op, const struct nsnet_port *p, struct nsnet_err *err)
{
	struct nsnet_port *all = NULL;
	struct nsnet_network net;
	char key[64];
	int n = svc_ports_load(op, &all, err), r = 0;
	bool other = false;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		other |= !strcmp(all[i].net, p->net) && all[i].host_ip.family == AF_INET && all[i].host_ip.b[0] == 127;
	free(all);
	if (!other && rec_network_load(op, p->net, &net, NULL) == 0) {
		snprintf(key, sizeof(key), "net.ipv4.conf.%s.route_localnet", net.bridge);
		r = op_sysctl(op, key, "0", true, err);
	}
	return r;
}

int core_unpublish(const struct nsnet_opts *o, const char *ns, const struct nsnet_port *req, struct nsnet_err *err)
{
	struct strbuf del = { 0 }, undo = { 0 };
	char key[NSNET_KEY_MAX], h[INET6_ADDRSTRLEN];
	struct nsnet_port p;
	struct op op;
	json_t *j;
	int r;

	if ((r = names_check("namespace", ns, err)) < 0)
		return r;
	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	port_key(req, key);
	r = state_read(&op.st, STATE_PORTS, key, &j, err);
	if (r == 0) {
		r = port_from_json(j, &p, err);
		json_decref(j);
	}
	if (r == -ENOENT || (r == 0 && strcmp(p.ns, ns)))
		r = nsnet_err_set(err, ENOENT, "namespace %s has no port %u/%s published on %s", ns, req->host_port,
				  proto_name(req->proto), req->host_ip.family ? nsnet_addr_str(&req->host_ip, h) : "every address");
	if (r < 0)
		goto out;
	op.fw->port_del(&p, &del);
	op.fw->port_add(&p, &undo);
	if ((r = svc_table_gone_if_last(&op, STATE_PORTS, 1, &del, err)) < 0)
		goto out;
	r = svc_commit(&op, &del, &undo, STATE_PORTS, key, json_null(), err);
	if (r == 0 && p.host_ip.family == AF_INET && p.host_ip.b[0] == 127)
		r = port_localnet_release(&op, &p, err);
out:
	if (r < 0)
		op_rollback(&op);
	op_end(&op);
	strbuf_free(&del);
	strbuf_free(&undo);
	return r;
}

/* UDP flows of VIP @v still pinned to backends of namespace @ns. */
static void vip_flush_gone_ns(struct op *op, const struct nsnet_vip *v, const char *ns)
{
	struct nsnet_vip rest = *v;
	size_t k = 0;

	for (size_t b = 0; b < v->n_backends; b++)
		if (strcmp(v->backend[b].ns, ns))
			rest.backend[k++] = v->backend[b];
	rest.n_backends = k;
	if (k != v->n_backends)
		vip_flush_removed(op, v, &rest);
}

int svc_forget(struct op *op, const char *ns, const char *net, struct nsnet_err *err)
{
	struct strbuf change = { 0 }, undo = { 0 };
	struct nsnet_vip *vips = NULL;
	struct nsnet_port *ports = NULL;
	int nv = 0, np = 0, r = 0;
	char key[NSNET_KEY_MAX];
	struct nsnet_network network;
	bool any = false, only_ports = false;
	size_t n_gone = 0;

	if (net && (r = rec_network_load(op, net, &network, err)) < 0)
		return r;
	if ((nv = svc_vips_load(op, &vips, err)) < 0 || (np = svc_ports_load(op, &ports, err)) < 0) {
		r = nv < 0 ? nv : np;
		nv = np = 0;
		goto out;
	}
	for (int i = 0; i < np && r == 0; i++) {
		if (strcmp(ports[i].ns, ns) || (net && strcmp(ports[i].net, net)))
			continue;
		op->fw->port_del(&ports[i], &change);
		op->fw->port_add(&ports[i], &undo);
		port_key(&ports[i], key);
		r = op_state_del(op, STATE_PORTS, key, err);
		ports[n_gone++] = ports[i];	/* the ports going, first in the array */
		any = true;
	}
	only_ports = n_gone > 0;
	for (int i = 0; i < nv && r == 0; i++) {
		struct nsnet_vip v = vips[i];
		size_t k = 0;

		for (size_t b = 0; b < v.n_backends; b++) {
			bool gone = !strcmp(v.backend[b].ns, ns);

			if (gone && net) {
				size_t idx;
				const struct nsnet_prefix *sub = network_subnet(&network, v.backend[b].ep.addr.family, &idx);

				gone = sub && nsnet_prefix_contains(sub, &v.backend[b].ep.addr);
			}
			if (!gone)
				v.backend[k++] = v.backend[b];
		}
		if (k == v.n_backends)
			continue;
		v.n_backends = k;
		op->fw->vip_del(&vips[i], &change);
		op->fw->vip_add(&v, &change);
		op->fw->vip_del(&v, &undo);
		op->fw->vip_add(&vips[i], &undo);
		vip_key(&v, key);
		json_t *j = vip_to_json(&v);

		r = j ? op_state_put(op, STATE_VIPS, key, j, err) : nsnet_err_set(err, ENOMEM, "out of memory");
		json_decref(j);
		any = true;
		only_ports = false;
	}
	if (r == 0 && any) {
		/* Undone with the rest if the detach fails later (say, deleting the veth). */
		if (change.oom || undo.oom)
			r = nsnet_err_set(err, ENOMEM, "out of memory");
		else if (only_ports)	/* a container going with its ports: one libnftnl batch with nft */
			r = op_fw_ports_del(op, strbuf_str(&change), strbuf_str(&undo), ports, n_gone, err);
		else
			r = op_fw(op, strbuf_str(&change), strbuf_str(&undo), false, err);
	}
	for (int i = 0; r == 0 && i < nv; i++)
		if (vips[i].proto == IPPROTO_UDP)
			vip_flush_gone_ns(op, &vips[i], ns);
out:
	free(vips);
	free(ports);
	strbuf_free(&change);
	strbuf_free(&undo);
	return r;
}
