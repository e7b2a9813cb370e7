/* SPDX-License-Identifier: MIT */
/* What an overlay network keeps in etcd: its definition, each host's block of the subnet, each live host. */
#ifndef NSNET_STORE_OVERLAY_H
#define NSNET_STORE_OVERLAY_H

#include <stdint.h>

#include "store/etcd.h"
#include "util/inet.h"

/*
 * Keys, under /nsnet/overlay/NET/:
 *   config          the definition, written once by the first host (create-if-absent); every
 *                   other host compares its own arguments with it
 *   blocks/CIDR     the host (its id) that holds that block of the subnet; under the host's
 *                   long "block" lease (24 h by default), so a host that comes back gets its block again
 *   hosts/ID        {"vtep", "mac", "block"}: a live host, under its short liveness lease (10 s)
 * Everything read back is untrusted: a value that does not parse, or a block outside the subnet, is
 * skipped and counted, never programmed.
 */
struct overlay_def {
	char name[64];
	struct nsnet_prefix subnet;	/* IPv4 */
	unsigned int host_prefix;	/* length of each host's block (24) */
	uint32_t vni;
	uint16_t port;
};

struct overlay_host {
	char id[64];
	struct nsnet_addr vtep;		/* underlay address */
	uint8_t mac[6];			/* its VXLAN device's MAC */
	struct nsnet_prefix block;
};

/* Writes the definition if none exists; else 0 when it matches, -EINVAL naming the first field
 * that differs ("--vni 42, but the network in the store has 43"). */
int overlay_def_publish(struct etcd *e, const struct overlay_def *d, struct nsnet_err *err);

/* The block of host @host: the one it holds already (its lease renewed to @lease), or the first free
 * one, taken with create-if-absent (a race lost to another host moves on to the next block).
 * -ENOSPC when every block is taken. */
int overlay_block_claim(struct etcd *e, const struct overlay_def *d, const char *host, int64_t lease,
			struct nsnet_prefix *block, struct nsnet_err *err);
/* Frees @block if @host still holds it. */
int overlay_block_release(struct etcd *e, const struct overlay_def *d, const char *host,
			  const struct nsnet_prefix *block, struct nsnet_err *err);

/* Announces @h as live under @lease. */
int overlay_host_announce(struct etcd *e, const struct overlay_def *d, const struct overlay_host *h,
			  int64_t lease, struct nsnet_err *err);
int overlay_host_withdraw(struct etcd *e, const struct overlay_def *d, const char *host, struct nsnet_err *err);

/* Every live host (valid entries only; *@skipped counts the others), and the listing's revision. */
int overlay_hosts_list(struct etcd *e, const struct overlay_def *d, struct overlay_host **out, size_t *n,
		       size_t *skipped, int64_t *revision, struct nsnet_err *err);
/* Parses one hosts/ID value (untrusted): 0 or -EINVAL. */
int overlay_host_parse(const struct overlay_def *d, const char *id, const char *json, struct overlay_host *h);

/* The definition as written to the store (malloc'd; NULL when out of memory). */
char *overlay_def_text(const struct overlay_def *d);
/* The full key of @what ("config", "blocks/", "hosts/ID") into @out (OVERLAY_KEY_MAX bytes). */
#define OVERLAY_KEY_MAX 256
void overlay_key(char *out, const struct overlay_def *d, const char *what);
/* "blocks/10.244.3.0-24", the key of @b, into @out (OVERLAY_KEY_MAX bytes). */
void overlay_block_key(char *out, const struct overlay_def *d, const struct nsnet_prefix *b);
/* The block @host holds now, if any: 0 and @block, or -ENOENT. */
int overlay_block_held(struct etcd *e, const struct overlay_def *d, const char *host, struct nsnet_prefix *block,
		       struct nsnet_err *err);

#endif
