// SPDX-License-Identifier: MIT
// Model records in the state dir, read and written on behalf of an operation.
#include "core/records.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/netns.h"

static bool rec_network_cached(struct op *op, const char *name, struct nsnet_network *net);
static void rec_network_cache(struct op *op, const struct nsnet_network *net);

int rec_network_load(struct op *op, const char *name, struct nsnet_network *net, struct nsnet_err *err)
{
	json_t *j;
	int r;

	if (rec_network_cached(op, name, net))
		return 0;
	r = state_read(&op->st, STATE_NETWORKS, name, &j, err);
	if (r == -ENOENT)
		return nsnet_err_set(err, ENOENT, "network %s does not exist", name);
	if (r < 0)
		return r;
	r = network_from_json(j, net, err);
	json_decref(j);
	if (r < 0)
		nsnet_err_prefix(err, "state record of network %s", name);
	else
		rec_network_cache(op, net);
	return r;
}

int rec_namespace_load(struct op *op, const char *name, struct nsnet_namespace *ns, struct nsnet_err *err)
{
	json_t *j;
	int r = state_read(&op->st, STATE_NAMESPACES, name, &j, err);

	if (r < 0)
		return r;
	r = namespace_from_json(j, ns, err);
	json_decref(j);
	if (r < 0)
		nsnet_err_prefix(err, "state record of namespace %s", name);
	return r;
}

bool rec_namespace_alive(const struct nsnet_namespace *ns)
{
	if (ns->cid[0])
		return netns_path_is(ns->netns_path, ns->netns_dev, ns->netns_ino);
	if (ns->netns_ino && netns_exists(ns->name))
		return !rec_namespace_replaced(ns);
	return netns_exists(ns->name);
}

bool rec_namespace_replaced(const struct nsnet_namespace *ns)
{
	char path[PATH_MAX];

	if (ns->cid[0] || !ns->netns_ino || !netns_exists(ns->name))
		return false;
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, ns->name);
	return !netns_path_is(path, ns->netns_dev, ns->netns_ino);
}

/* Load every record of @kind into a malloc'd array of @size-byte elements through @load. */
static int rec_load_all(struct op *op, const char *kind, size_t size, void **out,
			int (*load)(struct op *, const char *, void *, struct nsnet_err *),
			struct nsnet_err *err)
{
	char **names;
	char *v = NULL;
	int n = state_names(&op->st, kind, &names, err), k = 0;

	*out = NULL;
	if (n < 0)
		return n;
	if (n && !(v = calloc((size_t)n, size))) {
		state_names_free(names, n);
		return nsnet_err_set(err, ENOMEM, "out of memory");
	}
	for (int i = 0; i < n; i++) {
		int r = load(op, names[i], v + (size_t)k * size, err);

		if (r == -ENOENT)
			continue;	/* removed meanwhile */
		if (r == -EBADMSG && op->skip_broken) {
			/* Unreadable: listed for the caller (check reports it, gc moves it aside). */
			if (op->n_broken < OP_MAX_BROKEN)
				snprintf(op->broken[op->n_broken], sizeof(op->broken[0]), "%s/%s", kind, names[i]);
			op->n_broken++;
			continue;
		}
		if (r < 0) {
			free(v);
			state_names_free(names, n);
			return r;
		}
		k++;
	}
	state_names_free(names, n);
	*out = v;
	return k;
}

static int rec_network_load_any(struct op *op, const char *name, void *p, struct nsnet_err *err)
{
	return rec_network_load(op, name, p, err);
}

static int rec_namespace_load_any(struct op *op, const char *name, void *p, struct nsnet_err *err)
{
	return rec_namespace_load(op, name, p, err);
}

int rec_networks_load(struct op *op, struct nsnet_network **nets, struct nsnet_err *err)
{
	return rec_load_all(op, STATE_NETWORKS, sizeof(**nets), (void **)nets, rec_network_load_any, err);
}

int rec_namespaces_load(struct op *op, struct nsnet_namespace **v, struct nsnet_err *err)
{
	return rec_load_all(op, STATE_NAMESPACES, sizeof(**v), (void **)v, rec_namespace_load_any, err);
}

static int rec_leases_copy(struct nsnet_leases *to, const struct nsnet_leases *from)
{
	memset(to, 0, sizeof(*to));
	if (from->n == 0)
		return 0;
	if (!(to->v = malloc(from->n * sizeof(*to->v))))
		return -ENOMEM;
	memcpy(to->v, from->v, from->n * sizeof(*to->v));
	to->n = to->cap = from->n;
	return 0;
}

/*
 * The per-operation cache of parsed records: one network's leases, parsed once per operation (an
 * attach plans with them, a publish looks its address up in them again), and the network records
 * read (up to REC_CACHE_NETS: a VIP's checks read them all, each attach its network's). The op owns it
 * (op->cache); the steps that write, remove or roll back a record tell this layer through
 * rec_cache_forget(), so a cached copy is never older than the file.
 */
#define REC_CACHE_NETS 16

struct rec_cache {
	char leases_net[NSNET_NAME_MAX + 1];
	struct nsnet_leases leases;
	bool leases_valid;
	/* Network records as parsed (a VIP's checks read them all, an attach its network's, again). */
	size_t n_nets;
	struct nsnet_network nets[REC_CACHE_NETS];
};

void rec_cache_forget(struct op *op, const char *kind, const char *name)
{
	struct rec_cache *c = op->cache;

	size_t kl = strlen(STATE_LEASES);

	if (c && !strcmp(kind, STATE_NETWORKS))
		for (size_t i = 0; i < c->n_nets; i++)
			if (!strcmp(c->nets[i].name, name)) {
				c->nets[i] = c->nets[--c->n_nets];
				break;
			}

	/* The old single record (leases/NET) or one lease of the folder (kind leases/NET). */
	if (c && c->leases_valid && !strncmp(kind, STATE_LEASES, kl) &&
	    ((!kind[kl] && !strcmp(name, c->leases_net)) || (kind[kl] == '/' && !strcmp(kind + kl + 1, c->leases_net)))) {
		leases_free(&c->leases);
		c->leases_valid = false;
	}
}

static bool rec_network_cached(struct op *op, const char *name, struct nsnet_network *net)
{
	const struct rec_cache *c = op->cache;

	for (size_t i = 0; c && i < c->n_nets; i++)
		if (!strcmp(c->nets[i].name, name)) {
			*net = c->nets[i];
			return true;
		}
	return false;
}

/* Remember @net for the rest of the operation (when full, the oldest goes; no memory: not cached). */
static void rec_network_cache(struct op *op, const struct nsnet_network *net)
{
	struct rec_cache *c = op->cache;

	if (!c && !(c = op->cache = calloc(1, sizeof(*c))))
		return;
	if (c->n_nets == REC_CACHE_NETS)
		memmove(&c->nets[0], &c->nets[1], --c->n_nets * sizeof(c->nets[0]));
	c->nets[c->n_nets++] = *net;
}

void rec_cache_free(struct op *op)
{
	if (op->cache)
		leases_free(&op->cache->leases);
	free(op->cache);
	op->cache = NULL;
}

/* Remember @l as network @net's leases for the rest of the operation (a failed copy: no cache). */
static void rec_leases_cache(struct op *op, const char *net, const struct nsnet_leases *l)
{
	struct rec_cache *c = op->cache;

	if (!c && !(c = op->cache = calloc(1, sizeof(*c))))
		return;
	leases_free(&c->leases);
	c->leases_valid = rec_leases_copy(&c->leases, l) == 0;
	snprintf(c->leases_net, sizeof(c->leases_net), "%s", net);
}

int rec_leases_load(struct op *op, const char *net, struct nsnet_leases *l, struct nsnet_err *err)
{
	int r;

	if (op->cache && op->cache->leases_valid && !strcmp(op->cache->leases_net, net))
		return rec_leases_copy(l, &op->cache->leases) < 0 ? nsnet_err_set(err, ENOMEM, "out of memory") : 0;
	r = rec_leases_read(op, net, l, err);
	if (r < 0)
		nsnet_err_prefix(err, "leases of network %s", net);
	else
		rec_leases_cache(op, net, l);
	return r;
}

static int rec_put(struct op *op, const char *kind, const char *name, json_t *j, struct nsnet_err *err)
{
	int r;

	if (!j)
		return nsnet_err_set(err, ENOMEM, "out of memory");
	r = op_state_put(op, kind, name, j, err);
	json_decref(j);
	return r;
}

int rec_network_put(struct op *op, const struct nsnet_network *net, struct nsnet_err *err)
{
	return rec_put(op, STATE_NETWORKS, net->name, network_to_json(net), err);
}

int rec_namespace_put(struct op *op, const struct nsnet_namespace *ns, struct nsnet_err *err)
{
	return rec_put(op, STATE_NAMESPACES, ns->name, namespace_to_json(ns), err);
}

