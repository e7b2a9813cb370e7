// SPDX-License-Identifier: MIT
// Drives src/store/etcd.c from shell tests: one client call per run, its result on stdout.
/*
 * Usage: etcd_prog ENDPOINTS COMMAND [ARG]...
 *   put KEY VALUE [LEASE] | create KEY VALUE [LEASE] | get KEY | prefix PREFIX | del KEY
 *   delete-if KEY VALUE | lease TTL | keepalive ID | revoke ID | watch PREFIX FROM MS COUNT
 * and an overlay network's keys (src/store/overlay.c), NET SUBNET HOSTPREFIX VNI naming the network:
 *   ov-def NET SUBNET HP VNI | ov-claim NET SUBNET HP VNI HOST LEASE | ov-release NET SUBNET HP VNI HOST BLOCK
 *   ov-announce NET SUBNET HP VNI HOST VTEP BLOCK LEASE | ov-hosts NET SUBNET HP VNI
 * Prints values as "KEY=VALUE" lines (prefix: one per key, then "revision N"), a lease's ID, or
 * watch events as "put KEY=VALUE @REV" / "delete KEY @REV" then "next N". A failure prints
 * "error E<NAME>: message" on stderr and exits 1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/etcd.h"
#include "store/overlay.h"

static const char *errname(int code)
{
	switch (code) {
	case EEXIST: return "EEXIST";
	case ESTALE: return "ESTALE";
	case ENOENT: return "ENOENT";
	case ERANGE: return "ERANGE";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case EINVAL: return "EINVAL";
	case EACCES: return "EACCES";
	case ENOSPC: return "ENOSPC";
	default: return "EOTHER";
	}
}

static int fail(int r, const struct nsnet_err *err)
{
	fprintf(stderr, "error %s: %s\n", errname(-r), err->msg);
	return 1;
}

static void print_kvs(const struct etcd_kvs *kvs)
{
	for (size_t i = 0; i < kvs->n; i++)
		printf("%s=%s\n", kvs->v[i].key, kvs->v[i].value);
}

struct wctx {
	int left;
};

static int on_event(void *ctx, const struct etcd_event *ev, int64_t rev)
{
	struct wctx *w = ctx;

	if (ev->type == ETCD_PUT)
		printf("put %s=%s @%" PRId64 "\n", ev->kv.key, ev->kv.value, rev);
	else
		printf("delete %s @%" PRId64 "\n", ev->kv.key, rev);
	fflush(stdout);
	return --w->left <= 0 ? 1 : 0;
}

/* argv[3..6]: NET SUBNET HOSTPREFIX VNI. */
static int def_parse(char **argv, struct overlay_def *d, struct nsnet_err *err)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", argv[3]);
	d->host_prefix = (unsigned int)atoi(argv[5]);
	d->vni = (uint32_t)atoi(argv[6]);
	d->port = 4789;
	return nsnet_prefix_parse(argv[4], &d->subnet, err);
}

static int overlay_cmd(struct etcd *e, int argc, char **argv, struct nsnet_err *err)
{
	const char *cmd = argv[2];
	struct overlay_def d;
	struct nsnet_prefix b;
	char s[NSNET_PREFIX_STRLEN], v[64];
	int r;

	if (argc < 7 || def_parse(argv, &d, err) < 0)
		return nsnet_err_set(err, EINVAL, "%s: expected NET SUBNET HOSTPREFIX VNI", cmd);
	if (!strcmp(cmd, "ov-def") && argc == 7)
		return overlay_def_publish(e, &d, err);
	if (!strcmp(cmd, "ov-claim") && argc == 9) {
		r = overlay_block_claim(e, &d, argv[7], strtoll(argv[8], NULL, 10), &b, err);
		if (r == 0)
			printf("%s\n", nsnet_prefix_str(&b, s));
		return r;
	}
	if (!strcmp(cmd, "ov-release") && argc == 9) {
		if (nsnet_prefix_parse(argv[8], &b, err) < 0)
			return -EINVAL;
		return overlay_block_release(e, &d, argv[7], &b, err);
	}
	if (!strcmp(cmd, "ov-announce") && argc == 11) {
		struct overlay_host h = { .mac = { 0x02, 0xab, 0, 0, 0, 1 } };
		snprintf(h.id, sizeof(h.id), "%s", argv[7]);
		if (nsnet_addr_parse(argv[8], &h.vtep, err) < 0 || nsnet_prefix_parse(argv[9], &h.block, err) < 0)
			return -EINVAL;
		return overlay_host_announce(e, &d, &h, strtoll(argv[10], NULL, 10), err);
	}
	if (!strcmp(cmd, "ov-hosts") && argc == 7) {
		struct overlay_host *hs;
		size_t n, skipped;
		int64_t rev;
		r = overlay_hosts_list(e, &d, &hs, &n, &skipped, &rev, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			printf("%s %s %s\n", hs[i].id, nsnet_addr_str(&hs[i].vtep, v), nsnet_prefix_str(&hs[i].block, s));
		printf("skipped %zu\n", skipped);
		free(hs);
		return 0;
	}
	return nsnet_err_set(err, EINVAL, "%s: wrong arguments (see etcd_prog.c)", cmd);
}

int main(int argc, char **argv)
{
	struct etcd_opts o = { .endpoints = argc > 1 ? argv[1] : "", .timeout_ms = 3000 };
	struct nsnet_err err = { 0 };
	struct etcd_kvs kvs;
	struct etcd *e;
	const char *cmd = argc > 2 ? argv[2] : "";
	int r;

	o.cacert = getenv("ETCD_CACERT");
	o.user = getenv("ETCD_USER");
	o.password = getenv("ETCD_PASSWORD");
	if (argc < 3) {
		fprintf(stderr, "usage: etcd_prog ENDPOINTS COMMAND [ARG]...\n");
		return 2;
	}
	r = etcd_open(&e, &o, &err);
	if (r < 0)
		return fail(r, &err);
	if (!strncmp(cmd, "ov-", 3)) {
		r = overlay_cmd(e, argc, argv, &err);
	} else if (!strcmp(cmd, "put") && argc >= 5) {
		r = etcd_put(e, argv[3], argv[4], argc > 5 ? strtoll(argv[5], NULL, 10) : 0, &err);
	} else if (!strcmp(cmd, "create") && argc >= 5) {
		r = etcd_create(e, argv[3], argv[4], argc > 5 ? strtoll(argv[5], NULL, 10) : 0, &err);
	} else if (!strcmp(cmd, "get") && argc == 4) {
		r = etcd_get(e, argv[3], &kvs, &err);
		if (r == 0) {
			print_kvs(&kvs);
			etcd_kvs_free(&kvs);
		}
	} else if (!strcmp(cmd, "prefix") && argc == 4) {
		r = etcd_get_prefix(e, argv[3], &kvs, &err);
		if (r == 0) {
			print_kvs(&kvs);
			printf("revision %" PRId64 "\n", kvs.revision);
			etcd_kvs_free(&kvs);
		}
	} else if (!strcmp(cmd, "del") && argc == 4) {
		r = etcd_delete(e, argv[3], &err);
	} else if (!strcmp(cmd, "delete-if") && argc == 5) {
		r = etcd_delete_if(e, argv[3], argv[4], &err);
	} else if (!strcmp(cmd, "lease") && argc == 4) {
		int64_t id = 0;
		r = etcd_lease_grant(e, atoi(argv[3]), &id, &err);
		if (r == 0)
			printf("%" PRId64 "\n", id);
	} else if (!strcmp(cmd, "keepalive") && argc == 4) {
		int ttl = 0;
		r = etcd_lease_keepalive(e, strtoll(argv[3], NULL, 10), &ttl, &err);
		if (r == 0)
			printf("ttl %d\n", ttl);
	} else if (!strcmp(cmd, "revoke") && argc == 4) {
		r = etcd_lease_revoke(e, strtoll(argv[3], NULL, 10), &err);
	} else if (!strcmp(cmd, "watch") && argc == 7) {
		struct wctx w = { .left = atoi(argv[6]) };
		int64_t next = 0;
		r = etcd_watch(e, argv[3], strtoll(argv[4], NULL, 10), atol(argv[5]), on_event, &w, &next, &err);
		if (r >= 0)
			printf("next %" PRId64 "\n", next);
		if (r > 0)
			r = 0;
	} else {
		fprintf(stderr, "etcd_prog: command '%s' with %d arguments: see the usage at the top of etcd_prog.c\n",
			cmd, argc - 3);
		etcd_close(e);
		return 2;
	}
	etcd_close(e);
	return r < 0 ? fail(r, &err) : 0;
}
