/* SPDX-License-Identifier: MIT */
/* An etcd v3 client over its JSON gateway (libcurl + jansson): the store overlay networks share. */
#ifndef NSNET_STORE_ETCD_H
#define NSNET_STORE_ETCD_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/*
 * Endpoints are tried in order; the first that answers is kept until it fails. Every request has a
 * deadline (timeout_ms, default 5000). https endpoints may give a CA, a client certificate and key;
 * user/password authenticate through /v3/auth/authenticate and the token goes with each request.
 */
struct etcd_opts {
	const char *endpoints; /* "http://10.0.0.1:2379,http://10.0.0.2:2379" */
	const char *cacert, *cert, *key;
	const char *user, *password;
	long timeout_ms;
};

struct etcd;

struct etcd_kv {
	char *key;
	char *value; /* NUL-terminated; value_len excludes the NUL */
	size_t value_len;
	int64_t create_rev, mod_rev, lease;
};

struct etcd_kvs {
	struct etcd_kv *v;
	size_t n;
	int64_t revision; /* the store's revision when it answered */
};

enum etcd_event_type { ETCD_PUT, ETCD_DELETE };

struct etcd_event {
	enum etcd_event_type type;
	struct etcd_kv kv;
};

int etcd_open(struct etcd **out, const struct etcd_opts *o, struct nsnet_err *err);
void etcd_close(struct etcd *e);
/* The endpoint that answered last (for messages). */
const char *etcd_endpoint(const struct etcd *e);

/* One key (out->n is 0 or 1), or every key under a prefix, sorted by key. */
int etcd_get(struct etcd *e, const char *key, struct etcd_kvs *out, struct nsnet_err *err);
int etcd_get_prefix(struct etcd *e, const char *prefix, struct etcd_kvs *out, struct nsnet_err *err);
void etcd_kvs_free(struct etcd_kvs *kvs);

/* Put unconditionally (lease 0: none). */
int etcd_put(struct etcd *e, const char *key, const char *value, int64_t lease, struct nsnet_err *err);
/* Put only if the key does not exist (one transaction): 0 created, -EEXIST if it did exist. */
int etcd_create(struct etcd *e, const char *key, const char *value, int64_t lease, struct nsnet_err *err);
/* Delete only if the key's value is still @value (one transaction): 0 deleted or absent, -ESTALE
 * if someone else's value is there now. */
int etcd_delete_if(struct etcd *e, const char *key, const char *value, struct nsnet_err *err);
int etcd_delete(struct etcd *e, const char *key, struct nsnet_err *err);

int etcd_lease_grant(struct etcd *e, int ttl_s, int64_t *id, struct nsnet_err *err);
/* Renews a lease: 0 and *ttl_left, or -ENOENT when it has expired (or never existed). */
int etcd_lease_keepalive(struct etcd *e, int64_t id, int *ttl_left, struct nsnet_err *err);
int etcd_lease_revoke(struct etcd *e, int64_t id, struct nsnet_err *err);

/*
 * Watch every key under @prefix from revision @from (0: from now). Calls @cb for each event, in
 * order, with the revision it happened at; stops when @cb returns non-zero (that value is
 * returned) or after @timeout_ms without error (returns 0; *next is the revision to watch from
 * next time). Returns -ERANGE when @from was compacted away: list again, then watch from the
 * listing's revision + 1.
 */
typedef int (*etcd_watch_cb)(void *ctx, const struct etcd_event *ev, int64_t revision);
int etcd_watch(struct etcd *e, const char *prefix, int64_t from, long timeout_ms, etcd_watch_cb cb,
	       void *ctx, int64_t *next, struct nsnet_err *err);

#endif
