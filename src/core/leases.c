// SPDX-License-Identifier: MIT
// Leases on disk: one record per leased address in a folder per network, and a next-free hint.
#include "core/records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipam/ipam.h"

/*
 * Theory of operation
 *
 * Network NET's leases live in the nested kind leases/NET: one record per leased address, named
 * after the address in canonical form (leases/NET/10.0.0.5.json: {"owner": NS, "ifname": IF}), so
 * "is this address taken?" is one stat and taking it is one write. Beside them, the record
 * leases/NET/next.json ({"ipv4": A, "ipv6": B}) is a hint: for each family, an address such that
 * every host address of the subnet below it is leased (or the gateway). IPAM picks the lowest free
 * address by probing upward from the hint (ipam_pick_probe()); picking X moves the hint to X,
 * releasing Y below the hint moves it down to Y. So an attach reads the hint, stats one or two
 * files and writes the lease and the hint; a detach reads and removes its own leases (the
 * attachment records which: nsnet_attachment.addr) and perhaps lowers the hint: neither depends on
 * how many leases the network has. Listing, check and gc read the folder whole (linear).
 *
 * Every write goes through op_state_put()/op_state_del(), so each is journaled with the bytes it
 * replaces and an interrupted operation is undone exactly. The hint is only ever a starting point:
 * a missing, malformed or wrong one (hand-edited, or left by a bulk rewrite) costs probes, never a
 * duplicate address, since the lease files themselves decide what is taken. Records read back are
 * validated (lease_from_json()); the folder's own name is a valid network name.
 *
 * Older state dirs kept one record leases/NET.json holding the whole set. It is read as it is;
 * the first write to that network's leases (attach, detach, gc) converts it: one record per lease
 * written, the old one removed, in the same journaled operation (docs/reliability.md).
 */

#define LEASE_HINT "next"

static void lease_kind(const char *net, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", STATE_LEASES, net);
}

/* Read network @net's leases as they are on disk, old single record or folder. */
int rec_leases_read(struct op *op, const char *net, struct nsnet_leases *l, struct nsnet_err *err)
{
	char kind[NSNET_NAME_MAX + 16];
	char **names;
	json_t *j;
	int n, r;

	memset(l, 0, sizeof(*l));
	r = state_read(&op->st, STATE_LEASES, net, &j, err);
	if (r == 0) {
		r = leases_from_json(j, l, err);
		json_decref(j);
		return r;
	}
	if (r != -ENOENT)
		return r;
	lease_kind(net, kind, sizeof(kind));
	if ((n = state_names(&op->st, kind, &names, err)) < 0)
		return n;
	r = 0;
	for (int i = 0; i < n && r == 0; i++) {
		struct nsnet_lease one;

		if (!strcmp(names[i], LEASE_HINT))
			continue;
		if ((r = state_read(&op->st, kind, names[i], &j, err)) == -ENOENT) {
			r = 0;
			continue;
		}
		if (r == 0) {
			r = lease_from_json(names[i], j, &one, err);
			json_decref(j);
		}
		if (r == -EBADMSG && op->skip_broken) {
			/* Listed for the caller (check reports it, gc moves it aside), like other records. */
			if (op->n_broken < OP_MAX_BROKEN)
				snprintf(op->broken[op->n_broken], sizeof(op->broken[0]), "%s/%s", kind, names[i]);
			op->n_broken++;
			r = 0;
			continue;
		}
		if (r == 0 && leases_add(l, &one.addr, one.owner, one.ifname) < 0)
			r = nsnet_err_set(err, ENOMEM, "out of memory");
	}
	state_names_free(names, n);
	if (r < 0)
		leases_free(l);
	return r;
}

bool rec_leases_any(struct op *op, const char *net)
{
	char kind[NSNET_NAME_MAX + 16];
	int n;

	if (state_has(&op->st, STATE_LEASES, net))
		return true;
	lease_kind(net, kind, sizeof(kind));
	/*
	 * At most two records are counted, never the whole folder (an `ns rm` with 10,000 leases
	 * listed them all): two records are a lease at least, the hint being one record; one record
	 * is a lease unless it is the hint.
	 */
	n = state_count(&op->st, kind, 2, NULL);
	if (n != 1)
		return n != 0;
	return !state_has(&op->st, kind, LEASE_HINT);
}

int rec_lease_nets(struct op *op, char ***names, struct nsnet_err *err)
{
	char **flat, **sub, **all;
	int nf, ns, n = 0;

	*names = NULL;
	if ((nf = state_names(&op->st, STATE_LEASES, &flat, err)) < 0)
		return nf;
	if ((ns = state_subkinds(&op->st, STATE_LEASES, &sub, err)) < 0) {
		state_names_free(flat, nf);
		return ns;
	}
	if (!(all = calloc((size_t)nf + (size_t)ns + 1, sizeof(*all)))) {
		state_names_free(flat, nf);
		state_names_free(sub, ns);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	for (int i = 0; i < nf; i++)
		all[n++] = flat[i];
	for (int i = 0; i < ns; i++) {
		bool dup = false;

		for (int k = 0; k < nf && !dup; k++)
			dup = !strcmp(flat[k], sub[i]);
		/* An empty folder (its last lease went, or an attach rolled back) holds no leases. */
		if (dup || !rec_leases_any(op, sub[i]))
			free(sub[i]);
		else
			all[n++] = sub[i];
	}
	free(flat);
	free(sub);
	*names = all;
	return n;
}

/* The hint's address of @family into @out (false: none that parses). */
static bool lease_hint_get(struct op *op, const char *kind, int family, struct nsnet_addr *out)
{
	json_t *j;
	const char *s;
	bool ok;

	if (state_read(&op->st, kind, LEASE_HINT, &j, NULL) < 0)
		return false;
	s = json_string_value(json_object_get(j, family == AF_INET ? "ipv4" : "ipv6"));
	ok = s && nsnet_addr_parse(s, out, NULL) == 0 && out->family == family;
	json_decref(j);
	return ok;
}

/* Set the hint of @a's family to @a (the other family's is kept). */
static int lease_hint_set(struct op *op, const char *kind, const struct nsnet_addr *a, struct nsnet_err *err)
{
	char buf[INET6_ADDRSTRLEN];
	struct nsnet_addr other;
	int of = a->family == AF_INET ? AF_INET6 : AF_INET;
	json_t *j = json_object();
	int r;

	if (!j)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	json_object_set_new(j, a->family == AF_INET ? "ipv4" : "ipv6", json_string(nsnet_addr_str(a, buf)));
	if (lease_hint_get(op, kind, of, &other))
		json_object_set_new(j, of == AF_INET ? "ipv4" : "ipv6", json_string(nsnet_addr_str(&other, buf)));
	r = op_state_put(op, kind, LEASE_HINT, j, err);
	json_decref(j);
	return r;
}

struct lease_probe {
	struct op *op;
	const char *kind;
	const struct nsnet_network *net;
};

static int lease_probe_used(void *ctx, const struct nsnet_addr *a)
{
	const struct lease_probe *p = ctx;
	char buf[INET6_ADDRSTRLEN];

	for (size_t k = 0; k < p->net->n_subnets; k++)
		if (nsnet_addr_equal(a, &p->net->gateway[k]))
			return 1;
	return state_has(&p->op->st, p->kind, nsnet_addr_str(a, buf));
}

int rec_lease_pick(struct op *op, const struct nsnet_network *net, size_t k, struct nsnet_addr *out,
		   struct nsnet_err *err)
{
	char kind[NSNET_NAME_MAX + 16];
	struct lease_probe p = { .op = op, .kind = kind, .net = net };
	struct nsnet_addr hint;
	bool have;

	lease_kind(net->name, kind, sizeof(kind));
	have = lease_hint_get(op, kind, net->subnet[k].addr.family, &hint);
	return ipam_pick_probe(&net->subnet[k], have ? &hint : NULL, lease_probe_used, &p, out, err);
}

bool rec_lease_taken(struct op *op, const char *net, const struct nsnet_addr *a)
{
	char kind[NSNET_NAME_MAX + 16], buf[INET6_ADDRSTRLEN];

	lease_kind(net, kind, sizeof(kind));
	return state_has(&op->st, kind, nsnet_addr_str(a, buf));
}

bool rec_lease_held(struct op *op, const char *net, const struct nsnet_addr *a, const char *owner,
		    const char *ifname)
{
	char kind[NSNET_NAME_MAX + 16], buf[INET6_ADDRSTRLEN];
	struct nsnet_lease cur;
	json_t *j;
	bool held;

	lease_kind(net, kind, sizeof(kind));
	if (state_read(&op->st, kind, nsnet_addr_str(a, buf), &j, NULL) < 0)
		return false;
	held = lease_from_json(buf, j, &cur, NULL) == 0 && nsnet_addr_equal(&cur.addr, a) && !strcmp(cur.owner, owner) &&
	       !strcmp(cur.ifname, ifname);
	json_decref(j);
	return held;
}

int rec_leases_migrate(struct op *op, const char *net, struct nsnet_err *err)
{
	struct nsnet_leases l;
	int r;

	if (!state_has(&op->st, STATE_LEASES, net))
		return 0;
	if ((r = rec_leases_read(op, net, &l, err)) < 0) {
		nsnet_err_prefix(err, "leases of network %s", net);
		return r;
	}
	r = rec_leases_put(op, net, &l, err);
	leases_free(&l);
	return r;
}

int rec_lease_take(struct op *op, const struct nsnet_network *net, const struct nsnet_lease *l, bool picked,
		   struct nsnet_err *err)
{
	char kind[NSNET_NAME_MAX + 16], buf[INET6_ADDRSTRLEN];
	struct nsnet_addr hint;
	json_t *j;
	int r;

	lease_kind(net->name, kind, sizeof(kind));
	nsnet_addr_str(&l->addr, buf);
	if (!op->opts->dry_run && state_has(&op->st, kind, buf))
		return nsnet_err_set(err, EADDRINUSE, "address %s is already in use", buf);
	if (!(j = lease_to_json(l)))
		return nsnet_err_set(err, ENOMEM, "out of memory");
	r = op_state_put(op, kind, buf, j, err);
	json_decref(j);
	if (r < 0 || !picked)
		return r;
	/* Everything below a picked address is taken: the next pick starts there. */
	if (lease_hint_get(op, kind, l->addr.family, &hint) && nsnet_addr_equal(&hint, &l->addr))
		return 0;
	return lease_hint_set(op, kind, &l->addr, err);
}

int rec_lease_release(struct op *op, const struct nsnet_network *net, const struct nsnet_addr *a,
		      const char *owner, const char *ifname, struct nsnet_err *err)
{
	char kind[NSNET_NAME_MAX + 16], buf[INET6_ADDRSTRLEN];
	struct nsnet_lease cur;
	struct nsnet_addr hint;
	json_t *j;
	int r;

	lease_kind(net->name, kind, sizeof(kind));
	nsnet_addr_str(a, buf);
	if ((r = state_read(&op->st, kind, buf, &j, NULL)) == -ENOENT)
		return 0;	/* released already */
	if (r == 0) {
		r = lease_from_json(buf, j, &cur, NULL);
		json_decref(j);
	}
	/* Someone else's lease stays; an unreadable one goes with the attachment that names it. */
	if (r == 0 && (strcmp(cur.owner, owner) || strcmp(cur.ifname, ifname)))
		return 0;
	if ((r = op_state_del(op, kind, buf, err)) < 0)
		return r;
	for (size_t k = 0; k < net->n_subnets; k++) {
		if (net->subnet[k].addr.family != a->family || !nsnet_prefix_contains(&net->subnet[k], a))
			continue;
		if (lease_hint_get(op, kind, a->family, &hint) &&
		    ipam_before(&net->subnet[k], a, &hint) && (r = lease_hint_set(op, kind, a, err)) < 0)
			return r;
	}
	return 0;
}

int rec_leases_tidy(struct op *op, const char *net, struct nsnet_err *err)
{
	char kind[NSNET_NAME_MAX + 16];
	int r;

	if (op->opts->dry_run || rec_leases_any(op, net))
		return 0;
	lease_kind(net, kind, sizeof(kind));
	if (state_has(&op->st, kind, LEASE_HINT) && (r = op_state_del(op, kind, LEASE_HINT, err)) < 0)
		return r;
	state_kind_rmdir(&op->st, kind);	/* fine to fail: a write of another kind made it non-empty */
	return 0;
}

int rec_leases_put(struct op *op, const char *net, const struct nsnet_leases *l, struct nsnet_err *err)
{
	char kind[NSNET_NAME_MAX + 16], buf[INET6_ADDRSTRLEN];
	char **names;
	int n, r = 0;

	lease_kind(net, kind, sizeof(kind));
	/* Convert an old single record: it goes, its leases become records of their own. */
	if (state_has(&op->st, STATE_LEASES, net) && (r = op_state_del(op, STATE_LEASES, net, err)) < 0)
		return r;
	if ((n = state_names(&op->st, kind, &names, err)) < 0)
		return n;
	/* Records of addresses @l no longer holds go, and so does the hint (a gap may open below it). */
	for (int i = 0; i < n && r == 0; i++) {
		struct nsnet_addr a;
		bool keep = false;

		if (strcmp(names[i], LEASE_HINT) && nsnet_addr_parse(names[i], &a, NULL) == 0)
			for (size_t k = 0; k < l->n && !keep; k++)
				keep = nsnet_addr_equal(&l->v[k].addr, &a) && !strcmp(nsnet_addr_str(&a, buf), names[i]);
		if (!keep)
			r = op_state_del(op, kind, names[i], err);
	}
	state_names_free(names, n);
	for (size_t k = 0; k < l->n && r == 0; k++) {
		struct nsnet_lease cur;
		json_t *j;

		nsnet_addr_str(&l->v[k].addr, buf);
		if (state_read(&op->st, kind, buf, &j, NULL) == 0) {
			bool same = lease_from_json(buf, j, &cur, NULL) == 0 && !strcmp(cur.owner, l->v[k].owner) &&
				    !strcmp(cur.ifname, l->v[k].ifname);

			json_decref(j);
			if (same)
				continue;
		}
		if (!(j = lease_to_json(&l->v[k])))
			r = nsnet_err_set(err, ENOMEM, "out of memory");
		else
			r = op_state_put(op, kind, buf, j, err);
		json_decref(j);
	}
	if (r == 0 && l->n == 0)
		state_kind_rmdir(&op->st, kind);
	return r;
}
