// SPDX-License-Identifier: MIT
// nsnet as a CNI IPAM plugin: address pools with leases keyed by (container ID, ifname); no kernel work.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/records.h"
#include "ipam/ipam.h"
#include "util/strbuf.h"

/*
 * A pool record (STATE_POOLS/NAME.json) is created by the first ADD from the configuration and
 * removed with its last lease, so a pool never outlives its containers:
 *   {"name", "subnets": [...], "gateways": [...], "leases": [{"address", "container_id", "ifname"}]}
 */

struct pool_lease {
	struct nsnet_addr addr;
	char cid[NSNET_CID_MAX + 1];
	char ifname[IFNAMSIZ];
};

struct pool {
	struct nsnet_network net;	/* name, subnets and gateways only */
	size_t n, cap;
	struct pool_lease *v;
};

static void pool_free(struct pool *p)
{
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

static int pool_lease_add(struct pool *p, const struct nsnet_addr *a, const char *cid, const char *ifname)
{
	if (nsnet_array_room(&p->v, &p->cap, p->n, sizeof(*p->v)) < 0)
		return -ENOMEM;
	p->v[p->n].addr = *a;
	snprintf(p->v[p->n].cid, sizeof(p->v[p->n].cid), "%s", cid);
	snprintf(p->v[p->n].ifname, sizeof(p->v[p->n].ifname), "%s", ifname);
	p->n++;
	return 0;
}

static json_t *pool_to_json(const struct pool *p)
{
	json_t *j = network_to_json(&p->net), *l = json_array();
	char buf[INET6_ADDRSTRLEN];

	if (!j || !l) {
		json_decref(j);
		json_decref(l);
		return NULL;
	}
	/* Only what a pool has: a network record's other fields would say things that are not so. */
	json_object_del(j, "bridge");
	json_object_del(j, "nat");
	json_object_del(j, "internal");
	json_object_del(j, "mtu");
	for (size_t i = 0; i < p->n; i++)
		json_array_append_new(l, json_pack("{s:s, s:s, s:s}", "address", nsnet_addr_str(&p->v[i].addr, buf),
						   "container_id", p->v[i].cid, "ifname", p->v[i].ifname));
	json_object_set_new(j, "leases", l);
	return j;
}

static int pool_from_json(const json_t *j, struct pool *p, struct nsnet_err *err)
{
	json_t *copy = json_deep_copy(j), *l = json_object_get(j, "leases");
	int r;

	memset(p, 0, sizeof(*p));
	if (!copy)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	json_object_set_new(copy, "bridge", json_string("pool"));	/* network_from_json() wants one */
	r = network_from_json(copy, &p->net, err);
	json_decref(copy);
	if (r < 0)
		return r;
	if (l && !json_is_array(l))
		return nsnet_err_set(err, EBADMSG, "pool %s: bad \"leases\"", p->net.name);
	for (size_t i = 0; i < json_array_size(l); i++) {
		const json_t *e = json_array_get(l, i);
		const char *a = json_string_value(json_object_get(e, "address"));
		const char *cid = json_string_value(json_object_get(e, "container_id"));
		const char *ifname = json_string_value(json_object_get(e, "ifname"));
		struct nsnet_addr addr;

		if (!a || !cid || !ifname || nsnet_addr_parse(a, &addr, NULL) < 0 || cid_check(cid, NULL) < 0 ||
		    names_check_ifname(ifname, NULL) < 0) {
			pool_free(p);
			return nsnet_err_set(err, EBADMSG, "pool %s: bad lease %zu", p->net.name, i);
		}
		if (pool_lease_add(p, &addr, cid, ifname) < 0) {
			pool_free(p);
			return nsnet_err_set(err, ENOMEM, "out of memory");
		}
	}
	return 0;
}

/* Load pool @name: 0, -ENOENT, or -errno. */
static int pool_load(struct op *op, const char *name, struct pool *p, struct nsnet_err *err)
{
	json_t *j;
	int r = state_read(&op->st, STATE_POOLS, name, &j, err);

	memset(p, 0, sizeof(*p));
	if (r < 0)
		return r;
	r = pool_from_json(j, p, err);
	json_decref(j);
	if (r < 0)
		nsnet_err_prefix(err, "state record of pool %s", name);
	return r;
}

/* Store @p, or remove it when it holds no lease. */
static int pool_put(struct op *op, const struct pool *p, struct nsnet_err *err)
{
	json_t *j;
	int r;

	if (p->n == 0)
		return op_state_del(op, STATE_POOLS, p->net.name, err);
	if (!(j = pool_to_json(p)))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	r = op_state_put(op, STATE_POOLS, p->net.name, j, err);
	json_decref(j);
	return r;
}

/* A pool from @req: subnets checked, gateways defaulted to the first host. */
static int pool_plan(const struct pool_req *req, struct pool *p, struct nsnet_err *err)
{
	char a[NSNET_PREFIX_STRLEN];

	memset(p, 0, sizeof(*p));
	if (names_check("network", req->name, err) < 0)
		return -EINVAL;
	snprintf(p->net.name, sizeof(p->net.name), "%s", req->name);
	if (req->n_subnets == 0)
		return nsnet_err_set(err, EINVAL, "pool %s: no subnet", req->name);
	for (size_t i = 0; i < req->n_subnets; i++) {
		for (size_t k = 0; k < i; k++)
			if (req->subnet[k].addr.family == req->subnet[i].addr.family)
				return nsnet_err_set(err, EINVAL, "pool %s: subnet %s: one subnet per address family", req->name,
						     nsnet_prefix_str(&req->subnet[i], a));
		if (nsnet_prefix_hosts(&req->subnet[i]) < 2)
			return nsnet_err_set(err, EINVAL, "pool %s: subnet %s is too small", req->name,
					     nsnet_prefix_str(&req->subnet[i], a));
		p->net.subnet[i] = req->subnet[i];
		nsnet_prefix_nth(&p->net.subnet[i], 1, &p->net.gateway[i]);
	}
	p->net.n_subnets = req->n_subnets;
	for (size_t i = 0; i < req->n_gateways; i++) {
		size_t k;

		if (!network_subnet(&p->net, req->gateway[i].family, &k) ||
		    !nsnet_prefix_is_host(&p->net.subnet[k], &req->gateway[i]))
			return nsnet_err_set(err, EINVAL, "gateway %s: not a host address of the pool's subnets",
					     nsnet_addr_str(&req->gateway[i], a));
		p->net.gateway[k] = req->gateway[i];
	}
	return 0;
}

/*
 * Networks and pools each run their own allocator over their subnets, so two of them on one
 * address range would hand out the same addresses (issue 18, item 9): a subnet of @net (a network
 * being created, or pool @self being created) that overlaps a pool's other than @self is refused,
 * and for a pool also one of a network's. Returns 0, -EEXIST, or -errno.
 */
int pool_subnets_check(struct op *op, const struct nsnet_network *net, const char *self, struct nsnet_err *err)
{
	char a[NSNET_PREFIX_STRLEN], b[NSNET_PREFIX_STRLEN], **names = NULL;
	struct nsnet_network *nets = NULL;
	int n, r = 0;

	if (self) {
		if ((n = rec_networks_load(op, &nets, err)) < 0)
			return n;
		for (int j = 0; j < n && r == 0; j++)
			for (size_t i = 0; i < net->n_subnets && r == 0; i++)
				for (size_t k = 0; k < nets[j].n_subnets && r == 0; k++)
					if (nsnet_prefix_overlap(&net->subnet[i], &nets[j].subnet[k]))
						r = nsnet_err_set(err, EEXIST, "pool %s: subnet %s overlaps subnet %s of network %s, "
								  "which hands out its own addresses", self,
								  nsnet_prefix_str(&net->subnet[i], a),
								  nsnet_prefix_str(&nets[j].subnet[k], b), nets[j].name);
		free(nets);
		if (r < 0)
			return r;
	}
	if ((n = state_names(&op->st, STATE_POOLS, &names, err)) < 0)
		return n;
	for (int j = 0; j < n && r == 0; j++) {
		struct pool p;

		if (self && !strcmp(names[j], self))
			continue;
		if (pool_load(op, names[j], &p, NULL) < 0)
			continue;	/* unreadable: gc and check report it */
		for (size_t i = 0; i < net->n_subnets && r == 0; i++)
			for (size_t k = 0; k < p.net.n_subnets && r == 0; k++)
				if (nsnet_prefix_overlap(&net->subnet[i], &p.net.subnet[k]))
					r = nsnet_err_set(err, EEXIST, "%s %s: subnet %s overlaps subnet %s of IPAM pool %s",
							  self ? "pool" : "network", self ? self : net->name,
							  nsnet_prefix_str(&net->subnet[i], a),
							  nsnet_prefix_str(&p.net.subnet[k], b), p.net.name);
		pool_free(&p);
	}
	state_names_free(names, n);
	return r;
}

static void pool_result(const struct pool *p, const char *cid, const char *ifname, struct sandbox_result *res)
{
	memset(res, 0, sizeof(*res));
	snprintf(res->ifname, sizeof(res->ifname), "%s", ifname);
	for (size_t i = 0; i < p->n && res->n_addrs < NSNET_MAX_SUBNETS; i++) {
		size_t k;

		if (strcmp(p->v[i].cid, cid) || strcmp(p->v[i].ifname, ifname) ||
		    !network_subnet(&p->net, p->v[i].addr.family, &k))
			continue;
		res->addr[res->n_addrs] = p->v[i].addr;
		res->plen[res->n_addrs] = p->net.subnet[k].len;
		res->gateway[res->n_addrs++] = p->net.gateway[k];
	}
}

int core_pool_add(const struct nsnet_opts *o, const struct pool_req *req, const char *cid, const char *ifname,
		  struct sandbox_result *res, struct nsnet_err *err)
{
	struct pool p = { 0 }, want;
	struct nsnet_addr *used = NULL;
	char a[NSNET_PREFIX_STRLEN];
	size_t n_used = 0;
	struct op op;
	int r;

	if ((r = cid_check(cid, err)) < 0 || (r = names_check_ifname(ifname, err)) < 0 ||
	    (r = pool_plan(req, &want, err)) < 0)
		return r;
	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	r = pool_load(&op, req->name, &p, err);
	if (r == -ENOENT) {
		p = want;
		r = pool_subnets_check(&op, &want.net, req->name, err);
	} else if (r == 0) {
		bool same = p.net.n_subnets == want.net.n_subnets;

		for (size_t i = 0; same && i < want.net.n_subnets; i++)
			same = !memcmp(&p.net.subnet[i], &want.net.subnet[i], sizeof(want.net.subnet[i])) &&
			       nsnet_addr_equal(&p.net.gateway[i], &want.net.gateway[i]);
		if (!same)
			r = nsnet_err_set(err, EEXIST, "conflicting configuration: pool %s exists with subnet %s and another subnet or gateway",
					  req->name, nsnet_prefix_str(&p.net.subnet[0], a));
	}
	if (r < 0)
		goto out;
	pool_result(&p, cid, ifname, res);
	if (res->n_addrs)
		goto out;	/* ADD again for the same attachment: the same addresses */
	used = calloc(p.n + NSNET_MAX_SUBNETS, sizeof(*used));
	if (!used) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < p.n; i++)
		used[n_used++] = p.v[i].addr;
	for (size_t k = 0; k < p.net.n_subnets; k++)
		used[n_used++] = p.net.gateway[k];
	for (size_t i = 0; i < req->n_ips; i++)
		if (!network_subnet(&p.net, req->ip[i].family, NULL)) {
			r = nsnet_err_set(err, EINVAL, "address %s: pool %s has no subnet of its family",
					  nsnet_addr_str(&req->ip[i], a), req->name);
			goto out;
		}
	for (size_t k = 0; k < p.net.n_subnets; k++) {
		const struct nsnet_addr *ask = NULL;
		struct nsnet_addr got;

		for (size_t i = 0; i < req->n_ips; i++)
			if (req->ip[i].family == p.net.subnet[k].addr.family)
				ask = &req->ip[i];
		if (ask) {
			r = ipam_check(&p.net.subnet[k], ask, used, n_used, err);
			got = *ask;
		} else {
			r = ipam_pick(&p.net.subnet[k], used, n_used, &got, err);
		}
		if (r < 0) {
			nsnet_err_prefix(err, "pool %s", req->name);
			goto out;
		}
		if (pool_lease_add(&p, &got, cid, ifname) < 0) {
			r = nsnet_err_set(err, ENOMEM, "out of memory");
			goto out;
		}
	}
	if ((r = pool_put(&op, &p, err)) == 0)
		pool_result(&p, cid, ifname, res);
out:
	if (r < 0)
		op_rollback(&op);
	op_end(&op);
	free(used);
	pool_free(&p);
	return r;
}

/* Keep the leases of @p that @keep accepts; returns how many were dropped. */
static size_t pool_drop(struct pool *p, bool (*keep)(const struct pool_lease *, const void *), const void *data)
{
	size_t k = 0, n = p->n;

	for (size_t i = 0; i < n; i++)
		if (keep(&p->v[i], data))
			p->v[k++] = p->v[i];
	p->n = k;
	return n - k;
}

struct pool_key {
	const char *cid, *ifname;
};

static bool pool_keep_other(const struct pool_lease *l, const void *data)
{
	const struct pool_key *key = data;

	return strcmp(l->cid, key->cid) || strcmp(l->ifname, key->ifname);
}

struct pool_valid {
	char *const *v;
	size_t n;
};

static bool pool_keep_valid(const struct pool_lease *l, const void *data)
{
	const struct pool_valid *valid = data;
	size_t cl = strlen(l->cid);

	for (size_t i = 0; i < valid->n; i++)
		if (!strncmp(valid->v[i], l->cid, cl) && valid->v[i][cl] == '/' && !strcmp(valid->v[i] + cl + 1, l->ifname))
			return true;
	return false;
}

/* Load pool @name, drop leases by @keep, store. Returns how many were dropped. */
static int pool_release(const struct nsnet_opts *o, const char *name, bool (*keep)(const struct pool_lease *, const void *),
			const void *data, struct nsnet_err *err)
{
	struct pool p = { 0 };
	struct op op;
	int r;

	if ((r = names_check("network", name, err)) < 0)
		return r;
	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	r = pool_load(&op, name, &p, err);
	if (r == -ENOENT) {
		r = 0;
		goto out;
	}
	if (r == 0) {
		size_t dropped = pool_drop(&p, keep, data);

		if (dropped && (r = pool_put(&op, &p, err)) == 0)
			r = (int)dropped;
	}
out:
	op_end(&op);
	pool_free(&p);
	return r;
}

int core_pool_del(const struct nsnet_opts *o, const char *pool, const char *cid, const char *ifname,
		  struct nsnet_err *err)
{
	struct pool_key key = { cid, ifname };
	int r;

	if ((r = cid_check(cid, err)) < 0 || (r = names_check_ifname(ifname, err)) < 0)
		return r;
	r = pool_release(o, pool, pool_keep_other, &key, err);
	return r < 0 ? r : 0;
}

int core_pool_gc(const struct nsnet_opts *o, const char *pool, char *const *valid, size_t n_valid,
		 struct nsnet_err *err)
{
	struct pool_valid v = { valid, n_valid };

	return pool_release(o, pool, pool_keep_valid, &v, err);
}

int core_pool_check(const struct nsnet_opts *o, const char *pool, const char *cid, const char *ifname,
		    struct nsnet_err *err)
{
	struct sandbox_result res;
	struct pool p = { 0 };
	struct op op;
	int r;

	if ((r = names_check("network", pool, err)) < 0)
		return r;
	if ((r = op_begin(&op, o, false, err)) < 0)
		goto out;
	r = pool_load(&op, pool, &p, err);
	if (r == 0) {
		pool_result(&p, cid, ifname, &res);
		if (!res.n_addrs)
			r = -ENOENT;
	}
	if (r == -ENOENT)
		r = nsnet_err_set(err, ENOENT, "container %s has no address for %s in pool %s", cid, ifname, pool);
out:
	op_end(&op);
	pool_free(&p);
	return r;
}

int core_pool_status(const struct nsnet_opts *o, const struct pool_req *req, struct nsnet_err *err)
{
	struct pool p = { 0 };
	struct nsnet_addr *used = NULL;
	size_t n_used = 0;
	struct op op;
	int r;

	if ((r = op_begin(&op, o, true, err)) < 0)
		goto out;
	r = pool_load(&op, req->name, &p, err);
	if (r == -ENOENT) {
		r = 0;
		goto out;
	}
	if (r < 0)
		goto out;
	if (!(used = calloc(p.n + NSNET_MAX_SUBNETS, sizeof(*used)))) {
		r = nsnet_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < p.n; i++)
		used[n_used++] = p.v[i].addr;
	for (size_t k = 0; k < p.net.n_subnets; k++)
		used[n_used++] = p.net.gateway[k];
	for (size_t k = 0; k < p.net.n_subnets && r == 0; k++) {
		struct nsnet_addr a;

		if ((r = ipam_pick(&p.net.subnet[k], used, n_used, &a, err)) < 0)
			nsnet_err_prefix(err, "pool %s", req->name);
	}
out:
	op_end(&op);
	free(used);
	pool_free(&p);
	return r;
}
